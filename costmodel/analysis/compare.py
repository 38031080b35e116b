"""Side-by-side comparisons: two scenarios, or one workload on every GPU in the catalog.

Pure (numpy/pandas, no Streamlit); the app's Overview and Hardware pages show these tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.inference import Estimate, estimate, estimate_arrays, estimate_gpus
from costmodel.engine.scenario import Scenario
from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext
from costmodel.pricing.chunks import as_chunk
from costmodel.pricing.prices import scheme_for

COMPARE_METRICS: tuple[tuple[str, str], ...] = (
    ("usd_per_million_input_tokens", "USD per million input tokens"),
    ("usd_per_million_cached_input_tokens", "USD per million cached input tokens"),
    ("usd_per_million_output_tokens", "USD per million output tokens"),
    ("usd_per_request", "USD per request"),
    ("output_tokens_per_second", "Output tokens per second (deployment)"),
    ("ttft_seconds", "Time to first token (s)"),
    ("tpot_seconds", "Time per output token (s)"),
    ("concurrency", "Requests decoded together"),
    ("max_concurrency", "Most requests that fit"),
    ("tensor_parallel", "GPUs per replica"),
    ("replicas", "Replicas"),
    ("gpu_hourly_usd", "USD per GPU-hour"),
)
"""Estimate attributes compared, with human labels (units in the label)."""

SCENARIO_FIELDS_SHOWN: tuple[str, ...] = (
    "model", "gpu", "gpus", "prompt_tokens", "output_tokens", "weight_bits", "kv_bits", "cache_hit_rate",
    "concurrency",
)

_NAN = float("nan")
DEFAULT_GPU_COUNTS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def compare_scenarios(a: Scenario, b: Scenario, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per setting that differs (only those) and per metric: A, B and B / A.

    Columns: ``item``, ``kind`` ("setting" or "metric"), ``A``, ``B``, ``B / A``
    (NaN where a ratio does not apply).
    """
    cat = catalog or load_catalog()
    ea, eb = estimate(a, cat), estimate(b, cat)
    rows = []
    da, db = a.model_dump(), b.model_dump()
    for name in da:
        if da[name] != db[name]:
            rows.append({"item": name, "kind": "setting", "A": str(da[name]), "B": str(db[name]), "B / A": np.nan})
    for attr, label in COMPARE_METRICS:
        va, vb = float(getattr(ea, attr)), float(getattr(eb, attr))
        ratio = vb / va if va else np.nan
        rows.append({"item": label, "kind": "metric", "A": _num(va), "B": _num(vb), "B / A": ratio})
    return pd.DataFrame(rows, columns=["item", "kind", "A", "B", "B / A"])


def _num(v: float) -> str:
    return f"{v:.4g}"


def smallest_fitting_gpus(
    scenario: Scenario, catalog: Catalog | None = None, counts: Sequence[int] = DEFAULT_GPU_COUNTS
) -> tuple[int, Estimate] | None:
    """The smallest GPU count from ``counts`` at which the model and one request fit (with its estimate)."""
    cat = catalog or load_catalog()
    for n in counts:
        s = scenario.model_copy(update={"gpus": n, "tensor_parallel": None})
        try:
            r = estimate(s, cat)
        except CostModelError:
            continue
        if r.fits:
            return n, r
    return None


def cheapest_gpu_count(
    scenario: Scenario, catalog: Catalog | None = None, counts: Sequence[int] = DEFAULT_GPU_COUNTS,
    tolerance: float = 0.01,
) -> tuple[int, Estimate] | None:
    """The GPU count from ``counts`` with the lowest cost per request (the smallest count within
    ``tolerance`` of the minimum, since adding replicas beyond it changes little). One vectorised pass."""
    cat = catalog or load_catalog()
    s = scenario.model_copy(update={"tensor_parallel": None})
    try:
        arr = estimate_arrays(s, cat, gpus=np.asarray(counts))
    except CostModelError:
        return None
    i = cheapest_index(arr, tolerance)
    return None if i is None else (int(counts[i]), _estimate_at(arr, i))


def cheapest_index(arr: dict[str, np.ndarray], tolerance: float = 0.01) -> int | None:
    """Over results along one axis of GPU counts (fewest first): the first whose cost per request is within
    ``tolerance`` of the lowest among those that fit; None where none fits."""
    fits = np.asarray(arr["fits"], dtype=bool)
    if not fits.any():
        return None
    cost = np.where(fits, np.asarray(arr["usd_per_request"], dtype=float), np.inf)
    return int(np.flatnonzero(cost <= cost.min() * (1 + tolerance))[0])


