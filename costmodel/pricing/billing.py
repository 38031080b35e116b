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

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext, Scheme
from costmodel.pricing.breakeven import break_even_flat_price, break_even_report, flat_output_ratio
from costmodel.pricing.chunks import (
    COLUMNS,
    SchemeTotals,
    UserMonths,
    as_chunk,
    finish,
    price_chunk,
    workload_summary,
)
from costmodel.pricing.costers import EngineCoster, LinearCoster, RequestCoster
from costmodel.pricing.progress import Progress, report_progress
from costmodel.pricing.report import PricingReport, SchemeResult
from costmodel.pricing.schemes import (
    SCHEMES,
    ActivatedParamsScheme,
    BatchDiscountScheme,
    CachedInputScheme,
    CapabilityTierScheme,
    ComputeTimeScheme,
    FlatScheme,
    HybridScheme,
    LongContextTierScheme,
    SubscriptionScheme,
    default_schemes,
    list_schemes,
    make_scheme,
    month_index,
    scheme_defaults,
)
from costmodel.pricing.sessions import agent_session_cost


def resolve_schemes(schemes: Iterable[Scheme | str] | None) -> list[Scheme]:
    """Scheme objects from ids or objects; ``None`` means every scheme at its defaults."""
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
    progress: Progress | None = None,
) -> PricingReport:
    """Bill an in-memory workload under each scheme, against its cost to serve.

    ``workload``: a :class:`costmodel.workloads.workload.Workload` or a mapping of :data:`COLUMNS`
    arrays. The cost comes from exactly one of: ``costs=(usd, gpu_seconds)`` per-request
    arrays, a ``coster`` (see :class:`LinearCoster`), or a ``scenario`` (the engine:
    operating point at the workload's mean request, then every request at that concurrency).
    ``context`` overrides what the schemes know about the deployment (GPU-hour price,
    active and total parameters). ``progress(stage, done, total)`` is called after each
    chunk of ``chunk_size`` requests (see costmodel.pricing.progress).
    """
    schemes = resolve_schemes(schemes)
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
    accs = [SchemeTotals(len(um)) for _ in schemes]
    for start in range(0, max(n, 1), chunk_size):
        part = {k: v[start : start + chunk_size] for k, v in c.items()}
        for acc, new in zip(accs, price_chunk(part, schemes, ctx, um, states, coster), strict=True):
            acc.merge(new)
        report_progress(progress, "pricing requests", min(start + chunk_size, n), n)
    # rows that stand for many requests of one customer (deepseek-day: a bill k times larger) and users that
    # stand for many identical users (Workload.with_user_scale: k times the bills, each its own size)
    per_row = float(getattr(workload, "requests_per_row", 1.0))
    users = float(getattr(workload, "user_scale", 1.0))
    k = per_row * users
    if k != 1.0:
        accs = [acc.scaled(k, bill_factor=per_row) for acc in accs]
        n, sum_p, sum_o, sum_cached, beyond = round(n * k), sum_p * k, sum_o * k, sum_cached * k, round(beyond * k)
    results, bills = finish(schemes, accs, users_per_bill=users)
    ratio = break_even_ratio if break_even_ratio is not None else flat_output_ratio(schemes)
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
    "SchemeTotals",
    "SubscriptionScheme",
    "UserMonths",
    "agent_session_cost",
    "as_chunk",
    "bill",
    "break_even_flat_price",
    "break_even_report",
    "finish",
    "default_schemes",
    "list_schemes",
    "make_scheme",
    "price_chunk",
    "resolve_schemes",
    "scheme_defaults",
    "workload_summary",
]
