"""Context parallelism (ring attention): one request's prefill and KV cache split over several GPU groups.

Sources: Liu, Zaharia & Abbeel, "Ring Attention with Blockwise Transformers for Near-Infinite
Context", arXiv 2310.01889 (2023), section 3; context parallelism in Megatron-Core and in Meta's
"Context Parallelism for Scalable Million-Token Inference" (Yang et al., arXiv 2411.01783, 2024).

- A replica is ``context_parallel`` (c) groups of ``tensor_parallel`` (t) GPUs. Each group holds a
  full copy of the weights (sharded t ways) and 1/c of every sequence's tokens: its KV cache, its
  share of the prefill's matrix products and, with load-balanced (zig-zag) causal blocks, 1/c of
  the attention pairs.
- The ring: each group passes its KV block (its S/c context tokens) to the next, c - 1 times, so
  every GPU sends (c - 1)/c x S x (KV bytes per token) x (KV copies) / t bytes per prefill. The
  transfer of one block overlaps the attention over the previous one; only the part of the ring's
  time beyond the prefill's compute is exposed.
- Decode: each group attends over its 1/c of the cache (reads and FLOPs split c ways); the dense
  layers run on every group for the whole batch (replicated). The combine of the c partial
  attention outputs (a few KB per token per layer) is not costed.
"""

from __future__ import annotations

import numpy as np


def rank_gpus(gpus: np.ndarray, context_parallel: np.ndarray) -> np.ndarray:
    """GPUs available to one context rank's tensor-parallel layout: floor(N / c)."""
    return np.floor(gpus / context_parallel)


def replica_free_kv_bytes(free_per_rank: np.ndarray, context_parallel: np.ndarray) -> np.ndarray:
    """KV bytes a replica of c ranks holds: c x what one rank has left after its copy of the weights."""
    return context_parallel * np.maximum(free_per_rank, 0.0)


def ring_kv_bytes_per_gpu(context_tokens: np.ndarray, kv_bytes_per_token: np.ndarray, kv_copies: np.ndarray,
                          tensor_parallel: np.ndarray, context_parallel: np.ndarray) -> np.ndarray:
    """Bytes each GPU sends around the ring in one prefill: (c - 1)/c x S x kv bytes per token x copies / t."""
    c = np.asarray(context_parallel, dtype=float)
    return (c - 1) / c * context_tokens * kv_bytes_per_token * kv_copies / tensor_parallel


def exposed_ring_seconds(ring_bytes: np.ndarray, link_bytes_s: np.ndarray, compute_seconds: np.ndarray
                         ) -> np.ndarray:
    """The ring's time beyond the compute it overlaps with: max(0, bytes / link - compute)."""
    return np.maximum(ring_bytes / link_bytes_s - compute_seconds, 0.0)
