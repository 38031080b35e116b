"""The shared scenario: widget keys (= URL query parameters), defaults, and the mapping to ``Scenario``.

The widget keys are a public, stable URL API. Most are the Scenario field names
(``?model=deepseek-v3&prompt_tokens=8192``). Fractions are shown and bound as
percentages under a ``_pct`` suffix (``cache_hit_pct=56.3`` means
``cache_hit_rate=0.563``), so links hold short exact numbers. The cache hit rate
widget holds tenths of a percent as an integer internally, so 56.3% round-trips
exactly; ``concurrency=0`` means "as many as fit" (``'max'``).

The pure functions here (``defaults_for``, ``scenario_from_values``,
``values_from_scenario``) do not touch Streamlit and are unit-tested; the
Streamlit-facing helpers at the end read and write ``st.session_state``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from costmodel import Catalog, CostModelError, Scenario
from costmodel.analysis.curves import prompt_limit  # the widget offers what the sweeps cover
from costmodel.catalog.efficiency import EFFICIENCY_FIELDS
from costmodel.engine.serving_runtime import RUNTIME_IDS
from ui import limits

# Fractions in the Scenario shown as percent widgets: field -> widget key.
PCT_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "prefill_mfu": "prefill_mfu_pct",
        "decode_mfu": "decode_mfu_pct",
        "decode_mbu": "decode_mbu_pct",
        "memory_utilization": "memory_utilization_pct",
        "comm_efficiency": "comm_efficiency_pct",
        "spec_acceptance": "spec_acceptance_pct",
        "spec_draft_cost_ratio": "spec_draft_cost_pct",
    }
)
EFFICIENCY_KEYS: tuple[str, ...] = tuple(PCT_KEYS.get(f, f) for f in EFFICIENCY_FIELDS)
"""Widget keys of the efficiency assumptions (their defaults follow the GPU family)."""

CACHE_KEY = "cache_hit_pct"  # the cache slider holds a percent (0-100, any tenth from a link)

TP_CHOICES: tuple[str | int, ...] = ("auto", 1, 2, 4, 8, 16, 32, 64, 128)
DTYPE_CHOICES: tuple[str, ...] = ("auto", "bf16", "fp8", "fp4")
RUNTIME_CHOICES: tuple[str, ...] = ("generic", *RUNTIME_IDS)
"""The serving-runtime control: "generic" is the Scenario's None (the runtime the efficiencies were fitted with)."""
BITS_CHOICES = limits.BITS_CHOICES
KV_BITS_CHOICES = limits.KV_BITS_CHOICES

URL_KEYS: tuple[str, ...] = (
    "model",
    "gpu",
    "gpus",
    "tensor_parallel",
    "prompt_tokens",
    "output_tokens",
    "experts_total",
    "experts_active",
    "weight_bits",
    "kv_bits",
    "compute_dtype",
    CACHE_KEY,
    "concurrency",
    "burst_requests",
    "output_tokens_cv",
    "gpu_hourly_usd",
    "flash_attention",
    "paged_kv",
    "prefix_caching",
    "spec_draft_tokens",
    "spec_acceptance_pct",
    "spec_draft_cost_pct",
    "max_batch_size",
    "max_num_tokens",
    "serving_runtime",
    *EFFICIENCY_KEYS,
    *limits.SERVICE_KEYS,
)
"""Every widget key bound to the URL, in sidebar order. Never rename one: shared links use them."""

URL_ALIASES: Mapping[str, tuple[str, float]] = MappingProxyType({"utilization": ("utilization_pct", 100.0)})
"""Other names a link may use for a widget key: alias -> (widget key, factor to the widget's unit).
``utilization`` is the Scenario field, CLI flag and JSON key (a fraction 0-1); its slider holds a percent."""

_DEFAULT = Scenario()


def field_help(name: str) -> str:
    """The Scenario field's description with its bounds, for a widget's ``help=``."""
    info = Scenario.model_fields[name]
    text = (info.description or name).strip()
    return text[0].upper() + text[1:] + "."


def field_bounds(name: str) -> tuple[float | None, float | None]:
    """(lower, upper) bounds of a numeric Scenario field, from its Field metadata (ge/gt, le/lt)."""
    lo = hi = None
    for m in Scenario.model_fields[name].metadata:
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                lo = getattr(m, attr)
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                hi = getattr(m, attr)
    return lo, hi


output_limit = limits.output_limit


def _pct(x: float) -> float:
    return round(float(x) * 100, 1)


