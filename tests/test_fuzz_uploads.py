"""Fuzzing what users upload: usage logs (CSV, JSONL, JSON, Parquet) and saved scenario files.

The Pricing page's uploader calls ``ui.pricing.read_upload``, which calls
``costmodel.workloads.loading.load_workload_bytes`` (``costmodel.workloads.usage_log``); the sidebar's "Load a scenario
file" calls ``ui.state.parse_scenario_json``. AppTest can upload only what we give it, so the
functions are fuzzed directly.

Contracts:

* ``load_workload_bytes`` returns a Workload whose every array is finite, non-negative and inside the
  Scenario bounds (cached <= prompt), or raises ``CostModelError`` (a ``ValueError``) with a message;
  never another exception type.
* ``read_upload`` and ``parse_scenario_json`` never raise: a result or a short message for the user.
"""

from __future__ import annotations

import io
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from costmodel import CostModelError, Scenario, load_catalog
from costmodel.workloads.loading import load_workload_bytes
from ui.pricing import read_upload
from ui.state import parse_scenario_json

REPO = Path(__file__).resolve().parents[1]
CAT = load_catalog()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_PROMPT = Scenario.model_fields["prompt_tokens"].metadata[-1].le
MAX_OUTPUT = Scenario.model_fields["output_tokens"].metadata[-1].le

COLUMN_NAMES = (
    "prompt_tokens", "completion_tokens", "input_tokens", "output_tokens", "cached_tokens",
    "cache_read_input_tokens", "cache_creation_input_tokens", "reasoning_tokens", "user", "user_id",
    "timestamp", "created_at", "startTime", "Prompt Tokens", "promptTokens", "usage.prompt_tokens",
    "tokens", "cost", "", " ", "ünï", "<script>", "a,b", 'q"uote', "prompt_tokens ",
)
FORMATS = ("csv", "jsonl", "json", "parquet")


# ----------------------------------------------------------------------------- contract
def check_workload_contract(data: bytes, name: str, errors: str = "skip", *, strict: bool = False):
    """Parse; return the workload or None for a clear error. Any other exception type fails the test.

    ``strict``: only CostModelError is an acceptable error (the hand-picked files); otherwise any
    ValueError with a message is (the random files: the issue's contract is "CostModelError/ValueError").
    """
    try:
        w = load_workload_bytes(data, name, errors=errors)
    except (CostModelError, ValueError) as exc:
        if strict and not isinstance(exc, CostModelError):
            raise
        message = str(exc)
        assert message.strip() and "Traceback" not in message, repr(message)
        return None
    assert len(w) > 0, "an empty workload must be an error, not a result"
    cols = w.columns()
    for key in ("prompt_tokens", "output_tokens", "cached_tokens", "cache_write_tokens"):
        a = np.asarray(cols[key], dtype=float)
        assert np.all(np.isfinite(a)) and np.all(a >= 0), (key, a[:10])
    assert np.all(cols["prompt_tokens"] <= MAX_PROMPT) and np.all(cols["output_tokens"] <= MAX_OUTPUT)
    assert np.all(cols["cached_tokens"] <= cols["prompt_tokens"])
    assert np.all(np.isfinite(np.asarray(cols["timestamp"], dtype=float)))
    assert sum(w.skipped.values()) >= 0
    return w


def check_read_upload(data: bytes, name: str) -> None:
    w, err, digest = read_upload(data, name)
    assert (w is None) != (err is None), (w, err)
    assert isinstance(digest, str) and digest
    if err is not None:
        assert err.strip()


# ----------------------------------------------------------------------------- generated logs
CELL = st.one_of(
    st.integers(-10, 20_000),
    st.integers(-(10**15), 10**15),
    st.sampled_from([0, 1, 10**7, 10**7 + 1, 10**12, 10**30, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "nan", "NaN", "inf", "-inf", "1e12", "1,000", "٣", "<script>alert(1)</script>", "null"]),
    st.none(),
    st.booleans(),
)


