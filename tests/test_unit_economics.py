"""costmodel.analysis.unit_economics: a request's list price, margin and the deployment's hourly cost, by hand."""

import numpy as np
import pytest

from costmodel.analysis.unit_economics import (
    MarginAtPrice,
    cost_multiple,
    deployment_usd_per_hour,
    flat_price_usd,
    margin_at_price,
    margin_pct,
)


def test_the_seed_articles_request_costs_twelve_cents_at_flat_prices():
    # seed 004: 50,000 prompt tokens at $2/M and 2,000 answer tokens at $12/M = $0.10 + $0.024
    assert float(flat_price_usd(50_000, 2_000, 2.0, 12.0)) == pytest.approx(0.124)
    assert list(flat_price_usd(np.array([1e6, 2e6]), 0, 1.5, 9.0)) == pytest.approx([1.5, 3.0])


def test_margin_at_price():
    m = margin_at_price(2048, 512, cost_usd_per_request=0.001, input_usd_per_m=0.9, output_usd_per_m=0.9)
    assert m.revenue_usd == pytest.approx(2560 * 0.9 / 1e6)  # $0.002304
    assert m.margin_usd == pytest.approx(0.002304 - 0.001)
    assert m.margin_share == pytest.approx(1 - 0.001 / 0.002304) and m.cost_share == pytest.approx(0.001 / 0.002304)
    assert m.cost_profit_share == pytest.approx((0.002304 - 0.001) / 0.001)  # the markup, (R - C) / C
    free = margin_at_price(100, 10, 0.5, 0.0, 0.0)
    assert free.margin_usd == -0.5 and free.margin_share is None and free.cost_share is None
    assert free.cost_profit_share == pytest.approx(-1.0)
    assert margin_at_price(100, 10, 0.0, 1.0, 1.0).cost_profit_share is None  # nothing spent: no markup


def test_deepseeks_day_margins_both_ways():
    # open-infra-index day 6: revenue $562,027, cost $87,072 -> gross 84.5 %, cost-profit 545 %
    m = MarginAtPrice(562_027.0, 87_072.0)
    assert m.margin_share == pytest.approx(0.8451, abs=1e-4) and round(100 * m.cost_profit_share) == 545


def test_margin_pct_and_multiples():
    assert list(margin_pct(np.array([2.0, 1.0]), np.array([1.0, 1.5]))) == [50.0, -50.0]
    assert np.isnan(margin_pct(np.array([0.0]), np.array([1.0]))[0])
    assert deployment_usd_per_hour(8, 2.5) == 20.0
    assert cost_multiple(3.0, 1.5) == 2.0 and np.isnan(cost_multiple(1.0, 0.0))
