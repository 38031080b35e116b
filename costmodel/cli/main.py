"""Command line: ``python -m costmodel estimate|list|calibrate|price``.

Bad input exits with code 2 and one line naming the problem (and the valid
choices); a model that does not fit is a result (``fits: false``), not an error.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from costmodel.catalog.loader import load_catalog
from costmodel.cli import price as cli_price
from costmodel.engine.inference import estimate
from costmodel.engine.scenario import Scenario
from costmodel.errors import CostModelError


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit code 2 (never a usage dump or traceback)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CostModelError(message)


def _concurrency(text: str) -> int | str:
    if text == "max":
        return "max"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number or 'max', got {text!r}") from None
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def _add_estimate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("estimate", help="cost to serve one scenario")
    p.add_argument("--model", required=True, help="model id (see `list models`)")
    p.add_argument("--gpu", required=True, help="GPU id (see `list gpus`)")
    p.add_argument("--gpus", type=int, default=Scenario.model_fields["gpus"].default)
    p.add_argument("--tensor-parallel", type=int, default=None)
    p.add_argument("--weight-bits", type=int, default=16)
    p.add_argument("--kv-bits", type=int, default=16)
    p.add_argument("--compute-dtype", default=None)
    p.add_argument("--prompt-tokens", type=int, default=Scenario.model_fields["prompt_tokens"].default)
    p.add_argument("--output-tokens", type=int, default=Scenario.model_fields["output_tokens"].default)
    p.add_argument("--cache-hit-rate", type=_finite_float, default=0.0)
    p.add_argument("--concurrency", type=_concurrency, default="max")
    p.add_argument("--experts-total", type=int, default=None)
    p.add_argument("--experts-active", type=int, default=None)
    p.add_argument("--gpu-hourly-usd", type=_finite_float, default=None)
    p.add_argument("--no-flash-attention", action="store_true")
    p.add_argument("--no-paged-kv", action="store_true")
    p.add_argument("--no-prefix-caching", action="store_true")
    p.add_argument("--spec-acceptance", type=_finite_float, default=None)
    p.add_argument("--spec-draft-tokens", type=int, default=0)
    p.add_argument("--spec-draft-cost-ratio", type=_finite_float, default=None)
    p.add_argument("--max-batch-size", type=int, default=None)
    p.add_argument("--max-num-tokens", type=int, default=None)
    for name in ("prefill_mfu", "decode_mfu", "decode_mbu", "memory_utilization", "step_overhead_ms", "comm_efficiency"):
        p.add_argument("--" + name.replace("_", "-"), type=_finite_float, default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_run_estimate)


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    fields = {
        "model": args.model,
        "gpu": args.gpu,
        "gpus": args.gpus,
        "tensor_parallel": args.tensor_parallel,
        "weight_bits": args.weight_bits,
        "kv_bits": args.kv_bits,
        "compute_dtype": args.compute_dtype,
        "prompt_tokens": args.prompt_tokens,
        "output_tokens": args.output_tokens,
        "cache_hit_rate": args.cache_hit_rate,
        "concurrency": args.concurrency,
        "experts_total": args.experts_total,
        "experts_active": args.experts_active,
        "gpu_hourly_usd": args.gpu_hourly_usd,
        "flash_attention": not args.no_flash_attention,
        "paged_kv": not args.no_paged_kv,
        "prefix_caching": not args.no_prefix_caching,
        "spec_draft_tokens": args.spec_draft_tokens,
        "spec_acceptance": args.spec_acceptance,
        "spec_draft_cost_ratio": args.spec_draft_cost_ratio,
        "max_batch_size": args.max_batch_size,
        "max_num_tokens": args.max_num_tokens,
        "prefill_mfu": args.prefill_mfu,
        "decode_mfu": args.decode_mfu,
        "decode_mbu": args.decode_mbu,
        "memory_utilization": args.memory_utilization,
        "step_overhead_ms": args.step_overhead_ms,
        "comm_efficiency": args.comm_efficiency,
    }
    if args.spec_acceptance is not None and args.spec_draft_tokens == 0:
        raise CostModelError("--spec-acceptance needs --spec-draft-tokens G (G >= 1)")
    return scenario_from_fields(fields)


def scenario_from_fields(fields: dict[str, Any]) -> Scenario:
    """Validate scenario fields given on the command line (``None`` values left out).

    An unknown model or GPU id, or the first invalid field, becomes one CostModelError line that
    names the flag and the valid choices.
    """
    fields = {k: v for k, v in fields.items() if v is not None}
    catalog = load_catalog()
    catalog.model(fields["model"])
    catalog.gpu(fields["gpu"])
    try:
        return Scenario.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "scenario"
        flag = "--" + name.replace("_", "-")
        given = fields.get(name, "")
        raise CostModelError(f"{flag} {given}: {err['msg']}".replace("Value error, ", "")) from None


def _fmt(value: Any) -> str:
    if isinstance(value, (bool, str)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}"


def _run_estimate(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args)
    result = estimate(scenario)
    data = result.to_dict()
    if args.json:
        print(json.dumps({"scenario": scenario.model_dump(), **data}, default=str))
        return 0
    width = max(map(len, data))
    print(f"{scenario.model} on {scenario.gpus} x {scenario.gpu}, {scenario.prompt_tokens:,} in / "
          f"{scenario.output_tokens:,} out, cache hit {scenario.cache_hit_rate:.0%}")
    for key, value in data.items():
        print(f"  {key:<{width}}  {_fmt(value)}")
    if not result.fits:
        print("  note: the model does not fit this deployment; costs assume one request at a time")
    return 0


def _add_list(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list catalog entries")
    p.add_argument("what", choices=["gpus", "models"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_run_list)


def _run_list(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    if args.what == "gpus":
        rows = [
            {"id": g.id, "name": g.name, "memory_gb": g.memory_gb, "memory_bandwidth_tb_s": g.memory_bandwidth_tb_s,
             "dense_tflops": dict(g.dense_tflops), "hourly_usd": g.hourly_usd, "price_date": str(g.price_date),
             "price_source": g.price_source}
            for g in catalog.gpus.values()
        ]
        columns = ("id", "memory_gb", "memory_bandwidth_tb_s", "hourly_usd", "price_date", "name")
    else:
        rows = [
            {"id": m.id, "name": m.name, "total_params_b": round(float(m.total_params()) / 1e9, 2),
             "active_params_b": round(float(m.active_params()) / 1e9, 2),
             "kv_bytes_per_token_16bit": int(m.kv_bytes_per_token(16)), "attention": m.attention,
             "experts": m.num_experts, "experts_per_token": m.experts_per_token, "source": m.source}
            for m in catalog.models.values()
        ]
        columns = ("id", "total_params_b", "active_params_b", "kv_bytes_per_token_16bit", "experts", "name")
    if args.json:
        print(json.dumps(rows))
        return 0
    widths = {c: max(len(c), *(len(_fmt(r[c])) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(_fmt(r[c]).ljust(widths[c]) for c in columns))
    return 0


def _add_calibrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="predicted vs published throughput measurements")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_run_calibrate)


def _run_calibrate(args: argparse.Namespace) -> int:
    from costmodel.engine.calibration import calibration_report, summarize

    report = calibration_report()
    summary = summarize(report)
    if args.json:
        print(json.dumps({"cases": report.to_dict(orient="records"), "summary": summary}, default=str))
        return 0
    print(f"{'id':<44} {'predicted':>10} {'measured':>10} {'error':>8}  unit")
    for row in report.itertuples():
        print(f"{row.id:<44} {row.predicted:>10,.0f} {row.measured:>10,.0f} {row.error:>+8.1%}  {row.unit}")
    print(f"cases: {summary['cases']}   median absolute error: {summary['median_abs_error']:.1%}   "
          f"worst ratio: {summary['worst_ratio']:.2f}x   skipped (not in catalog or not a throughput): "
          f"{summary['skipped']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m costmodel", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_estimate(sub)
    _add_list(sub)
    _add_calibrate(sub)
    cli_price.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except CostModelError as exc:
        # One line whatever the user typed: line breaks in echoed values are shown escaped.
        message = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        print(f"error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        return 0
