"""Real provider list prices (``data/prices/providers.yaml``) and a LiteLLM price-file importer.

Every row is validated with pydantic at load: provider, model, input / cached-input /
cache-write / output prices (USD per million tokens), an optional long-context tier,
optional batch prices, the date the price was read and its source. A row becomes a
:class:`ProviderPriceScheme`, so a workload can be billed at a real provider's prices
and compared with its modeled cost to serve (the implied margin).

LiteLLM's ``model_prices_and_context_window.json`` (MIT, BerriAI/litellm) uses USD per
token: ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost`` (5-minute write),
``cache_creation_input_token_cost_above_1hr``, ``*_above_<N>k_tokens`` (long-context
tier above N thousand prompt tokens), ``*_batches`` (Batch API). :func:`import_litellm`
turns it into the same rows.

Public API::

    list_provider_prices() -> list[ProviderPrice]
    provider_price("anthropic/claude-sonnet-4.5") -> ProviderPrice
    provider_scheme("anthropic/claude-sonnet-4.5", batch=False) -> ProviderPriceScheme
    import_litellm(path_or_mapping, as_of=date) -> (list[ProviderPrice], skipped)
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from costmodel.errors import CatalogError, CostModelError, UnknownIdError
from costmodel.pricing.base import Scheme
from costmodel.pricing.defaults import scheme_default
from costmodel.resources import data_path

PRICES_PATH = data_path("prices", "providers.yaml")

Price = Field(default=None, ge=0, le=10_000)


class ProviderPrice(BaseModel):
    """One provider's list price for one model, USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    model: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-/]*$")
    input: float = Field(ge=0, le=10_000)
    output: float = Field(ge=0, le=10_000)
    cached_input: float | None = Price
    cache_write_5m: float | None = Price
    cache_write_1h: float | None = Price
    long_context_threshold: int | None = Field(default=None, ge=1, le=100_000_000)
    long_input: float | None = Price
    long_output: float | None = Price
    long_cached_input: float | None = Price
    long_cache_write_5m: float | None = Price
    batch_input: float | None = Price
    batch_output: float | None = Price
    date: dt.date
    source: str = Field(min_length=3)
    period: str = ""
    notes: str = ""
    catalog_model: str | None = None

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
        if self.cached_input is not None and self.cached_input > self.input:
            raise ValueError(f"cached_input ({self.cached_input}) above input ({self.input})")
        return self

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.model}"


class ProviderPriceScheme(Scheme):
    """A provider's real list price: cache reads and writes, the long-context tier, optionally batch.

    Per request: above ``long_context_threshold`` prompt tokens every token is billed at
    the long rates (whole request). Prompts of at least ``min_cacheable_tokens`` pay the
    cached-input price for cache reads and the cache-write price for cache writes; the
    rest of the prompt pays input. With ``batch`` every price is scaled by the batch
    ratio (batch_input / input for input-side prices, batch_output / output for output).
    """

    id: ClassVar[str] = "provider-price"
    title: ClassVar[str] = "Provider list price"
    price_id: str = ""
    input_usd_per_m: float = Field(ge=0)
    output_usd_per_m: float = Field(ge=0)
    cached_input_usd_per_m: float = Field(ge=0)
    cache_write_usd_per_m: float = Field(ge=0)
    long_context_threshold: int | None = Field(default=None, ge=1)
    long_input_usd_per_m: float | None = Field(default=None, ge=0)
    long_output_usd_per_m: float | None = Field(default=None, ge=0)
    long_cached_input_usd_per_m: float | None = Field(default=None, ge=0)
    long_cache_write_usd_per_m: float | None = Field(default=None, ge=0)
    batch: bool = False
    batch_input_ratio: float = Field(default=1.0, ge=0, le=1)
    batch_output_ratio: float = Field(default=1.0, ge=0, le=1)
    min_cacheable_tokens: int = Field(default=scheme_default("cached-input", "min_cacheable_tokens"), ge=0)
    price_date: str = ""
    price_source: str = ""

    @property
    def label(self) -> str:
        return f"provider:{self.price_id}" + (" (batch)" if self.batch else "")

    def revenue(self, c, ctx, state):
        p = c["prompt_tokens"]
        ok = p >= self.min_cacheable_tokens
        read = np.where(ok, np.minimum(c["cached_tokens"], p), 0.0)
        write = np.where(ok, np.minimum(c["cache_write_tokens"], p - read), 0.0)
        plain = p - read - write
        r_in, r_out = (self.batch_input_ratio, self.batch_output_ratio) if self.batch else (1.0, 1.0)

        def rates(long_value, base):
            base_v = np.float64(base * r_in) / 1e6
            if self.long_context_threshold is None or long_value is None:
                return base_v
            return np.where(p > self.long_context_threshold, long_value * r_in / 1e6, base_v)

        p_in = rates(self.long_input_usd_per_m, self.input_usd_per_m)
        p_read = rates(self.long_cached_input_usd_per_m, self.cached_input_usd_per_m)
        p_write = rates(self.long_cache_write_usd_per_m, self.cache_write_usd_per_m)
        base_out = self.output_usd_per_m * r_out / 1e6
        if self.long_context_threshold is not None and self.long_output_usd_per_m is not None:
            p_out = np.where(
                p > self.long_context_threshold, self.long_output_usd_per_m * r_out / 1e6, base_out
            )
        else:
            p_out = base_out
        return plain * p_in + read * p_read + write * p_write + c["output_tokens"] * p_out, None


