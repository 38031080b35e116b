"""Hand-checked physics of the cost engine: every expected value is computed here from the formula."""

import math

import numpy as np
import pytest

from costmodel import CostModelError, Scenario, estimate, estimate_arrays, load_catalog, sweep
from costmodel.engine import attention, batching, communication, decode, memory_plan, money, prefill, rates
from costmodel.engine.memory import weight_bytes_per_param

CAT = load_catalog()


def test_kv_bytes_per_token_hand_checked():
    # 2 (K and V) x layers x kv_heads x head_dim x 2 bytes
    assert estimate(Scenario(model="llama-3.1-70b", gpu="h100-sxm")).kv_bytes_per_token == 2 * 80 * 8 * 128 * 2 == 327_680
    assert estimate(Scenario(model="llama-3.1-8b", gpu="h100-sxm")).kv_bytes_per_token == 2 * 32 * 8 * 128 * 2 == 131_072
    # MLA: layers x (latent 512 + rope key 64) x 2 bytes
    ds = estimate(Scenario(model="deepseek-v3", gpu="h800", gpus=16))
    assert ds.kv_bytes_per_token == 61 * (512 + 64) * 2 == 70_272
    assert estimate(Scenario(model="llama-3.1-8b", gpu="h100-sxm", kv_bits=8)).kv_bytes_per_token == 65_536


def test_weight_bytes_include_quantisation_scales():
    p = float(CAT.model("llama-3.1-70b").total_params())
    for bits, per_param in [(16, 2.0), (8, 1.0 * (1 + 16 / (128 * 8))), (4, 0.5 * (1 + 16 / (128 * 4)))]:
        r = estimate(Scenario(model="llama-3.1-70b", gpu="h100-sxm", weight_bits=bits))
        assert r.weights_bytes == pytest.approx(p * per_param, rel=1e-12)
    assert float(weight_bytes_per_param(4)) / 0.5 - 1 == pytest.approx(0.03125)  # ~3% at 4 bits


def test_a_released_mxfp4_checkpoint_counts_its_own_scales_and_its_bf16_tables():
    # gpt-oss-120b served as released: MXFP4 experts at 4 + 8/32 = 4.25 bits (OCP MX v1.0), the attention
    # (36 x 26,542,080), the LM head and the input embedding (201,088 x 2,880 each) at bf16:
    # 116,789,048,640 x 0.53125 + (36 x 26,542,080 + 2 x 579,133,440) x (2 - 0.53125) = 65.149e9 bytes,
    # within 0.2% of the checkpoint's 65.24e9 (experts' biases and sinks not modelled); 62.50e9 before
    # (generic group-128 scales, the input embedding at 4 bits)
    from costmodel.engine.memory import released_weight_bytes_per_param

    assert float(released_weight_bytes_per_param(4, 4, 32, 8)) == 0.53125
    assert float(released_weight_bytes_per_param(8, 4, 32, 8)) == float(weight_bytes_per_param(8))  # a requantisation
    assert float(released_weight_bytes_per_param(4, 4, 0, 0)) == float(weight_bytes_per_param(4))  # no format stated
    want = 116_789_048_640 * 0.53125 + (36 * 26_542_080 + 2 * 579_133_440) * (2 - 0.53125)
    assert want == pytest.approx(65_148_799_050)
    r = estimate(Scenario(model="gpt-oss-120b", gpu="h100-sxm", weight_bits=4))
    assert r.weights_bytes == pytest.approx(want, rel=1e-12)
    # a model without a stated format keeps the generic scales (Llama above), and 8-bit gpt-oss is not MXFP4
    r8 = estimate(Scenario(model="gpt-oss-120b", gpu="h100-sxm", weight_bits=8))
    assert r8.weights_bytes == pytest.approx(116_789_048_640 * float(weight_bytes_per_param(8)), rel=1e-12)


