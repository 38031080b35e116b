"""costmodel.analysis.levers: the naive baseline and the lever-by-lever walk to the scenario."""

import numpy as np
import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis.levers import (
    LEVER_TITLES,
    SEED_CLAIMS,
    baseline_gpus,
    lever_steps,
    naive_baseline,
    total_multiplier,
    waterfall,
)

CATALOG = load_catalog()


def test_naive_baseline_switches_every_lever_off():
    s = Scenario(model="mixtral-8x7b", gpu="a100-sxm-80gb", gpus=4, weight_bits=4, kv_bits=8, cache_hit_rate=0.5,
                 spec_draft_tokens=3)
    b = naive_baseline(s, CATALOG)
    assert (b.weight_bits, b.kv_bits, b.flash_attention, b.paged_kv, b.prefix_caching) == (16, 16, False, False, False)
    assert (b.cache_hit_rate, b.spec_draft_tokens, b.experts_active) == (0.0, 0, 8)  # all 8 experts: dense-equivalent
    assert (b.model, b.gpu, b.gpus, b.prompt_tokens, b.output_tokens) == (s.model, s.gpu, s.gpus, s.prompt_tokens,
                                                                          s.output_tokens)


def test_dense_model_has_no_moe_lever():
    df = lever_steps(Scenario(), CATALOG)
    assert "moe" not in set(df["lever"])
    assert df["lever"].iloc[0] == "baseline"


def test_last_step_is_the_scenario_itself():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, weight_bits=8, kv_bits=8, cache_hit_rate=0.3)
    df = lever_steps(s, CATALOG)
    assert df["usd_per_request"].iloc[-1] == pytest.approx(estimate(s, CATALOG).usd_per_request)


def test_multipliers_chain_to_the_total():
    s = Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=2, weight_bits=8, cache_hit_rate=0.5)
    df = lever_steps(s, CATALOG)
    assert df["fits"].all()
    product = float(np.prod(df["multiplier"].iloc[1:]))
    assert product == pytest.approx(total_multiplier(df))
    assert total_multiplier(df) < 1  # the levers make serving cheaper overall


def test_levers_the_scenario_leaves_off_change_nothing():
    df = lever_steps(Scenario(prefix_caching=False, spec_draft_tokens=0), CATALOG).set_index("lever")
    assert not df.loc["speculative", "applies"] and df.loc["speculative", "multiplier"] == pytest.approx(1.0)
    assert not df.loc["prefix_cache", "applies"]


def test_flash_attention_and_paging_help_long_prompts():
    df = lever_steps(Scenario(prompt_tokens=32_000), CATALOG).set_index("lever")
    assert df.loc["flash_attention", "multiplier"] < 1
    assert df.loc["paged_kv", "multiplier"] < 1
    assert df.loc["paged_kv", "max_concurrency"] > df.loc["flash_attention", "max_concurrency"]


def test_baseline_that_does_not_fit_gets_more_gpus_then_right_sizes():
    s = Scenario(model="llama-3.1-70b", gpu="h200", gpus=8, prompt_tokens=100_000, weight_bits=8, kv_bits=8)
    n0 = baseline_gpus(s, CATALOG)
    assert n0 > s.gpus
    df = lever_steps(s, CATALOG)
    assert df["fits"].all()
    assert df["lever"].iloc[-1] == "deployment" and f"{n0} → 8 GPUs" in df["setting"].iloc[-1]


def test_titles_and_seed_claims_cover_every_lever():
    df = lever_steps(Scenario(model="deepseek-v3", gpu="h800", gpus=32, weight_bits=8), CATALOG)
    for lever in df["lever"].iloc[1:]:
        assert lever in LEVER_TITLES and lever in SEED_CLAIMS
    assert {"step", "title", "setting", "applies", "fits", "multiplier", "seed_claim", "usd_per_request"} <= set(df)



def test_the_waterfall_adds_up_to_the_scenario_and_its_multipliers_are_the_steps():
    s = Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=2, cache_hit_rate=0.5)
    steps = lever_steps(s, CATALOG)
    bars = waterfall(steps, "usd_per_request")
    fit = steps[steps["fits"]]
    assert list(bars["measure"]) == ["absolute", *["relative"] * (len(fit) - 1), "total"]
    # the absolute bar plus every change is the scenario's own cost, which the total bar shows
    assert bars["value"].iloc[:-1].sum() == pytest.approx(bars["value"].iloc[-1])
    assert bars["value"].iloc[-1] == pytest.approx(estimate(s, CATALOG).usd_per_request)
    cost = fit["usd_per_request"].to_numpy()
    assert bars.loc[bars["measure"] == "relative", "multiplier"].to_numpy() == pytest.approx(cost[1:] / cost[:-1])
    assert bars["multiplier"].iloc[[0, -1]].isna().all()
