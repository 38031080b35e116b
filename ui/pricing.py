"""Workloads and bills for the Pricing schemes page: cached loading, scheme overrides, display tables.

The maths is costmodel.pricing.billing's; this module only loads, caches and renames.
Loading a preset or trace is cached for everyone (shared public data); a bill
and an uploaded log are cached per session only (they may be a user's own data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from costmodel import Scenario
from costmodel.engine.fleet import BILLINGS
from costmodel.pricing.billing import PricingReport, make_scheme
from costmodel.pricing.fleet_billing import bill_at_fleet_cost
from costmodel.pricing.target_price import target_price_table
from costmodel.workloads.load_shape import FROM_TIMESTAMPS, load_shapes, own_load_shape
from costmodel.workloads.loading import list_workloads, load_workload, load_workload_bytes
from costmodel.workloads.workload import Workload
from ui.charts import bar_chart, dot_chart
from ui.format import fmt_count, fmt_gpus, fmt_pct, fmt_tokens
from ui.scheme_editor import label_of, scheme_parameters
from ui.theme import DEFAULT_LIST_PRICE_USD_PER_M

UPLOAD_STATE = "_usage_log"
SCHEME_ORDER: tuple[str, ...] = (
    "flat", "cached-input", "long-context-tier", "batch-discount", "subscription", "compute-time",
    "activated-params", "capability-tier", "hybrid",
)
PER_TOKEN_SCHEMES: tuple[str, ...] = ("flat", "cached-input", "long-context-tier", "batch-discount")

MAX_USER_SCALE = 100_000
DEFAULT_USER_SCALE = 5_000
"""Real users each generated user stands for by default: 100 chat users x 5,000 = 500,000 users, about 30
million requests a month, which keep the default deployment's 8 H100s (2 replicas of 4) about 54% busy on a
flat day at 1.2x headroom (against 0.02% for the 100 users alone; tests/app/test_page_details.py)."""
USERS_HELP = ("Users the preset draws, each with its own months of requests (seeded). More users give smoother "
              "bill distributions but take longer; the volume comes from the next box.")
USER_SCALE_HELP = ("Each generated user stands for this many identical real users: requests, tokens, revenue, "
                   "cost and the fleet's load are multiplied by it, and each user's monthly bill counts that many "
                   "times at its own value. 1 = only the users generated. Set it to your user base ÷ the users "
                   "generated.")
SYNTHETIC_TIMESTAMPS_TITLE = "The preset's own: even all month"
"""The first load-shape choice for a synthetic preset: its own timestamps are uniform over each month, so its load
shape is flat; the hourly counts of a sample add only noise (100 users: ~7 requests an hour, busiest hour 5.8x the
average), which copies of the same users (``Workload.with_user_scale``) would keep."""


DECADES_SPAN = 10.0
"""Revenue beside cost on bars while the largest value is under this many times the smallest; beyond it one
scheme's bar (a subscription far above the fleet's cost, say) flattens every other scheme's to a sliver, so the
values go on a log axis as dots (``ui.charts.dot_chart``: a bar on a log axis would misstate ratios)."""


def spans_decades(values: np.ndarray, span: float = DECADES_SPAN) -> bool:
    """Whether the positive ``values`` run over more than ``span`` times from smallest to largest."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return bool(v.size) and float(v.max() / v.min()) > span


def revenue_and_cost_figure(titles: list[str], revenue_usd: np.ndarray, cost_usd: np.ndarray) -> go.Figure:
    """Each scheme's revenue beside the fleet's cost for the same workload: bars, or dots on a log axis where
    the values span more than ``DECADES_SPAN`` (a revenue dot right of the cost dot earns more than it costs)."""
    title = "Revenue and cost of the same workload under each scheme"
    series = {"Revenue": revenue_usd, "Cost to serve": cost_usd}
    if spans_decades(np.concatenate([np.asarray(revenue_usd, float), np.asarray(cost_usd, float)])):
        return dot_chart(titles, series, title=title, value_title="USD for the whole workload (log scale)",
                         category_title="Pricing scheme", money=True, log=True)
    return bar_chart(titles, series, title=title, x_title="Pricing scheme", y_title="USD for the whole workload",
                     y_money=True, horizontal=True)