@pytest.mark.parametrize(
    ("model", "batch", "expected"),
    [
        ("mixtral-8x7b", 1, 2.0),  # k at batch 1
        ("mixtral-8x7b", 2, 8 * (1 - (6 / 8) ** 2)),  # 3.5
        ("mixtral-8x7b", 512, 8.0),  # all experts at large batch
        ("deepseek-v3", 1, 8.0),
        ("deepseek-v3", 32, 256 * (1 - (248 / 256) ** 32)),  # about 163.5
    ],
)
def test_expected_experts_touched(model, batch, expected):
    s = Scenario(model=model, gpu="h200", gpus=8 if model == "deepseek-v3" else 1, weight_bits=8,
                 tensor_parallel=8 if model == "deepseek-v3" else 1, prompt_tokens=128, output_tokens=16,
                 concurrency=batch)
    r = estimate(s)
    assert r.concurrency == batch
    assert r.experts_touched_per_layer == pytest.approx(expected, rel=1e-9)


def test_prefill_flops_are_2p_plus_causal_attention():
    m = CAT.model("llama-3.1-8b")
    n = 1000
    r = estimate(Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1, prompt_tokens=n, output_tokens=10))
    attention = 4 * 32 * 128 * (n * n / 2) * 32  # 4 h d_h per pair, n^2/2 pairs, 32 layers
    assert r.prefill_flops_per_request == pytest.approx(2 * float(m.matmul_params_per_token()) * n + attention)


def test_cached_prefix_skips_compute_but_is_attended():
    m = CAT.model("llama-3.1-8b")
    s, h = 4000, 0.75
    new, cached = s * (1 - h), s * h
    r = estimate(Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1, prompt_tokens=s, output_tokens=10,
                          cache_hit_rate=h))
    attention = 4 * 32 * 128 * (new * cached + new * new / 2) * 32
    assert r.prefill_flops_per_request == pytest.approx(2 * float(m.matmul_params_per_token()) * new + attention)


def test_decode_step_at_batch_one_is_the_weight_read():
    m = CAT.model("llama-3.1-8b")
    gpu = CAT.gpu("h100-sxm")
    eff = CAT.efficiency_for(gpu)
    s = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1, prompt_tokens=1000, output_tokens=200,
                 concurrency=1)
    r = estimate(s)
    weights = float(m.always_read_params(0)) * 2
    kv = float(m.kv_bytes_for_context(1000 + 100, 16))
    mem = (weights + kv) / (gpu.memory_bandwidth_bytes_s * eff.decode_mbu)
    assert r.decode_bound == "memory"
    kernels = eff.kernels_per_layer * m.num_layers * eff.kernel_latency_us / 1e6  # fixed time per kernel
    expected = mem + eff.step_overhead_ms / 1e3 + kernels + eff.per_sequence_overhead_us / 1e6
    assert r.decode_step_seconds == pytest.approx(expected, rel=1e-9)
    assert r.tpot_seconds == pytest.approx(expected)


def test_money_decomposes_exactly_into_token_classes():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, weight_bits=8, kv_bits=8, prompt_tokens=4096,
                 output_tokens=512, cache_hit_rate=0.5, concurrency=64)
    r = estimate(s)
    by_class = (2048 * r.usd_per_million_input_tokens + 2048 * r.usd_per_million_cached_input_tokens
                + 512 * r.usd_per_million_output_tokens) / 1e6
    assert by_class == pytest.approx(r.usd_per_request, rel=1e-9)
    assert r.usd_per_request == pytest.approx(r.gpu_seconds_per_request * r.gpu_hourly_usd / 3600)
    assert r.usd_per_million_cached_input_tokens < r.usd_per_million_input_tokens


def test_gpu_price_scales_money_only():
    base = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1)
    a, b = estimate(base), estimate(base.model_copy(update={"gpu_hourly_usd": 2 * CAT.gpu("h100-sxm").hourly_usd}))
    assert b.usd_per_request == pytest.approx(2 * a.usd_per_request)
    assert b.output_tokens_per_second == a.output_tokens_per_second


