"""Kernel and expert-parallel mechanisms against hand-computed values (costmodel.engine.kernels,
costmodel.engine.expert_parallel)."""

import math

import numpy as np
import pytest

from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.loader import load_catalog
from costmodel.engine import expert_parallel as ep
from costmodel.engine import kernels, memory_plan

CAT = load_catalog()


def test_tile_occupancy_is_half_at_half_rows_and_saturates():
    got = kernels.gemm_compute_efficiency(np.array([64.0, 8192.0]), 64.0)
    assert got.tolist() == pytest.approx([0.5, 8192 / 8256])
    assert float(kernels.gemm_compute_efficiency(10.0, 0.0)) == 1.0  # neutral


def test_grouped_gemm_rows_are_tokens_times_k_over_touched_experts():
    # 64 tokens x top-8 over 256 touched experts: 2 rows per expert; half speed at 2 rows.
    assert float(kernels.grouped_gemm_compute_efficiency(64.0, 8.0, 256.0, 2.0)) == pytest.approx(0.5)


def test_fixed_kernel_time_counts_every_kernel_of_every_layer():
    assert kernels.kernel_fixed_seconds(8, 80, 3.0) == pytest.approx(8 * 80 * 3e-6)


def test_precision_efficiency_looks_up_by_dtype_code():
    got = kernels.precision_efficiency({"fp4": 0.6}, np.array([0, 1, 2]))
    assert got.tolist() == [1.0, 1.0, 0.6]


def test_four_bit_weights_run_w4a16_without_fp4_units():
    assert kernels.weight_only_compute_dtype(CAT.gpu("h100-sxm"), 4) == "bf16"
    assert kernels.weight_only_compute_dtype(CAT.gpu("b200"), 4) == "fp4"
    assert kernels.weight_only_compute_dtype(CAT.gpu("h100-sxm"), 8) == "fp8"


def test_mla_kernel_factor_only_for_latent_attention():
    assert kernels.mla_attention_efficiency(True, True, 0.5, 0.8) == 0.8
    assert kernels.mla_attention_efficiency(True, False, 0.5, 0.8) == 0.5
    assert kernels.mla_attention_efficiency(False, True, 0.5, 0.8) == 1.0


def test_kernel_params_read_the_efficiency_fields():
    p = kernels.kernel_params(Efficiency(gemm_half_rows=32, ep_decode_overlap=0.2))
    assert (p.gemm_half_rows, p.ep_decode_overlap, p.moe_bandwidth_efficiency) == (32, 0.2, 1.0)


def test_busiest_gpu_follows_the_gaussian_max_of_poisson_counts():
    # 64 tokens x 8 / 8 GPUs = 64 assignments per GPU: 1 + sqrt(2 ln 8 / 64) = 1.255
    got = float(ep.ep_load_imbalance(64.0, 8.0, 8.0, 1.0, 0.0, 0.0))
    assert got == pytest.approx(1 + math.sqrt(2 * math.log(8) / 64))
    # skew adds, EPLB removes its share; one GPU is always balanced
    assert float(ep.ep_load_imbalance(1e12, 8.0, 8.0, 1.0, 0.3, 0.5)) == pytest.approx(1.15, abs=1e-4)
    assert float(ep.ep_load_imbalance(64.0, 8.0, 1.0, 1.0, 0.3, 0.0)) == 1.0


def test_imbalance_falls_with_more_tokens():
    got = ep.ep_load_imbalance(np.array([16.0, 256.0, 4096.0]), 8.0, 32.0, 1.0, 0.0, 0.0)
    assert np.all(np.diff(got) < 0) and got[-1] > 1


def test_target_nodes_of_k_experts():
    assert float(ep.expected_target_nodes(4.0, 8.0, 0)) == pytest.approx(4 * (1 - 0.75**8))
    assert float(ep.expected_target_nodes(16.0, 8.0, 4)) == 4.0  # node-limited routing
    assert float(ep.expected_target_nodes(1.0, 8.0, 0)) == pytest.approx(1.0)


def test_decode_dispatch_sends_every_copy_prefill_one_per_node():
    # DeepEP: the normal (prefill) kernels send a token once per target node, the low-latency (decode) ones all k
    across = np.array([True, False])
    assert ep.dispatch_copies(4.0, 8.0, 0, across, False).tolist() == pytest.approx([4 * (1 - 0.75**8), 8.0])
    assert ep.dispatch_copies(16.0, 8.0, 4, across, False).tolist() == [4.0, 8.0]  # node-limited routing
    assert ep.dispatch_copies(16.0, 8.0, 4, across, True).tolist() == [8.0, 8.0]