@st.composite
def tables(draw):
    names = draw(st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=7))
    if draw(st.booleans()):  # usually give the parser something it can use
        names = ["prompt_tokens", "completion_tokens", *names]
    rows = draw(st.lists(st.lists(CELL, min_size=len(names), max_size=len(names)), max_size=15))
    return names, rows


def _jsonable(v):
    return v if not isinstance(v, float) or math.isfinite(v) else repr(v) if math.isinf(v) else None


def encode(names: list[str], rows: list[list], fmt: str) -> bytes:
    if fmt == "csv":
        df = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame(columns=names)
        return df.to_csv(index=False).encode("utf-8")
    if fmt in ("jsonl", "json"):
        records = [dict(zip(names, r, strict=True)) for r in rows]
        if fmt == "json":
            return json.dumps(records, allow_nan=True).encode("utf-8")
        return "\n".join(json.dumps(r, allow_nan=True) for r in records).encode("utf-8")
    unique = list(dict.fromkeys(names))
    df = pd.DataFrame([[r[names.index(n)] for n in unique] for r in rows], columns=unique) if rows else \
        pd.DataFrame(columns=unique)
    buf = io.BytesIO()
    try:
        df.to_parquet(buf)
    except Exception:  # noqa: BLE001 - pyarrow cannot store this mix of types: not a file a user could have
        assume(False)
    return buf.getvalue()


@FUZZ
@given(tables(), st.sampled_from(FORMATS), st.sampled_from(["skip", "raise"]))
def test_generated_logs_parse_or_fail_clearly(table, fmt, errors):
    names, rows = table
    data = encode(names, rows, fmt)
    check_workload_contract(data, f"usage.{fmt}", errors)


@FUZZ
@given(tables(), st.sampled_from(FORMATS), st.data())
def test_corrupted_logs_parse_or_fail_clearly(table, fmt, data):
    """The same files, then truncated, with bytes flipped or inserted, or with the wrong extension."""
    names, rows = table
    raw = bytearray(encode(names, rows, fmt))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
        pos = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "truncate":
            raw = raw[:pos]
        elif op == "flip" and raw:
            raw[pos] ^= data.draw(st.integers(1, 255))
        else:
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    name = data.draw(st.sampled_from([f"usage.{fmt}", "usage.csv", "usage.jsonl", "usage.parquet", "upload",
                                      "usage.txt", "usage.CSV"]))
    check_workload_contract(bytes(raw), name)
    check_read_upload(bytes(raw), name)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["x.csv", "x.jsonl", "x.json", "x.parquet", "x", "x.tsv"]))
def test_random_bytes_never_escape_as_another_exception(raw, name):
    check_workload_contract(raw, name)
    check_read_upload(raw, name)


# ----------------------------------------------------------------------------- hand-picked files
def _parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf)
    return buf.getvalue()


