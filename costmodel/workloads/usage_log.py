"""A user's own usage log (CSV, JSONL/JSON or Parquet) read into request arrays.

Columns are matched leniently (case, camelCase, spaces and nesting ignored; nested
JSON/Parquet fields are flattened to ``a.b.c``):

===============  =====================================================================
prompt (needed)  prompt_tokens (OpenAI, LiteLLM), input_tokens (Anthropic, OpenAI
                 Responses), prompt_token_count (Gemini), ContextTokens (Azure traces),
                 input_length (Mooncake), prompt_tokens_count, n_prompt_tokens, tokens_in
output (needed)  completion_tokens, output_tokens, candidates_token_count,
                 GeneratedTokens, output_length, tokens_out
cached           prompt_tokens_details.cached_tokens, input_tokens_details.cached_tokens,
                 cache_read_input_tokens, cached_content_token_count, cached_tokens
cache writes     cache_creation_input_tokens, cache_write_tokens
reasoning        top-level reasoning_tokens / thinking_tokens / thoughts_token_count:
                 ADDED to output (billed as output) except next to OpenAI's
                 completion_tokens, which already include reasoning
user             user_id, user, end_user, customer_id, account_id, user_api_key_user_id,
                 api_key
timestamp        timestamp, created_at, created, start_time (LiteLLM startTime), time,
                 request_time, date; ISO text or epoch s/ms/us/ns
===============  =====================================================================

Anthropic reports ``input_tokens`` *without* the cache reads and writes: when the prompt
column is ``input_tokens`` and ``cache_read_input_tokens`` or
``cache_creation_input_tokens`` is present, the prompt is their sum.

Nothing is dropped silently. A row with a missing, non-numeric, negative, infinite,
fractional or absurd token count (above 10,000,000 prompt or 1,000,000 output tokens,
the Scenario bounds), cached tokens above the prompt, no tokens at all, or a timestamp
that cannot be read is skipped and counted by reason (with the first row number), or,
with ``errors='raise'``, stops the read with the row, column and value. Empty files,
files without a usable column, non-UTF-8 text and broken JSON/Parquet raise
CostModelError with one clear line. Rows are numbered from 1 (the first data row).

Large logs: :func:`iter_usage_chunks` streams any format in bounded-size chunks
(Parquet through pyarrow record batches, CSV through pandas chunks, JSONL by lines).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.workloads.workload import Workload

MAX_PROMPT_TOKENS = 10_000_000  # Scenario.prompt_tokens bound
MAX_OUTPUT_TOKENS = 1_000_000  # Scenario.output_tokens bound
NO_USER_NOTE = "no user column: all requests belong to one user"

ALIASES: dict[str, tuple[str, ...]] = {
    "prompt": (
        "prompt_tokens",
        "input_tokens",
        "prompt_token_count",
        "context_tokens",
        "input_length",
        "prompt_tokens_count",
        "n_prompt_tokens",
        "num_prompt_tokens",
        "tokens_in",
        "input_token_count",
    ),
    "output": (
        "completion_tokens",
        "output_tokens",
        "candidates_token_count",
        "generated_tokens",
        "output_length",
        "completion_tokens_count",
        "n_completion_tokens",
        "num_completion_tokens",
        "tokens_out",
        "output_token_count",
    ),
    "cached": (
        "prompt_tokens_details.cached_tokens",
        "input_tokens_details.cached_tokens",
        "prompt_tokens_details_cached_tokens",
        "input_tokens_details_cached_tokens",
        "cache_read_input_tokens",
        "cached_content_token_count",
        "cached_tokens",
        "cached_input_tokens",
        "cache_hit_tokens",
        "prompt_cache_hit_tokens",
    ),
    "cache_write": ("cache_creation_input_tokens", "cache_write_tokens", "cache_creation_tokens"),
    "reasoning": ("reasoning_tokens", "thinking_tokens", "thoughts_token_count"),
    "user": (
        "user_id",
        "user",
        "end_user",
        "customer_id",
        "account_id",
        "user_api_key_user_id",
        "api_key",
        "userid",
    ),
    "timestamp": (
        "timestamp",
        "created_at",
        "created",
        "start_time",
        "request_time",
        "request_timestamp",
        "time",
        "datetime",
        "date",
        "ts",
        "end_time",
    ),
}
TOP_LEVEL_ONLY = {"reasoning"}  # nested *_details.reasoning_tokens are already inside output


def normalize_name(name: Any) -> str:
    """'Usage.promptTokensDetails.Cached Tokens' -> 'usage.prompt_tokens_details.cached_tokens'."""
    parts = []
    for seg in str(name).split("."):
        seg = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", seg.strip())
        seg = re.sub(r"[^0-9a-zA-Z]+", "_", seg).strip("_").lower()
        parts.append(seg)
    return ".".join(p for p in parts if p)


@dataclass(frozen=True)
class ColumnMap:
    """Which source column plays which role (None = absent)."""

    prompt: str
    output: str
    cached: str | None = None
    cache_write: str | None = None
    reasoning: str | None = None
    user: str | None = None
    timestamp: str | None = None
    prompt_excludes_cache: bool = False  # Anthropic input_tokens
    notes: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        return [
            c
            for c in (
                self.prompt,
                self.output,
                self.cached,
                self.cache_write,
                self.reasoning,
                self.user,
                self.timestamp,
            )
            if c is not None
        ]


def match_columns(names: list[Any], source: str = "log") -> ColumnMap:
    """Match source columns to roles; a missing prompt or output column is a CostModelError."""
    norm = {normalize_name(n): n for n in names}
    found: dict[str, tuple[str, str]] = {}  # role -> (alias matched, original name)
    for role, aliases in ALIASES.items():
        for alias in aliases:
            hit = None
            for key, orig in norm.items():
                if role in TOP_LEVEL_ONLY and "." in key:
                    continue
                matches = key == alias or key.endswith("." + alias)
                if matches and (hit is None or key.count(".") < normalize_name(hit).count(".")):
                    hit = orig
            if hit is not None and all(hit != v[1] for v in found.values()):
                found[role] = (alias, hit)
                break
    shown = ", ".join(map(str, names)) or "(none)"
    for role in ("prompt", "output"):
        if role not in found:
            raise CostModelError(
                f"{source}: no {role} token column; looked for {', '.join(ALIASES[role][:6])} ...; found columns: {shown}"
            )
    notes = []
    excludes = found["prompt"][0] == "input_tokens" and (
        found.get("cached", ("",))[0] == "cache_read_input_tokens"
        or found.get("cache_write", ("",))[0] == "cache_creation_input_tokens"
    )
    if excludes:
        notes.append(
            "prompt = input_tokens + cache_read_input_tokens + cache_creation_input_tokens (Anthropic usage)"
        )
    reasoning = found.get("reasoning", (None, None))[1]
    if reasoning is not None and found["output"][0] == "completion_tokens":
        notes.append(f"{reasoning!r} ignored: OpenAI completion_tokens already include reasoning tokens")
        reasoning = None
    elif reasoning is not None:
        notes.append(f"{reasoning!r} added to output tokens (reasoning is billed as output)")
    return ColumnMap(
        prompt=found["prompt"][1],
        output=found["output"][1],
        cached=found.get("cached", (None, None))[1],
        cache_write=found.get("cache_write", (None, None))[1],
        reasoning=reasoning,
        user=found.get("user", (None, None))[1],
        timestamp=found.get("timestamp", (None, None))[1],
        prompt_excludes_cache=excludes,
        notes=tuple(notes),
    )


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
    reasoning = _numeric(df, cmap.reasoning)
    zeros = np.zeros(n)
    cached_f = zeros if cached is None else np.nan_to_num(cached, nan=0.0, posinf=np.inf, neginf=-np.inf)
    writes_f = zeros if writes is None else np.nan_to_num(writes, nan=0.0, posinf=np.inf, neginf=-np.inf)
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
        "reasoning": reason_f,
    }
    col_of = {
        "prompt": cmap.prompt,
        "output": cmap.output,
        "cached": cmap.cached,
        "cache writes": cmap.cache_write,
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


# ----------------------------------------------------------------------------- readers
Format = Literal["csv", "tsv", "jsonl", "json", "parquet"]


def detect_format(name: str, head: bytes = b"") -> Format:
    """From the file name's extension, else from the first bytes."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    for s in reversed(suffixes):
        if s in (".csv", ".txt"):
            return "csv"
        if s == ".tsv":
            return "tsv"
        if s in (".jsonl", ".ndjson"):
            return "jsonl"
        if s == ".json":
            return "jsonl" if head.lstrip()[:1] == b"{" else "json"
        if s in (".parquet", ".pq"):
            return "parquet"
    if head.startswith(b"PAR1"):
        return "parquet"
    first = head.lstrip()[:1]
    if first == b"{":
        return "jsonl"
    if first == b"[":
        return "json"
    return "csv"


