"""Fit CDNA3's per-kernel fixed time and MLA decode rate to InferenceX's measured decode step times.

No kernel table like AIConfigurator's exists for ROCm, so these two ROCm figures come from the one
published decode-step measurement on CDNA3 this project holds: the median TPOT of each InferenceX
SGLang DeepSeek-R1 row on MI300X and MI325X (``public-calibration-moe.csv``, its ``notes``; conc 4,
16 and 64, 1k and 8k prompts). Over a grid of ``kernel_latency_us`` x ``mla_decode_attention_efficiency``
(every other figure as shipped in data/efficiency.yaml), the engine predicts each row's TPOT; the
point with the smallest median |log(predicted / measured)| is kept, the objective the efficiency fit
uses. The two act on different terms (a fixed time per kernel at any batch; a time per cached token per
sequence), so the rows' spread in batch and context separates them.

These rows are also throughput cases of the calibration: holding out InferenceX (or DeepSeek) in the
cross-validation does not remove what these two figures learnt from their latencies. docs/cost-model.md
section 7 (eleventh round) reports the cross-validation both ways.

Run: ``.venv/bin/python scripts/fit_cdna3_decode_kernels.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.calibration import MEASUREMENTS_CSV, MOE_CSV, all_cases
from costmodel.engine.inference import estimate

KERNEL_LATENCY_US = (3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0, 24.0)
MLA_DECODE_EFFICIENCY = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.55)
FAMILY = "cdna3"


def measured_tpot_ms(catalog: Catalog) -> pd.DataFrame:
    """The InferenceX CDNA3 cases the calibration compares, with each row's published median TPOT (ms)."""
    notes = pd.read_csv(MOE_CSV).set_index("id")["notes"]
    cases, _ = all_cases(catalog, MEASUREMENTS_CSV, MOE_CSV)
    rows = []
    for case in cases:
        if case.id.startswith("ix_") and catalog.gpu(case.scenario.gpu).family == FAMILY:
            found = re.search(r"median TPOT ([\d.]+) ms", notes[case.id])
            if found:
                rows.append({"id": case.id, "scenario": case.scenario, "tpot_ms": float(found.group(1))})
    return pd.DataFrame(rows)


def with_kernels(catalog: Catalog, kernel_latency_us: float, mla_decode: float) -> Catalog:
    """The catalog with CDNA3's two kernel figures replaced."""
    return catalog.with_efficiency(FAMILY, kernel_latency_us=kernel_latency_us,
                                   mla_decode_attention_efficiency=mla_decode)


def tpot_objective(catalog: Catalog | None = None) -> pd.DataFrame:
    """Median |log(predicted / measured TPOT)| over the rows, per (kernel latency, MLA decode) grid point."""
    cat = catalog or load_catalog()
    rows = measured_tpot_ms(cat)
    grid = {}
    for k in KERNEL_LATENCY_US:
        for m in MLA_DECODE_EFFICIENCY:
            c = with_kernels(cat, k, m)
            predicted = np.array([estimate(s, c).tpot_seconds * 1e3 for s in rows["scenario"]])
            grid[(k, m)] = float(np.median(np.abs(np.log(predicted / rows["tpot_ms"].to_numpy()))))
    table = pd.Series(grid).unstack()
    table.index.name, table.columns.name = "kernel_latency_us", "mla_decode_attention_efficiency"
    return table


def best_point(table: pd.DataFrame) -> tuple[float, float]:
    """(kernel latency, MLA decode efficiency) at the objective's minimum."""
    k, m = table.stack().idxmin()
    return float(k), float(m)


def main() -> int:
    cat = load_catalog()
    rows = measured_tpot_ms(cat)
    table = tpot_objective(cat)
    print(f"{len(rows)} rows; median |log(predicted / measured TPOT)| by kernel latency (us) x MLA decode efficiency:")
    print(table.round(3).to_string())
    k, m = best_point(table)
    shipped = cat.efficiency[FAMILY]
    print(f"\nbest: kernel_latency_us {k:g}, mla_decode_attention_efficiency {m:g} "
          f"(shipped: {shipped.kernel_latency_us:g}, {shipped.mla_decode_attention_efficiency:g})")
    fitted = with_kernels(cat, k, m)
    for case_id, s, tpot in rows[["id", "scenario", "tpot_ms"]].itertuples(index=False):
        print(f"  {case_id:55s} measured {tpot:6.2f} ms  predicted {estimate(s, fitted).tpot_seconds * 1e3:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
