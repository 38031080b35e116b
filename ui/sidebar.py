"""The shared scenario controls, drawn by the entrypoint on every page.

Every scenario widget is keyed by its URL parameter name (``ui.state.URL_KEYS``)
and bound with ``bind="query-params"``, so a link reproduces the view. Programmatic
changes (presets, a loaded file, a new model or GPU) happen in callbacks, before
the widgets render, as Streamlit requires.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import streamlit as st

from costmodel import Scenario
from costmodel.catalog.efficiency import EFFICIENCY_FIELDS
from costmodel.engine.presets import presets_in, scenario_presets
from ui import compat, limits, state
from ui.format import fmt_params, fmt_tokens, fmt_usd, md_escape
from ui.widgets import PINNED_KEY, PRESENT_KEY, SCENARIO_KEY, get_catalog, presenting

compat.guard_number_input_overflow()  # ?gpus=inf must fall back, not crash (Streamlit 1.67 bug)

PRESET_KEY = "_preset"
CONTEXT_STEP_KEY = "_context_step"
URL_RAW_KEY = "_url_raw"  # the link's raw query values, read once per session before the widgets take them
URL_FIX_KEY = "_url_fix"
URL_CHECKED_KEY = "_url_checked"
URL_PAGE_KEY = "_url_page"  # the page hash the sidebar last finished drawing on
NOTICE_KEY = "_clamp_notices"
UPLOAD_KEY = "_upload"
TOOLS_OPEN_KEY = "_tools_open"
"""Whether "Save, load, compare" is open (its widgets are drawn only then)."""
MESSAGE_KEY = "_sidebar_message"
BIND = "query-params"

_EFF_LABELS = MappingProxyType({
    "prefill_mfu": "Prefill MFU (%)",
    "decode_mfu": "Decode MFU (%)",
    "decode_mbu": "Decode memory-bandwidth use (%)",
    "memory_utilization": "Usable GPU memory (%)",
    "step_overhead_ms": "Step overhead (ms)",
    "comm_efficiency": "Interconnect efficiency (%)",
})


# ----------------------------------------------------------------------------- callbacks
def _write_values(values: dict[str, Any]) -> None:
    for key in state.URL_KEYS:
        if key in values and values[key] is not None:
            st.session_state[key] = values[key]


def _apply_scenario(s: Scenario) -> None:
    catalog = get_catalog()
    _write_values(state.clamp_values(state.values_from_scenario(s, catalog), catalog))


def _on_preset() -> None:
    pid = st.session_state.get(PRESET_KEY)
    preset = scenario_presets().get(pid) if pid else None
    if preset is not None:
        _apply_scenario(preset.scenario)
        st.session_state[MESSAGE_KEY] = ("success", f"Loaded preset: {preset.title}.")
    st.session_state[PRESET_KEY] = None


def _on_model() -> None:
    """A new model: keep the request shape (clamped to its context), reset its expert counts."""
    catalog = get_catalog()
    model = catalog.model(st.session_state["model"])
    st.session_state["experts_total"] = model.num_experts or None
    st.session_state["experts_active"] = model.experts_per_token or None
    for key, limit in (("prompt_tokens", state.prompt_limit(model)), ("output_tokens", state.output_limit(model))):
        if st.session_state.get(key, 0) > limit:
            st.session_state[key] = limit


def _on_gpu() -> None:
    """A new GPU: its catalog price and its family's efficiency defaults."""
    catalog = get_catalog()
    d = state.defaults_for(catalog, st.session_state.get("model", Scenario().model), st.session_state["gpu"])
    for key in ("gpu_hourly_usd", *state.EFFICIENCY_KEYS):
        st.session_state[key] = d[key]


def _on_upload() -> None:
    f = st.session_state.get(UPLOAD_KEY)
    if f is None:
        return
    s, err = state.parse_scenario_json(f.getvalue(), get_catalog())
    if err:
        st.session_state[MESSAGE_KEY] = ("error", md_escape(err) + " The current scenario is unchanged.")
        return
    _apply_scenario(s)
    st.session_state[MESSAGE_KEY] = ("success", f"Loaded scenario from {md_escape(f.name)}.")


def _on_reset() -> None:
    catalog = get_catalog()
    d = Scenario()
    _write_values(state.defaults_for(catalog, d.model, d.gpu))


def _on_pin() -> None:
    s = st.session_state.get(SCENARIO_KEY)
    if isinstance(s, Scenario):
        st.session_state[PINNED_KEY] = s


