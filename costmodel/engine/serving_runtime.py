"""The serving runtime: what a named engine build adds to the physics of memory and of a MoE layer.

The rest of the engine assumes a generic runtime: the catalog's decimal memory times the utilisation is
free for weights and KV cache, and a grouped expert GEMM attains the GPU family's fitted rate. A published
figure is measured under one engine build, which differs from that in three sourced ways. Scenario field
``serving_runtime`` (None = the generic runtime, unchanged) names one of :data:`RUNTIMES`.

- **Device memory in GiB** (:func:`device_memory_bytes`). vLLM's ``gpu_memory_utilization`` is a share of
  the device's total as CUDA reports it (vllm/v1/worker/gpu_worker.py ``determine_available_memory``:
  ``requested_memory = total_gpu_memory * gpu_memory_utilization``, from ``torch.cuda.mem_get_info``), which
  is the datasheet figure read as GiB less about 1 %: H100 80 GB 79.19 GiB, H200 141 GB 139.81 GiB, B200
  178.35 GiB (PyTorch's "GPU 0 has a total capacity of ... GiB" in vllm-project/vllm#27508-era logs;
  unslothai/unsloth#3411 for B200): 0.990 / 0.992 / 0.991 of GB-as-GiB, :data:`CUDA_VISIBLE_SHARE` 0.99.
  An H100 at 0.90 has 0.90 x 79.19 GiB = 76.5 GB where the catalog's decimal 80 GB x 0.90 gives 72 GB.
- **Profiled non-KV reserve** (:func:`runtime_reserve_bytes`). Before it sizes the KV cache, vLLM runs one
  dummy forward pass at ``max_num_batched_tokens`` and one dummy sampler pass over ``max_num_seqs`` x vocab
  fp32 logits (vllm/v1/worker/gpu_model_runner.py ``profile_run`` / ``_dummy_sampler_run``), and keeps the
  peak activation memory plus the non-torch allocations (cuBLAS workspaces, NCCL buffers) out of the
  KV budget. Per GPU: the sampler's logits, max_num_seqs x vocab x 4 bytes (gpt-oss, 1,024 x 201,088:
  0.82 GB), plus a workspace. The workspace of vLLM 0.10.2 is read from GPUStack's own gpt-oss-120b TP1
  baseline runs (docs.gpustack.ai performance-lab gpt-oss-120b/h100, gpustack/gpustack @72aee9dd, ``vllm
  serve --max-model-len 32768``, utilisation at its 0.90 default). At 4,000/200 tokens: 3.45 requests/s x 133
  decoded tokens x 31.7 ms mean TPOT = 14.6 requests decoding at once (Little's law), each holding 4,200
  tokens x 36,864 bytes of full-attention KV plus 18 sliding layers x 128 tokens x 2,048 bytes (160 MB):
  2.3 GB of KV. At 32,000/100 (not a compared case): 0.50 requests/s x 98 tokens x 24.0 ms = 1.2, one
  request at a time, so the KV held one 32k sequence (1.19 GB) but not two (2.38 GB). 76.53 GB of budget less
  70.65 GB of Marlin-padded weights (below), 0.82 GB of sampler logits and 2.3 GB of KV leaves 2.7 GB,
  :data:`VLLM_WORKSPACE_BYTES` (the 32k run bounds it to 2.7-3.9 GB). vLLM's own failure logs for this model
  on one H100 imply more non-KV memory: 7.4 GiB at v0.10.1 and 0.90 (#23278: 65.97 GiB of weights, "Available
  KV cache memory: -2.14 GiB"), 7.6 GiB at 0.95 (#27508: 1.71 GiB); GPUStack's v0.10.2 runs started at 0.90,
  so theirs was below 5.3 GiB. Not resolved: how those setups differ.
  CUDA graphs are captured after the KV cache is allocated and come out of the 1 - utilisation headroom
  (vLLM 0.10-0.11: no estimate of them in the profile), so they take nothing from the KV budget here.
- **The MoE kernel's weight layout and rate** (:func:`marlin_padded_expert_share`,
  :func:`costmodel.engine.kernels.moe_kernel_seconds`). On GPUs without FP4 matrix units vLLM up to 0.11.0 runs MXFP4 experts
  through Marlin (w4a16): "Weight-only FP4 compression will be used leveraging the Marlin kernel. This may
  degrade performance for compute-heavy workloads" (the v0.10.1 log in #23278). Marlin needs n % 256 and
  k % 128 in each expert matrix (vllm/model_executor/layers/quantization/mxfp4.py: the hidden size is
  rounded up to 256, the per-partition intermediate size to 128), so gpt-oss's 2,880 x 2,880 experts are
  stored as 3,072 x 2,944, +9.0 % expert bytes: 116.79 B params at 65.15 GB become 70.65 GB (65.80 GiB;
  #23278 logs 65.97 GiB with the biases and sinks). From 0.11.1 (``triton_kernels`` a dependency,
  vllm-project/vllm#27370, merged 2025-10-22; #26582: it could not be imported under 0.11.0) the default
  Hopper path is Triton ``matmul_ogs`` (64.38 GiB in #33155, no padding). Marlin's rate: NVIDIA
  AIConfigurator 0.12's silicon tables (h100_sxm/moe/vllm/0.24.0, ``...w4a4mxfp4moe_marlin_marlinexperts``,
  balanced routing, TP1 EP1, Kimi-K3 shape 3,584 x 3,072, 896 experts top-16) are met by
  max(FLOPs / (0.243 x bf16 peak x r / (r + 9)), expert bytes / (0.8 x bandwidth)) at r routed rows per
  expert, median |log error| 2.6 % over the 14 points with r >= 4: a 240 TFLOP/s plateau where the Triton
  path of the same tables reaches 550-565 TFLOP/s on gpt-oss's own shape. The engine's grouped GEMM
  (0.7 of the family's prefill rate at many rows, ~370 TFLOP/s on Hopper) is faster than Marlin, so the
  kernel is a ceiling: a MoE layer takes the longer of the engine's time and Marlin's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.hardware import GPU
from costmodel.engine.kernels import KernelParams
from costmodel.engine.memory_plan import Layout

GIB = 2**30
"""Bytes in a GiB."""
CUDA_VISIBLE_SHARE = 0.99
"""Device total as CUDA reports it, as a share of the datasheet GB read as GiB (module docstring)."""
SAMPLER_BYTES_PER_LOGIT = 4.0
"""The dummy sampler pass's fp32 logits, bytes per (sequence x vocabulary entry)."""
VLLM_WORKSPACE_BYTES = 2.7e9
"""vLLM 0.10-0.11's profiled activation and non-torch memory per GPU beyond the sampler (module docstring:
GPUStack's gpt-oss-120b TP1 run by Little's law)."""
MARLIN_N_ALIGN = 256
"""Marlin MoE: rows of each expert matrix's output dimension are padded to a multiple of this (the hidden
size, vllm mxfp4.py)."""
MARLIN_K_ALIGN = 128
"""Marlin MoE: the per-partition intermediate size is padded to a multiple of this (vllm mxfp4.py)."""
MARLIN_MXFP4_PEAK_SHARE = 0.243  # r / (r + r_half) of it at r routed rows per expert
"""Marlin MXFP4 MoE plateau: 240 TFLOP/s of H100's 989 TFLOP/s bf16 peak (AIConfigurator fit, module
docstring)."""
MARLIN_MXFP4_HALF_ROWS = 9.0
"""Routed rows per expert at which Marlin MXFP4 reaches half its plateau (the same fit)."""