def revenue_and_cost_note(revenue_usd: np.ndarray, cost_usd: np.ndarray) -> str:
    """The caption under ``revenue_and_cost_figure``, saying when its axis is logarithmic."""
    note = ("Notice: the cost is the fleet's and the same under every scheme; only the revenue moves, and per-token "
            "schemes miss the requests whose cost grows faster than their tokens.")
    if spans_decades(np.concatenate([np.asarray(revenue_usd, float), np.asarray(cost_usd, float)])):
        note += (" Log scale: the revenues span more than ten-fold, so equal steps are equal factors; a revenue "
                 "dot right of the cost dot earns more than the fleet costs.")
    return note


def shape_to_bill(shape: str, workload: Workload) -> str:
    """The load shape the fleet is sized with: a synthetic preset's "own timestamps" are its flat month."""
    return (own_load_shape(workload.kind) or shape) if shape == FROM_TIMESTAMPS else shape


def volume_sentence(summary: dict, hours: float) -> str:
    """The volume the page models, in one sentence (markdown): users, requests and tokens over the hours covered,
    and, for a scaled sample, how many users were generated."""
    scaled = summary.get("user_scale", 1) != 1
    users = (f"{fmt_count(summary['users'])} users ({fmt_count(summary['users_generated'])} generated, each "
             f"standing for {summary['user_scale']:,.0f})" if scaled else f"{fmt_count(summary['users'])} users")
    tokens = summary["input_tokens"] + summary["output_tokens"]
    return (f"**Volume modelled:** {users}, {fmt_count(summary['requests'])} requests and {fmt_tokens(tokens)} "
            f"tokens over {hours:,.0f} hours ({fmt_count(summary['requests'] / max(hours, 1))} requests an hour on "
            "average).")


def workload_choices(kind: str) -> dict[str, str]:
    """{id: title} of the synthetic presets (kind='synthetic') or real traces (kind='trace')."""
    return {w["id"]: w["title"] for w in list_workloads() if w["kind"] == kind}


@st.cache_data(show_spinner="Loading the workload…", max_entries=32)
def cached_workload(spec: str, users: int | None) -> Workload:
    """A preset (seeded, reproducible) or a trace; public data, cached for all sessions."""
    return load_workload(spec, users=users, seed=1)


def read_upload(data: bytes, name: str) -> tuple[Workload | None, str | None, str]:
    """(workload, error message, content hash) from an uploaded usage log."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        w = load_workload_bytes(data, name)
    except Exception as exc:  # noqa: BLE001 - any unreadable file becomes a message, never a traceback
        return None, f"Could not read {name}: {exc}", digest
    if len(w) == 0:
        return None, f"{name} has no usable rows.", digest
    return w, None, digest


def schemes_with(overrides: Mapping[str, Mapping[str, Any]]) -> list:
    """Every scheme in display order, with the page's parameter overrides applied."""
    return [make_scheme(sid, **dict(overrides.get(sid, {}))) for sid in SCHEME_ORDER]


def price_overrides(input_usd_per_m: float, output_usd_per_m: float, monthly_fee_usd: float,
                    markup: float) -> dict[str, dict[str, float]]:
    """One list price for every per-token scheme, the subscription's fee and overage, the compute markup."""
    out: dict[str, dict[str, float]] = {
        sid: {"input_usd_per_m": input_usd_per_m, "output_usd_per_m": output_usd_per_m} for sid in PER_TOKEN_SCHEMES
    }
    out["long-context-tier"].update(long_input_usd_per_m=2 * input_usd_per_m, long_output_usd_per_m=1.5 * output_usd_per_m)
    out["subscription"] = {"monthly_fee_usd": monthly_fee_usd, "overage_input_usd_per_m": input_usd_per_m,
                           "overage_output_usd_per_m": output_usd_per_m}
    out["hybrid"] = {"monthly_fee_usd": monthly_fee_usd}
    out["compute-time"] = {"markup": markup}
    return out


PRICE_INPUTS: tuple[tuple[str, str, float, float, float, float], ...] = (
    # (key, label, min, max, default, step)
    ("price_in", "USD per M input tokens", 0.0, 1000.0, DEFAULT_LIST_PRICE_USD_PER_M, 0.01),
    ("price_out", "USD per M output tokens", 0.0, 1000.0, DEFAULT_LIST_PRICE_USD_PER_M, 0.01),
    ("px_fee", "Subscription, USD per month", 0.0, 10_000.0, 20.0, 1.0),
    ("px_markup", "Compute-time markup (×)", 0.1, 100.0, 1.5, 0.1),
)
"""The page's shared prices: input and output list prices, the subscription fee, the compute markup."""


