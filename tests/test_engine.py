"""Hand-checked physics of the cost engine: every expected value is computed here from the formula."""

import math

import numpy as np
import pytest

from costmodel import CostModelError, Scenario, estimate, estimate_arrays, load_catalog, sweep
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
    weights = float(m._always_read_params(0)) * 2
    kv = float(m.kv_bytes_for_context(1000 + 100, 16))
    mem = (weights + kv) / (gpu.memory_bandwidth_bytes_s * eff.decode_mbu)
    assert r.decode_bound == "memory"
    expected = mem + eff.step_overhead_ms / 1e3 + eff.per_sequence_overhead_us / 1e6
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
