"""What the sidebar's controls accept, and the one-line notice when a typed or linked value is pulled inside.

Pure (no Streamlit): the ranges of the sliders (context steps on a log scale up to the
model's window, expert counts, bits, cache hit rate), clamping a set of widget values
into them with a notice per change, and reading a shared link's raw query values to say
which ones were clamped or ignored. Tested in tests/test_ui_limits.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from costmodel import Catalog, Scenario
from costmodel.analysis.curves import prompt_limit
from costmodel.catalog.architecture import ModelArchitecture
from costmodel.engine.serving_runtime import RUNTIME_IDS
from ui.format import fmt_tokens

BITS_CHOICES: tuple[int, ...] = (16, 8, 4)
KV_BITS_CHOICES: tuple[int, ...] = (16, 8, 4, 3, 2)  # 2 and 3: KIVI/KVQuant-style KV quantization
CACHE_STEP_PCT = 5.0
"""The cache slider moves in 5% steps under the mouse; a link may still hold any tenth of a percent."""
CONTEXT_LOW = 256
SERVICE_KEYS = ("min_tokens_per_second_per_user", "max_ttft_seconds", "utilization_pct")
"""URL keys of the service-level and load sliders (Scenario fields; utilization as a percent)."""
SERVICE_RANGES = {"min_tokens_per_second_per_user": (0.0, 300.0, 5.0), "max_ttft_seconds": (0.0, 30.0, 0.5),
                  "utilization_pct": (5.0, 100.0, 5.0)}
"""(lowest, highest, step) of each service slider: a speed a reader perceives, a TTFT a user waits, a busy share."""


def _le(field: str) -> float:
    return next(m.le for m in Scenario.model_fields[field].metadata if getattr(m, "le", None) is not None)


def output_limit(model: ModelArchitecture) -> int:
    return min(int(model.max_context_tokens), int(_le("output_tokens")))


def context_steps(model: ModelArchitecture) -> tuple[int, ...]:
    """Prompt lengths the context slider offers: powers of two from 256 up to the model's window, and the
    window itself (each step doubles the context, so 2k -> 128k is six steps)."""
    top = prompt_limit(model)
    steps = [CONTEXT_LOW * 2**k for k in range(40) if CONTEXT_LOW * 2**k < top]
    return (*steps, top) if top >= CONTEXT_LOW else (top,)


def nearest_step(steps: Sequence[int], n: float) -> int:
    """The step closest to ``n`` on a log scale (where the slider's knob sits for an exact typed value)."""
    n = max(float(n), 1.0)
    return min(steps, key=lambda s: abs(math.log(s) - math.log(n)))


def fmt_context(n: int) -> str:
    """A context step's label: binary thousands as providers name windows (2048 -> '2k', 131072 -> '128k')."""
    if n >= 2**20 and n % 2**20 == 0:
        return f"{n // 2**20}M"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024}k"
    return fmt_tokens(n)


def experts_cap(model: ModelArchitecture) -> int:
    """Top of the experts-total slider: twice the model's experts (explore finer or coarser MoE)."""
    return max(2 * int(model.num_experts or 1), 8)


def active_cap(model: ModelArchitecture) -> int:
    """Top of the experts-active slider: four times the model's top-k, at least 16, never above the total cap."""
    return min(experts_cap(model), max(16, 4 * int(model.experts_per_token or 1)))


def numeric_bounds(key: str, model: ModelArchitecture | None, values: Mapping[str, Any]) -> tuple[float, float] | None:
    """(lowest, highest) a numeric control accepts for this model, or None for a non-numeric key."""
    fixed = {"gpus": (1, _le("gpus")), "concurrency": (0, 10_000_000), "gpu_hourly_usd": (0.01, _le("gpu_hourly_usd")),
             "spec_draft_tokens": (0, _le("spec_draft_tokens")), "max_batch_size": (1, _le("max_batch_size")),
             "max_num_tokens": (16, _le("max_num_tokens")), "step_overhead_ms": (0, _le("step_overhead_ms")),
             "cache_hit_pct": (0, 100), "spec_acceptance_pct": (0, 99), "spec_draft_cost_pct": (0, 100),
             "burst_requests": (0, _le("burst_requests")), "output_tokens_cv": (0, _le("output_tokens_cv"))}
    if key in fixed:
        return fixed[key]
    if key in SERVICE_RANGES:
        return SERVICE_RANGES[key][:2]
    if key.endswith("_pct"):
        return (0.1, 100)
    if model is None:
        return None
    if key == "prompt_tokens":
        return (1, prompt_limit(model))
    if key == "output_tokens":
        return (1, output_limit(model))
    if key == "experts_total" and model.is_moe:
        return (1, experts_cap(model))
    if key == "experts_active":
        total = values.get("experts_total")
        top = active_cap(model) if model.is_moe else _le("experts_active")
        return (1, min(top, int(total)) if isinstance(total, int | float) and total >= 1 else top)
    return None


