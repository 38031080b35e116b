"""The numbers behind the Learn page's pictures: the KV-cache formula term by term, mixture-of-experts
coverage against the batch, and why a cached prompt token still costs money at long context.

Every function reads the catalog's architecture and the engine's own formulas (no second copy of
the physics); tests in tests/test_teaching.py check them by hand (DeepSeek-V3's 70,272 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.engine.decode import experts_touched


@dataclass(frozen=True)
class KvTerms:
    """The KV-cache bytes one token adds, as the product the Learn page writes out.

    ``values_per_layer``: cached values per token per attention layer (GQA/MHA: 2 h_kv d_h for K and V;
    MLA: d_c + d_r, one compressed latent and one decoupled RoPE key); ``layers``; ``bytes_per_value``.
    """

    attention: str
    values_per_layer: int
    layers: int
    bytes_per_value: float
    terms: str  # how values_per_layer is made, e.g. "2 x 8 x 128" or "512 + 64"

    @property
    def bytes_per_token(self) -> float:
        return self.values_per_layer * self.layers * self.bytes_per_value


def kv_terms(model: ModelArchitecture, kv_bits: int) -> KvTerms:
    """The KV formula's terms for ``model`` (equal to ``ModelArchitecture.kv_bytes_per_token``)."""
    if model.attention == "mla":
        values = model.kv_lora_rank + model.qk_rope_head_dim
        terms = f"{model.kv_lora_rank} + {model.qk_rope_head_dim}"
    else:
        values = 2 * model.num_kv_heads * model.head_dim
        terms = f"2 × {model.num_kv_heads} × {model.head_dim}"
    return KvTerms(model.attention, int(values), int(model.num_layers), kv_bits / 8, terms)


def expert_coverage(model: ModelArchitecture, batch: np.ndarray, experts_total: int | None = None,
                    experts_active: int | None = None) -> np.ndarray:
    """Share of a MoE layer's experts that a decode step of ``batch`` tokens reads: E (1 - (1 - k/E)^B) / E
    (uniform routing, ``engine.decode.experts_touched``). 1 for a dense model."""
    e = float(experts_total or model.num_experts)
    k = float(experts_active or model.experts_per_token)
    b = np.asarray(batch, dtype=float)
    if e <= 0:
        return np.ones_like(b)
    return np.asarray(experts_touched(e, k, b), dtype=float) / e


def attention_share_of_prefill(model: ModelArchitecture, prompt_tokens: float) -> float:
    """Share of one prefill's FLOPs spent in attention: 4 L h d_h S (S/2) over that plus 2 P_active S
    (the Learn page's forward-pass formula with no cached prefix). Grows with S: why a cached token, which
    skips the 2 P_active part but is still attended to, costs almost as much as a new one at long context."""
    s = float(prompt_tokens)
    if s <= 0:
        return 0.0
    attention = 4 * model.full_attention_layers * model.attention_width * s * (s / 2)
    linear = 2 * float(model.active_params()) * s
    return attention / (attention + linear)


@dataclass(frozen=True)
class CachedVsUncached:
    """One scenario's cost per million input tokens, uncached and served from the prefix cache (USD), at a
    prompt length, with the share of that prefill's FLOPs spent in attention."""

    prompt_tokens: int
    new_tokens: int  # the prompt's uncached part, which attends to every cached token
    uncached_usd_per_m: float
    cached_usd_per_m: float
    attention_share: float

    @property
    def cached_over_uncached(self) -> float:
        return self.cached_usd_per_m / self.uncached_usd_per_m if self.uncached_usd_per_m else float("nan")


def cached_vs_uncached(s, catalog, prompt_tokens: int, cache_hit_rate: float = 0.5) -> CachedVsUncached:
    """``s`` re-run at ``prompt_tokens`` with prefix caching on at ``cache_hit_rate``. The engine bills the
    attention the new tokens spend reading the cached prefix to the cached tokens (``engine.money``), so each
    cached token pays ``new_tokens`` attention reads and a new token its pass through the weights plus the
    attention among the new tokens: at long context a cached token can cost as much as a new one, or more."""
    from costmodel.engine.inference import estimate

    r = estimate(s.model_copy(update={"prompt_tokens": int(prompt_tokens), "prefix_caching": True,
                                      "cache_hit_rate": cache_hit_rate}), catalog)
    share = attention_share_of_prefill(catalog.model(s.model), prompt_tokens)
    new = int(round(prompt_tokens * (1 - cache_hit_rate)))
    return CachedVsUncached(int(prompt_tokens), new, float(r.usd_per_million_input_tokens),
                            float(r.usd_per_million_cached_input_tokens), share)
