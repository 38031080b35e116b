"""One provider list-price row (``data/prices/providers.yaml``), validated with pydantic.

A row is a provider's price for one model over one validity period, USD per million
tokens: input, cache read (``cached_input``), cache writes for the 5-minute and 1-hour
TTLs, output; optionally a whole-request long-context tier, Batch API prices and
time-of-day (off-peak) prices. How providers bill these is summarised, with sources, in
``docs/pricing.md``:

- ``valid_from`` / ``valid_until``: the first day the price applies and the first day it
  no longer does (``valid_until`` empty: still listed when read on ``date``). Rows of one
  ``provider/model`` form its price history; their periods must not overlap.
- ``batch_cached_input``: the Batch API price of a cache read. Anthropic's batch discount
  stacks with caching (empty: scaled like input); Gemini and OpenAI gpt-4o / gpt-4.1 / o3
  / o4-mini keep cached input at the standard rate (the row says so explicitly).
- ``offpeak_windows_utc``: daily UTC windows such as ``"16:30-00:30"`` (DeepSeek) in
  which the ``offpeak_*`` prices apply, judged from each request's timestamp.
- ``min_cacheable_tokens``: the provider's minimum cacheable prompt for this model
  (Anthropic 1,024 to 4,096 by model, Gemini 2.5 Pro 4,096, OpenAI 1,024).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Price = Field(default=None, ge=0, le=10_000)

_WINDOW = re.compile(r"^(?P<h1>[01]\d|2[0-3]):(?P<m1>[0-5]\d)-(?P<h2>[01]\d|2[0-4]):(?P<m2>[0-5]\d)$")


def window_minutes(window: str) -> tuple[int, int]:
    """``"16:30-00:30"`` -> (990, 30): start and end as minutes after 00:00 UTC."""
    m = _WINDOW.match(window)
    if m is None:
        raise ValueError(f"time window {window!r} is not HH:MM-HH:MM (UTC)")
    start, end = int(m["h1"]) * 60 + int(m["m1"]), int(m["h2"]) * 60 + int(m["m2"])
    if start == end or end > 24 * 60:
        raise ValueError(f"time window {window!r} is empty or ends after 24:00")
    return start, end


def in_windows(timestamp_s: np.ndarray, windows: tuple[str, ...]) -> np.ndarray:
    """True where a Unix timestamp (seconds, UTC) falls in any daily window.

    A window may wrap past midnight (``16:30-00:30``); its start is inside, its end is
    not. A timestamp of 0 means "unknown" (see billing.COLUMNS) and is never inside.
    """
    ts = np.asarray(timestamp_s, dtype=np.float64)
    minute = np.floor(np.mod(ts, 86_400.0) / 60.0)
    hit = np.zeros(ts.shape, dtype=bool)
    for w in windows:
        start, end = window_minutes(w)
        hit |= ((minute >= start) & (minute < end)) if start < end else ((minute >= start) | (minute < end))
    return hit & (ts != 0)


class ProviderPrice(BaseModel):
    """One provider's list price for one model over one validity period, USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    model: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-/]*$")
    input: float = Field(ge=0, le=10_000)
    output: float = Field(ge=0, le=10_000)
    cached_input: float | None = Price
    cache_write_5m: float | None = Price
    cache_write_1h: float | None = Price
    min_cacheable_tokens: int | None = Field(default=None, ge=0, le=1_000_000)
    long_context_threshold: int | None = Field(default=None, ge=1, le=100_000_000)
    long_input: float | None = Price
    long_output: float | None = Price
    long_cached_input: float | None = Price
    long_cache_write_5m: float | None = Price
    batch_input: float | None = Price
    batch_output: float | None = Price
    batch_cached_input: float | None = Price
    offpeak_windows_utc: tuple[str, ...] = ()
    offpeak_input: float | None = Price
    offpeak_output: float | None = Price
    offpeak_cached_input: float | None = Price
    date: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    source: str = Field(min_length=3)
    period: str = ""
    notes: str = ""
    catalog_model: str | None = None

    @field_validator("offpeak_windows_utc")
    @classmethod
    def _windows(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for w in v:
            window_minutes(w)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ProviderPrice:
        long = (self.long_input, self.long_output)
        if self.long_context_threshold is not None and None in long:
            raise ValueError("a long-context tier needs long_input and long_output")
        if self.long_context_threshold is None and any(
            v is not None for v in (*long, self.long_cached_input, self.long_cache_write_5m)
        ):
            raise ValueError("long_* prices given without long_context_threshold")
        if (self.batch_input is None) != (self.batch_output is None):
            raise ValueError("give both batch_input and batch_output, or neither")
        if self.batch_cached_input is not None and self.batch_input is None:
            raise ValueError("batch_cached_input given without batch_input")
        offpeak = (self.offpeak_input, self.offpeak_output)
        if bool(self.offpeak_windows_utc) != (None not in offpeak):
            raise ValueError("off-peak prices need offpeak_windows_utc, offpeak_input and offpeak_output")
        if self.offpeak_cached_input is not None and not self.offpeak_windows_utc:
            raise ValueError("offpeak_cached_input given without offpeak_windows_utc")
        if self.cached_input is not None and self.cached_input > self.input:
            raise ValueError(f"cached_input ({self.cached_input}) above input ({self.input})")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError(f"valid_until ({self.valid_until}) not after valid_from ({self.valid_from})")
        return self

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.model}"

    def valid_on(self, day: dt.date) -> bool:
        """Whether the price applied on ``day`` (open ends count as unbounded)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day < self.valid_until
        )


__all__ = ["Price", "ProviderPrice", "in_windows", "window_minutes"]
