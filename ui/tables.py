"""Display tables, each declared once: which library columns it shows, under which label, in which format.

A :class:`TableSpec` is data: a CSV name and a tuple of :class:`Column`. It is
checked when this module loads (known kinds, valid formats, unique labels), and
:meth:`TableSpec.frame` names any library column a table expects but does not get.
``ui.widgets.spec_table`` draws one (with its CSV download). No maths here: every
number comes from costmodel, only selected and renamed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

KINDS = ("number", "progress", "link", "text", "checkbox")
NAMED_FORMATS = ("plain", "localized", "percent", "dollar", "accounting", "compact", "scientific", "engineering")
"""Streamlit's predefined number formats; any other format must be a printf pattern such as ``"$%.4f"``."""


@dataclass(frozen=True)
class Column:
    """One shown column: ``source`` in the library's DataFrame, its ``label`` on screen and in the CSV."""

    source: str
    label: str
    format: str | None = None  # a printf pattern ("$%.4f") or one of NAMED_FORMATS; numbers and progress only
    kind: str = "number"

    def __post_init__(self) -> None:
        if not self.source or not self.label:
            raise ValueError(f"column {self!r}: source and label must be non-empty")
        if self.kind not in KINDS:
            raise ValueError(f"column {self.label!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.format is not None:
            if self.kind not in ("number", "progress"):
                raise ValueError(f"column {self.label!r}: a format applies to number or progress columns only")
            if self.format not in NAMED_FORMATS:
                try:
                    self.format % 1.0
                except (TypeError, ValueError):
                    raise ValueError(f"column {self.label!r}: format {self.format!r} is not a printf pattern "
                                     f"or one of {', '.join(NAMED_FORMATS)}") from None


@dataclass(frozen=True)
class TableSpec:
    """A table: its CSV file name and its columns in display order."""

    name: str
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        labels = [c.label for c in self.columns]
        dup = sorted({x for x in labels if labels.count(x) > 1})
        if not self.columns or dup:
            raise ValueError(f"table {self.name!r}: " + (f"label {dup[0]!r} twice" if dup else "no columns"))

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df``'s columns of this table, renamed to their labels (ValueError naming any that are missing)."""
        missing = [c.source for c in self.columns if c.source not in df.columns]
        if missing:
            raise ValueError(f"table {self.name!r} needs column(s) {', '.join(missing)}")
        return pd.DataFrame({c.label: df[c.source].to_numpy() for c in self.columns}, index=df.index)

    def formatted(self) -> Mapping[str, Column]:
        """The columns with a format, a kind other than plain numbers, by label (for the column config)."""
        return MappingProxyType({c.label: c for c in self.columns if c.format or c.kind != "number"})


SIGNIFICANT_FORMAT = "%.4g"
"""A plain float column's display: four significant digits. Streamlit's default, four decimals, showed
$0.000237 per request as 0.0002 (Right-sizing, Cost curves), the same for every row of a "Data behind" table."""


def significant_formats(df: pd.DataFrame, skip: Collection[str] = ()) -> dict[str, str]:
    """{column: SIGNIFICANT_FORMAT} for ``df``'s float columns not in ``skip`` whose finite values stay below 10⁴
    in size, where four significant digits are never fewer than the integer digits; larger ones keep Streamlit's
    default (they already show four or more significant digits)."""
    out: dict[str, str] = {}
    for name in df.columns:
        col = df[name]
        if name in skip or not pd.api.types.is_float_dtype(col):
            continue
        finite = col[np.isfinite(col.to_numpy(dtype=float))]
        if not finite.empty and float(finite.abs().max()) < 1e4:
            out[name] = SIGNIFICANT_FORMAT
    return out


def _c(source: str, label: str, format: str | None = None, kind: str = "number") -> Column:
    return Column(source, label, format, kind)


LEVERS = TableSpec("optimization-levers", (
    _c("title", "Lever", kind="text"),
    _c("setting", "Setting in your scenario", kind="text"),
    _c("seed_claim", "Typical gain (seed article)", kind="text"),
    _c("multiplier", "Multiplier on cost per request", "×%.3f"),
    _c("accuracy", "Published accuracy change", kind="text"),
    _c("usd_per_request", "USD per request", "$%.6f"),
    _c("usd_per_million_input_tokens", "USD per M input tokens", "$%.4f"),
    _c("usd_per_million_output_tokens", "USD per M output tokens", "$%.4f"),
    _c("output_tokens_per_second", "Output tok/s", "%.0f"),
    _c("max_concurrency", "Requests that fit"),
))
"""costmodel.analysis.levers.lever_steps, one row per lever."""

PRECISIONS = TableSpec("precision-choices", (
    _c("kind", "Precision of", kind="text"),
    _c("bits", "Bits"),
    _c("usd_per_request", "USD per request", "$%.6f"),
    _c("cost_vs_16_bit", "Cost vs 16-bit", "×%.3f"),
    _c("accuracy", "Published accuracy change", kind="text"),
))
"""costmodel.analysis.levers.precision_choices, one row per bits choice."""

HARDWARE = TableSpec("hardware-comparison", (
    _c("name", "GPU", kind="text"),
    _c("gpu", "GPU id", kind="text"),
    _c("gpus", "GPUs"),
    _c("fits", "Fits", kind="checkbox"),
    _c("cheapest", "Cheapest", kind="checkbox"),
    _c("usd_per_million_input_tokens", "USD per M input tokens", "$%.4f"),
    _c("usd_per_million_output_tokens", "USD per M output tokens", "$%.4f"),
    _c("usd_per_request", "USD per request", "$%.6f"),
    _c("output_tokens_per_second_per_gpu", "Output tok/s per GPU", "%.0f"),
    _c("ttft_seconds", "Time to first token (s)", "%.3f"),
    _c("tpot_seconds", "Time per output token (s)", "%.4f"),
    _c("memory_gb", "Memory per GPU (GB)"),
    _c("weights_share_of_memory", "Weights share of memory", "percent", kind="progress"),
    _c("gpu_hourly_usd", "USD per GPU-hour", "$%.2f"),
    _c("price_date", "Price date", kind="text"),
))
"""costmodel.analysis.compare.compare_gpus, one row per GPU."""

MARKET = TableSpec("market-implied-margins", (
    _c("price_id", "Provider price", kind="text"),
    _c("catalog_model", "Comparable open model", kind="text"),
    _c("gpus", "GPUs"),
    _c("weight_bits", "Weight bits"),
    _c("tensor_parallel", "GPUs per replica"),
    _c("input_usd_per_m", "List USD per M input", "$%.3f"),
    _c("output_usd_per_m", "List USD per M output", "$%.3f"),
    _c("cost_input_usd_per_m", "Cost USD per M input", "$%.3f"),
    _c("cost_output_usd_per_m", "Cost USD per M output", "$%.3f"),
    _c("price_per_request_usd", "List USD per request", "$%.5f"),
    _c("cost_per_request_usd", "Cost USD per request", "$%.5f"),
    _c("margin_per_request", "Implied margin per request", "percent"),
    _c("margin_input", "Implied margin, input", "percent"),
    _c("margin_output", "Implied margin, output", "percent"),
    _c("price_date", "Price date", kind="text"),
    _c("source", "Source", kind="text"),
))
"""costmodel.analysis.compare.market_comparison, one row per provider list price."""

# "dollar", not "$%.2f": printf put a loss's sign after the dollar ("$-9491.20") and no thousands separator, beside
# the target-price table's "-$9,491.20" for the same margin (ui.pricing.TARGET_COLUMNS).
PRICING_REPORT = TableSpec("pricing-schemes", (
    _c("title", "Scheme", kind="text"),
    _c("revenue_usd", "Revenue (USD)", "dollar"),
    _c("cost_usd", "Cost to serve (USD)", "dollar"),
    _c("margin_usd", "Margin (USD)", "dollar"),
    _c("gross_margin_pct", "Gross margin (R−C)/R, %", "%.1f%%"),
    _c("cost_profit_margin_pct", "Cost-profit margin (R−C)/C, %", "%.0f%%"),
    _c("loss_request_share", "Requests served at a loss", "percent"),
    _c("bill_mean_usd", "Mean bill per user-month (USD)", "dollar"),
    _c("bill_p50_usd", "Median bill (USD)", "dollar"),
    _c("bill_p90_usd", "90th-percentile bill (USD)", "dollar"),
    _c("bill_cv", "Bill variability (CV)", "%.2f"),
    _c("refused_requests", "Refused requests"),
    _c("user_months", "User-months"),
))
"""costmodel.pricing.billing.PricingReport.to_frame, one row per scheme."""

VALIDATION = TableSpec("validation-report", (
    _c("id", "id", kind="text"),
    _c("model", "model", kind="text"),
    _c("gpu", "gpu", kind="text"),
    _c("gpus", "gpus"),
    _c("unit", "unit", kind="text"),
    _c("predicted", "predicted"),
    _c("measured", "measured"),
    _c("error", "error", "percent"),
    _c("assumption", "assumption", kind="text"),
    _c("source", "source", kind="link"),
))
"""costmodel.engine.calibration.calibration_report, one row per published measurement."""

PUBLISHED_ENERGY = TableSpec("energy-beside-published", (
    _c("title", "Published configuration", kind="text"),
    _c("date", "Published", kind="text"),
    _c("published_per_mw", "Published tokens/s per all-in MW", "compact"),
    _c("ours_per_mw", "Ours, at your assumptions", "compact"),
    _c("ratio", "Ours / published", "×%.2f"),
    _c("ours_provisioned_per_mw", "Ours on their power basis", "compact"),
    _c("throughput_ratio", "Throughput per GPU, ours / theirs", "×%.2f"),
    _c("published_w_per_gpu", "Their W per GPU (provisioned)", "%.0f"),
    _c("ours_w_per_gpu", "Our W per GPU (average)", "%.0f"),
    _c("url", "Source", kind="link"),
))
"""costmodel.analysis.energy_reference.energy_beside_published, one row per published figure."""


# ----------------------------------------------------------------------------- the "Data behind" tables
# One label (with its unit) per library column, shared by the tables below: the same column reads the same on every
# page. QA pass (2026-12-02): these tables showed raw names such as "usd_per_million_output_tokens_all_in".
_DATA_COLUMNS: Mapping[str, Column] = MappingProxyType({c.source: c for c in (
    _c("prompt_tokens", "Prompt length (tokens)"),
    _c("cached_tokens", "Cached prompt tokens"),
    _c("output_tokens", "Output tokens"),
    _c("turn", "Turn"),
    _c("usd_per_request", "USD per request", "$%.4g"),
    _c("usd_per_million_input_tokens", "Phase-split USD per M input tokens", "$%.4g"),
    _c("usd_per_million_output_tokens", "Phase-split USD per M output tokens", "$%.4g"),
    _c("usd_per_million_output_tokens_all_in", "All-in USD per M output tokens", "$%.4g"),
    _c("usd_per_million_tokens_blended", "Blended USD per M tokens", "$%.4g"),
    _c("max_concurrency", "Requests that fit (count)"),
    _c("concurrency", "Requests in flight (count)", "%.4g"),
    _c("tensor_parallel", "GPUs per replica"),
    _c("replicas", "Replicas"),
    _c("batch_per_replica", "Requests per replica (count)", "%.4g"),
    _c("tokens_per_second_per_user", "Output tok/s per user", "%.1f"),
    _c("output_tokens_per_second_per_gpu", "Output tok/s per GPU", "%.0f"),
    _c("tokens_per_second_per_gpu", "Input + output tok/s per GPU", "%.0f"),
    _c("tpot_seconds", "Time per output token (s)", "%.4f"),
    _c("ttft_seconds", "Time to first token (s)", "%.3f"),
    _c("ttft_p99_seconds", "p99 time to first token under load (s)", "%.3f"),
    _c("meets_slo", "Meets the service level", kind="checkbox"),
    _c("on_frontier", "On the frontier", kind="checkbox"),
    _c("joules_per_output_token", "Joules per output token", "%.4g"),
    _c("output_tokens_per_kwh", "Output tokens per kWh (all-in)", "%.0f"),
    _c("all_in_power_watts", "All-in power (W)", "%.0f"),
    _c("cost_usd_cached", "Turn cost with prefix caching (USD)", "$%.4g"),
    _c("cost_usd_uncached", "Turn cost without caching (USD)", "$%.4g"),
    _c("cum_cost_usd_cached", "Session cost so far, with caching (USD)", "$%.4g"),
    _c("cum_cost_usd_uncached", "Session cost so far, without caching (USD)", "$%.4g"),
    _c("cum_revenue_usd_flat", "Revenue so far, flat per-token price (USD)", "$%.4g"),
    _c("cum_revenue_usd_cached_input", "Revenue so far, cached-input pricing (USD)", "$%.4g"),
    _c("context_parallel", "Context-parallel ranks (count)"),
    _c("gpus", "GPUs"),
    _c("fits", "Fits in memory", kind="checkbox"),
    _c("ring_kv_gb_per_gpu", "Ring KV traffic per GPU (GB)", "%.3f"),
    _c("kv_gb_per_request", "KV cache per request (GB)", "%.3f"),
    _c("large_only_usd_per_request", "Large model only, USD per request", "$%.4g"),
    _c("price_per_request", "Your price, USD per request", "$%.4g"),
)})


def data_table(name: str, sources: tuple[str, ...], extra: tuple[Column, ...] = ()) -> TableSpec:
    """A "Data behind" table of ``sources`` (library columns, labelled by ``_DATA_COLUMNS``) and ``extra`` columns
    a single table has."""
    own = {c.source: c for c in extra}
    return TableSpec(name, tuple(own.get(s) or _DATA_COLUMNS[s] for s in sources))


COST_VS_CONTEXT = data_table("cost-vs-context", (
    "prompt_tokens", "usd_per_request", "usd_per_million_input_tokens", "usd_per_million_output_tokens",
    "usd_per_million_output_tokens_all_in", "max_concurrency"))
"""costmodel.analysis.curves.over_context as the Cost curves page sweeps it (prompt length first)."""

TOKEN_COST_VS_CONTEXT = data_table("cost-per-token-vs-context", (
    "prompt_tokens", "usd_per_million_input_tokens", "usd_per_million_output_tokens"))
"""The same sweep for the Agents page's long-context tier chart."""

FRONTIER = data_table("throughput-interactivity-frontier", (
    "tensor_parallel", "replicas", "batch_per_replica", "concurrency", "tokens_per_second_per_user",
    "output_tokens_per_second_per_gpu", "tokens_per_second_per_gpu", "usd_per_million_output_tokens_all_in",
    "usd_per_million_tokens_blended", "tpot_seconds", "ttft_p99_seconds", "meets_slo", "on_frontier"))
"""costmodel.analysis.frontier.frontier_points, one row per layout and batch."""

PUBLISHED_POINTS = data_table("published-points", (
    "id", "tokens_per_second_per_user", "speed_from", "output_tokens_per_second_per_gpu", "isl", "osl",
    "concurrency", "system_gpus", "serving", "mode", "framework", "weight_bits", "speculative", "source"), extra=(
    _c("id", "Published case", kind="text"),
    _c("speed_from", "Speed per user from", kind="text"),
    _c("isl", "Mean prompt (tokens)", "%.0f"),
    _c("osl", "Mean output (tokens)", "%.0f"),
    _c("system_gpus", "GPUs in the system"),
    _c("serving", "Serving", kind="text"),
    _c("mode", "Mode", kind="text"),
    _c("framework", "Framework", kind="text"),
    _c("weight_bits", "Weight bits"),
    _c("speculative", "Speculative decoding", kind="checkbox"),
    _c("source", "Source", kind="link"),
))
"""costmodel.analysis.published_points.published_points, one row per published run drawn on the frontier."""

ENERGY_VS_BATCH = data_table("energy-vs-batch", (
    "concurrency", "joules_per_output_token", "output_tokens_per_kwh", "all_in_power_watts"),
    extra=(_c("concurrency", "Concurrent requests (count)"),))
"""The Energy page's sweep over requests in flight."""

AGENT_SESSION = data_table("agent-session", (
    "turn", "prompt_tokens", "cached_tokens", "output_tokens", "cost_usd_cached", "cost_usd_uncached",
    "cum_cost_usd_cached", "cum_cost_usd_uncached", "cum_revenue_usd_flat", "cum_revenue_usd_cached_input"))
"""costmodel.pricing.sessions.agent_session_cost, one row per turn."""

CONTEXT_PARALLEL = data_table("context-parallel", (
    "context_parallel", "gpus", "fits", "usd_per_request", "ttft_seconds", "ring_kv_gb_per_gpu",
    "kv_gb_per_request", "max_concurrency"))
"""The Agents page's context-parallel sweep, one row per rank count, its bytes in GB (10^9 bytes: a printf
"%g" in the browser printed 20480000000)."""

ROUTING = data_table("routing-cost-vs-share", (
    "share", "routed_usd_per_request", "cascade_usd_per_request", "large_only_usd_per_request", "price_per_request",
    "routed_margin", "cascade_margin"), extra=(
    _c("share", "Share (%): routed small, or escalated large", "%.0f%%"),
    _c("routed_usd_per_request", "Routing, USD per request", "$%.4g"),
    _c("cascade_usd_per_request", "Cascade, USD per request", "$%.4g"),
    _c("routed_margin", "Routing margin", "percent"),
    _c("cascade_margin", "Cascade margin", "percent"),
))
"""costmodel.analysis.routing.cost_vs_share, one row per share (routed share for routing, escalated share for the
cascade; the page passes it in percent)."""