def url_alias_values(params: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The widget-key query values a link's aliases stand for (``utilization=0.6`` is ``utilization_pct=60``).

    The widget key wins when a link holds both. A value that is not a number passes on unchanged, so the widget
    key's usual notice names it; an out-of-range one is scaled and then clamped like any other value
    (``ui.limits.url_notices``)."""
    out: dict[str, str] = {}
    for alias, (key, factor) in URL_ALIASES.items():
        vals = params.get(alias)
        if not vals or params.get(key):
            continue
        text = str(vals[-1]).strip()
        try:
            v = float(text) * factor
        except ValueError:
            out[key] = text
            continue
        out[key] = f"{v:.10g}"
    return out


def defaults_for(catalog: Catalog, model_id: str, gpu_id: str) -> dict[str, Any]:
    """Widget values of a fresh scenario on ``model_id`` and ``gpu_id``: Scenario defaults,
    the model's expert counts and the GPU's catalog price and family efficiency."""
    model = catalog.model(model_id)
    gpu = catalog.gpu(gpu_id)
    eff = catalog.efficiency_for(gpu)
    values: dict[str, Any] = {
        "model": model_id,
        "gpu": gpu_id,
        "gpus": _DEFAULT.gpus,
        "tensor_parallel": "auto",
        "prompt_tokens": min(_DEFAULT.prompt_tokens, prompt_limit(model)),
        "output_tokens": min(_DEFAULT.output_tokens, output_limit(model)),
        "experts_total": model.num_experts or None,
        "experts_active": model.experts_per_token or None,
        "weight_bits": _DEFAULT.weight_bits,
        "kv_bits": _DEFAULT.kv_bits,
        "compute_dtype": "auto",
        "serving_runtime": "generic",
        CACHE_KEY: 0.0,
        "concurrency": 0,
        "burst_requests": 0,  # 0 = a steady stream (the Scenario's None)
        "output_tokens_cv": float(_DEFAULT.output_tokens_cv),
        "gpu_hourly_usd": float(gpu.hourly_usd),
        "flash_attention": _DEFAULT.flash_attention,
        "paged_kv": _DEFAULT.paged_kv,
        "prefix_caching": _DEFAULT.prefix_caching,
        "spec_draft_tokens": _DEFAULT.spec_draft_tokens,
        "spec_acceptance_pct": _pct(_DEFAULT.spec_acceptance),
        "spec_draft_cost_pct": _pct(_DEFAULT.spec_draft_cost_ratio),
        "max_batch_size": _DEFAULT.max_batch_size,
        "max_num_tokens": _DEFAULT.max_num_tokens,
        "min_tokens_per_second_per_user": float(_DEFAULT.min_tokens_per_second_per_user),
        "max_ttft_seconds": float(_DEFAULT.max_ttft_seconds),
        "utilization_pct": _pct(_DEFAULT.utilization),
    }
    for f in EFFICIENCY_FIELDS:
        v = getattr(eff, f)
        values[PCT_KEYS.get(f, f)] = _pct(v) if f in PCT_KEYS else float(v)
    return values


def scenario_from_values(values: Mapping[str, Any], catalog: Catalog) -> Scenario:
    """Build the Scenario from widget values; missing keys take their defaults.

    Values equal to the catalog default (price, efficiency, expert counts) become
    ``None`` so the Scenario says "the catalog's". Raises ``ValidationError`` or
    ``CostModelError`` on values the model rejects.
    """
    model_id = values.get("model", _DEFAULT.model)
    gpu_id = values.get("gpu", _DEFAULT.gpu)
    d = defaults_for(catalog, model_id, gpu_id)

    def get(key: str) -> Any:
        v = values.get(key)
        return d[key] if v is None else v

    model = catalog.model(model_id)
    kw: dict[str, Any] = {
        "model": model_id,
        "gpu": gpu_id,
        "gpus": int(get("gpus")),
        "prompt_tokens": int(get("prompt_tokens")),
        "output_tokens": int(get("output_tokens")),
        "weight_bits": int(get("weight_bits")),
        "kv_bits": int(get("kv_bits")),
        # prefix caching off: no prompt token comes from the cache, whatever the (disabled) slider holds
        "cache_hit_rate": round(float(get(CACHE_KEY)) / 100, 4) if bool(get("prefix_caching")) else 0.0,
        "flash_attention": bool(get("flash_attention")),
        "paged_kv": bool(get("paged_kv")),
        "prefix_caching": bool(get("prefix_caching")),
        "spec_draft_tokens": int(get("spec_draft_tokens")),
        "spec_acceptance": round(float(get("spec_acceptance_pct")) / 100, 4),
        "spec_draft_cost_ratio": round(float(get("spec_draft_cost_pct")) / 100, 4),
        "max_batch_size": int(get("max_batch_size")),
        "max_num_tokens": int(get("max_num_tokens")),
        "min_tokens_per_second_per_user": float(get("min_tokens_per_second_per_user")),
        "max_ttft_seconds": float(get("max_ttft_seconds")),
        "utilization": round(float(get("utilization_pct")) / 100, 4),
    }
    tp = get("tensor_parallel")
    kw["tensor_parallel"] = None if tp in ("auto", None) else int(tp)
    dtype = get("compute_dtype")
    kw["compute_dtype"] = None if dtype in ("auto", None) else dtype
    runtime = get("serving_runtime")
    kw["serving_runtime"] = runtime if runtime in RUNTIME_IDS else None
    conc = int(get("concurrency"))
    kw["concurrency"] = "max" if conc <= 0 else conc
    burst = int(get("burst_requests"))
    kw["burst_requests"] = None if burst <= 0 else burst
    kw["output_tokens_cv"] = round(float(get("output_tokens_cv")), 4)
    if model.is_moe:
        et, ea = int(get("experts_total")), int(get("experts_active"))
        kw["experts_total"] = None if et == model.num_experts else et
        kw["experts_active"] = None if ea == model.experts_per_token else ea
    price = round(float(get("gpu_hourly_usd")), 4)
    kw["gpu_hourly_usd"] = None if abs(price - d["gpu_hourly_usd"]) < 1e-9 else price
    for f in EFFICIENCY_FIELDS:
        key = PCT_KEYS.get(f, f)
        v = float(get(key))
        if abs(v - d[key]) < 1e-9:
            kw[f] = None
        else:
            kw[f] = round(v / 100, 4) if f in PCT_KEYS else round(v, 4)
    return Scenario(**kw)


def values_from_scenario(s: Scenario, catalog: Catalog) -> dict[str, Any]:
    """Widget values that reproduce ``s`` (the inverse of ``scenario_from_values``).

    Raises ``UnknownIdError`` when the model or GPU is not in the catalog.
    """
    d = defaults_for(catalog, s.model, s.gpu)
    v = dict(d)
    v.update(
        gpus=s.gpus,
        tensor_parallel="auto" if s.tensor_parallel is None else s.tensor_parallel,
        prompt_tokens=s.prompt_tokens,
        output_tokens=s.output_tokens,
        weight_bits=s.weight_bits,
        kv_bits=s.kv_bits,
        compute_dtype=s.compute_dtype or "auto",
        serving_runtime=s.serving_runtime or "generic",
        concurrency=0 if s.concurrency == "max" else int(s.concurrency),
        burst_requests=s.burst_requests or 0,
        output_tokens_cv=float(s.output_tokens_cv),
        flash_attention=s.flash_attention,
        paged_kv=s.paged_kv,
        prefix_caching=s.prefix_caching,
        spec_draft_tokens=s.spec_draft_tokens,
        spec_acceptance_pct=_pct(s.spec_acceptance),
        spec_draft_cost_pct=_pct(s.spec_draft_cost_ratio),
        max_batch_size=s.max_batch_size,
        max_num_tokens=s.max_num_tokens,
        min_tokens_per_second_per_user=float(s.min_tokens_per_second_per_user),
        max_ttft_seconds=float(s.max_ttft_seconds),
        utilization_pct=_pct(s.utilization),
    )
    v[CACHE_KEY] = _pct(s.cache_hit_rate)
    if s.experts_total is not None:
        v["experts_total"] = s.experts_total
    if s.experts_active is not None:
        v["experts_active"] = s.experts_active
    if s.gpu_hourly_usd is not None:
        v["gpu_hourly_usd"] = float(s.gpu_hourly_usd)
    for f in EFFICIENCY_FIELDS:
        x = getattr(s, f)
        if x is not None:
            key = PCT_KEYS.get(f, f)
            v[key] = _pct(x) if f in PCT_KEYS else float(x)
    return v


def describe(s: Scenario, catalog: Catalog) -> str:
    """The scenario in one plain sentence."""
    from ui.format import fmt_pct, fmt_tokens, fmt_usd

    model, gpu = catalog.model(s.model), catalog.gpu(s.gpu)
    price = s.gpu_hourly_usd or gpu.hourly_usd
    targets = ([f"at least {s.min_tokens_per_second_per_user:g} tokens/s per user"]
               if s.min_tokens_per_second_per_user > 0 else [])
    targets += [f"a first token within {s.max_ttft_seconds:g} s (p99)"] if s.max_ttft_seconds > 0 else []
    fitting = " as fit" + (" while each user gets " + " and ".join(targets) if targets else "")
    conc = f"as many requests at once{fitting}" if s.concurrency == "max" else f"{s.concurrency:,} requests at once"
    cache = f", {fmt_pct(s.cache_hit_rate)} of the prompt served from the prefix cache" if s.cache_hit_rate else ""
    load = f", the fleet busy {fmt_pct(s.utilization, 0)} of the time" if s.utilization < 1 else ""
    spread = f" on average (length spread sd/mean {s.output_tokens_cv:g})" if s.output_tokens_cv > 0 else ""
    burst = (f", as one burst of {s.burst_requests:,} requests sent at once and timed to the last reply"
             if s.burst_requests else "")
    runtime = f" served by the {s.serving_runtime} runtime" if s.serving_runtime else ""
    return (
        f"{model.name} ({s.weight_bits}-bit weights, {s.kv_bits}-bit KV cache) on {s.gpus} × {gpu.name}{runtime} "
        f"at {fmt_usd(price)}/GPU-hour, answering {fmt_tokens(s.prompt_tokens)}-token prompts with "
        f"{fmt_tokens(s.output_tokens)}-token replies{spread}, {conc}{burst}{cache}{load}."
    )


# --------------------------------------------------------------------------- Streamlit side
def build_scenario(session: Mapping[str, Any], catalog: Catalog) -> tuple[Scenario, str | None]:
    """The scenario from session state, or the default scenario and an error message."""
    snap = dict(session)
    values = {k: snap[k] for k in URL_KEYS if k in snap}
    try:
        return scenario_from_values(values, catalog), None
    except (ValidationError, CostModelError, ValueError, TypeError) as exc:
        msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        return Scenario(), f"These settings are not a valid scenario ({msg}); showing the default scenario."


def _short(text: object, limit: int = 60) -> str:
    """User-supplied text cut to ``limit`` characters for a message (a file may hold a 1 MB id)."""
    t = str(text)
    return t if len(t) <= limit else t[: limit - 1] + "…"


def parse_scenario_json(data: bytes | str, catalog: Catalog) -> tuple[Scenario | None, str | None]:
    """Validate an uploaded scenario file: (scenario, None) or (None, a short message for the user)."""
    try:
        s = Scenario.model_validate_json(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "file"
        return None, f"Not a valid scenario file: {_short(where)}: {_short(err['msg'], 200)}."
    except Exception:  # noqa: BLE001 - any undecodable upload gets the same friendly message
        return None, "Not a valid scenario file: expected a JSON object saved by this app."
    if s.model not in catalog.models:
        return None, (f"Unknown model {_short(s.model)!r} in the file; this catalog has: "
                      f"{', '.join(sorted(catalog.models))}.")
    if s.gpu not in catalog.gpus:
        return None, f"Unknown GPU {_short(s.gpu)!r} in the file; this catalog has: {', '.join(sorted(catalog.gpus))}."
    return s, None


def clamp_values(values: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Values pulled inside the bounds the widgets have for the chosen model (``ui.limits``)."""
    return limits.clamp_with_notices(values, catalog)[0]


def clamp_session(session: Any, catalog: Catalog) -> list[str]:
    """Clamp session-state widget values before the widgets render (a typed prompt beyond the window, more
    active experts than total); returns one notice per value changed, for the sidebar to show."""
    snap = session.to_dict() if hasattr(session, "to_dict") else dict(session)
    values = {k: snap[k] for k in URL_KEYS if k in snap}
    clamped, notes = limits.clamp_with_notices(values, catalog)
    for key, v in clamped.items():
        if key in snap and snap[key] != v:
            session[key] = v
    return notes


# --------------------------------------------------------------------------- the link's parameters, kept in the URL
def same_value(text: str, value: Any) -> bool:
    """Whether a URL value (``"1185"``, ``"56.3"``, ``"false"``, ``"llama-3.1-8b"``) is the widget value ``value``."""
    if value is None:
        return False
    if isinstance(value, bool):
        return text.strip().lower() == str(value).lower()
    if isinstance(value, int | float):
        try:
            return math.isclose(float(text), float(value), rel_tol=0, abs_tol=1e-9)
        except ValueError:
            return False
    return text == str(value)


def widget_defaults(values: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """What each sidebar widget shows by default for the session's model and GPU (its ``value=``); an unknown
    model or GPU falls back to the Scenario's."""
    model = values.get("model", _DEFAULT.model)
    gpu = values.get("gpu", _DEFAULT.gpu)
    if model not in catalog.models or gpu not in catalog.gpus:
        model, gpu = _DEFAULT.model, _DEFAULT.gpu
    return {**defaults_for(catalog, model, gpu), "model": _DEFAULT.model, "gpu": _DEFAULT.gpu}


def link_params_to_restore(raw: Mapping[str, list[str]], values: Mapping[str, Any], present: Collection[str],
                           defaults: Mapping[str, Any]) -> dict[str, list[str]]:
    """The link's parameters (``raw``: as the session's first run read them) that are gone from the URL
    (``present``: the keys it holds now) while the session still holds the link's value, which is not the
    widget's default (Streamlit drops a default from the URL itself, and a value the person changed is the
    widget's to write).

    Why: a second rerun that arrives during a session's first run (a reconnect, an early click from a browser
    that knows only ``new_session``'s page hash) is a page change to Streamlit 1.67, which drops the URL
    parameters bound on the "previous" page; the widgets keep their values, but the URL (the link a person
    shares or reloads) loses them for good (docs/reliability.md, issue 13)."""
    out = {}
    for key, vals in raw.items():
        if key in present or not vals or key not in values:
            continue
        if same_value(vals[-1], values[key]) and not same_value(vals[-1], defaults.get(key)):
            out[key] = list(vals)
    return out


def reassert_link_values(session: Any, query_params: Any, raw: Mapping[str, list[str]], catalog: Catalog) -> list[str]:
    """Before the widgets bind: write back into ``session`` (``st.session_state``) the link's values that are
    gone from the URL while the session still holds them (``link_params_to_restore``); returns those keys.

    Why: a page-change rerun cut short before a widget bound (docs/reliability.md, issue 13) leaves the
    session's value only in Streamlit's snapshot of the earlier run; the next rerun, from a browser that sent
    no value for the widget and a URL without its parameter, gives the widget that value without telling the
    browser (no ``set_value``: Streamlit 1.67 marks it only for a value set this run, seeded from the URL the
    rerun came with, or kept under the key by an unmount). The browser then shows the widget's default (2,048
    for "Prompt tokens") and sends it back with the next change, and the session loses the link's value.
    Writing the same value through the Session State API marks it set, so the browser takes it. A value
    the browser sent is the one read here, so writing it back changes nothing; a value that differs from the
    link's (the person's own) is not touched."""
    values, missing = _link_values_gone_from_url(session, query_params, raw, catalog)
    for key in missing:
        session[key] = values[key]
    return list(missing)


def _link_values_gone_from_url(session: Any, query_params: Any, raw: Mapping[str, list[str]],
                               catalog: Catalog) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(the session's widget values, ``link_params_to_restore``'s answer) for the URL ``query_params`` holds."""
    present = set(query_params.keys())
    if all(key in present for key in raw):  # every rerun of a session with a link: skip the snapshot and defaults
        return {}, {}
    snap = session.to_dict() if hasattr(session, "to_dict") else dict(session)
    values = {k: snap[k] for k in URL_KEYS if k in snap}
    return values, link_params_to_restore(raw, values, present, widget_defaults(values, catalog))


def restore_link_params(session: Any, query_params: Any, raw: Mapping[str, list[str]], catalog: Catalog,
                        write_bound: Callable[[str, list[str]], None] | None = None) -> list[str]:
    """Put back into ``query_params`` (``st.query_params``) what ``link_params_to_restore`` finds; returns the
    keys put back.

    ``st.query_params`` refuses a key a widget is bound to (``StreamlitAPIException``); such a key goes to
    ``write_bound`` (``ui.compat.write_bound_query_param``) or, without one, is skipped. The sidebar runs this
    twice: before its widgets bind (the page change that dropped the params also unbound them) and after
    (a rerun that came with a URL that had lost them while the interrupted run had bound them again)."""
    _, missing = _link_values_gone_from_url(session, query_params, raw, catalog)
    done = []
    for key, vals in missing.items():
        try:
            query_params[key] = vals if len(vals) > 1 else vals[-1]
        except Exception:  # noqa: BLE001 - StreamlitAPIException: a widget is bound to the key
            if write_bound is None:
                continue
            write_bound(key, list(vals))
        done.append(key)
    return done