def test_speculative_decoding_tokens_per_step_leviathan_eq1():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=4, concurrency=1, spec_draft_tokens=4,
                 spec_acceptance=0.8)
    r = estimate(s)
    assert r.spec_tokens_per_step == pytest.approx((1 - 0.8**5) / (1 - 0.8))
    plain = estimate(s.model_copy(update={"spec_draft_tokens": 0}))
    assert r.tpot_seconds < plain.tpot_seconds  # memory-bound batch 1: drafting pays
    # at a large compute-bound batch, verifying 5 tokens per sequence costs more than it saves
    big = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1, concurrency=1024, prompt_tokens=128,
                   output_tokens=128, spec_draft_tokens=4, spec_acceptance=0.5)
    assert estimate(big).decode_tokens_per_second < estimate(big.model_copy(update={"spec_draft_tokens": 0})).decode_tokens_per_second


def test_paged_kv_fits_the_inverse_of_the_waste_more_requests():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, tensor_parallel=8, prompt_tokens=2048,
                 max_batch_size=100_000, max_num_tokens=1_000_000)
    paged, unpaged = estimate(s), estimate(s.model_copy(update={"paged_kv": False}))
    eff = CAT.efficiency_for(CAT.gpu("h100-sxm"))
    ratio = paged.max_concurrency / unpaged.max_concurrency
    assert ratio == pytest.approx(eff.paged_kv_utilization / eff.unpaged_kv_utilization, rel=0.02)


def test_without_flash_attention_long_prompts_do_not_fit():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, prompt_tokens=100_000, output_tokens=100)
    assert estimate(s).fits
    no_fa = estimate(s.model_copy(update={"flash_attention": False}))
    assert not no_fa.fits  # 64 heads x 100k^2 scores x 4 bytes = 2.6 TB
    short = s.model_copy(update={"prompt_tokens": 1000, "flash_attention": False})
    assert estimate(short).ttft_seconds > estimate(short.model_copy(update={"flash_attention": True})).ttft_seconds


def test_sliding_window_layers_hold_only_the_window():
    m = CAT.model("gpt-oss-120b")
    ctx = 10_000
    per_layer = float(m.kv_bytes_per_token_per_layer(16))
    expected = (m.full_attention_layers * ctx + m.sliding_window_layers * m.sliding_window) * per_layer
    assert float(m.kv_bytes_for_context(ctx, 16)) == pytest.approx(expected)


def test_model_that_does_not_fit_is_a_result():
    r = estimate(Scenario(model="llama-3.1-405b", gpu="l4", gpus=1))
    assert r.fits is False and r.max_concurrency == 0
    assert math.isfinite(r.usd_per_request) and r.usd_per_request > 0


def test_planner_picks_the_cheapest_tensor_parallel_plan():
    r = estimate(Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, weight_bits=16))
    plans = {t: estimate(Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, tensor_parallel=t)) for t in (2, 4, 8)}
    assert r.usd_per_request == pytest.approx(min(p.usd_per_request for p in plans.values()))
    assert r.max_concurrency == max(p.max_concurrency for p in plans.values())
    assert r.replicas == 8 // r.tensor_parallel
    r8 = estimate(Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=8))
    assert r8.tensor_parallel == 1 and r8.replicas == 8  # eight copies of a small model beat one sharded copy


def test_experts_overrides_follow_the_issue_semantics():
    m = CAT.model("mixtral-8x7b")
    base = estimate(Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=2))
    top1 = estimate(Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=2, experts_active=1))
    assert top1.total_params == base.total_params  # top-k changes active only
    assert base.active_params - top1.active_params == pytest.approx(m.moe_layers * m.params_per_expert)
    more = estimate(Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=2, experts_total=16))
    assert more.total_params - base.total_params == pytest.approx(
        8 * m.moe_layers * m.params_per_expert + 8 * m.moe_layers * m.hidden_size)  # experts + router columns
    assert more.active_params - base.active_params == pytest.approx(8 * m.moe_layers * m.hidden_size)
    with pytest.raises(CostModelError, match="dense"):
        estimate(Scenario(model="llama-3.1-8b", gpu="h100-sxm", experts_active=2))


