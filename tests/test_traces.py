"""Real traces: loaders against the traces' own totals, Mooncake prefix-cache hits against a direct computation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from costmodel.errors import CostModelError
from costmodel.workloads.loading import list_workloads, load_workload
from costmodel.workloads.traces import TRACE_DIR, TRACES, load_trace, prefix_cache_hits

MOONCAKE = TRACE_DIR / "mooncake-fast25-conversation.jsonl"


def test_trace_files_ship_with_licenses_and_attribution():
    names = {p.name for p in TRACE_DIR.iterdir()}
    assert {"LICENSE-CC-BY-4.0-azure.txt", "LICENSE-APACHE-2.0-mooncake.txt", "README.md"} <= names
    readme = (TRACE_DIR / "README.md").read_text(encoding="utf-8")
    assert "Splitwise" in readme and "Mooncake" in readme
    for t in TRACES.values():
        assert (TRACE_DIR / t.file).is_file()
        assert t.id in readme


@pytest.mark.parametrize(
    ("trace_id", "requests", "context", "generated"),
    [("azure-2023-conv", 19_366, 22_361_870, 4_088_665), ("azure-2023-code", 8_819, 18_059_974, 245_896)],
)
def test_azure_totals(trace_id, requests, context, generated):
    w = load_trace(trace_id)
    assert len(w) == requests
    assert w.prompt_tokens.sum() == context
    assert w.output_tokens.sum() == generated
    assert w.cached_tokens.sum() == 0
    # the trace covers about an hour of 2023-11-16 (UTC)
    assert 1_700_150_000 < w.timestamp.min() < w.timestamp.max() < w.timestamp.min() + 2 * 3600
    # independent check: read the CSV with the csv module
    with open(TRACE_DIR / TRACES[trace_id].file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == requests
    assert sum(int(r["ContextTokens"]) for r in rows) == context


def test_azure_conv_means():
    w = load_trace("azure-2023-conv")
    assert round(w.prompt_tokens.mean()) == 1_155
    assert np.median(w.prompt_tokens) == 1_020
    assert round(w.output_tokens.mean()) == 211


def _mooncake_records():
    with open(MOONCAKE, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_mooncake_means():
    w = load_trace("mooncake-conversation")
    assert len(w) == 12_031
    assert round(w.prompt_tokens.mean()) == 12_035
    assert round(w.output_tokens.mean()) == 343


def test_mooncake_hit_rate_matches_a_direct_computation():
    """Independent method: a block of request i is cached iff its hash first appeared in an earlier request."""
    recs = _mooncake_records()
    first_seen: dict[int, int] = {}
    for i, r in enumerate(recs):
        for h in r["hash_ids"]:
            first_seen.setdefault(h, i)
    hit_tokens = 0
    for i, r in enumerate(recs):
        seen_before = np.array([first_seen[h] < i for h in r["hash_ids"]] + [False])
        leading = int(np.argmin(seen_before))  # index of the first miss = number of leading hits
        hit_tokens += min(leading * 512, r["input_length"])
    total = sum(r["input_length"] for r in recs)
    w = load_trace("mooncake-conversation")
    assert w.cached_tokens.sum() == hit_tokens
    assert w.summary()["prefix_cache_hit_rate"] == pytest.approx(hit_tokens / total)
    assert 0.3 < hit_tokens / total < 0.45
    assert np.all(w.cache_write_tokens == w.prompt_tokens - w.cached_tokens)


def test_prefix_cache_small_cases():
    ids = [[1, 2, 3], [1, 2, 4], [1, 5], [6], [1, 2, 3]]
    lengths = [1_300, 1_400, 600, 10, 1_300]
    hits = prefix_cache_hits(ids, lengths, block_tokens=512)
    # r1: blocks 1,2 cached (1,024); r2: block 1 (512); r3: none; r4: 1,2,3 -> all its 1,300 tokens
    assert list(hits) == [0, 1_024, 512, 0, 1_300]
    # LRU of 3 blocks: after r1 {1,2,3}; r2 hits 1,2, inserts 4, evicts 3 -> {1,2,4}; r3 hits 1,
    # inserts 5 -> evicts 2 -> {4,1,5}; r4 misses, inserts 6 -> {1,5,6}; r5: 1 hits, 2 misses -> 512
    lru = prefix_cache_hits(ids, lengths, block_tokens=512, capacity_tokens=3 * 512)
    assert list(lru) == [0, 1_024, 512, 0, 512]
    assert list(prefix_cache_hits(ids, lengths, capacity_tokens=0)) == [0] * 5


def test_lru_capacity_lowers_the_hit_rate_and_unbounded_is_the_limit():
    unbounded = load_trace("mooncake-conversation").cached_tokens.sum()
    small = load_trace("mooncake-conversation", cache_capacity_tokens=2_000_000).cached_tokens.sum()
    huge = load_trace("mooncake-conversation", cache_capacity_tokens=10**12).cached_tokens.sum()
    assert small < unbounded == huge


def test_trace_errors_and_registry():
    with pytest.raises(CostModelError, match="unknown trace 'nope'"):
        load_trace("nope")
    with pytest.raises(CostModelError, match="no prefix hashes"):
        load_trace("azure-2023-code", cache_capacity_tokens=1000)
    ids = [w["id"] for w in list_workloads()]
    assert {"azure-2023-conv", "azure-2023-code", "mooncake-conversation"} <= set(ids)
    w = load_workload("azure-2023-conv", users=50, seed=3)
    assert len(np.unique(w.user)) == 50 and not w.users_known


def test_trace_files_are_unmodified_copies():
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "traces"
    if not shared.is_dir():
        pytest.skip("shared/data/traces not beside the checkout")
    for t in TRACES.values():
        assert (shared / t.file).read_bytes() == (TRACE_DIR / t.file).read_bytes()
