"""Optimization levers: from a naive baseline to the chosen scenario, one technique at a time.

The naive baseline serves the same model, request shape and deployment the way
early systems did: every expert active (a dense-equivalent model), 16-bit
weights and KV cache, unfused attention (no FlashAttention), KV memory reserved
for each request's maximum (no paging), no prefix cache and no speculative
decoding. The levers are then switched to the scenario's settings in a fixed
order, and each step's cost is estimated with the same engine. Because the
effects multiply (a smaller KV cache lets a larger batch fit, which in turn
makes each weight read cheaper), the multiplier of a lever depends on the
levers before it: the table reports each one *in this order*.

Seed 000's technique table lists the typical gains quoted for each technique;
``SEED_CLAIMS`` carries them so the app can show claim and model side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.catalog.quality import kv_quality_note, weight_quality_note
from costmodel.engine.inference import estimate
from costmodel.engine.scenario import KV_BITS, WEIGHT_BITS, Scenario

SEED_CLAIMS: Mapping[str, str] = MappingProxyType(
    {
        "moe": "2-4x throughput vs dense",
        "weight_bits": "2-4x memory reduction",
        "kv_bits": "smaller KV cache, larger batch",
        "flash_attention": "2-3x speed for long sequences",
        "paged_kv": "up to 24x larger batch size",
        "prefix_cache": "skips recomputing shared prefixes",
        "speculative": "2-3x latency reduction",
        "deployment": "",
    }
)
"""Typical gains as quoted in the seed article's technique table (claims, not measurements)."""

LEVER_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "moe": "Mixture of experts (sparse activation)",
        "weight_bits": "Quantized weights",
        "kv_bits": "Quantized KV cache",
        "flash_attention": "FlashAttention",
        "paged_kv": "Paged KV cache (vLLM)",
        "prefix_cache": "Prefix caching",
        "speculative": "Speculative decoding",
        "deployment": "Right-sized deployment",
    }
)

METRICS: tuple[str, ...] = (
    "usd_per_request",
    "usd_per_million_input_tokens",
    "usd_per_million_output_tokens",
    "usd_per_million_output_tokens_all_in",
    "output_tokens_per_second",
    "ttft_seconds",
    "tpot_seconds",
    "max_concurrency",
)


def naive_baseline(scenario: Scenario, catalog: Catalog | None = None) -> Scenario:
    """The scenario served without any of the levers (same model, GPUs, request shape and prices)."""
    cat = catalog or load_catalog()
    model = cat.model(scenario.model)
    update: dict[str, object] = {
        "weight_bits": 16,
        "kv_bits": 16,
        "compute_dtype": None,
        "flash_attention": False,
        "paged_kv": False,
        "prefix_caching": False,
        "cache_hit_rate": 0.0,
        "spec_draft_tokens": 0,
    }
    if model.is_moe:
        total = scenario.experts_total or model.num_experts
        update["experts_active"] = total  # every expert on every token: the dense equivalent
    return scenario.model_copy(update=update)


def _steps(scenario: Scenario, model_is_moe: bool) -> list[tuple[str, dict[str, object], str]]:
    """(lever id, fields it sets to the scenario's values, human description) in application order."""
    s = scenario
    steps: list[tuple[str, dict[str, object], str]] = []
    if model_is_moe:
        steps.append(("moe", {"experts_active": s.experts_active}, "only the routed experts run per token"))
    steps += [
        ("weight_bits", {"weight_bits": s.weight_bits, "compute_dtype": s.compute_dtype},
         f"{s.weight_bits}-bit weights"),
        ("kv_bits", {"kv_bits": s.kv_bits}, f"{s.kv_bits}-bit KV cache"),
        ("flash_attention", {"flash_attention": s.flash_attention}, "on" if s.flash_attention else "off"),
        ("paged_kv", {"paged_kv": s.paged_kv}, "on" if s.paged_kv else "off"),
        ("prefix_cache", {"prefix_caching": s.prefix_caching, "cache_hit_rate": s.cache_hit_rate},
         f"{s.cache_hit_rate:.1%} of the prompt cached" if s.prefix_caching else "off"),
        ("speculative", {"spec_draft_tokens": s.spec_draft_tokens},
         f"{s.spec_draft_tokens} drafted tokens per step" if s.spec_draft_tokens else "off"),
    ]
    return steps


MAX_GPUS = 4096


def baseline_gpus(scenario: Scenario, catalog: Catalog | None = None) -> int:
    """GPUs the naive baseline needs: the scenario's count, doubled until the baseline fits
    (unfused attention and unpaged 16-bit KV need far more memory), at most ``MAX_GPUS``."""
    cat = catalog or load_catalog()
    base = naive_baseline(scenario, cat)
    n = scenario.gpus
    while True:
        if estimate(base.model_copy(update={"gpus": n, "tensor_parallel": None}), cat).fits or n >= MAX_GPUS:
            return n
        n = min(2 * n, MAX_GPUS)


