"""Property tests of the pricing schemes (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.pricing.billing import SCHEMES, CostContext, bill, make_scheme

CTX = CostContext(model="m", gpu_hourly_usd=2.0, active_params=30e9, total_params=100e9)

tokens = st.lists(st.integers(min_value=1, max_value=2_000_000), min_size=1, max_size=30)
price = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
SETTINGS = settings(max_examples=40, deadline=None)


def workload(prompt, seed=0):
    rng = np.random.default_rng(seed)
    n = len(prompt)
    p = np.asarray(prompt, float)
    cached = np.floor(p * rng.uniform(0, 1, n))
    return {
        "prompt_tokens": p,
        "output_tokens": rng.integers(1, 5_000, n).astype(float),
        "cached_tokens": cached,
        "cache_write_tokens": np.floor((p - cached) * rng.uniform(0, 1, n)),
        "user": rng.integers(0, 4, n),
        "timestamp": 1.7e9 + rng.uniform(0, 90 * 86_400, n),
    }


def revenue(w, scheme, cost=None):
    n = len(w["prompt_tokens"])
    cost = rng_cost(n) if cost is None else cost
    return bill(w, [scheme], costs=(cost, cost * 1000), context=CTX).schemes[0]


def rng_cost(n):
    return np.random.default_rng(1).uniform(0, 0.05, n)


@SETTINGS
@given(prompt=tokens, p_in=price, p_out=price, k=st.floats(min_value=0.0, max_value=20.0))
def test_flat_revenue_is_linear_in_tokens(prompt, p_in, p_out, k):
    w = workload(prompt)
    s = make_scheme("flat", input_usd_per_m=p_in, output_usd_per_m=p_out)
    base = revenue(w, s).revenue_usd
    scaled = {**w, "prompt_tokens": w["prompt_tokens"] * k, "output_tokens": w["output_tokens"] * k}
    assert revenue(scaled, s).revenue_usd == pytest.approx(k * base, rel=1e-9, abs=1e-9)
    # additive over requests
    halves = [{c: v[i::2] for c, v in w.items()} for i in (0, 1)]
    assert sum(revenue(h, s).revenue_usd for h in halves if len(h["prompt_tokens"])) == pytest.approx(
        base, rel=1e-9
    )


PRICE_FIELDS = {
    "flat": ["input_usd_per_m", "output_usd_per_m"],
    "cached-input": [
        "input_usd_per_m",
        "output_usd_per_m",
        "cache_read_fraction",
        "cache_write_multiplier_5m",
    ],
    "long-context-tier": [
        "input_usd_per_m",
        "output_usd_per_m",
        "long_input_usd_per_m",
        "long_output_usd_per_m",
    ],
    "batch-discount": ["input_usd_per_m", "output_usd_per_m"],
    "subscription": ["monthly_fee_usd", "overage_input_usd_per_m", "overage_output_usd_per_m"],
    "compute-time": ["markup", "usd_per_gpu_hour"],
    "activated-params": ["input_usd_per_m_per_b_active", "output_usd_per_m_per_b_active"],
    "hybrid": ["monthly_fee_usd"],
}


@SETTINGS
@given(
    prompt=tokens,
    scheme_id=st.sampled_from(sorted(PRICE_FIELDS)),
    factor=st.floats(min_value=1.0, max_value=10.0),
    seed=st.integers(0, 1000),
)
def test_a_higher_price_never_lowers_revenue(prompt, scheme_id, factor, seed):
    w = workload(prompt, seed)
    base = make_scheme(scheme_id, **({"usd_per_gpu_hour": 2.0} if scheme_id == "compute-time" else {}))
    params = base.params()
    for name in PRICE_FIELDS[scheme_id]:
        higher = make_scheme(scheme_id, **{**params, name: params[name] * factor})
        assert revenue(w, higher).revenue_usd >= revenue(w, base).revenue_usd - 1e-12


@SETTINGS
@given(prompt=tokens, scheme_id=st.sampled_from(list(SCHEMES)), seed=st.integers(0, 1000))
def test_margin_is_revenue_minus_cost(prompt, scheme_id, seed):
    w = workload(prompt, seed)
    r = revenue(w, make_scheme(scheme_id))
    assert r.margin_usd == pytest.approx(r.revenue_usd - r.cost_usd)
    if r.revenue_usd > 0:
        assert r.margin_pct == pytest.approx(100 * (r.revenue_usd - r.cost_usd) / r.revenue_usd)
    assert 0 <= r.loss_request_share <= 1
    assert r.served_requests + r.refused_requests == len(prompt)


@SETTINGS
@given(prompt=tokens, seed=st.integers(0, 1000), chunk=st.integers(1, 7))
def test_chunking_never_changes_the_result(prompt, seed, chunk):
    # a streamed log is consumed in file order: for a time-ordered log chunks change nothing
    w = workload(prompt, seed)
    order = np.argsort(w["timestamp"], kind="stable")
    w = {k: v[order] for k, v in w.items()}
    cost = rng_cost(len(prompt))
    schemes = [make_scheme(s) for s in SCHEMES]
    schemes.append(make_scheme("subscription", allowance=5_000, over_limit="hard-cap", window="week"))
    one = bill(w, schemes, costs=(cost, cost), context=CTX)
    many = bill(w, schemes, costs=(cost, cost), context=CTX, chunk_size=chunk)
    for a, b in zip(one.schemes, many.schemes, strict=True):
        assert a.revenue_usd == pytest.approx(b.revenue_usd, rel=1e-9)
        assert a.refused_requests == b.refused_requests
        assert a.loss_requests == b.loss_requests


@SETTINGS
@given(p=st.integers(1, 10_000_000), t=st.integers(0, 10_000_000))
def test_long_context_boundary(p, t):
    s = make_scheme("long-context-tier", threshold_tokens=t)
    w = {"prompt_tokens": np.array([float(p)]), "output_tokens": np.array([10.0])}
    rev = revenue(w, s, cost=np.zeros(1)).revenue_usd
    if p > t:
        expected = p * s.long_input_usd_per_m / 1e6 + 10 * s.long_output_usd_per_m / 1e6
    else:
        expected = p * s.input_usd_per_m / 1e6 + 10 * s.output_usd_per_m / 1e6
    assert rev == pytest.approx(expected)
