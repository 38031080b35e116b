"""Pricing schemes: each one's arithmetic on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel.errors import CostModelError
from costmodel.pricing.billing import (
    SCHEMES,
    CostContext,
    LinearCoster,
    agent_session_cost,
    bill,
    break_even_flat_price,
    default_schemes,
    list_schemes,
    make_scheme,
    scheme_defaults,
)

CTX = CostContext(model="m", gpu_hourly_usd=3.6, active_params=10e9, total_params=70e9)
JAN = 1_704_067_200.0  # 2024-01-01T00:00:00Z
FEB = 1_706_745_600.0  # 2024-02-01T00:00:00Z


def wl(prompt, output, cached=None, writes=None, user=None, ts=None):
    n = len(prompt)
    return {
        "prompt_tokens": np.asarray(prompt, float),
        "output_tokens": np.asarray(output, float),
        "cached_tokens": np.zeros(n) if cached is None else np.asarray(cached, float),
        "cache_write_tokens": np.zeros(n) if writes is None else np.asarray(writes, float),
        "user": np.zeros(n, int) if user is None else np.asarray(user, int),
        "timestamp": np.full(n, JAN) if ts is None else np.asarray(ts, float),
    }


def run(workload, scheme, cost=None, gpu_s=None, **kw):
    n = len(workload["prompt_tokens"])
    cost = np.zeros(n) if cost is None else np.asarray(cost, float)
    gpu_s = np.zeros(n) if gpu_s is None else np.asarray(gpu_s, float)
    return bill(workload, [scheme], costs=(cost, gpu_s), context=CTX, **kw).schemes[0]


def test_nine_schemes_listed_with_defaults_from_data():
    ids = [s["id"] for s in list_schemes()]
    assert ids == list(SCHEMES) and len(ids) == 9
    yaml_defaults = scheme_defaults()
    for s in default_schemes():
        params = s.params()
        for name, value in yaml_defaults[s.id].items():
            assert params[name] == value, (s.id, name)
    flat = next(s for s in list_schemes() if s["id"] == "flat")
    assert {p["name"] for p in flat["params"]} == {"input_usd_per_m", "output_usd_per_m"}


def test_make_scheme_errors_are_clear():
    with pytest.raises(CostModelError, match="unknown scheme 'nope'; valid choices: flat"):
        make_scheme("nope")
    with pytest.raises(CostModelError, match="discount"):
        make_scheme("batch-discount", discount=1.5)
    with pytest.raises(CostModelError, match="cache_ttl"):
        make_scheme("cached-input", cache_ttl="2h")


def test_flat():
    w = wl([1_000_000, 500_000], [100_000, 0])
    r = run(w, make_scheme("flat", input_usd_per_m=2.0, output_usd_per_m=8.0), cost=[2.0, 2.0])
    # 1M*2 + 0.1M*8 = 2.8 ; 0.5M*2 = 1.0
    assert r.revenue_usd == pytest.approx(3.8)
    assert r.cost_usd == pytest.approx(4.0)
    assert r.margin_usd == pytest.approx(-0.2)
    assert r.margin_pct == pytest.approx(-0.2 / 3.8 * 100)
    assert r.loss_request_share == pytest.approx(0.5)  # the second request (1.0 < 2.0)
    assert r.refused_requests == 0


def test_cached_input_read_write_and_minimum_prefix():
    s = make_scheme(
        "cached-input",
        input_usd_per_m=10.0,
        output_usd_per_m=50.0,
        cache_read_fraction=0.1,
        min_cacheable_tokens=1024,
    )
    # request 1: 10,000 prompt, 6,000 read, 3,000 written, 1,000 plain, 1,000 out
    # = 1000*10 + 6000*1 + 3000*12.5 + 1000*50 = 10,000 + 6,000 + 37,500 + 50,000 = 103,500 / 1e6
    # request 2: 1,000-token prompt (< 1,024): nothing cached, 1000*10 = 10,000 / 1e6
    w = wl([10_000, 1_000], [1_000, 0], cached=[6_000, 800], writes=[3_000, 200])
    assert run(w, s).revenue_usd == pytest.approx(0.1135)
    # 1-hour cache: writes at 2x: 3000*20 = 60,000 instead of 37,500
    s1h = make_scheme("cached-input", input_usd_per_m=10.0, output_usd_per_m=50.0, cache_ttl="1h")
    assert run(w, s1h).revenue_usd == pytest.approx(0.1135 + 0.0225)
    # writes can never exceed the uncached part of the prompt
    w2 = wl([2_000], [0], cached=[1_500], writes=[1_000])  # 1500 read, 500 written, 0 plain
    assert run(w2, s).revenue_usd == pytest.approx((1500 * 1 + 500 * 12.5) / 1e6)


def test_long_context_tier_whole_request_both_sides_of_threshold():
    s = make_scheme(
        "long-context-tier",
        threshold_tokens=200_000,
        input_usd_per_m=3.0,
        output_usd_per_m=15.0,
        long_input_usd_per_m=6.0,
        long_output_usd_per_m=22.5,
        cache_read_fraction=0.1,
    )
    at = run(wl([200_000], [1_000]), s).revenue_usd
    assert at == pytest.approx(200_000 * 3e-6 + 1_000 * 15e-6)  # exactly at the threshold: base rates
    above = run(wl([200_001], [1_000]), s).revenue_usd
    assert above == pytest.approx(200_001 * 6e-6 + 1_000 * 22.5e-6)  # one more: every token at long rates
    cached = run(wl([300_000], [0], cached=[100_000]), s).revenue_usd
    assert cached == pytest.approx(200_000 * 6e-6 + 100_000 * 0.6e-6)


def test_batch_discount():
    s = make_scheme("batch-discount", input_usd_per_m=2.0, output_usd_per_m=8.0, discount=0.5)
    assert run(wl([1_000_000], [1_000_000]), s).revenue_usd == pytest.approx(5.0)


def test_subscription_overage_in_time_order_per_user_and_month():
    s = make_scheme(
        "subscription",
        monthly_fee_usd=20.0,
        allowance=1_000,
        allowance_unit="tokens",
        over_limit="overage",
        overage_input_usd_per_m=1_000.0,
        overage_output_usd_per_m=2_000.0,
    )
    # user 0 in January: three requests of 500 tokens (400 in + 100 out) given out of time order;
    # the third in time is entirely overage, the second exactly fills the allowance.
    # user 0 in February: a fresh allowance. user 1: one request of 1,500 tokens -> 1/3 overage.
    w = wl(
        prompt=[400, 400, 400, 400, 1_200],
        output=[100, 100, 100, 100, 300],
        user=[0, 0, 0, 0, 1],
        ts=[JAN + 30, JAN + 10, JAN + 20, FEB + 5, JAN],
    )
    r = run(w, s, cost=[0.01] * 5)
    overage_u0 = 400 * 1e-3 + 100 * 2e-3  # 0.6 USD for the whole third request
    overage_u1 = (1_200 * 1e-3 + 300 * 2e-3) / 3  # 0.6
    assert r.revenue_usd == pytest.approx(3 * 20.0 + overage_u0 + overage_u1)
    assert r.user_months == 3
    assert r.refused_requests == 0
    bills = sorted(bill(w, [s], costs=([0.01] * 5, [0] * 5), context=CTX).bills["subscription"])
    assert bills == pytest.approx([20.0, 20.6, 20.6])


def test_subscription_hard_cap_refuses_and_counts():
    s = make_scheme(
        "subscription", monthly_fee_usd=10.0, allowance=2, allowance_unit="requests", over_limit="hard-cap"
    )
    # user 0 sends 4 requests in a day-window setting? monthly window: 2 served, 2 refused
    w = wl(prompt=[100] * 5, output=[10] * 5, user=[0, 0, 0, 0, 1], ts=[JAN + i for i in range(5)])
    r = run(w, s, cost=[1.0] * 5)
    assert r.refused_requests == 2
    assert r.served_requests == 3
    assert r.cost_usd == pytest.approx(3.0)  # refused requests cost nothing
    assert r.revenue_usd == pytest.approx(20.0)  # two user-months pay the fee
    # windows: with a daily window, a new day brings a new allowance
    sd = make_scheme(
        "subscription", allowance=1, allowance_unit="requests", over_limit="hard-cap", window="day"
    )
    w2 = wl(prompt=[1, 1, 1], output=[1, 1, 1], ts=[JAN, JAN + 100, JAN + 86_400])
    assert run(w2, sd).refused_requests == 1


def test_subscription_state_carries_across_chunks():
    s = make_scheme("subscription", allowance=3, allowance_unit="requests", over_limit="hard-cap")
    w = wl(prompt=[5] * 10, output=[5] * 10, user=[0, 1] * 5, ts=[JAN + i for i in range(10)])
    one = run(w, s)
    chunked = bill(w, [s], costs=(np.zeros(10), np.zeros(10)), context=CTX, chunk_size=3).schemes[0]
    assert one.refused_requests == chunked.refused_requests == 4
    assert one.revenue_usd == pytest.approx(chunked.revenue_usd)


def test_compute_time():
    s = make_scheme("compute-time", markup=1.5, usd_per_gpu_hour=None)
    # CTX price 3.6 USD/GPU-h = 0.001 USD/GPU-s; 100 GPU-s -> 0.1 cost, 0.15 revenue
    r = run(wl([10], [10]), s, cost=[0.1], gpu_s=[100.0])
    assert r.revenue_usd == pytest.approx(0.15)
    assert r.margin_pct == pytest.approx(100 / 3)
    s2 = make_scheme("compute-time", markup=2.0, usd_per_gpu_hour=7.2)
    assert run(wl([10], [10]), s2, gpu_s=[100.0]).revenue_usd == pytest.approx(0.4)


def test_activated_params():
    s = make_scheme(
        "activated-params",
        input_usd_per_m_per_b_active=0.01,
        output_usd_per_m_per_b_active=0.04,
        cached_input_fraction=0.5,
        active_params_b=None,
    )
    # CTX: 10B active. 1M input (0.5M cached) + 1M output: 0.5*0.1 + 0.5*0.05 + 1*0.4 = 0.475
    r = run(wl([1_000_000], [1_000_000], cached=[500_000]), s)
    assert r.revenue_usd == pytest.approx(0.475)
    s37 = make_scheme(
        "activated-params",
        input_usd_per_m_per_b_active=0.01,
        output_usd_per_m_per_b_active=0.01,
        active_params_b=37.0,
    )
    assert run(wl([1_000_000], [0]), s37).revenue_usd == pytest.approx(0.37)


def test_capability_tier_by_request_and_by_token():
    s = make_scheme("capability-tier", unit="request")  # CTX total 70B -> medium
    w = wl([10, 100_000], [10, 10_000])
    r = run(w, s)
    assert r.revenue_usd == pytest.approx(2 * s.per_request_usd["medium"])  # independent of tokens and cost
    st = make_scheme("capability-tier", unit="token", tier="frontier")
    r2 = run(wl([1_000_000], [1_000_000]), st)
    assert r2.revenue_usd == pytest.approx(st.input_usd_per_m["frontier"] + st.output_usd_per_m["frontier"])
    with pytest.raises(CostModelError, match="tier"):
        bill(w, ["capability-tier"], costs=(np.zeros(2), np.zeros(2)))  # no model size known


def test_hybrid_subscription_plus_capability_overage():
    s = make_scheme(
        "hybrid",
        monthly_fee_usd=20.0,
        allowance=2,
        allowance_unit="requests",
        tier="large",
        unit="request",
        per_request_usd={"small": 0.1, "medium": 0.2, "large": 0.5, "frontier": 1.0},
    )
    w = wl(prompt=[10] * 5, output=[10] * 5, ts=[JAN + i for i in range(5)])
    r = run(w, s)
    assert r.revenue_usd == pytest.approx(20.0 + 3 * 0.5)
    assert r.refused_requests == 0


def test_bill_distribution_and_cv():
    s = make_scheme("flat", input_usd_per_m=1e6, output_usd_per_m=0.0)  # 1 USD per input token
    w = wl(prompt=[1, 3, 2, 2], output=[0] * 4, user=[0, 1, 2, 2])
    r = run(w, s)
    bills = np.array([1.0, 3.0, 4.0])
    assert r.user_months == 3
    assert r.bill_cv == pytest.approx(bills.std() / bills.mean())
    assert r.bill_percentiles_usd["p50"] == pytest.approx(3.0)


def test_break_even_flat_price():
    be = break_even_flat_price(3_000_000, 1_000_000, 10.0, output_to_input_ratio=4.0)
    # p_in (3M + 4*1M) = 10 USD -> p_in = 10/7 per M
    assert be["input_usd_per_m"] == pytest.approx(10 / 7)
    assert be["output_usd_per_m"] == pytest.approx(40 / 7)
    assert be["blended_usd_per_m"] == pytest.approx(2.5)
    t = break_even_flat_price(3_000_000, 1_000_000, 10.0, output_to_input_ratio=4.0, target_margin_pct=50)
    assert t["input_usd_per_m"] == pytest.approx(20 / 7)
    # at the break-even price the flat scheme's margin is zero
    w = wl([3_000_000], [1_000_000])
    flat = make_scheme("flat", input_usd_per_m=be["input_usd_per_m"], output_usd_per_m=be["output_usd_per_m"])
    assert run(w, flat, cost=[10.0]).margin_usd == pytest.approx(0.0, abs=1e-9)
    rep = bill(w, [flat], costs=([10.0], [0.0]), context=CTX, target_margin_pct=50)
    assert rep.break_even["target_margin"]["input_usd_per_m"] == pytest.approx(20 / 7)


def test_bill_with_coster_and_report_shape():
    coster = LinearCoster(usd_per_input_token=1e-6, usd_per_output_token=2e-6, context=CTX)
    w = wl([1_000, 2_000], [100, 200], cached=[500, 0])
    rep = bill(w, coster=coster)
    d = rep.to_dict()
    assert d["workload"]["requests"] == 2
    assert d["workload"]["input_tokens"] == 3_000 and d["workload"]["cached_input_tokens"] == 500
    assert [s["scheme"] for s in d["schemes"]] == list(SCHEMES)
    for s in d["schemes"]:
        assert {
            "scheme",
            "params",
            "revenue_usd",
            "cost_usd",
            "margin_usd",
            "margin_pct",
            "loss_request_share",
            "bill_cv",
            "refused_requests",
        } <= set(s)
        assert s["cost_usd"] == pytest.approx((500 + 100 * 2 + 2_000 + 400) * 1e-6)
    assert len(rep.to_frame()) == 9


def test_agent_session_cost_caching_and_growth():
    coster = LinearCoster(
        usd_per_input_token=1e-6, usd_per_cached_token=1e-7, usd_per_output_token=4e-6, context=CTX
    )
    df = agent_session_cost(
        4, system_tokens=1_000, user_tokens_per_turn=100, output_tokens_per_turn=200, coster=coster
    )
    assert list(df["prompt_tokens"]) == [1_100, 1_400, 1_700, 2_000]
    assert list(df["cached_tokens"]) == [0, 1_300, 1_600, 1_900]
    uncached = sum(p * 1e-6 + 200 * 4e-6 for p in (1_100, 1_400, 1_700, 2_000))
    assert df["cum_cost_usd_uncached"].iloc[-1] == pytest.approx(uncached)
    assert df["cum_cost_usd_cached"].iloc[-1] < df["cum_cost_usd_uncached"].iloc[-1]
    assert (np.diff(df["cum_cost_usd_uncached"]) > 0).all()
    assert df["cum_revenue_usd_cached_input"].iloc[-1] < df["cum_revenue_usd_flat"].iloc[-1]


def test_agent_session_cost_with_the_engine():
    from costmodel.engine.scenario import Scenario

    df = agent_session_cost(12, scenario=Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1))
    assert len(df) == 12
    # without caching every turn prefills the whole context: the cumulative gap widens each turn
    gap = df["cum_cost_usd_uncached"] - df["cum_cost_usd_cached"]
    assert gap.iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert (np.diff(gap) > 0).all()
    assert (df["cost_usd_cached"] > 0).all()


def test_agent_session_cost_costs_both_sessions_as_separate_engine_calls_would():
    """One engine call over the cached and the uncached session's rows gives each row what costing the two
    sessions apart gives (the coster costs each row on its own at the operating point's concurrency)."""
    from costmodel.engine.scenario import Scenario
    from costmodel.pricing.costers import EngineCoster

    s = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1)
    df = agent_session_cost(9, system_tokens=3_000, user_tokens_per_turn=150, tool_tokens_per_turn=500,
                            output_tokens_per_turn=300, scenario=s)
    prompt, out, cached = (df[k].to_numpy(dtype=float) for k in ("prompt_tokens", "output_tokens", "cached_tokens"))
    coster = EngineCoster(s, prompt.mean(), out.mean(), cached.sum() / prompt.sum())
    np.testing.assert_allclose(df["cost_usd_cached"], coster(prompt, out, cached)[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(df["cost_usd_uncached"], coster(prompt, out, np.zeros(9))[0], rtol=1e-12, atol=0)
    assert (df["cost_usd_uncached"].iloc[1:] > df["cost_usd_cached"].iloc[1:]).all()  # the rows did not swap
