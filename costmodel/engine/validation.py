"""Honest validation: fit the per-family efficiencies on some published cases, predict the others.

The efficiency defaults (prefill MFU, decode MFU, decode MBU per GPU family,
``data/efficiency.yaml``) are fitted to the published measurements. An error
on the cases a fit has seen is in-sample and flatters the model. Here the
same fitting procedure is run again with one group held out at a time (one
source, or one model family), and the held-out cases are predicted with
efficiencies fitted on the rest: the out-of-sample error (leave-one-group-out
cross-validation; Hastie, Tibshirani and Friedman, *The Elements of
Statistical Learning*, 2nd ed., section 7.10).

The fit: for every case the engine is evaluated once over a grid of the three
efficiencies (numpy arrays, no loop over grid points); per GPU family the grid
point with the smallest median absolute log error over that family's training
cases is kept. A family without training cases keeps its catalog defaults.

Ties: the objective is flat near its minimum (Hopper, 101 cases: 0.1212 at prefill/decode MFU
0.60/0.70 against 0.1234 at 0.70/0.50, 1.8 % apart), while the paired bootstrap spread of the difference
between such grid points is 12-22 % of the objective (2,000 resamples of the Hopper cases), so the grid
point the argmin lands on among near-equal ones is noise, and it moves what the cases do not pin down
(DeepSeek's own H800 decode profile, tests/test_deepseek_day.py). Every grid point within
``FIT_TOLERANCE`` (2 %, a tenth of that spread) of the family's minimum objective counts as tied, and
among those the fit keeps the one nearest ``PRIOR`` (the untuned defaults 0.50/0.50/0.80), in the sum
of |log(value / prior)| over the three efficiencies. The held-out folds use the same rule, so the
out-of-sample error includes it; it moves little with the tolerance (15.3-16.3 % holding out a source
for 1-5 %, 2026-12-02).
``scripts/fit_efficiency.py`` runs it and prints the values shipped in
``data/efficiency.yaml``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.calibration import MEASUREMENTS_CSV, MOE_CSV, Case, all_cases, source_group
from costmodel.engine.inference import estimate_arrays

GRID: dict[str, tuple[float, ...]] = {
    "prefill_mfu": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7),
    "decode_mfu": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7),
    "decode_mbu": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
}
"""The efficiencies the fit searches, and their candidate values."""

PRIOR: dict[str, float] = {k: Efficiency.model_fields[k].default for k in GRID}
"""Where ties are broken toward: the untuned defaults (prefill MFU 0.50, decode MFU 0.50, decode MBU 0.80; the
``default`` section of data/efficiency.yaml, the middle of the typical serving ranges of docs/cost-model.md
section 4)."""


def grid_points(grid: dict[str, tuple[float, ...]] = GRID) -> pd.DataFrame:
    """Every combination of the grid's values, one row per point."""
    return pd.DataFrame(list(itertools.product(*grid.values())), columns=list(grid))


def _predict_over(case: Case, catalog: Catalog, points: pd.DataFrame) -> np.ndarray:
    axes = {name: points[name].to_numpy() for name in points.columns}
    results = [SimpleNamespace(**estimate_arrays(s, catalog=catalog, **axes)) for s in (case.scenario, *case.extra)]
    return np.asarray(case.metric(*results), dtype=float).reshape(-1)


def prediction_matrix(cases: list[Case], catalog: Catalog, points: pd.DataFrame) -> np.ndarray:
    """Predicted value of every case (rows) at every grid point (columns)."""
    return np.vstack([_predict_over(c, catalog, points) for c in cases])


FIT_TOLERANCE = 0.02
"""Grid points whose objective is within this share of the family's minimum count as tied (see the module
docstring): the best Hopper grid points differ by 1-5 % of the objective, their paired bootstrap spread is
12-22 % of it; 2 % is a tenth of the smallest spread."""


