"""Fit the per-family serving efficiencies and report in-sample and out-of-sample errors.

The procedure (``costmodel.engine.validation``): every published case of
data/calibration/public-calibration.csv and public-calibration-moe.csv is
evaluated over a grid of prefill MFU x decode MFU x decode MBU; per GPU family
the grid point with the smallest median |log(predicted/measured)| is kept
(these are the values in data/efficiency.yaml). The same fit is repeated with
one source, then one model family, held out, and the held-out cases are
predicted: the out-of-sample error. The kernel-shape parameters are not fitted
here: they come from AIConfigurator's kernel tables
(benchmarks/aiconfigurator_oracle.py).

Run: ``.venv/bin/python scripts/fit_efficiency.py``.
"""

from __future__ import annotations

import pandas as pd

from costmodel.engine.validation import error_summary, uncertainty_band, validation_frame

COLUMNS = {"predicted_in_sample": "in-sample", "predicted_oos_source": "out-of-sample (hold out one source)",
           "predicted_oos_model": "out-of-sample (hold out one model family)"}


def main() -> int:
    frame = validation_frame()
    print("Fitted efficiencies per GPU family (in-sample, all cases):")
    print(pd.DataFrame(frame.attrs["fitted"]).T.to_string())
    for col, title in COLUMNS.items():
        print(f"\n=== {title}")
        print(error_summary(frame, col).to_string(float_format=lambda v: f"{v:.3f}"))
        for by in ("source_group", "model_family", "gpu_family"):
            print(f"-- by {by}")
            print(error_summary(frame, col, by).to_string(float_format=lambda v: f"{v:.3f}"))
    lo, hi = uncertainty_band(frame)
    print(f"\n80% band from the out-of-sample errors: measured = predicted x {lo:.2f} .. {hi:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
