"""Service-level search and TTFT-under-load formulas, on hand-made curves (no catalog)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.engine.service_level import (
    BINDING,
    largest_batch_meeting,
    prefill_busy_share,
    queue_wait_quantile,
    tokens_per_second_per_user,
    ttft_p99_seconds,
)


def curves(batch):
    """Per-user speed 100 / (1 + 0.1 B) tokens/s and p99 TTFT 0.1 + 0.01 B seconds."""
    b = np.asarray(batch, dtype=float)
    return 100.0 / (1 + 0.1 * b), 0.1 + 0.01 * b


def search(memory_cap, engine_cap, min_speed, max_ttft):
    batch, meets, binding = largest_batch_meeting(
        curves, np.asarray(memory_cap, float), np.asarray(engine_cap, float),
        np.asarray(min_speed, float), np.asarray(max_ttft, float),
    )
    return batch.tolist(), meets.tolist(), [BINDING[c] for c in np.atleast_1d(binding)]


def test_binding_constraint_on_hand_made_cases():
    # speed >= 20 holds up to B = 40; TTFT <= 0.35 s up to B = 25; caps 1000 (memory) and 64 (engine)
    b, m, why = search([1000, 1000, 30, 1000, 1000], [64, 64, 64, 20, 64], [20, 20, 20, 20, 0], [0, 0.35, 0, 0, 0])
    assert b == [40, 25, 30, 20, 64]
    assert m == [True] * 5
    assert why == ["tpot", "ttft", "memory", "engine", "engine"]


def test_missing_the_target_at_batch_one_is_a_result():
    b, m, why = search([100, 100, 0], [100, 100, 100], [95, 0, 20], [0, 0.05, 0])
    assert b == [1, 1, 1] and m == [False, False, False]
    assert why == ["tpot", "ttft", "memory"]  # nothing fits: memory binds


@settings(max_examples=200, deadline=None)
@given(
    cap=st.integers(1, 1_000_000),
    speed=st.floats(0.0, 120.0),
    ttft=st.one_of(st.just(0.0), st.floats(0.05, 50.0)),
)
def test_chosen_batch_meets_and_one_more_misses(cap, speed, ttft):
    b, m, why = search([cap], [cap], [speed], [ttft])
    batch = b[0]
    s, t = curves(batch)
    if not m[0]:
        assert batch == 1 and (s < speed or (ttft > 0 and t > ttft))
        return
    assert s >= speed and (ttft == 0 or t <= ttft)
    if batch < cap:  # one more request per replica misses a target
        s1, t1 = curves(batch + 1)
        assert s1 < speed or (ttft > 0 and t1 > ttft)
        assert why[0] in {"tpot", "ttft"}
    else:
        assert why[0] in {"memory", "engine"}


def test_per_user_speed_is_the_replica_rate_over_its_batch():
    assert tokens_per_second_per_user(np.array(2000.0), np.array(100.0)) == pytest.approx(20.0)


def test_prefill_busy_share_by_hand():
    # B = 10 requests, 0.2 s prefill each; 100 output tokens at 50 ms steps, 1 token per step
    rho = prefill_busy_share(10, 0.2, 100, 0.05, 1.0)
    assert rho == pytest.approx(2.0 / (2.0 + 5.0))


def test_mm1_wait_quantile_by_hand():
    s, rho = 0.2, 0.5
    assert queue_wait_quantile(s, rho) == pytest.approx(s / (1 - rho) * math.log(rho / 0.01))
    assert queue_wait_quantile(s, 0.005) == 0.0  # under 1 % load the p99 request does not wait
    assert ttft_p99_seconds(0.3, 0.05, s, rho) == pytest.approx(0.05 + 0.3 + s / 0.5 * math.log(50))