def _utf8_problem(raw: io.BufferedIOBase | Any, source: str) -> CostModelError | None:
    """Find the first line that is not UTF-8 (None if all are)."""
    raw.seek(0)
    for line_no, line in enumerate(raw, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.start + 1]
            return CostModelError(
                f"{source}: line {line_no} is not UTF-8 text (byte 0x{bad.hex()} at column {exc.start + 1}); "
                "save the file as UTF-8"
            )
    return None


def _open(source: str | Path | bytes) -> tuple[Any, str]:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(bytes(source)), "upload"
    path = Path(source).expanduser()
    if not path.is_file():
        raise CostModelError(f"{path}: no such file")
    return open(path, "rb"), str(path)


def _csv_chunks(fh, name: str, sep: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    fh.seek(0)
    try:
        reader = pd.read_csv(
            fh,
            sep=sep,
            chunksize=chunk_rows,
            encoding="utf-8-sig",
            dtype_backend="numpy_nullable",
            low_memory=False,
        )
        yield from reader
    except pd.errors.EmptyDataError:
        raise CostModelError(f"{name}: the file is empty") from None
    except UnicodeDecodeError:
        problem = _utf8_problem(fh, name)
        raise (problem or CostModelError(f"{name}: not UTF-8 text")) from None
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[-1]
        raise CostModelError(f"{name}: not a readable CSV file ({msg})") from None


def _json_chunks(fh, name: str, fmt: str, chunk_rows: int, report: ReadReport) -> Iterator[pd.DataFrame]:
    """JSON Lines (or one JSON array) as DataFrames of flattened records; bad lines become bad rows."""
    fh.seek(0)
    if fmt == "json":
        try:
            data = json.loads(fh.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise (_utf8_problem(fh, name) or CostModelError(f"{name}: not UTF-8 text")) from None
        except json.JSONDecodeError as exc:
            raise CostModelError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        except RecursionError:
            raise CostModelError(f"{name}: not usable JSON (nested too deeply)") from None
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [data])
        if not isinstance(data, list):
            raise CostModelError(f"{name}: expected a JSON array of request records")
        records = list(enumerate(data, 1))
        for s in range(0, len(records), chunk_rows):
            yield _records_frame(records[s : s + chunk_rows], report)
        return
    batch: list[tuple[int, Any]] = []
    row = 0
    for line_no, line in enumerate(fh, 1):
        try:
            text = line.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.start + 1]
            raise CostModelError(
                f"{name}: line {line_no} is not UTF-8 text (byte 0x{bad.hex()} at column {exc.start + 1}); "
                "save the file as UTF-8"
            ) from None
        if not text.strip():
            continue
        row += 1
        try:
            batch.append((row, json.loads(text)))
        except (json.JSONDecodeError, RecursionError):
            batch.append((row, _BadJSON))
        if len(batch) >= chunk_rows:
            yield _records_frame(batch, report)
            batch = []
    if batch:
        yield _records_frame(batch, report)


