"""Transformer architectures: parameter counts and KV-cache size from a model's published config.

Parameter counts are *computed* from the architecture (tests compare them with
the totals the model cards publish), so a user who changes the expert count sees
total and active parameters follow.

Conventions (Kaplan et al. 2020, "Scaling Laws for Neural Language Models",
arXiv 2001.08361, section 2.1): a forward pass costs 2 FLOPs per parameter that
takes part in a matrix product per token. The input embedding is a table lookup,
so it is counted in memory but not in FLOPs; the output projection (lm_head) is a
real matrix product and is counted in both.

Array-friendly: ``experts_total`` and ``experts_active`` may be numpy arrays, so a
sweep over them stays vectorised.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

ArrayLike = float | np.ndarray


class ModelArchitecture(BaseModel):
    """A decoder-only transformer as described by its config.json and model card."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    family: str = ""
    num_layers: int = Field(ge=1, le=1_000)
    hidden_size: int = Field(ge=1, le=1_000_000)
    num_attention_heads: int = Field(ge=1, le=10_000)
    num_kv_heads: int = Field(ge=1, le=10_000, description="key/value heads (= attention heads for MHA)")
    head_dim: int = Field(ge=1, le=10_000)
    attention: Literal["gqa", "mla"] = "gqa"
    # Multi-head latent attention (DeepSeek-V2/V3), arXiv 2412.19437 section 2.1.1
    kv_lora_rank: int = Field(default=0, ge=0, description="MLA latent width d_c")
    qk_rope_head_dim: int = Field(default=0, ge=0, description="MLA decoupled RoPE key width d_r")
    qk_nope_head_dim: int = Field(default=0, ge=0)
    v_head_dim: int = Field(default=0, ge=0)
    q_lora_rank: int = Field(default=0, ge=0, description="MLA query compression rank (0 = none)")
    sparse_attention_top_k: int = Field(
        default=0, ge=0,
        description="DeepSeek Sparse Attention: each query attends at most this many tokens its lightning indexer "
        "picks (config index_topk; 0 = dense attention); DeepSeek-V3.2-Exp report, section 2",
    )
    indexer_heads: int = Field(default=0, ge=0, description="DSA lightning indexer heads (config index_n_heads)")
    indexer_head_dim: int = Field(default=0, ge=0, description="DSA lightning indexer head width (index_head_dim)")
    sliding_window: int | None = Field(default=None, ge=1, description="window (or chunk) in tokens")
    sliding_window_layers: int = Field(default=0, ge=0, description="layers that use the window")
    intermediate_size: int = Field(ge=0, description="FFN width of the dense layers")
    ffn_gated: bool = Field(default=True, description="SwiGLU-style FFN with 3 matrices (False: 2)")
    num_experts: int = Field(default=0, ge=0, le=100_000, description="routed experts per MoE layer (0 = dense)")
    experts_per_token: int = Field(default=0, ge=0, description="top-k routed experts per token")
    num_shared_experts: int = Field(default=0, ge=0)
    moe_intermediate_size: int = Field(default=0, ge=0, description="FFN width of one routed expert")
    shared_expert_intermediate_size: int = Field(default=0, ge=0, description="0 = same as a routed expert")
    moe_layers: int = Field(default=0, ge=0, description="layers whose FFN is a mixture of experts")
    max_routed_nodes: int = Field(
        default=0,
        ge=0,
        description="node-limited routing: a token's experts lie on at most this many nodes (0 = no limit); "
        "DeepSeek-V3 topk_group = 4 (arXiv 2412.19437, section 2.1.2)",
    )
    vocab_size: int = Field(ge=1, le=10_000_000)
    tie_word_embeddings: bool = False
    max_context_tokens: int = Field(ge=1, le=100_000_000)
    published_total_params_b: float = Field(gt=0, description="total parameters per the model card, billions")
    published_active_params_b: float = Field(gt=0, description="active parameters per token per the model card")
    published_active_excludes_embedding: bool = Field(
        default=False,
        description="True where the model card's active count leaves out the input-embedding lookup "
        "(gpt-oss counts only the unembedding); compare it with matmul_params_per_token then",
    )
    native_weight_bits: int = Field(default=16, description="precision the weights are released in")
    native_scale_group: int = Field(
        default=0,
        ge=0,
        description="weights per scale of the released low-bit format (0 = the generic group-128 fp16 scales of "
        "costmodel.engine.memory); gpt-oss's MXFP4: 32 (OCP Microscaling Formats v1.0)",
    )
    native_scale_bits: int = Field(
        default=0, ge=0, le=32, description="bits of one scale of the released low-bit format (MXFP4: 8, E8M0)"
    )
    source: str = Field(min_length=3)
    checked: dt.date
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> ModelArchitecture:
        if self.num_attention_heads % self.num_kv_heads:
            raise ValueError(
                f"num_attention_heads ({self.num_attention_heads}) must be a multiple of num_kv_heads ({self.num_kv_heads})"
            )
        if self.num_experts:
            if not 1 <= self.experts_per_token <= self.num_experts:
                raise ValueError("experts_per_token must be between 1 and num_experts")
            if self.moe_intermediate_size <= 0:
                raise ValueError("moe_intermediate_size is required for a mixture-of-experts model")
            if not 1 <= self.moe_layers <= self.num_layers:
                raise ValueError("moe_layers must be between 1 and num_layers for a mixture-of-experts model")
        elif self.moe_layers or self.experts_per_token:
            raise ValueError("moe_layers/experts_per_token given but num_experts is 0")
        if self.attention == "mla" and (self.kv_lora_rank <= 0 or self.qk_rope_head_dim <= 0):
            raise ValueError("MLA needs kv_lora_rank and qk_rope_head_dim")
        if self.sliding_window_layers > self.num_layers:
            raise ValueError("sliding_window_layers exceeds num_layers")
        if self.sliding_window_layers and self.sliding_window is None:
            raise ValueError("sliding_window_layers given without sliding_window")
        return self

    # ----------------------------------------------------------------- structure
    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def dense_layers(self) -> int:
        return self.num_layers - self.moe_layers

    @property
    def full_attention_layers(self) -> int:
        return self.num_layers - self.sliding_window_layers

    @property
    def attention_width(self) -> int:
        """h * d_h: query heads times the head width used in the QK^T product."""
        if self.attention == "mla":
            return self.num_attention_heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.num_attention_heads * self.head_dim

    # ---------------------------------------------------------------- parameters
    @property
    def attention_params_per_layer(self) -> float:
        d, h = self.hidden_size, self.num_attention_heads
        if self.attention == "mla":
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            q = d * self.q_lora_rank + self.q_lora_rank * h * qk if self.q_lora_rank else d * h * qk
            kv_a = d * (self.kv_lora_rank + self.qk_rope_head_dim)
            kv_b = self.kv_lora_rank * h * (self.qk_nope_head_dim + self.v_head_dim)
            o = h * self.v_head_dim * d
            return float(q + kv_a + kv_b + o)
        dh, hkv = self.head_dim, self.num_kv_heads
        return float(d * h * dh + 2 * d * hkv * dh + h * dh * d)

    @property
    def _ffn_matrices(self) -> int:
        return 3 if self.ffn_gated else 2

    @property
    def dense_ffn_params_per_layer(self) -> float:
        return float(self._ffn_matrices * self.hidden_size * self.intermediate_size)

    @property
    def params_per_expert(self) -> float:
        """Parameters of one routed expert's FFN."""
        return float(self._ffn_matrices * self.hidden_size * self.moe_intermediate_size)

    @property
    def shared_expert_params_per_layer(self) -> float:
        width = self.shared_expert_intermediate_size or self.moe_intermediate_size
        return float(self.num_shared_experts * self._ffn_matrices * self.hidden_size * width)

    @property
    def embedding_params(self) -> float:
        return float(self.vocab_size * self.hidden_size)

    @property
    def lm_head_params(self) -> float:
        return 0.0 if self.tie_word_embeddings else self.embedding_params

    def always_read_params(self, experts_total: ArrayLike) -> ArrayLike:
        """Parameters every token touches, without routed experts and without the embedding table."""
        d = self.hidden_size
        norms = 2 * d * self.num_layers + d
        router = d * np.asarray(experts_total, dtype=float) * self.moe_layers
        return (
            self.num_layers * self.attention_params_per_layer
            + self.dense_layers * self.dense_ffn_params_per_layer
            + self.moe_layers * self.shared_expert_params_per_layer
            + router
            + norms
            + self.embedding_params  # lm_head: tied or not, the product reads a V x d matrix
        )

    def total_params(self, experts_total: ArrayLike | None = None) -> ArrayLike:
        """All parameters, the embedding table included (what the weights occupy in memory)."""
        e = self.num_experts if experts_total is None else experts_total
        routed = self.moe_layers * np.asarray(e, dtype=float) * self.params_per_expert
        return self.always_read_params(e) + routed + self.lm_head_params

    def active_params(self, experts_active: ArrayLike | None = None, experts_total: ArrayLike | None = None) -> ArrayLike:
        """Parameters used per token, model-card convention (embedding table included)."""
        e = self.num_experts if experts_total is None else experts_total
        k = self.experts_per_token if experts_active is None else experts_active
        routed = self.moe_layers * np.asarray(k, dtype=float) * self.params_per_expert
        return self.always_read_params(e) + routed + self.lm_head_params

    def matmul_params_per_token(
        self, experts_active: ArrayLike | None = None, experts_total: ArrayLike | None = None
    ) -> ArrayLike:
        """Parameters in matrix products per token: active parameters less the input-embedding lookup.

        Forward FLOPs per token = 2 x this (Kaplan et al. 2020, section 2.1).
        """
        # One V x d matrix takes part in the lm_head product; an untied input table is only looked up.
        return self.active_params(experts_active, experts_total) - self.lm_head_params

    def active_params_as_published(self) -> float:
        """Computed active parameters in the model card's own convention, to set beside
        ``published_active_params_b``: with the input embedding unless the card leaves it out."""
        if self.published_active_excludes_embedding:
            return float(self.matmul_params_per_token())
        return float(self.active_params())

    def routed_expert_params_per_layer(self, experts_total: ArrayLike | None = None) -> ArrayLike:
        e = self.num_experts if experts_total is None else experts_total
        return np.asarray(e, dtype=float) * self.params_per_expert

    # ------------------------------------------------------------------ KV cache
    def kv_bytes_per_token_per_layer(self, kv_bits: ArrayLike) -> ArrayLike:
        """Bytes of cached state one token adds to one attention layer.

        GQA/MHA: K and V for each KV head, 2 * h_kv * d_h values.
        MLA: one latent of d_c plus a decoupled RoPE key of d_r, no separate V
        (DeepSeek-V3 technical report, arXiv 2412.19437, section 2.1.1, eq. 1-5).
        """
        bytes_per_value = np.asarray(kv_bits, dtype=float) / 8
        if self.attention == "mla":
            return (self.kv_lora_rank + self.qk_rope_head_dim) * bytes_per_value
        return 2 * self.num_kv_heads * self.head_dim * bytes_per_value

    def kv_bytes_per_token(self, kv_bits: ArrayLike) -> ArrayLike:
        """KV-cache bytes per token over all layers, for a context within every window.

        Llama-3.1-70B (L=80, h_kv=8, d_h=128) at 16 bits: 2*80*8*128*2 = 327,680 bytes.
        """
        return self.num_layers * self.kv_bytes_per_token_per_layer(kv_bits)

    def kv_bytes_for_context(self, context_tokens: ArrayLike, kv_bits: ArrayLike) -> ArrayLike:
        """KV bytes held for one sequence of ``context_tokens``: sliding-window layers keep at most the window."""
        c = np.asarray(context_tokens, dtype=float)
        per_layer = self.kv_bytes_per_token_per_layer(kv_bits)
        held = self.full_attention_layers * c
        if self.sliding_window_layers:
            held = held + self.sliding_window_layers * np.minimum(c, float(self.sliding_window))
        return held * per_layer

    def attended_context(self, context_tokens: ArrayLike) -> ArrayLike:
        """Layer-averaged number of tokens a new token attends to at ``context_tokens``."""
        c = np.asarray(context_tokens, dtype=float)
        if not self.sliding_window_layers:
            return c
        window = np.minimum(c, float(self.sliding_window))
        return (self.full_attention_layers * c + self.sliding_window_layers * window) / self.num_layers
