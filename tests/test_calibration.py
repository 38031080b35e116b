"""Calibration gate: the engine against published measurements (data/calibration/public-calibration.csv)."""

import pytest

from costmodel.engine.calibration import calibration_report, summarize

KNOWN_OUTLIERS = {
    # TensorRT-LLM v0.5 "preliminary" H200 launch figure: 1,654 tok/s/GPU for Llama-2-70B TP2, batch 512,
    # 128 in / 2,048 out is about a sixth of what the same blog's batch-512 TP1 128/128 run and every
    # memory-bandwidth bound allow (weights + fp8 KV read per step at 4.8 TB/s give ~10k tok/s/GPU).
    # Reported in the calibration output; excluded from the 2x gate only.
    "trt_h200launch_70b_bs512_tp2_128_2048",
}


@pytest.fixture(scope="module")
def report():
    return calibration_report()


def test_every_covered_measurement_is_predicted(report):
    assert len(report) >= 80
    assert set(report["id"]) >= {"trt_perf_llama33_70b_h100_tp2_128_128", "mlperf41_mi300x8_l2_70b_99_offline",
                                 "ds_profile_decode_node", "mlperf41_h200x8_mixtral_offline"}
    assert (report["predicted"] > 0).all()


def test_median_absolute_error_within_target(report):
    assert summarize(report)["median_abs_error"] <= 0.20


def test_every_case_within_2x_except_documented_outliers(report):
    gated = report[~report["id"].isin(KNOWN_OUTLIERS)]
    worst = gated.sort_values("ratio").iloc[-1]
    assert worst["ratio"] <= 2.0, f"{worst['id']}: predicted {worst['predicted']:.0f} vs {worst['measured']:.0f}"


def test_outliers_are_still_reported(report):
    assert set(report["id"]) >= KNOWN_OUTLIERS


def test_skipped_rows_are_listed_with_a_reason(report):
    skipped = dict(report.attrs["skipped"])
    assert skipped["vllm_vs_hf_max"] == "model or GPU not in the catalog"  # LLaMA-7B on an A10G
    assert skipped["ds6_cost_profit_margin"].startswith("not a throughput")
    assert all(reason for reason in skipped.values())


def test_deepseek_day6_decode_batch_is_littles_law_from_its_own_figures():
    # 14,800 output tokens/s per node x 18 nodes / 21 tokens/s per request (20-22 stated) = 12,686 in flight
    from costmodel.catalog.loader import load_catalog
    from costmodel.engine.calibration import build_cases, ds6_decode_batch, load_measurements

    assert ds6_decode_batch(14_800) == round(14_800 * 18 / 21) == 12_686
    cases, _ = build_cases(load_measurements(), load_catalog())
    case = next(c for c in cases if c.id == "ds6_decode_tput_node")
    assert case.scenario.concurrency == 12_686 and case.scenario.max_batch_size == 144 * 128