def _on_unpin() -> None:
    st.session_state.pop(PINNED_KEY, None)


# ----------------------------------------------------------------------------- drawing
def _hi(field: str) -> int:
    """A widget's upper bound: the Scenario field's ``le`` (bounds live in one place)."""
    return int(state.field_bounds(field)[1])


def _pct_input(key: str, label: str, default: float, field: str, lo: float = 0.1) -> None:
    st.number_input(
        label, min_value=lo, max_value=100.0, value=float(default), step=1.0, format="%.1f", key=key,
        help=state.field_help(field), bind=BIND,
    )


def _on_context_step() -> None:
    """The context slider moved: its step becomes the exact prompt length."""
    st.session_state["prompt_tokens"] = int(st.session_state[CONTEXT_STEP_KEY])


def _url_pass(ss, catalog) -> list[str]:
    """Shared-link checks: on a session's first run remember the raw query values; on the run after, apply the
    clamped ones. Returns the notices to show (typed values clamped now, or the link's from the first run)."""
    if URL_RAW_KEY not in ss:
        aliases = state.url_alias_values({k: st.query_params.get_all(k) for k in st.query_params})
        for alias in state.URL_ALIASES:  # the bound widget writes its own key back; a stale alias would linger
            st.query_params.pop(alias, None)
        if aliases:  # the widgets read the link when first drawn: let them read it with the widget keys
            st.query_params.update(aliases)
            st.rerun()
        ss[URL_RAW_KEY] = {k: st.query_params.get_all(k) for k in state.URL_KEYS if k in st.query_params}
    else:  # an interrupted first run can cost the URL the link's parameters: put back what the session holds
        # (and tell the browser the widgets' values: it may hold none of them; ui.state.reassert_link_values)
        state.reassert_link_values(ss, st.query_params, ss[URL_RAW_KEY], catalog)
        state.restore_link_params(ss, st.query_params, ss[URL_RAW_KEY], catalog)
    for key, v in (ss.pop(URL_FIX_KEY, None) or {}).items():
        ss[key] = v
    return list(ss.pop(NOTICE_KEY, None) or []) + state.clamp_session(ss, catalog)


def _resync_url_after_page_change(ss) -> None:
    """On a run Streamlit took for a page change (the browser asked for another page than the one the sidebar
    last finished on), send the browser the URL again: an earlier page-change run may have sent it a URL without
    the link's parameters and been cut short, while this run's copy, from the browser's older URL, is complete
    (Streamlit sends nothing then; docs/reliability.md, issue 13). One message per page change."""
    asked, shown = compat.pages_of_this_run()
    if ss.get(URL_PAGE_KEY) not in (None, asked):
        compat.resend_query_params()
    if shown is not None and ss.get(URL_PAGE_KEY) != shown:
        ss[URL_PAGE_KEY] = shown


def _check_link(ss, catalog) -> list[str]:
    """After the widgets took the link's values: notices for what they clamped or dropped; values to clamp
    rather than drop are applied by a rerun (a widget's value cannot change once it is drawn)."""
    raw = ss.get(URL_RAW_KEY)
    if not raw or ss.get(URL_CHECKED_KEY):
        return []
    ss[URL_CHECKED_KEY] = True
    values = {k: ss[k] for k in state.URL_KEYS if k in ss}
    fixes, notes = limits.url_notices(raw, values, catalog)
    if fixes:
        ss[URL_FIX_KEY], ss[NOTICE_KEY] = fixes, notes
        st.rerun()
    return notes


