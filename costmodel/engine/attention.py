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
        if decode:
            return 2.0 * h * (model.kv_lora_rank + model.qk_rope_head_dim) + 2.0 * h * model.kv_lora_rank
        return 2.0 * h * (model.qk_nope_head_dim + model.qk_rope_head_dim) + 2.0 * h * model.v_head_dim
    return 4.0 * h * model.head_dim


def decode_attention_flops_per_token(model: ModelArchitecture, context_tokens: np.ndarray) -> np.ndarray:
    """Attention FLOPs of one decoded token over every layer: per pair x layers x attended context
    (sliding-window layers attend at most their window: ``ModelArchitecture.attended_context``)."""
    per_pair = attention_flops_per_pair(model, decode=True)
    return per_pair * model.num_layers * np.asarray(model.attended_context(context_tokens))


def prefill_attention_flops(model: ModelArchitecture, new_tokens: np.ndarray, cached_tokens: np.ndarray) -> np.ndarray:
    """Attention FLOPs of a causal prefill: n C + n^2/2 pairs per full layer, n min(window, C + n/2)
    per sliding-window layer, each pair ``attention_flops_per_pair``."""
    pairs_full = new_tokens * cached_tokens + new_tokens * new_tokens / 2
    if model.sliding_window_layers:
        window = float(model.sliding_window)
        pairs_win = new_tokens * np.minimum(window, cached_tokens + new_tokens / 2)
    else:
        pairs_win = 0.0
    per_pair = attention_flops_per_pair(model, decode=False)
    return per_pair * (model.full_attention_layers * pairs_full + model.sliding_window_layers * pairs_win)


def prefix_attention_flops_per_cached_token(model: ModelArchitecture, new_tokens: np.ndarray) -> np.ndarray:
    """Prefill FLOPs the new tokens spend attending to one cached prefix token (full-attention layers):
    what a cached token costs (``money.usd_per_million_tokens``)."""
    return attention_flops_per_pair(model, decode=False) * model.full_attention_layers * new_tokens
