"""The price that reaches a target margin (costmodel.pricing.target_price): re-billing at it hits the margin."""

import pytest

from costmodel import CostModelError, Scenario
from costmodel.pricing.billing import bill, make_scheme
from costmodel.pricing.target_price import (
    money_fields,
    price_factor_for_margin,
    prices_for_margin,
    scaled_scheme,
)
from costmodel.workloads.loading import load_workload

SCHEMES = ("flat", "cached-input", "long-context-tier", "batch-discount", "subscription", "compute-time",
           "activated-params", "capability-tier", "hybrid")


def test_factor_by_hand():
    # C = 80, R = 100: a 20% gross margin needs R = 100 -> k = 1; 50% needs R = 160 -> k = 1.6
    assert price_factor_for_margin(100.0, 80.0, 20.0) == pytest.approx(1.0)
    assert price_factor_for_margin(100.0, 80.0, 50.0) == pytest.approx(1.6)
    assert price_factor_for_margin(0.0, 80.0, 20.0) is None
    with pytest.raises(CostModelError):
        price_factor_for_margin(100.0, 80.0, 100.0)


def test_money_fields_are_prices_not_fractions():
    assert money_fields(make_scheme("flat")) == ("input_usd_per_m", "output_usd_per_m")
    assert "cache_read_fraction" not in money_fields(make_scheme("cached-input"))
    assert money_fields(make_scheme("compute-time")) == ("markup",)
    sub = money_fields(make_scheme("subscription"))
    assert "monthly_fee_usd" in sub and "allowance" not in sub


def test_scaled_tier_prices_scale_every_tier():
    tier = make_scheme("capability-tier")
    doubled = scaled_scheme(tier, 2.0)
    for name in money_fields(tier):
        for k, v in getattr(tier, name).items():
            assert getattr(doubled, name)[k] == pytest.approx(2 * v)


@pytest.mark.parametrize("target", [0.0, 35.0])
def test_rebilling_at_the_target_price_reaches_the_target_margin(target):
    w = load_workload("chat", users=40, seed=3)
    schemes = [make_scheme(sid) for sid in SCHEMES]
    s = Scenario()
    report = bill(w, schemes, scenario=s)
    for scheme, result in zip(schemes, report.schemes, strict=True):
        k = prices_for_margin(scheme, result.revenue_usd, result.cost_usd, target)["factor"]
        again = bill(w, [scaled_scheme(scheme, k)], scenario=s).schemes[0]
        assert again.cost_usd == pytest.approx(result.cost_usd)
        assert again.margin_pct == pytest.approx(target, abs=1e-6), scheme.id
