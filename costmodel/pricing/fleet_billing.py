"""Bill a workload at the cost of the fleet it needs, not at full-load GPU time.

:func:`costmodel.pricing.billing.bill` with a scenario costs each request at the engine's
operating point: busy GPU-seconds, as if the deployment were always full. An operator pays for
the fleet: sized for the workload's busiest hour at the service level, in whole replicas, held
(or autoscaled) over the hours the workload covers. :func:`bill_at_fleet_cost`:

1. costs every request with the engine at the scenario's service level and utilization 1
   (:class:`~costmodel.pricing.costers.EngineCoster`): busy GPU-seconds and dollars;
2. spreads the busy GPU-seconds over the hours by a load shape (a preset, or the workload's own
   timestamps) and sizes the fleet (costmodel.engine.fleet.size_fleet);
3. shares the fleet's whole cost, idle GPUs included, over the requests in proportion to their
   busy cost, so the requests' costs add up to the fleet cost; then bills every scheme as usual.

The report's ``fleet`` block says what was provisioned (GPUs, busy share, cost, idle cost) and the
operating point's service level (tokens/s per user, p99 TTFT, what binds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from costmodel.catalog.loader import load_catalog
from costmodel.engine.fleet import Billing, gpu_hourly_rate, size_fleet
from costmodel.errors import CostModelError
from costmodel.pricing.base import Scheme
from costmodel.pricing.billing import bill
from costmodel.pricing.costers import EngineCoster
from costmodel.pricing.report import PricingReport
from costmodel.workloads.load_shape import (
    HOURS_PER_DAY,
    LoadShape,
    hourly_busy_gpus,
    load_shape,
    load_shape_from_timestamps,
)

SECONDS_PER_HOUR = 3600.0


def covered_hours(timestamps: np.ndarray, shape: LoadShape) -> int:
    """Hours a shape is laid over: a 24-hour shape over the workload's time span in whole days (at least one;
    a workload without timestamps is one day); any other shape over its own length."""
    if shape.hours != HOURS_PER_DAY:
        return shape.hours
    ts = np.asarray(timestamps, dtype=float)
    span_hours = (ts.max() - ts.min()) / SECONDS_PER_HOUR if ts.size else 0.0
    return max(1, int(np.ceil(span_hours / HOURS_PER_DAY - 1e-9))) * HOURS_PER_DAY


def bill_at_fleet_cost(
    workload: Any,
    schemes: Iterable[Scheme | str] | None = None,
    *,
    scenario: Any,
    shape: LoadShape | str | None = None,
    peak_headroom: float = 1.0,
    autoscale: bool = False,
    billing: Billing = "on-demand",
    target_margin_pct: float = 20.0,
) -> PricingReport:
    """Bill ``workload`` under ``schemes`` at the cost of its fleet (see the module docstring).

    ``shape``: a :class:`LoadShape`, a preset id (``flat``, ``business-hours``,
    ``global-consumer-day``), or ``None`` for the workload's own timestamps (one bin per hour it
    covers). The GPU-hour rate is the scenario's ``gpu_hourly_usd`` when set, else the catalog's
    on-demand or reserved rate (``billing``). The scenario's ``utilization`` is replaced by the
    fleet's busy share.
    """
    data = workload.columns() if hasattr(workload, "columns") else workload
    prompt = np.asarray(data["prompt_tokens"], dtype=float)
    if prompt.size == 0:
        raise CostModelError("the workload has no requests")
    output = np.asarray(data["output_tokens"], dtype=float)
    cached = np.minimum(np.asarray(data.get("cached_tokens", np.zeros(prompt.size)), dtype=float), prompt)
    timestamps = np.asarray(data.get("timestamp", np.zeros(prompt.size)), dtype=float)
    k = float(getattr(workload, "row_weight", 1.0))  # Workload.row_weight; a plain dict of columns: 1

    gpu = load_catalog().gpu(scenario.gpu)
    if scenario.gpu_hourly_usd is not None and billing == "on-demand":
        rate, rate_source = float(scenario.gpu_hourly_usd), "the scenario's gpu_hourly_usd"
    else:
        rate, rate_source = gpu_hourly_rate(gpu, billing)
    full_load = scenario.model_copy(update={"utilization": 1.0, "gpu_hourly_usd": rate})
    coster = EngineCoster(full_load, prompt.mean(), output.mean(), cached.sum() / prompt.sum() if prompt.sum() else 0.0)
    usd, gpu_seconds = coster(prompt, output, cached)

    if shape is None:
        profile = load_shape_from_timestamps(timestamps, weights=gpu_seconds)
        hours = profile.hours
    else:
        profile = load_shape(shape) if isinstance(shape, str) else shape
        hours = covered_hours(timestamps, profile)
    op = coster.operating_point
    busy = hourly_busy_gpus(float(gpu_seconds.sum()) * k, profile, hours)
    fleet = size_fleet(busy, int(op.tensor_parallel), rate, peak_headroom=peak_headroom, autoscale=autoscale,
                       billing=billing)
    busy_cost = float(usd.sum()) * k
    allocated = usd * (fleet.cost_usd / busy_cost) if busy_cost > 0 else usd
    context = replace(coster.context, gpu_hourly_usd=rate)
    report = bill(workload, schemes, costs=(allocated, gpu_seconds), context=context,
                  target_margin_pct=target_margin_pct)
    output_tokens, all_tokens = float(output.sum()) * k, float((prompt + output).sum()) * k
    report.fleet = {
        **fleet.to_dict(),
        # the fleet's whole cost (idle GPUs included) over the tokens the workload delivers
        "usd_per_million_output_tokens_all_in": fleet.cost_usd / output_tokens * 1e6 if output_tokens else None,
        "usd_per_million_tokens_blended": fleet.cost_usd / all_tokens * 1e6 if all_tokens else None,
        "load_shape": {"id": profile.id, "title": profile.title, "peak_to_average": profile.peak_to_average,
                       "source": profile.source},
        "gpu_rate_source": rate_source,
        "operating_point": {
            "tensor_parallel": int(op.tensor_parallel),
            "concurrency": float(op.concurrency),
            "tokens_per_second_per_user": float(op.tokens_per_second_per_user),
            "ttft_p99_seconds": float(op.ttft_p99_seconds),
            "meets_slo": bool(op.meets_slo),
            "binding_constraint": op.binding_constraint,
            "min_tokens_per_second_per_user": scenario.min_tokens_per_second_per_user,
            "max_ttft_seconds": scenario.max_ttft_seconds,
            "output_tokens_per_second_per_gpu": float(op.output_tokens_per_second) / scenario.gpus,
        },
    }
    return report


__all__ = ["bill_at_fleet_cost", "covered_hours"]
