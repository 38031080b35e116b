"""Invariants of the physics, checked on thousands of random scenarios (hypothesis)."""

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from costmodel import Scenario, estimate, estimate_arrays, load_catalog
from costmodel.engine.energy import ENERGY_RESULT_KEYS
from costmodel.engine.inference import RESULT_KEYS

CAT = load_catalog()
MODELS = sorted(CAT.models)
MOE_MODELS = sorted(m for m, a in CAT.models.items() if a.is_moe)
GPUS = sorted(CAT.gpus)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw, models=MODELS):
    model = draw(st.sampled_from(models))
    return Scenario(
        model=model,
        gpu=draw(st.sampled_from(GPUS)),
        gpus=draw(st.sampled_from([1, 2, 3, 4, 8, 16, 64, 1024])),
        weight_bits=draw(st.sampled_from([4, 8, 16])),
        kv_bits=draw(st.sampled_from([4, 8, 16])),
        prompt_tokens=draw(st.one_of(st.integers(1, 200_000), st.sampled_from([1, 10_000_000]))),
        output_tokens=draw(st.one_of(st.integers(1, 20_000), st.just(1))),
        cache_hit_rate=draw(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0]))),
        concurrency=draw(st.one_of(st.just("max"), st.integers(1, 5000))),
        flash_attention=draw(st.booleans()),
        paged_kv=draw(st.booleans()),
        spec_draft_tokens=draw(st.sampled_from([0, 0, 3])),
        spec_acceptance=draw(st.floats(0, 0.95)),
    )


def _numbers(result):
    return {k: v for k, v in result.to_dict().items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@SETTINGS
@given(scenarios())
def test_every_output_is_finite_and_non_negative(s):
    no_tdp = load_catalog().gpu(s.gpu).tdp_w is None  # energy needs a datasheet TDP: NaN without one
    for key, value in _numbers(estimate(s)).items():
        if no_tdp and key in ENERGY_RESULT_KEYS:
            assert math.isnan(value), (key, value)
            continue
        assert math.isfinite(value) and value >= 0, (key, value)


@SETTINGS
@given(scenarios(), st.floats(0, 1), st.floats(0, 1))
def test_more_cache_hits_never_raise_cost_per_request(s, h1, h2):
    lo, hi = sorted((h1, h2))
    a = estimate(s.model_copy(update={"cache_hit_rate": lo}))
    b = estimate(s.model_copy(update={"cache_hit_rate": hi}))
    assert b.usd_per_request <= a.usd_per_request * (1 + 1e-9)
    # Time to first token at a fixed plan (the planner optimises cost, not latency)
    fixed = s.model_copy(update={"tensor_parallel": a.tensor_parallel})
    a_ttft = estimate(fixed.model_copy(update={"cache_hit_rate": lo})).ttft_seconds
    assert estimate(fixed.model_copy(update={"cache_hit_rate": hi})).ttft_seconds <= a_ttft * (1 + 1e-9)


@SETTINGS
@given(scenarios())
def test_more_weight_bits_never_shrink_memory_or_raise_max_concurrency(s):
    results = [estimate(s.model_copy(update={"weight_bits": b})) for b in (4, 8, 16)]
    for low, high in zip(results, results[1:], strict=False):
        assert high.weights_bytes >= low.weights_bytes
        assert high.max_concurrency <= low.max_concurrency


@SETTINGS
@given(scenarios(), st.integers(1, 100_000))
def test_a_longer_prompt_never_lowers_cost_per_request(s, extra):
    longer = s.model_copy(update={"prompt_tokens": min(s.prompt_tokens + extra, 10_000_000)})
    assert estimate(longer).usd_per_request >= estimate(s).usd_per_request * (1 - 1e-9)


@SETTINGS
@given(scenarios(models=MOE_MODELS), st.data())
def test_fewer_active_experts_never_raise_decode_cost(s, data):
    k = CAT.model(s.model).experts_per_token
    fewer = data.draw(st.integers(1, k))
    a = estimate(s.model_copy(update={"experts_active": fewer}))
    b = estimate(s)
    assert a.usd_per_request <= b.usd_per_request * (1 + 1e-9)
    # Decode cost per output token on the same deployment plan
    fixed = s.model_copy(update={"tensor_parallel": b.tensor_parallel})
    a, b = estimate(fixed.model_copy(update={"experts_active": fewer})), estimate(fixed)
    assert a.usd_per_million_output_tokens <= b.usd_per_million_output_tokens * (1 + 1e-9)
    assert a.decode_step_seconds <= b.decode_step_seconds * (1 + 1e-9)


@SETTINGS
@given(scenarios(), st.integers(1, 64))
def test_more_gpus_never_lower_max_concurrency(s, extra):
    more = s.model_copy(update={"gpus": min(s.gpus + extra, 4096)})
    assert estimate(more).max_concurrency >= estimate(s).max_concurrency


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_vectorised_sweep_equals_scalar_estimates(s):
    prompts = np.array([1, 300, 5000, 90_000])
    arrays = estimate_arrays(s, prompt_tokens=prompts)
    for i, p in enumerate(prompts):
        one = estimate(s.model_copy(update={"prompt_tokens": int(p)}))
        for key in RESULT_KEYS:
            got, want = arrays[key][i], getattr(one, key)
            if isinstance(want, str | bool):
                assert str(got) == str(want) or bool(got) == want
            else:
                both_nan = math.isnan(float(got)) and math.isnan(float(want))  # energy without a TDP
                assert both_nan or math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-12), key


@SETTINGS
@given(scenarios())
def test_cost_per_request_decomposes_into_token_classes(s):
    r = estimate(s)
    new = max(s.prompt_tokens * (1 - s.cache_hit_rate), min(s.prompt_tokens, 1))
    cached = s.prompt_tokens - new
    assume(r.usd_per_request > 0)
    total = (new * r.usd_per_million_input_tokens + cached * r.usd_per_million_cached_input_tokens
             + s.output_tokens * r.usd_per_million_output_tokens) / 1e6
    assert math.isclose(total, r.usd_per_request, rel_tol=1e-6)