class _BadJSON:
    pass


def _records_frame(batch: list[tuple[int, Any]], report: ReadReport) -> pd.DataFrame:
    rows = np.array([r for r, _ in batch])
    good = [isinstance(rec, dict) for _, rec in batch]
    bad_json = np.array([rec is _BadJSON for _, rec in batch])
    not_obj = ~np.array(good) & ~bad_json
    df = pd.json_normalize([rec for (_, rec), ok in zip(batch, good, strict=True) if ok])
    df.attrs["rows"] = rows[np.array(good, dtype=bool)]
    df.attrs["bad"] = {
        "rows that are not valid JSON": rows[bad_json],
        "rows that are not JSON objects": rows[not_obj],
    }
    return df


def _parquet_chunks(
    fh, name: str, chunk_rows: int, wanted: list[str] | None = None
) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fh.seek(0)
    try:
        pf = pq.ParquetFile(fh, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as exc:
        raise CostModelError(f"{name}: not a readable Parquet file ({exc})") from None
    pool = pa.default_memory_pool()
    top = None
    if wanted is not None:
        top = sorted({w.split(".")[0] for w in wanted})
    try:
        # one thread and no pre-buffering: memory stays near one batch (measured in bench_pricing)
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=top, use_threads=False):
            table = pa.Table.from_batches([batch])
            del batch
            while any(pa.types.is_struct(f.type) for f in table.schema):
                table = table.flatten()
            df = table.to_pandas()
            del table
            pool.release_unused()
            yield df
    except (pa.ArrowInvalid, OSError) as exc:
        raise CostModelError(f"{name}: broken Parquet data ({exc})") from None


