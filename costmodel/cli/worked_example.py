"""The ``worked-example`` verb: a published serving day, modeled beside the operator's own figures.

    costmodel worked-example deepseek-day          # cost beside $87,072, revenue beside $562,027, both margins
    costmodel worked-example deepseek-day --json
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``worked-example``."""
    from costmodel.workloads.day import published_days

    p = subparsers.add_parser(
        "worked-example",
        help="a published serving day (deepseek-day): modeled cost and revenue beside the published ones",
        description="Bill a published day at its provider price and at the cost of the fleet the model says it "
        "needs (the day's deployment, service level and load shape), beside the operator's published cost, "
        "revenue and margins.",
    )
    p.add_argument("day", choices=list(published_days()), help="published day id")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from costmodel.analysis.worked_example import describe, worked_example

    example = worked_example(args.day)
    if args.json:
        print(json.dumps(example, default=str))
    else:
        print(describe(example))
    return 0