@dataclass(frozen=True, slots=True)
class ServingRuntime:
    """What one engine build changes against the generic runtime (every field sourced in the module docstring)."""

    name: str
    memory_in_gib: bool
    """``gpu_memory_utilization`` is a share of the device's total as CUDA reports it."""
    workspace_bytes: float
    """Profiled non-KV memory per GPU beyond the sampler's logits."""
    sampler_bytes_per_logit: float
    """Bytes per (max_num_seqs x vocab) entry the profiled sampler pass keeps out of the KV budget."""
    marlin_w4a16_moe: bool
    """4-bit MXFP4 experts on a GPU without FP4 units run Marlin (padded layout, its rate as a ceiling)."""


RUNTIMES: dict[str, ServingRuntime] = {
    "vllm-0.10": ServingRuntime("vllm-0.10", True, VLLM_WORKSPACE_BYTES, SAMPLER_BYTES_PER_LOGIT, True),
    "vllm": ServingRuntime("vllm", True, VLLM_WORKSPACE_BYTES, SAMPLER_BYTES_PER_LOGIT, False),
}
"""Runtime id -> its mechanisms. ``vllm-0.10``: vLLM V1 0.10.x-0.11.0 (MXFP4 MoE through Marlin on
Hopper); ``vllm``: 0.11.1 and later (Triton ``matmul_ogs``, no padding; the memory accounting is the same
code path)."""

RUNTIME_IDS: tuple[str, ...] = tuple(RUNTIMES)


def runtime_named(name: str | None) -> ServingRuntime | None:
    """The runtime of a Scenario's ``serving_runtime`` (None: the generic runtime)."""
    return None if name is None else RUNTIMES[name]


def vllm_runtime_for_version(version: tuple[int, ...] | None) -> str:
    """The runtime id of a stated vLLM version: ``vllm-0.10`` for 0.10.0-0.11.0 (Marlin MXFP4 MoE on
    Hopper), ``vllm`` otherwise (later builds, or no version stated)."""
    if version is not None and version[:2] >= (0, 10) and version < (0, 11, 1):
        return "vllm-0.10"
    return "vllm"


def device_memory_bytes(memory_gb: float, runtime: ServingRuntime | None) -> float:
    """Device memory the runtime's utilisation is a share of: the datasheet GB read as GiB x 0.99 where the
    runtime counts CUDA's total (H100 80 GB: 85.03e9 bytes, 79.2 GiB), else the catalog's decimal bytes."""
    if runtime is None or not runtime.memory_in_gib:
        return memory_gb * 1e9
    return memory_gb * GIB * CUDA_VISIBLE_SHARE


