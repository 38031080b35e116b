"""Per-operator times under the engine's mechanisms: one GEMM, one MoE layer, one collective, one
attention layer, so they can be set beside measured kernel tables (benchmarks/aiconfigurator_oracle.py).

Each is the roofline of the operator (Pope et al., MLSys 2023) with the shape mechanisms of
:mod:`costmodel.engine.kernels` and :mod:`costmodel.engine.expert_parallel`; they use the same
formulas as the decode and prefill steps, for one operator instead of a whole forward pass.
Times in seconds; ``mfu``/``mbu`` are the kernel-level shares of peak.
"""

from __future__ import annotations

import numpy as np

from costmodel.engine.decode import experts_touched
from costmodel.engine.expert_parallel import ep_load_imbalance
from costmodel.engine.kernels import KernelParams, gemm_compute_efficiency, grouped_gemm_row_factor


def gemm_seconds(m: np.ndarray, n: float, k: float, weight_bytes: float, peak_flops: float, bandwidth: float,
                 mfu: float, mbu: float, kernel: KernelParams) -> np.ndarray:
    """One (m x k) @ (k x n) product: max(2mnk / (peak mfu eff(m)), bytes / (bw mbu)) + the fixed kernel time.

    Bytes: the n x k weight at ``weight_bytes`` each plus bf16 activations in and out.
    """
    m = np.asarray(m, dtype=float)
    compute = 2 * m * n * k / (peak_flops * mfu * gemm_compute_efficiency(m, kernel.gemm_half_rows))
    memory = (n * k * weight_bytes + 2 * m * (n + k)) / (bandwidth * mbu)
    return np.maximum(compute, memory) + kernel.kernel_latency_us / 1e6


def moe_layer_seconds(tokens: np.ndarray, hidden: float, inter: float, topk: float, experts: float, ep: float,
                      weight_bytes: float, peak_flops: float, bandwidth: float, mfu: float, mbu: float,
                      kernel: KernelParams) -> np.ndarray:
    """One gated MoE layer on the busiest of ``ep`` GPUs for ``tokens`` tokens (the tokens of all ranks).

    Each GPU holds experts / ep experts; it computes its share of the tokens x topk assignments
    (at the busiest GPU's load, plus each touched expert's tile padding) and reads the experts those
    tokens touch (at ``moe_bandwidth_efficiency``), plus the layer's fixed time (``moe_layer_latency_us``:
    routing and permutation kernels).
    """
    t = np.asarray(tokens, dtype=float)
    per_expert = 3 * hidden * inter
    touched = experts_touched(experts, topk, t) / ep
    busiest = ep_load_imbalance(t, topk, ep, kernel.ep_random_imbalance, kernel.ep_skew, kernel.ep_eplb)
    per_row = grouped_gemm_row_factor(t, topk, touched * ep, kernel.moe_half_rows, kernel.moe_compute_efficiency,
                                      busiest)
    compute = 2 * per_expert * t * topk / ep * per_row / (peak_flops * mfu)
    memory = touched * per_expert * weight_bytes / (bandwidth * mbu * kernel.moe_bandwidth_efficiency)
    return np.maximum(compute, memory) + 2 * kernel.kernel_latency_us / 1e6 + kernel.moe_layer_latency_us / 1e6


def allreduce_seconds_op(message_bytes: np.ndarray, gpus: int, link_bytes_s: float, latency_s: float) -> np.ndarray:
    """Ring all-reduce of ``message_bytes``: 2 (t-1)/t x bytes / link + latency (Megatron-LM)."""
    return 2 * (gpus - 1) / gpus * np.asarray(message_bytes, dtype=float) / link_bytes_s + latency_s


def alltoall_op_seconds(tokens_per_rank: np.ndarray, hidden: float, topk: float, ep: int, value_bytes: float,
                        link_bytes_s: float, latency_s: float) -> np.ndarray:
    """One dispatch (or combine) inside a node: each rank sends tokens x topk x (ep-1)/ep copies of d values."""
    sent = np.asarray(tokens_per_rank, dtype=float) * topk * hidden * value_bytes * (ep - 1) / ep
    return sent / link_bytes_s + latency_s


def mla_decode_seconds(batch: np.ndarray, context: np.ndarray, heads: float, latent: float, rope: float,
                       kv_bytes: float, peak_flops: float, bandwidth: float, mfu: float, mbu: float,
                       kernel: KernelParams) -> np.ndarray:
    """One latent-attention decode layer (absorbed form): max(FLOPs, KV bytes) at the MLA decode factor.

    FLOPs per (query, key) pair 2 h (d_c + d_r) + 2 h d_c (DeepSeek-V2 report, section 2.1.3).
    """
    b, c = np.asarray(batch, dtype=float), np.asarray(context, dtype=float)
    factor = kernel.mla_decode_attention_efficiency
    flops = b * c * (2 * heads * (latent + rope) + 2 * heads * latent)
    kv = b * c * (latent + rope) * kv_bytes
    return np.maximum(flops / (peak_flops * mfu * factor), kv / (bandwidth * mbu * factor)) \
        + kernel.kernel_latency_us / 1e6
