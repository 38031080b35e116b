"""The ``price`` subcommand: bill a workload under pricing schemes against its cost to serve.

    python -m costmodel price --workload chat --model llama-3.1-70b --gpu h100-sxm --gpus 8
    python -m costmodel price --workload usage.parquet --model llama-3.1-70b --gpu h100-sxm \\
        --scheme flat cached-input --provider-price anthropic/claude-sonnet-4.5 --json
    python -m costmodel price --workload logs/ --engine dask ...     # a Parquet dataset on Dask
    python -m costmodel price --workload s3://bucket/logs/ --engine dask --dask-scheduler tcp://10.0.0.5:8786 ...

On a terminal, long work (log pricing, streaming chunks, Dask partitions) draws progress bars on
stderr; nothing is drawn with ``--json`` or when stderr is not a terminal.

Bad input raises CostModelError (one line; costmodel.cli.app exits with code 2). The scenario flags
(``--gpus``, ``--weight-bits``, ...) are generated from Scenario (costmodel.cli.args), shared with ``estimate``.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import yaml

from costmodel.cli.args import add_scenario_flags, finite_float
from costmodel.cli.fleet_flags import (
    add_fleet_flags,
    fleet_lines,
    fleet_options,
    fleet_requested,
    price_scenario,
)
from costmodel.cli.progress import terminal_progress
from costmodel.errors import CostModelError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``price`` subcommand."""
    p = subparsers.add_parser(
        "price",
        help="bill a workload under pricing schemes against its cost to serve",
        description="Bill one workload (preset, trace or usage log) under every pricing scheme and compare "
        "revenue with the modeled cost to serve.",
    )
    p.add_argument(
        "--workload",
        required=True,
        help="preset or trace id, or a usage log (CSV, JSONL, Parquet): a path or an fsspec URL (s3://, gs://, file://)"
    )
    p.add_argument(
        "--scheme",
        nargs="+",
        action="extend",
        default=None,
        metavar="ID",
        help="schemes to bill (default: all nine; see --list-schemes)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="SCHEME.NAME=VALUE",
        help="override a scheme parameter, e.g. subscription.over_limit=hard-cap (repeatable)",
    )
    p.add_argument(
        "--provider-price",
        action="append",
        default=[],
        metavar="ID[:batch][:1h]",
        help="also bill at a provider's list price, e.g. anthropic/claude-sonnet-4.5 or openai/gpt-4.1:batch; "
        "cache writes are 5-minute writes unless the log reports 1-hour ones (or :1h bills them all at the "
        "1-hour price)",
    )
    p.add_argument("--litellm-json", default=None, help="a LiteLLM model_prices_and_context_window.json")
    p.add_argument("--as-of", default=None, help="date of the --litellm-json prices (YYYY-MM-DD)")
    p.add_argument(
        "--engine", choices=["local", "dask"], default="local", help="dask: a Parquet dataset on Dask"
    )
    p.add_argument("--workers", type=int, default=2, help="Dask workers (threads) for --engine dask")
    p.add_argument(
        "--dask-scheduler",
        default=None,
        metavar="ADDRESS",
        help="run --engine dask on an existing cluster, e.g. tcp://10.0.0.5:8786 "
        "(default: $DASK_SCHEDULER_ADDRESS, else an in-process cluster of --workers)",
    )
    p.add_argument(
        "--users", type=int, default=None, help="preset users; for logs without users, synthetic users"
    )
    p.add_argument(
        "--user-scale", type=finite_float, default=None, metavar="K",
        help="each user stands for K identical real users (1-10,000,000): requests, tokens, revenue, cost and "
        "the fleet's load x K without generating K times the rows, e.g. --users 100 --user-scale 5000 models "
        "500,000 users; in-memory workloads only. The copies share their timestamps: a preset's fleet is sized "
        "for its flat month by default; for a trace, give a 24-hour --load-shape rather than its hourly counts",
    )
    p.add_argument("--months", type=int, default=None, help="months of a synthetic preset")
    p.add_argument("--seed", type=int, default=None, help="seed of a synthetic preset")
    p.add_argument(
        "--cache-capacity-tokens", type=int, default=None, help="LRU prefix cache for the Mooncake trace"
    )
    p.add_argument("--strict", action="store_true", help="stop at the first bad row instead of skipping it")
    p.add_argument("--chunk-rows", type=int, default=500_000, help="rows per chunk when streaming a log")
    p.add_argument(
        "--target-margin", type=finite_float, default=20.0, help="margin (%%) for the target break-even price"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_scenario_flags(p, ids_required=False)  # the same generated flags as `estimate`; a day brings its own
    add_fleet_flags(p)
    p.set_defaults(handler=run)


def _overrides(items: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        scheme, dot, name = key.partition(".")
        if not sep or not dot or not scheme or not name:
            raise CostModelError(
                f"--param {item!r}: expected SCHEME.NAME=VALUE, e.g. flat.input_usd_per_m=1.5"
            )
        try:
            parsed = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            parsed = value
        out.setdefault(scheme.strip(), {})[name.strip()] = parsed
    return out


def _schemes(args: argparse.Namespace) -> list:
    from costmodel.pricing.billing import SCHEMES, make_scheme
    from costmodel.pricing.prices import import_litellm, provider_price, scheme_for

    overrides = _overrides(args.param)
    unknown = set(overrides) - set(SCHEMES)
    if unknown:
        raise CostModelError(
            f"--param for unknown scheme {sorted(unknown)[0]!r}; valid choices: {', '.join(SCHEMES)}"
        )
    ids = args.scheme if args.scheme is not None else ([] if args.provider_price else list(SCHEMES))
    ids = list(dict.fromkeys(ids))
    for sid in overrides:
        if sid not in ids:
            ids.append(sid)
    schemes = [make_scheme(sid, **overrides.get(sid, {})) for sid in ids]
    extra = {}
    if args.litellm_json:
        if not args.as_of:
            raise CostModelError("--litellm-json needs --as-of YYYY-MM-DD (the date of the price file)")
        try:
            rows, _ = import_litellm(args.litellm_json, as_of=args.as_of)
        except ValueError as exc:
            raise CostModelError(f"--as-of {args.as_of}: {exc}") from None
        extra = {r.id: r for r in rows}
    for spec in args.provider_price:
        pid, batch, ttl = _price_spec(spec)
        schemes.append(scheme_for(provider_price(pid, extra), batch=batch, cache_ttl=ttl))
    if not schemes:
        raise CostModelError("no scheme to bill: give --scheme or --provider-price")
    return schemes


def _price_spec(spec: str) -> tuple[str, bool, str]:
    """'openai/gpt-4.1:batch' -> ('openai/gpt-4.1', True, '5m'); ':1h' bills every cache write at the 1-hour price.

    Suffixes are read from the right, so a model id may itself contain ':'.
    """
    pid, batch, ttl = spec, False, "5m"
    while True:
        head, sep, tail = pid.rpartition(":")
        if sep and tail == "batch" and not batch:
            pid, batch = head, True
        elif sep and tail in ("5m", "1h") and ttl == "5m":
            pid, ttl = head, tail
        else:
            break
    if not pid or pid.count("/") < 1:
        raise CostModelError(f"--provider-price {spec!r}: expected PROVIDER/MODEL[:batch][:1h]")
    return pid, batch, ttl


def _is_log(spec: str) -> bool:
    from costmodel.workloads.day import published_days
    from costmodel.workloads.traces import TRACES
    from costmodel.workloads.workload import presets

    return spec not in presets() and spec not in TRACES and spec not in published_days()


def run(args: argparse.Namespace) -> int:
    if args.chunk_rows < 1:
        raise CostModelError("--chunk-rows must be >= 1")
    scenario = price_scenario(args)
    schemes = _schemes(args)
    with terminal_progress(args.json) as progress:
        report = _bill(args, schemes, scenario, progress)
    data = report.to_dict()
    data["workload"] = {"id": args.workload, **data["workload"]}
    if args.json:
        print(json.dumps(_clean(data), default=str, allow_nan=False))
    else:
        print(_table(data))
    return 0


def _bill(args: argparse.Namespace, schemes: list, scenario: Any, progress: Any) -> Any:
    from pathlib import Path

    from costmodel.pricing.billing import bill
    from costmodel.pricing.fleet_billing import bill_at_fleet_cost
    from costmodel.pricing.scale import bill_log
    from costmodel.workloads.day import published_days
    from costmodel.workloads.loading import load_workload
    from costmodel.workloads.readers import is_url

    errors = "raise" if args.strict else "skip"
    spec = args.workload
    day = published_days().get(spec)
    at_fleet = day is not None or fleet_requested(args)  # cost the fleet it needs (in memory only)
    if args.dask_scheduler and args.engine != "dask":
        raise CostModelError("--dask-scheduler needs --engine dask")
    log = _is_log(spec) and (is_url(spec) or Path(spec).expanduser().exists()) and args.users is None
    if log and not at_fleet and args.user_scale is not None:
        raise CostModelError("--user-scale needs the workload in memory: give --users or a fleet flag "
                             "(--load-shape), or drop it for a streamed log")
    if log and not at_fleet:
        if args.engine == "dask":
            return _run_dask(args, schemes, scenario, errors, progress)
        return bill_log(
            spec if is_url(spec) else Path(spec).expanduser(),
            schemes,
            scenario=scenario,
            chunk_rows=args.chunk_rows,
            errors=errors,
            target_margin_pct=args.target_margin,
            progress=progress,
        )
    else:
        if args.engine == "dask" and at_fleet:
            raise CostModelError("fleet costing (--load-shape, a published day) runs in memory: drop --engine dask")
        if args.engine == "dask":
            raise CostModelError(
                "--engine dask prices a Parquet file or dataset directory, not a preset or trace"
            )
        w = load_workload(
            spec,
            users=args.users,
            months=args.months,
            seed=args.seed,
            cache_capacity_tokens=args.cache_capacity_tokens,
            errors=errors,
        )
        if args.user_scale is not None:
            w = w.with_user_scale(args.user_scale)
        if at_fleet:
            report = bill_at_fleet_cost(w, schemes, scenario=scenario, target_margin_pct=args.target_margin,
                                        **fleet_options(args, day, w.kind))
        else:
            report = bill(
                w,
                schemes,
                scenario=scenario,
                target_margin_pct=args.target_margin,
                chunk_size=args.chunk_rows,
                progress=progress,
            )
        report.workload["notes"] = list(w.notes)
        return report


def _run_dask(args, schemes, scenario, errors, progress):
    """--engine dask: on the cluster at --dask-scheduler / $DASK_SCHEDULER_ADDRESS, else in-process."""
    import contextlib
    import logging
    import os

    from costmodel.pricing.scale import bill_log

    address = args.dask_scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:
        if not address:  # an in-process cluster of --workers threads
            try:
                from distributed import Client, LocalCluster
            except ImportError as exc:  # pragma: no cover - declared dependency
                raise CostModelError(f"--engine dask needs the distributed package ({exc})") from None
            cluster = stack.enter_context(
                LocalCluster(n_workers=max(1, args.workers), threads_per_worker=1, processes=False,
                             dashboard_address=None)
            )
            stack.enter_context(Client(cluster))
        # on an existing cluster the workers must read the path and import costmodel
        return bill_log(args.workload, schemes, scenario=scenario, engine="dask", errors=errors,
                        target_margin_pct=args.target_margin, scheduler=address, progress=progress)


def _clean(obj: Any) -> Any:
    """JSON-safe: non-finite floats become null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _money(v: float | None) -> str:
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:,.2f}"
    return f"{v:.4f}"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


def _table(data: dict[str, Any]) -> str:
    w, d = data["workload"], data["deployment"]
    lines = [
        f"workload {w['id']}: {w['requests']:,} requests, {w['input_tokens']:,} input tokens "
        f"({w['prefix_cache_hit_rate']:.1%} cached), {w['output_tokens']:,} output tokens"
        + (f"; {w['skipped_rows']:,} rows skipped" if w["skipped_rows"] else ""),
        f"served by {d['model']} on {d['gpus']} x {d['gpu']} at ${d['gpu_hourly_usd']:.2f}/GPU-h, "
        f"operating point {d['concurrency']} concurrent requests",
    ]
    for reason, n in (w.get("skipped_reasons") or {}).items():
        lines.append(f"  skipped: {n:,} {reason}")
    if w.get("requests_beyond_context"):
        lines.append(f"  note: {w['requests_beyond_context']:,} requests exceed the model's context window")
    for note in w.get("notes") or []:
        lines.append(f"  note: {note}")
    lines += fleet_lines(data)
    header = ("scheme", "revenue $", "cost $", "margin $", "gross (R-C)/R", "cost-profit (R-C)/C", "loss reqs",
              "bill CV", "refused")
    rows = [
        (
            s["scheme"],
            _money(s["revenue_usd"]),
            _money(s["cost_usd"]),
            _money(s["margin_usd"]),
            _pct(s["gross_margin_pct"]),
            _pct(s["cost_profit_margin_pct"]),
            _pct(None if s["loss_request_share"] is None else 100 * s["loss_request_share"]),
            "-" if s["bill_cv"] is None else f"{s['bill_cv']:.2f}",
            f"{s['refused_requests']:,}",
        )
        for s in data["schemes"]
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines.append("")
    lines.append(
        "  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header))
    )
    for r in rows:
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    be = data["break_even"]
    z, t = be["zero_margin"], be["target_margin"]
    if z["input_usd_per_m"] is not None:
        lines.append("")
        lines.append(
            f"break-even flat price (output = {z['output_to_input_ratio']:g} x input): "
            f"${z['input_usd_per_m']:.4f} in / ${z['output_usd_per_m']:.4f} out per 1M tokens; "
            f"{t['target_margin_pct']:g}% margin at ${t['input_usd_per_m']:.4f} / ${t['output_usd_per_m']:.4f}"
        )
    return "\n".join(lines)
