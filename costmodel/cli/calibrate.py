"""The ``calibrate`` verb: predicted vs published throughput measurements (data/calibration)."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``calibrate``."""
    p = subparsers.add_parser(
        "calibrate",
        help="predicted vs published throughput measurements",
        description="Compare the model's predicted throughput with published measurements (data/calibration).",
    )
    p.add_argument("--json", action="store_true", help="print the cases and the summary as one JSON object")
    p.add_argument("--include-moe", action="store_true",
                   help="also compare data/calibration/public-calibration-moe.csv (MoE, Blackwell, AMD)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the calibration report needs pandas, which the other verbs do not load.
    from costmodel.engine.calibration import MOE_CSV, calibration_report, summarize

    report = calibration_report(moe_path=MOE_CSV if args.include_moe else None)
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