def runtime_reserve_bytes(runtime: ServingRuntime | None, max_num_seqs: np.ndarray | float,
                          vocab_size: int) -> np.ndarray | float:
    """Profiled non-KV memory per GPU: max_num_seqs x vocab x bytes per logit (the sampler pass) plus the
    workspace; 0 for the generic runtime. gpt-oss at vLLM 0.10: 1,024 x 201,088 x 4 = 0.82 GB + 2.7 GB."""
    if runtime is None:
        return 0.0
    return np.asarray(max_num_seqs, dtype=float) * vocab_size * runtime.sampler_bytes_per_logit \
        + runtime.workspace_bytes


def round_up(value: float, multiple: int) -> float:
    """``value`` rounded up to a multiple of ``multiple``."""
    return float(-(-value // multiple) * multiple)


def marlin_padded_expert_share(hidden_size: int, expert_intermediate: int,
                               tensor_parallel: np.ndarray | float) -> np.ndarray:
    """Stored / logical bytes of one expert under Marlin's layout with the intermediate split over
    ``tensor_parallel`` GPUs: hidden rounded up to 256 times the per-partition intermediate rounded up to 128,
    over hidden x per-partition intermediate (gpt-oss at TP1: 3,072 x 2,944 / 2,880^2 = 1.0904; TP2: 3,072 x
    1,536 / (2,880 x 1,440) = 1.1378)."""
    part = expert_intermediate / np.asarray(tensor_parallel, dtype=float)
    padded_part = np.ceil(part / MARLIN_K_ALIGN) * MARLIN_K_ALIGN
    return round_up(hidden_size, MARLIN_N_ALIGN) / hidden_size * padded_part / part


def runs_marlin_moe(runtime: ServingRuntime | None, is_moe: bool, native_weight_bits: int, native_scale_group: int,
                    gpu_has_fp4: bool) -> bool:
    """Whether the runtime serves the model's released MXFP4 experts through Marlin: a runtime that does
    (``marlin_w4a16_moe``), a mixture of experts released in MXFP4 (4 bits, scale block 32), a GPU without
    FP4 matrix units. Where it does, the points at 4-bit weights run Marlin (:func:`marlin_points`)."""
    return bool(runtime is not None and runtime.marlin_w4a16_moe and is_moe and native_weight_bits == 4
                and native_scale_group == 32 and not gpu_has_fp4)


def marlin_points(weight_bits: np.ndarray) -> np.ndarray:
    """1 where a point serves the released 4-bit experts (Marlin's layout and rate apply), else 0."""
    return (np.asarray(weight_bits, dtype=float) == 4).astype(float)


def runtime_kernel(kernel: KernelParams, runtime: ServingRuntime | None, model: ModelArchitecture, gpu: GPU,
                   weight_bits: np.ndarray) -> KernelParams:
    """``kernel`` with the runtime's MoE kernel ceiling where it runs Marlin (:func:`runs_marlin_moe`): per point
    at 4-bit weights, 0.243 x the bf16 peak per GPU, half of it at 9 rows per expert."""
    if not runs_marlin_moe(runtime, model.is_moe, model.native_weight_bits, model.native_scale_group,
                           gpu.supports("fp4")):
        return kernel
    return replace(kernel, moe_kernel_peak_flops=marlin_points(weight_bits) * MARLIN_MXFP4_PEAK_SHARE
                   * gpu.peak_flops("bf16"), moe_kernel_half_rows=MARLIN_MXFP4_HALF_ROWS)


def runtime_memory(runtime: ServingRuntime | None, model: ModelArchitecture, gpu: GPU, layout: Layout,
                   x: dict[str, np.ndarray], bytes_per_param: np.ndarray) -> tuple[float, np.ndarray | float]:
    """(device bytes the utilisation is a share of, bytes the runtime keeps out of a replica's KV budget): t x
    its profiled reserve per GPU (sampler logits at ``max_batch_size`` sequences, workspace) plus, where it runs
    Marlin MoE, the padding of the routed experts' bytes (:func:`marlin_padded_expert_share`; expert-parallel
    ranks hold whole experts). The generic runtime: the catalog's decimal bytes and 0."""
    device = device_memory_bytes(gpu.memory_gb, runtime)
    if runtime is None:
        return device, 0.0
    reserve = layout.tensor_parallel * runtime_reserve_bytes(runtime, x["max_batch_size"], model.vocab_size)
    if not runs_marlin_moe(runtime, model.is_moe, model.native_weight_bits, model.native_scale_group,
                           gpu.supports("fp4")):
        return device, reserve
    expert_bytes = model.moe_layers * x["experts_total"] * model.params_per_expert * bytes_per_param
    ep = np.where(layout.attention_data_parallel, layout.tensor_parallel, 1.0)
    share = marlin_padded_expert_share(model.hidden_size, model.moe_intermediate_size, layout.tensor_parallel / ep)
    return device, reserve + marlin_points(x["weight_bits"]) * expert_bytes * (share - 1.0)