def test_two_micro_batches_hide_the_alltoall_behind_the_other_kernels_only():
    # routed experts 10 ms + max(other kernels 6 ms, all-to-all 4 ms) = 16 ms; with a 9 ms all-to-all 19 ms
    got = ep.two_micro_batch_seconds(np.array([0.010, 0.010]), np.array([0.006, 0.006]), np.array([0.004, 0.009]))
    assert got.tolist() == pytest.approx([0.016, 0.019])
    # no all-to-all: the plain sum of the kernels
    assert float(ep.two_micro_batch_seconds(0.010, 0.006, 0.0)) == pytest.approx(0.016)


def test_non_overlapped_share():
    serial, hidden = ep.non_overlapped_alltoall(np.array(10.0), 0.3)
    assert (float(serial), float(hidden)) == pytest.approx((7.0, 3.0))


def test_moe_fixed_time_counts_every_moe_layer():
    assert kernels.moe_fixed_seconds(58, 48.0) == pytest.approx(58 * 48e-6)
    assert kernels.kernel_params(Efficiency(moe_layer_latency_us=48)).moe_layer_latency_us == 48


def test_moe_layer_latency_adds_to_a_moe_step_only():
    # DeepSeek-V3 has 58 MoE layers: 10 us each adds 0.58 ms to every decode step; a dense model is untouched
    import dataclasses

    from costmodel import Scenario, estimate

    def step(model, latency):
        s = Scenario(model=model, gpu="h200", gpus=8, tensor_parallel=8, weight_bits=8, concurrency=16,
                     prompt_tokens=1024, output_tokens=1024)
        eff = dict(CAT.efficiency)
        eff["hopper"] = eff["hopper"].model_copy(update={"moe_layer_latency_us": latency})
        return estimate(s, catalog=dataclasses.replace(CAT, efficiency=eff)).decode_step_seconds

    assert step("deepseek-v3", 10.0) - step("deepseek-v3", 0.0) == pytest.approx(58 * 10e-6, rel=1e-9)
    assert step("llama-3.1-70b", 10.0) == step("llama-3.1-70b", 0.0)


def test_narrow_head_factor_interpolates_from_64_to_128():
    # AIConfigurator vLLM 0.24 FA3 tables: head dim 64 at 0.75 (prefill) / 0.93 (decode) of head dim 128
    assert kernels.head_dim_attention_efficiency(64, False, 0.75, 0.93) == 0.75
    assert kernels.head_dim_attention_efficiency(64, True, 0.75, 0.93) == 0.93
    assert kernels.head_dim_attention_efficiency(32, False, 0.75, 0.93) == 0.75  # not measured below 64
    assert kernels.head_dim_attention_efficiency(96, False, 0.75, 0.93) == pytest.approx(0.875)
    assert kernels.head_dim_attention_efficiency(128, False, 0.75, 0.93) == 1.0
    assert kernels.head_dim_attention_efficiency(256, True, 0.75, 0.93) == 1.0


def test_narrow_heads_slow_attention_of_head_dim_64_models_only():
    # gpt-oss (head dim 64): a long prefill's attention time grows by 1 / 0.75 with the factor on, so the
    # prefill is slower; Llama-3.1-70B (head dim 128) and DeepSeek-V3 (latent attention) are untouched
    import dataclasses

    from costmodel import Scenario, estimate

    def prefill(model, gpus, factor):
        s = Scenario(model=model, gpu="h100-sxm", gpus=gpus, tensor_parallel=gpus, concurrency=8,
                     prompt_tokens=32000, output_tokens=100)
        eff = dict(CAT.efficiency)
        eff["hopper"] = eff["hopper"].model_copy(update={"narrow_head_prefill_attention_efficiency": factor,
                                                         "narrow_head_decode_attention_efficiency": factor})
        r = estimate(s, catalog=dataclasses.replace(CAT, efficiency=eff))
        return r.prefill_seconds_per_request, r.decode_step_seconds

    slow, fast = prefill("gpt-oss-120b", 1, 0.75), prefill("gpt-oss-120b", 1, 1.0)
    assert slow[0] > fast[0] * 1.05 and slow[1] >= fast[1]
    assert prefill("llama-3.1-70b", 8, 0.75) == prefill("llama-3.1-70b", 8, 1.0)
    assert prefill("deepseek-v3", 8, 0.75) == prefill("deepseek-v3", 8, 1.0)