def prior_distance(points: pd.DataFrame, prior: dict[str, float]) -> np.ndarray:
    """Per grid column, sum over the efficiencies of |log(value / prior value)|."""
    return sum(np.abs(np.log(points[k].to_numpy() / prior[k])) for k in points.columns)


def fit_families(log_ratio: np.ndarray, families: np.ndarray, train: np.ndarray,
                 distance: np.ndarray | None = None, tolerance: float = FIT_TOLERANCE) -> dict[str, int]:
    """Per family, the grid column with the smallest median |log(predicted / measured)| on the training rows.

    With ``distance`` (per column, e.g. ``prior_distance``), columns whose objective is within ``tolerance``
    (a share) of the minimum are tied and the one nearest the prior is kept; without it, the plain argmin.
    """
    best = {}
    for fam in np.unique(families):
        rows = train & (families == fam)
        if rows.any():
            objective = np.median(np.abs(log_ratio[rows]), axis=0)
            if distance is None:
                best[fam] = int(np.argmin(objective))
            else:
                tied = objective <= objective.min() * (1 + tolerance)
                best[fam] = int(np.argmin(np.where(tied, distance, np.inf)))
    return best


def predictions_with(log_ratio: np.ndarray, predicted: np.ndarray, families: np.ndarray,
                     fitted: dict[str, int], default_column: np.ndarray) -> np.ndarray:
    """Each case's prediction at its family's fitted column (``default_column[i]`` where the family is unfitted)."""
    cols = np.array([fitted.get(f, d) for f, d in zip(families, default_column, strict=True)])
    return predicted[np.arange(len(cols)), cols]