def _card_controls(model, d: dict) -> None:
    """The design card's controls, all sliders: context (log steps, exact value editable), experts, bits,
    cache hit rate."""
    ss = st.session_state
    steps = limits.context_steps(model)
    ss[CONTEXT_STEP_KEY] = limits.nearest_step(steps, ss.get("prompt_tokens") or d["prompt_tokens"])
    st.select_slider("Context length (prompt tokens)", options=steps, key=CONTEXT_STEP_KEY,
                     format_func=limits.fmt_context, on_change=_on_context_step,
                     help="Doubles at each step up to the model's window; type an exact length below.")
    st.number_input("Prompt tokens", min_value=1, max_value=_hi("prompt_tokens"), value=d["prompt_tokens"],
                    step=1024, key="prompt_tokens", bind=BIND, help=state.field_help("prompt_tokens"))
    if model.is_moe:
        st.slider("Experts (total)", 1, limits.experts_cap(model), value=d["experts_total"], key="experts_total",
                  bind=BIND, help=state.field_help("experts_total"))
        st.slider("Experts (active per token)", 1, limits.active_cap(model), value=d["experts_active"],
                  key="experts_active", bind=BIND, help=state.field_help("experts_active"))
    st.select_slider("Weight bits", limits.BITS_CHOICES, value=d["weight_bits"], key="weight_bits", bind=BIND,
                     help=state.field_help("weight_bits"))
    st.select_slider("KV-cache bits", limits.KV_BITS_CHOICES, value=d["kv_bits"], key="kv_bits", bind=BIND,
                     help=state.field_help("kv_bits"))
    st.slider("Prefix-cache hit rate (%)", 0.0, 100.0, value=0.0, step=limits.CACHE_STEP_PCT, format="%.1f%%",
              key=state.CACHE_KEY, bind=BIND, disabled=not ss.get("prefix_caching", True),
              help=state.field_help("cache_hit_rate") + " In 5% steps; a link may hold any tenth of a percent."
              + " Off while prefix caching is off (Serving techniques).")


def model_caption(model, gpu, experts_total: int | None = None, experts_active: int | None = None) -> str:
    """One line on the model and GPU: parameters at the sidebar's expert counts (a mixture-of-experts model's
    total and active parameters move with them; None keeps the model card's), context, memory, bandwidth."""
    moe = model.is_moe
    total = model.total_params(experts_total) if moe and experts_total else model.total_params()
    active = model.active_params(experts_active, experts_total) if moe else None
    return (f"{model.name}: {fmt_params(total)} parameters"
            + (f" ({fmt_params(active)} active)" if moe else "")
            + f", {fmt_tokens(model.max_context_tokens)} context. {gpu.name}: {gpu.memory_gb:g} GB, "
            f"{gpu.memory_bandwidth_tb_s:g} TB/s.")


def render_sidebar() -> Scenario:
    """Draw the controls, build the Scenario, store it for the pages and return it."""
    catalog = get_catalog()
    ss = st.session_state
    model_ids = sorted(catalog.models, key=lambda m: catalog.models[m].name)
    gpu_ids = sorted(catalog.gpus, key=lambda g: catalog.gpus[g].name)
    notices = _url_pass(ss, catalog)

    with st.sidebar:
        default = Scenario()
        model_id = st.selectbox(
            "Model", model_ids, index=model_ids.index(default.model) if default.model in model_ids else 0,
            key="model", bind=BIND, on_change=_on_model, help=state.field_help("model"),
        )
        model = catalog.model(model_id)
        gpu_id = st.segmented_control(
            "GPU", gpu_ids, default=default.gpu if default.gpu in gpu_ids else gpu_ids[0], required=True,
            key="gpu", bind=BIND, on_change=_on_gpu, help=state.field_help("gpu"), width="stretch",
        ) or default.gpu
        gpu = catalog.gpu(gpu_id)
        d = state.defaults_for(catalog, model_id, gpu_id)
        card = st.empty()  # the model's caption sits above its controls but counts the experts they set
        _card_controls(model, d)
        card.caption(model_caption(model, gpu, ss.get("experts_total"), ss.get("experts_active")))
        presets = {p.id: p.title for p in presets_in(catalog)}  # declared in data/scenarios/presets.yaml
        if presets and not presenting():
            st.selectbox(
                "Preset", list(presets), index=None, key=PRESET_KEY, placeholder="Load a preset…",
                format_func=presets.get, on_change=_on_preset,
                help="Sets every control at once. Change any of them afterwards.",
            )
        more = st.expander("More settings", icon=":material/tune:") if presenting() else st.container()
        with more:
            _other_controls(gpu, d)
        # Every bound widget is drawn: a rerun whose URL lost link parameters that widgets of an interrupted run
        # had bound again gets them back now (st.query_params refuses a bound key; compat writes it).
        if URL_RAW_KEY in ss:
            state.restore_link_params(ss, st.query_params, ss[URL_RAW_KEY], catalog,
                                      write_bound=compat.write_bound_query_param)
        _resync_url_after_page_change(ss)
        notices += _check_link(ss, catalog)
        for note in notices:
            st.warning(md_escape(note), icon=":material/straighten:")
        scenario, error = state.build_scenario(ss.to_dict(), catalog)
        ss[SCENARIO_KEY] = scenario
        if error:
            st.error(error, icon=":material/error:")
        _render_tools(scenario)
    return scenario


