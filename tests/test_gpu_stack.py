"""GPUs of one family in one engine pass (costmodel.engine.gpu_stack, inference.estimate_gpus): the same results
as one estimate_arrays call per GPU, for every catalog GPU."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel import CostModelError, Scenario, estimate_arrays, load_catalog
from costmodel.analysis import compare
from costmodel.engine import inference
from costmodel.engine.gpu_stack import GPUStack, stack_groups
from tests.test_fuzz_engine import extreme_scenarios

CAT = load_catalog()
GPUS = sorted(CAT.gpus)
COUNTS = np.asarray(compare.DEFAULT_GPU_COUNTS)


def per_gpu(s: Scenario, ids, prices, **axes) -> list[dict[str, np.ndarray]]:
    return [estimate_arrays(s.model_copy(update={"gpu": g, "gpu_hourly_usd": p}), CAT, **axes)
            for g, p in zip(ids, prices, strict=True)]


def assert_same(stacked: dict, reference: list[dict], ids) -> None:
    for i, g in enumerate(ids):
        for key, want in reference[i].items():
            got = np.asarray(stacked[key][i])
            want = np.asarray(want)
            if want.dtype.kind in "fc":
                assert np.allclose(got, want, rtol=1e-12, equal_nan=True), (g, key, got, want)
            else:
                assert np.array_equal(got.astype(str), want.astype(str)), (g, key, got, want)


SCENARIOS = [
    Scenario(model="llama-3.3-70b", gpu="h100-sxm", prompt_tokens=2000, output_tokens=500),
    Scenario(model="deepseek-v3", gpu="mi300x", weight_bits=8, prompt_tokens=8000, output_tokens=1000,
             cache_hit_rate=0.3),
    Scenario(model="gpt-oss-120b", gpu="b200", weight_bits=4, concurrency=64, serving_runtime="vllm-0.10"),
    Scenario(model="mixtral-8x7b", gpu="l40s", weight_bits=8, kv_bits=8, min_tokens_per_second_per_user=20,
             compute_dtype="fp8"),
]


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.model)
def test_every_catalog_gpu_as_one_call_per_gpu(s):
    prices = [CAT.gpu(g).hourly_usd for g in GPUS]
    assert_same(inference.estimate_gpus(s, GPUS, CAT, gpus=COUNTS), per_gpu(s, GPUS, prices, gpus=COUNTS), GPUS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=extreme_scenarios(), prices=st.lists(st.floats(0.1, 20.0), min_size=len(GPUS), max_size=len(GPUS)))
def test_any_scenario_stacked_matches_one_call_per_gpu(s, prices):
    try:
        reference = per_gpu(s, GPUS, prices)
    except CostModelError:  # bad input for some GPU: the stacked call says so too
        with pytest.raises(CostModelError):
            inference.estimate_gpus(s, GPUS, CAT, hourly_usd=prices)
        return
    assert_same(inference.estimate_gpus(s, GPUS, CAT, hourly_usd=prices), reference, GPUS)


def test_more_points_than_a_block_fall_back_to_one_call_per_gpu(monkeypatch):
    monkeypatch.setattr(inference, "BLOCK_POINTS", 8)  # 9 counts per GPU: every group is over the block
    s = SCENARIOS[0]
    prices = [CAT.gpu(g).hourly_usd for g in GPUS]
    assert_same(inference.estimate_gpus(s, GPUS, CAT, gpus=COUNTS), per_gpu(s, GPUS, prices, gpus=COUNTS), GPUS)


def test_groups_share_family_and_precisions():
    groups = stack_groups([CAT.gpu(g) for g in GPUS])
    assert sum(len(m) for m in groups) == len(GPUS) and len(groups) < len(GPUS)
    for members in groups:
        assert len({(CAT.gpu(GPUS[i]).family, frozenset(CAT.gpu(GPUS[i]).dense_tflops)) for i in members}) == 1
    with pytest.raises(ValueError, match="share their family"):
        GPUStack([CAT.gpu("h100-sxm"), CAT.gpu("b200")], 1)


def test_price_list_must_match_the_gpus():
    with pytest.raises(CostModelError, match="2 prices for 3 GPUs"):
        inference.estimate_gpus(SCENARIOS[0], ["h100-sxm", "h200", "b200"], CAT, hourly_usd=[1.0, 2.0])


@pytest.mark.parametrize("mode", ["cheapest", "fit", 8])
def test_compare_gpus_is_what_one_call_per_gpu_gives(mode):
    s = SCENARIOS[0].model_copy(update={"gpu_hourly_usd": 1.5})  # the scenario's price: its own GPU only
    stacked = compare.gpu_plans(s, CAT, GPUS, mode)
    alone = [compare._gpu_plan_alone(s, CAT, g, mode) for g in GPUS]
    for (n, r), (n0, r0) in zip(stacked, alone, strict=True):
        assert n == n0 and (r is None) == (r0 is None)
        if r is not None:
            pd.testing.assert_series_equal(pd.Series(asdict(r)), pd.Series(asdict(r0)), rtol=1e-12)