SERVING_WEIGHT_BITS: tuple[int, ...] = (16, 8)
"""Weight precisions providers serve open models at (BF16, FP8); 4 bits only when neither fits."""


def cheapest_plan(
    scenario: Scenario, catalog: Catalog | None = None, counts: Sequence[int] = DEFAULT_GPU_COUNTS,
    bits: Sequence[int] = SERVING_WEIGHT_BITS, tolerance: float = 0.01,
) -> tuple[int, int, Estimate] | None:
    """(GPU count, weight bits, estimate) of the cheapest fitting plan: every count in ``counts`` at every
    precision in ``bits`` (then 4 bits if none fits), lowest cost per request, the smallest count and highest
    precision within ``tolerance`` of it. One vectorised engine call over the (count, bits) grid."""
    cat = catalog or load_catalog()
    s = scenario.model_copy(update={"tensor_parallel": None})
    for tried in (tuple(bits), (4,)):
        n = np.asarray(counts, dtype=float)[:, None]
        b = np.asarray(tried, dtype=float)[None, :]
        try:
            arr = estimate_arrays(s, cat, gpus=n, weight_bits=b)
        except CostModelError:
            continue
        shape = np.broadcast_shapes(n.shape, b.shape)
        fits = np.broadcast_to(np.asarray(arr["fits"], dtype=bool), shape).reshape(-1)
        if not fits.any():
            continue
        cost = np.where(fits, np.broadcast_to(np.asarray(arr["usd_per_request"], dtype=float), shape).reshape(-1),
                        np.inf)
        i = int(np.flatnonzero(cost <= cost.min() * (1 + tolerance))[0])  # row-major: fewest GPUs, then bits
        return int(counts[i // len(tried)]), int(tried[i % len(tried)]), Estimate.from_arrays(arr, i)
    return None


def _estimate_at(arr: dict[str, np.ndarray], i: int) -> Estimate:
    return Estimate.from_arrays(arr, i)


def gpu_plans(scenario: Scenario, catalog: Catalog, ids: Sequence[str],
              gpu_count: int | Literal["fit", "cheapest"]) -> list[tuple[int, Estimate | None]]:
    """Per GPU of ``ids``, (GPU count, its estimate) as ``compare_gpus`` reports it: the cheapest or the smallest
    fitting of ``DEFAULT_GPU_COUNTS`` (None where none fits, reported at the largest count), or ``gpu_count``
    GPUs. One engine pass per family of GPUs (``estimate_gpus``), each GPU at its catalog price and the
    scenario's GPU at the scenario's price where it sets one."""
    prices = [scenario.gpu_hourly_usd if gid == scenario.gpu and scenario.gpu_hourly_usd is not None
              else catalog.gpu(gid).hourly_usd for gid in ids]
    counts = DEFAULT_GPU_COUNTS if gpu_count in ("fit", "cheapest") else (int(gpu_count),)
    try:
        arr = estimate_gpus(scenario.model_copy(update={"tensor_parallel": None}), ids, catalog, hourly_usd=prices,
                            gpus=np.asarray(counts))
    except CostModelError:  # one GPU's failure would fail them all together: each on its own
        return [_gpu_plan_alone(scenario, catalog, gid, gpu_count) for gid in ids]
    out = []
    for i in range(len(ids)):
        one = {k: v[i] for k, v in arr.items()}
        if gpu_count == "cheapest":
            j = cheapest_index(one)
        elif gpu_count == "fit":
            fitting = np.flatnonzero(np.asarray(one["fits"], dtype=bool))
            j = int(fitting[0]) if len(fitting) else None
        else:
            j = 0
        out.append((counts[-1], None) if j is None else (int(counts[j]), _estimate_at(one, j)))
    return out


def _gpu_plan_alone(scenario: Scenario, catalog: Catalog, gid: str,
                    gpu_count: int | Literal["fit", "cheapest"]) -> tuple[int, Estimate | None]:
    """``gpu_plans`` for one GPU, one engine call per GPU (where the GPUs together raise an error)."""
    base = scenario.model_copy(update={"gpu": gid, "gpu_hourly_usd": scenario.gpu_hourly_usd if gid == scenario.gpu
                                       else None})
    if gpu_count in ("fit", "cheapest"):
        found = smallest_fitting_gpus(base, catalog) if gpu_count == "fit" else cheapest_gpu_count(base, catalog)
        return found if found else (DEFAULT_GPU_COUNTS[-1], None)
    n = int(gpu_count)
    try:
        return n, estimate(base.model_copy(update={"gpus": n, "tensor_parallel": None}), catalog)
    except CostModelError:
        return n, None


def compare_gpus(
    scenario: Scenario,
    catalog: Catalog | None = None,
    gpus: Iterable[str] | None = None,
    gpu_count: int | Literal["fit", "cheapest"] = "cheapest",
) -> pd.DataFrame:
    """The scenario's workload on every GPU: cost, speed and memory fit, cheapest first.

    Each GPU is billed at its own catalog price (a price override in the scenario
    applies to the scenario's GPU only). ``gpu_count="cheapest"`` uses, per GPU,
    the power-of-two count with the lowest cost per request; ``"fit"`` the
    smallest that holds the model and at least one request; an integer uses that count everywhere (rows that do not fit are kept, with
    ``fits`` False and NaN costs).

    Columns: gpu, name, gpus, fits, tensor_parallel, usd_per_million_input_tokens,
    usd_per_million_output_tokens (phase split), usd_per_million_output_tokens_all_in,
    usd_per_million_tokens_blended, tokens_per_second_per_user, usd_per_request, output_tokens_per_second,
    output_tokens_per_second_per_gpu, ttft_seconds, tpot_seconds, max_concurrency,
    memory_gb, weights_share_of_memory, gpu_hourly_usd, price_date, cheapest.
    """
    cat = catalog or load_catalog()
    ids = list(gpus) if gpus is not None else sorted(cat.gpus)
    rows = []
    chosen = gpu_plans(scenario, cat, ids, gpu_count)
    for gid, (n, r) in zip(ids, chosen, strict=True):
        g = cat.gpu(gid)
        fits = bool(r is not None and r.fits)
        def val(attr: str, r: Estimate | None = r, fits: bool = fits) -> float:
            return float(getattr(r, attr)) if (r is not None and fits) else _NAN

        weights = float(r.weights_bytes) if r is not None else _NAN
        rows.append({
            "gpu": gid,
            "name": g.name,
            "gpus": n,
            "fits": fits,
            "tensor_parallel": int(r.tensor_parallel) if r is not None else 0,
            "usd_per_million_input_tokens": val("usd_per_million_input_tokens"),
            "usd_per_million_output_tokens": val("usd_per_million_output_tokens"),
            "usd_per_million_output_tokens_all_in": val("usd_per_million_output_tokens_all_in"),
            "usd_per_million_tokens_blended": val("usd_per_million_tokens_blended"),
            "tokens_per_second_per_user": val("tokens_per_second_per_user"),
            "usd_per_request": val("usd_per_request"),
            "output_tokens_per_second": val("output_tokens_per_second"),
            "output_tokens_per_second_per_gpu": val("output_tokens_per_second") / n,
            "ttft_seconds": val("ttft_seconds"),
            "tpot_seconds": val("tpot_seconds"),
            "max_concurrency": val("max_concurrency"),
            "memory_gb": g.memory_gb,
            "weights_share_of_memory": weights / (n * g.memory_bytes),
            "gpu_hourly_usd": float(r.gpu_hourly_usd) if r is not None else g.hourly_usd,
            "price_date": g.price_date.isoformat(),
        })
    df = pd.DataFrame(rows)
    df["cheapest"] = False
    fitting = df[df["fits"]]
    if len(fitting):
        df.loc[fitting["usd_per_request"].idxmin(), "cheapest"] = True
    return df.sort_values(["fits", "usd_per_request"], ascending=[False, True], na_position="last").reset_index(
        drop=True
    )


# ----------------------------------------------------------------------------- market
def list_price_per_request(price, prompt_tokens, output_tokens: float, cache_hit_rate: float = 0.0,
                           batch: bool = False) -> np.ndarray:
    """What a provider's list price (a ``costmodel.pricing.prices.ProviderPrice``) charges per request, for each
    prompt length: cache reads at the cached-input price, the long-context tier above its threshold.

    Cached tokens are ``cache_hit_rate`` of each prompt and count as cache reads (the prefix was
    written by an earlier request); the rest is billed as plain input.
    """
    p = np.atleast_1d(np.asarray(prompt_tokens, dtype=float))
    chunk = as_chunk({"prompt_tokens": p, "output_tokens": np.full(p.shape, float(output_tokens)),
                      "cached_tokens": np.floor(p * cache_hit_rate)})
    revenue, _ = scheme_for(price, batch=batch).revenue(chunk, CostContext(), {})
    return np.asarray(revenue, dtype=float)


def market_comparison(scenario: Scenario, prices: Iterable, catalog: Catalog | None = None) -> pd.DataFrame:
    """Provider list prices beside the modeled cost of the comparable open model.

    For every price whose ``catalog_model`` is in the catalog, the scenario is re-run with
    that model on the scenario's GPU type as providers serve it: at its cheapest fitting plan
    (``cheapest_plan``: GPU count and weight precision, BF16 or FP8), experts and tensor
    parallelism at the model's own, keeping request shape, KV precision, cache hit rate and
    efficiency. Implied margins compare price and modeled cost: per request at the
    scenario's shape (cache reads at the cached-input price), and per million input or
    output tokens. A margin below zero means the list price is under this deployment's cost.

    Columns: price_id, provider, model, catalog_model, input_usd_per_m, output_usd_per_m,
    cached_input_usd_per_m, long_context_threshold, price_date, source, fits, gpus, weight_bits, tensor_parallel,
    cost_input_usd_per_m, cost_output_usd_per_m, price_per_request_usd, cost_per_request_usd,
    margin_per_request (gross, (R - C) / R), margin_input, margin_output.
    """
    cat = catalog or load_catalog()
    hit = scenario.cache_hit_rate if scenario.prefix_caching else 0.0
    rows = []
    by_model: dict[str, tuple[Scenario, tuple[int, int, Estimate] | None]] = {}
    for p in prices:
        if not p.catalog_model or p.catalog_model not in cat.models:
            continue
        if p.catalog_model not in by_model:
            s = scenario.model_copy(update={"model": p.catalog_model, "experts_total": None,
                                            "experts_active": None, "tensor_parallel": None})
            by_model[p.catalog_model] = (s, cheapest_plan(s, cat))
        s, found = by_model[p.catalog_model]
        price_req = float(list_price_per_request(p, s.prompt_tokens, s.output_tokens, hit)[0])
        row = {
            "price_id": p.id, "provider": p.provider, "model": p.model, "catalog_model": p.catalog_model,
            "input_usd_per_m": p.input, "output_usd_per_m": p.output, "cached_input_usd_per_m": p.cached_input,
            "long_context_threshold": p.long_context_threshold, "price_date": p.date.isoformat(),
            "source": p.source, "fits": found is not None, "gpus": found[0] if found else 0,
            "weight_bits": found[1] if found else 0, "tensor_parallel": found[2].tensor_parallel if found else 0,
        }
        if found:
            r = found[2]
            row.update(cost_input_usd_per_m=r.usd_per_million_input_tokens,
                       cost_output_usd_per_m=r.usd_per_million_output_tokens,
                       price_per_request_usd=price_req, cost_per_request_usd=r.usd_per_request)
        else:
            row.update(cost_input_usd_per_m=_NAN, cost_output_usd_per_m=_NAN, price_per_request_usd=price_req,
                       cost_per_request_usd=_NAN)
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    with np.errstate(divide="ignore", invalid="ignore"):
        df["margin_per_request"] = 1 - df["cost_per_request_usd"] / df["price_per_request_usd"]
        df["margin_input"] = 1 - df["cost_input_usd_per_m"] / df["input_usd_per_m"]
        df["margin_output"] = 1 - df["cost_output_usd_per_m"] / df["output_usd_per_m"]
    return df


def cost_profit_from_gross(gross: float) -> float:
    """(R - C) / C from the gross margin m = (R - C) / R: m / (1 - m) (infinite at m = 1: nothing spent)."""
    return gross / (1 - gross) if gross < 1 else float("inf")


def market_summary(comparison: pd.DataFrame) -> dict[str, float | int]:
    """Headline figures of ``market_comparison``: ``compared`` (rows), ``fitting`` (rows whose open model fits),
    ``median_margin_per_request`` (gross, (R - C) / R) and ``median_cost_profit_margin_per_request``
    ((R - C) / C) over those (NaN if none) and ``below_cost`` (how many list prices per request
    are under the modeled cost)."""
    fit = comparison[comparison["fits"]] if len(comparison) else comparison
    margins = fit["margin_per_request"].to_numpy(dtype=float) if len(fit) else np.array([])
    return {"compared": len(comparison), "fitting": len(fit),
            "median_margin_per_request": float(np.nanmedian(margins)) if margins.size else _NAN,
            # (R - C) / C = m / (1 - m) for a gross margin m: monotone, so the median maps to the median
            "median_cost_profit_margin_per_request": cost_profit_from_gross(float(np.nanmedian(margins)))
            if margins.size else _NAN,
            "below_cost": int((margins < 0).sum())}
