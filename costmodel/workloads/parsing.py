"""Validate usage-log rows into request arrays, counting every skipped row by reason.

A row with a missing, non-numeric, negative, infinite, fractional or absurd token count,
cached tokens above the prompt, no tokens at all, or an unreadable timestamp is skipped
and counted (with its first row number), or with ``errors='raise'`` stops the read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.workloads.columns import ColumnMap, match_columns

MAX_PROMPT_TOKENS = 10_000_000  # Scenario.prompt_tokens bound
MAX_OUTPUT_TOKENS = 1_000_000  # Scenario.output_tokens bound


@dataclass
class ReadReport:
    """Rows read and skipped (by reason, with the first row number of each reason)."""

    source: str = "log"
    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    first_row: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    columns: ColumnMap | None = None

    def skip(self, reason: str, rows: np.ndarray) -> None:
        if len(rows):
            self.skipped[reason] = self.skipped.get(reason, 0) + len(rows)
            self.first_row.setdefault(reason, int(rows[0]))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def kept(self) -> int:
        return self.rows - sum(self.skipped.values())

    def describe(self) -> str:
        if not self.skipped:
            return f"{self.rows:,} rows read, none skipped"
        parts = [f"{n:,} {r} (first: row {self.first_row[r]})" for r, n in self.skipped.items()]
        return f"{self.rows:,} rows read, {sum(self.skipped.values()):,} skipped: " + "; ".join(parts)


class UserCoder:
    """Stable integer codes for user ids, consistent across chunks (first seen = lowest code)."""

    def __init__(self) -> None:
        self.known = pd.Index([], dtype=object)

    @property
    def codes(self) -> dict[Any, int]:
        """User id -> code."""
        return {v: i for i, v in enumerate(self.known.tolist())}

    def encode(self, values: pd.Series | None, n: int) -> np.ndarray:
        if values is None:
            return np.zeros(n, dtype=np.int64)
        if values.isna().any():
            values = values.astype(object).where(values.notna(), "(none)")
        local, uniques = pd.factorize(values, sort=False)
        uniques = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
        table = self.known.get_indexer(uniques) if len(self.known) else np.full(len(uniques), -1)
        new = table < 0
        if new.any():
            table[new] = len(self.known) + np.arange(int(new.sum()))
            self.known = self.known.append(uniques[new])
        return table.astype(np.int64)[local]


TIMESTAMP_RANGE = (-2_208_988_800.0, 7_258_118_400.0)  # 1900-01-01 .. 2200-01-01: plausible request times


def _epoch_seconds(x: np.ndarray) -> np.ndarray:
    """Epoch numbers to seconds: s, ms, us or ns picked by each value's magnitude."""
    a = np.abs(x)
    scale = np.where(a > 1e17, 1e9, np.where(a > 1e14, 1e6, np.where(a > 1e11, 1e3, 1.0)))
    return x / scale


def _to_seconds(col: pd.Series) -> np.ndarray:
    """Timestamps to float seconds since the epoch; NaN where unreadable or outside 1900-2200.

    Numbers are epoch s/ms/us/ns; text is ISO-like dates. A column mixing both (JSON) is
    read element by element: numbers as numbers, the rest as dates.
    """
    if pd.api.types.is_bool_dtype(col):
        out = np.full(len(col), np.nan)
    elif pd.api.types.is_numeric_dtype(col):
        out = _epoch_seconds(col.to_numpy(dtype=np.float64, na_value=np.nan))
    elif pd.api.types.is_datetime64_any_dtype(col):
        out = _dt_seconds(col)
    else:
        numeric = _safe_float(col)
        out = np.full(len(col), np.nan)
        is_num = np.isfinite(numeric)
        if is_num.any():
            out[is_num] = _epoch_seconds(numeric[is_num])
        rest = ~is_num & col.notna().to_numpy() & ~np.isinf(numeric)
        if rest.any():
            text = col[rest].astype(str)
            try:
                parsed = pd.to_datetime(text, utc=True, errors="coerce", format="mixed")
            except (ValueError, OverflowError, TypeError):
                parsed = pd.Series([_one_datetime(v) for v in text], index=text.index)
            out[rest] = _dt_seconds(parsed)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(out) | (out < TIMESTAMP_RANGE[0]) | (out > TIMESTAMP_RANGE[1])
    out[bad] = np.nan
    return out


