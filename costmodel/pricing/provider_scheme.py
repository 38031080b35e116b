"""Billing at a provider's list price: :class:`ProviderPriceScheme` and :func:`scheme_for`.

Per request, as the providers document it (sources in docs/pricing.md):

- Prompts of at least ``min_cacheable_tokens`` pay the cache-read price for cached
  tokens and a cache-write price for written tokens; shorter prompts pay input for all.
  Writes are 5-minute writes unless a log reports 1-hour writes
  (``cache_write_1h_tokens``, a subset of ``cache_write_tokens``) or the scheme bills
  every write at the 1-hour price (``cache_ttl="1h"``). Providers without a write
  premium (OpenAI, Gemini, DeepSeek) bill writes at the input price.
- Above ``long_context_threshold`` prompt tokens EVERY token of the request, cache reads
  and writes included, bills at the long rates (whole request, not marginal).
- ``batch`` scales input-side prices by batch_input / input and output by batch_output /
  output, except cache reads, which scale by their own published batch ratio: 1 where the
  provider keeps cached input at the standard rate (Gemini; OpenAI gpt-4o, gpt-4.1, o3,
  o4-mini), the input ratio where the discounts stack (Anthropic).
- Requests whose timestamp falls in an off-peak window (DeepSeek: UTC 16:30-00:30) bill
  input, cache reads and output at the off-peak ratios; unknown timestamps (0) do not.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from costmodel.errors import CostModelError
from costmodel.pricing.base import Scheme
from costmodel.pricing.defaults import scheme_default
from costmodel.pricing.price_rows import ProviderPrice, in_windows


class ProviderPriceScheme(Scheme):
    """A provider's real list price: cache reads and writes, the long-context tier, batch, off-peak."""

    id: ClassVar[str] = "provider-price"
    title: ClassVar[str] = "Provider list price"
    price_id: str = ""
    input_usd_per_m: float = Field(ge=0)
    output_usd_per_m: float = Field(ge=0)
    cached_input_usd_per_m: float = Field(ge=0)
    cache_write_usd_per_m: float = Field(ge=0)
    cache_write_1h_usd_per_m: float | None = Field(default=None, ge=0)
    long_context_threshold: int | None = Field(default=None, ge=1)
    long_input_usd_per_m: float | None = Field(default=None, ge=0)
    long_output_usd_per_m: float | None = Field(default=None, ge=0)
    long_cached_input_usd_per_m: float | None = Field(default=None, ge=0)
    long_cache_write_usd_per_m: float | None = Field(default=None, ge=0)
    batch: bool = False
    batch_input_ratio: float = Field(default=1.0, ge=0, le=1)
    batch_output_ratio: float = Field(default=1.0, ge=0, le=1)
    batch_cached_ratio: float | None = Field(default=None, ge=0, le=1)
    offpeak_windows_utc: tuple[str, ...] = ()
    offpeak_input_ratio: float = Field(default=1.0, ge=0, le=1)
    offpeak_output_ratio: float = Field(default=1.0, ge=0, le=1)
    offpeak_cached_ratio: float = Field(default=1.0, ge=0, le=1)
    min_cacheable_tokens: int = Field(default=scheme_default("cached-input", "min_cacheable_tokens"), ge=0)
    price_date: str = ""
    price_source: str = ""

    @property
    def label(self) -> str:
        return f"provider:{self.price_id}" + (" (batch)" if self.batch else "")

    def _tiered(self, p: np.ndarray, long_value: float | None, base: float) -> np.ndarray | np.float64:
        """USD per token: ``base`` USD/M, or ``long_value`` USD/M for prompts above the threshold."""
        if self.long_context_threshold is None or long_value is None:
            return np.float64(base) / 1e6
        return np.where(p > self.long_context_threshold, long_value / 1e6, base / 1e6)

    def _cache_split(self, c: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cache reads, 5-minute writes, 1-hour writes) per request, after the minimum prompt."""
        p = c["prompt_tokens"]
        ok = p >= self.min_cacheable_tokens
        read = np.where(ok, np.minimum(c["cached_tokens"], p), 0.0)
        write = np.where(ok, np.minimum(c["cache_write_tokens"], p - read), 0.0)
        reported_1h = c.get("cache_write_1h_tokens")
        w1h = np.minimum(reported_1h, write) if reported_1h is not None else np.zeros_like(write)
        return read, write - w1h, w1h

    def revenue(self, c, ctx, state):
        p = c["prompt_tokens"]
        read, w5m, w1h = self._cache_split(c)
        plain = p - read - w5m - w1h
        r_in, r_out = (self.batch_input_ratio, self.batch_output_ratio) if self.batch else (1.0, 1.0)
        r_read = (self.batch_cached_ratio if self.batch_cached_ratio is not None else r_in) if self.batch else 1.0
        if self.offpeak_windows_utc:
            off = in_windows(c["timestamp"], self.offpeak_windows_utc)
            f_in = np.where(off, self.offpeak_input_ratio, 1.0)
            f_read = np.where(off, self.offpeak_cached_ratio, 1.0)
            f_out = np.where(off, self.offpeak_output_ratio, 1.0)
        else:
            f_in = f_read = f_out = 1.0
        write_1h = self.cache_write_1h_usd_per_m
        write_1h = self.cache_write_usd_per_m if write_1h is None else write_1h
        long_ratio = (
            self.long_input_usd_per_m / self.input_usd_per_m
            if self.long_input_usd_per_m is not None and self.input_usd_per_m
            else 1.0
        )
        p_in = self._tiered(p, self.long_input_usd_per_m, self.input_usd_per_m)
        p_read = self._tiered(p, self.long_cached_input_usd_per_m, self.cached_input_usd_per_m)
        p_w5 = self._tiered(p, self.long_cache_write_usd_per_m, self.cache_write_usd_per_m)
        p_w1 = self._tiered(p, write_1h * long_ratio, write_1h)
        p_out = self._tiered(p, self.long_output_usd_per_m, self.output_usd_per_m)
        usd_in = (plain * p_in + w5m * p_w5 + w1h * p_w1) * r_in * f_in + read * p_read * r_read * f_read
        return usd_in + c["output_tokens"] * p_out * r_out * f_out, None


def _ratio(part: float | None, whole: float) -> float:
    return 1.0 if part is None or not whole else min(part / whole, 1.0)


def scheme_for(price: ProviderPrice, *, batch: bool = False, cache_ttl: str = "5m") -> ProviderPriceScheme:
    """The scheme that bills at ``price``.

    ``cache_ttl``: "5m" bills writes at the 5-minute price unless the log reports 1-hour
    writes; "1h" bills every write at the 1-hour price. Missing cache prices fall back to
    the input price (no discount, no write premium); a long-context tier without its own
    cache prices scales them like the input price.
    """
    if cache_ttl not in ("5m", "1h"):
        raise CostModelError(f"cache_ttl must be '5m' or '1h', not {cache_ttl!r}")
    if batch and price.batch_input is None:
        raise CostModelError(f"{price.id} has no batch price")
    cached = price.cached_input if price.cached_input is not None else price.input
    w5 = price.cache_write_5m if price.cache_write_5m is not None else price.input
    w1 = price.cache_write_1h if price.cache_write_1h is not None else w5
    write = w1 if cache_ttl == "1h" else w5
    long_ratio = (price.long_input / price.input) if price.long_input is not None and price.input else 1.0
    long_cached, long_write = price.long_cached_input, (price.long_cache_write_5m if cache_ttl == "5m" else None)
    if price.long_context_threshold is not None:
        long_cached = long_cached if long_cached is not None else cached * long_ratio
        long_write = long_write if long_write is not None else write * long_ratio
    min_cache = price.min_cacheable_tokens
    return ProviderPriceScheme(
        price_id=price.id,
        input_usd_per_m=price.input,
        output_usd_per_m=price.output,
        cached_input_usd_per_m=cached,
        cache_write_usd_per_m=write,
        cache_write_1h_usd_per_m=w1,
        long_context_threshold=price.long_context_threshold,
        long_input_usd_per_m=price.long_input,
        long_output_usd_per_m=price.long_output,
        long_cached_input_usd_per_m=long_cached,
        long_cache_write_usd_per_m=long_write,
        batch=batch,
        batch_input_ratio=_ratio(price.batch_input, price.input) if batch else 1.0,
        batch_output_ratio=_ratio(price.batch_output, price.output) if batch else 1.0,
        batch_cached_ratio=_ratio(price.batch_cached_input, cached) if price.batch_cached_input is not None else None,
        offpeak_windows_utc=price.offpeak_windows_utc,
        offpeak_input_ratio=_ratio(price.offpeak_input, price.input),
        offpeak_output_ratio=_ratio(price.offpeak_output, price.output),
        offpeak_cached_ratio=_ratio(price.offpeak_cached_input, cached)
        if price.offpeak_cached_input is not None
        else _ratio(price.offpeak_input, price.input),
        **({"min_cacheable_tokens": min_cache} if min_cache is not None else {}),
        price_date=str(price.valid_from or price.date),
        price_source=price.source,
    )


__all__ = ["ProviderPriceScheme", "scheme_for"]