def test_estimate_arrays_matches_scalar_estimates():
    s = Scenario(model="mixtral-8x7b", gpu="h200", gpus=4, weight_bits=8)
    prompts = np.array([128, 2048, 32_768])
    hits = np.array([0.0, 0.5, 0.9])
    arr = estimate_arrays(s, prompt_tokens=prompts, cache_hit_rate=hits, concurrency=np.array(["max", 16, 1], dtype=object))
    for i, (p, h, c) in enumerate(zip(prompts, hits, ["max", 16, 1], strict=True)):
        one = estimate(s.model_copy(update={"prompt_tokens": int(p), "cache_hit_rate": float(h), "concurrency": c}))
        assert arr["usd_per_request"][i] == pytest.approx(one.usd_per_request, rel=1e-12)
        assert arr["max_concurrency"][i] == one.max_concurrency


def test_sweep_is_a_cartesian_product_with_axes_as_columns():
    df = sweep(Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1), prompt_tokens=[100, 1000, 10_000],
               cache_hit_rate=[0, 0.5], concurrency=["max", 8])
    assert len(df) == 12
    assert {"prompt_tokens", "cache_hit_rate", "concurrency", "usd_per_request", "fits"} <= set(df.columns)
    assert df.groupby("prompt_tokens").size().to_dict() == {100: 4, 1000: 4, 10_000: 4}


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ({"cache_hit_rate": [0.1, 1.5]}, "cache_hit_rate"),
        ({"prompt_tokens": [0]}, "prompt_tokens"),
        ({"weight_bits": [3]}, "weight_bits"),
        ({"gpu": ["h100-sxm"]}, "not a numeric"),
        ({"gpus": [np.nan]}, "non-finite"),
    ],
)
def test_sweep_rejects_bad_axes_with_a_clear_message(axes, message):
    with pytest.raises(CostModelError, match=message):
        sweep(Scenario(model="llama-3.1-8b", gpu="h100-sxm"), **axes)


# --------------------------------------------------------------------------- the physics steps, called directly

H100 = CAT.gpu("h100-sxm")
H100_EFF = CAT.efficiency_for(H100)


def _net(gpu, tp, dtype_code=0, dp=False, comm_eff=0.7, latency_us=8.0):
    tp = np.asarray(float(tp))
    return communication.interconnect(gpu, tp, np.asarray(comm_eff), latency_us, np.asarray(dp), np.asarray(dtype_code))


def test_ring_allreduce_sends_two_t_minus_one_over_t():
    assert communication.ring_allreduce_factor(np.array([1.0, 2, 4, 8])).tolist() == [0.0, 1.0, 1.5, 1.75]


def test_allreduce_seconds_hand_computed():
    m = CAT.model("llama-3.1-70b")  # 80 layers, each attention + dense FFN: 160 all-reduces per step
    tokens = 64.0
    link = 450e9 * 0.7  # H100 NVLink one way x comm efficiency
    expected = 160 * (1.75 * tokens * 8192 * 2 / link + 8e-6)
    assert float(communication.allreduce_seconds(m, _net(H100, 8), tokens)) == pytest.approx(expected, rel=1e-12)
    assert float(communication.allreduce_seconds(m, _net(H100, 1), tokens)) == 0.0
    serial, overlapped = communication.communication_seconds(m, _net(H100, 8), tokens, 0.0)
    assert float(serial) == pytest.approx(expected, rel=1e-12) and overlapped == 0.0


def test_alltoall_across_nodes_sends_one_copy_per_node():
    m = CAT.model("deepseek-v3")  # 58 MoE layers, d = 7168, top-8 limited to 4 nodes
    h800 = CAT.gpu("h800")
    tokens = 256.0
    net = _net(h800, 16, dtype_code=1)  # fp8 matrices: dispatch 1 byte, combine 2 bytes
    link = 50e9 * 0.7  # beyond the 8-GPU NVLink domain: the 400 Gb/s NIC, one way
    # 16 GPUs = 2 nodes: a token's 8 experts lie on 2 (1 - 0.5^8) nodes on average (DeepEP: one copy
    # per target node), below the 4-node limit.
    exchanged = tokens * 2 * (1 - 0.5**8) * 7168 * (1 + 2) * 15 / 16
    expected = 58 * (exchanged / (16 * link) + 2 * 8e-6)
    assert float(communication.alltoall_seconds(m, net, tokens, 8.0)) == pytest.approx(expected, rel=1e-12)
    # Under data-parallel attention it overlaps with compute and there is no all-reduce.
    serial, overlapped = communication.communication_seconds(m, _net(h800, 16, 1, dp=True), tokens, 8.0)
    assert float(serial) == 0.0 and float(overlapped) == pytest.approx(expected, rel=1e-12)


