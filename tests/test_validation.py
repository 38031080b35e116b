"""Out-of-sample validation gate (costmodel.engine.validation): fit on some published cases, predict the rest."""

import numpy as np
import pandas as pd
import pytest

from costmodel.engine.validation import (
    cross_validated,
    error_summary,
    fit_families,
    headline_ranges,
    summary_numbers,
    uncertainty_band,
    validation_frame,
    worst_cases,
)

OOS_MEDIAN_GATE = 0.12
"""Out-of-sample median |error| this engine reaches now (11.1% holding out a source, 11.8% holding out a model
family, 254 cases, 2026-12-03, eleventh round: CDNA3's sustained matrix clocks, AITER's MoE bandwidth and the ROCm
kernel figures fitted to InferenceX's decode step times, and the refit; 11.4% and 12.1% before, gated at 12.5% /
13%; ninth round (2026-12-02): decode sending every expert copy (DeepEP low-latency kernels),
two micro-batches in decode, the DeepSeek day-6 decode batch by Little's law, the Kimi-K2.5 vLLM rows' stated
layout and KV bits, and the refit (11.3% / 12.1%), then FlashMLA's padded sparse prefill on Blackwell
(+0.16 point holding out a source, one case beyond 2x cleared); 11.3% and 13.2% before the round, after GPUStack's vLLM 0.10.2 rows ran their serving runtime
(costmodel.engine.serving_runtime: memory in GiB less the profiled reserve, Marlin's MXFP4 layout and rate)
and the Hopper refit; 12.9% and 16.5% before it, after gpt-oss's released MXFP4 bytes (13.1% before them), after the stated configurations of the H100 Dynamo-TRT and MI355X MoRI
disaggregated rows and of AMD's MLPerf Mixtral runs, and the refit; 13.6% and 17.1% before them, after
experts-only 4-bit checkpoints (attention at the released
precision), DeepSeek Sparse Attention and the vLLM TP2 layout of the V3.2 rows; 16.0% and 18.9% before them,
20.0% and 23.0% before the finite bursts, the output-length spread, the fit's tie-break, the superseded CDNA3
builds, the LMSYS Kimi K2 normalisation and the MLPerf data sets' lengths), with a little margin. 15% is also
the issue's target for it, now reached."""
OOS_MODEL_MEDIAN_GATE = 0.125
"""Holding out a model family: 11.8% reached (eleventh round, 2026-12-03; 12.1% in the ninth, 13.2% before it),
with a little margin."""
WITHIN_2X_GATE = 0.99
"""Share within 2x holding out a model family (99.2% reached: the TensorRT-LLM v0.5 H200 outlier of
tests/test_calibration.py at 2.17x and B200 TRT DeepSeek-R1 8k/1k conc 4 at 2.01x); holding out a source every
case is within 2x (test_issue_target_all_within_2x) since the eleventh round (MLPerf v5.1 Mixtral on MI325X 0.45x
-> 0.79x). Before: 99.6% holding out a source (1 of 254 cases beyond 2x, 2026-12-02, ninth round: the
MI355X MoRI-SGLang row 2.44x -> 1.45x, DeepSeek-V3.2 prefill on GB300 2.20x -> 0.98x; gated at 98% before);
98.8% (3 beyond) after the stated
decode caps and the all-to-all without two micro-batches of the H100 Dynamo-TRT and MI355X MoRI disaggregated
rows; 98.0% and 5 beyond before; 91.3% before the finite bursts, the output-length spread and the superseded
CDNA3 builds; docs/cost-model.md, validation)."""


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return validation_frame()


def test_shipped_efficiencies_are_the_in_sample_fit(frame):
    # data/efficiency.yaml holds what scripts/fit_efficiency.py fits: the catalog defaults predict the same
    assert np.allclose(frame["predicted_default"], frame["predicted_in_sample"], rtol=1e-9)


def test_out_of_sample_median_error_is_gated(frame):
    s = summary_numbers(frame)
    assert s["predicted_oos_source"]["median_abs_error"] <= OOS_MEDIAN_GATE
    assert s["predicted_oos_model"]["median_abs_error"] <= OOS_MODEL_MEDIAN_GATE