def _service_controls(d: dict) -> None:
    """Service-level targets and utilisation (issue 10's Scenario fields), as sliders; 0 = no target."""
    labels = {"min_tokens_per_second_per_user": ("Min speed per user (tok/s; 0 = none)", "%g tok/s"),
              "max_ttft_seconds": ("Max p99 time to first token (s; 0 = none)", "%g s"),
              "utilization_pct": ("Utilization (% of GPU time busy)", "%g%%")}
    for key, (label, fmt) in labels.items():
        lo, hi, step = limits.SERVICE_RANGES[key]
        field = "utilization" if key == "utilization_pct" else key
        st.slider(label, lo, hi, value=float(d[key]), step=step, format=fmt, key=key, bind=BIND,
                  help=state.field_help(field))


BURST_HELP = ("A finite benchmark instead of a steady stream: this many requests sent at once and timed to the "
              "last reply, as `vllm bench serve --num-prompts N` with no request rate does (GPUStack's runs). "
              "While the batch drains at the end fewer requests decode together, so throughput falls and cost "
              "rises. Take N from the benchmark you compare with (its number of prompts); 0 = a steady stream, "
              "which is what production traffic is.")
SPREAD_HELP = ("How much reply lengths vary: their standard deviation / mean (0 = every reply is exactly "
               "'Output tokens' long). Long replies stay longer in the batch, so a decode step attends over "
               "prompt + output × (1 + cv²) / 2 tokens on average and fewer requests fit. Take it from your logs "
               "(std / mean of the output tokens); chat traces such as ShareGPT are about 1, MLPerf's reference "
               "answers 0.78–1.25 (docs/cost-model.md).")


def _workload_controls() -> None:
    """A finite burst and the output-length spread (Scenario ``burst_requests`` and ``output_tokens_cv``); their
    defaults (0) are the steady stream of fixed-length replies every other control assumes."""
    st.number_input("Burst size (requests sent at once; 0 = steady stream)", min_value=0,
                    max_value=_hi("burst_requests"), value=0, step=100, key="burst_requests", bind=BIND,
                    help=BURST_HELP)
    st.number_input("Output length spread (sd / mean; 0 = all equal)", min_value=0.0,
                    max_value=float(_hi("output_tokens_cv")), value=0.0, step=0.1, format="%.2f",
                    key="output_tokens_cv", bind=BIND, help=SPREAD_HELP)