def _timestamp_seconds(v: Any) -> float:
    if not isinstance(v, pd.Timestamp) or v is pd.NaT:
        return np.nan
    try:
        return v.timestamp() if v.tzinfo else v.tz_localize("UTC").timestamp()
    except (ValueError, OverflowError):
        return np.nan


def _one_datetime(value: str) -> pd.Timestamp:
    try:
        return pd.to_datetime(value, utc=True)
    except (ValueError, OverflowError, TypeError):
        return pd.NaT


def _dt_seconds(ts: pd.Series) -> np.ndarray:
    """Datetimes (naive = UTC) to float seconds since the epoch, any resolution, no overflow (NaT -> NaN)."""
    if ts.dtype == object:  # the element-wise fallback: Timestamps and NaT
        return np.array([_timestamp_seconds(v) for v in ts.tolist()], dtype=np.float64)
    out = np.full(len(ts), np.nan)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = ts.to_numpy()
    ok = ~np.isnat(arr)
    out[ok] = arr[ok].astype("datetime64[us]").astype(np.int64) / 1e6
    return out


def _safe_float(col: pd.Series) -> np.ndarray:
    """Numbers of a column as float64: NaN for text and missing values, +-inf beyond float range."""
    try:
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    except (OverflowError, TypeError, ValueError):
        out = np.full(len(col), np.nan)
        for i, v in enumerate(col.tolist()):
            if isinstance(v, bool) or v is None:
                continue
            if isinstance(v, int):
                out[i] = float(v) if abs(v) < 2**1000 else (np.inf if v > 0 else -np.inf)
                continue
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                out[i] = float(v)
        return out


def _numeric(df: pd.DataFrame, name: str | None) -> np.ndarray | None:
    if name is None:
        return None
    col = df[name]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    return _safe_float(col)


def parse_frame(
    df: pd.DataFrame,
    cmap: ColumnMap,
    row0: int,
    report: ReadReport,
    errors: Literal["skip", "raise"],
    coder: UserCoder,
) -> dict[str, np.ndarray]:
    """Validate one chunk of rows (``row0`` = number of the first) into request arrays."""
    n = len(df)
    report.rows += n
    rows = np.arange(row0, row0 + n)
    prompt = _numeric(df, cmap.prompt)
    output = _numeric(df, cmap.output)
    cached = _numeric(df, cmap.cached)
    writes = _numeric(df, cmap.cache_write)
    writes_1h = _numeric(df, cmap.cache_write_1h)
    reasoning = _numeric(df, cmap.reasoning)
    zeros = np.zeros(n)
    cached_f = zeros if cached is None else np.nan_to_num(cached, nan=0.0, posinf=np.inf, neginf=-np.inf)
    w1h_f = zeros if writes_1h is None else np.nan_to_num(writes_1h, nan=0.0, posinf=np.inf, neginf=-np.inf)
    writes_f = (
        w1h_f if writes is None else np.nan_to_num(writes, nan=0.0, posinf=np.inf, neginf=-np.inf)
    )
    reason_f = (
        zeros if reasoning is None else np.nan_to_num(reasoning, nan=0.0, posinf=np.inf, neginf=-np.inf)
    )
    if cmap.prompt_excludes_cache:
        prompt = prompt + cached_f + writes_f
    total_out = output + reason_f
    ts = _to_seconds(df[cmap.timestamp]) if cmap.timestamp is not None else zeros
    raw = {
        "prompt": prompt,
        "output": output,
        "cached": cached_f,
        "cache writes": writes_f,
        "1-hour cache writes": w1h_f,
        "reasoning": reason_f,
    }
    col_of = {
        "prompt": cmap.prompt,
        "output": cmap.output,
        "cached": cmap.cached,
        "cache writes": cmap.cache_write,
        "1-hour cache writes": cmap.cache_write_1h,
        "reasoning": cmap.reasoning,
    }
    bad = np.zeros(n, dtype=bool)
    checks: list[tuple[str, str, np.ndarray]] = []
    for role in ("prompt", "output"):
        checks.append((f"rows with missing or non-numeric {role} tokens", role, np.isnan(raw[role])))
    for role, v in raw.items():
        checks.append((f"rows with infinite {role} tokens", role, np.isinf(v)))
        checks.append((f"rows with negative {role} tokens", role, v < 0))
        checks.append((f"rows with fractional {role} tokens", role, np.isfinite(v) & (v != np.floor(v))))
    checks.append(
        (
            f"rows with absurd prompt tokens (> {MAX_PROMPT_TOKENS:,})",
            "prompt",
            np.nan_to_num(prompt) > MAX_PROMPT_TOKENS,
        )
    )
    checks.append(
        (
            f"rows with absurd output tokens (> {MAX_OUTPUT_TOKENS:,})",
            "output",
            np.nan_to_num(total_out) > MAX_OUTPUT_TOKENS,
        )
    )
    checks.append(("rows with cached tokens above prompt tokens", "cached", cached_f > np.nan_to_num(prompt)))
    checks.append(
        (
            "rows with cache writes above uncached prompt tokens",
            "cache writes",
            writes_f > np.nan_to_num(prompt) - cached_f,
        )
    )
    checks.append(("rows with 1-hour cache writes above all cache writes", "1-hour cache writes", w1h_f > writes_f))
    checks.append(
        (
            "rows with no tokens at all",
            "prompt",
            (np.nan_to_num(prompt) == 0) & (np.nan_to_num(total_out) == 0),
        )
    )
    if cmap.timestamp is not None:
        checks.append(("rows with an unreadable or implausible timestamp", "timestamp", ~np.isfinite(ts)))
    first_bad: tuple[int, str, str] | None = None
    for reason, role, mask in checks:
        new = mask & ~bad
        if not new.any():
            continue
        i = int(np.flatnonzero(new)[0])
        if first_bad is None or i < first_bad[0]:
            first_bad = (i, reason, role)
        if errors == "skip":
            report.skip(reason, rows[new])
        bad |= new
    if errors == "raise" and first_bad is not None:
        i, reason, role = first_bad
        column = cmap.timestamp if role == "timestamp" else col_of[role]
        value = df[column].iloc[i] if column is not None else None
        raise CostModelError(
            f"{report.source}: row {rows[i]}: column {column!r}: {reason.removeprefix('rows with ')} "
            f"(value {_show(value)})"
        )
    keep = ~bad
    users = coder.encode(df[cmap.user] if cmap.user is not None else None, n)
    return {
        "prompt_tokens": prompt[keep],
        "output_tokens": total_out[keep],
        "cached_tokens": cached_f[keep],
        "cache_write_tokens": writes_f[keep],
        "cache_write_1h_tokens": w1h_f[keep],
        "user": users[keep],
        "timestamp": ts[keep],
    }