def cross_validated(log_ratio: np.ndarray, predicted: np.ndarray, families: np.ndarray, groups: np.ndarray,
                    default_column: np.ndarray, distance: np.ndarray | None = None,
                    untuned: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """Out-of-sample predictions: each group predicted by a fit on every other group (the same fit,
    ``distance`` tie-break included). ``untuned`` maps a group to the (log_ratio, predicted) matrices of a
    catalog without the figures fitted to that group's measurements (``FITTED_TO_CASES``), used in the fold
    that holds it out."""
    out = np.empty(len(groups))
    for g in np.unique(groups):
        held = groups == g
        lr, pr = (untuned or {}).get(str(g), (log_ratio, predicted))
        fitted = fit_families(lr, families, ~held, distance)
        out[held] = predictions_with(lr, pr, families, fitted, default_column)[held]
    return out


@dataclass(frozen=True)
class FittedToCases:
    """Catalog figures fitted to measurements of calibration cases themselves, not to an independent source.

    Holding out those cases' source or model family in the cross-validation does not remove what the figures
    learnt from them; the strict out-of-sample columns revert them to ``untuned`` in those folds."""

    gpu_family: str
    source_group: str
    model_family: str
    untuned: dict[str, float]
    figures: str
    """What the figures are, for a person: "CDNA3's per-kernel time and MLA decode rate"."""
    fitted_to: str
    """What they were fitted to, and by what."""

    @property
    def why(self) -> str:
        return f"{self.figures} are fitted to {self.fitted_to}"


FITTED_TO_CASES: tuple[FittedToCases, ...] = (
    FittedToCases("cdna3", "inferencex", "deepseek",
                  # untuned: the default section of data/efficiency.yaml, which CDNA3 inherited before
                  {"kernel_latency_us": 3.0, "mla_decode_attention_efficiency": 0.55},
                  "CDNA3's per-kernel time and MLA decode rate",
                  "the median decode step times (TPOT) of InferenceX's SGLang DeepSeek-R1 rows on MI300X and MI325X "
                  "(scripts/fit_cdna3_decode_kernels.py)"),
)
"""The figures the strict cross-validation reverts, with what they were before (docs/cost-model.md section 7)."""


def untuned_matrices(cases: list[Case], catalog: Catalog, points: pd.DataFrame, predicted: np.ndarray,
                     measured: np.ndarray, families: np.ndarray, entry: FittedToCases) -> tuple[np.ndarray, np.ndarray]:
    """(log_ratio, predicted) over the grid with ``entry``'s figures reverted: only its GPU family's cases change."""
    reverted = catalog.with_efficiency(entry.gpu_family, **entry.untuned)
    rows = np.flatnonzero(families == entry.gpu_family)
    out = predicted.copy()
    if len(rows):
        out[rows] = prediction_matrix([cases[i] for i in rows], reverted, points)
    return log_ratios(out, measured), out


def log_ratios(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """log(predicted / measured) per case (rows) and grid point (columns); predictions floored above 0."""
    return np.log(np.maximum(predicted, 1e-30) / measured[:, None])


def nearest_column(points: pd.DataFrame, values: pd.DataFrame) -> np.ndarray:
    """Grid column closest to each row of ``values`` (the catalog defaults of each case)."""
    grid = points.to_numpy()[None, :, :]
    return np.argmin(np.abs(grid - values.to_numpy()[:, None, :]).sum(axis=2), axis=1)


def validation_frame(catalog: Catalog | None = None, moe: bool = True) -> pd.DataFrame:
    """One row per case: measured, in-sample and out-of-sample predictions (by source, by model family).

    Columns: id, source_group, model_family, gpu_family, measured, predicted_default (catalog
    efficiencies), predicted_in_sample (fit on every case), predicted_oos_source (fit without the
    case's source), predicted_oos_model (fit without its model family), and the same two ``_strict``:
    in the folds that hold out a ``FITTED_TO_CASES`` group, its figures reverted too. ``attrs["fitted"]``
    holds the in-sample efficiencies per GPU family.
    """
    cat = catalog or load_catalog()
    cases, _ = all_cases(cat, MEASUREMENTS_CSV, MOE_CSV if moe else None)
    points = grid_points()
    predicted = prediction_matrix(cases, cat, points)
    measured = np.array([c.measured for c in cases])
    log_ratio = log_ratios(predicted, measured)
    families = np.array([cat.gpu(c.scenario.gpu).family for c in cases])
    defaults = pd.DataFrame([{k: getattr(cat.efficiency_for(cat.gpu(c.scenario.gpu)), k) for k in GRID}
                             for c in cases])
    default_col = nearest_column(points, defaults)
    frame = pd.DataFrame({
        "id": [c.id for c in cases],
        "source_group": [source_group(c.id) for c in cases],
        "model_family": [cat.model(c.scenario.model).family for c in cases],
        "gpu_family": families,
        "measured": measured,
        "predicted_default": predicted[np.arange(len(cases)), default_col],
    })
    distance = prior_distance(points, PRIOR)
    fitted = fit_families(log_ratio, families, np.ones(len(cases), dtype=bool), distance)
    frame["predicted_in_sample"] = predictions_with(log_ratio, predicted, families, fitted, default_col)
    untuned = [(entry, untuned_matrices(cases, cat, points, predicted, measured, families, entry))
               for entry in FITTED_TO_CASES]
    for name, col in (("source", "source_group"), ("model", "model_family")):
        groups = frame[col].to_numpy()
        frame[f"predicted_oos_{name}"] = cross_validated(log_ratio, predicted, families, groups, default_col, distance)
        held_out = {getattr(entry, col): matrices for entry, matrices in untuned}
        frame[f"predicted_oos_{name}_strict"] = cross_validated(log_ratio, predicted, families, groups, default_col,
                                                                distance, held_out)
    frame.attrs["fitted"] = {f: points.iloc[i].to_dict() for f, i in fitted.items()}
    return frame


def error_summary(frame: pd.DataFrame, predicted: str, by: str | None = None) -> pd.DataFrame:
    """Cases, median |error|, median signed error (bias), share within 2x, worst ratio; per ``by`` group."""
    err = frame[predicted] / frame["measured"] - 1
    ratio = np.maximum(frame[predicted], frame["measured"]) / np.minimum(frame[predicted], frame["measured"])
    data = pd.DataFrame({"group": frame[by] if by else "all", "abs": err.abs(), "err": err, "ratio": ratio})
    return data.groupby("group").agg(cases=("err", "size"), median_abs_error=("abs", "median"),
                                     median_bias=("err", "median"), within_2x=("ratio", lambda r: (r <= 2).mean()),
                                     worst_ratio=("ratio", "max"))


def worst_cases(frame: pd.DataFrame, predicted: str = "predicted_oos_source", n: int = 15) -> pd.DataFrame:
    """The ``n`` cases furthest from their measurement under ``predicted`` (ratio max/min, largest first),
    with the in-sample and both out-of-sample ratios predicted/measured beside them."""
    ratio = np.maximum(frame[predicted], frame["measured"]) / np.minimum(frame[predicted], frame["measured"])
    cols = ["predicted_in_sample", "predicted_oos_source", "predicted_oos_model"]
    out = frame[["id", "source_group", "model_family", "gpu_family", "measured"]].copy()
    for col, name in zip(cols, ("in_sample", "oos_source", "oos_model"), strict=True):
        out[name] = frame[col] / frame["measured"]
    return out.assign(worst_ratio=ratio).sort_values("worst_ratio", ascending=False).head(n).reset_index(drop=True)


def uncertainty_band(frame: pd.DataFrame, predicted: str = "predicted_oos_source",
                     coverage: float = 0.8) -> tuple[float, float]:
    """Multiplicative band (low, high) on a prediction that held ``coverage`` of the out-of-sample cases.

    The measured/predicted ratios of the cross-validated cases, their (1-coverage)/2 and (1+coverage)/2
    quantiles: a headline throughput T is "T x low to T x high" (cost: divide by them, swapped).
    """
    ratio = frame["measured"] / frame[predicted]
    lo, hi = np.quantile(ratio, [(1 - coverage) / 2, (1 + coverage) / 2])
    return float(lo), float(hi)


def summary_numbers(frame: pd.DataFrame) -> dict[str, Any]:
    """Headline numbers: median |error| and share within 2x, in-sample and out-of-sample."""
    out = {}
    for col in ("predicted_default", "predicted_in_sample", "predicted_oos_source", "predicted_oos_model",
                "predicted_oos_source_strict", "predicted_oos_model_strict"):
        s = error_summary(frame, col).iloc[0]
        out[col] = {"median_abs_error": float(s["median_abs_error"]), "within_2x": float(s["within_2x"]),
                    "worst_ratio": float(s["worst_ratio"])}
    return out


def validation_table(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """In-sample beside out-of-sample errors per ``by`` group (median |error|, bias, share within 2x)."""
    out = error_summary(frame, "predicted_in_sample", by)[["cases"]]
    for col, name in (("predicted_in_sample", "in-sample"), ("predicted_oos_source", "out-of-sample (source)"),
                      ("predicted_oos_model", "out-of-sample (model family)")):
        t = error_summary(frame, col, by)
        for stat in ("median_abs_error", "median_bias", "within_2x"):
            out[f"{name}: {stat}"] = t[stat]
    return out.round(3)


@lru_cache(maxsize=1)
def default_band(coverage: float = 0.8) -> tuple[float, float]:
    """``uncertainty_band`` of the built-in catalog's cross-validation (computed once per process, ~2 s)."""
    return uncertainty_band(validation_frame(), coverage=coverage)


def headline_ranges(throughput: float, cost: float, band: tuple[float, float]) -> dict[str, tuple[float, float]]:
    """Ranges a headline throughput and cost carry under a measured/predicted ``band`` (low, high):
    throughput x low .. x high, cost / high .. / low (cost scales with 1 / throughput)."""
    lo, hi = band
    return {"throughput": (throughput * lo, throughput * hi), "cost": (cost / hi, cost / lo)}
