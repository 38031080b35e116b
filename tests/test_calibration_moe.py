"""The MoE/Blackwell/AMD measurements: normalisation columns and the cases built from them."""

import numpy as np
import pandas as pd
import pytest

from costmodel.catalog.loader import load_catalog
from costmodel.engine import communication
from costmodel.engine.calibration import MOE_CSV, Case, calibration_report, load_measurements
from costmodel.engine.calibration_moe import moe_cases
from costmodel.engine.engine_limits import engine_limits

PUBLISHED = ["id", "model", "precision", "gpu", "num_gpus", "framework", "value", "unit", "source", "notes"]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return load_measurements(MOE_CSV).fillna("")


def test_published_columns_are_kept_verbatim(rows):
    raw = pd.read_csv(MOE_CSV.parent / "public-calibration-moe.csv", dtype=str).fillna("")
    assert len(rows) == 236  # 234 published + 2 later InferenceX runs of superseded CDNA3 rows
    assert set(PUBLISHED) <= set(raw.columns)
    assert rows["id"].is_unique


def test_every_row_is_compared_or_says_why_not(rows):
    assert set(rows["evaluation"]) == {"max_throughput", "service_level", "none"}
    not_compared = rows[rows["evaluation"] != "max_throughput"]
    assert (not_compared["why_not"].str.len() > 5).all()
    assert (rows.loc[rows["evaluation"] == "max_throughput", "why_not"] == "").all()
    assert (rows["evaluation"] == "max_throughput").sum() >= 165


def test_mlperf_server_rows_are_left_to_the_service_level_search(rows):
    server = rows[rows["concurrency_or_batch"].str.startswith(("Server", "Interactive"))]
    assert len(server) >= 20
    assert set(server["evaluation"]) <= {"service_level", "none"}


def test_denominators_follow_the_sources(rows):
    by_id = rows.set_index("id")
    # MLPerf: output tokens per system
    assert by_id.loc["mlperf51_dsr1_b200x8_offline", ["token_kind", "per_gpus", "system_gpus"]].tolist() == \
        ["output", "1", "8"]
    # InferenceX single node: total tokens per GPU of one TP group
    assert by_id.loc["ix_dsr1_b200_fp4_dynamosglang_disagg_1k1k_c64", "per_gpus"] == "52"
    row = by_id.loc["ix_dsr1_b200_fp4_dynamosglang_disagg_1k1k_c64"]
    assert (row["serving"], row["prefill_gpus"], row["decode_gpus"]) == ("disaggregated", "4", "48")
    assert by_id.loc["ix_dsr1_h200_fp8_sglang_tp8ep1_8k1k_c16", ["token_kind", "per_gpus", "tp"]].tolist() == \
        ["total", "8", "8"]
    # random lengths with range ratio 0.8 average 0.9 x nominal
    assert float(by_id.loc["ix_dsr1_h200_fp8_sglang_tp8ep1_8k1k_c16", "isl"]) == pytest.approx(0.9 * 8192)
    # data-parallel attention workers listed as TP1: the worker spans GPUs / workers
    assert by_id.loc["ix_dsr1_gb200_fp4_dynamosglang_disagg_1k1k_c15000", ["prefill_tp", "tp"]].tolist() == \
        ["4", "32"]
    # speculative decoding rows are flagged and not compared
    mtp = rows[rows["mtp"] == "1"]
    assert len(mtp) >= 12 and (mtp["evaluation"] == "none").all()


def test_every_comparable_row_becomes_a_case():
    cat = load_catalog()
    cases, skipped = moe_cases(load_measurements(MOE_CSV), cat, Case)
    assert len(cases) >= 165
    assert all(c.measured > 0 for c in cases)
    assert dict(skipped)["mlperf51_mixtral_rtxpro6000x8_offline"].startswith("not in the catalog")
    disagg = next(c for c in cases if c.id == "ix_dsr1_b200_fp4_dynamosglang_disagg_1k1k_c64")
    assert (disagg.scenario.gpus, disagg.extra[0].gpus, disagg.extra[0].concurrency) == (4, 48, 64)


def test_report_with_the_moe_file_predicts_every_case():
    report = calibration_report(moe_path=MOE_CSV)
    assert len(report) >= 250
    assert (report["predicted"] > 0).all()
    assert {"source_group", "model_family", "gpu_family"} <= set(report.columns)