def _show(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return f"{int(value):,}"
    if isinstance(value, (np.generic,)):
        value = value.item()
    return repr(value)


def parse_frames(
    frames: Iterator[pd.DataFrame],
    cmap: ColumnMap | None,
    name: str,
    report: ReadReport,
    errors: Literal["skip", "raise"],
    coder: UserCoder,
) -> Iterator[dict[str, np.ndarray]]:
    """Validate each DataFrame of ``frames`` into request chunks, numbering rows across frames.

    Rows the reader already rejected (``df.attrs['bad']``) are counted here; the columns
    are matched on the first frame unless ``cmap`` is given (Parquet matches them first).
    """
    next_row = 1
    for df in frames:
        rows = df.attrs.get("rows")
        for reason, bad_rows in df.attrs.get("bad", {}).items():
            if len(bad_rows) and errors == "raise":
                raise CostModelError(
                    f"{name}: row {int(bad_rows[0])}: {reason.removeprefix('rows that are ')}"
                )
            report.rows += len(bad_rows)
            report.skip(reason, bad_rows)
        if len(df) == 0 and not len(df.columns):
            continue
        if cmap is None:
            cmap = match_columns(list(df.columns), name)
        if report.columns is None:
            report.columns = cmap
            for note in cmap.notes:
                report.note(note)
        missing = [c for c in cmap.columns() if c not in df.columns]
        if missing:
            df = df.reindex(columns=[*df.columns, *missing])
        row0 = int(rows[0]) if rows is not None and len(rows) else next_row
        if rows is not None and len(rows) and (np.diff(rows) != 1).any():
            yield from _parse_rows_individually(df, rows, cmap, report, errors, coder)
        else:
            yield parse_frame(df, cmap, row0, report, errors, coder)
        next_row = (int(rows[-1]) + 1) if rows is not None and len(rows) else row0 + len(df)


def _parse_rows_individually(df, rows, cmap, report, errors, coder) -> Iterator[dict[str, np.ndarray]]:
    """JSON chunks whose row numbers have gaps (bad lines removed): parse runs of consecutive rows."""
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    for idx in np.split(np.arange(len(rows)), breaks):
        if len(idx):
            yield parse_frame(df.iloc[idx], cmap, int(rows[idx[0]]), report, errors, coder)