def lever_steps(scenario: Scenario, catalog: Catalog | None = None) -> pd.DataFrame:
    """The cost after each lever, from the naive baseline to ``scenario``.

    One row for the baseline, one per lever (in application order), in which the
    last row equals the scenario itself. When the baseline does not fit on the
    scenario's GPUs, it (and every lever after it) runs on ``baseline_gpus``
    GPUs, and a last lever, "Right-sized deployment", returns to the
    scenario's GPU count: what the memory savings buy. Columns: ``step`` (0..n), ``lever``
    (id, "baseline"), ``title``, ``setting``, ``applies`` (False where the
    scenario leaves the lever off, so it changes nothing), ``fits``, every
    metric in ``METRICS`` (NaN where the deployment does not fit), ``multiplier``
    (usd_per_request after / before this lever; NaN for the baseline or when a
    side does not fit), ``seed_claim`` and ``accuracy`` (the published accuracy change of the precision levers,
    or "no published figure"; empty for the other levers).
    """
    cat = catalog or load_catalog()
    model = cat.model(scenario.model)
    n0 = baseline_gpus(scenario, cat)
    current = naive_baseline(scenario, cat)
    steps = _steps(scenario, model.is_moe)
    if n0 != scenario.gpus:
        current = current.model_copy(update={"gpus": n0, "tensor_parallel": None})
        steps.append(("deployment", {"gpus": scenario.gpus, "tensor_parallel": scenario.tensor_parallel},
                      f"{n0} → {scenario.gpus} GPUs"))
    rows = [_row(0, "baseline", "Naive baseline", f"dense-equivalent, 16-bit, no FlashAttention, no paging, "
                 f"no cache, no speculation, {n0} GPUs", True, current, cat)]
    for i, (lever, fields, setting) in enumerate(steps, start=1):
        before = current
        current = current.model_copy(update=fields)
        applies = current != before
        rows.append(_row(i, lever, LEVER_TITLES[lever], setting, applies, current, cat))
    df = pd.DataFrame(rows)
    cost = df["usd_per_request"].to_numpy(dtype=float)
    prev = np.concatenate([[np.nan], cost[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        df["multiplier"] = cost / prev
    df["seed_claim"] = [SEED_CLAIMS.get(lever, "") for lever in df["lever"]]
    df["accuracy"] = [accuracy_note(lever, scenario) for lever in df["lever"]]
    return df


def accuracy_note(lever: str, scenario: Scenario) -> str:
    """The published accuracy change of a precision lever for the scenario's model (data/quality), else ""."""
    if lever == "weight_bits":
        return weight_quality_note(scenario.model, scenario.weight_bits)
    if lever == "kv_bits":
        return kv_quality_note(scenario.kv_bits)
    return ""


def _row(step: int, lever: str, title: str, setting: str, applies: bool, s: Scenario, cat: Catalog) -> dict:
    r = estimate(s, cat)
    row: dict[str, object] = {"step": step, "lever": lever, "title": title, "setting": setting,
                              "applies": bool(applies), "fits": bool(r.fits)}
    for m in METRICS:
        row[m] = float(getattr(r, m)) if r.fits else np.nan
    return row


def total_multiplier(steps: pd.DataFrame, metric: str = "usd_per_request") -> float:
    """Scenario cost / baseline cost on ``metric`` (NaN when either does not fit)."""
    first, last = float(steps[metric].iloc[0]), float(steps[metric].iloc[-1])
    return last / first if first and np.isfinite(first) and np.isfinite(last) else float("nan")


def waterfall(steps: pd.DataFrame, metric: str = "usd_per_request") -> pd.DataFrame:
    """The bars of a waterfall of ``metric`` over the steps that fit, from ``lever_steps``.

    One ``absolute`` bar for the first fitting step (its value), one ``relative`` bar
    per later step (its change, after minus before), then a ``total`` bar (the last
    value). Columns: ``lever``, ``title``, ``measure``, ``value`` (what the bar draws),
    ``level`` (the metric after the bar) and ``multiplier`` (after / before for a
    relative bar; NaN otherwise or when ``before`` is zero).
    """
    fit = steps[steps["fits"]]
    level = fit[metric].to_numpy(dtype=float)
    n = len(level)
    before = np.concatenate([[np.nan], level[:-1]]) if n else level
    with np.errstate(invalid="ignore", divide="ignore"):
        mult = np.where(before != 0, level / before, np.nan)
    bars = pd.DataFrame({
        "lever": fit["lever"].to_numpy(), "title": fit["title"].to_numpy(),
        "measure": ["absolute", *["relative"] * (n - 1)][:n],
        "value": np.concatenate([level[:1], np.diff(level)]), "level": level, "multiplier": mult,
    })
    if n:
        bars.loc[0, "multiplier"] = np.nan
        total = {"lever": "scenario", "title": "Your scenario", "measure": "total", "value": level[-1],
                 "level": level[-1], "multiplier": np.nan}
        bars = pd.concat([bars, pd.DataFrame([total])], ignore_index=True)
    return bars


def precision_choices(scenario: Scenario, catalog: Catalog | None = None) -> pd.DataFrame:
    """Every weight-bits and KV-bits choice for the scenario's model: its cost beside its published accuracy.

    One row per choice (the other precision kept at the scenario's): ``kind`` ("weights" / "KV cache"),
    ``bits``, ``fits``, ``usd_per_request`` (NaN where it does not fit), ``cost_vs_16_bit`` (ratio to the
    16-bit choice) and ``accuracy`` (the published figure, or "no published figure").
    """
    cat = catalog or load_catalog()
    rows = []
    for kind, field, choices, note in (("weights", "weight_bits", WEIGHT_BITS,
                                        lambda b: weight_quality_note(scenario.model, b)),
                                       ("KV cache", "kv_bits", KV_BITS, kv_quality_note)):
        costs = {}
        for bits in sorted(choices, reverse=True):
            r = estimate(scenario.model_copy(update={field: bits, **({"compute_dtype": None}
                                                                      if field == "weight_bits" else {})}), cat)
            costs[bits] = r.usd_per_request if r.fits else np.nan
            rows.append({"kind": kind, "bits": bits, "fits": bool(r.fits), "usd_per_request": costs[bits],
                         "cost_vs_16_bit": costs[bits] / costs[16] if costs[16] == costs[16] else np.nan,
                         "accuracy": note(bits)})
    return pd.DataFrame(rows)