INT_KEYS = frozenset({"gpus", "concurrency", "burst_requests", "spec_draft_tokens", "max_batch_size", "max_num_tokens",
                      "prompt_tokens", "output_tokens", "experts_total", "experts_active"})

BOOL_KEYS = frozenset({"flash_attention", "paged_kv", "prefix_caching"})

_NAMES = {"prompt_tokens": "Prompt length", "output_tokens": "Output length", "experts_total": "Experts (total)",
          "experts_active": "Experts (active)", "cache_hit_pct": "Cache hit rate (%)", "gpus": "GPUs",
          "utilization_pct": "Utilization (%)", "burst_requests": "Burst size (requests)",
          "output_tokens_cv": "Output length spread (sd/mean)"}


def _show(key: str, v: float) -> str:
    if key in ("prompt_tokens", "output_tokens"):
        return f"{v:,.0f} tokens"
    return f"{v:,.0f}" if key in INT_KEYS else f"{v:g}"


def _why(key: str, v: float, lo: float, hi: float, model: ModelArchitecture | None) -> str:
    if key == "prompt_tokens" and model is not None and v > hi:
        return f"is beyond {model.name}'s {hi:,.0f}-token window"
    if key == "experts_active" and v > hi:
        return f"exceeds the {hi:,.0f} experts allowed here (no more than the total)"
    return f"is outside {_show(key, lo)} to {_show(key, hi)}"


def clamp_with_notices(values: Mapping[str, Any], catalog: Catalog) -> tuple[dict[str, Any], list[str]]:
    """Values pulled inside what the controls accept for the chosen model, and one line per value changed."""
    out = dict(values)
    model = catalog.models.get(out.get("model", Scenario().model))
    notes: list[str] = []
    for key in list(out):
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            continue
        bounds = numeric_bounds(key, model, out)
        if bounds is None or bounds[0] <= v <= bounds[1]:
            continue
        lo, hi = bounds
        new = min(max(v, lo), hi)
        new = int(new) if key in INT_KEYS else float(new)
        notes.append(f"{_NAMES.get(key, key)} {_show(key, v)} {_why(key, v, lo, hi, model)}: using {_show(key, new)}.")
        out[key] = new
    return out, notes


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_number(raw: str) -> float | None:
    try:
        v = float(raw.strip())
    except (ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def url_notices(raw: Mapping[str, Sequence[str]], values: Mapping[str, Any],
                catalog: Catalog) -> tuple[dict[str, Any], list[str]]:
    """Compare a link's raw query values with what the controls took from it.

    Returns (fixes, notices): ``fixes`` are widget values to set on the next run (an out-of-range number
    clamped to the nearest bound instead of dropped), ``notices`` one line per value that was clamped or
    could not be used (the text quotes the raw value shortened; escape it before rendering as markdown).
    """
    model = catalog.models.get(values.get("model", Scenario().model))
    fixes: dict[str, Any] = {}
    notes: list[str] = []
    choices: dict[str, Sequence[str]] = {"model": list(catalog.models), "gpu": list(catalog.gpus),
                                         "weight_bits": [str(b) for b in BITS_CHOICES],
                                         "kv_bits": [str(b) for b in KV_BITS_CHOICES],
                                         "serving_runtime": ["generic", *RUNTIME_IDS]}
    for key, vals in raw.items():
        if not vals:
            continue
        text = str(vals[-1])
        shown = _short(text)
        if key in choices:
            if text not in choices[key]:
                opts = ", ".join(choices[key]) if len(choices[key]) <= 6 else "the catalog's ids"
                notes.append(f"The link's {key}={shown!r} is not one of {opts}: using {values.get(key)}.")
            continue
        if key in BOOL_KEYS:
            if text.strip().lower() not in ("true", "false"):
                notes.append(f"The link's {key}={shown!r} is not true or false: using {values.get(key)}.")
            continue
        v = _parse_number(text)
        bounds = numeric_bounds(key, model, values)
        if bounds is None:
            continue
        if v is None:
            notes.append(f"The link's {key}={shown!r} is not a number: using {_show(key, values.get(key) or 0)}.")
            continue
        lo, hi = bounds
        if lo <= v <= hi:
            continue
        new = min(max(v, lo), hi)
        new = int(new) if key in INT_KEYS else round(float(new), 4)
        fixes[key] = new
        asked = _show(key, v) if abs(v) < 1e12 else shown
        notes.append(f"The link's {_NAMES.get(key, key)} {asked} {_why(key, v, lo, hi, model)}: "
                     f"using {_show(key, new)}.")
    return fixes, notes


def context_note(n: int, model: ModelArchitecture) -> str:
    """The context slider's caption: the exact prompt length beside the window."""
    return f"{n:,} tokens of a {prompt_limit(model):,}-token window ({fmt_context(prompt_limit(model))})."
