"""Published serving measurements as points on the throughput-interactivity plane.

The MoE/Blackwell/AMD calibration set (``data/calibration/public-calibration-moe.csv``, every
row with its source; normalisation columns documented in scripts/normalise_moe_calibration.py)
holds measurements that state a per-user speed beside a throughput: InferenceX sweeps over
concurrency, MLPerf Server/Interactive runs under p99 TTFT/TPOT limits, GPUStack and blog runs.

Per row (only rows that give both numbers become points):

- tokens/s per user: the published "tok/s/user" (InferenceX interactivity) where given, else
  1000 / TPOT in ms (MLPerf's p50 TPOT, or the mean/median TPOT a run reports);
- output tokens/s per GPU: published value x ``per_gpus`` = the measured system's tokens/s; for a
  total (input + output) count the output share osl / (isl + osl) of it; divided by
  ``system_gpus`` (every GPU of the system, prefill GPUs too for disaggregated serving).

The request shape (isl/osl), concurrency and serving layout stay with each point: a point is
comparable with the model's curve only where they are close to the scenario's.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from costmodel.engine.money import all_in_usd_per_million
from costmodel.engine.scenario import Scenario
from costmodel.resources import data_path

MOE_CSV = data_path("calibration", "public-calibration-moe.csv")

_SPEED = (re.compile(r"tok/s/user\s+(\d+(?:\.\d+)?)"), re.compile(r"interactivity\s+(\d+(?:\.\d+)?)\s*tok/s/user"))
_TPOT = (re.compile(r"p50/p99 TPOT\s+(\d+(?:\.\d+)?)/[\d.]+\s*ms"), re.compile(r"(?:[Mm]ean|median|Published) TPOT\s+(\d+(?:\.\d+)?)\s*ms"),
         re.compile(r"TPOT\s+(\d+(?:\.\d+)?)\s*ms"))


def per_user_speed(notes: str) -> tuple[float, str] | None:
    """(tokens/s per user, how it was read) from a row's notes, or None when the row states no speed."""
    for pattern in _SPEED:
        m = pattern.search(notes)
        if m:
            return float(m.group(1)), "published tok/s/user"
    for pattern in _TPOT:
        m = pattern.search(notes)
        if m and float(m.group(1)) > 0:
            return 1000.0 / float(m.group(1)), "1000 / TPOT (ms)"
    return None


def _number(value: object) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def output_per_gpu(value: float, per_gpus: float, system_gpus: float, token_kind: str, isl: float,
                   osl: float) -> float:
    """Output tokens/s per GPU of the measured system (see the module docstring); NaN when unknown."""
    system = value * (per_gpus if per_gpus > 0 else 1.0)
    if token_kind == "total":
        system *= osl / (isl + osl) if isl + osl > 0 else np.nan
    elif token_kind != "output":
        return float("nan")
    return system / system_gpus if system_gpus > 0 else float("nan")


@functools.lru_cache(maxsize=1)
def _all_points() -> pd.DataFrame:
    rows = pd.read_csv(MOE_CSV, dtype=str).fillna("")
    records = []
    for row in rows.to_dict(orient="records"):
        speed = per_user_speed(row["notes"])
        isl, osl = _number(row["isl"]), _number(row["osl"])
        per_gpu = output_per_gpu(_number(row["value"]), _number(row["per_gpus"]), _number(row["system_gpus"]),
                                 row["token_kind"], isl, osl)
        if speed is None or not np.isfinite(per_gpu):
            continue
        records.append({
            "id": row["id"], "model": row["catalog_model"], "gpu": row["catalog_gpu"],
            "tokens_per_second_per_user": speed[0], "speed_from": speed[1],
            "output_tokens_per_second_per_gpu": per_gpu, "isl": isl, "osl": osl,
            "concurrency": _number(row["concurrency"]), "system_gpus": _number(row["system_gpus"]),
            "serving": row["serving"], "mode": row["mode"], "framework": row["framework"],
            "weight_bits": _number(row["weight_bits"]), "speculative": row["mtp"] == "1", "source": row["source"],
        })
    return pd.DataFrame.from_records(records)


def published_points(model: str | None = None, gpu: str | None = None) -> pd.DataFrame:
    """Measurements with a per-user speed and a throughput, for a catalog model and GPU (None: any)."""
    df = _all_points()
    if model is not None:
        df = df[df["model"] == model]
    if gpu is not None:
        df = df[df["gpu"] == gpu]
    return df.reset_index(drop=True)


def similar_shape(points: pd.DataFrame, prompt_tokens: float, output_tokens: float, factor: float = 2.0) -> np.ndarray:
    """True for measurements whose mean prompt and output lengths are both within ``factor`` of the given ones
    (a run with unknown lengths is never similar)."""
    isl = points["isl"].to_numpy(dtype=float)
    osl = points["osl"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        near_in = (isl >= prompt_tokens / factor) & (isl <= prompt_tokens * factor)
        near_out = (osl >= output_tokens / factor) & (osl <= output_tokens * factor)
    return near_in & near_out


def comparable(points: pd.DataFrame, s: Scenario, factor: float = 2.0) -> np.ndarray:
    """True for measurements run like the scenario: a similar request shape (:func:`similar_shape`), the same
    weight precision, and speculative decoding on exactly when the scenario drafts tokens."""
    if points.empty:
        return np.zeros(0, dtype=bool)
    same_bits = points["weight_bits"].to_numpy(dtype=float) == s.weight_bits
    same_spec = points["speculative"].to_numpy(dtype=bool) == (s.spec_draft_tokens > 0)
    return similar_shape(points, s.prompt_tokens, s.output_tokens, factor) & same_bits & same_spec


def usd_per_million_output(points: pd.DataFrame, gpu_hourly_usd: float) -> np.ndarray:
    """All-in $ per million output tokens of each measured point at a GPU-hour price:
    $/GPU-hour / 3600 / output tokens/s per GPU x 1e6."""
    return all_in_usd_per_million(1, gpu_hourly_usd, points["output_tokens_per_second_per_gpu"].to_numpy(dtype=float),
                                  1.0)


__all__ = ["MOE_CSV", "comparable", "output_per_gpu", "per_user_speed", "published_points", "similar_shape",
           "usd_per_million_output"]