def _other_controls(gpu, d: dict) -> None:
    """Deployment size, request shape, price and the expert settings (under "More settings" when presenting)."""
    _service_controls(d)
    c1, c2 = st.columns(2)
    c1.number_input("GPUs", min_value=1, max_value=_hi("gpus"), value=d["gpus"], step=1, key="gpus",
                    bind=BIND, help=state.field_help("gpus"))
    c2.number_input("Output tokens", min_value=1, max_value=_hi("output_tokens"), value=d["output_tokens"],
                    step=128, key="output_tokens", bind=BIND, help=state.field_help("output_tokens"))
    st.number_input("Concurrent requests (0 = as many as fit)", min_value=0, max_value=10_000_000, value=0,
                    step=16, key="concurrency", bind=BIND, help=state.field_help("concurrency"))
    with st.expander("Workload: bursts and length spread", icon=":material/stacked_bar_chart:"):
        _workload_controls()
    st.number_input("GPU price (USD per GPU-hour)", min_value=0.01, max_value=float(_hi("gpu_hourly_usd")),
                    value=float(d["gpu_hourly_usd"]), step=0.1, format="%.2f", key="gpu_hourly_usd", bind=BIND,
                    help=state.field_help("gpu_hourly_usd"))
    st.caption(f"Catalog price {fmt_usd(gpu.hourly_usd)}/GPU-hour as of {gpu.price_date:%Y-%m-%d}: "
               f"{gpu.price_source}.")

    with st.expander("Serving techniques", icon=":material/bolt:"):
        st.toggle("FlashAttention", value=d["flash_attention"], key="flash_attention", bind=BIND,
                  help=state.field_help("flash_attention"))
        st.toggle("Paged KV cache", value=d["paged_kv"], key="paged_kv", bind=BIND,
                  help=state.field_help("paged_kv"))
        st.toggle("Prefix caching", value=d["prefix_caching"], key="prefix_caching", bind=BIND,
                  help=state.field_help("prefix_caching"))
        st.slider("Speculative tokens per step (0 = off)", min_value=0, max_value=_hi("spec_draft_tokens"), value=0, step=1,
                  key="spec_draft_tokens", bind=BIND, help=state.field_help("spec_draft_tokens"))
        _pct_input("spec_acceptance_pct", "Draft acceptance (%)", d["spec_acceptance_pct"], "spec_acceptance", 0.0)
        _pct_input("spec_draft_cost_pct", "Draft cost vs target (%)", d["spec_draft_cost_pct"],
                   "spec_draft_cost_ratio", 0.0)

    with st.expander("Efficiency assumptions", icon=":material/tune:"):
        st.caption(f"Defaults are calibrated for the {gpu.family} family; every one can be changed. "
                   "Choosing another GPU restores its family's defaults.")
        if gpu.sustained_matrix_clock_mhz:  # a power-limited board: the MFUs apply at the clock it holds
            clocks = ", ".join(f"{mhz:,.0f} MHz {dtype.upper()}" for dtype, mhz in gpu.sustained_matrix_clock_mhz.items())
            st.caption(f"The MFUs apply at the clock this board's matrix units hold under sustained load ({clocks}; "
                       f"its peaks assume {gpu.boost_clock_mhz:,.0f} MHz), as measured in {gpu.clock_source}.")
        for f in EFFICIENCY_FIELDS:
            key = state.PCT_KEYS.get(f, f)
            if f in state.PCT_KEYS:
                _pct_input(key, _EFF_LABELS[f], d[key], f)
            else:
                st.number_input(_EFF_LABELS[f], min_value=0.0, max_value=float(_hi(f)), value=float(d[key]), step=0.1,
                                format="%.2f", key=key, bind=BIND, help=state.field_help(f))
        st.selectbox("Tensor parallel (GPUs per replica)", state.TP_CHOICES, index=0, key="tensor_parallel",
                     bind=BIND, format_func=str, help=state.field_help("tensor_parallel"))
        st.selectbox("Compute precision", state.DTYPE_CHOICES, index=0, key="compute_dtype", bind=BIND,
                     help=state.field_help("compute_dtype"))
        st.number_input("Max sequences per replica", min_value=1, max_value=_hi("max_batch_size"), value=d["max_batch_size"],
                        step=64, key="max_batch_size", bind=BIND, help=state.field_help("max_batch_size"))
        st.number_input("Max tokens per step", min_value=16, max_value=_hi("max_num_tokens"), value=d["max_num_tokens"],
                        step=1024, key="max_num_tokens", bind=BIND, help=state.field_help("max_num_tokens"))
        # the options are the ids themselves: a bound selectbox writes its option's label into the URL
        st.selectbox("Serving runtime", state.RUNTIME_CHOICES, index=0, key="serving_runtime", bind=BIND,
                     help=state.field_help("serving_runtime") + " 'generic' is the runtime the defaults were "
                     "calibrated with.")



def _render_tools(scenario: Scenario) -> None:
    msg = st.session_state.pop(MESSAGE_KEY, None)
    if msg:
        kind, text = msg
        (st.success if kind == "success" else st.error)(text)
    if not presenting():
        # Built only while open (on_change="rerun"): none of its widgets is bound to the URL, and drawn closed on
        # every rerun of every page they were ~8 of the sidebar's ~50 elements (each costs the server CPU, py-spy).
        tools = st.expander("Save, load, compare", icon=":material/save:", key=TOOLS_OPEN_KEY, on_change="rerun")
        with tools:
            if tools.open:
                _save_load_compare(scenario)
    st.toggle("Presentation mode", key=PRESENT_KEY, help="Larger type, fewer controls, no formula boxes.")


def _save_load_compare(scenario: Scenario) -> None:
    saved = scenario.model_dump_json(indent=2).encode()
    # deferred (made on click): a fast rerun then leaves no stale file URL behind (404s under load)
    st.download_button("Save scenario (JSON)", lambda: saved,
                       file_name="scenario.json", mime="application/json", key="_save", on_click="ignore",
                       icon=":material/download:")
    st.file_uploader("Load a scenario file", type=["json"], key=UPLOAD_KEY, on_change=_on_upload,
                     max_upload_size=1, help="A JSON file saved with the button above.")
    c1, c2 = st.columns(2)
    c1.button("Pin as A", key="_pin", on_click=_on_pin, help="Keep this scenario to compare with later changes.")
    c2.button("Unpin A", key="_unpin", on_click=_on_unpin, disabled=PINNED_KEY not in st.session_state)
    st.button("Reset to defaults", key="_reset", on_click=_on_reset, icon=":material/restart_alt:")
