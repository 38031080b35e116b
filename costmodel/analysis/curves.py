"""Cost curves: one scenario swept along one axis (context, batch, cache hits), one vectorised engine call each.

Every cost comes from :func:`costmodel.estimate_arrays`; this module chooses the
grids, masks the points where the model and one request do not fit as NaN (a gap
in a drawn line) and derives what the app draws from them (marginal cost, cost
relative to a short prompt, list price beside cost). Tested in tests/test_curves.py.
"""

from __future__ import annotations

import numpy as np

from costmodel.analysis.unit_economics import flat_price_usd
from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.loader import Catalog
from costmodel.engine.inference import Estimate, estimate_arrays
from costmodel.engine.scenario import Scenario

CONCURRENCY_GRID = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
PROMPT_TOKENS_MAX = int(next(m.le for m in Scenario.model_fields["prompt_tokens"].metadata
                             if getattr(m, "le", None) is not None))
"""The Scenario's bound on prompt_tokens (a model's window may be longer: Llama 4 Scout's 10M)."""


def prompt_limit(model: ModelArchitecture) -> int:
    """Longest prompt a sweep (and the app's widget) offers: the model's context window, within the Scenario's
    bound."""
    return min(int(model.max_context_tokens), PROMPT_TOKENS_MAX)


def context_grid(s: Scenario, catalog: Catalog, points: int = 40, low: int = 128) -> np.ndarray:
    """Prompt lengths from ``low`` to the model's context window (minus the output), log-spaced, always
    including the scenario's own prompt length."""
    top = max(prompt_limit(catalog.model(s.model)) - s.output_tokens, low + 1)
    grid = np.unique(np.geomspace(low, top, points).astype(int))
    return np.unique(np.append(grid, min(s.prompt_tokens, top)))


def _masked(arr: dict[str, np.ndarray], key: str) -> np.ndarray:
    v = np.asarray(arr[key], dtype=float).copy()
    v[~np.asarray(arr["fits"], dtype=bool)] = np.nan
    return v


def over_context(s: Scenario, catalog: Catalog, keys: tuple[str, ...], grid: np.ndarray | None = None):
    """(grid, {key: values}) of Estimate fields as the prompt grows."""
    x = context_grid(s, catalog) if grid is None else grid
    arr = estimate_arrays(s, catalog, prompt_tokens=x)
    return x, {k: _masked(arr, k) for k in keys}


def illusion(s: Scenario, catalog: Catalog, price_in: float, price_out: float):
    """(prompt grid, cost per request, list price per request) for the token-illusion chart."""
    x, v = over_context(s, catalog, ("usd_per_request",))
    return x, v["usd_per_request"], flat_price_usd(x, s.output_tokens, price_in, price_out)


def over_concurrency(s: Scenario, catalog: Catalog, keys: tuple[str, ...], include: float | None = None):
    """(concurrency grid, {key: values}); points above the largest batch that fits are dropped to NaN.
    ``include``: a concurrency added to the grid (the scenario's own, so its point lies on the curve)."""
    x = np.asarray(CONCURRENCY_GRID, dtype=float)
    if include is not None and np.isfinite(include) and include >= 1:
        x = np.unique(np.append(x, float(include)))
    arr = estimate_arrays(s, catalog, concurrency=x)
    over = x > np.asarray(arr["max_concurrency"], dtype=float)
    out = {}
    for k in keys:
        v = _masked(arr, k)
        v[over] = np.nan
        out[k] = v
    return x, out


def over_cache_hit(s: Scenario, catalog: Catalog, keys: tuple[str, ...], points: int = 21):
    """(hit-rate grid 0..0.95, {key: values}) with prefix caching switched on."""
    x = np.linspace(0.0, 0.95, points)
    arr = estimate_arrays(s.model_copy(update={"prefix_caching": True}), catalog, cache_hit_rate=x)
    return x, {k: _masked(arr, k) for k in keys}


