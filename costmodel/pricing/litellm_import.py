"""Provider price rows from LiteLLM's ``model_prices_and_context_window.json`` (MIT, BerriAI/litellm).

The file uses USD per token: ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost`` (5-minute write),
``cache_creation_input_token_cost_above_1hr``, ``*_above_<N>k_tokens`` (long-context
tier above N thousand prompt tokens), ``*_batches`` (Batch API). :func:`import_litellm`
turns it into :class:`~costmodel.pricing.price_rows.ProviderPrice` rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from costmodel.errors import CostModelError
from costmodel.pricing.price_rows import ProviderPrice

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


__all__ = ["import_litellm"]
