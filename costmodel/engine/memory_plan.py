"""The memory plan of one replica: its weights, its parallel layout, and how many requests fit.

Sources:
- Parameter counts: ``ModelArchitecture`` (Kaplan et al. 2020, arXiv 2001.08361,
  section 2.1, for the per-token count); bytes per weight with quantisation
  scales: :func:`costmodel.engine.memory.weight_bytes_per_param`.
- Experts-only 4-bit checkpoints keep attention, shared experts, the LM head and an untied input-embedding
  table at the released precision (:func:`with_kept_precision`; sources in ``kernels.kept_matmul_params``).
- What a serving runtime keeps out of the KV budget (its profiled reserve, a MoE kernel's padding) comes
  from :mod:`costmodel.engine.serving_runtime` as ``free_kv_bytes``'s ``runtime_bytes``.
- Layout: tensor parallelism splits every matrix over the group's t GPUs
  (Megatron-LM, arXiv 1909.08053); DeepSeek's inference system and SGLang's
  DP-attention instead keep a full copy of the attention (and other non-expert)
  weights on every GPU, give each GPU its own sequences and shard only the
  routed experts (DeepSeek open-infra-index, day 6 overview; LMSYS blog
  2025-05-05 "large-scale EP").
- KV-cache per request at the average decode context, reserved under paged
  (PagedAttention, Kwon et al. SOSP 2023) or unpaged allocation, copied as
  :func:`costmodel.engine.memory.kv_replication` says.
- The batch that fits is the smaller of what memory holds and the engine's
  limits (vLLM ``max_num_seqs`` and ``max_num_batched_tokens``; each sequence
  verifies 1 + g tokens per step under speculative decoding).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.hardware import GPU
from costmodel.engine.arrays import is_scalar_value
from costmodel.engine.kernels import kept_matmul_params, kept_precision_bits
from costmodel.engine.memory import kv_replication, released_weight_bytes_per_param, weight_bytes_per_param
from costmodel.engine.rates import kept_precision_slowdown


@dataclass(frozen=True, slots=True)
class Weights:
    """Parameter counts and bytes of the model at the scenario's expert counts and weight precision."""

    total_params: np.ndarray
    """All parameters (what the weights occupy in memory)."""
    active_params: np.ndarray
    """Parameters used per token, model-card convention."""
    matmul_params: np.ndarray
    """Parameters in matrix products per token (2 FLOPs each)."""
    always_read_params: np.ndarray
    """Non-expert parameters: read by every step whatever the routing."""
    params_per_expert: float
    """Parameters of one routed expert in one layer (0 for a dense model)."""
    routed_matmul_params: np.ndarray | float
    """Routed-expert parameters per token: MoE layers x k x one expert."""
    bytes_per_param: np.ndarray
    weights_bytes: np.ndarray
    """Bytes of one full copy of the weights."""
    kept_extra_matmul_params: np.ndarray | float = 0.0
    """Matrix parameters per token whose products run slower at a kept precision, counted as the extra
    parameters at the weight precision that take the same time: kept parameters x (slowdown - 1)
    (``kernels.kept_matmul_params``, ``rates.kept_precision_slowdown``); time only, not FLOPs."""

    kept_extra_bytes: np.ndarray | float = 0.0
    """Bytes the matrices kept at a higher released precision add over ``bytes_per_param`` (experts-only 4-bit
    checkpoints: ``kernels.kept_matmul_params`` x the difference in bytes per weight); included in
    ``weights_bytes`` and ``always_read_bytes``."""

    @property
    def always_read_bytes(self) -> np.ndarray:
        """Bytes of the non-expert weights (every step reads them), the kept matrices at their own precision."""
        plain = self.always_read_params * self.bytes_per_param
        if is_scalar_value(self.kept_extra_bytes, 0):
            return plain
        return plain + self.kept_extra_bytes


def model_weights(
    model: ModelArchitecture, experts_total: np.ndarray, experts_active: np.ndarray, weight_bits: np.ndarray
) -> Weights:
    """The model's parameters and weight bytes (bits/8 per weight plus quantisation scales: the released
    format's where the released low-bit checkpoint is served, ``memory.released_weight_bytes_per_param``)."""
    bytes_per_param = released_weight_bytes_per_param(weight_bits, model.native_weight_bits,
                                                      model.native_scale_group, model.native_scale_bits)
    total = np.asarray(model.total_params(experts_total), dtype=float)
    per_expert = model.params_per_expert if model.is_moe else 0.0
    return Weights(
        total_params=total,
        active_params=np.asarray(model.active_params(experts_active, experts_total), dtype=float),
        matmul_params=np.asarray(model.matmul_params_per_token(experts_active, experts_total), dtype=float),
        always_read_params=np.asarray(model.always_read_params(experts_total), dtype=float),
        params_per_expert=per_expert,
        routed_matmul_params=model.moe_layers * experts_active * per_expert if model.is_moe else 0.0,
        bytes_per_param=bytes_per_param,
        weights_bytes=total * bytes_per_param,
    )


