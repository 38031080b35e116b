"""Attention FLOPs: per (query, key) pair, in a decode step, in a causal prefill.

Sources:
- QK^T plus AV: 4 x h x d_h FLOPs per layer per (query, key) pair, 2 FLOPs per
  multiply-add.
- Multi-head latent attention (DeepSeek-V2 report, arXiv 2405.04434, section
  2.1.3): decode runs in the absorbed form over the latent, prefill in the
  expanded form.
- A causal prefill of n new tokens after C cached tokens forms n x C + n^2/2
  pairs; a sliding-window layer (Beltagy et al., Longformer, arXiv
  2004.05150) at most n x window, the window as the model's config gives it.
- DeepSeek Sparse Attention (DeepSeek-V3.2-Exp report, github.com/deepseek-ai/DeepSeek-V3.2-Exp,
  section 2): a lightning indexer (config ``index_n_heads`` 64 x ``index_head_dim`` 128, FP8) scores
  every preceding token, and the query attends only the top ``index_topk`` = 2,048 of them; DSA is
  "instantiated under MLA ... in MQA mode", so prefill as well as decode attend in the absorbed form over
  the latent. Attention then costs O(L k) and the indexer O(L^2) at 2 x 64 x 128 FLOPs per pair (a
  seventeenth of an absorbed MLA pair). The indexer's FLOPs are counted at the bf16 attention rate
  although it runs in FP8 (an upper bound on its time).
- FlashMLA's sparse prefill kernel (``flash_mla_sparse_fwd``, github.com/deepseek-ai/FlashMLA README: q
  ``[s_q, h_q, d_qk]``, indices ``[s_q, h_kv, topk]``, "invalid indices should be set to -1") works through
  all ``topk`` slots of every query, the invalid ones masked, so a query whose context is shorter than
  2,048 tokens still costs 2,048 pairs; and it takes whole head tiles: vLLM's FLASHMLA_SPARSE backend
  (vllm/v1/attention/backends/mla/flashmla_sparse.py, ``_forward_bf16_kv``, v0.11-v0.14: "kernel requires
  num_local_head to be a multiple of 64 on hopper and 128 on blackwell") pads the heads of a rank up to
  that multiple, DeepSeek-V3.2 at TP2 on Blackwell 64 heads to 128, twice the attention work
  (``padded_sparse_prefill_attention_flops``; KernelParams ``sparse_prefill_head_multiple``).
"""

from __future__ import annotations

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture


def attention_flops_per_pair(model: ModelArchitecture, decode: bool) -> float:
    """FLOPs per layer for one (query, key) pair: QK^T plus AV, 2 FLOPs per multiply-add.

    GQA/MHA: 2 h d_h + 2 h d_h = 4 h d_h. MLA at decode runs in the absorbed form
    over the latent (2 h (d_c + d_r) + 2 h d_c); at prefill in the expanded form
    (2 h (d_nope + d_r) + 2 h d_v) (DeepSeek-V2 report, arXiv 2405.04434, section 2.1.3).
    """
    h = model.num_attention_heads
    if model.attention == "mla":
        if decode or model.sparse_attention_top_k:  # DSA attends in MLA's MQA (absorbed) mode in both phases
            return 2.0 * h * (model.kv_lora_rank + model.qk_rope_head_dim) + 2.0 * h * model.kv_lora_rank
        return 2.0 * h * (model.qk_nope_head_dim + model.qk_rope_head_dim) + 2.0 * h * model.v_head_dim
    return 4.0 * h * model.head_dim


def indexer_flops_per_pair(model: ModelArchitecture) -> float:
    """FLOPs per layer the DSA lightning indexer spends scoring one (query, key) pair: 2 x indexer heads x
    head width (DeepSeek-V3.2: 2 x 64 x 128 = 16,384); 0 without sparse attention."""
    return 2.0 * model.indexer_heads * model.indexer_head_dim if model.sparse_attention_top_k else 0.0


def sparse_prefill_pairs(new_tokens: np.ndarray, cached_tokens: np.ndarray, top_k: float) -> np.ndarray:
    """(query, key) pairs a causal prefill attends when each query attends at most ``top_k`` tokens.

    Query i (1..n) sees C + i tokens; the first m = clip(k - C, 0, n) queries see fewer than k:
    m C + m^2 / 2 + (n - m) k pairs (n C + n^2/2 when no query reaches k, as ``prefill_attention_flops``)."""
    n, c = np.asarray(new_tokens, dtype=float), np.asarray(cached_tokens, dtype=float)
    m = np.clip(top_k - c, 0.0, n)
    return m * c + m * m / 2 + (n - m) * top_k


def sparse_prefill_head_padding(heads: int, tensor_parallel: np.ndarray, attention_data_parallel: np.ndarray,
                                head_multiple: float) -> np.ndarray:
    """Heads a sparse-prefill kernel computes per rank over the heads the rank holds: the rank's heads
    (all of them under data-parallel attention, h / t under tensor-parallel) rounded up to ``head_multiple``
    (FlashMLA on Blackwell: 128; 0 = no padding, 1). DeepSeek-V3.2 (128 heads) at TP2: 64 -> 128, 2."""
    if not head_multiple:
        return np.ones_like(np.asarray(tensor_parallel, dtype=float))
    per_rank = np.where(attention_data_parallel, float(heads), heads / np.asarray(tensor_parallel, dtype=float))
    return np.ceil(per_rank / head_multiple) * head_multiple / per_rank


