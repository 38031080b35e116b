"""Workload.with_user_scale: each user stands for k identical real users; every total is exactly k times the
sample's and every user-month bill keeps its own value (counted k times)."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel import CostModelError, Scenario
from costmodel.pricing.billing import bill, make_scheme
from costmodel.pricing.fleet_billing import bill_at_fleet_cost
from costmodel.workloads.workload import MONTH_START, from_arrays, synthesize

K = 10


def _small():
    """Three requests of two users in one month, costs given (USD, GPU-seconds)."""
    return from_arrays("small", prompt_tokens=[1000, 2000, 500], output_tokens=[100, 200, 50],
                       user=[0, 0, 1], timestamp=[MONTH_START + 60, MONTH_START + 120, MONTH_START + 180])


def _schemes():
    return [make_scheme("flat", input_usd_per_m=1.0, output_usd_per_m=2.0),
            make_scheme("subscription", monthly_fee_usd=20.0)]


def test_weight_k_gives_k_times_the_bill_hand_checked():
    costs = ([0.01, 0.02, 0.005], [1.0, 2.0, 0.5])
    one = bill(_small(), _schemes(), costs=costs)
    many = bill(_small().with_user_scale(K), _schemes(), costs=costs)
    flat1, sub1 = one.schemes
    flat, sub = many.schemes
    # flat: (3,500 input x $1 + 350 output x $2) / 1e6 = $0.0042 for the sample, x10 for ten copies of each user
    assert flat1.revenue_usd == pytest.approx(0.0042) and flat.revenue_usd == pytest.approx(0.042)
    assert flat.cost_usd == pytest.approx(10 * 0.035)
    # subscription: two users active in one month at $20 (allowances not reached): $40, then 20 users: $400
    assert sub1.revenue_usd == pytest.approx(40.0) and sub.revenue_usd == pytest.approx(400.0)
    assert many.workload["requests"] == 30 and many.workload["input_tokens"] == 35_000
    assert many.workload["output_tokens"] == 3_500
    # each user-month bill keeps its value (user 0: (3,000 + 2 x 300) / 1e6 = $0.0036; user 1: $0.0006) ...
    assert sorted(many.bills["flat"]) == pytest.approx([0.0006, 0.0036])
    assert flat.bill_mean_usd == flat1.bill_mean_usd == pytest.approx(0.0021)
    assert flat.user_months == 20 and flat1.user_months == 2  # ... and is counted once per real user
    s = _small().with_user_scale(K).summary()
    assert (s["users"], s["users_generated"], s["requests"], s["mean_prompt_tokens"]) == (20, 2, 30, pytest.approx(3500 / 3))


def test_a_preset_scaled_bills_k_times_under_every_scheme_and_loads_the_fleet_k_times():
    w = synthesize("chat", users=20, seed=3)
    schemes = [make_scheme(sid) for sid in ("flat", "subscription", "compute-time", "hybrid")]
    one = bill(w, schemes, scenario=Scenario())
    many = bill(w.with_user_scale(K), schemes, scenario=Scenario())
    for a, b in zip(one.schemes, many.schemes, strict=True):
        assert b.revenue_usd == pytest.approx(K * a.revenue_usd, rel=1e-12), a.scheme
        assert b.cost_usd == pytest.approx(K * a.cost_usd, rel=1e-12), a.scheme
        assert b.served_requests == K * a.served_requests
    f1 = bill_at_fleet_cost(w, schemes, scenario=Scenario(), shape="flat").fleet
    fk = bill_at_fleet_cost(w.with_user_scale(K), schemes, scenario=Scenario(), shape="flat").fleet
    assert fk["busy_gpu_hours"] == pytest.approx(K * f1["busy_gpu_hours"], rel=1e-12)
    assert fk["busy_share"] == pytest.approx(K * f1["busy_share"], rel=1e-12)  # both on one smallest replica
    assert fk["gpus_provisioned"] == f1["gpus_provisioned"]


def test_scales_compose_and_bad_scales_are_refused():
    w = _small().with_user_scale(4).with_user_scale(2.5)
    assert w.user_scale == 10 and w.row_weight == 10 and w.notes[-1].startswith("each user stands for 2.5")
    for bad in (0, 0.5, -1, 1e9, float("nan")):
        with pytest.raises(CostModelError, match="user scale"):
            _small().with_user_scale(bad)
    assert np.array_equal(w.prompt_tokens, _small().prompt_tokens)  # no row is generated
