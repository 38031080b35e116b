"""Fleet flags of ``price``: cost a workload as the fleet it needs (costmodel.pricing.fleet_billing).

    costmodel price --workload chat --model llama-3.1-70b --gpu h100-sxm \\
        --min-tokens-per-second-per-user 30 --load-shape business-hours --peak-headroom 1.2

Any of these flags (or a workload that brings its own deployment and load, such as ``deepseek-day``)
switches ``price`` from full-load GPU time to fleet cost: GPUs provisioned for the busiest hour at the
service level, idle time included.
"""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import ValidationError

from costmodel.cli.args import finite_float, flag_name, scenario_from_args
from costmodel.engine.fleet import BILLINGS
from costmodel.engine.scenario import Scenario
from costmodel.errors import CostModelError


def add_fleet_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--load-shape``, ``--peak-headroom``, ``--autoscale/--no-autoscale``, ``--gpu-billing``."""
    from costmodel.workloads.load_shape import FROM_TIMESTAMPS, load_shapes

    group = parser.add_argument_group(
        "fleet", "cost as the fleet the workload needs (whole replicas for the busiest hour, idle included)"
    )
    shapes = [*load_shapes(), FROM_TIMESTAMPS]
    group.add_argument("--load-shape", choices=shapes, default=None,
                       help="24-hour load shape, or 'timestamps': one bin per hour the workload's requests cover "
                       "(default: a published day's own shape, 'flat' for a synthetic preset, whose requests are "
                       "spread evenly over the month, else 'timestamps')")
    group.add_argument("--peak-headroom", type=finite_float, default=None,
                       help="spare capacity over the busiest hour, a factor >= 1 (default 1)")
    group.add_argument("--autoscale", action=argparse.BooleanOptionalAction, default=None,
                       help="the fleet follows the load hour by hour (on-demand GPUs); default: held all period")
    group.add_argument("--gpu-billing", choices=BILLINGS, default=None,
                       help="GPU-hour rate: the catalog's on-demand price, or a reserved rate "
                       "(data/fleet/gpu_rates.yaml; a reserved fleet does not scale)")


def fleet_requested(args: argparse.Namespace) -> bool:
    return any(getattr(args, n, None) is not None for n in ("load_shape", "peak_headroom", "autoscale", "gpu_billing"))


def fleet_options(args: argparse.Namespace, day: Any = None, workload_kind: str = "log") -> dict[str, Any]:
    """Keyword arguments of ``bill_at_fleet_cost``: the flags, else the day's own fleet, else defaults (the load
    shape the workload's own timestamps stand for: ``load_shape.own_load_shape``)."""
    from costmodel.workloads.load_shape import FROM_TIMESTAMPS, own_load_shape

    base = day.fleet if day is not None else None
    shape = args.load_shape or (day.load_shape if day is not None else own_load_shape(workload_kind))
    return {
        "shape": None if shape in (None, FROM_TIMESTAMPS) else shape,
        "peak_headroom": args.peak_headroom if args.peak_headroom is not None
        else (base.peak_headroom if base else 1.0),
        "autoscale": args.autoscale if args.autoscale is not None else (base.autoscale if base else False),
        "billing": args.gpu_billing or (base.billing if base else "on-demand"),
    }


def fleet_lines(data: dict[str, Any]) -> list[str]:
    """The fleet block of ``price``'s table: what was provisioned, its busy share and idle cost."""
    f = data.get("fleet")
    if not f:
        return ["costs are busy GPU time at full load (no idle GPUs); give --load-shape to cost the fleet"]
    op = f["operating_point"]
    slo = (f"{op['tokens_per_second_per_user']:.1f} output tokens/s per user, p99 TTFT "
           f"{op['ttft_p99_seconds']:.2f} s ({'meets' if op['meets_slo'] else 'MISSES'} the service level; "
           f"{op['binding_constraint']} binds)")
    return [
        f"fleet: {f['gpus_provisioned']:,} GPUs at the peak ({f['replicas_provisioned']} replicas of "
        f"{f['gpus_per_replica']}), {f['average_gpus']:,.1f} on average over {f['hours']} h "
        f"({'autoscaled' if f['autoscale'] else 'held'}, {f['billing']} ${f['gpu_hourly_usd']:.2f}/GPU-h), "
        f"load shape {f['load_shape']['id']} (peak/average {f['load_shape']['peak_to_average']:.2f})",
        f"  busy share {f['busy_share']:.1%}; fleet cost ${f['cost_usd']:,.2f} of which idle ${f['idle_cost_usd']:,.2f}; "
        f"each request carries its share of the whole fleet cost",
        f"  at this load: ${f['usd_per_million_output_tokens_all_in']:.4g} per 1M output tokens all-in, "
        f"${f['usd_per_million_tokens_blended']:.4g} per 1M tokens blended (fleet cost / tokens, idle included)",
        f"  served at {slo}",
    ]


def price_scenario(args: argparse.Namespace) -> Scenario:
    """The flags' scenario; for a published day (``deepseek-day``) its own deployment, flags given replacing
    its fields (``--gpu-hourly-usd 3`` prices DeepSeek's day at $3 per GPU-hour)."""
    from costmodel.workloads.day import published_days

    day = published_days().get(args.workload)
    if day is None:
        return scenario_from_args(args)
    given = {n: getattr(args, n) for n in Scenario.model_fields if getattr(args, n, None) is not None}
    try:
        return day.scenario(**given)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "scenario"
        raise CostModelError(f"{flag_name(name)} {given.get(name, '')}: {err['msg']}") from None