def padded_sparse_prefill_attention_flops(model: ModelArchitecture, new_tokens: np.ndarray,
                                          cached_tokens: np.ndarray, head_factor: np.ndarray) -> np.ndarray:
    """Prefill attention FLOPs of DSA under FlashMLA's sparse prefill kernel: every query computes all top-k
    slots (n k pairs, however short its context) over ``head_factor`` x the rank's heads
    (``sparse_prefill_head_padding``), plus the indexer over every causal pair as in
    ``prefill_attention_flops``. At n = 2,048 new tokens, no cache, TP2: n k pairs are twice the n^2/2 causal
    ones, and the padding doubles them again: 4 x the unpadded attention term."""
    n, c = np.asarray(new_tokens, dtype=float), np.asarray(cached_tokens, dtype=float)
    k = float(model.sparse_attention_top_k)
    return _sparse_prefill_flops(model, head_factor * n * k, causal_prefill_pairs(n, c))


def causal_prefill_pairs(new_tokens: np.ndarray, cached_tokens: np.ndarray) -> np.ndarray:
    """(query, key) pairs of a causal prefill in one full-attention layer: query i (1..n) sees C + i tokens,
    n C + n^2/2 in all."""
    return new_tokens * cached_tokens + new_tokens * new_tokens / 2


def _sparse_prefill_flops(model: ModelArchitecture, attended_pairs: np.ndarray, causal_pairs: np.ndarray) -> np.ndarray:
    """DSA prefill FLOPs over the full-attention layers: attention over ``attended_pairs``, the lightning indexer
    over every causal pair."""
    per_pair = attention_flops_per_pair(model, decode=False)
    return model.full_attention_layers * (per_pair * attended_pairs + indexer_flops_per_pair(model) * causal_pairs)


def decode_attention_flops_per_token(model: ModelArchitecture, context_tokens: np.ndarray) -> np.ndarray:
    """Attention FLOPs of one decoded token over every layer: per pair x layers x attended context
    (sliding-window layers attend at most their window: ``ModelArchitecture.attended_context``; sparse
    attention at most its top-k, plus the indexer over the whole context)."""
    per_pair = attention_flops_per_pair(model, decode=True)
    attended = np.asarray(model.attended_context(context_tokens))
    if model.sparse_attention_top_k:
        k = float(model.sparse_attention_top_k)
        return model.num_layers * (per_pair * np.minimum(attended, k) + indexer_flops_per_pair(model) * attended)
    return per_pair * model.num_layers * attended


def prefill_attention_flops(model: ModelArchitecture, new_tokens: np.ndarray, cached_tokens: np.ndarray) -> np.ndarray:
    """Attention FLOPs of a causal prefill: n C + n^2/2 pairs per full layer, n min(window, C + n/2)
    per sliding-window layer, each pair ``attention_flops_per_pair``."""
    pairs_full = causal_prefill_pairs(new_tokens, cached_tokens)
    if model.sliding_window_layers:
        window = float(model.sliding_window)
        pairs_win = new_tokens * np.minimum(window, cached_tokens + new_tokens / 2)
    else:
        pairs_win = 0.0
    if model.sparse_attention_top_k:  # top-k attention plus the indexer over every causal pair
        sparse = sparse_prefill_pairs(new_tokens, cached_tokens, float(model.sparse_attention_top_k))
        return _sparse_prefill_flops(model, sparse, pairs_full)
    per_pair = attention_flops_per_pair(model, decode=False)
    return per_pair * (model.full_attention_layers * pairs_full + model.sliding_window_layers * pairs_win)


def prefix_attention_flops_per_cached_token(model: ModelArchitecture, new_tokens: np.ndarray,
                                            cached_tokens: np.ndarray | float = 0.0) -> np.ndarray:
    """Prefill FLOPs the new tokens spend attending to one cached prefix token (full-attention layers):
    what a cached token costs (``money.usd_per_million_tokens``).

    Under sparse attention a query attends at most top-k tokens, so the cached tokens' share is the pairs the
    prefix adds, sparse_prefill_pairs(n, C) - sparse_prefill_pairs(n, 0), spread over the C cached tokens,
    plus the indexer scoring each of them for every new token (at C = 0, the limit: a query's first
    top-k tokens)."""
    per_pair = attention_flops_per_pair(model, decode=False)
    if not model.sparse_attention_top_k:
        return per_pair * model.full_attention_layers * new_tokens
    k = float(model.sparse_attention_top_k)
    n, c = np.asarray(new_tokens, dtype=float), np.asarray(cached_tokens, dtype=float)
    added = sparse_prefill_pairs(n, c, k) - sparse_prefill_pairs(n, 0.0, k)
    attended_per_cached = np.where(c > 0, added / np.maximum(c, 1e-30), np.where(n < k, n, 0.0))
    return model.full_attention_layers * (per_pair * attended_per_cached + indexer_flops_per_pair(model) * n)
