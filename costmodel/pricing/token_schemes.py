"""Per-token schemes: flat, cached input, long-context tier, batch discount.

Each bills a request from its token counts alone (no state, no deployment context).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from costmodel.pricing.base import Scheme, per_token
from costmodel.pricing.defaults import scheme_default


class FlatScheme(Scheme):
    """S_in * p_in + S_out * p_out (cost-physics.md section 6)."""

    id: ClassVar[str] = "flat"
    title: ClassVar[str] = "Flat per token"
    input_usd_per_m: float = Field(
        default=scheme_default("flat", "input_usd_per_m"), ge=0, description="USD per 1M input tokens"
    )
    output_usd_per_m: float = Field(
        default=scheme_default("flat", "output_usd_per_m"),
        ge=0,
        description="USD per 1M output tokens (reasoning included)",
    )

    def revenue(self, c, ctx, state):
        return (
            c["prompt_tokens"] * per_token(self.input_usd_per_m)
            + c["output_tokens"] * per_token(self.output_usd_per_m)
        ), None


class CachedInputScheme(Scheme):
    """Cache reads at a fraction of the input price, cache writes at a premium.

    Per request with prompt P >= ``min_cacheable_tokens``: R cached (read) tokens,
    W written tokens (capped at P - R), the rest plain input:
    ``(P - R - W) p_in + R f_read p_in + W m_write p_in + S_out p_out``; shorter prompts
    are billed as plain input. m_write = 1.25 for the 5-minute cache, 2 for the 1-hour
    cache (Anthropic pricing page, prices-and-gpus.md section 3a).
    """

    id: ClassVar[str] = "cached-input"
    title: ClassVar[str] = "Cached input"
    input_usd_per_m: float = Field(default=scheme_default("cached-input", "input_usd_per_m"), ge=0)
    output_usd_per_m: float = Field(default=scheme_default("cached-input", "output_usd_per_m"), ge=0)
    cache_read_fraction: float = Field(
        default=scheme_default("cached-input", "cache_read_fraction"),
        ge=0,
        le=10,
        description="cache read price / input price",
    )
    cache_ttl: Literal["5m", "1h"] = Field(
        default=scheme_default("cached-input", "cache_ttl"), description="cache lifetime bought"
    )
    cache_write_multiplier_5m: float = Field(
        default=scheme_default("cached-input", "cache_write_multiplier_5m"), ge=0, le=100
    )
    cache_write_multiplier_1h: float = Field(
        default=scheme_default("cached-input", "cache_write_multiplier_1h"), ge=0, le=100
    )
    min_cacheable_tokens: int = Field(
        default=scheme_default("cached-input", "min_cacheable_tokens"),
        ge=0,
        description="shorter prompts are never cached",
    )

    @property
    def write_multiplier(self) -> float:
        return self.cache_write_multiplier_5m if self.cache_ttl == "5m" else self.cache_write_multiplier_1h

    def split(self, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(plain, read, written) prompt tokens per request."""
        p = c["prompt_tokens"]
        ok = p >= self.min_cacheable_tokens
        read = np.where(ok, np.minimum(c["cached_tokens"], p), 0.0)
        write = np.where(ok, np.minimum(c["cache_write_tokens"], p - read), 0.0)
        return p - read - write, read, write

    def revenue(self, c, ctx, state):
        plain, read, write = self.split(c)
        p_in = per_token(self.input_usd_per_m)
        rev = (
            plain * p_in
            + read * (p_in * self.cache_read_fraction)
            + write * (p_in * self.write_multiplier)
            + c["output_tokens"] * per_token(self.output_usd_per_m)
        )
        return rev, None


class LongContextTierScheme(Scheme):
    """Above ``threshold_tokens`` of prompt, every token of the request at the long rates.

    Whole-request semantics, as Anthropic's >200K tier (prices-and-gpus.md 3a): a prompt
    of exactly the threshold is billed at the base rates, one token more and the whole
    request (input, cached input and output) moves to the long rates.
    """

    id: ClassVar[str] = "long-context-tier"
    title: ClassVar[str] = "Long-context tier"
    threshold_tokens: int = Field(default=scheme_default("long-context-tier", "threshold_tokens"), ge=0)
    input_usd_per_m: float = Field(default=scheme_default("long-context-tier", "input_usd_per_m"), ge=0)
    output_usd_per_m: float = Field(default=scheme_default("long-context-tier", "output_usd_per_m"), ge=0)
    long_input_usd_per_m: float = Field(
        default=scheme_default("long-context-tier", "long_input_usd_per_m"), ge=0
    )
    long_output_usd_per_m: float = Field(
        default=scheme_default("long-context-tier", "long_output_usd_per_m"), ge=0
    )
    cache_read_fraction: float = Field(
        default=scheme_default("long-context-tier", "cache_read_fraction"), ge=0, le=10
    )

    def revenue(self, c, ctx, state):
        p = c["prompt_tokens"]
        long = p > self.threshold_tokens
        p_in = np.where(long, per_token(self.long_input_usd_per_m), per_token(self.input_usd_per_m))
        p_out = np.where(long, per_token(self.long_output_usd_per_m), per_token(self.output_usd_per_m))
        read = np.minimum(c["cached_tokens"], p)
        rev = (p - read) * p_in + read * p_in * self.cache_read_fraction + c["output_tokens"] * p_out
        return rev, None


class BatchDiscountScheme(Scheme):
    """Flat prices less a fraction, for asynchronous or off-peak work."""

    id: ClassVar[str] = "batch-discount"
    title: ClassVar[str] = "Batch / off-peak discount"
    input_usd_per_m: float = Field(default=scheme_default("batch-discount", "input_usd_per_m"), ge=0)
    output_usd_per_m: float = Field(default=scheme_default("batch-discount", "output_usd_per_m"), ge=0)
    discount: float = Field(
        default=scheme_default("batch-discount", "discount"), ge=0, le=1, description="fraction off"
    )

    def revenue(self, c, ctx, state):
        k = 1.0 - self.discount
        return (
            c["prompt_tokens"] * per_token(self.input_usd_per_m * k)
            + c["output_tokens"] * per_token(self.output_usd_per_m * k)
        ), None
