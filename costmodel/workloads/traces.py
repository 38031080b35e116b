"""Real request traces shipped in ``data/traces`` (see its README for sources, licenses, attribution).

- ``azure-2023-conv`` / ``azure-2023-code``: Azure LLM inference traces 2023 (Patel et
  al., "Splitwise", ISCA 2024; CC-BY 4.0): timestamp, context and generated tokens.
- ``mooncake-conversation``: Mooncake FAST'25 conversation trace (Qin et al., FAST 2025;
  Apache-2.0): input/output lengths and ``hash_ids``, one id per 512-token prompt block,
  equal ids meaning equal prefix blocks. :func:`prefix_cache_hits` turns them into the
  prefix-cache hits a serving engine would see.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError, UnknownIdError
from costmodel.resources import data_path
from costmodel.workloads.workload import Workload

TRACE_DIR = data_path("traces")
MOONCAKE_BLOCK_TOKENS = 512


@dataclass(frozen=True)
class TraceInfo:
    id: str
    title: str
    file: str
    description: str
    source: str


TRACES: dict[str, TraceInfo] = {
    t.id: t
    for t in (
        TraceInfo(
            "azure-2023-conv",
            "Azure 2023 conversation trace",
            "azure-llm-inference-2023-conv.csv",
            "19,366 requests of a production conversation service, 2023-11-16, about one hour; no cache or user data.",
            "Patel et al., Splitwise, ISCA 2024; Azure/AzurePublicDataset (CC-BY 4.0)",
        ),
        TraceInfo(
            "azure-2023-code",
            "Azure 2023 code-completion trace",
            "azure-llm-inference-2023-code.csv",
            "8,819 requests of a production code-completion service, 2023-11-16, about one hour.",
            "Patel et al., Splitwise, ISCA 2024; Azure/AzurePublicDataset (CC-BY 4.0)",
        ),
        TraceInfo(
            "mooncake-conversation",
            "Mooncake conversation trace (FAST'25)",
            "mooncake-fast25-conversation.jsonl",
            "12,031 chatbot requests with 512-token prefix-block hashes: a real prefix-cache hit rate.",
            "Qin et al., Mooncake, FAST 2025; kvcache-ai/Mooncake (Apache-2.0)",
        ),
    )
}


def cached_prefix_blocks(ids: Sequence[int], cache: Container[int]) -> int:
    """How many of a request's leading blocks are in ``cache``: the first miss ends the prefix."""
    n = 0
    for h in ids:
        if h not in cache:
            break
        n += 1
    return n


def prefix_cache_hits(
    hash_ids: Sequence[Sequence[int]],
    input_lengths: Sequence[int],
    *,
    block_tokens: int = MOONCAKE_BLOCK_TOKENS,
    capacity_tokens: int | None = None,
) -> np.ndarray:
    """Prompt tokens of each request served from a prefix cache, replaying requests in order.

    A request's leading blocks that are already cached are hits (the first miss ends the
    prefix: later blocks depend on it). Block i covers tokens [i*b, min((i+1)*b, L)), so a
    hit on the last, partial block counts only its real tokens. After the request all its
    blocks are in the cache. ``capacity_tokens=None``: unbounded; otherwise an LRU cache
    of ``capacity_tokens // block_tokens`` blocks (hits refresh recency).
    """
    if block_tokens < 1:
        raise CostModelError("block_tokens must be >= 1")
    hits = np.zeros(len(input_lengths), dtype=np.float64)
    if capacity_tokens is None:
        seen: set[int] = set()
        for i, (ids, length) in enumerate(zip(hash_ids, input_lengths, strict=True)):
            hits[i] = min(cached_prefix_blocks(ids, seen) * block_tokens, length)
            seen.update(ids)
        return hits
    if capacity_tokens < 0:
        raise CostModelError(f"cache capacity must be >= 0 tokens, got {capacity_tokens}")
    cap = capacity_tokens // block_tokens
    lru: OrderedDict[int, None] = OrderedDict()
    for i, (ids, length) in enumerate(zip(hash_ids, input_lengths, strict=True)):
        hits[i] = min(cached_prefix_blocks(ids, lru) * block_tokens, length)
        for h in ids:
            lru[h] = None
            lru.move_to_end(h)
        while len(lru) > cap:
            lru.popitem(last=False)
    return hits


def _azure(info: TraceInfo) -> Workload:
    path = TRACE_DIR / info.file
    df = pd.read_csv(path)
    ts = pd.to_datetime(df["TIMESTAMP"], utc=True, format="mixed")
    n = len(df)
    return Workload(
        id=info.id,
        title=info.title,
        prompt_tokens=df["ContextTokens"].to_numpy(dtype=np.float64),
        output_tokens=df["GeneratedTokens"].to_numpy(dtype=np.float64),
        cached_tokens=np.zeros(n),
        cache_write_tokens=np.zeros(n),
        user=np.zeros(n, dtype=np.int64),
        timestamp=((ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64),
        kind="trace",
        source=info.source,
        description=info.description,
        users_known=False,
    )


def read_mooncake(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[int]]]:
    """(timestamp ms, input_length, output_length, hash_ids) of a Mooncake JSONL trace."""
    ts, inp, out, ids = [], [], [], []
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                ts.append(float(rec["timestamp"]))
                inp.append(int(rec["input_length"]))
                out.append(int(rec["output_length"]))
                ids.append(list(rec["hash_ids"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise CostModelError(f"{path}: line {line_no}: not a Mooncake trace record ({exc})") from None
    return np.array(ts), np.array(inp, dtype=np.float64), np.array(out, dtype=np.float64), ids


def _mooncake(info: TraceInfo, capacity_tokens: int | None) -> Workload:
    ts, inp, out, ids = read_mooncake(TRACE_DIR / info.file)
    hits = prefix_cache_hits(ids, inp, capacity_tokens=capacity_tokens)
    cap = "unbounded" if capacity_tokens is None else f"LRU of {capacity_tokens:,} tokens"
    return Workload(
        id=info.id,
        title=info.title,
        prompt_tokens=inp,
        output_tokens=out,
        cached_tokens=hits,
        cache_write_tokens=inp - hits,
        user=np.zeros(len(inp), dtype=np.int64),
        timestamp=ts / 1000.0,
        kind="trace",
        source=info.source,
        description=info.description,
        users_known=False,
        notes=[f"prefix cache from hash_ids: {MOONCAKE_BLOCK_TOKENS}-token blocks, {cap}"],
    )


def load_trace(trace_id: str, *, cache_capacity_tokens: int | None = None) -> Workload:
    """Load a shipped trace by id (see :data:`TRACES`)."""
    try:
        info = TRACES[trace_id]
    except KeyError:
        raise UnknownIdError("trace", trace_id, TRACES) from None
    if trace_id.startswith("azure"):
        if cache_capacity_tokens is not None:
            raise CostModelError(f"{trace_id} has no prefix hashes: a cache capacity does not apply")
        return _azure(info)
    return _mooncake(info, cache_capacity_tokens)


__all__ = ["MOONCAKE_BLOCK_TOKENS", "TRACES", "TraceInfo", "load_trace", "prefix_cache_hits", "read_mooncake"]