def price_inputs(draw: bool = True) -> tuple[float, float, float, float]:
    """(input USD/M, output USD/M, monthly fee USD, compute markup): four widgets in a row, or, with
    ``draw=False`` (their expander closed), the values they hold in the session (persist_state) or their defaults."""
    if not draw:
        return tuple(float(st.session_state.get(key, default)) for key, _, _, _, default, _ in PRICE_INPUTS)
    c = st.columns(len(PRICE_INPUTS))
    values = tuple(col.number_input(label, lo, hi, default, step, key=key, persist_state="session")
                   for col, (key, label, lo, hi, default, step) in zip(c, PRICE_INPUTS, strict=True))
    st.caption("These set every per-token scheme's prices, the subscription's fee and overage and the compute "
               "markup at once; each scheme's own parameters below start from them.")
    return values


SCHEME_TAB_KEY = "px_scheme_tab"


def scheme_overrides(base: Mapping[str, Mapping[str, Any]], draw: bool = True) -> dict[str, dict[str, Any]]:
    """Every scheme's parameters ({scheme id: values}), one tab per scheme. Only the open tab draws its widgets
    (the tabs rerun the page when one is picked); the others, and all of them with ``draw=False``, return the
    values their widgets hold in the session or the defaults (``scheme_editor.scheme_parameters(draw=False)``)."""
    if not draw:
        return {sid: scheme_parameters(sid, base.get(sid), draw=False) for sid in SCHEME_ORDER}
    tabs = st.tabs([SCHEME_TITLES[sid] for sid in SCHEME_ORDER], key=SCHEME_TAB_KEY, on_change="rerun")
    overrides = {}
    for sid, tab in zip(SCHEME_ORDER, tabs, strict=True):
        with tab:
            overrides[sid] = scheme_parameters(sid, base.get(sid), draw=bool(tab.open))
    return overrides


def freeze(overrides: Mapping[str, Mapping[str, Any]]) -> tuple:
    """A hashable form of the overrides (the cache key)."""
    return tuple(sorted((k, tuple(sorted(v.items()))) for k, v in overrides.items()))


# ----------------------------------------------------------------------------- the fleet and the target margin
SCHEME_TITLES: dict[str, str] = {sid: type(make_scheme(sid)).title or sid for sid in SCHEME_ORDER}
NEEDS_USERS: tuple[str, ...] = ("subscription", "hybrid")
"""Schemes whose revenue depends on how many users share the traffic (a fee per user-month)."""
GPU_BILLINGS: tuple[str, ...] = BILLINGS
def load_shape_choices() -> dict[str, str]:
    """{id: title}: the workload's own timestamps first, then the 24-hour presets (data/fleet/load_shapes.yaml)."""
    return {FROM_TIMESTAMPS: "From the workload's own timestamps",
            **{sid: shape.title for sid, shape in load_shapes().items()}}


@st.cache_data(show_spinner="Assigning users…", max_entries=8, scope="session")
def with_synthetic_users(_workload: Workload, workload_key: str, users: int) -> Workload:
    """The workload's requests assigned to ``users`` users at random (seeded; cached by the workload's key)."""
    return _workload.with_users(users, seed=1)


def fleet_bill_key(frozen: tuple) -> str:
    """``freeze(overrides)`` as one string for the cache key: Streamlit hashes the nested tuple in 1.4 ms and
    this string in 0.02 ms (a sidebar change paid it twice, ~5% of the page's server CPU, py-spy)."""
    return repr(frozen)


def target_prices(report: PricingReport, overrides: Mapping[str, Mapping[str, Any]], target_margin_pct: float):
    """costmodel.pricing.target_price's table for the page's schemes."""
    return target_price_table(report, schemes_with(overrides), target_margin_pct)


@st.cache_data(show_spinner="Sizing the fleet and billing every request…", max_entries=64, scope="session")
def cached_fleet_bill(scenario_json: str, workload_key: str, overrides_key: str, shape: str, peak_headroom: float,
                      autoscale: bool, billing: str, target_margin_pct: float, _workload: Workload,
                      _overrides: tuple) -> tuple:
    """(report, target-price table, the same with readable columns): the workload billed under every scheme at
    the cost of the fleet it needs, and each scheme's prices for the target margin (rebuilding the tables was
    ~15% of a rerun's server time, py-spy). Cached per session by its inputs; ``overrides_key`` is
    ``fleet_bill_key(_overrides)``, ``_overrides`` is ``freeze(overrides)``."""
    overrides = dict(_overrides)
    report = bill_at_fleet_cost(_workload, schemes_with(overrides), scenario=Scenario.model_validate_json(scenario_json),
                                shape=None if shape == FROM_TIMESTAMPS else shape, peak_headroom=peak_headroom,
                                autoscale=autoscale, billing=billing, target_margin_pct=target_margin_pct)
    prices = target_prices(report, overrides, target_margin_pct)
    return report, prices, target_price_display(prices)


