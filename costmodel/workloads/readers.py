"""Read usage logs in bounded chunks: CSV/TSV (pandas chunks), JSONL/JSON (by lines), Parquet (record batches)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.workloads.columns import ColumnMap, match_columns
from costmodel.workloads.parsing import ReadReport

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


def is_url(source: Any) -> bool:
    """Whether ``source`` names an fsspec location (``s3://``, ``gs://``, ``file://``, ``memory://``...)."""
    return isinstance(source, str) and "://" in source[:40]


def _open_url(url: str) -> Any:
    try:
        import fsspec
    except ImportError:
        raise CostModelError(f"{url}: reading a URL path needs fsspec (pip install fsspec)") from None
    try:
        return fsspec.open(url, "rb").open()
    except FileNotFoundError:
        raise CostModelError(f"{url}: no such file") from None
    except (ImportError, ValueError, OSError) as exc:  # unknown protocol, missing backend, no access
        raise CostModelError(f"{url}: cannot open ({type(exc).__name__}: {exc})") from None


def open_source(source: str | Path | bytes) -> tuple[Any, str]:
    """A binary file handle and a display name for a path, an fsspec URL or an upload's bytes."""
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(bytes(source)), "upload"
    if is_url(source):
        return _open_url(source), source
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

    fh, name = open_source(source)
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


def frames_for(
    fh: Any, source: str | Path | bytes, name: str, fmt: Format, chunk_rows: int, report: ReadReport
) -> tuple[Iterator[pd.DataFrame], ColumnMap | None]:
    """The rows of an open log as DataFrames of at most ``chunk_rows``, by format.

    Parquet's columns are matched first so that only those are read (the map is returned);
    for the other formats the map is ``None`` and the parser matches the first frame.
    """
    if fmt == "parquet":
        cmap = match_columns(parquet_columns(source), name)
        return _parquet_chunks(fh, name, chunk_rows, cmap.columns()), cmap
    if fmt in ("csv", "tsv"):
        return _csv_chunks(fh, name, "\t" if fmt == "tsv" else ",", chunk_rows), None
    return _json_chunks(fh, name, fmt, chunk_rows, report), None