def parquet_columns(source: str | Path | bytes) -> list[str]:
    """Flattened column names of a Parquet file (nested fields as a.b)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fh, name = _open(source)
    with fh:
        try:
            schema = pq.ParquetFile(fh).schema_arrow
        except (pa.ArrowInvalid, OSError) as exc:
            raise CostModelError(f"{name}: not a readable Parquet file ({exc})") from None

    def walk(fields, prefix=""):
        for f in fields:
            if pa.types.is_struct(f.type):
                yield from walk(list(f.type), prefix + f.name + ".")
            else:
                yield prefix + f.name

    return list(walk(list(schema)))


def iter_usage_chunks(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    chunk_rows: int = 1_000_000,
    errors: Literal["skip", "raise"] = "skip",
    report: ReadReport | None = None,
    coder: UserCoder | None = None,
) -> Iterator[dict[str, np.ndarray]]:
    """Stream a usage log as validated request chunks (bounded memory: ``chunk_rows`` per chunk).

    ``report`` collects rows read, skipped by reason and notes; ``coder`` keeps user
    codes consistent between passes over the same file.
    """
    if errors not in ("skip", "raise"):
        raise CostModelError(f"errors must be 'skip' or 'raise', got {errors!r}")
    if chunk_rows < 1:
        raise CostModelError("chunk_rows must be >= 1")
    report = report if report is not None else ReadReport()
    coder = coder if coder is not None else UserCoder()
    fh, name = _open(source)
    name = filename or name
    report.source = name
    with fh:
        head = fh.read(8)
        fh.seek(0)
        if not fh.read(1):
            raise CostModelError(f"{name}: the file is empty")
        fmt = detect_format(filename or name, head + fh.read(4096))
        fh.seek(0)
        cmap: ColumnMap | None = None
        if fmt == "parquet":
            cmap = match_columns(parquet_columns(source), name)
            frames = _parquet_chunks(fh, name, chunk_rows, cmap.columns())
        elif fmt in ("csv", "tsv"):
            frames = _csv_chunks(fh, name, "\t" if fmt == "tsv" else ",", chunk_rows)
        else:
            frames = _json_chunks(fh, name, fmt, chunk_rows, report)
        try:
            yield from _iterate_frames(frames, cmap, name, report, errors, coder)
        finally:
            frames.close()
    if report.rows == 0:
        raise CostModelError(f"{name}: no data rows (only a header, or nothing)")
    if report.columns is not None and report.columns.user is None:
        report.note(NO_USER_NOTE)


def _iterate_frames(
    frames: Iterator[pd.DataFrame],
    cmap: ColumnMap | None,
    name: str,
    report: ReadReport,
    errors: Literal["skip", "raise"],
    coder: UserCoder,
) -> Iterator[dict[str, np.ndarray]]:
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


def _workload_from_chunks(
    chunks: list[dict[str, np.ndarray]], report: ReadReport, wid: str, users: bool
) -> Workload:
    if report.kept == 0:
        if report.rows == 0:
            raise CostModelError(f"{report.source}: no data rows (only a header)")
        reasons = report.describe()
        raise CostModelError(f"{report.source}: no usable rows ({reasons})")
    cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    return Workload(
        id=wid,
        title=f"usage log {Path(report.source).name}",
        kind="log",
        source=report.source,
        description=report.describe(),
        users_known=users,
        skipped=dict(report.skipped),
        skipped_first_row=dict(report.first_row),
        notes=list(report.notes),
        **cols,
    )


def load_usage_log(
    path: str | Path, *, errors: Literal["skip", "raise"] = "skip", chunk_rows: int = 1_000_000
) -> Workload:
    """Read a whole usage log into memory (CSV, TSV, JSONL/JSON, Parquet)."""
    report = ReadReport()
    chunks = list(iter_usage_chunks(path, errors=errors, report=report, chunk_rows=chunk_rows))
    users = NO_USER_NOTE not in report.notes
    return _workload_from_chunks(chunks, report, Path(path).name, users)


def load_usage_log_bytes(
    data: bytes, filename: str = "upload", *, errors: Literal["skip", "raise"] = "skip"
) -> Workload:
    """Read an uploaded usage log from its bytes; the file name's extension (or content) picks the format."""
    if not isinstance(data, (bytes, bytearray)):
        raise CostModelError("expected the uploaded file's bytes")
    report = ReadReport()
    chunks = list(iter_usage_chunks(bytes(data), filename=filename, errors=errors, report=report))
    users = NO_USER_NOTE not in report.notes
    return _workload_from_chunks(chunks, report, filename, users)


__all__ = [
    "ALIASES",
    "ColumnMap",
    "ReadReport",
    "UserCoder",
    "detect_format",
    "iter_usage_chunks",
    "load_usage_log",
    "load_usage_log_bytes",
    "match_columns",
    "normalize_name",
    "parse_frame",
]
