"""Provider price rows from pydantic's ``genai-prices`` package (MIT), and the cross-check.

``genai-prices`` (PyPI, ``pip install 'token-economics-explorer[prices]'``) keeps each
model's prices as a list of conditional prices: a price history by start date, daily
time-of-day windows (DeepSeek's off-peak hours), whole-request tiers per price type and
request variants (``processing: batch``). :func:`genai_rows` turns one provider's models
into :class:`ProviderPrice` rows, one per dated price, with the time-of-day prices as
off-peak windows and the batch variant as batch prices; cache reads, 5-minute and 1-hour
writes map to ``cached_input``, ``cache_write_5m`` and ``cache_write_1h``.

:func:`compare` sets every hand-kept row of ``data/prices/providers.yaml`` beside the
genai-prices row valid on the same day and lists each field that differs. The
documented exceptions, and the model names genai-prices matches our ids by, are in
``data/prices/genai-prices.yaml``; ``scripts/compare_genai_prices.py`` prints the table.

It is a source of rows and a cross-check, not the billing engine: it is not vectorised
(about 0.2 ms a request in pure Python).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from pydantic import ValidationError

from costmodel.errors import CostModelError
from costmodel.pricing.price_rows import ProviderPrice, in_windows
from costmodel.resources import data_path

MAP_PATH = data_path("prices", "genai-prices.yaml")

# genai-prices price key -> our field (tiers go to the long_* field of the same price)
KEYS = {
    "input_mtok": ("input", "long_input"),
    "output_mtok": ("output", "long_output"),
    "cache_read_mtok": ("cached_input", "long_cached_input"),
    "cache_write_mtok": ("cache_write_5m", "long_cache_write_5m"),
    "cache_write_1h_mtok": ("cache_write_1h", None),
}


def _snapshot():
    try:
        from genai_prices import data_snapshot
    except ImportError:
        raise CostModelError(
            "genai-prices is not installed: pip install 'token-economics-explorer[prices]'"
        ) from None
    return data_snapshot.get_snapshot()


def genai_version() -> str:
    from importlib.metadata import version

    try:
        return version("genai-prices")
    except Exception:  # noqa: BLE001 - not installed
        return "not installed"


def _num(v: Decimal) -> float:
    return float(v)


def price_fields(model_price: Any) -> dict[str, Any]:
    """Our price fields from one genai-prices ModelPrice (None where it has no price)."""
    out: dict[str, Any] = {}
    for key, (field, long_field) in KEYS.items():
        v = getattr(model_price, key, None)
        if v is None:
            continue
        if hasattr(v, "tiers"):
            out[field] = _num(v.base)
            if v.tiers and long_field is not None:
                out["long_context_threshold"] = int(v.tiers[0].start)
                out[long_field] = _num(v.tiers[0].price)
        else:
            out[field] = _num(v)
    return out


def _windows_complement(windows: list[tuple[int, int]]) -> tuple[str, ...]:
    """The parts of the day outside ``windows`` (minutes after 00:00 UTC), as HH:MM-HH:MM."""
    inside = [False] * 1440
    for start, end in windows:
        rng = range(start, end) if start < end else [*range(start, 1440), *range(0, end)]
        for m in rng:
            inside[m] = True
    out, m = [], 0
    while m < 1440:
        if inside[m]:
            m += 1
            continue
        s = m
        while m < 1440 and not inside[m]:
            m += 1
        out.append((s, m))
    if len(out) > 1 and out[0][0] == 0 and out[-1][1] == 1440:  # one window across midnight
        out = [*out[1:-1], (out[-1][0], out[0][1])]
    return tuple(_fmt(s, e) for s, e in out)


def _fmt(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _minutes(t: dt.time) -> int:
    if t.tzinfo is not None:
        t = dt.datetime.combine(dt.date(2000, 1, 1), t).astimezone(dt.UTC).time()
    return t.hour * 60 + t.minute


def _dated_and_daily(model: Any) -> tuple[list[tuple[dt.date | None, Any]], list[tuple[int, int, Any]]]:
    """(start date, prices) history and (start min, end min, prices) daily windows of a model."""
    prices = model.prices if isinstance(model.prices, list) else None
    if prices is None:
        return [(None, model.prices)], []
    dated: list[tuple[dt.date | None, Any]] = []
    daily: list[tuple[int, int, Any]] = []
    for cp in prices:
        c = cp.constraint
        if c is None:
            dated.append((None, cp.prices))
        elif hasattr(c, "start_date"):
            dated.append((c.start_date, cp.prices))
        else:
            daily.append((_minutes(c.start_time), _minutes(c.end_time), cp.prices))
    return dated, daily


def _batch(model: Any, on: dt.date) -> Any | None:
    for v in model.price_variants or ():
        if v.when.get("processing") != "batch":
            continue
        start = getattr(v.constraint, "start_date", None)
        if start is None or start <= on:
            return v.prices
    return None


def _add_daily(row: dict[str, Any], daily: list[tuple[int, int, Any]]) -> str | None:
    """Fold daily windows into ``row`` as off-peak prices; returns a skip reason or None."""
    fields = [price_fields(p) for _, _, p in daily]
    if any(f != fields[0] for f in fields):
        return "daily windows with different prices"
    win, base = fields[0], dict(row)
    if win.get("input", 0) >= base.get("input", 0):  # peak windows: the row's price is the window's
        row.update(win)
        windows = _windows_complement([(s, e) for s, e, _ in daily])
        off = base
    else:
        windows = tuple(_fmt(s, e) for s, e, _ in daily)
        off = win
    row["offpeak_windows_utc"] = windows
    row["offpeak_input"], row["offpeak_output"] = off.get("input"), off.get("output")
    row["offpeak_cached_input"] = off.get("cached_input")
    return None


def model_rows(provider_id: str, model: Any, *, as_of: dt.date) -> tuple[list[ProviderPrice], str | None]:
    """One model's rows: one per dated price, each valid until the next one starts."""
    dated, daily = _dated_and_daily(model)
    dated.sort(key=lambda d: d[0] or dt.date.min)
    rows: list[ProviderPrice] = []
    for i, (start, mp) in enumerate(dated):
        until = dated[i + 1][0] if i + 1 < len(dated) else None
        row: dict[str, Any] = price_fields(mp)
        if "input" not in row or "output" not in row:
            return [], "no input or output token price"
        if daily and (reason := _add_daily(row, daily)):
            return [], reason
        batch = _batch(model, min(until - dt.timedelta(days=1), as_of) if until else as_of)
        if batch is not None:
            b = price_fields(batch)
            if "input" in b and "output" in b:
                row["batch_input"], row["batch_output"] = b["input"], b["output"]
                row["batch_cached_input"] = b.get("cached_input", row.get("cached_input"))
        row.update(
            provider=provider_id.lower(),
            model=model.id,
            date=as_of,
            valid_from=start,
            valid_until=until,
            source=f"genai-prices {genai_version()} ({provider_id}/{model.id})",
            notes=(model.price_comments or "")[:500],
        )
        try:
            rows.append(ProviderPrice.model_validate({k: v for k, v in row.items() if v is not None}))
        except ValidationError as exc:
            err = exc.errors()[0]
            return [], f"invalid ({'.'.join(map(str, err['loc']))}: {err['msg']})"
    return rows, None


