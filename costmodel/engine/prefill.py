"""Prefill: the prompt's new tokens through the model, in a packed batch (throughput) and alone (TTFT).

Sources:
- FLOPs: 2 per matrix-product parameter per token (Kaplan et al. 2020, arXiv
  2001.08361, section 2.1), plus attention over the causal prefix
  (:mod:`costmodel.engine.attention`).
- Roofline (Pope et al., MLSys 2023, arXiv 2211.05102): compute-bound for
  long prompts. Under continuous batching with chunked prefill (Agrawal et al.,
  Sarathi-Serve, OSDI 2024) a step packs ``max_num_tokens`` tokens, so a
  request pays its share new/max_num_tokens of each step's weight reads and
  overhead; alone (time to first token) it pays every chunk's weight reads.
- Prefix caching: only the uncached share of the prompt is computed, at least
  one token (for the logits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.engine.communication import Interconnect, communication_seconds
from costmodel.engine.decode import experts_touched
from costmodel.engine.expert_parallel import ep_load_imbalance
from costmodel.engine.kernels import (
    NEUTRAL,
    KernelParams,
    gemm_compute_efficiency,
    grouped_gemm_row_factor,
    head_dim_attention_efficiency,
    kernel_fixed_seconds,
    mla_attention_efficiency,
    moe_fixed_seconds,
    moe_kernel_seconds,
)
from costmodel.engine.memory_plan import Layout, Weights
from costmodel.engine.rates import ReplicaRates, roofline_seconds


def new_prompt_tokens(prompt_tokens: np.ndarray, cache_hit_rate: np.ndarray | float) -> np.ndarray:
    """Prompt tokens prefill computes: the uncached share, at least one (the logits need a token)."""
    return np.maximum(prompt_tokens * (1 - cache_hit_rate), np.minimum(prompt_tokens, 1.0))


def prefill_weight_bytes(model: ModelArchitecture, weights: Weights, layout: Layout,
                         experts_total: np.ndarray) -> np.ndarray:
    """Weight bytes one prefill step reads: every copy of the non-expert weights and, for a mixture
    of experts, every expert (a packed step routes enough tokens to touch them all)."""
    if model.is_moe:
        experts = model.moe_layers * experts_total * weights.params_per_expert
        return weights.always_read_bytes * layout.weight_copies + experts * weights.bytes_per_param
    return weights.always_read_bytes


@dataclass(frozen=True, slots=True)
class Prefill:
    """The prefill of one request, per point."""

    flops: np.ndarray
    """Matrix and attention FLOPs of the request's new tokens."""
    seconds_per_request: np.ndarray
    """Replica time the request costs in a packed batch (throughput)."""
    ttft_seconds: np.ndarray
    """Time to first token: the request prefilled alone, every chunk its own step."""
    bytes_per_request: np.ndarray
    """HBM bytes the request costs in a packed batch: its share of weight reads plus its KV writes."""
    compute_bound: np.ndarray


