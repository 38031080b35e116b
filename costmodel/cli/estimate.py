"""The ``estimate`` verb: the cost to serve one scenario, as a table or one JSON object."""

from __future__ import annotations

import argparse
import json
import math

from costmodel.cli.args import add_scenario_flags, scenario_from_args
from costmodel.cli.formatting import format_value
from costmodel.engine.inference import estimate


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``estimate``: every Scenario field as a flag (costmodel.cli.args) plus ``--json``."""
    p = subparsers.add_parser(
        "estimate",
        help="cost to serve one scenario",
        description="Cost to serve one scenario from first principles: memory plan, prefill, decode, money. "
        "A model that does not fit is a result (fits: false), not an error.",
    )
    add_scenario_flags(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (scenario and result)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args)
    result = estimate(scenario)
    data = result.to_dict()
    if args.json:
        # Strict JSON: a result the catalog cannot give (energy on a GPU without a TDP) is null, not NaN.
        strict = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in data.items()}
        print(json.dumps({"scenario": scenario.model_dump(), **strict}, default=str, allow_nan=False))
        return 0
    width = max(map(len, data))
    print(f"{scenario.model} on {scenario.gpus} x {scenario.gpu}, {scenario.prompt_tokens:,} in / "
          f"{scenario.output_tokens:,} out, cache hit {scenario.cache_hit_rate:.0%}")
    for key, value in data.items():
        print(f"  {key:<{width}}  {format_value(value)}")
    if not result.fits:
        print("  note: the model does not fit this deployment; costs assume one request at a time")
    for line in money_notes(scenario, result):
        print("  " + line)
    return 0


def money_notes(scenario, result) -> list[str]:
    """What each dollar figure includes, and the service level, as the text output prints them."""
    targets = []
    if scenario.min_tokens_per_second_per_user > 0:
        targets.append(f">= {scenario.min_tokens_per_second_per_user:g} tokens/s per user")
    if scenario.max_ttft_seconds > 0:
        targets.append(f"p99 TTFT <= {scenario.max_ttft_seconds:g} s")
    verdict = ("meets " + " and ".join(targets)) if targets and result.meets_slo else (
        ("MISSES " + " and ".join(targets)) if targets else "no service-level target")
    return [
        f"service level: {result.tokens_per_second_per_user:.1f} output tokens/s per user, p99 TTFT "
        f"{result.ttft_p99_seconds:.2f} s at {result.concurrency:,.0f} concurrent requests; {verdict}; "
        f"{result.binding_constraint} binds",
        f"money at utilization {result.utilization:.0%} of {result.gpus_provisioned:,} provisioned GPUs "
        f"(full-load cost / utilization):",
        f"  all-in ${result.usd_per_million_output_tokens_all_in:.4g} per 1M output tokens (whole deployment / "
        f"output tokens, prefill included); blended ${result.usd_per_million_tokens_blended:.4g} per 1M tokens "
        "(whole deployment / input + output tokens)",
        f"  phase split: ${result.usd_per_million_input_tokens:.4g} input, "
        f"${result.usd_per_million_cached_input_tokens:.4g} cached input, ${result.usd_per_million_output_tokens:.4g} "
        "output per 1M tokens (each class pays only its own phase's GPU time)",
    ]