def test_out_of_sample_cases_within_2x_are_gated(frame):
    assert summary_numbers(frame)["predicted_oos_model"]["within_2x"] >= WITHIN_2X_GATE


def test_out_of_sample_is_not_better_than_in_sample(frame):
    s = summary_numbers(frame)
    assert s["predicted_oos_source"]["median_abs_error"] >= s["predicted_in_sample"]["median_abs_error"]


def test_issue_target_out_of_sample_median_15_percent(frame):
    # reached (11.3% holding out a source, 2026-12-02): the issue's target, now a plain gate
    assert summary_numbers(frame)["predicted_oos_source"]["median_abs_error"] <= 0.15


def test_issue_target_all_within_2x(frame):
    # reached in the eleventh round (2026-12-03): the last case beyond 2x holding out a source, MLPerf v5.1 Mixtral
    # on 8x MI325X (0.45x), is 0.79x once the MFUs apply at each board's sustained clock; the strict variant too
    for predicted in ("predicted_oos_source", "predicted_oos_source_strict"):
        assert summary_numbers(frame)[predicted]["within_2x"] == 1.0, predicted


def test_gpt_oss_and_gpustack_bias_within_15_percent_out_of_sample(frame):
    # reached with the serving runtime (2026-12-02: gpt-oss +21% -> +4% source held out, +22% -> +5% model family
    # held out; GPUStack +27% -> +2% and +35% -> +4%); docs/cost-model.md section 7, eighth round
    for predicted in ("predicted_oos_source", "predicted_oos_model"):
        assert abs(error_summary(frame, predicted, "model_family")["median_bias"]["gpt-oss"]) <= 0.15
        assert abs(error_summary(frame, predicted, "source_group")["median_bias"]["gpustack"]) <= 0.15


def test_deepseek_kimi_and_inferencex_blog_bias_within_15_percent_out_of_sample(frame):
    # reached in the ninth round (2026-12-02, source held out: the DeepSeek source +48% -> +8%, Kimi -17% -> +7%,
    # InferenceX-blog -17% -> +3%); docs/cost-model.md section 7
    for predicted in ("predicted_oos_source", "predicted_oos_model"):
        assert abs(error_summary(frame, predicted, "model_family")["median_bias"]["kimi"]) <= 0.15
        for source in ("deepseek", "inferencex-blog"):
            assert abs(error_summary(frame, predicted, "source_group")["median_bias"][source]) <= 0.15


def test_issue_target_no_family_median_bias_beyond_15_percent(frame):
    # reached (2026-12-02, ninth round with FlashMLA's padded sparse prefill): source held out, the largest median
    # bias is CDNA3's +12.4% (LMSYS -15.2% -> -9.3% once Blackwell's fit no longer flips without its rows; the
    # DeepSeek source, Kimi and InferenceX-blog within 15% since the decode copies and two micro-batches, gpt-oss
    # and GPUStack since the serving runtime). Holding out a model family LMSYS is still -15.2% (not gated).
    for by in ("model_family", "gpu_family", "source_group"):
        bias = error_summary(frame, "predicted_oos_source", by)["median_bias"]
        assert (bias.abs() <= 0.15).all(), bias


def test_cdna3_bias_within_15_percent_holding_out_a_model_family_too(frame):
    # the eleventh round: CDNA3 held out by model family +20.8% -> +2.7% (source held out +12.4% -> -6.3%)
    for predicted in ("predicted_oos_source", "predicted_oos_model"):
        bias = error_summary(frame, predicted, "gpu_family")["median_bias"]
        assert (bias.abs() <= 0.15).all(), (predicted, bias)


def test_strict_folds_differ_only_where_a_fitted_figure_is_reverted(frame):
    from costmodel.engine.validation import FITTED_TO_CASES

    for name, col in (("source", "source_group"), ("model", "model_family")):
        touched = np.zeros(len(frame), dtype=bool)
        for e in FITTED_TO_CASES:
            touched |= (frame[col] == getattr(e, col)).to_numpy() & (frame["gpu_family"] == e.gpu_family).to_numpy()
        plain, strict = frame[f"predicted_oos_{name}"], frame[f"predicted_oos_{name}_strict"]
        assert np.allclose(plain[~touched], strict[~touched], rtol=1e-12)
        assert not np.allclose(plain[touched], strict[touched])  # the reverted figures do change these cases