def test_without_two_micro_batches_the_alltoall_across_nodes_stays_on_the_step():
    share = communication.hidden_alltoall_share
    # two micro-batches across nodes hide it all; inside a node, or without them, the engine's own share
    assert share(np.array([True, False]), True, 0.0).tolist() == [1.0, 0.0]
    assert share(np.array([True, False]), False, 0.5).tolist() == [0.5, 0.5]
    m, h800, tokens = CAT.model("deepseek-v3"), CAT.gpu("h800"), 256.0
    tp, dp = np.asarray(16.0), np.asarray(True)
    net = communication.interconnect(h800, tp, np.asarray(0.7), 8.0, dp, np.asarray(1), two_batch_overlap=False)
    alltoall = float(communication.alltoall_seconds(m, net, tokens, 8.0))
    serial, overlapped = communication.communication_seconds(m, net, tokens, 8.0, overlap=0.0)
    assert float(serial) == pytest.approx(alltoall, rel=1e-12) and float(overlapped) == 0.0
    serial, overlapped = communication.communication_seconds(m, net, tokens, 8.0, overlap=0.5)
    assert float(serial) == pytest.approx(alltoall / 2, rel=1e-12) == pytest.approx(float(overlapped), rel=1e-12)


def test_experts_touched_runs_from_k_to_all():
    assert float(decode.experts_touched(8.0, 2.0, 1.0)) == pytest.approx(2.0)
    assert float(decode.experts_touched(8.0, 2.0, 2.0)) == pytest.approx(8 * (1 - 0.75**2))  # 3.5
    assert float(decode.experts_touched(8.0, 2.0, 1e4)) == pytest.approx(8.0)


def test_speculative_tokens_per_step_is_leviathan_eq_1():
    got = decode.speculative_tokens_per_step(np.array([0.0, 3.0]), np.array([0.5, 0.5]))
    assert got.tolist() == [1.0, (1 - 0.5**4) / 0.5]  # 1.875
    verify, plain = np.array([0.02, 0.03]), np.array([0.01, 0.01])
    steps = decode.speculative_step_seconds(verify, plain, np.array([0.0, 3.0]), np.array([0.05, 0.05]))
    assert steps.tolist() == pytest.approx([0.02, 0.03 + 3 * 0.05 * 0.01])


def _llama8b_replica(tp=1.0, gpus=1.0):
    m = CAT.model("llama-3.1-8b")
    w = memory_plan.model_weights(m, np.asarray(0.0), np.asarray(0.0), np.asarray(16.0))
    layout = memory_plan.replica_layout(m, np.asarray(gpus), np.asarray(tp))
    r = rates.replica_rates(layout.tensor_parallel, np.asarray(989e12), 989e12, H100.memory_bandwidth_bytes_s,
                            0.5, 0.5, 0.8, 1.0)
    return m, w, layout, r, _net(H100, tp)


def test_decode_step_at_batch_one_is_weight_bytes_over_bandwidth_plus_overhead():
    m, w, layout, r, net = _llama8b_replica()
    kv = float(m.kv_bytes_for_context(1100, 16))
    step = decode.decode_step(
        m, w, layout, r, net, batch=np.asarray(1.0), tokens_per_sequence=1.0, experts_total=0.0,
        experts_active=0.0, attention_flops_per_token=np.asarray(4.0 * 32 * 128 * 32 * 1100),
        kv_bytes_per_request=np.asarray(kv), moe_gemm_min_tokens=16.0, step_overhead_s=1e-3,
        per_sequence_overhead_s=10e-6,
    )
    weight_bytes = float(m.always_read_params(0)) * 2
    bandwidth = 3.35e12 * 0.8
    assert float(step.seconds) == pytest.approx((weight_bytes + kv) / bandwidth + 1e-3 + 10e-6, rel=1e-12)
    assert float(step.bytes) == pytest.approx(weight_bytes + kv)
    assert float(step.memory_seconds) > float(step.compute_seconds)  # batch 1: memory-bound


