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
    p.add_argument("--validate", action="store_true",
                   help="in-sample and out-of-sample (cross-validated) errors by source, model family and GPU family")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the calibration report needs pandas, which the other verbs do not load.
    from costmodel.engine.calibration import MOE_CSV, calibration_report, summarize

    if args.validate:
        return run_validation(args)
    report = calibration_report(moe_path=MOE_CSV if args.include_moe else None)
    summary = summarize(report)
    if args.json:
        out = {"cases": report.to_dict(orient="records"), "summary": summary}
        from costmodel.engine.server_calibration import SERVER_CSV, server_report, summarize_server

        if SERVER_CSV.exists():
            server = server_report()
            out["server_cases"] = server.to_dict(orient="records")
            out["server_summary"] = summarize_server(server)
        print(json.dumps(out, default=str))
        return 0
    print(f"{'id':<44} {'predicted':>10} {'measured':>10} {'error':>8}  unit")
    for row in report.itertuples():
        print(f"{row.id:<44} {row.predicted:>10,.0f} {row.measured:>10,.0f} {row.error:>+8.1%}  {row.unit}")
    print(f"cases: {summary['cases']}   median absolute error: {summary['median_abs_error']:.1%}   "
          f"worst ratio: {summary['worst_ratio']:.2f}x   skipped (not in catalog or not a throughput): "
          f"{summary['skipped']}")
    print()
    print(server_table())
    return 0


def server_table() -> str:
    """MLPerf Server results predicted under their p99 TTFT/TPOT limits (costmodel.engine.server_calibration)."""
    from costmodel.engine import server_calibration as sc

    if not sc.SERVER_CSV.exists():
        return f"MLPerf Server under latency limits: {sc.SERVER_CSV.name} is not in data/calibration yet"
    report = sc.server_report(path=sc.SERVER_CSV)
    s = sc.summarize_server(report)
    lines = ["MLPerf Server and Interactive, predicted at the largest concurrency meeting their p99 TTFT / TPOT limits "
             "(output tokens/s per system)",
             f"{'id':<40} {'limits':>12} {'predicted':>10} {'measured':>10} {'error':>8}  binds  tok/s/user"]
    for r in report.itertuples():
        limits = f"{r.ttft_limit_s:g}s/{r.tpot_limit_ms:g}ms"
        lines.append(f"{r.id:<40} {limits:>12} {r.predicted:>10,.0f} {r.measured:>10,.0f} {r.error:>+8.1%}  "
                     f"{r.binding_constraint:<6} {r.tokens_per_second_per_user:>6.1f}")
    lines.append(f"cases: {s['cases']}   median absolute error: {s['median_abs_error']:.1%}   "
                 f"worst ratio: {s['worst_ratio']:.2f}x   skipped: {s['skipped']}")
    return "\n".join(lines)


def run_validation(args: argparse.Namespace) -> int:
    """Print (or, with --json, dump) the cross-validated error tables."""
    from costmodel.engine.validation import (
        FITTED_TO_CASES,
        error_summary,
        summary_numbers,
        uncertainty_band,
        validation_frame,
        worst_cases,
    )

    frame = validation_frame()
    titles = {"predicted_in_sample": "in-sample", "predicted_oos_source": "out-of-sample, one source held out",
              "predicted_oos_model": "out-of-sample, one model family held out",
              "predicted_oos_source_strict": "strict out-of-sample, one source held out",
              "predicted_oos_model_strict": "strict out-of-sample, one model family held out"}
    if args.json:
        tables = {col: {by: error_summary(frame, col, by).reset_index().to_dict(orient="records")
                        for by in ("source_group", "model_family", "gpu_family")} for col in titles}
        print(json.dumps({"summary": summary_numbers(frame), "tables": tables, "band": uncertainty_band(frame),
                          "worst": worst_cases(frame).to_dict(orient="records")}, default=str))
        return 0
    for col, title in titles.items():
        overall = error_summary(frame, col).iloc[0]
        print(f"== {title}: median |error| {overall['median_abs_error']:.1%}, within 2x "
              f"{overall['within_2x']:.1%}, worst {overall['worst_ratio']:.2f}x")
        if col.endswith("_strict"):  # differs only where a fold held out what a catalog figure was fitted to
            print("   (also reverting, in the fold holding out their cases, the figures fitted to them: "
                  + "; ".join(e.why for e in FITTED_TO_CASES) + ")")
            print(error_summary(frame, col, "gpu_family").to_string(float_format=lambda v: f"{v:.3f}"))
            continue
        for by in ("source_group", "model_family", "gpu_family"):
            print(error_summary(frame, col, by).to_string(float_format=lambda v: f"{v:.3f}"))
    print("== worst cases out of sample (one source held out); ratios predicted / measured")
    print(worst_cases(frame).to_string(float_format=lambda v: f"{v:.3f}"))
    lo, hi = uncertainty_band(frame)
    print(f"80% band from out-of-sample errors: measured = predicted x {lo:.2f} .. {hi:.2f}")
    return 0