def scheme_for(price: ProviderPrice, *, batch: bool = False, cache_ttl: str = "5m") -> ProviderPriceScheme:
    """The scheme that bills at ``price``; cache writes at the 5-minute (or 1-hour) write price.

    Missing cache prices fall back to the input price (no discount, no surcharge); a
    long-context tier without its own cache prices scales them like the input price.
    """
    if batch and price.batch_input is None:
        raise CostModelError(f"{price.id} has no batch price")
    write = price.cache_write_5m if cache_ttl == "5m" else price.cache_write_1h
    cached = price.cached_input if price.cached_input is not None else price.input
    write = write if write is not None else price.input
    long_ratio = (price.long_input / price.input) if price.long_input is not None and price.input else 1.0
    long_cached = price.long_cached_input
    long_write = price.long_cache_write_5m if cache_ttl == "5m" else None
    if price.long_context_threshold is not None:
        long_cached = long_cached if long_cached is not None else cached * long_ratio
        long_write = long_write if long_write is not None else write * long_ratio
    return ProviderPriceScheme(
        price_id=price.id,
        input_usd_per_m=price.input,
        output_usd_per_m=price.output,
        cached_input_usd_per_m=cached,
        cache_write_usd_per_m=write,
        long_context_threshold=price.long_context_threshold,
        long_input_usd_per_m=price.long_input,
        long_output_usd_per_m=price.long_output,
        long_cached_input_usd_per_m=long_cached,
        long_cache_write_usd_per_m=long_write,
        batch=batch,
        batch_input_ratio=(price.batch_input / price.input) if batch and price.input else 1.0,
        batch_output_ratio=(price.batch_output / price.output) if batch and price.output else 1.0,
        price_date=str(price.date),
        price_source=price.source,
    )


def _validate(row: Any, where: str) -> ProviderPrice:
    if not isinstance(row, Mapping):
        raise CatalogError(where, "(row)", "expected a mapping of field: value")
    try:
        return ProviderPrice.model_validate(dict(row))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(row)"
        raise CatalogError(where, field, err["msg"].replace("Value error, ", "")) from None


