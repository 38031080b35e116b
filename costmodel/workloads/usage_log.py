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

Modules: ``columns`` (aliases, header matching), ``readers`` (formats, chunked reading),
``parsing`` (row validation, skip counts); this module ties them together.

Large logs: :func:`iter_usage_chunks` streams any format in bounded-size chunks
(Parquet through pyarrow record batches, CSV through pandas chunks, JSONL by lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from costmodel.errors import CostModelError
from costmodel.workloads.columns import ALIASES, ColumnMap, match_columns, normalize_name
from costmodel.workloads.parsing import ReadReport, UserCoder, parse_frame, parse_frames
from costmodel.workloads.readers import detect_format, frames_for, open_source
from costmodel.workloads.workload import Workload

NO_USER_NOTE = "no user column: all requests belong to one user"


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
    fh, name = open_source(source)
    name = filename or name
    report.source = name
    with fh:
        head = fh.read(8)
        fh.seek(0)
        if not fh.read(1):
            raise CostModelError(f"{name}: the file is empty")
        fmt = detect_format(filename or name, head + fh.read(4096))
        fh.seek(0)
        frames, cmap = frames_for(fh, source, name, fmt, chunk_rows, report)
        try:
            yield from parse_frames(frames, cmap, name, report, errors, coder)
        finally:
            frames.close()
    if report.rows == 0:
        raise CostModelError(f"{name}: no data rows (only a header, or nothing)")
    if report.columns is not None and report.columns.user is None:
        report.note(NO_USER_NOTE)


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