def test_engine_limits_follow_the_documented_defaults():
    assert engine_limits("trtllm", 180) == (2048, 8192)
    assert engine_limits("vllm", 80) == (1024, 8192)
    assert engine_limits("vllm", 48) == (256, 2048)
    assert engine_limits("sglang", 192) == (2048, 16384)
    assert engine_limits("unknown", 80) == (1024, 16384)


def test_stated_attention_layouts_are_carried_into_the_cases(rows):
    import re

    for r in rows.itertuples():
        m = re.search(r"DP-attention=(True|False)", r.notes)
        if m:
            assert r.attention_dp == str(int(m.group(1) == "True")), r.id
    cases = {c.id: c for c in moe_cases(rows, load_catalog(), Case)[0]}
    assert cases["ix_dsr1_h200_fp8_sglang_tp8ep1_1k1k_c4"].scenario.attention_data_parallel is False
    disagg = cases["ix_dsr1_b200_fp4_dynamosglang_disagg_1k1k_c64"]  # prefill DP-attn=True, decode False
    assert disagg.scenario.attention_data_parallel is True and disagg.extra[0].attention_data_parallel is False
    assert cases["mlperf51_dsr1_b200x8_offline"].scenario.attention_data_parallel is None  # not stated


@pytest.mark.parametrize("case_id, tpot_ms", [
    # InferenceX median TPOT at concurrency 4, 1k/1k, SGLang TP8 EP1 without DP attention (the rows' notes)
    ("ix_dsr1_b200_fp8_sglang_tp8ep1_1k1k_c4", 8.78),
    ("ix_dsr1_h200_fp8_sglang_tp8ep1_1k1k_c4", 9.73),
])
def test_small_batch_deepseek_decode_step_matches_the_published_tpot(rows, case_id, tpot_ms):
    from costmodel.engine.inference import estimate

    cat = load_catalog()
    case = next(c for c in moe_cases(rows, cat, Case)[0] if c.id == case_id)
    assert estimate(case.scenario, catalog=cat).tpot_seconds * 1e3 == pytest.approx(tpot_ms, rel=0.1)


def test_a_stated_batch_cap_per_gpu_replaces_the_engine_default(rows):
    from costmodel.engine.calibration_moe import stated_batch_limit
    from costmodel.engine.inference import estimate

    cat = load_catalog()
    dsr1 = rows.set_index("id").loc["mlperf51_dsr1_b200x8_offline"]
    assert dsr1["max_batch_per_gpu"] == "512"  # NVIDIA's config: gpu_batch_size 512
    # one scheduler per rank under data-parallel latent attention; one per TP8 replica for grouped-query attention
    assert stated_batch_limit(512, cat.model("deepseek-v3"), 8, None) == 512
    assert stated_batch_limit(512, cat.model("deepseek-v3"), 8, False) == 4096
    assert stated_batch_limit(512, cat.model("mixtral-8x7b"), 8, None) == 4096
    assert stated_batch_limit(None, cat.model("mixtral-8x7b"), 8, None) is None
    case = next(c for c in moe_cases(rows, cat, Case)[0] if c.id == "mlperf51_dsr1_b200x8_offline")
    assert case.scenario.max_batch_size == 512
    # 8 ranks x 512 sequences would hold 4096 of the 5120 MLPerf keeps in flight; with the attention weights
    # at FP8 beside the NVFP4 experts (kernels.kept_precision_bits), copied on each of the 8 data-parallel
    # ranks, the KV memory now binds just below the cap (4034)
    held = estimate(case.scenario, catalog=cat).max_concurrency
    assert 0.97 * 4096 < held <= 4096


def test_finite_bursts_and_output_spread_are_carried_into_the_cases(rows):
    cases = {c.id: c for c in moe_cases(rows, load_catalog(), Case)[0]}
    sharegpt = cases["gpustack_gptoss120b_h100_tp1_sharegpt_1000p"].scenario  # "1000 prompts, all at once"
    assert (sharegpt.burst_requests, sharegpt.output_tokens_cv) == (1000, 1.0)
    random = cases["gpustack_gptoss120b_h100_tp1_rand4000_200"].scenario  # fixed lengths, 500 prompts
    assert (random.burst_requests, random.output_tokens_cv) == (500, 0.0)
    # MLPerf DeepSeek-R1: sd 5,065 / mean 4,043.4 output tokens (the data set's per-sample reference lengths)
    assert cases["mlperf51_dsr1_b200x8_offline"].scenario.output_tokens_cv == pytest.approx(1.253)
    assert cases["ix_dsr1_h200_fp8_sglang_tp8ep1_1k1k_c4"].scenario.burst_requests is None  # count not stated