def load_prices(path: str | Path = PRICES_PATH) -> dict[str, ProviderPrice]:
    """Validate every row of a prices YAML file (``rows:`` list); ids are ``provider/model``."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(str(path), "(file)", f"cannot read prices: {exc}") from None
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise CatalogError(str(path), "rows", "expected a list of price rows")
    out: dict[str, ProviderPrice] = {}
    for i, row in enumerate(rows):
        price = _validate(row, f"{path}[row {i + 1}]")
        if price.id in out:
            raise CatalogError(f"{path}[row {i + 1}]", "model", f"duplicate price id {price.id!r}")
        out[price.id] = price
    return out


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, ProviderPrice]:
    return load_prices(PRICES_PATH)


def list_provider_prices() -> list[ProviderPrice]:
    """The shipped provider prices, in file order."""
    return list(_shipped().values())


def provider_price(price_id: str, extra: Mapping[str, ProviderPrice] | None = None) -> ProviderPrice:
    table = {**_shipped(), **(extra or {})}
    try:
        return table[price_id]
    except KeyError:
        raise UnknownIdError("provider price", price_id, table) from None


def provider_scheme(price_id: str, *, batch: bool = False, cache_ttl: str = "5m") -> ProviderPriceScheme:
    """The scheme billing at a shipped provider price (see :func:`scheme_for`)."""
    return scheme_for(provider_price(price_id), batch=batch, cache_ttl=cache_ttl)


_ABOVE = re.compile(r"^(?P<base>.+)_above_(?P<k>\d+)k_tokens$")
_CHAT_MODES = {None, "chat", "completion", "responses"}


def import_litellm(
    source: str | Path | Mapping[str, Any], *, as_of: dt.date | str, providers: set[str] | None = None
) -> tuple[list[ProviderPrice], dict[str, int]]:
    """Rows from a LiteLLM ``model_prices_and_context_window.json`` (path or parsed mapping).

    ``as_of``: the date of the price file (required: prices move). Entries that are not
    chat/completion models, lack input or output prices, or fail validation are skipped
    and counted by reason (second return value); nothing is dropped silently.
    """
    if isinstance(source, Mapping):
        data, name = source, "litellm prices"
    else:
        name = str(source)
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CostModelError(f"{name}: not a readable LiteLLM price JSON ({exc})") from None
    if not isinstance(data, Mapping):
        raise CostModelError(f"{name}: expected a JSON object of model -> prices")
    date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    rows: list[ProviderPrice] = []
    skipped: dict[str, int] = {}

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, Mapping):
            continue
        if entry.get("mode") not in _CHAT_MODES:
            skip("not a chat/completion model")
            continue
        provider = str(entry.get("litellm_provider") or "litellm").lower().replace(" ", "-")
        if providers is not None and provider not in providers:
            continue
        if entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
            skip("no input or output price")
            continue

        def per_m(k: str, entry: Mapping[str, Any] = entry) -> float | None:
            v = entry.get(k)
            return None if v is None else float(v) * 1e6

        row: dict[str, Any] = {
            "provider": provider,
            "model": str(key).split("/", 1)[-1]
            if "/" in str(key) and str(key).startswith(provider)
            else str(key),
            "input": per_m("input_cost_per_token"),
            "output": per_m("output_cost_per_token"),
            "cached_input": per_m("cache_read_input_token_cost"),
            "cache_write_5m": per_m("cache_creation_input_token_cost"),
            "cache_write_1h": per_m("cache_creation_input_token_cost_above_1hr"),
            "batch_input": per_m("input_cost_per_token_batches"),
            "batch_output": per_m("output_cost_per_token_batches"),
            "date": date,
            "source": f"LiteLLM model_prices_and_context_window.json ({entry.get('source') or 'no source field'})",
        }
        tiers = {}
        for k in entry:
            m = _ABOVE.match(k)
            if m and entry[k] is not None:
                tiers.setdefault(int(m["k"]) * 1000, {})[m["base"]] = float(entry[k]) * 1e6
        if tiers:
            threshold = min(tiers)
            t = tiers[threshold]
            row.update(
                long_context_threshold=threshold,
                long_input=t.get("input_cost_per_token"),
                long_output=t.get("output_cost_per_token"),
                long_cached_input=t.get("cache_read_input_token_cost"),
                long_cache_write_5m=t.get("cache_creation_input_token_cost"),
            )
            if row["long_input"] is None or row["long_output"] is None:
                for f in ("long_context_threshold", "long_input", "long_output", "long_cached_input"):
                    row.pop(f, None)
                row.pop("long_cache_write_5m", None)
                skip("long-context tier without input and output prices (tier ignored)")
        if (row["batch_input"] is None) != (row["batch_output"] is None):
            row["batch_input"] = row["batch_output"] = None
        row = {k: v for k, v in row.items() if v is not None}
        try:
            rows.append(ProviderPrice.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            skip(f"invalid ({'.'.join(map(str, err['loc']))}: {err['msg']})")
    return rows, skipped


__all__ = [
    "PRICES_PATH",
    "ProviderPrice",
    "ProviderPriceScheme",
    "import_litellm",
    "list_provider_prices",
    "load_prices",
    "provider_price",
    "provider_scheme",
    "scheme_for",
]
