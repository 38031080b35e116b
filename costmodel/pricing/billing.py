"""Pricing schemes: bill one workload under every scheme and compare with its cost to serve.

Per-token prices are linear in tokens; the cost of serving them is not (cost-physics.md
section 5: GPU time depends on batch, context, cache hits and the model's active
parameters). The same workload therefore earns very different margins under different
schemes (cost-physics.md section 6). Each scheme here is a pydantic model whose every
parameter has a default read from ``data/prices/schemes.yaml`` and can be overridden:

==================  ============================================================
``flat``            input and output tokens at per-token prices
``cached-input``    cache reads at a fraction of the input price, cache writes at a
                    premium (1.25x for a 5-minute, 2x for a 1-hour cache), nothing cached
                    below a minimum prompt length
``long-context-tier`` above a prompt-length threshold EVERY token of the request is
                    billed at the higher rates (whole-request semantics)
``batch-discount``  flat prices less a fraction
``subscription``    a monthly fee with an allowance of tokens or requests per window,
                    then per-token overage or a hard cap (refused requests are counted)
``compute-time``    GPU-seconds used x the GPU-hour price x a markup
``activated-params`` tokens x active parameters x a rate
``capability-tier`` a price per request (or per token) set by the model's tier
``hybrid``          subscription, then capability-tier prices beyond the allowance
==================  ============================================================

Reasoning tokens are billed as output: a workload's ``output_tokens`` already include
them (see costmodel.workloads.workload).

All arithmetic is vectorised numpy over requests. A workload is priced in *chunks*
(dicts of equal-length arrays, see :data:`COLUMNS`); an in-memory workload is one chunk,
a log larger than memory is streamed chunk by chunk (costmodel.pricing.scale), a Dask
dataset runs the same kernels per partition. Subscription allowances are consumed in
time order per user and window; their running totals are carried between chunks.

Public API::

    list_schemes() -> list[dict]                 # ids, titles, parameters with defaults
    make_scheme("cached-input", cache_ttl="1h")  # a scheme with overrides
    default_schemes() -> list[Scheme]            # all nine at their defaults
    bill(workload, schemes=None, scenario=..., costs=..., coster=...) -> PricingReport
    break_even_flat_price(...)                   # flat price for zero (or a target) margin
    agent_session_cost(...)                      # N-turn agent session, with/without caching
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.pricing.schemes import (  # noqa: F401 - the schemes are part of this module's API
    _KEY_STRIDE,
    _WINDOW_SECONDS,
    DATA_DIR,
    SCHEME_DEFAULTS_PATH,
    SCHEMES,
    TIERS,
    ActivatedParamsScheme,
    BatchDiscountScheme,
    CachedInputScheme,
    CapabilityTierScheme,
    ComputeTimeScheme,
    CostContext,
    FlatScheme,
    HybridScheme,
    LongContextTierScheme,
    Scheme,
    SubscriptionScheme,
    _allowance_overage,
    _AllowanceMixin,
    _d,
    _fee_share,
    _per_m,
    _TierMixin,
    _window_index,
    default_schemes,
    list_schemes,
    make_scheme,
    month_index,
    scheme_defaults,
)

COLUMNS: tuple[str, ...] = (
    "prompt_tokens",  # all input tokens of the request, cached ones included
    "output_tokens",  # all generated tokens, reasoning included
    "cached_tokens",  # prompt tokens read from the prefix cache
    "cache_write_tokens",  # prompt tokens written to the cache
    "user",  # integer user code
    "timestamp",  # seconds since the Unix epoch (0 when unknown)
)
"""Columns of a request chunk. Pricing adds ``cost_usd`` and ``gpu_seconds``."""

# ----------------------------------------------------------------------------- costs
class RequestCoster(Protocol):
    """Costs each request of a chunk: returns (USD, GPU-seconds) arrays."""

    context: CostContext

    def __call__(
        self, prompt_tokens: np.ndarray, output_tokens: np.ndarray, cached_tokens: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class LinearCoster:
    """A cost that is linear in tokens: for tests and for injecting a known cost."""

    usd_per_input_token: float = 0.0
    usd_per_cached_token: float = 0.0
    usd_per_output_token: float = 0.0
    usd_per_request: float = 0.0
    context: CostContext = field(default_factory=CostContext)

    def __call__(self, prompt_tokens, output_tokens, cached_tokens):
        p = np.asarray(prompt_tokens, dtype=np.float64)
        r = np.minimum(np.asarray(cached_tokens, dtype=np.float64), p)
        usd = (
            (p - r) * self.usd_per_input_token
            + r * self.usd_per_cached_token
            + np.asarray(output_tokens, dtype=np.float64) * self.usd_per_output_token
            + self.usd_per_request
        )
        hourly = self.context.gpu_hourly_usd
        gpu_s = usd / hourly * 3600.0 if hourly else np.zeros_like(usd)
        return usd, gpu_s


class EngineCoster:
    """Costs requests with the first-principles engine (costmodel.engine.inference).

    The deployment's operating point is found once with ``estimate()`` at the workload's
    mean request shape and ``concurrency='max'``; every request is then costed with
    ``estimate_arrays`` at that fixed concurrency (one vectorised call per chunk).
    """

    batch_rows: int = 250_000  # requests per engine call

    def __init__(self, scenario, mean_prompt_tokens: float, mean_output_tokens: float, cache_hit_rate: float):
        try:
            from costmodel.engine.inference import estimate, estimate_arrays
        except ImportError as exc:  # pragma: no cover - depends on the engine having landed
            raise CostModelError(f"the cost engine (costmodel.engine.inference) is not available: {exc}") from None
        from costmodel.catalog.loader import load_catalog

        self._estimate_arrays = estimate_arrays
        op = scenario.model_copy(
            update={
                "prompt_tokens": int(min(max(round(mean_prompt_tokens), 1), 10_000_000)),
                "output_tokens": int(min(max(round(mean_output_tokens), 1), 1_000_000)),
                "cache_hit_rate": float(min(max(cache_hit_rate, 0.0), 1.0)),
                "concurrency": "max",
            }
        )
        r = estimate(op)
        if not r.fits or not r.concurrency:
            raise CostModelError(
                f"model {scenario.model} does not fit on {scenario.gpus} x {scenario.gpu} at the workload's "
                f"mean request ({op.prompt_tokens} prompt + {op.output_tokens} output tokens); add GPUs or quantize"
            )
        self.scenario = op
        self.operating_point = r
        model = load_catalog().model(scenario.model)
        self.context = CostContext(
            model=scenario.model,
            gpu=scenario.gpu,
            gpus=scenario.gpus,
            gpu_hourly_usd=float(r.gpu_hourly_usd),
            active_params=float(r.active_params),
            total_params=float(r.total_params),
            concurrency=int(r.concurrency),
            max_context_tokens=int(model.max_context_tokens),
        )

    def __call__(self, prompt_tokens, output_tokens, cached_tokens):
        p = np.asarray(prompt_tokens, dtype=np.float64)
        hit = np.divide(np.asarray(cached_tokens, dtype=np.float64), p, out=np.zeros(len(p)), where=p > 0)
        if len(p) == 0:
            return np.zeros(0), np.zeros(0)
        out = np.asarray(output_tokens, dtype=np.float64)
        usd, gpu_s = np.empty(len(p)), np.empty(len(p))
        for s in range(0, len(p), self.batch_rows):  # the engine's temporaries stay bounded
            sl = slice(s, s + self.batch_rows)
            arrs = self._estimate_arrays(
                self.scenario,
                prompt_tokens=np.clip(p[sl], 1, 10_000_000),
                output_tokens=np.clip(out[sl], 1, 1_000_000),
                cache_hit_rate=np.clip(hit[sl], 0.0, 1.0),
                concurrency=self.context.concurrency,
            )
            usd[sl] = np.asarray(arrs["usd_per_request"], dtype=np.float64)
            gpu_s[sl] = np.asarray(arrs["gpu_seconds_per_request"], dtype=np.float64)
        return usd, gpu_s


# ----------------------------------------------------------------------------- results
@dataclass
class SchemeResult:
    scheme: str
    title: str
    params: dict[str, Any]
    revenue_usd: float
    cost_usd: float
    served_requests: int
    refused_requests: int
    loss_requests: int
    user_months: int
    bill_mean_usd: float | None
    bill_cv: float | None
    bill_percentiles_usd: dict[str, float]

    @property
    def margin_usd(self) -> float:
        return self.revenue_usd - self.cost_usd

    @property
    def margin_pct(self) -> float | None:
        return 100.0 * self.margin_usd / self.revenue_usd if self.revenue_usd > 0 else None

    @property
    def loss_request_share(self) -> float | None:
        return self.loss_requests / self.served_requests if self.served_requests else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "title": self.title,
            "params": self.params,
            "revenue_usd": self.revenue_usd,
            "cost_usd": self.cost_usd,
            "margin_usd": self.margin_usd,
            "margin_pct": self.margin_pct,
            "loss_request_share": self.loss_request_share,
            "bill_cv": self.bill_cv,
            "refused_requests": self.refused_requests,
            "served_requests": self.served_requests,
            "user_months": self.user_months,
            "bill_mean_usd": self.bill_mean_usd,
            "bill_percentiles_usd": self.bill_percentiles_usd,
        }


@dataclass
class PricingReport:
    """What :func:`bill` returns: the workload's totals, one result per scheme, break-even prices."""

    workload: dict[str, Any]
    schemes: list[SchemeResult]
    break_even: dict[str, Any]
    context: CostContext
    bills: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # scheme -> per user-month bills

    def to_dict(self) -> dict[str, Any]:
        ctx = self.context
        return {
            "workload": self.workload,
            "deployment": {
                "model": ctx.model,
                "gpu": ctx.gpu,
                "gpus": ctx.gpus,
                "gpu_hourly_usd": ctx.gpu_hourly_usd,
                "concurrency": ctx.concurrency,
                "active_params": ctx.active_params,
            },
            "schemes": [s.to_dict() for s in self.schemes],
            "break_even": self.break_even,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scheme (for tables and charts)."""
        rows = []
        for s in self.schemes:
            d = s.to_dict()
            d.pop("params")
            d.update({f"bill_{k}_usd": v for k, v in d.pop("bill_percentiles_usd").items()})
            rows.append(d)
        return pd.DataFrame(rows)

    def result(self, scheme_id: str) -> SchemeResult:
        for s in self.schemes:
            if s.scheme == scheme_id:
                return s
        raise KeyError(scheme_id)


# ----------------------------------------------------------------------------- engine
class UserMonths:
    """The (user, calendar month) pairs of a workload, their token totals, and lookup."""

    def __init__(self, keys: np.ndarray, tokens: np.ndarray):
        self.index = pd.Index(keys)
        self.tokens = np.asarray(tokens, dtype=np.float64)

    @staticmethod
    def key(user: np.ndarray, timestamp: np.ndarray, month: np.ndarray | None = None) -> np.ndarray:
        month = month_index(timestamp) if month is None else month
        return np.asarray(user, dtype=np.int64) * _KEY_STRIDE + month

    @classmethod
    def from_partials(cls, partials: Iterable[pd.Series]) -> UserMonths:
        s = pd.concat(list(partials)).groupby(level=0).sum() if partials else pd.Series(dtype=np.float64)
        return cls(s.index.to_numpy(dtype=np.int64), s.to_numpy())

    @staticmethod
    def partial(c: Mapping[str, np.ndarray]) -> pd.Series:
        """Tokens per user-month key of one chunk (combined with :meth:`from_partials`)."""
        keys = UserMonths.key(c["user"], c["timestamp"])
        return pd.Series(c["prompt_tokens"] + c["output_tokens"]).groupby(keys).sum()

    def __len__(self) -> int:
        return len(self.index)

    def locate(self, c: Mapping[str, np.ndarray]) -> np.ndarray:
        pos = self.index.get_indexer(self.key(c["user"], c["timestamp"], c.get("_month")))
        if (pos < 0).any():
            raise CostModelError("internal: a request's user-month was not seen in the first pass")
        return pos


@dataclass
class _Acc:
    n_um: int
    revenue: float = 0.0
    cost: float = 0.0
    served: int = 0
    refused: int = 0
    loss: int = 0
    cost_all: float = 0.0  # cost of every request, refused ones included (for break-even)
    bills: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.bills is None:
            self.bills = np.zeros(self.n_um)

    def merge(self, other: _Acc) -> _Acc:
        self.revenue += other.revenue
        self.cost += other.cost
        self.served += other.served
        self.refused += other.refused
        self.loss += other.loss
        self.cost_all += other.cost_all
        self.bills += other.bills
        return self


def as_chunk(data: Mapping[str, Any], n: int | None = None) -> dict[str, np.ndarray]:
    """Normalise a mapping of columns to float64/int64 arrays with every column of :data:`COLUMNS`."""
    p = np.asarray(data["prompt_tokens"], dtype=np.float64)
    n = len(p) if n is None else n
    out = {"prompt_tokens": p, "output_tokens": np.asarray(data["output_tokens"], dtype=np.float64)}
    for col in ("cached_tokens", "cache_write_tokens", "timestamp"):
        v = data.get(col)
        out[col] = np.zeros(n) if v is None else np.asarray(v, dtype=np.float64)
    u = data.get("user")
    out["user"] = np.zeros(n, dtype=np.int64) if u is None else np.asarray(u, dtype=np.int64)
    for col in ("cost_usd", "gpu_seconds"):
        if data.get(col) is not None:
            out[col] = np.asarray(data[col], dtype=np.float64)
    return out


def price_chunk(
    c: dict[str, np.ndarray],
    schemes: Sequence[Scheme],
    ctx: CostContext,
    user_months: UserMonths,
    states: list[dict],
    coster: RequestCoster | None = None,
) -> list[_Acc]:
    """Price one chunk under every scheme; returns one partial accumulator per scheme."""
    if "cost_usd" not in c or "gpu_seconds" not in c:
        if coster is None:
            raise CostModelError("no cost for the requests: give a scenario, per-request costs or a coster")
        usd, gpu_s = coster(c["prompt_tokens"], c["output_tokens"], c["cached_tokens"])
        c = {
            **c,
            "cost_usd": np.asarray(usd, dtype=np.float64),
            "gpu_seconds": np.asarray(gpu_s, dtype=np.float64),
        }
    ts = c["timestamp"]
    c = {**c, "_time_sorted": bool(len(ts) < 2 or (ts[1:] >= ts[:-1]).all())}
    if "_month" not in c:
        c["_month"] = month_index(ts)
    pos = c["_um_pos"] if "_um_pos" in c else user_months.locate(c)
    c["_um_pos"], c["_n_um"] = pos, len(user_months)
    c["um_tokens"] = user_months.tokens[pos]
    cost = c["cost_usd"]
    cost_all = float(cost.sum())
    accs = []
    for scheme, state in zip(schemes, states, strict=True):
        rev, served = scheme.revenue(c, ctx, state)
        acc = _Acc(len(user_months))
        acc.bills = np.bincount(pos, weights=rev, minlength=len(user_months))
        acc.revenue = float(rev.sum())
        acc.cost_all = cost_all
        if served is None:
            acc.served = len(rev)
            acc.cost = cost_all
            acc.loss = int(np.count_nonzero(rev < cost))
        else:
            acc.served = int(np.count_nonzero(served))
            acc.refused = len(rev) - acc.served
            acc.cost = float(cost[served].sum())
            acc.loss = int(np.count_nonzero((rev < cost) & served))
        accs.append(acc)
    return accs


def finish(
    schemes: Sequence[Scheme], accs: Sequence[_Acc]
) -> tuple[list[SchemeResult], dict[str, np.ndarray]]:
    results, bills = [], {}
    for scheme, acc in zip(schemes, accs, strict=True):
        b = acc.bills
        mean = float(b.mean()) if len(b) else None
        cv = float(b.std() / mean) if len(b) >= 2 and mean else None
        pct = (
            dict(
                zip(("p10", "p50", "p90", "p99"), map(float, np.percentile(b, [10, 50, 90, 99])), strict=True)
            )
            if len(b)
            else {}
        )
        if len(b):
            pct["max"] = float(b.max())
        results.append(
            SchemeResult(
                scheme=scheme.label,
                title=scheme.title,
                params=scheme.params(),
                revenue_usd=acc.revenue,
                cost_usd=acc.cost,
                served_requests=acc.served,
                refused_requests=acc.refused,
                loss_requests=acc.loss,
                user_months=len(b),
                bill_mean_usd=mean,
                bill_cv=cv,
                bill_percentiles_usd=pct,
            )
        )
        bills[scheme.label] = b
    return results, bills


def break_even_flat_price(
    input_tokens: float,
    output_tokens: float,
    cost_usd: float,
    *,
    output_to_input_ratio: float = 1.0,
    target_margin_pct: float = 0.0,
) -> dict[str, Any]:
    """The flat per-token price at which the workload's margin is zero (or ``target_margin_pct``).

    Flat revenue is linear in the price: with p_out = ratio * p_in, revenue =
    p_in (S_in + ratio S_out). The margin (R - C) / R reaches m when R = C / (1 - m), so
    p_in = C / ((1 - m)(S_in + ratio S_out)). Also returns the blended price (one price for
    every token) at the same margin.
    """
    if not 0 <= target_margin_pct < 100:
        raise CostModelError(f"target margin must be in [0, 100) percent, got {target_margin_pct}")
    if output_to_input_ratio < 0:
        raise CostModelError("output_to_input_ratio must be >= 0")
    need = cost_usd / (1.0 - target_margin_pct / 100.0)
    weighted = input_tokens + output_to_input_ratio * output_tokens
    total = input_tokens + output_tokens
    p_in = need / weighted * 1e6 if weighted > 0 else None
    return {
        "target_margin_pct": target_margin_pct,
        "output_to_input_ratio": output_to_input_ratio,
        "input_usd_per_m": p_in,
        "output_usd_per_m": None if p_in is None else p_in * output_to_input_ratio,
        "blended_usd_per_m": need / total * 1e6 if total > 0 else None,
    }


def workload_summary(
    requests: int,
    input_tokens: float,
    output_tokens: float,
    cached: float,
    skipped: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    skipped = dict(skipped or {})
    return {
        "requests": int(requests),
        "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens),
        "cached_input_tokens": int(cached),
        "prefix_cache_hit_rate": cached / input_tokens if input_tokens else 0.0,
        "skipped_rows": int(sum(skipped.values())),
        "skipped_reasons": skipped,
    }


def _resolve_schemes(schemes: Iterable[Scheme | str] | None) -> list[Scheme]:
    if schemes is None:
        return default_schemes()
    out = [make_scheme(s) if isinstance(s, str) else s for s in schemes]
    if not out:
        raise CostModelError("no pricing scheme given")
    return out


def bill(
    workload: Any,
    schemes: Iterable[Scheme | str] | None = None,
    *,
    scenario: Any = None,
    costs: tuple[np.ndarray, np.ndarray] | None = None,
    coster: RequestCoster | None = None,
    context: CostContext | None = None,
    chunk_size: int = 1_000_000,
    break_even_ratio: float | None = None,
    target_margin_pct: float = 20.0,
) -> PricingReport:
    """Bill an in-memory workload under each scheme, against its cost to serve.

    ``workload``: a :class:`costmodel.workload.Workload` or a mapping of :data:`COLUMNS`
    arrays. The cost comes from exactly one of: ``costs=(usd, gpu_seconds)`` per-request
    arrays, a ``coster`` (see :class:`LinearCoster`), or a ``scenario`` (the engine:
    operating point at the workload's mean request, then every request at that concurrency).
    ``context`` overrides what the schemes know about the deployment (GPU-hour price,
    active and total parameters).
    """
    schemes = _resolve_schemes(schemes)
    data = workload.columns() if hasattr(workload, "columns") else workload
    c = as_chunk(data)
    n = len(c["prompt_tokens"])
    skipped = getattr(workload, "skipped", {}) or {}
    sum_p, sum_o = float(c["prompt_tokens"].sum()), float(c["output_tokens"].sum())
    sum_cached = float(np.minimum(c["cached_tokens"], c["prompt_tokens"]).sum())
    if costs is not None:
        usd, gpu_s = (np.broadcast_to(np.asarray(a, dtype=np.float64), (n,)) for a in costs)
        c["cost_usd"], c["gpu_seconds"] = usd, gpu_s
    elif coster is None:
        if scenario is None:
            raise CostModelError("bill needs a scenario, per-request costs or a coster")
        if n == 0:
            raise CostModelError("the workload has no requests")
        coster = EngineCoster(scenario, sum_p / n, sum_o / n, sum_cached / sum_p if sum_p else 0.0)
    ctx = context or (coster.context if coster is not None else CostContext())
    beyond = (
        int(np.count_nonzero(c["prompt_tokens"] + c["output_tokens"] > ctx.max_context_tokens))
        if ctx.max_context_tokens
        else 0
    )
    c["_month"] = month_index(c["timestamp"])
    codes, uniques = pd.factorize(UserMonths.key(c["user"], c["timestamp"], c["_month"]), sort=False)
    um = UserMonths(
        uniques, np.bincount(codes, weights=c["prompt_tokens"] + c["output_tokens"], minlength=len(uniques))
    )
    c["_um_pos"] = codes
    states: list[dict] = [{} for _ in schemes]
    accs = [_Acc(len(um)) for _ in schemes]
    for start in range(0, max(n, 1), chunk_size):
        part = {k: v[start : start + chunk_size] for k, v in c.items()}
        for acc, new in zip(accs, price_chunk(part, schemes, ctx, um, states, coster), strict=True):
            acc.merge(new)
    results, bills = finish(schemes, accs)
    ratio = break_even_ratio if break_even_ratio is not None else _flat_ratio(schemes)
    cost_all = accs[0].cost_all
    summary = workload_summary(n, sum_p, sum_o, sum_cached, skipped)
    summary["requests_beyond_context"] = beyond
    if getattr(workload, "skipped_first_row", None):
        summary["skipped_first_row"] = dict(workload.skipped_first_row)
    return PricingReport(
        workload=summary,
        schemes=results,
        break_even=break_even_report(sum_p, sum_o, cost_all, ratio, target_margin_pct),
        context=ctx,
        bills=bills,
    )


def _flat_ratio(schemes: Sequence[Scheme]) -> float:
    for s in schemes:
        if isinstance(s, FlatScheme) and s.input_usd_per_m > 0:
            return s.output_usd_per_m / s.input_usd_per_m
    flat = FlatScheme()
    return flat.output_usd_per_m / flat.input_usd_per_m if flat.input_usd_per_m else 1.0


def break_even_report(
    sum_p: float, sum_o: float, cost: float, ratio: float, target_margin_pct: float
) -> dict:
    return {
        "cost_usd": cost,
        "zero_margin": break_even_flat_price(sum_p, sum_o, cost, output_to_input_ratio=ratio),
        "target_margin": break_even_flat_price(
            sum_p, sum_o, cost, output_to_input_ratio=ratio, target_margin_pct=target_margin_pct
        ),
    }


# ----------------------------------------------------------------------------- agents
def agent_session_cost(
    turns: int = 20,
    *,
    system_tokens: int = 2_000,
    user_tokens_per_turn: int = 200,
    tool_tokens_per_turn: int = 0,
    output_tokens_per_turn: int = 400,
    scenario: Any = None,
    coster: RequestCoster | None = None,
    cached_input: CachedInputScheme | None = None,
    flat: FlatScheme | None = None,
) -> pd.DataFrame:
    """Cumulative cost (and price) of an N-turn agent session whose context grows each turn.

    Turn t sends the whole conversation so far: prompt_t = system + sum_{j<t}(user + tool
    + output) + user + tool. With prefix caching the previous turn's prompt and answer
    (prompt_{t-1} + output) are read from the cache and only the new tokens are prefilled
    (and written to the cache); without it every turn prefills the whole context, so the
    uncached session costs grow quadratically in the number of turns.

    Costs come from ``coster`` or, with a ``scenario``, the engine at the session's mean
    turn. Returns one row per turn with per-turn and cumulative cost with and without
    caching, and the cumulative revenue under ``flat`` and ``cached_input`` pricing.
    """
    if not 1 <= turns <= 100_000:
        raise CostModelError(f"turns must be between 1 and 100,000, got {turns}")
    t = np.arange(1, turns + 1, dtype=np.float64)
    new = float(user_tokens_per_turn + tool_tokens_per_turn)
    prompt = system_tokens + (t - 1) * (new + output_tokens_per_turn) + new
    out = np.full(turns, float(output_tokens_per_turn))
    cached = np.where(t > 1, prompt - new, 0.0)
    writes = np.where(t > 1, new, prompt)
    if coster is None:
        if scenario is None:
            raise CostModelError("agent_session_cost needs a scenario or a coster")
        coster = EngineCoster(scenario, prompt.mean(), out.mean(), cached.sum() / prompt.sum())
    cost_cached, _ = coster(prompt, out, cached)
    cost_uncached, _ = coster(prompt, out, np.zeros(turns))
    flat = flat or FlatScheme()
    cached_input = cached_input or CachedInputScheme()
    zeros = np.zeros(turns)
    c_hit = {
        "prompt_tokens": prompt,
        "output_tokens": out,
        "cached_tokens": cached,
        "cache_write_tokens": writes,
    }
    rev_flat, _ = flat.revenue({**c_hit, "cached_tokens": zeros}, CostContext(), {})
    rev_cached, _ = cached_input.revenue(c_hit, CostContext(), {})
    cost_cached = np.broadcast_to(np.asarray(cost_cached, dtype=np.float64), (turns,))
    cost_uncached = np.broadcast_to(np.asarray(cost_uncached, dtype=np.float64), (turns,))
    return pd.DataFrame(
        {
            "turn": t.astype(int),
            "prompt_tokens": prompt.astype(np.int64),
            "cached_tokens": cached.astype(np.int64),
            "output_tokens": out.astype(np.int64),
            "cost_usd_cached": cost_cached,
            "cost_usd_uncached": cost_uncached,
            "cum_cost_usd_cached": np.cumsum(cost_cached),
            "cum_cost_usd_uncached": np.cumsum(cost_uncached),
            "cum_revenue_usd_flat": np.cumsum(rev_flat),
            "cum_revenue_usd_cached_input": np.cumsum(rev_cached),
        }
    )


__all__ = [
    "COLUMNS",
    "SCHEMES",
    "ActivatedParamsScheme",
    "BatchDiscountScheme",
    "CachedInputScheme",
    "CapabilityTierScheme",
    "ComputeTimeScheme",
    "CostContext",
    "EngineCoster",
    "FlatScheme",
    "HybridScheme",
    "LinearCoster",
    "LongContextTierScheme",
    "PricingReport",
    "RequestCoster",
    "Scheme",
    "SchemeResult",
    "SubscriptionScheme",
    "agent_session_cost",
    "bill",
    "break_even_flat_price",
    "default_schemes",
    "list_schemes",
    "make_scheme",
    "scheme_defaults",
]
