"""Users' own usage logs: every format, lenient column matching, every bad-input case."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from costmodel.errors import CostModelError
from costmodel.workloads.loading import load_workload, load_workload_bytes
from costmodel.workloads.usage_log import (
    iter_usage_chunks,
    load_usage_log,
    load_usage_log_bytes,
    match_columns,
)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def test_openai_jsonl_nested_usage(tmp_path):
    lines = [
        {
            "user": "alice",
            "created": 1_730_000_000,
            "usage": {
                "prompt_tokens": 1200,
                "completion_tokens": 300,
                "prompt_tokens_details": {"cached_tokens": 1024},
                "completion_tokens_details": {"reasoning_tokens": 200},
            },
        },
        {"user": "bob", "created": 1_730_000_100, "usage": {"prompt_tokens": 50, "completion_tokens": 10}},
    ]
    p = write(tmp_path, "openai.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    w = load_usage_log(p)
    assert list(w.prompt_tokens) == [1200, 50]
    assert list(w.output_tokens) == [300, 10]  # reasoning is inside completion_tokens: not added again
    assert list(w.cached_tokens) == [1024, 0]
    assert list(w.user) == [0, 1] and w.users_known
    assert list(w.timestamp) == [1_730_000_000, 1_730_000_100]
    assert w.skipped == {}


def test_anthropic_csv_input_excludes_cache(tmp_path):
    p = write(
        tmp_path,
        "anthropic.csv",
        "input_tokens,output_tokens,cache_read_input_tokens,cache_creation_input_tokens,user_id,timestamp\n"
        "100,20,1000,500,u1,2026-01-01T00:00:00Z\n5,1,0,0,u2,2026-01-02\n",
    )
    w = load_usage_log(p)
    assert list(w.prompt_tokens) == [1600, 5]
    assert list(w.cached_tokens) == [1000, 0] and list(w.cache_write_tokens) == [500, 0]
    assert w.timestamp[0] == pd.Timestamp("2026-01-01", tz="UTC").timestamp()
    assert any("Anthropic" in n for n in w.notes)


def test_litellm_spend_log_and_gemini_names():
    m = match_columns(
        [
            "request_id",
            "startTime",
            "user",
            "prompt_tokens",
            "completion_tokens",
            "spend",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        ]
    )
    assert (m.prompt, m.output, m.timestamp, m.user) == (
        "prompt_tokens",
        "completion_tokens",
        "startTime",
        "user",
    )
    assert not m.prompt_excludes_cache  # LiteLLM prompt_tokens include cached tokens
    g = match_columns(
        [
            "usageMetadata.promptTokenCount",
            "usageMetadata.candidatesTokenCount",
            "usageMetadata.cachedContentTokenCount",
            "usageMetadata.thoughtsTokenCount",
        ]
    )
    assert (
        g.prompt == "usageMetadata.promptTokenCount" and g.cached == "usageMetadata.cachedContentTokenCount"
    )
    # Gemini reports thinking tokens beside candidatesTokenCount: they are billed as output (issue 14)
    assert g.reasoning == "usageMetadata.thoughtsTokenCount"
    r = match_columns(["input_tokens", "output_tokens", "reasoning_tokens"])
    assert r.reasoning == "reasoning_tokens"
    o = match_columns(["prompt_tokens", "completion_tokens", "reasoning_tokens"])
    assert o.reasoning is None  # OpenAI completion_tokens include reasoning


def test_reasoning_column_added_to_output(tmp_path):
    p = write(tmp_path, "r.csv", "Input Tokens,Output Tokens,Reasoning Tokens\n100,10,50\n")
    w = load_usage_log(p)
    assert list(w.output_tokens) == [60]


def test_azure_trace_format_and_tsv(tmp_path):
    p = write(
        tmp_path, "a.tsv", "TIMESTAMP\tContextTokens\tGeneratedTokens\n2023-11-16 18:15:46.6805900\t374\t44\n"
    )
    w = load_usage_log(p)
    assert list(w.prompt_tokens) == [374] and list(w.output_tokens) == [44]
    assert not w.users_known


def test_json_array_and_bytes_upload():
    data = json.dumps(
        [{"prompt_tokens": 10, "completion_tokens": 2}, {"prompt_tokens": 20, "completion_tokens": 3}]
    )
    w = load_usage_log_bytes(data.encode(), "log.json")
    assert list(w.prompt_tokens) == [10, 20]
    w2 = load_workload_bytes(b"prompt_tokens,completion_tokens\n7,1\n", "x.csv", users=None)
    assert list(w2.prompt_tokens) == [7]
    # content sniffing without an extension
    w3 = load_usage_log_bytes(b'{"input_tokens": 5, "output_tokens": 1}\n', "upload")
    assert list(w3.prompt_tokens) == [5]


def test_parquet_nested_struct(tmp_path):
    table = pa.table(
        {
            "user_id": [1, 2, 1],
            "ts": pa.array([1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000], pa.int64()),
            "usage": [
                {
                    "prompt_tokens": 100,
                    "completion_tokens": 10,
                    "prompt_tokens_details": {"cached_tokens": 50},
                },
                {
                    "prompt_tokens": 200,
                    "completion_tokens": 20,
                    "prompt_tokens_details": {"cached_tokens": 0},
                },
                {
                    "prompt_tokens": 300,
                    "completion_tokens": 30,
                    "prompt_tokens_details": {"cached_tokens": 100},
                },
            ],
        }
    )
    p = tmp_path / "log.parquet"
    pq.write_table(table, p)
    w = load_workload(str(p))
    assert list(w.prompt_tokens) == [100, 200, 300]
    assert list(w.cached_tokens) == [50, 0, 100]
    assert list(w.user) == [0, 1, 0]
    assert w.timestamp[0] == 1_700_000_000  # epoch milliseconds recognised


def test_bad_rows_are_skipped_counted_and_reported(tmp_path):
    p = write(
        tmp_path,
        "bad.csv",
        "prompt_tokens,completion_tokens,cached_tokens,timestamp\n"
        "100,10,0,2026-01-01\n"  # 1 ok
        "-5,10,0,2026-01-01\n"  # 2 negative
        ",10,0,2026-01-01\n"  # 3 missing
        "abc,10,0,2026-01-01\n"  # 4 not a number
        "inf,10,0,2026-01-01\n"  # 5 infinite
        "1000000000000,10,0,2026-01-01\n"  # 6 absurd
        "100,10,500,2026-01-01\n"  # 7 cached > prompt
        "100.5,10,0,2026-01-01\n"  # 8 fractional
        "0,0,0,2026-01-01\n"  # 9 no tokens
        "100,10,0,not a date\n"  # 10 timestamp
        "100,2000000,0,2026-01-01\n"  # 11 absurd output
        "200,20,,2026-01-02\n",  # 12 ok, empty cached read as 0
    )
    w = load_usage_log(p)
    assert list(w.prompt_tokens) == [100, 200]
    assert sum(w.skipped.values()) == 10
    first = w.skipped_first_row
    assert first["rows with negative prompt tokens"] == 2
    assert (
        first["rows with missing or non-numeric prompt tokens"] == 3
        and w.skipped["rows with missing or non-numeric prompt tokens"] == 2
    )
    assert first["rows with infinite prompt tokens"] == 5
    assert first["rows with absurd prompt tokens (> 10,000,000)"] == 6
    assert first["rows with cached tokens above prompt tokens"] == 7
    assert first["rows with fractional prompt tokens"] == 8
    assert first["rows with no tokens at all"] == 9
    assert first["rows with an unreadable or implausible timestamp"] == 10
    assert first["rows with absurd output tokens (> 1,000,000)"] == 11
    assert w.summary()["skipped_rows"] == 10
    with pytest.raises(
        CostModelError, match=r"bad.csv: row 2: column 'prompt_tokens': negative prompt tokens \(value '-5'\)"
    ):
        load_usage_log(p, errors="raise")


def test_bad_files_give_one_clear_error(tmp_path):
    cases = {
        "empty.csv": (b"", "the file is empty"),
        "header.csv": (b"prompt_tokens,completion_tokens\n", "no data rows"),
        "latin1.csv": (
            b"prompt_tokens,completion_tokens,user\n10,1,Jos\xe9\n",
            r"line 2 is not UTF-8 text \(byte 0xe9",
        ),
        "latin1.jsonl": (
            b'{"prompt_tokens": 1, "completion_tokens": 1, "user": "Jos\xe9"}\n',
            "line 1 is not UTF-8",
        ),
        "nocol.csv": (
            b"foo,bar\n1,2\n",
            "no prompt token column; looked for prompt_tokens, input_tokens.*found columns: foo, bar",
        ),
        "noout.csv": (b"prompt_tokens,bar\n1,2\n", "no output token column"),
        "broken.parquet": (b"PAR1 this is not parquet", "not a readable Parquet file"),
        "array.json": (b"[1, 2", "not valid JSON"),
        "allbad.csv": (
            b"prompt_tokens,completion_tokens\n-1,1\n-2,1\n",
            "no usable rows .*2 rows with negative prompt",
        ),
    }
    for name, (data, message) in cases.items():
        with pytest.raises(CostModelError, match=message):
            load_usage_log(write(tmp_path, name, data))
    with pytest.raises(CostModelError, match="no such file"):
        load_usage_log(tmp_path / "missing.csv")


def test_broken_json_lines_are_rows(tmp_path):
    p = write(
        tmp_path,
        "l.jsonl",
        '{"prompt_tokens": 1, "completion_tokens": 1}\nnot json\n[1]\n'
        '{"prompt_tokens": 2, "completion_tokens": 1}\n',
    )
    w = load_usage_log(p)
    assert list(w.prompt_tokens) == [1, 2]
    assert w.skipped_first_row == {"rows that are not valid JSON": 2, "rows that are not JSON objects": 3}
    with pytest.raises(CostModelError, match="row 2: not valid JSON"):
        load_usage_log(p, errors="raise")


def test_streaming_chunks_match_whole_read(tmp_path):
    rng = np.random.default_rng(0)
    n = 2_503
    df = pd.DataFrame(
        {
            "prompt_tokens": rng.integers(1, 5000, n),
            "completion_tokens": rng.integers(1, 500, n),
            "user": rng.choice(["a", "b", "c", "d"], n),
        }
    )
    df.loc[17, "prompt_tokens"] = -1
    for name, writer in (
        ("s.csv", lambda p: df.to_csv(p, index=False)),
        ("s.parquet", df.to_parquet),
        ("s.jsonl", lambda p: df.to_json(p, orient="records", lines=True)),
    ):
        path = tmp_path / name
        writer(path)
        whole = load_usage_log(path)
        chunks = list(iter_usage_chunks(path, chunk_rows=300))
        assert len(chunks) >= 8
        assert np.concatenate([c["prompt_tokens"] for c in chunks]).sum() == whole.prompt_tokens.sum()
        assert len(whole) == n - 1 and whole.skipped_first_row == {"rows with negative prompt tokens": 18}
        np.testing.assert_array_equal(np.concatenate([c["user"] for c in chunks]), whole.user)


def test_litellm_spend_log_file(tmp_path):
    rows = [
        {
            "request_id": "r1",
            "startTime": "2026-10-01T10:00:00Z",
            "user": "team-a",
            "model": "gpt-4o",
            "prompt_tokens": 900,
            "completion_tokens": 100,
            "spend": 0.003,
            "usage": {"prompt_tokens_details": {"cached_tokens": 512}},
        },
        {
            "request_id": "r2",
            "startTime": "2026-11-02T10:00:00Z",
            "user": "team-b",
            "model": "gpt-4o",
            "prompt_tokens": 50,
            "completion_tokens": 5,
            "spend": 0.0001,
        },
    ]
    p = tmp_path / "spend_logs.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    w = load_usage_log(p)
    assert list(w.prompt_tokens) == [900, 50] and list(w.cached_tokens) == [512, 0]
    assert list(w.user) == [0, 1]
    months = w.timestamp.astype("int64").astype("datetime64[s]").astype("datetime64[M]").astype(str)
    assert list(months) == ["2026-10", "2026-11"]


def test_hostile_json_is_handled():
    # nested too deeply for the JSON parser: one clear error (array file) or a bad row (JSON Lines)
    with pytest.raises(CostModelError, match="nested too deeply"):
        load_usage_log_bytes(b"[" * 100_000, "deep.json")
    with pytest.raises(CostModelError, match="no usable rows .*not valid JSON"):
        load_usage_log_bytes(b'{"a":' * 100_000 + b"\n", "deep.jsonl")
    # an integer beyond float range is an infinite token count: skipped and counted
    big = (
        b'{"prompt_tokens": '
        + b"9" * 400
        + b', "completion_tokens": 1}\n{"prompt_tokens": 5, "completion_tokens": 1}\n'
    )
    w = load_usage_log_bytes(big, "big.jsonl")
    assert list(w.prompt_tokens) == [5] and w.skipped == {"rows with infinite prompt tokens": 1}


def test_mixed_and_implausible_timestamps():
    rows = [
        {"prompt_tokens": 5, "completion_tokens": 1, "timestamp": -1},  # 1969-12-31: kept
        {"prompt_tokens": 5, "completion_tokens": 1, "timestamp": ""},  # unreadable
        {"prompt_tokens": 5, "completion_tokens": 1, "timestamp": "2026-01-01T02:00:00+02:00"},
        {"prompt_tokens": 5, "completion_tokens": 1, "timestamp": 1_700_000_000_000},  # epoch ms
        {"prompt_tokens": 5, "completion_tokens": 1, "timestamp": 1e30},  # implausible
        {"prompt_tokens": 5, "completion_tokens": 1, "timestamp": "-0001-01-01"},  # implausible
    ]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    w = load_usage_log_bytes(data, "mixed.jsonl")
    assert list(w.timestamp) == [-1, pd.Timestamp("2026-01-01", tz="UTC").timestamp(), 1_700_000_000]
    assert w.skipped == {"rows with an unreadable or implausible timestamp": 3}
    csv = load_usage_log_bytes(b"prompt_tokens,completion_tokens,timestamp\n5,1,-1\n5,1,\n", "mixed.csv")
    assert list(csv.timestamp) == [-1]
