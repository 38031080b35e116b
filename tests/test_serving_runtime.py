"""The serving runtime (costmodel.engine.serving_runtime): hand-computed memory and Marlin figures."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel.catalog.loader import load_catalog
from costmodel.engine import serving_runtime as sr
from costmodel.engine.calibration_moe import stated_runtime
from costmodel.engine.inference import estimate
from costmodel.engine.kernels import KernelParams, moe_kernel_seconds
from costmodel.engine.scenario import Scenario

GIB = 2**30


def test_marlin_pads_gpt_oss_experts_to_3072_by_2944():
    assert sr.marlin_padded_expert_share(2880, 2880, 1) == pytest.approx(3072 * 2944 / 2880**2)  # 1.0904
    assert sr.marlin_padded_expert_share(2880, 2880, 2) == pytest.approx(3072 / 2880 * 1536 / 1440)  # 1.1378
    assert sr.marlin_padded_expert_share(4096, 2048, 1) == 1.0  # aligned shapes are not padded


def test_marlin_layout_matches_vllm_load_log_65_97_gib():
    """vllm-project/vllm#23278 (v0.10.1, Marlin, one H100): 'Model loading took 65.9651 GiB'."""
    model = load_catalog().model("gpt-oss-120b")
    released = 65.15e9  # the engine's released-checkpoint bytes (sixth round)
    experts = model.moe_layers * model.num_experts * model.params_per_expert * 0.53125
    padded = released + experts * (sr.marlin_padded_expert_share(model.hidden_size, model.moe_intermediate_size, 1)
                                   - 1)
    assert padded / GIB == pytest.approx(65.97, rel=0.01)


def test_device_memory_in_gib_and_reserve():
    vllm = sr.RUNTIMES["vllm-0.10"]
    assert sr.device_memory_bytes(80, None) == 80e9
    assert sr.device_memory_bytes(80, vllm) / GIB == pytest.approx(79.2)  # PyTorch: H100 total 79.19 GiB
    assert 0.90 * sr.device_memory_bytes(80, vllm) == pytest.approx(76.53e9, rel=1e-3)
    # sampler logits 1,024 x 201,088 fp32 = 0.824 GB, plus the 2.7 GB workspace
    assert sr.runtime_reserve_bytes(vllm, 1024, 201_088) == pytest.approx(1024 * 201_088 * 4 + 2.7e9)
    assert sr.runtime_reserve_bytes(None, 1024, 201_088) == 0.0


def test_gpt_oss_120b_tp1_holds_the_little_law_batch():
    """GPUStack's TP1 4,000/200 run: 3.45 requests/s x (134 tokens x 31.7 ms) ~ 15 requests decoding."""
    kw = dict(model="gpt-oss-120b", gpu="h100-sxm", gpus=1, tensor_parallel=1, weight_bits=4, prompt_tokens=4000,
              output_tokens=200, max_batch_size=1024, max_num_tokens=8192)
    runtime = estimate(Scenario(**kw, serving_runtime="vllm-0.10"))
    generic = estimate(Scenario(**kw))
    assert 12 <= runtime.max_concurrency <= 17
    assert generic.max_concurrency == 42  # the decimal 80 GB x 0.90 less 65.15 GB (sixth round)
    # Marlin's 240 TFLOP/s plateau slows the packed prefill against the engine's grouped GEMM
    assert runtime.prefill_tokens_per_second < 0.8 * generic.prefill_tokens_per_second


def test_later_vllm_has_no_marlin_and_generic_is_unchanged():
    kw = dict(model="gpt-oss-120b", gpu="h100-sxm", gpus=2, tensor_parallel=2, weight_bits=4, prompt_tokens=2000,
              output_tokens=100)
    later = estimate(Scenario(**kw, serving_runtime="vllm"))
    generic = estimate(Scenario(**kw))
    assert later.prefill_tokens_per_second == pytest.approx(generic.prefill_tokens_per_second)
    assert later.max_concurrency > generic.max_concurrency  # 2 x 85.03 GB x 0.9 less the reserve > 2 x 72 GB
    assert estimate(Scenario(**kw, serving_runtime=None)).output_tokens_per_second == generic.output_tokens_per_second


def test_marlin_rate_curve_hand_computed():
    kernel = KernelParams(moe_kernel_peak_flops=0.243 * 989.4e12, moe_kernel_half_rows=9.0)
    flops = np.asarray(1e12)
    # 256 rows per expert: 0.243 x 989.4 x 256/265 = 232 TFLOP/s -> 4.30 ms per TFLOP on one GPU
    assert moe_kernel_seconds(flops, np.asarray(256.0), np.asarray(1.0), kernel) == pytest.approx(
        1e12 / (0.243 * 989.4e12 * 256 / 265))
    assert moe_kernel_seconds(flops, np.asarray(9.0), np.asarray(2.0), kernel) == pytest.approx(
        1e12 / (2 * 0.243 * 989.4e12 * 0.5))
    assert moe_kernel_seconds(flops, np.asarray(9.0), np.asarray(1.0), KernelParams()) == 0.0


@pytest.mark.parametrize(("framework", "runtime"), [
    ("vLLM v0.10.2 (--async-scheduling, TP1)", "vllm-0.10"),
    ("vLLM v0.11.0 (--async-scheduling, 1 GPU)", "vllm-0.10"),
    ("vLLM v0.21.0 (vllm/vllm-openai:v0.21.0), single node", None),
    ("vLLM 0.9.0.2.dev108+g71faa1880.d20250730.rocm641", None),
    ("vLLM (single node)", None),
])
def test_stated_runtime_routes_the_vllm_0_10_rows(framework, runtime):
    assert stated_runtime("vllm", framework) == runtime
    assert stated_runtime("trtllm", framework) is None
    assert sr.vllm_runtime_for_version((0, 11, 1)) == "vllm"
