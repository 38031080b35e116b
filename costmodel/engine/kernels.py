"""Kernel efficiency as a function of shape and precision: what a GEMM, a grouped expert GEMM and an
attention kernel attain of the roofline, per GPU family.

A serving step is not one big matrix product: it is hundreds of kernels, many of them skinny
(few tokens) or small (per-GPU matrices after sharding). Each function below is a named mechanism
with its source; their parameters live in ``data/efficiency.yaml`` (fields of
:class:`costmodel.catalog.efficiency.Efficiency`) and were checked against NVIDIA AIConfigurator's
silicon-measured kernel tables (``benchmarks/aiconfigurator_oracle.py``).

- **Tile occupancy** (``gemm_compute_efficiency``): a GEMM of m rows fills the matrix units only
  when m covers the tile (CUTLASS/cuBLAS tiles are 64-256 rows) and enough tiles exist to fill
  every SM (wave quantisation); attained compute rises as m / (m + m_half). NVIDIA, "Matrix
  Multiplication Background User's Guide" (docs.nvidia.com/deeplearning/performance), sections
  on tile and wave quantisation.
- **Fixed cost per kernel** (``kernel_fixed_seconds``): every kernel pays a latency to ramp up the
  memory pipeline and drain its last wave, a few microseconds even under CUDA graphs. Skinny
  decode GEMMs on sharded matrices (Llama-3.1-70B at TP8: 1-16 MB per GPU) spend most of their time
  there: AIConfigurator measures them at 17-47% of the bandwidth roofline (issue 11).
- **Fixed time per MoE layer** (``moe_fixed_seconds``): a MoE layer is more than its two grouped GEMMs:
  top-k routing, the token permutation (align/sort), the activation and the weighted un-permutation
  are kernels of their own, so at a few tokens a MoE layer takes tens of microseconds whatever it
  reads. AIConfigurator's silicon-measured MoE tables (TensorRT-LLM, vLLM and SGLang; DeepSeek-V3,
  gpt-oss and Mixtral shapes; <= 8 tokens) sit a median 46-51 us per layer above this engine's
  roofline on H100/H200 and 3-5 us on B200/GB200 (``benchmarks/aiconfigurator_oracle.py``).
- **Grouped expert GEMM** (``grouped_gemm_compute_efficiency``): an expert that receives t tokens
  runs a GEMM of t rows, so tile occupancy applies per expert with t = tokens x k / experts
  (Tutel, Hwang et al. 2023, arXiv 2206.03382; MegaBlocks, Gale et al. 2023, arXiv 2211.15841);
  its weight reads reach ``moe_bandwidth_efficiency`` of a dense GEMM's (AIConfigurator's
  DeepSeek-V3 breakdown: MoE GEMMs at about half of speed-of-light).
- **Achieved precision fraction** (``precision_efficiency``): FP8 and FP4 peaks double and
  quadruple the bf16 peak, but kernels reach a smaller share of them (scale handling, immature
  kernels): per family and precision, from the efficiency data (Blackwell FP4, CDNA).
- **Weight-only 4-bit** (``weight_only_compute_dtype``): 4-bit weights on a GPU without FP4
  matrix units run as w4a16 (Marlin, Frantar et al. 2024, arXiv 2408.11743; vLLM's MXFP4 path for
  gpt-oss on Hopper): dequantised in registers, multiplied in bf16.
- **Experts-only 4-bit checkpoints** (``kept_precision_bits``, ``kept_matmul_params``): the 4-bit
  releases of mixture-of-experts models quantise the routed experts (and dense FFN layers) only and keep the
  attention projections, the shared experts and the LM head at the released precision: NVIDIA's NVFP4
  DeepSeek checkpoints (ModelOpt's ignore list ``*.attn.*``, ``*.shared_experts.*``, ``lm_head``, as
  huggingface.co/jarrelscy/DeepSeek-V4-Pro-0813-NVFP4 restates it; nvidia/DeepSeek-R1-0528-FP4 stores
  layer 0's dense MLP as packed 4-bit), SGLang's ModelOpt FP4 tests ("MoE-only checkpoint: attention must
  stay excluded"), and gpt-oss's ``quantization_config.modules_to_not_convert`` (self_attn, router,
  embeddings, lm_head in BF16; OpenAI gpt-oss model card, arXiv 2508.10925). Those products run at the
  kept precision's peak, which on Blackwell Ultra is a third of FP4's (GB300/B300: 15 PFLOP/s FP4 against
  5 FP8, dense).
- **A serving runtime's MoE kernel** (``moe_kernel_seconds``; parameters from
  :mod:`costmodel.engine.serving_runtime`, not from the GPU family): where the runtime names a slower MoE
  kernel than the family's grouped GEMM (vLLM <= 0.11.0's Marlin w4a16 for MXFP4 experts on Hopper, a 240
  TFLOP/s plateau in AIConfigurator's vLLM table), a MoE layer's expert compute is the longer of the two.
- **MLA kernels** (``mla_attention_efficiency``): latent attention decodes in the absorbed form
  (FlashMLA: up to 3000 GB/s memory-bound and 580 TFLOP/s compute-bound on H800, i.e. 0.9 of the
  bandwidth and 0.59 of the bf16 peak; github.com/deepseek-ai/FlashMLA README) and prefills in
  the expanded form with head width 192/128, which FlashAttention-3 style kernels run below
  their 128-wide peak (Shah et al. 2024, arXiv 2407.08608).
- **Narrow attention heads** (``head_dim_attention_efficiency``): FlashAttention-3 tiles are sized for
  head dim 128; at head dim 64 (gpt-oss) each tile does half the work per load of Q, K and V. AIConfigurator's
  vLLM 0.24 FA3 tables (bf16 KV, full attention, same heads and lengths, >= 8k tokens per call) measure
  head dim 64 at a median 0.75 (H100, H200; interquartile 0.70-0.79) and 0.61 (B200) of the head-dim-128
  FLOP rate in prefill, and 0.93 / 0.90 (H100 / H200) and 0.89 (B200) of its bandwidth in decode (>= 256 MB
  of KV per call). Between 64 and 128 the factor is interpolated linearly; head dims above 128 (measured
  1.10-1.16x faster per FLOP in prefill) are left at 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.hardware import GPU


def gemm_compute_efficiency(rows: np.ndarray, half_rows: float) -> np.ndarray | float:
    """Share of the family's attained matrix throughput a GEMM of ``rows`` rows reaches: m / (m + m_half).

    ``half_rows`` is the row count at which a GEMM reaches half of it (tile and wave quantisation);
    0 means no occupancy loss (returns the scalar 1.0, so the caller's arrays are untouched).
    """
    if half_rows <= 0:
        return 1.0
    m = np.maximum(np.asarray(rows, dtype=float), 1e-9)
    return m / (m + half_rows)


def grouped_gemm_compute_efficiency(tokens: np.ndarray, experts_active: np.ndarray,
                                    experts_per_gpu_touched: np.ndarray, half_rows: float,
                                    ceiling: float = 1.0) -> np.ndarray:
    """Share of a dense GEMM's rate a grouped expert GEMM reaches: ``ceiling`` (gather/scatter, routing
    and block-scale overheads; AIConfigurator's fp8 MoE tables: 0.3-0.4 on Hopper and Blackwell) times
    the tile occupancy of tokens x k / touched rows per expert."""
    rows = tokens * experts_active / np.maximum(experts_per_gpu_touched, 1e-9)
    return ceiling * gemm_compute_efficiency(rows, half_rows)


def grouped_gemm_row_factor(tokens: np.ndarray, experts_active: np.ndarray, experts_touched: np.ndarray,
                            half_rows: float, ceiling: float, busiest: np.ndarray | float) -> np.ndarray:
    """Time of a grouped expert GEMM per routed row, in dense-row units, on the busiest GPU:
    (busiest + m_half x touched / (tokens x k)) / ceiling.

    The busiest GPU computes ``busiest`` times the mean rows; every touched expert also pays m_half rows of
    tile padding once, however unbalanced its GPU (the padding does not grow with the extra rows), so
    the factor is monotone in k and in the tokens (more rows per expert amortise the padding).
    """
    return (busiest + half_rows * experts_touched / np.maximum(tokens * experts_active, 1e-9)) / ceiling


def kernel_fixed_seconds(kernels_per_layer: float, layers: int, latency_us: float) -> float:
    """Fixed time of one forward pass's kernels: kernels x layers x latency (ramp-up and last wave)."""
    return kernels_per_layer * layers * latency_us / 1e6


def moe_fixed_seconds(moe_layers: int, latency_us: float) -> float:
    """Fixed time of one forward pass's MoE layers beyond their GEMMs: MoE layers x latency (routing,
    permutation and un-permutation kernels; ``moe_layer_latency_us``)."""
    return moe_layers * latency_us / 1e6


def precision_efficiency(factors: dict[str, float], dtype_codes: np.ndarray) -> np.ndarray | float:
    """Multiplier on the MFU for the compute precision (index into ``rates.DTYPE_CODES``: bf16, fp8, fp4).

    ``factors`` maps precision name to the share of the family's bf16-calibrated MFU its kernels
    reach at that precision (1 = as well as bf16); missing names are 1.
    """
    table = np.array([factors.get(name, 1.0) for name in ("bf16", "fp8", "fp4")])
    if np.all(table == 1.0):
        return 1.0
    return table[np.asarray(dtype_codes, dtype=np.intp)]


def weight_only_compute_dtype(gpu: GPU, weight_bits: int) -> str:
    """Compute precision of ``weight_bits`` weights: fp4 where the GPU has FP4 matrix units, w4a16
    (bf16 products) for 4-bit weights elsewhere, else the GPU's best type for the bits."""
    if weight_bits <= 4 and not gpu.supports("fp4"):
        return "bf16"
    return gpu.best_dtype_for_bits(weight_bits)


def kept_precision_bits(model: ModelArchitecture, weight_bits: np.ndarray) -> np.ndarray:
    """Bits of the matrices a checkpoint leaves at its released precision (module docstring: experts-only
    4-bit checkpoints): for a mixture of experts at 4 bits, the released precision when it is 8 or 16 bits
    (DeepSeek's FP8), BF16 for a model released with 4-bit experts (gpt-oss's MXFP4); else the weight bits."""
    bits = np.asarray(weight_bits, dtype=float)
    if not model.is_moe:
        return bits
    released = float(model.native_weight_bits) if model.native_weight_bits >= 8 else 16.0
    return np.where(bits <= 4, np.maximum(bits, released), bits)


def kept_matmul_params(model: ModelArchitecture) -> float:
    """Matrix parameters per token an experts-only 4-bit checkpoint keeps at the released precision: every
    layer's attention projections, the MoE layers' shared experts and the LM head (0 for a dense model, whose
    4-bit releases quantise every linear layer)."""
    if not model.is_moe:
        return 0.0
    return (model.num_layers * model.attention_params_per_layer
            + model.moe_layers * model.shared_expert_params_per_layer + model.embedding_params)


def mla_attention_efficiency(is_mla: bool, decode: bool, prefill_factor: float, decode_factor: float) -> float:
    """Multiplier on attention's attained rate for latent attention kernels (1 for other attention)."""
    if not is_mla:
        return 1.0
    return decode_factor if decode else prefill_factor


def head_dim_attention_efficiency(head_dim: int, decode: bool, prefill_factor: float, decode_factor: float) -> float:
    """Multiplier on attention's attained rate for heads of ``head_dim`` relative to 128 (module docstring):
    ``prefill_factor`` / ``decode_factor`` at head dim <= 64, 1 from 128 up, linear in between. A scalar per
    model: it costs the hot path nothing."""
    factor = decode_factor if decode else prefill_factor
    share = min(max((128.0 - head_dim) / 64.0, 0.0), 1.0)
    return 1.0 - share * (1.0 - factor)


@dataclass(frozen=True, slots=True)
class KernelParams:
    """The kernel-mechanism parameters of one GPU family (from ``Efficiency``); neutral by default."""

    gemm_half_rows: float = 0.0
    kernel_latency_us: float = 0.0
    kernels_per_layer: float = 8.0
    moe_layer_latency_us: float = 0.0
    moe_half_rows: float = 0.0
    moe_compute_efficiency: float = 1.0
    moe_bandwidth_efficiency: float = 1.0
    ep_random_imbalance: float = 0.0
    ep_skew: float = 0.0
    ep_eplb: float = 0.0
    ep_alltoall_latency_us: float | None = None
    ep_decode_overlap: float = 1.0
    ep_prefill_overlap: float = 1.0
    mla_prefill_attention_efficiency: float = 1.0
    mla_decode_attention_efficiency: float = 1.0
    narrow_head_prefill_attention_efficiency: float = 1.0
    narrow_head_decode_attention_efficiency: float = 1.0
    sparse_prefill_head_multiple: float = 0.0
    """Heads per rank the sparse-attention prefill kernel pads to (FlashMLA on Blackwell: 128; 0 = none):
    ``attention.padded_sparse_prefill_attention_flops``."""
    moe_kernel_peak_flops: Any = 0.0
    """A serving runtime's MoE kernel plateau per GPU, FLOP/s (0: none; ``serving_runtime``), per point."""
    moe_kernel_half_rows: float = 0.0
    """Routed rows per expert at which that kernel reaches half its plateau."""


NEUTRAL = KernelParams()
"""No kernel mechanism: the plain roofline."""


def kernel_params(eff: Any) -> KernelParams:
    """The ``KernelParams`` of an ``Efficiency`` (its fields of the same names)."""
    return KernelParams(**{f: getattr(eff, f) for f in KernelParams.__slots__ if f in EFFICIENCY_KERNEL_FIELDS})


EFFICIENCY_KERNEL_FIELDS = frozenset(KernelParams.__slots__) - {"moe_kernel_peak_flops", "moe_kernel_half_rows"}
"""The ``KernelParams`` an ``Efficiency`` carries (the MoE kernel ceiling comes from the serving runtime)."""


def moe_kernel_seconds(expert_flops: np.ndarray, rows_per_expert: np.ndarray, tensor_parallel: np.ndarray,
                       kernel: KernelParams) -> np.ndarray | float:
    """Time of a replica's routed-expert FLOPs at a runtime's MoE kernel ceiling: FLOPs / (t x plateau x r /
    (r + r_half)) at r routed rows per expert (Marlin MXFP4 on H100: 0.243 x 989 TFLOP/s, r_half 9;
    ``serving_runtime``); 0 without one. Callers take the longer of this and their own expert time."""
    rate = tensor_parallel * kernel.moe_kernel_peak_flops
    r = np.maximum(rows_per_expert, 1e-9)
    return np.where(rate > 0, expert_flops / np.maximum(rate * r / (r + kernel.moe_kernel_half_rows), 1e-30), 0.0)