HEADER = b"prompt_tokens,completion_tokens\n"
NASTY_FILES = {
    "empty.csv": b"",
    "empty.jsonl": b"",
    "empty.parquet": b"",
    "header-only.csv": HEADER,
    "whitespace.csv": b"   \n\n  \n",
    "wrong-columns.csv": b"a,b,c\n1,2,3\n",
    "negatives.csv": HEADER + b"-5,3\n10,-1\n",
    "nan-inf.csv": HEADER + b"nan,3\ninf,1\n-inf,2\n5,NaN\n",
    "trillion.csv": HEADER + b"1000000000000,5\n5,1000000000000\n",
    "fractional.csv": HEADER + b"1.5,2\n",
    "latin1.csv": "prompt_tokens,completion_tokens,user\n1,2,José\n".encode("latin-1"),
    "utf16.csv": "prompt_tokens,completion_tokens\n1,2\n".encode("utf-16"),
    "bom.csv": b"\xef\xbb\xbf" + HEADER + b"1,2\n",
    "binary.csv": bytes(range(256)) * 8,
    "nul.csv": HEADER + b"1\x00,2\n",
    "open-quote.csv": HEADER + b'"1,2\n',
    "many-columns.csv": (",".join(f"c{i}" for i in range(5000)) + ",prompt_tokens,completion_tokens\n"
                         + ",".join("1" for _ in range(5002)) + "\n").encode(),
    "script.csv": b"prompt_tokens,completion_tokens,user\n5,1,<script>alert(1)</script>\n",
    "timestamps.csv": b"prompt_tokens,completion_tokens,timestamp\n5,1,99999999999999999999\n5,1,-1e300\n5,1,x\n",
    "cached-above-prompt.csv": b"prompt_tokens,completion_tokens,cached_tokens\n5,1,10\n5,1,-1\n5,1,2\n",
    "number.json": b"42",
    "object.json": b'{"prompt_tokens": 5}',
    "mixed.json": b'[{"prompt_tokens": 5, "completion_tokens": 1}, 3, "x", null, []]',
    "strings.jsonl": b'"x"\n"y"\n',
    "broken.jsonl": b'{"prompt_tokens": 5, "completion_tokens": 1}\n{"prompt_tokens": \n',
    "nan-literals.jsonl": b'{"prompt_tokens": NaN, "completion_tokens": Infinity}\n{"prompt_tokens": 5, "completion_tokens": 1}\n',
    "odd-types.jsonl": b'{"prompt_tokens": true, "completion_tokens": false}\n{"prompt_tokens": [1], "completion_tokens": {"a": 1}}\n',
    "nested-user.jsonl": b'{"prompt_tokens": 5, "completion_tokens": 1, "user": {"id": [1, 2]}}\n',
    "not-parquet.parquet": b"PAR1" + b"\x00" * 100 + b"PAR1",
    "zip.parquet": b"PK\x03\x04garbage",
    "strings.parquet": _parquet(pd.DataFrame({"prompt_tokens": ["a", "5"], "completion_tokens": ["1", None]})),
    "floats.parquet": _parquet(pd.DataFrame({"prompt_tokens": [1e12, float("nan"), -1.0, 5.0],
                                             "completion_tokens": [1.0, 2.0, 3.0, float("inf")]})),
    "wrong-columns.parquet": _parquet(pd.DataFrame({"x": [1]})),
    "no-rows.parquet": _parquet(pd.DataFrame({"prompt_tokens": pd.Series([], dtype="int64"),
                                              "completion_tokens": pd.Series([], dtype="int64")})),
    "nested.parquet": _parquet(pd.DataFrame({"prompt_tokens": [[1, 2]], "completion_tokens": [{"a": 1}]})),
    "spreadsheet.xlsx": b"PK\x03\x04garbage",
}


@pytest.mark.parametrize("errors", ["skip", "raise"])
@pytest.mark.parametrize("name", sorted(NASTY_FILES))
def test_hand_picked_nasty_files(name, errors):
    check_workload_contract(NASTY_FILES[name], name, errors, strict=True)
    check_read_upload(NASTY_FILES[name], name)


def test_bad_rows_are_counted_not_dropped_silently():
    w = check_workload_contract(HEADER + b"-5,3\n10,nan\n1000000000000,5\ninf,1\n100,200\n", "log.csv")
    assert w is not None and len(w) == 1 and sum(w.skipped.values()) == 4, w.skipped
    with pytest.raises(CostModelError, match="row 1"):
        load_workload_bytes(HEADER + b"-5,3\n100,200\n", "log.csv", errors="raise")


def test_a_log_over_the_upload_limit_is_still_handled():
    """server.maxUploadSize stops bigger uploads in Streamlit; the parser itself must not fall over on one."""
    limit_mb = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    row = b"1234,567,u42\n"
    n = (limit_mb + 1) * 1024 * 1024 // len(row) + 1
    w = check_workload_contract(b"prompt_tokens,completion_tokens,user\n" + row * n, "big.csv")
    assert w is not None and len(w) == n


