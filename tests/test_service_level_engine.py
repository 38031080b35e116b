"""Service levels, utilization and all-in money in the engine (costmodel.engine.service_level, money)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel import Scenario, estimate, estimate_arrays, load_catalog

CATALOG = load_catalog()
MONEY = ("usd_per_million_input_tokens", "usd_per_million_cached_input_tokens", "usd_per_million_output_tokens",
         "usd_per_request", "usd_per_million_output_tokens_all_in", "usd_per_million_tokens_blended")


@settings(max_examples=40, deadline=None)
@given(
    u=st.floats(0.01, 1.0),
    model=st.sampled_from(["llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"]),
    gpus=st.sampled_from([1, 2, 8]),
    prompt=st.integers(16, 20_000),
    speed=st.sampled_from([0.0, 15.0, 40.0]),
)
def test_every_money_output_at_utilization_u_is_full_load_over_u(u, model, gpus, prompt, speed):
    base = Scenario(model=model, gpu="h100-sxm", gpus=gpus, prompt_tokens=prompt, min_tokens_per_second_per_user=speed)
    full, part = estimate(base, CATALOG), estimate(base.model_copy(update={"utilization": u}), CATALOG)
    for key in MONEY:
        assert getattr(part, key) == pytest.approx(getattr(full, key) / u, rel=1e-12), key
    # what the GPUs do does not change, only what their idle time adds to each token
    assert part.output_tokens_per_second == full.output_tokens_per_second
    assert part.concurrency == full.concurrency and part.utilization == u


def test_all_in_formula():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, gpu_hourly_usd=3.99, utilization=0.5)
    r = estimate(s, CATALOG)
    by_hand = 8 * 3.99 / 3600 / r.output_tokens_per_second * 1e6 / 0.5
    assert r.usd_per_million_output_tokens_all_in == pytest.approx(by_hand, rel=1e-12)
    tokens_per_s = r.output_tokens_per_second * (s.prompt_tokens + s.output_tokens) / s.output_tokens
    assert r.usd_per_million_tokens_blended == pytest.approx(8 * 3.99 / 3600 / tokens_per_s * 1e6 / 0.5)
    assert r.gpus_provisioned == 8
    # the all-in price includes the prefill time the phase split gives to input tokens
    assert r.usd_per_million_output_tokens_all_in > r.usd_per_million_output_tokens


@pytest.mark.parametrize("speed", [10.0, 25.0, 40.0, 50.0])
def test_chosen_concurrency_meets_the_speed_target_and_one_more_request_per_replica_misses_it(speed):
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, tensor_parallel=4, min_tokens_per_second_per_user=speed)
    r = estimate(s, CATALOG)
    assert r.meets_slo and r.binding_constraint == "tpot"
    assert r.tokens_per_second_per_user >= speed
    per_replica = r.concurrency / r.replicas
    assert per_replica == int(per_replica)
    one_more = estimate(s.model_copy(update={"concurrency": int(r.concurrency + r.replicas)}), CATALOG)
    assert one_more.tokens_per_second_per_user < speed
    assert not one_more.meets_slo


def test_binding_constraint_on_hand_made_cases():
    base = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1)
    assert estimate(base, CATALOG).binding_constraint == "memory"  # 8B, 2k prompts: KV fills 80 GB first
    assert estimate(base.model_copy(update={"max_batch_size": 16}), CATALOG).binding_constraint == "engine"
    fast = estimate(base.model_copy(update={"min_tokens_per_second_per_user": 100}), CATALOG)
    assert fast.binding_constraint == "tpot" and fast.meets_slo
    long_prompts = base.model_copy(update={"prompt_tokens": 8_000, "max_ttft_seconds": 2.0})
    r = estimate(long_prompts, CATALOG)
    assert r.binding_constraint == "ttft" and r.meets_slo and r.ttft_p99_seconds <= 2.0


def test_a_target_missed_at_batch_one_is_a_result():
    r = estimate(Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, min_tokens_per_second_per_user=5000), CATALOG)
    assert not r.meets_slo and r.binding_constraint == "tpot"
    assert r.concurrency == r.replicas  # one sequence per replica: the fastest it can go
    assert r.tokens_per_second_per_user < 5000


def test_without_targets_nothing_changes():
    s = Scenario(model="mixtral-8x7b", gpu="h100-sxm", gpus=8)
    a, b = estimate(s, CATALOG), estimate(s.model_copy(update={"min_tokens_per_second_per_user": 0.0}), CATALOG)
    assert a == b and a.meets_slo


def test_p99_ttft_grows_with_the_batch_and_exceeds_the_request_alone():
    s = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1, prompt_tokens=8000)
    a = estimate_arrays(s, CATALOG, concurrency=np.array([1, 8, 32, 128]))
    assert np.all(np.diff(a["ttft_p99_seconds"]) > 0)
    assert np.all(a["ttft_p99_seconds"] > a["ttft_seconds"])
    assert np.all(np.diff(a["tokens_per_second_per_user"]) < 0)


def test_the_planner_keeps_the_cheapest_plan_that_meets_the_target():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, min_tokens_per_second_per_user=60)
    chosen = estimate(s, CATALOG)
    assert chosen.meets_slo
    for tp in (2, 4, 8):
        r = estimate(s.model_copy(update={"tensor_parallel": tp}), CATALOG)
        if r.meets_slo and r.fits:
            assert chosen.usd_per_request <= r.usd_per_request * (1 + 1e-12)


def test_targets_are_sweepable_axes():
    s = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1)
    a = estimate_arrays(s, CATALOG, min_tokens_per_second_per_user=np.array([0.0, 50.0, 100.0, 150.0]))
    assert np.all(np.diff(a["concurrency"]) <= 0)
    assert np.all(np.diff(a["usd_per_million_output_tokens_all_in"]) >= 0)
    assert list(a["binding_constraint"][:1]) == ["memory"]


@settings(max_examples=30, deadline=None)
@given(
    model=st.sampled_from(["llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b", "qwen3-30b-a3b"]),
    gpu=st.sampled_from(["h100-sxm", "a100-sxm-80gb", "h200"]),
    tp=st.sampled_from([1, 2, 4, 8]),
    prompt=st.integers(64, 16_000),
    output=st.integers(16, 2_000),
    speed=st.floats(5.0, 150.0),
    ttft=st.one_of(st.just(0.0), st.floats(0.2, 10.0)),
)
def test_any_chosen_batch_meets_its_targets_and_one_more_per_replica_misses(model, gpu, tp, prompt, output, speed, ttft):
    s = Scenario(model=model, gpu=gpu, gpus=8, tensor_parallel=tp, prompt_tokens=prompt, output_tokens=output,
                 weight_bits=8, min_tokens_per_second_per_user=speed, max_ttft_seconds=ttft)
    r = estimate(s, CATALOG)
    if not r.fits:
        assert not r.meets_slo and r.binding_constraint == "memory"
        return
    if not r.meets_slo:  # missed even at one sequence per replica
        assert r.concurrency == r.replicas and r.binding_constraint in {"tpot", "ttft"}
        return
    assert r.tokens_per_second_per_user >= speed and (ttft == 0 or r.ttft_p99_seconds <= ttft)
    if r.binding_constraint in {"tpot", "ttft"}:
        more = estimate(s.model_copy(update={"concurrency": int(r.concurrency + r.replicas)}), CATALOG)
        assert not more.meets_slo
    else:
        assert r.concurrency == r.max_concurrency