def prefill(
    model: ModelArchitecture,
    weights: Weights,
    layout: Layout,
    rates: ReplicaRates,
    net: Interconnect,
    *,
    new_tokens: np.ndarray,
    attention_flops: np.ndarray,
    kv_bytes_per_token: np.ndarray,
    experts_total: np.ndarray,
    experts_active: np.ndarray,
    max_num_tokens: np.ndarray,
    step_overhead_s: np.ndarray,
    kernel: KernelParams = NEUTRAL,
) -> Prefill:
    """Prefill of ``new_tokens`` (``attention_flops`` from ``prefill_attention_flops``).

    Packed: a step carries ``max_num_tokens``, so the request pays the share new/max_num_tokens of the
    weight reads, the step overhead and the collectives' latency. Alone: ceil(new/max_num_tokens) chunks,
    each its own step.
    """
    gemm_flops = 2 * weights.matmul_params * new_tokens
    expert_flops = 2 * weights.routed_matmul_params * new_tokens if model.is_moe else 0.0
    # Under continuous batching a prefill step is packed to max_num_tokens rows (from many requests), so
    # tile occupancy per data-parallel copy, per expert, and the busiest expert-parallel GPU follow the
    # step, not the request: a shorter prompt never costs more per token (kernels, expert_parallel).
    shaped = model.is_moe or kernel.gemm_half_rows > 0
    step_tokens = max_num_tokens
    dense_eff = 1.0 if kernel.gemm_half_rows <= 0 else gemm_compute_efficiency(step_tokens / layout.weight_copies,
                                                                                 kernel.gemm_half_rows)
    if model.is_moe:
        ep_size = np.where(layout.attention_data_parallel, layout.tensor_parallel, 1.0)
        busiest = ep_load_imbalance(step_tokens, experts_active, ep_size, kernel.ep_random_imbalance,
                                    kernel.ep_skew, kernel.ep_eplb)
        touched = experts_touched(experts_total, experts_active, step_tokens)
        expert_scale = grouped_gemm_row_factor(step_tokens, experts_active, touched, kernel.moe_half_rows,
                                               kernel.moe_compute_efficiency, busiest)
    else:
        expert_scale = 1.0
    attn_factor = mla_attention_efficiency(model.attention == "mla", False, kernel.mla_prefill_attention_efficiency,
                                           kernel.mla_decode_attention_efficiency)
    if model.attention != "mla":
        attn_factor *= head_dim_attention_efficiency(model.head_dim, False, kernel.narrow_head_prefill_attention_efficiency,
                                                     kernel.narrow_head_decode_attention_efficiency)
    if model.is_moe:
        # Products kept at the released precision (experts-only 4-bit checkpoints) take longer per FLOP:
        # counted as extra non-expert FLOPs at the weight precision (Weights.kept_extra_matmul_params).
        kept_extra = 2 * weights.kept_extra_matmul_params * new_tokens
        expert_seconds = expert_flops * expert_scale / rates.prefill_matrix_flops_s
        if np.any(np.asarray(kernel.moe_kernel_peak_flops) > 0):  # a runtime's MoE kernel is slower (Marlin)
            rows = step_tokens * experts_active / np.maximum(touched, 1e-9)
            expert_seconds = np.maximum(expert_seconds, moe_kernel_seconds(expert_flops, rows,
                                                                           layout.tensor_parallel, kernel))
        matrix_seconds = (gemm_flops - expert_flops + kept_extra) / dense_eff / rates.prefill_matrix_flops_s \
            + expert_seconds
    elif shaped:  # dense with tile occupancy: the same sum without its zero expert terms
        matrix_seconds = gemm_flops / dense_eff / rates.prefill_matrix_flops_s
    else:  # dense model, no occupancy loss: the plain roofline (no extra array work)
        matrix_seconds = gemm_flops / rates.prefill_matrix_flops_s
    attention_rate = rates.prefill_attention_flops_s if attn_factor == 1.0 else \
        rates.prefill_attention_flops_s * attn_factor
    compute = matrix_seconds + attention_flops / attention_rate
    kv_write = new_tokens * kv_bytes_per_token * layout.kv_copies
    step_weights = prefill_weight_bytes(model, weights, layout, experts_total)
    fixed = kernel_fixed_seconds(kernel.kernels_per_layer, model.num_layers, kernel.kernel_latency_us)
    if model.is_moe:  # every step (chunk) runs each MoE layer's routing and permutation kernels once
        fixed = fixed + moe_fixed_seconds(model.moe_layers, kernel.moe_layer_latency_us)
    latency = None if kernel.ep_alltoall_latency_us is None else kernel.ep_alltoall_latency_us / 1e6

    def comm(chunks_or_share):
        return communication_seconds(model, net, new_tokens, experts_active, chunks_or_share,
                                     overlap=kernel.ep_prefill_overlap, alltoall_latency_s=latency)

    share = new_tokens / max_num_tokens
    packed_bytes = step_weights * share + kv_write
    packed_memory = packed_bytes / rates.bytes_s
    packed = roofline_seconds(compute, packed_memory, comm(share), (step_overhead_s + fixed) * share)

    chunks = np.ceil(new_tokens / max_num_tokens)
    alone_memory = (step_weights * chunks + kv_write) / rates.bytes_s
    alone = roofline_seconds(compute, alone_memory, comm(chunks), (step_overhead_s + fixed) * chunks)
    return Prefill(
        flops=gemm_flops + attention_flops,
        seconds_per_request=packed,
        ttft_seconds=alone,
        bytes_per_request=packed_bytes,
        compute_bound=compute >= packed_memory,
    )