@pytest.mark.parametrize(
    "name,data",
    [
        ("deep.json", b"[" * 100_000),
        ("deep.jsonl", b'{"a":' * 100_000 + b"\n"),
    ],
)
def test_deeply_nested_json_is_a_clear_error(name, data):
    """Regression (found here, fixed in affaa53): deeply nested JSON used to raise RecursionError."""
    check_workload_contract(data, name, strict=True)


def test_a_json_integer_beyond_float_range_is_skipped_or_a_clear_error():
    """Regression (found here, fixed in affaa53): used to raise OverflowError."""
    check_workload_contract(b'{"prompt_tokens": ' + b"9" * 400 + b', "completion_tokens": 1}\n'
                            + b'{"prompt_tokens": 5, "completion_tokens": 1}\n', "big-int.jsonl", strict=True)


TS_JSONL = (b'{"prompt_tokens": 5, "completion_tokens": 1, "timestamp": -1}\n'
            b'{"prompt_tokens": 5, "completion_tokens": 1, "timestamp": ""}\n')


def test_mixed_timestamps_in_jsonl_skip_rows_like_csv_does():
    """Regression (found here, fixed in affaa53): used to raise OutOfBoundsDatetime."""
    w = check_workload_contract(TS_JSONL, "mixed-ts.jsonl", strict=True)
    assert w is not None and len(w) >= 1


@pytest.mark.parametrize(
    "name,data",
    [
        ("deep.json", b"[" * 100_000),
        ("big-int.jsonl", b'{"prompt_tokens": ' + b"9" * 400 + b', "completion_tokens": 1}\n'),
        ("mixed-ts.jsonl", TS_JSONL),
    ],
)
def test_the_page_survives_these_files(name, data):
    """Whatever the parser raises, the uploader's function turns it into a message (the page never crashes)."""
    check_read_upload(data, name)


# ----------------------------------------------------------------------------- scenario files
SCENARIO_KEYS = sorted(Scenario.model_fields)
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False),
              st.text(max_size=20), st.sampled_from(["max", "llama-3.1-8b", "h100-sxm", "<script>", "bf16"])),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children,
                                                                               max_size=3)),
    max_leaves=8,
)


def check_scenario_file(data: bytes | str) -> None:
    s, err = parse_scenario_json(data, CAT)
    assert (s is None) != (err is None), (s, err)
    if s is not None:
        assert isinstance(s, Scenario) and s.model in CAT.models and s.gpu in CAT.gpus
    else:
        assert err.strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(SCENARIO_KEYS + ["junk", "__class__", ""]), JSON_VALUE, max_size=8))
def test_random_scenario_objects_load_or_give_a_message(obj):
    check_scenario_file(json.dumps(obj).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_as_a_scenario_file_give_a_message(raw):
    check_scenario_file(raw)


@pytest.mark.parametrize(
    "data",
    [
        b"", b"null", b"[]", b'"str"', b"42", b"{", b"\xff\xfe\x00", "{}".encode("utf-16"), b"[" * 100_000,
        b'{"gpus": 1e400}', b'{"gpus": NaN}', b'{"prompt_tokens": ' + b"9" * 5000 + b"}",
        b'{"concurrency": 0}', b'{"model": "llama-3.1-8b", "model": "nope"}', b'{"gpu": "<script>alert(1)</script>"}',
        b" " * 2_000_000 + b"{}",  # over the uploader's 1 MB limit
    ],
)
def test_hand_picked_scenario_files(data):
    check_scenario_file(data)


def test_a_saved_scenario_round_trips():
    s = Scenario(model="deepseek-v3", gpu="h800", gpus=32, weight_bits=8, cache_hit_rate=0.563, experts_total=256)
    assert parse_scenario_json(s.model_dump_json().encode(), CAT) == (s, None)


def test_messages_about_a_scenario_file_stay_short():
    """Regression (found here, fixed in 725c794): a 1 MB id used to be echoed in full."""
    _, err = parse_scenario_json(b'{"model": "' + b"a" * 1_000_000 + b'"}', CAT)
    assert err is not None and len(err) < 2000, len(err)
