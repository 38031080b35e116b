"""costmodel.analysis.compare: scenario A vs B, and one workload across every GPU."""

import math

import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis.compare import (
    cheapest_gpu_count,
    compare_gpus,
    compare_scenarios,
    market_comparison,
    smallest_fitting_gpus,
)

CATALOG = load_catalog()


def test_compare_scenarios_ratios():
    a, b = Scenario(), Scenario(prompt_tokens=16384)
    df = compare_scenarios(a, b, CATALOG)
    assert list(df.columns) == ["item", "kind", "A", "B", "B / A"]
    setting = df[(df["kind"] == "setting") & (df["item"] == "prompt_tokens")].iloc[0]
    assert (setting["A"], setting["B"]) == ("2048", "16384")
    assert list(df.loc[df["kind"] == "setting", "item"]) == ["prompt_tokens"]  # only the settings that differ
    row = df[df["item"] == "USD per request"].iloc[0]
    expected = estimate(b, CATALOG).usd_per_request / estimate(a, CATALOG).usd_per_request
    assert row["B / A"] == pytest.approx(expected)
    assert row["B / A"] > 1


def test_compare_identical_scenarios_is_all_ones():
    df = compare_scenarios(Scenario(), Scenario(), CATALOG)
    ratios = df.loc[df["kind"] == "metric", "B / A"].dropna()
    assert ratios.to_numpy() == pytest.approx(1.0)


def test_compare_gpus_covers_the_catalog_cheapest_first():
    df = compare_gpus(Scenario(), CATALOG)
    assert set(df["gpu"]) == set(CATALOG.gpus)
    fitting = df[df["fits"]]
    assert len(fitting) > 0
    assert fitting["usd_per_request"].is_monotonic_increasing
    assert df["cheapest"].sum() == 1
    assert df.loc[df["cheapest"], "usd_per_request"].iloc[0] == fitting["usd_per_request"].min()
    for col in ("usd_per_million_input_tokens", "usd_per_million_output_tokens", "output_tokens_per_second",
                "memory_gb", "weights_share_of_memory", "price_date"):
        assert col in df.columns


def test_each_gpu_is_billed_at_its_own_price_unless_it_is_the_scenarios():
    s = Scenario(gpu="h100-sxm", gpu_hourly_usd=1.0)
    df = compare_gpus(s, CATALOG, gpus=["h100-sxm", "h200"]).set_index("gpu")
    assert df.loc["h100-sxm", "gpu_hourly_usd"] == 1.0
    assert df.loc["h200", "gpu_hourly_usd"] == CATALOG.gpu("h200").hourly_usd


def test_fixed_gpu_count_keeps_rows_that_do_not_fit():
    df = compare_gpus(Scenario(model="llama-3.1-405b"), CATALOG, gpus=["l4", "h200"], gpu_count=1).set_index("gpu")
    assert not df.loc["l4", "fits"] and math.isnan(df.loc["l4", "usd_per_request"])
    assert (df["gpus"] == 1).all()


def test_gpu_count_choices():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm")
    n_fit, r_fit = smallest_fitting_gpus(s, CATALOG)
    n_best, r_best = cheapest_gpu_count(s, CATALOG)
    assert r_fit.fits and r_best.fits and n_fit <= n_best
    assert r_best.usd_per_request <= r_fit.usd_per_request * 1.0001
    assert smallest_fitting_gpus(s, CATALOG, counts=(1,)) is None  # 141 GB of weights on one 80 GB GPU


def test_list_price_per_request_applies_cache_and_long_context_tier():
    from costmodel.analysis.compare import list_price_per_request
    from costmodel.pricing.prices import provider_price

    p = provider_price("google/gemini-2.5-pro")  # 1.25 / 10 per M, cached 0.125, above 200k: 2.50 / 15
    plain = list_price_per_request(p, [100_000, 300_000], 1000, 0.0)
    assert plain == pytest.approx([100_000 * 1.25e-6 + 1000 * 10e-6, 300_000 * 2.5e-6 + 1000 * 15e-6])
    cached = list_price_per_request(p, [100_000], 1000, 0.5)
    assert cached[0] == pytest.approx(50_000 * 1.25e-6 + 50_000 * 0.125e-6 + 1000 * 10e-6)


def test_market_comparison_prices_only_catalog_models():
    from costmodel.pricing.prices import list_provider_prices

    s = Scenario(weight_bits=8)
    df = market_comparison(s, list_provider_prices(), CATALOG)
    assert len(df) > 0 and set(df["catalog_model"]) <= set(CATALOG.models)
    row = df[df["price_id"] == "together/llama-3.1-70b-instruct-turbo"].iloc[0]
    r = cheapest_gpu_count(s, CATALOG)[1]
    assert row["cost_per_request_usd"] == pytest.approx(r.usd_per_request)
    assert row["margin_per_request"] == pytest.approx(1 - r.usd_per_request / row["price_per_request_usd"])
    assert row["margin_input"] == pytest.approx(1 - r.usd_per_million_input_tokens / 0.88)


def test_compare_and_levers_do_not_import_streamlit():
    import subprocess
    import sys

    code = ("import sys, costmodel.analysis.compare, costmodel.analysis.levers; "
            "assert 'streamlit' not in sys.modules and 'plotly' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_market_summary_counts_prices_below_cost():
    import numpy as np
    import pandas as pd

    from costmodel.analysis.compare import market_summary

    df = pd.DataFrame({"fits": [True, True, True, False], "margin_per_request": [0.5, -0.2, 0.1, np.nan]})
    summary = market_summary(df)
    markup = summary.pop("median_cost_profit_margin_per_request")
    assert summary == {"compared": 4, "fitting": 3, "median_margin_per_request": 0.1, "below_cost": 1}
    assert markup == pytest.approx(0.1 / 0.9)  # R = 1, C = 0.9: (R - C) / C
    empty = market_summary(pd.DataFrame({"fits": [], "margin_per_request": []}))
    assert empty["compared"] == 0 and np.isnan(empty["median_margin_per_request"])


def test_cheapest_plan_serves_llama_405b_in_fp8_on_8_gpus():
    """The issue's example: 16 x H100 at 16 bits costs $9.68/$11.62 per M; FP8 on 8 GPUs $1.33/$2.36."""
    from costmodel.analysis.compare import cheapest_plan
    from costmodel.pricing.prices import list_provider_prices

    s = Scenario(model="llama-3.1-405b")
    gpus, bits, r = cheapest_plan(s, CATALOG)
    assert (gpus, bits) == (8, 8) and r.fits
    same = estimate(s.model_copy(update={"gpus": 8, "weight_bits": 8}), CATALOG)
    assert r.usd_per_request == pytest.approx(same.usd_per_request)
    bf16 = estimate(s.model_copy(update={"gpus": 16}), CATALOG)
    assert r.usd_per_million_output_tokens < bf16.usd_per_million_output_tokens / 3
    row = market_comparison(s, [p for p in list_provider_prices() if p.catalog_model == "llama-3.1-405b"][:1],
                            CATALOG).iloc[0]
    assert (row["gpus"], row["weight_bits"]) == (8, 8)