def test_strict_variant_reverts_to_the_default_section_values():
    import yaml

    from costmodel.engine.validation import FITTED_TO_CASES
    from costmodel.resources import data_path

    default = yaml.safe_load(data_path("efficiency.yaml").read_text())["default"]
    for e in FITTED_TO_CASES:
        assert e.untuned == {k: default[k] for k in e.untuned}


def test_cross_validation_predicts_each_group_from_the_others():
    # two families; group "b" holds the only cases that favour column 1 for family x
    log_ratio = np.log(np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [2.0, 1.0]]))
    predicted = np.array([[10.0, 20.0], [10.0, 20.0], [20.0, 10.0], [20.0, 10.0]])
    families = np.array(["x", "x", "x", "y"])
    groups = np.array(["a", "a", "b", "b"])
    assert fit_families(log_ratio, families, np.ones(4, bool)) == {"x": 0, "y": 1}
    out = cross_validated(log_ratio, predicted, families, groups, np.zeros(4, dtype=int))
    # held-out "a": family x fitted on row 2 alone picks column 1 (20); held-out "b": x fitted on "a" picks
    # column 0 (row 2 -> 20), y has no training case and keeps the default column 0 (20)
    assert out.tolist() == [20.0, 20.0, 20.0, 20.0]


def test_near_ties_are_broken_toward_the_prior():
    from costmodel.engine.validation import FIT_TOLERANCE, PRIOR, prior_distance

    # three columns: 0 is best (0.100), 1 is within 2% (0.1015) and nearest the prior, 2 is 5% worse and nearer
    log_ratio = np.array([[0.100, 0.1015, 0.105]])
    families = np.array(["x"])
    train = np.ones(1, dtype=bool)
    distance = np.array([0.6, 0.2, 0.0])
    assert FIT_TOLERANCE == 0.02
    assert fit_families(log_ratio, families, train) == {"x": 0}  # no prior: the plain argmin
    assert fit_families(log_ratio, families, train, distance) == {"x": 1}
    assert fit_families(log_ratio, families, train, distance, tolerance=0.06) == {"x": 2}
    pts = pd.DataFrame({"prefill_mfu": [0.5, 1.0], "decode_mfu": [0.5, 0.25], "decode_mbu": [0.8, 0.8]})
    assert PRIOR == {"prefill_mfu": 0.5, "decode_mfu": 0.5, "decode_mbu": 0.8}
    assert prior_distance(pts, PRIOR).tolist() == pytest.approx([0.0, 2 * np.log(2)])


def test_uncertainty_band_brackets_the_middle_of_the_ratios():
    f = pd.DataFrame({"measured": [1.0, 2.0, 3.0, 4.0, 5.0], "predicted_oos_source": [2.0] * 5})
    lo, hi = uncertainty_band(f, coverage=0.8)
    assert lo == pytest.approx(np.quantile([0.5, 1, 1.5, 2, 2.5], 0.1))
    assert hi == pytest.approx(np.quantile([0.5, 1, 1.5, 2, 2.5], 0.9))


def test_headline_ranges_scale_throughput_up_and_cost_down():
    got = headline_ranges(1000.0, 2.0, (0.5, 2.0))
    assert got == {"throughput": (500.0, 2000.0), "cost": (1.0, 4.0)}


def test_worst_cases_rank_by_the_ratio_either_way():
    f = pd.DataFrame({"id": ["a", "b", "c"], "source_group": ["s"] * 3, "model_family": ["m"] * 3,
                      "gpu_family": ["g"] * 3, "measured": [10.0, 10.0, 10.0],
                      "predicted_in_sample": [10.0, 10.0, 10.0], "predicted_oos_source": [12.0, 4.0, 30.0],
                      "predicted_oos_model": [10.0, 10.0, 10.0]})
    got = worst_cases(f, n=2)
    # c is 3x over, b 2.5x under (10 / 4), a only 1.2x: the two worst, over- or under-predicted, come first
    assert got["id"].tolist() == ["c", "b"]
    assert got["worst_ratio"].tolist() == pytest.approx([3.0, 2.5])
    assert got["oos_source"].tolist() == pytest.approx([3.0, 0.4])