def marginal_cost(s: Scenario, catalog: Catalog):
    """(context grid, USD per million extra prompt tokens, USD per million extra output tokens) by finite
    differences of the cost per request: what the next token costs at each context length."""
    x = context_grid(s, catalog)
    top = prompt_limit(catalog.model(s.model))
    step = np.maximum(1, (x * 0.01).astype(int))
    up = np.maximum(np.minimum(x + step, top - s.output_tokens - 1), 1)
    # Forward differences, backward ones where the window leaves no room above x: at the grid's last point (Mixtral's
    # 32k window) up fell below x and the difference came out negative (-$0.055 per M prompt tokens).
    hi = np.where(up > x, up, x)
    lo = np.where(up > x, x, np.maximum(x - step, 1))
    n = len(x)
    arr = estimate_arrays(s, catalog, prompt_tokens=np.concatenate([x, lo, hi]))
    cost = _masked(arr, "usd_per_request")
    d_in = (cost[2 * n:] - cost[n:2 * n]) / np.maximum(hi - lo, 1)
    out_step = max(1, s.output_tokens // 100)
    arr_o = estimate_arrays(s, catalog, prompt_tokens=x, output_tokens=np.full(n, s.output_tokens + out_step))
    d_out = (_masked(arr_o, "usd_per_request") - cost[:n]) / out_step
    return x, d_in * 1e6, d_out * 1e6


def relative_to_first(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each curve divided by its first point: over ``over_context``'s grid, how much dearer a token gets as the
    context grows (1 everywhere would be a flat price per token). NaN where the first point is NaN or zero."""
    out = {}
    for k, v in values.items():
        v = np.asarray(v, dtype=float)
        first = float(v[0]) if v.size else float("nan")
        out[k] = v / first if first else np.full(v.shape, np.nan)  # NaN / 0 would give inf
    return out


def roofline(peak_flops: float, bandwidth: float, ai_range: tuple[float, float] = (0.1, 1e5),
             points: int = 200) -> tuple[np.ndarray, np.ndarray, float]:
    """(arithmetic intensity grid in FLOP/byte, attainable FLOP/s, ridge point in FLOP/byte) of one GPU:
    attainable = min(peak, intensity × bandwidth) (Williams, Waterman and Patterson, CACM 2009)."""
    ai = np.geomspace(ai_range[0], ai_range[1], points)
    return ai, np.minimum(peak_flops, ai * bandwidth), peak_flops / bandwidth


def achieved_flops(r: Estimate, phase: str) -> float:
    """FLOP/s per GPU a phase reaches in the estimate: its FLOPs over its time, spread over the replica's GPUs."""
    if phase == "prefill":
        flops, seconds = r.prefill_flops_per_request, r.prefill_seconds_per_request
    else:
        flops, seconds = r.decode_flops_per_step, r.decode_step_seconds
    return float(flops / max(seconds, 1e-30) / max(r.tensor_parallel, 1))


def price_vs_cost(s: Scenario, catalog: Catalog, price, points: int = 60):
    """(prompt grid, list price per request without cache, with the scenario's cache hits, modeled cost per
    request) for one provider price. The grid reaches past the price's long-context threshold; the cost is
    NaN beyond the scenario model's context window."""
    from costmodel.analysis.compare import list_price_per_request

    top = prompt_limit(catalog.model(s.model)) - s.output_tokens
    far = max(top, 2 * (price.long_context_threshold or 0))
    x = np.unique(np.geomspace(128, max(far, 256), points).astype(int))
    inside = x[x <= top]
    cost = np.full(x.shape, np.nan)
    if inside.size:
        arr = estimate_arrays(s, catalog, prompt_tokens=inside)
        cost[: inside.size] = _masked(arr, "usd_per_request")
    hit = s.cache_hit_rate if s.prefix_caching else 0.0
    plain = list_price_per_request(price, x, s.output_tokens, 0.0)
    cached = list_price_per_request(price, x, s.output_tokens, hit)
    return x, plain, cached, cost


def on_grid(s: Scenario, catalog: Catalog, x: np.ndarray, key: str) -> np.ndarray:
    """One Estimate field of ``s`` at the prompt lengths ``x`` (another scenario's grid); NaN beyond
    ``s``'s context window or where it does not fit."""
    top = prompt_limit(catalog.model(s.model)) - s.output_tokens
    out = np.full(np.shape(x), np.nan)
    inside = np.asarray(x) <= top
    if inside.any():
        arr = estimate_arrays(s, catalog, prompt_tokens=np.asarray(x)[inside])
        out[inside] = _masked(arr, key)
    return out