def test_memory_plan_hand_computed():
    m, w, layout, _, _ = _llama8b_replica(tp=2.0, gpus=5.0)
    assert float(layout.tensor_parallel) == 2.0 and float(layout.replicas) == 2.0  # floor(5 / 2)
    assert float(layout.kv_copies) == 1.0  # 8 KV heads split over 2 GPUs: no copies
    free = memory_plan.free_kv_bytes(layout, w, 80e9, np.asarray(0.9), 0.0)
    assert float(free) == pytest.approx(2 * 80e9 * 0.9 - float(m.total_params()) * 2)
    fits = memory_plan.batch_that_fits(np.array([100e9, 100e9, 100e9, -1.0]), np.asarray(1e9),
                                       np.array([1024, 64, 1024, 1024]), np.array([16384, 16384, 128, 16384]), 4.0)
    assert fits.tolist() == [100.0, 64.0, 32.0, 0.0]  # memory, sequences, tokens per step / (1 + g), nothing


def test_latent_attention_layout_copies_weights_or_cache():
    m = CAT.model("deepseek-v3")
    dp = memory_plan.replica_layout(m, np.asarray(32.0), np.asarray(16.0), np.asarray(1.0))
    tp = memory_plan.replica_layout(m, np.asarray(32.0), np.asarray(16.0), np.asarray(0.0))
    assert (float(dp.replicas), float(dp.weight_copies), float(dp.kv_copies)) == (2.0, 16.0, 1.0)
    assert (float(tp.weight_copies), float(tp.kv_copies)) == (1.0, 16.0)


def test_prefill_new_tokens_and_packed_share():
    assert prefill.new_prompt_tokens(np.array([1000.0, 1000.0]), np.array([0.75, 1.0])).tolist() == [250.0, 1.0]
    m, w, layout, r, net = _llama8b_replica()
    new = np.asarray(16384.0)  # exactly one packed step: the request pays the whole step's weight reads
    pre = prefill.prefill(m, w, layout, r, net, new_tokens=new, attention_flops=np.asarray(0.0),
                          kv_bytes_per_token=np.asarray(131072.0), experts_total=0.0, experts_active=0.0,
                          max_num_tokens=np.asarray(16384.0), step_overhead_s=1e-3)
    compute = 2 * float(m.matmul_params_per_token()) * 16384 / (989e12 * 0.5)
    assert pre.compute_bound
    assert float(pre.seconds_per_request) == pytest.approx(compute + 1e-3, rel=1e-12)
    assert float(pre.ttft_seconds) == pytest.approx(compute + 1e-3, rel=1e-12)


def test_occupancy_and_continuous_batching_throughput():
    occ = batching.occupancy(np.array([0.0, 10.0, 3.0]), np.array([40.0, 40.0, 40.0]), np.array([4.0, 4.0, 4.0]))
    assert occ.concurrency.tolist() == [40.0, 10.0, 3.0]
    assert occ.busy_replicas.tolist() == [4.0, 4.0, 3.0] and occ.batch.tolist() == [10.0, 2.5, 1.0]
    one = batching.occupancy(np.asarray(0.0), np.asarray(10.0), np.asarray(1.0))
    thr = batching.continuous_batching_throughput(one, np.asarray(1.0), np.asarray(0.02), np.asarray(1.0),
                                                  np.asarray(0.1), np.asarray(1000.0), np.asarray(100.0))
    # each output token: 0.02 s / 10 sequences of decode + 0.1 s / 100 tokens of prefill = 3 ms
    assert float(thr.output_tokens_per_second) == pytest.approx(1 / 0.003)
    assert float(thr.decode_tokens_per_second) == pytest.approx(10 / 0.02)
    assert float(thr.requests_per_second) == pytest.approx(1 / 0.3)
    assert float(thr.prefill_tokens_per_second) == pytest.approx(1000 / 0.1)


