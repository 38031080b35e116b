"""The decode step: one forward pass of a replica over its batch, with speculative decoding.

Sources:
- Decode reads the weights once per step for the whole batch, plus each
  sequence's KV cache (Pope et al., MLSys 2023, arXiv 2211.05102, section 3);
  2 FLOPs per matrix-product parameter per token (Kaplan et al. 2020, arXiv
  2001.08361, section 2.1), plus attention over the context
  (:mod:`costmodel.engine.attention`).
- Mixture of experts, uniform routing: with B tokens each routed to k of E
  experts the expected number of distinct experts read per layer is
  E x (1 - (1 - k/E)^B): k at B = 1, all E at large B.
- Grouped-GEMM efficiency: an expert that receives fewer tokens than a tile
  still computes a whole tile (``moe_gemm_min_tokens`` rows).
- The kernel classes (dense GEMMs over non-expert weights, expert GEMMs over
  the touched experts, attention over the KV cache) run one after another,
  each under its own roofline.
- Speculative decoding (Leviathan et al., ICML 2023, arXiv 2211.17192, Eq. 1):
  with acceptance a and g drafted tokens a target pass yields
  (1 - a^(g+1)) / (1 - a) tokens; it verifies g + 1 tokens per sequence (more
  FLOPs, the same weight reads) and pays g draft passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.engine.arrays import is_scalar_value
from costmodel.engine.communication import Interconnect, communication_seconds
from costmodel.engine.expert_parallel import ep_load_imbalance, two_micro_batch_seconds
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
from costmodel.engine.rates import ReplicaRates


def average_decode_context(prompt_tokens: np.ndarray, output_tokens: np.ndarray,
                           output_cv: np.ndarray | float = 0.0) -> np.ndarray:
    """Tokens in context on average over the decode steps of a batch: S + E[O^2] / (2 E[O]).

    Every decode step of every request counts once, so a request of O output tokens weighs O: the
    token-weighted mean of the O/2 it has decoded is E[O^2] / (2 E[O]) = E[O] (1 + cv^2) / 2, with cv the
    output length's standard deviation / mean (length-biased sampling; the residual-life formula of renewal
    theory, Kleinrock, *Queueing Systems* vol. 1, 1975, section 5.2). A request in a full batch is such a
    sample too, so the same mean sets the KV bytes that bound the batch. Fixed lengths (cv = 0): S + O/2.
    MLPerf's DeepSeek-R1 set (mean 4,043, sd 5,065 output tokens, cv 1.25): 5,194 tokens beyond the prompt
    against 2,022.
    """
    if is_scalar_value(output_cv, 0):
        return prompt_tokens + output_tokens / 2
    return prompt_tokens + output_tokens * (1 + output_cv ** 2) / 2


def speculative_tokens_per_step(draft_tokens: np.ndarray, acceptance: np.ndarray) -> np.ndarray:
    """Tokens a target pass yields: (1 - a^(g+1)) / (1 - a) with g > 0 drafts (Leviathan et al. Eq. 1),
    else 1. ``acceptance`` is below 1 (validated)."""
    return np.where(draft_tokens > 0, (1 - acceptance ** (draft_tokens + 1)) / (1 - acceptance), 1.0)


def experts_touched(experts_total: np.ndarray, experts_active: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Expected distinct experts per MoE layer that ``tokens`` tokens route to: E (1 - (1 - k/E)^tokens)."""
    return experts_total * (1 - (1 - experts_active / experts_total) ** tokens)


@dataclass(frozen=True, slots=True)
class DecodeStep:
    """One decode step of a replica, per point."""

    seconds: np.ndarray
    compute_seconds: np.ndarray
    """Every kernel at its compute roofline (to say whether the step is compute-bound)."""
    memory_seconds: np.ndarray
    """Every kernel at its memory roofline."""
    flops: np.ndarray
    bytes: np.ndarray
    """HBM bytes read: weights (touched experts only) and the batch's KV cache."""
    experts_touched: np.ndarray | float