def test_superseded_cdna3_builds_are_not_compared_and_the_later_runs_are(rows):
    by_id = rows.set_index("id")
    old = by_id.loc["ix_dsr1_mi325x_fp8_sglang_tp8ep1_1k1k_c4"]
    assert old["evaluation"] == "none" and old["why_not"].startswith("superseded ROCm SGLang build")
    assert "22469096331" in old["notes"]  # the 2026-02-27 build
    new = by_id.loc["ix_dsr1_mi325x_fp8_sglang_tp8ep1_1k1k_c4_20260518"]
    assert new["evaluation"] == "max_throughput" and "26008679544" in new["notes"] and new["value"] == "66.1"
    superseded = rows[rows["why_not"].str.startswith("superseded")]
    assert set(superseded["gpu"]) == {"MI300X", "MI325X"} and len(superseded) == 12


def test_lmsys_kimi_k2_figures_count_all_16_nodes_at_the_pools_rate(rows):
    # 56k/node x 16 nodes = 896k (prefill), 24k/node x 16 = 384k (decode): the 4 prefill / 12 decode nodes
    # produce 32/128 and 96/128 of the published figures
    by_id = rows.set_index("id")
    prefill, decode = by_id.loc["lmsys_kimik2_h200x128_prefill_cluster"], by_id.loc["lmsys_kimik2_h200x128_decode_cluster"]
    assert (float(prefill["per_gpus"]), prefill["system_gpus"]) == (0.25, "32")
    assert (float(decode["per_gpus"]), decode["system_gpus"]) == (0.75, "96")
    assert float(prefill["value"]) * 0.25 / 32 == pytest.approx(56_000 / 8)  # per prefill GPU: 56k per 8-GPU node
    case = next(c for c in moe_cases(rows, load_catalog(), Case)[0] if c.id == "lmsys_kimik2_h200x128_prefill_cluster")
    from costmodel.engine.inference import estimate

    r = estimate(case.scenario, catalog=load_catalog())
    assert case.metric(r) == pytest.approx(r.prefill_tokens_per_second / 0.25)  # the pool's rate x 128/32


def test_mlperf_cases_take_the_data_sets_published_lengths(rows):
    from costmodel.engine.calibration import MEASUREMENTS_CSV, MLPERF_DATASET_LENGTHS, build_cases

    # per-sample token counts of MLCommons' data files: OpenOrca 222.3 prompt tokens, Mixtral's mix 427.4
    assert MLPERF_DATASET_LENGTHS["llama-2-70b"] == (222.3, 0.787)
    assert MLPERF_DATASET_LENGTHS["mixtral-8x7b"] == (427.4, 0.778)
    old = {c.id: c for c in build_cases(load_measurements(MEASUREMENTS_CSV), load_catalog())[0]}
    llama = old["mlperf41_h200x8_l2_70b_99_offline"].scenario
    assert (llama.prompt_tokens, llama.output_tokens_cv) == (222, 0.787)
    mixtral = next(c for c in moe_cases(rows, load_catalog(), Case)[0] if c.id == "mlperf51_mixtral_h200x8_offline")
    assert (mixtral.scenario.prompt_tokens, mixtral.scenario.output_tokens_cv) == (427, 0.778)