def _prices_text(params: Mapping[str, Any]) -> str:
    parts = []
    for name, value in params.items():
        if isinstance(value, Mapping):
            parts.extend(f"{label_of(name)} ({tier}) {v:.4g}" for tier, v in value.items())
        else:
            parts.append(f"{label_of(name)} {value:.4g}")
    return "; ".join(parts) or "no price reaches it (the scheme earns nothing)"


TARGET_COLUMNS = {
    "Revenue (USD)": st.column_config.NumberColumn(format="dollar"),
    "Cost to serve (USD)": st.column_config.NumberColumn(format="dollar"),
    "Margin (USD)": st.column_config.NumberColumn(format="dollar"),
    "Gross margin (R−C)/R, %": st.column_config.NumberColumn(format="%.1f%%"),
    "Cost-profit margin (R−C)/C, %": st.column_config.NumberColumn(format="%.0f%%"),
    "Price × to reach the target": st.column_config.NumberColumn(format="×%.3g"),
}
"""How the target-price table's numbers are shown."""


def target_price_display(prices) -> Any:
    """The target-price table with readable columns."""
    return prices.assign(prices_at_target=[_prices_text(p) for p in prices["prices_at_target"]]).rename(columns={
        "title": "Scheme", "revenue_usd": "Revenue (USD)", "cost_usd": "Cost to serve (USD)",
        "margin_usd": "Margin (USD)", "gross_margin_pct": "Gross margin (R−C)/R, %",
        "cost_profit_margin_pct": "Cost-profit margin (R−C)/C, %", "price_factor": "Price × to reach the target",
        "prices_at_target": "Prices at the target margin",
    }).drop(columns=["scheme"])


def service_level_sentence(s: Scenario) -> str:
    """What the fleet is sized for: the sidebar's service level (or that there is none)."""
    speed, ttft = s.min_tokens_per_second_per_user, s.max_ttft_seconds
    if speed <= 0 and ttft <= 0:
        return ("Sized with no service-level target: each replica holds as many requests as fit, far slower per user "
                "than an interactive service. Set a speed per user or a time to first token in the sidebar. The "
                "sidebar's utilization does not apply here: the fleet's own busy share, from the load, takes its place.")
    parts = ([f"at least {speed:g} output tokens/s per user"] if speed > 0 else []) + (
        [f"a first token within {ttft:g} s at p99"] if ttft > 0 else [])
    return ("Sized for the sidebar's service level: " + " and ".join(parts) + ". The sidebar's utilization does not "
            "apply here: the fleet's own busy share, from the load, takes its place.")


def fleet_sentence(fleet: Mapping[str, Any], op: Mapping[str, Any]) -> str:
    """The operating point and the load shape the fleet was sized with."""
    met = "meets the service level" if op["meets_slo"] else "misses the service level even at one request per replica"
    return (f"Each replica of {op['tensor_parallel']} GPUs serves {op['concurrency']:,.0f} requests at "
            f"{op['tokens_per_second_per_user']:.1f} output tokens/s per user and a p99 first token in "
            f"{op['ttft_p99_seconds']:.2f} s ({met}; what binds: {op['binding_constraint']}). Load: "
            f"{fleet['load_shape']['title']}, peak ÷ average {fleet['load_shape']['peak_to_average']:.2f}, over "
            f"{fleet['hours']} hours, {fleet['peak_headroom']:.2f}× headroom, "
            f"{'scaled hour by hour' if fleet['autoscale'] else 'the busiest hour held throughout'}.")


IDLE_FLEET_SHARE = 0.01
"""Below this busy share the fleet's idle GPUs set every margin on the Pricing page: it says so."""


def idle_fleet_note(fleet: dict, requests: int) -> str:
    """Why every margin is deeply negative when a workload barely uses even the smallest fleet, and what to try
    (a demo's first screen should not leave "-300,000%" unexplained)."""
    return (f"This workload keeps the fleet {fmt_pct(fleet['busy_share'], 3)} busy: {fmt_count(requests)} requests "
            f"are far too few for even the smallest deployment ({fmt_gpus(fleet['gpus_provisioned'])}), so idle GPUs "
            "set every margin below. For a fleet that is actually used, raise **Real users each one stands for**, "
            "choose **Real trace** as the workload, or serve it on fewer or smaller GPUs in the sidebar.")
