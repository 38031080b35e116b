"""The pages' caches (ui.scenario_cache.computed and its adapters, ui.validation): each cached value is the
library's, a changed input gives a changed value (a stale cache would fail here), distinct functions and
arguments never share an entry, and every caller gets its own copy."""

import numpy as np
import pandas as pd
import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis import curves
from costmodel.analysis.compare import compare_gpus, market_comparison
from costmodel.analysis.levers import lever_steps, precision_choices
from costmodel.engine.validation import validation_table
from costmodel.pricing.prices import list_provider_prices
from costmodel.pricing.sessions import agent_session_cost
from ui import scenario_cache, validation
from ui.widgets import cached_calibration, cached_validation

CATALOG = load_catalog()
S = Scenario(prompt_tokens=3000)
HIT = S.model_copy(update={"cache_hit_rate": 1.0})


def test_computed_is_the_librarys_value_and_follows_the_scenario():
    got = scenario_cache.computed(compare_gpus, S, gpu_count="cheapest")
    pd.testing.assert_frame_equal(got, compare_gpus(S, CATALOG, gpu_count="cheapest"))
    hit = scenario_cache.computed(compare_gpus, HIT, gpu_count="cheapest")
    pd.testing.assert_frame_equal(hit, compare_gpus(HIT, CATALOG, gpu_count="cheapest"))
    # cache hits make every request cheaper: a cache keyed on anything less than the whole scenario fails here
    assert (hit["usd_per_request"].dropna() < got["usd_per_request"].dropna()).all()
    again = scenario_cache.computed(compare_gpus, S, gpu_count="cheapest")
    pd.testing.assert_frame_equal(again, got)


def test_computed_keys_on_the_function_and_every_argument():
    fit = scenario_cache.computed(compare_gpus, S, gpu_count="fit")
    pd.testing.assert_frame_equal(fit, compare_gpus(S, CATALOG, gpu_count="fit"))
    same = scenario_cache.computed(compare_gpus, S, gpu_count=S.gpus)
    assert not fit.equals(same)
    steps, choices = scenario_cache.computed(lever_steps, S), scenario_cache.computed(precision_choices, S)
    pd.testing.assert_frame_equal(steps, lever_steps(S, CATALOG))
    pd.testing.assert_frame_equal(choices, precision_choices(S, CATALOG))
    x, v = scenario_cache.computed(curves.over_context, S, keys=("usd_per_request",))
    x0, v0 = curves.over_context(S, CATALOG, ("usd_per_request",))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(v["usd_per_request"], v0["usd_per_request"])


def test_computed_gives_each_caller_a_copy_and_refuses_unnamed_functions():
    got = scenario_cache.computed(lever_steps, S)
    got["usd_per_request"] = -1.0
    assert (scenario_cache.computed(lever_steps, S)["usd_per_request"].dropna() > 0).all()
    with pytest.raises(ValueError, match="named module-level function"):
        scenario_cache.computed(lambda s, catalog: 1, S)


def test_the_adapters_are_the_library_calls_they_name():
    pd.testing.assert_frame_equal(scenario_cache.computed(scenario_cache.market_at_list_prices, S),
                                  market_comparison(S, list_provider_prices(), CATALOG))
    pid = list_provider_prices()[0]
    got = scenario_cache.computed(scenario_cache.price_against_cost, S, pid.id)
    for a, b in zip(got, curves.price_vs_cost(S, CATALOG, pid), strict=True):
        np.testing.assert_array_equal(a, b)
    session = scenario_cache.computed(scenario_cache.agent_session, S, 10, 4000, 200, 1500, 400)
    want = agent_session_cost(10, system_tokens=4000, user_tokens_per_turn=200, tool_tokens_per_turn=1500,
                              output_tokens_per_turn=400, scenario=S)
    pd.testing.assert_frame_equal(session, want)
    longer = scenario_cache.computed(scenario_cache.agent_session, S, 11, 4000, 200, 1500, 400)
    assert len(longer) == 11
    dearer = S.model_copy(update={"gpu_hourly_usd": 2 * estimate(S, CATALOG).gpu_hourly_usd})
    twice = scenario_cache.computed(scenario_cache.agent_session, dearer, 10, 4000, 200, 1500, 400)
    assert twice["cum_cost_usd_cached"].iloc[-1] == pytest.approx(2 * session["cum_cost_usd_cached"].iloc[-1])


def test_validation_pieces_are_the_librarys_and_the_parity_chart_follows_model_and_gpu():
    for by in ("source_group", "model_family"):
        pd.testing.assert_frame_equal(validation.errors_by(by), validation_table(cached_validation(), by))
    report = cached_calibration()
    assert validation.summaries()["calibration"]["cases"] == len(report)
    a, n_a = validation.parity_figure("llama-3.1-70b", "h100-sxm")
    b, n_b = validation.parity_figure("llama-3.1-8b", "l40s")
    want_a = int(((report["model"] == "llama-3.1-70b") | (report["gpu"] == "h100-sxm")).sum())
    assert n_a == want_a and n_a != n_b and a is not b
    assert validation.parity_figure("llama-3.1-70b", "h100-sxm")[0] is a  # built once, shared


def test_figure_takes_series_as_their_values_and_keys_on_them():
    from ui.charts import line_chart

    df = pd.DataFrame({"turn": [1, 2, 3], "a": [0.5, 1.5, 4.0], "b": [0.25, 0.75, 2.0]})
    kw = {"title": "t", "x_title": "x", "y_title": "y"}
    fig = scenario_cache.figure(line_chart, df["turn"], {"A": df["a"], "B": df["b"]}, **kw)
    direct = line_chart(df["turn"].to_numpy(), {"A": df["a"].to_numpy(), "B": df["b"].to_numpy()}, **kw)
    assert fig.to_plotly_json() == direct.to_plotly_json()
    # equal values in new Series objects: the same shared figure; changed values: another one
    same = pd.DataFrame({"turn": [1, 2, 3], "a": [0.5, 1.5, 4.0], "b": [0.25, 0.75, 2.0]})
    assert scenario_cache.figure(line_chart, same["turn"], {"A": same["a"], "B": same["b"]}, **kw) is fig
    other = scenario_cache.figure(line_chart, df["turn"], {"A": df["a"] * 2, "B": df["b"]}, **kw)
    assert other is not fig and list(other.data[0].y) == [1.0, 3.0, 8.0]


@pytest.mark.parametrize(("raw", "expected"), [
    (None, scenario_cache.DEFAULT_MAX_ENTRIES), ("", scenario_cache.DEFAULT_MAX_ENTRIES), (" 512 ", 512), ("1", 1),
])
def test_cache_bound_comes_from_the_environment(raw, expected):
    env = {} if raw is None else {scenario_cache.ENTRIES_ENV: raw}
    assert scenario_cache.max_entries_from(env) == expected


@pytest.mark.parametrize("raw", ["0", "-5", "lots", "1e3", "inf"])
def test_a_bad_cache_bound_is_logged_and_the_default_kept(raw, caplog):
    with caplog.at_level("WARNING", logger="ui.scenario_cache"):
        assert scenario_cache.max_entries_from({scenario_cache.ENTRIES_ENV: raw}) == scenario_cache.DEFAULT_MAX_ENTRIES
    assert scenario_cache.ENTRIES_ENV in caplog.text and repr(raw) in caplog.text


def test_the_default_bound_holds_a_room_of_two_scenarios_per_person():
    # four Overview figures per person (two scenarios x two charts) share the one figure cache: 256 held 64 people
    assert scenario_cache.DEFAULT_MAX_ENTRIES >= 4 * 200
