"""costmodel.compare: scenario A vs B, and one workload across every GPU."""

import math

import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.compare import cheapest_gpu_count, compare_gpus, compare_scenarios, smallest_fitting_gpus

CATALOG = load_catalog()


def test_compare_scenarios_ratios():
    a, b = Scenario(), Scenario(prompt_tokens=16384)
    df = compare_scenarios(a, b, CATALOG)
    assert list(df.columns) == ["item", "kind", "A", "B", "B / A"]
    setting = df[(df["kind"] == "setting") & (df["item"] == "prompt_tokens")].iloc[0]
    assert (setting["A"], setting["B"]) == ("2048", "16384")
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