def decode_step(
    model: ModelArchitecture,
    weights: Weights,
    layout: Layout,
    rates: ReplicaRates,
    net: Interconnect,
    *,
    batch: np.ndarray,
    tokens_per_sequence: np.ndarray | float,
    experts_total: np.ndarray,
    experts_active: np.ndarray,
    attention_flops_per_token: np.ndarray,
    kv_bytes_per_request: np.ndarray,
    moe_gemm_min_tokens: float,
    step_overhead_s: np.ndarray,
    per_sequence_overhead_s: float,
    kernel: KernelParams = NEUTRAL,
) -> DecodeStep:
    """One decode step of ``batch`` sequences, each computing ``tokens_per_sequence`` tokens.

    Time = dense GEMMs + expert GEMMs + attention, each the max of its compute and memory time
    (Pope et al. 2023), with the overlapped all-to-all hidden behind the dense GEMMs and attention of the
    other micro-batch (routed experts + max(others, all-to-all)); plus serial communication, the fixed
    step overhead and a per-sequence overhead (sampling, bookkeeping) for each copy's share of the batch.
    ``attention_flops_per_token`` is ``attention.decode_attention_flops_per_token`` at the context.
    ``kernel`` applies the shape mechanisms of :mod:`costmodel.engine.kernels` (tile occupancy per
    data-parallel copy, grouped expert GEMMs, a fixed cost per kernel, MLA decode kernels) and of
    :mod:`costmodel.engine.expert_parallel` (the busiest expert-parallel GPU; dispatch/combine that
    does not overlap); the default is the plain roofline.
    """
    # Scalar checks below skip array work that changes nothing (x 1, + 0): the hot path of the planner.
    tokens = batch if is_scalar_value(tokens_per_sequence, 1) else batch * tokens_per_sequence
    dense_eff = 1.0 if kernel.gemm_half_rows <= 0 else gemm_compute_efficiency(tokens / layout.weight_copies,
                                                                                 kernel.gemm_half_rows)
    if model.is_moe:
        touched = experts_touched(experts_total, experts_active, tokens)
        # Tile occupancy: the half-rows curve when given (kernels), else a minimum tile per expert.
        min_rows = 0.0 if kernel.moe_half_rows > 0 else moe_gemm_min_tokens
        expert_rows = np.maximum(tokens * experts_active, touched * min_rows)
        expert_flops = 2 * model.moe_layers * weights.params_per_expert * expert_rows
        expert_bytes = model.moe_layers * touched * weights.params_per_expert * weights.bytes_per_param
        ep_size = np.where(layout.attention_data_parallel, layout.tensor_parallel, 1.0)
        busiest = ep_load_imbalance(tokens, experts_active, ep_size, kernel.ep_random_imbalance,
                                    kernel.ep_skew, kernel.ep_eplb)
        if kernel.moe_half_rows > 0:  # routed rows at the busiest GPU's load plus each expert's tile padding
            per_row = grouped_gemm_row_factor(tokens, experts_active, touched, kernel.moe_half_rows,
                                              kernel.moe_compute_efficiency, busiest)
            expert_compute = 2 * model.moe_layers * weights.params_per_expert * tokens * experts_active * per_row \
                / rates.decode_matrix_flops_s
        else:
            expert_compute = expert_flops * busiest / (rates.decode_matrix_flops_s * kernel.moe_compute_efficiency)
        if np.any(np.asarray(kernel.moe_kernel_peak_flops) > 0):  # a runtime's MoE kernel is slower (Marlin)
            routed = 2 * model.moe_layers * weights.params_per_expert * tokens * experts_active * busiest
            rows = tokens * experts_active / np.maximum(touched, 1e-9)
            expert_compute = np.maximum(expert_compute, moe_kernel_seconds(routed, rows, layout.tensor_parallel, kernel))
        expert_time = np.maximum(expert_compute, expert_bytes / (rates.bytes_s * kernel.moe_bandwidth_efficiency))
    else:
        touched = expert_flops = expert_bytes = expert_time = 0.0
    dense_flops = 2 * (weights.matmul_params - weights.routed_matmul_params) * tokens
    attn_flops = attention_flops_per_token * tokens
    dense_bytes = weights.always_read_bytes * layout.weight_copies
    weight_read = dense_bytes + expert_bytes
    kv_read = batch * kv_bytes_per_request * layout.kv_copies

    # The tile efficiency applies to a single point too (a 0-d array): it used to be dropped there, so
    # estimate() and estimate_arrays() disagreed (tests/test_fuzz_engine.py).
    matrix_rate = rates.decode_matrix_flops_s * dense_eff
    # Products kept at the released precision run slower (Weights.kept_extra_matmul_params; 0 unless a
    # mixture of experts runs 4-bit experts beside FP8/BF16 attention): time only, not FLOPs.
    dense_work = dense_flops if is_scalar_value(weights.kept_extra_matmul_params, 0) \
        else dense_flops + 2 * weights.kept_extra_matmul_params * tokens
    dense_time = np.maximum(dense_work / matrix_rate, dense_bytes / rates.bytes_s)
    attn_factor = mla_attention_efficiency(model.attention == "mla", True, kernel.mla_prefill_attention_efficiency,
                                           kernel.mla_decode_attention_efficiency)
    if model.attention != "mla":
        attn_factor *= head_dim_attention_efficiency(model.head_dim, True, kernel.narrow_head_prefill_attention_efficiency,
                                                     kernel.narrow_head_decode_attention_efficiency)
    if attn_factor == 1.0:  # scalar check: no extra array work for standard attention
        attn_compute = attn_flops / rates.decode_attention_flops_s
        attn_memory = kv_read / rates.attention_bytes_s
    else:
        attn_compute = attn_flops / (rates.decode_attention_flops_s * attn_factor)
        attn_memory = kv_read / (rates.attention_bytes_s * attn_factor)
    attn_time = np.maximum(attn_compute, attn_memory)
    kernels = dense_time + expert_time + attn_time if model.is_moe else dense_time + attn_time
    latency = None if kernel.ep_alltoall_latency_us is None else kernel.ep_alltoall_latency_us / 1e6
    serial, overlapped = communication_seconds(model, net, tokens, experts_active, overlap=kernel.ep_decode_overlap,
                                               alltoall_latency_s=latency, low_latency=True)
    fixed = step_overhead_s + kernel_fixed_seconds(kernel.kernels_per_layer, model.num_layers, kernel.kernel_latency_us)
    if model.is_moe:
        fixed = fixed + moe_fixed_seconds(model.moe_layers, kernel.moe_layer_latency_us)
    # Only a mixture of experts has an all-to-all to hide; two micro-batches hide it behind the other
    # kernels, the routed experts stay on the critical path (expert_parallel.two_micro_batch_seconds).
    composed = kernels if is_scalar_value(overlapped, 0) else \
        two_micro_batch_seconds(expert_time, dense_time + attn_time, overlapped)
    seconds = (
        composed
        + serial
        + fixed
        + batch / layout.weight_copies * per_sequence_overhead_s
    )
    return DecodeStep(
        seconds=seconds,
        compute_seconds=((dense_flops + expert_flops) if model.is_moe else dense_flops) / rates.decode_matrix_flops_s
        + attn_compute,
        memory_seconds=weight_read / rates.bytes_s + attn_memory,
        flops=dense_flops + expert_flops + attn_flops if model.is_moe else dense_flops + attn_flops,
        bytes=weight_read + kv_read,
        experts_touched=touched,
    )


def speculative_step_seconds(
    verify_step_seconds: np.ndarray,
    plain_step_seconds: np.ndarray | None,
    draft_tokens: np.ndarray,
    draft_cost_ratio: np.ndarray,
) -> np.ndarray:
    """Seconds of one speculative step: the target's verify pass plus g draft passes, each
    ``draft_cost_ratio`` of a plain target step (Leviathan et al. 2023). ``plain_step_seconds`` None
    means no point drafts."""
    if plain_step_seconds is None:
        return verify_step_seconds
    drafting = draft_tokens * draft_cost_ratio * plain_step_seconds
    return np.where(draft_tokens > 0, verify_step_seconds + drafting, verify_step_seconds)
