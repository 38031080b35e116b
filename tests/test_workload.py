"""Synthetic workload presets: reproducible, with the shapes they promise."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel.errors import CostModelError
from costmodel.workloads.loading import list_workloads, load_workload
from costmodel.workloads.workload import from_arrays, presets, synthesize

PRESETS = ["chat", "rag", "coding-assistant", "long-document", "persistent-agent", "batch-summarization"]


def test_all_presets_listed():
    ids = [w["id"] for w in list_workloads() if w["kind"] == "synthetic"]
    assert ids == PRESETS
    for w in list_workloads():
        assert w["title"] and w["description"] and w["source"]


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_are_reproducible_and_valid(preset):
    a = synthesize(preset, users=40, seed=7)
    b = synthesize(preset, users=40, seed=7)
    c = synthesize(preset, users=40, seed=8)
    for name, col in a.columns().items():
        np.testing.assert_array_equal(col, b.columns()[name])
    assert not np.array_equal(a.prompt_tokens, c.prompt_tokens)
    assert len(a) > 0
    assert (a.prompt_tokens >= 1).all() and (a.output_tokens >= 1).all()
    assert (a.cached_tokens >= 0).all() and (a.cached_tokens <= a.prompt_tokens).all()
    assert (a.cache_write_tokens >= 0).all() and (a.cached_tokens + a.cache_write_tokens <= a.prompt_tokens).all()
    assert set(np.unique(a.user)) <= set(range(40))
    assert np.all(np.diff(a.timestamp) >= 0)
    for col in (a.prompt_tokens, a.output_tokens, a.cached_tokens):
        assert np.all(col == np.floor(col))


def test_chat_is_fitted_to_the_azure_conversation_trace():
    w = synthesize("chat")
    assert np.median(w.prompt_tokens) == pytest.approx(1_020, rel=0.05)
    assert np.median(w.output_tokens) == pytest.approx(129, rel=0.05)


def test_persistent_agent_context_grows_each_turn_and_is_cached():
    w = synthesize("persistent-agent", users=5, seed=1)
    df = w.to_frame()
    p = presets()["persistent-agent"].agent
    # the first turn of a session has no cached prefix; later turns read prompt_{t-1} + output_{t-1}
    first = df[df.cached_tokens == 0]
    assert (first.prompt_tokens >= p.system_tokens).all()
    later = df[df.cached_tokens > 0]
    assert (later.cached_tokens >= p.system_tokens).all()
    assert w.summary()["prefix_cache_hit_rate"] > 0.7
    # within a user's sessions: in time order the context never shrinks between consecutive turns
    # 30 s apart
    for _, g in df.groupby("user"):
        g = g.sort_values("timestamp")
        dt = np.diff(g.timestamp.to_numpy())
        dp = np.diff(g.prompt_tokens.to_numpy())
        same_session = np.isclose(dt, p.seconds_between_turns)
        assert (dp[same_session] > 0).mean() > 0.95


def test_long_document_crosses_the_200k_tier():
    w = synthesize("long-document")
    share = (w.prompt_tokens > 200_000).mean()
    assert 0.02 < share < 0.15


def test_months_and_users_override():
    w = synthesize("rag", users=10, months=3, seed=2)
    months = np.unique(w.timestamp.astype("int64").astype("datetime64[s]").astype("datetime64[M]"))
    assert len(months) == 3
    with pytest.raises(CostModelError, match="users"):
        synthesize("rag", users=0)
    with pytest.raises(CostModelError, match="unknown workload preset 'nope'"):
        synthesize("nope")


def test_load_workload_errors():
    with pytest.raises(CostModelError, match="unknown workload 'nope.csv': not a file; valid ids: chat"):
        load_workload("nope.csv")


def test_from_arrays():
    w = from_arrays("x", [10, 20], [1, 2])
    assert w.summary()["requests"] == 2 and w.summary()["input_tokens"] == 30
    with pytest.raises(CostModelError, match="rows"):
        from_arrays("x", [10, 20], [1])