def test_stated_disaggregated_configs_cap_the_decode_pool_and_keep_its_alltoall_on_the_step(rows):
    from costmodel.engine.inference import estimate

    cat = load_catalog()
    by_id = rows.set_index("id")
    # InferenceX's H100 recipe ctx2_gen1_dep16_batch256: 256 sequences per decode rank, no second micro-batch
    h100 = by_id.loc["ix_dsr1_h100_fp8_dynamotrt_disagg_1k1k_c4916"]
    assert (h100["max_batch_per_gpu"], h100["two_batch_overlap"]) == ("256", "0")
    # SGLang + MoRI: --kv-cache-dtype fp8_e4m3 and 160 sequences per decode GPU (models.yaml, server.sh)
    mori = by_id.loc["ix_dsr1_mi355x_fp8_morisglang_disagg_8k1k_c2048"]
    assert (mori["kv_bits"], mori["max_batch_per_gpu"], mori["two_batch_overlap"]) == ("8", "160", "0")
    case = next(c for c in moe_cases(rows, cat, Case)[0] if c.id == h100.name)
    prefill, decode = case.scenario, case.extra[0]
    assert decode.max_batch_size == 256 and prefill.max_batch_size != 256  # the decode workers' cap only
    assert decode.two_batch_overlap is False and prefill.two_batch_overlap is False
    assert estimate(decode, catalog=cat).max_concurrency == 16 * 256
    # The step carries the whole all-to-all (Hopper's decode overlap is 0) where it used to hide behind compute:
    # 4096 sequences, 58 MoE layers, every one of a token's 8 expert copies sent (DeepEP's low-latency decode
    # kernels do not dedup per node: expert_parallel.dispatch_copies), fp8 dispatch + bf16 combine, 15/16 leaving
    # the GPU, 16 GPUs at the 400 Gb/s NIC's 50 GB/s one way x 0.7, 2 x 60 us DeepEP latency a layer
    full = decode.model_copy(update={"concurrency": 4096})
    alltoall = 58 * (4096 * 8 * 7168 * 3 * 15 / 16 / (16 * 50e9 * 0.7) + 2 * 60e-6)
    net = communication.interconnect(cat.gpu("h100-sxm"), np.asarray(16.0), np.asarray(0.7), 8.0, np.asarray(True),
                                     np.asarray(1), two_batch_overlap=False)
    serial, hidden_part = communication.communication_seconds(cat.model("deepseek-v3"), net, 4096.0, 8.0,
                                                              overlap=0.0, alltoall_latency_s=60e-6, low_latency=True)
    assert float(serial) == pytest.approx(alltoall, rel=1e-12) and float(hidden_part) == 0.0
    # With two micro-batches it hides behind the other micro-batch's attention and dense kernels only (the routed
    # experts stay on the step: expert_parallel.two_micro_batch_seconds), so the gap is min(all-to-all, those):
    # positive, and at most the all-to-all
    hidden = full.model_copy(update={"two_batch_overlap": None})
    step_gap = estimate(full, catalog=cat).tpot_seconds - estimate(hidden, catalog=cat).tpot_seconds
    assert 0.0 < step_gap <= alltoall * (1 + 1e-9)


def test_amd_mlperf_mixtral_rows_carry_their_stated_vllm_batch_caps(rows):
    by_id = rows.set_index("id")
    # the notes' "vLLM TP1 per GPU ... max_num_seqs 5000"; offline_mi325x.yaml's max_num_seqs 4736 (TP1)
    assert (by_id.loc["mlperf51_mixtral_mi300x8_offline", "max_batch_per_gpu"], by_id.loc[
        "mlperf51_mixtral_mi300x8_offline", "tp"]) == ("5000", "1")
    assert (by_id.loc["mlperf51_mixtral_mi325x8_offline", "max_batch_per_gpu"], by_id.loc[
        "mlperf51_mixtral_mi325x8_offline", "tp"]) == ("4736", "1")
    case = next(c for c in moe_cases(rows, load_catalog(), Case)[0] if c.id == "mlperf51_mixtral_mi325x8_offline")
    assert (case.scenario.max_batch_size, case.scenario.tensor_parallel) == (4736, 1)


def test_kimi_vllm_rows_carry_their_launch_scripts_layout_and_kv_bits(rows):
    # InferenceX's kimik2.5 vLLM scripts: --tensor-parallel-size only (attention sharded by heads), no
    # --kv-cache-dtype (bf16) except the FP4 B200 script of the 2026-05-19 run (fp8); STATED_KIMI_VLLM_RUNS
    by_id = rows.set_index("id")
    for rid, bits in (("ixblog_kimik25_nvfp4_b200_vllm_8k1k_c4", "16"), ("ixblog_kimik25_h200_int4_vllm_tp8_8k1k_c16", "16"),
                      ("ixblog_kimik25_b200_fp4_vllm_tp4_8k1k_c64", "8"),
                      ("ixblog_kimik25_mxfp4_mi355x_vllm018_tp4_8k1k_c4", "16")):
        assert (by_id.loc[rid, "attention_dp"], by_id.loc[rid, "kv_bits"]) == ("0", bits), rid
    # the LMSYS Kimi K2 rows (SGLang with DP attention, DeepEP) keep the engine's default layout
    assert by_id.loc["lmsys_kimik2_h200x128_decode_cluster", "attention_dp"] == ""
    case = next(c for c in moe_cases(rows, load_catalog(), Case)[0] if c.id == "ixblog_kimik25_h200_int4_vllm_tp8_8k1k_c4")
    assert case.scenario.attention_data_parallel is False and case.scenario.kv_bits == 16
