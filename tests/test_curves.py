"""costmodel.analysis.curves: the grids the app sweeps and the curves taken from the engine."""

import numpy as np
import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis import curves
from costmodel.analysis.curves import prompt_limit
from costmodel.pricing.prices import provider_price

CATALOG = load_catalog()


def test_context_grid_includes_the_scenario_and_stays_within_limits():
    s = Scenario(prompt_tokens=5000, output_tokens=1000)
    x = curves.context_grid(s, CATALOG)
    assert 5000 in x and x.min() >= 128 and x.max() <= 131_072 - 1000 and (np.diff(x) > 0).all()
    scout = Scenario(model="llama-4-scout", gpu="h200")  # context beyond Scenario's 10M prompt bound
    assert curves.context_grid(scout, CATALOG).max() <= 10_000_000


def test_over_context_matches_estimate_at_the_scenario_point():
    s = Scenario(prompt_tokens=4096)
    x, v = curves.over_context(s, CATALOG, ("usd_per_request",))
    i = int(np.flatnonzero(x == 4096)[0])
    assert v["usd_per_request"][i] == pytest.approx(estimate(s, CATALOG).usd_per_request)


def test_points_that_do_not_fit_are_nan():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=2)
    x, v = curves.over_context(s, CATALOG, ("usd_per_request",))
    assert np.isnan(v["usd_per_request"][-1])  # 130k-token requests do not fit next to 141 GB of weights


def test_marginal_cost_is_the_finite_difference_per_million_tokens():
    s = Scenario()
    x, d_in, d_out = curves.marginal_cost(s, CATALOG)
    assert len(x) == len(d_in) == len(d_out)
    assert np.nanmedian(d_in) > 0 and np.nanmedian(d_out) > 0
    i = int(np.flatnonzero(x == s.prompt_tokens)[0])
    step = max(1, int(s.prompt_tokens * 0.01))
    by_hand = (estimate(s.model_copy(update={"prompt_tokens": s.prompt_tokens + step}), CATALOG).usd_per_request
               - estimate(s, CATALOG).usd_per_request) / step * 1e6
    assert d_in[i] == pytest.approx(by_hand)


def test_the_next_prompt_token_never_has_a_negative_cost_at_the_end_of_the_window():
    """The grid's last point sits less than one output length below Mixtral's 32k window: the forward step fell
    below it and the difference came out at -$0.055 per M prompt tokens (Cost curves' marginal tab dropped off
    its log axis). There it is a backward difference."""
    s = Scenario(model="mixtral-8x7b", gpus=2, weight_bits=8, cache_hit_rate=0.5, prompt_tokens=8000)
    x, d_in, _ = curves.marginal_cost(s, CATALOG)
    top = prompt_limit(CATALOG.model(s.model))
    assert x[-1] + max(1, int(x[-1] * 0.01)) > top - s.output_tokens - 1  # the case: no room for a forward step
    assert np.isfinite(d_in[-1]) and d_in[-1] > 0
    step = max(1, int(x[-1] * 0.01))
    by_hand = (estimate(s.model_copy(update={"prompt_tokens": int(x[-1])}), CATALOG).usd_per_request
               - estimate(s.model_copy(update={"prompt_tokens": int(x[-1]) - step}), CATALOG).usd_per_request) / step * 1e6
    assert d_in[-1] == pytest.approx(by_hand)


def test_relative_to_first_divides_by_the_shortest_prompt():
    rel = curves.relative_to_first({"a": np.array([2.0, 3.0, np.nan]), "b": np.array([0.0, 1.0])})
    assert list(rel["a"][:2]) == [1.0, 1.5] and np.isnan(rel["a"][2]) and np.isnan(rel["b"]).all()


def test_on_grid_and_price_vs_cost():
    a = Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=2)  # 32k context
    y = curves.on_grid(a, CATALOG, np.array([1000, 100_000]), "usd_per_request")
    assert np.isfinite(y[0]) and np.isnan(y[1])
    x, plain, cached, cost = curves.price_vs_cost(Scenario(cache_hit_rate=0.5), CATALOG,
                                                  provider_price("google/gemini-2.5-pro"))
    assert x.max() >= 400_000  # past the 200k tier
    assert (cached <= plain + 1e-12).all() and np.isnan(cost[-1])


def test_concurrency_sweep_stops_where_the_batch_no_longer_fits():
    s = Scenario(prompt_tokens=32_000)
    x, v = curves.over_concurrency(s, CATALOG, ("usd_per_million_output_tokens",))
    r = estimate(s, CATALOG)
    assert np.isnan(v["usd_per_million_output_tokens"][x > r.max_concurrency]).all()


def test_roofline_is_min_of_peak_and_bandwidth_with_its_ridge():
    peak, bw = 989e12, 3.35e12  # H100 SXM dense BF16 and HBM3
    ai, attainable, ridge = curves.roofline(peak, bw)
    assert np.allclose(attainable, np.minimum(peak, ai * bw))
    assert ridge == pytest.approx(295.2, rel=1e-3)  # 989 / 3.35 FLOP per byte
    assert attainable[ai < ridge].max() < peak and attainable[-1] == peak