def test_experts_only_four_bit_checkpoints_keep_attention_at_the_released_precision():
    # DeepSeek (released FP8) keeps 8 bits beside 4-bit experts; gpt-oss (released with MXFP4 experts) keeps
    # BF16; a dense model's 4-bit release quantises every linear layer; 8-bit weights are untouched
    bits = np.array([4.0, 8.0, 16.0])
    assert kernels.kept_precision_bits(CAT.model("deepseek-v3"), bits).tolist() == [8.0, 8.0, 16.0]
    assert kernels.kept_precision_bits(CAT.model("gpt-oss-120b"), bits).tolist() == [16.0, 8.0, 16.0]
    assert kernels.kept_precision_bits(CAT.model("llama-3.1-70b"), bits).tolist() == [4.0, 8.0, 16.0]


def test_kept_matmul_params_are_attention_shared_experts_and_lm_head():
    # DeepSeek-V3 per layer: q 7168x1536 + 1536x128x192, kv_a 7168x576, kv_b 512x128x256, o 128x128x7168
    # = 187,105,280; x 61 layers, + 58 shared experts of 3x7168x2048, + the 129,280 x 7168 LM head
    attention = 7168 * 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 * 128 * 256 + 128 * 128 * 7168
    assert attention == 187_105_280
    want = 61 * attention + 58 * 3 * 7168 * 2048 + 129_280 * 7168
    assert kernels.kept_matmul_params(CAT.model("deepseek-v3")) == pytest.approx(want) == pytest.approx(14_894_432_256)
    assert kernels.kept_matmul_params(CAT.model("llama-3.1-70b")) == 0.0


def test_kept_precision_slowdown_is_the_ratio_of_peaks():
    from costmodel.engine.rates import kept_precision_slowdown

    # GB300: 15,000 dense FP4 TFLOP/s against 5,000 FP8 -> FP8 products take 3x as long
    assert float(kept_precision_slowdown(CAT.gpu("gb300"), None, np.array(4.0), np.array(8.0))) == pytest.approx(3.0)
    # H100: 4-bit experts run w4a16 (bf16), so BF16 attention runs at the same peak
    assert float(kept_precision_slowdown(CAT.gpu("h100-sxm"), None, np.array(4.0), np.array(16.0))) == 1.0
    # a scenario that fixes the compute precision runs every product at it
    assert kept_precision_slowdown(CAT.gpu("gb300"), "fp4", np.array(4.0), np.array(8.0)) == 1.0


def test_kept_precision_slows_a_four_bit_deepseek_prefill_on_blackwell_ultra():
    # the weights carry kept x (3 - 1) extra parameters' time on GB300 at 4 bits, none at 8 bits; the prefill
    # time is longer than with every product at FP4 (compute_dtype fixed), by over the 25% checked here: 1.29x
    # since Blackwell's prefill MFU refitted 0.45 -> 0.50 (docs/cost-model.md section 7, ninth round), which
    # shrinks both compute terms while the serial communication and fixed kernel time stay (1.3x+ before)
    from costmodel import Scenario, estimate
    from costmodel.engine import roofline

    model, gpu = CAT.model("deepseek-v3"), CAT.gpu("gb300")
    w = memory_plan.with_kept_precision(model, gpu, None, np.array(4.0),
                                     roofline.model_weights(model, np.array(256.0), np.array(8.0), np.array(4.0)))
    assert float(w.kept_extra_matmul_params) == pytest.approx(2 * 14_894_432_256)
    w8 = memory_plan.with_kept_precision(model, gpu, None, np.array(8.0),
                                      roofline.model_weights(model, np.array(256.0), np.array(8.0), np.array(8.0)))
    assert w8.kept_extra_matmul_params == 0.0
    s = Scenario(model="deepseek-v3", gpu="gb300", gpus=4, tensor_parallel=4, weight_bits=4, prompt_tokens=2048,
                 output_tokens=1)
    fp4 = estimate(s).prefill_seconds_per_request
    forced = estimate(s.model_copy(update={"compute_dtype": "fp4"}))
    assert fp4 > forced.prefill_seconds_per_request * 1.25
