"""Routing and cascades blend per-request costs exactly (hand-computed values)."""

import numpy as np
import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis.routing import (
    DISTILLATION_PAIRS,
    ListPrice,
    Requests,
    RouteRule,
    blend_cascade,
    blend_routed,
    cost_vs_share,
    per_request_costs,
    prompt_threshold_curve,
    route,
    small_scenario,
)
from costmodel.errors import CostModelError

REQ = Requests.of([500, 4000], [100, 200], weight=[1, 3], labels=["chat", "rag"])
C_LARGE = np.array([2.0, 4.0])
C_SMALL = np.array([1.0, 1.0])


def test_prompt_length_rule_blends_exactly():
    routed = RouteRule("prompt_length", max_prompt_tokens=1000).routed(REQ.prompt_tokens)
    b = blend_routed(REQ, C_LARGE, C_SMALL, routed)
    # shape 1 (weight 1) goes small at 1, shape 2 (weight 3) stays large at 4: (1 + 12) / 4
    assert b.usd_per_request == pytest.approx(3.25)
    assert b.small_share == pytest.approx(0.25)
    assert b.usd_per_request_large_only == pytest.approx((2 + 12) / 4)
    assert b.saving == pytest.approx(1 - 3.25 / 3.5)


def test_label_and_share_rules():
    label = RouteRule("label", labels=("rag",)).routed(REQ.prompt_tokens, REQ.labels)
    assert label.tolist() == [0.0, 1.0]
    assert blend_routed(REQ, C_LARGE, C_SMALL, label).usd_per_request == pytest.approx((2 + 3) / 4)
    share = RouteRule("share", share=0.4).routed(REQ.prompt_tokens)
    # 0.4 x small + 0.6 x large for every shape: (0.4 + 1.2) x 1/4 + (0.4 + 2.4) x 3/4
    assert blend_routed(REQ, C_LARGE, C_SMALL, share).usd_per_request == pytest.approx(1.6 / 4 + 2.8 * 3 / 4)
    with pytest.raises(CostModelError, match="label"):
        RouteRule("label", labels=("rag",)).routed(REQ.prompt_tokens)


def test_cascade_pays_both_models_for_escalated_requests():
    b = blend_cascade(REQ, C_LARGE, C_SMALL, np.full(2, 0.5), ListPrice(input=1.0, output=2.0))
    # every request pays the small model, half of them the large too: (1 + 1) x 1/4 + (1 + 2) x 3/4
    assert b.usd_per_request == pytest.approx(2 / 4 + 9 / 4)
    price = ((500 + 200) * 1 + (4000 + 400) * 3) / 4 / 1e6
    assert b.price_per_request == pytest.approx(price)
    assert b.margin == pytest.approx(1 - b.usd_per_request / price)
    # escalating everything costs more than the large model alone
    assert blend_cascade(REQ, C_LARGE, C_SMALL, np.ones(2)).usd_per_request > b.usd_per_request_large_only


def test_routed_traffic_billed_at_the_small_price_when_given():
    routed = np.array([1.0, 0.0])
    b = blend_routed(REQ, C_LARGE, C_SMALL, routed, ListPrice(10, 20), ListPrice(1, 2))
    assert b.price_per_request == pytest.approx(((500 + 200) * 1 + (4000 * 10 + 200 * 20) * 3) / 4 / 1e6)


def test_route_uses_the_engine_cost_of_each_request_on_each_model():
    cat = load_catalog()
    large = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8)
    small = small_scenario(large, "llama-3.1-8b")
    shapes = [(500, 100), (4000, 200)]
    c_large = [estimate(large.model_copy(update={"prompt_tokens": p, "output_tokens": o}), cat).usd_per_request
               for p, o in shapes]
    c_small = [estimate(small.model_copy(update={"prompt_tokens": p, "output_tokens": o}), cat).usd_per_request
               for p, o in shapes]
    assert per_request_costs(large, REQ, cat) == pytest.approx(c_large, rel=1e-12)
    b = route(large, "llama-3.1-8b", REQ, RouteRule("prompt_length", max_prompt_tokens=1000), catalog=cat)
    assert b.usd_per_request == pytest.approx((c_small[0] + 3 * c_large[1]) / 4, rel=1e-12)
    assert b.usd_per_request < b.usd_per_request_large_only


def test_cost_vs_share_is_linear_in_the_share():
    cat = load_catalog()
    df = cost_vs_share(Scenario(), "llama-3.1-8b", REQ, [0.0, 0.5, 1.0], price_large=ListPrice(1, 4), catalog=cat)
    r = df["routed_usd_per_request"].to_numpy()
    assert r[1] == pytest.approx((r[0] + r[2]) / 2)
    assert r[0] == pytest.approx(df["large_only_usd_per_request"].iloc[0])
    c = df["cascade_usd_per_request"].to_numpy()
    assert c[0] == pytest.approx(r[2])  # a cascade that never escalates is the small model alone
    assert c[2] == pytest.approx(r[0] + r[2])
    assert (df["routed_margin"].diff().dropna() > 0).all()


def test_prompt_threshold_curve_shares():
    df = prompt_threshold_curve(Scenario(), "llama-3.1-8b", REQ, [0, 1000, 10_000])
    assert df["share"].tolist() == pytest.approx([0.0, 0.25, 1.0])
    assert df["usd_per_request"].is_monotonic_decreasing


def test_distillation_pairs_are_in_the_catalog():
    cat = load_catalog()
    for large, small in DISTILLATION_PAIRS.items():
        assert cat.model(small).total_params() < cat.model(large).total_params()


def test_bad_rules_and_requests():
    with pytest.raises(CostModelError, match="between 0 and 1"):
        RouteRule("share", share=1.5)
    with pytest.raises(CostModelError, match="rule"):
        RouteRule("bogus")  # type: ignore[arg-type]
    with pytest.raises(CostModelError, match="positive"):
        Requests.of([], [])