def test_money_hand_computed():
    cost = money.request_cost(np.asarray(8.0), np.asarray(3.6), np.asarray(2.0))
    assert float(cost.gpu_seconds_per_request) == 4.0
    assert float(cost.usd_per_request) == pytest.approx(0.004)  # 4 GPU-s x $0.001/GPU-s
    prices = money.usd_per_million_tokens(
        gpus=np.asarray(8.0), gpu_hourly_usd=np.asarray(3.6), busy_replicas=np.asarray(2.0),
        prefill_seconds_per_request=np.asarray(0.5), prefill_flops=np.asarray(100.0),
        prefix_attention_flops_per_cached_token=np.asarray(0.02), cached_tokens=np.asarray(1000.0),
        new_tokens=np.asarray(250.0), decode_seconds_per_output_token=np.asarray(0.01),
    )
    usd_s = 8 * 0.001
    # cached tokens take 20/100 of the prefill's FLOPs; input tokens the remaining 80% over 250 tokens
    assert float(prices.usd_per_million_cached_input_tokens) == pytest.approx(usd_s * 0.5 * 0.02 / 100 / 2 * 1e6)
    assert float(prices.usd_per_million_input_tokens) == pytest.approx(usd_s * 0.5 * 0.8 / 250 / 2 * 1e6)
    assert float(prices.usd_per_million_output_tokens) == pytest.approx(usd_s * 0.01 / 2 * 1e6)


def test_attention_flops_sliding_window_and_latent_hand_computed():
    oss = CAT.model("gpt-oss-120b")  # 18 full + 18 sliding-window layers (128 tokens), 64 heads x 64
    per_pair = 4.0 * 64 * 64
    # 1000 new tokens, nothing cached: 1000^2/2 pairs per full layer, 1000 x min(128, 500) per window layer
    expected = per_pair * (18 * 500_000 + 18 * 1000 * 128)
    assert float(attention.prefill_attention_flops(oss, np.asarray(1000.0), np.asarray(0.0))) == expected
    ds = CAT.model("deepseek-v3")  # absorbed MLA at decode: 2h(d_c + d_r) + 2h d_c per pair, 61 layers
    per_pair_mla = 2.0 * 128 * (512 + 64) + 2.0 * 128 * 512
    assert float(attention.decode_attention_flops_per_token(ds, np.asarray(4096.0))) == per_pair_mla * 61 * 4096


@pytest.mark.parametrize("given", [True, False])
def test_a_stated_attention_layout_is_kept_for_latent_attention(given):
    # The planner would pick the cheaper layout per point; a stated one (a published deployment) is kept,
    # with or without a fixed group size. Grouped-query attention is always tensor-parallel.
    for tp in (8, None):
        s = Scenario(model="deepseek-v3", gpu="h200", gpus=8, tensor_parallel=tp, weight_bits=8, concurrency=4,
                     attention_data_parallel=given)
        assert bool(estimate(s).attention_data_parallel) is given
    llama = Scenario(model="llama-3.1-70b", gpu="h200", gpus=8, tensor_parallel=8, attention_data_parallel=given)
    assert bool(estimate(llama).attention_data_parallel) is False


def test_tensor_parallel_latent_attention_reads_one_copy_of_the_dense_weights_at_small_batch():
    # DeepSeek-V3 at 4 sequences on 8 H200: data-parallel attention replicates the non-expert weights on
    # every rank (8 copies read per step), tensor-parallel attention shards them: fewer bytes, shorter step
    dp, tp = (estimate(Scenario(model="deepseek-v3", gpu="h200", gpus=8, tensor_parallel=8, weight_bits=8,
                                concurrency=4, attention_data_parallel=v)) for v in (True, False))
    assert tp.decode_bytes_per_step < dp.decode_bytes_per_step
    assert tp.decode_step_seconds < dp.decode_step_seconds