def genai_rows(
    providers: Iterable[str] | None = None, *, as_of: dt.date | str | None = None
) -> tuple[list[ProviderPrice], dict[str, int]]:
    """Rows for every token-priced model of the given genai-prices providers (all when None).

    The second value counts the skipped models by reason; nothing is dropped silently.
    """
    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or dt.date.today())
    wanted = None if providers is None else set(providers)
    rows: list[ProviderPrice] = []
    skipped: dict[str, int] = {}
    for prov in _snapshot().providers:
        if wanted is not None and prov.id not in wanted:
            continue
        for model in prov.models:
            got, reason = model_rows(prov.id, model, as_of=day)
            rows.extend(got)
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
    return rows, skipped


# ----------------------------------------------------------------------------- the cross-check
@dataclass(frozen=True)
class Difference:
    """One field of a hand-kept row that genai-prices prices differently (USD per million tokens)."""

    price_id: str
    field: str
    ours: float | str | None
    genai: float | str | None
    on: dt.date
    excused: str = ""  # the documented reason, when the difference is a known exception


def load_map(path=MAP_PATH) -> dict[str, Any]:
    """The name map, the unmatched ids and the documented exceptions (data/prices/genai-prices.yaml)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {k: data.get(k) or {} for k in ("refs", "unmatched", "exceptions")}


def _windows_key(windows: tuple[str, ...]) -> str:
    """A canonical form of a set of daily windows (merged, sorted), for comparison."""
    if not windows:
        return ""
    import numpy as np

    minutes = np.arange(1440) * 60.0 + 1.0  # +1 s: a timestamp of 0 means unknown
    inside = in_windows(minutes, windows)
    spans, m = [], 0
    while m < 1440:
        if not inside[m]:
            m += 1
            continue
        s = m
        while m < 1440 and inside[m]:
            m += 1
        spans.append(_fmt(s, m))
    return ",".join(spans)


def effective(p: ProviderPrice) -> dict[str, float | str | None]:
    """The prices a row bills at, with the fallbacks of scheme_for filled in."""
    cached = p.cached_input if p.cached_input is not None else p.input
    w5 = p.cache_write_5m if p.cache_write_5m is not None else p.input
    out: dict[str, float | str | None] = {
        "input": p.input,
        "output": p.output,
        "cached_input": cached,
        "cache_write_5m": w5,
        "cache_write_1h": p.cache_write_1h if p.cache_write_1h is not None else w5,
        "long_context_threshold": p.long_context_threshold,
        "long_input": p.long_input,
        "long_output": p.long_output,
        "batch_input": p.batch_input,
        "batch_output": p.batch_output,
        "batch_cached_input": None,
        "offpeak_windows_utc": _windows_key(p.offpeak_windows_utc),
        "offpeak_input": p.offpeak_input,
        "offpeak_output": p.offpeak_output,
    }
    if p.long_context_threshold is not None:
        ratio = p.long_input / p.input if p.input else 1.0
        out["long_cached_input"] = p.long_cached_input if p.long_cached_input is not None else cached * ratio
    if p.batch_input is not None:
        ratio = p.batch_input / p.input if p.input else 1.0
        out["batch_cached_input"] = p.batch_cached_input if p.batch_cached_input is not None else cached * ratio
    return out


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return not math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return a != b


# Fields that may be absent here without a flag: genai-prices models batch history only from
# 2026-10-14 and only for models then active, so a batch price it lacks is not evidence of an error.
_ONE_SIDED_OK = {"batch_input", "batch_output", "batch_cached_input"}


def row_differences(ours: ProviderPrice, theirs: ProviderPrice, on: dt.date) -> list[Difference]:
    a, b = effective(ours), effective(theirs)
    diffs = []
    for field in a.keys() | b.keys():
        x, y = a.get(field), b.get(field)
        if y in (None, "") and field in _ONE_SIDED_OK:
            continue
        if _differs(x, y):
            diffs.append(Difference(ours.id, field, x, y, on))
    return sorted(diffs, key=lambda d: d.field)


def reference_day(p: ProviderPrice, as_of: dt.date) -> dt.date:
    """The day a row is compared on: its last valid day, or ``as_of`` for a current row."""
    return min(p.valid_until - dt.timedelta(days=1), as_of) if p.valid_until else as_of


def genai_row_for(price_id: str, on: dt.date, refs: dict[str, str]) -> ProviderPrice | None:
    """The genai-prices row matching our id on a day (None: no such model there)."""
    ref = refs.get(price_id, price_id)
    provider_id, model_ref = ref.split("/", 1)
    snap = _snapshot()
    try:
        _, model = snap.find_provider_model(model_ref, None, provider_id, None)
    except LookupError:
        return None
    rows, _ = model_rows(provider_id, model, as_of=on)
    return next((r for r in rows if r.valid_on(on)), None)


def compare(rows: Iterable[ProviderPrice], *, as_of: dt.date, mapping: dict[str, Any] | None = None):
    """Every difference between our rows and genai-prices, and the ids it has no model for.

    Returns ``(differences, unmatched)``; a difference listed in the map's exceptions
    carries its documented reason in ``excused``.
    """
    mapping = load_map() if mapping is None else mapping
    exceptions = mapping["exceptions"]
    diffs: list[Difference] = []
    unmatched: list[str] = []
    for p in rows:
        on = reference_day(p, as_of)
        key = f"{p.id}@{p.valid_from}" if f"{p.id}@{p.valid_from}" in exceptions else p.id
        theirs = None if p.provider in mapping["unmatched"] else genai_row_for(p.id, on, mapping["refs"])
        if theirs is None:
            unmatched.append(p.id)
            continue
        exc = exceptions.get(key) or {}
        for d in row_differences(p, theirs, on):
            excused = exc.get("reason", "") if d.field in (exc.get("fields") or ()) else ""
            diffs.append(Difference(d.price_id, d.field, d.ours, d.genai, d.on, excused))
    return diffs, unmatched


__all__ = [
    "Difference",
    "compare",
    "effective",
    "genai_row_for",
    "genai_rows",
    "genai_version",
    "load_map",
    "model_rows",
    "price_fields",
    "row_differences",
]
