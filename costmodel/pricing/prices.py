"""Real provider list prices (``data/prices/providers.yaml``): loading, price history, lookup.

Every row is validated with pydantic at load (:class:`ProviderPrice`, in
costmodel.pricing.price_rows): provider, model, input / cached-input / cache-write /
output prices (USD per million tokens), an optional whole-request long-context tier,
optional batch and off-peak prices, the minimum cacheable prompt, the date the price was
read, its validity period and its source. Rows of one ``provider/model`` with different
validity periods are its price history; lookups return the current row unless asked for
another date. A row becomes a :class:`ProviderPriceScheme` (costmodel.pricing.
provider_scheme), so a workload can be billed at a real provider's prices and compared
with its modeled cost to serve (the implied margin).

Importers: :func:`import_litellm` (LiteLLM's price file) and
costmodel.pricing.genai_import (pydantic's ``genai-prices`` package, the cross-check).

Public API::

    list_provider_prices() -> list[ProviderPrice]          # current rows
    prices_as_of(date) -> list[ProviderPrice]              # rows valid on a date
    price_history("anthropic/claude-sonnet-4.5") -> list[ProviderPrice]
    provider_price("anthropic/claude-sonnet-4.5", as_of=None) -> ProviderPrice
    provider_scheme("anthropic/claude-sonnet-4.5", batch=False) -> ProviderPriceScheme
    import_litellm(path_or_mapping, as_of=date) -> (list[ProviderPrice], skipped)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from costmodel.errors import CatalogError, UnknownIdError
from costmodel.pricing.litellm_import import import_litellm
from costmodel.pricing.price_rows import ProviderPrice
from costmodel.pricing.provider_scheme import ProviderPriceScheme, scheme_for
from costmodel.resources import data_path

PRICES_PATH = data_path("prices", "providers.yaml")


def _validate(row: Any, where: str) -> ProviderPrice:
    if not isinstance(row, Mapping):
        raise CatalogError(where, "(row)", "expected a mapping of field: value")
    try:
        return ProviderPrice.model_validate(dict(row))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(row)"
        raise CatalogError(where, field, err["msg"].replace("Value error, ", "")) from None


def _overlap(a: ProviderPrice, b: ProviderPrice) -> bool:
    lo = max(a.valid_from or dt.date.min, b.valid_from or dt.date.min)
    hi = min(a.valid_until or dt.date.max, b.valid_until or dt.date.max)
    return lo < hi


def load_price_history(path: str | Path = PRICES_PATH) -> list[ProviderPrice]:
    """Every row of a prices YAML file (``rows:`` list), in file order.

    One ``provider/model`` may have several rows whose validity periods do not overlap.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(str(path), "(file)", f"cannot read prices: {exc}") from None
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise CatalogError(str(path), "rows", "expected a list of price rows")
    out: list[ProviderPrice] = []
    for i, row in enumerate(rows):
        price = _validate(row, f"{path}[row {i + 1}]")
        clash = next((p for p in out if p.id == price.id and _overlap(p, price)), None)
        if clash is not None:
            raise CatalogError(
                f"{path}[row {i + 1}]",
                "valid_from",
                f"duplicate price id {price.id!r} with an overlapping validity period",
            )
        out.append(price)
    return out


def current(rows: list[ProviderPrice]) -> dict[str, ProviderPrice]:
    """The latest row of each id: the open-ended one, else the one that ended last."""
    out: dict[str, ProviderPrice] = {}
    for p in rows:
        seen = out.get(p.id)
        if seen is None or (p.valid_until or dt.date.max) > (seen.valid_until or dt.date.max):
            out[p.id] = p
    return out


def load_prices(path: str | Path = PRICES_PATH) -> dict[str, ProviderPrice]:
    """The current row of every id in a prices YAML file (see :func:`load_price_history`)."""
    return current(load_price_history(path))


@functools.lru_cache(maxsize=1)
def _history() -> tuple[ProviderPrice, ...]:
    return tuple(load_price_history(PRICES_PATH))


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, ProviderPrice]:
    return current(list(_history()))


def list_provider_prices() -> list[ProviderPrice]:
    """The shipped provider prices, one current row per id, in file order."""
    return list(_shipped().values())


def price_history(price_id: str) -> list[ProviderPrice]:
    """Every shipped row of one id, oldest period first."""
    rows = [p for p in _history() if p.id == price_id]
    if not rows:
        raise UnknownIdError("provider price", price_id, _shipped())
    return sorted(rows, key=lambda p: p.valid_from or dt.date.min)


def prices_as_of(day: dt.date | str) -> list[ProviderPrice]:
    """The shipped rows valid on ``day`` (one per id at most), in file order."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return [p for p in _history() if p.valid_on(day)]


def provider_price(
    price_id: str, extra: Mapping[str, ProviderPrice] | None = None, *, as_of: dt.date | None = None
) -> ProviderPrice:
    """A shipped (or ``extra``) price by id: the current row, or the row valid on ``as_of``."""
    if as_of is not None and price_id not in (extra or {}):
        rows = [p for p in price_history(price_id) if p.valid_on(as_of)]
        if not rows:
            raise UnknownIdError(f"provider price on {as_of}", price_id, _shipped())
        return rows[0]
    table = {**_shipped(), **(extra or {})}
    try:
        return table[price_id]
    except KeyError:
        raise UnknownIdError("provider price", price_id, table) from None


def provider_scheme(
    price_id: str, *, batch: bool = False, cache_ttl: str = "5m", as_of: dt.date | None = None
) -> ProviderPriceScheme:
    """The scheme billing at a shipped provider price (see :func:`scheme_for`)."""
    return scheme_for(provider_price(price_id, as_of=as_of), batch=batch, cache_ttl=cache_ttl)


__all__ = [
    "PRICES_PATH",
    "ProviderPrice",
    "ProviderPriceScheme",
    "current",
    "import_litellm",
    "list_provider_prices",
    "load_price_history",
    "load_prices",
    "price_history",
    "prices_as_of",
    "provider_price",
    "provider_scheme",
    "scheme_for",
]