def with_kept_precision(model: ModelArchitecture, gpu: GPU, compute_dtype: str | None, weight_bits: np.ndarray,
                        weights: Weights) -> Weights:
    """``weights`` with the matrices an experts-only 4-bit checkpoint keeps at its released precision
    (``kernels.kept_matmul_params``): their bytes at the kept bits, their products' time at
    ``rates.kept_precision_slowdown``. The input-embedding table of an untied model is kept too (gpt-oss's
    ``modules_to_not_convert`` lists ``model.embed_tokens``; ModelOpt's NVFP4 quantises linear layers only):
    its bytes count in memory, not in a step's reads (a step looks up only its tokens' rows)."""
    kept = kept_matmul_params(model)
    if kept == 0.0:
        return weights
    kept_bits = kept_precision_bits(model, weight_bits)
    if np.all(kept_bits == np.asarray(weight_bits, dtype=float)):
        return weights
    per_param = weight_bytes_per_param(kept_bits) - weights.bytes_per_param
    extra_bytes = kept * per_param
    slowdown = kept_precision_slowdown(gpu, compute_dtype, weight_bits, kept_bits)
    extra_params = 0.0 if is_scalar_value(slowdown, 1.0) else kept * (np.asarray(slowdown) - 1.0)
    return replace(weights, kept_extra_matmul_params=extra_params, kept_extra_bytes=extra_bytes,
                   weights_bytes=weights.weights_bytes + extra_bytes + model.lm_head_params * per_param)


def attention_data_parallel(
    model: ModelArchitecture, tensor_parallel: np.ndarray, requested: np.ndarray | None = None
) -> np.ndarray:
    """Whether attention runs data-parallel inside a group of more than one GPU.

    ``requested`` (1/0 per point) is the planner's choice; without it latent attention (MLA) runs
    data-parallel and grouped-query attention tensor-parallel. Only MLA models are offered the
    data-parallel plan: its latent cache cannot be split by heads, so under tensor parallelism every GPU
    holds a copy, while data-parallel attention keeps one copy but replicates the non-expert weights
    (DeepSeek open-infra-index, day 6 overview; LMSYS blog 2025-05-05 "large-scale EP").
    """
    multi = np.asarray(tensor_parallel) > 1
    if requested is None:
        return multi & (model.attention == "mla")
    return multi & (np.asarray(requested) > 0) & (model.attention == "mla")


@dataclass(frozen=True, slots=True)
class Layout:
    """How a deployment of N GPUs is cut into replicas of t GPUs, and what each replica copies."""

    tensor_parallel: np.ndarray
    """GPUs per replica, t (at most N)."""
    attention_data_parallel: np.ndarray
    replicas: np.ndarray
    """floor(N / t) replicas serving independently."""
    weight_copies: np.ndarray
    """Copies of the non-expert weights in a replica: t under data-parallel attention, else 1."""
    kv_copies: np.ndarray
    """Copies of each sequence's KV cache in a replica (``kv_replication``)."""


def replica_layout(
    model: ModelArchitecture, gpus: np.ndarray, tensor_parallel: np.ndarray, attention_dp: np.ndarray | None = None
) -> Layout:
    """Replicas of ``tensor_parallel`` GPUs (capped at the deployment), and their attention layout."""
    tp = np.minimum(tensor_parallel, gpus)
    dp = attention_data_parallel(model, tp, attention_dp)
    return Layout(
        tensor_parallel=tp,
        attention_data_parallel=dp,
        replicas=np.floor(gpus / tp),
        weight_copies=np.where(dp, tp, 1.0),
        kv_copies=kv_replication(model.num_kv_heads, tp, model.attention == "mla", dp),
    )


def free_kv_bytes(
    layout: Layout,
    weights: Weights,
    gpu_memory_bytes: float,
    memory_utilization: np.ndarray,
    score_bytes: np.ndarray | float,
    runtime_bytes: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Bytes a replica has left for KV cache: t x HBM x utilisation, less the resident weights (one
    full copy plus t - 1 extra copies of the non-expert weights under data-parallel attention), the
    attention scores of one prefill in flight (zero with FlashAttention) and what the serving runtime keeps
    out of the KV budget in the replica (``runtime_bytes``: its profiled reserve and a kernel's weight padding,
    ``costmodel.engine.serving_runtime``; 0 for the generic runtime)."""
    tp = layout.tensor_parallel
    usable = tp * gpu_memory_bytes * memory_utilization
    extra_copies = np.where(layout.attention_data_parallel, tp - 1, 0.0)
    resident = weights.weights_bytes + extra_copies * weights.always_read_bytes
    free = usable - resident - score_bytes
    return free if is_scalar_value(runtime_bytes, 0) else free - runtime_bytes


def batch_that_fits(
    free_bytes: np.ndarray,
    kv_bytes_per_request: np.ndarray,
    max_batch_size: np.ndarray,
    max_num_tokens: np.ndarray,
    tokens_per_sequence_step: np.ndarray | float,
) -> np.ndarray:
    """Most sequences one replica decodes together: the fewer of what its free memory holds
    (``kv_bytes_per_request`` as reserved, every copy included) and the engine's limits on sequences
    and on tokens per step (each sequence carries ``tokens_per_sequence_step`` tokens a step)."""
    by_memory, by_engine = batch_limits(
        free_bytes, kv_bytes_per_request, max_batch_size, max_num_tokens, tokens_per_sequence_step
    )
    return np.minimum(by_memory, by_engine)


def batch_limits(
    free_bytes: np.ndarray,
    kv_bytes_per_request: np.ndarray,
    max_batch_size: np.ndarray,
    max_num_tokens: np.ndarray,
    tokens_per_sequence_step: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """(sequences the free KV memory holds, sequences the engine's limits allow) for one replica;
    :func:`batch_that_fits` is the smaller. The service-level search (costmodel.engine.service_level)
    names whichever binds."""
    by_memory = np.floor(np.maximum(free_bytes, 0) / kv_bytes_per_request)
    by_engine = np.minimum(max_batch_size, np.floor(max_num_tokens / tokens_per_sequence_step))
    return by_memory, by_engine
