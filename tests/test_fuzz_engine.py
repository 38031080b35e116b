"""Fuzzing the cost engine at the edges of the Scenario (hypothesis).

tests/test_properties.py checks the physics invariants on ordinary scenarios. This file
complements it with the corners a sales demo or a curious user reaches: 1 and 10,000,000
prompt tokens, 1 and 1,024 GPUs, MoE models widened to 256 experts, hit rates of exactly
0 and 1, every model x GPU pair, 4/8/16 bits, speculative decoding at its bounds,
FlashAttention and paged KV off, explicit tensor parallelism, engine limits at their
minimum, and efficiency overrides from tiny to 1.

Contract: ``estimate`` either returns a result whose every number is finite and
non-negative, or raises a ``CostModelError`` (bad input the caller can fix). Any other
exception type is a bug.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel import CostModelError, Scenario, estimate, estimate_arrays, load_catalog
from costmodel.engine.energy import ENERGY_RESULT_KEYS
from costmodel.engine.inference import RESULT_KEYS

CAT = load_catalog()
MODELS = sorted(CAT.models)
GPUS = sorted(CAT.gpus)
MOE = sorted(m for m, a in CAT.models.items() if a.is_moe)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REL = 1e-9

EXTREME_PROMPTS = (1, 2, 10_000_000)
EXTREME_GPUS = (1, 1024)


def _tiny_or_full(lo_exclusive: bool = True):
    """An efficiency fraction: None (the calibrated default), tiny, ordinary or exactly 1."""
    low = 1e-6 if lo_exclusive else 0.0
    return st.one_of(st.none(), st.sampled_from([low, 1e-3, 1.0]), st.floats(low, 1.0))


@st.composite
def extreme_scenarios(draw, models=MODELS):
    """Scenarios drawn mostly from the edges of every field's range."""
    model_id = draw(st.sampled_from(models))
    model = CAT.model(model_id)
    fields = {
        "model": model_id,
        "gpu": draw(st.sampled_from(GPUS)),
        "gpus": draw(st.one_of(st.sampled_from([1, 2, 7, 8, 1024]), st.integers(1, 1024))),
        "weight_bits": draw(st.sampled_from([4, 8, 16])),
        "kv_bits": draw(st.sampled_from([4, 8, 16])),
        "compute_dtype": draw(st.sampled_from([None, "bf16", "fp8", "fp4"])),
        "prompt_tokens": draw(st.one_of(st.sampled_from(EXTREME_PROMPTS), st.integers(1, 10_000_000))),
        "output_tokens": draw(st.one_of(st.sampled_from([1, 1_000_000]), st.integers(1, 100_000))),
        "cache_hit_rate": draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))),
        "concurrency": draw(st.one_of(st.just("max"), st.sampled_from([1, 10_000_000]), st.integers(1, 100_000))),
        "flash_attention": draw(st.booleans()),
        "paged_kv": draw(st.booleans()),
        "prefix_caching": draw(st.booleans()),
        "spec_draft_tokens": draw(st.sampled_from([0, 0, 1, 4, 16])),
        "spec_acceptance": draw(st.sampled_from([0.0, 0.5, 0.99])),
        "spec_draft_cost_ratio": draw(st.sampled_from([0.0, 0.05, 1.0])),
        "max_batch_size": draw(st.sampled_from([1, 1024, 1_000_000])),
        "max_num_tokens": draw(st.sampled_from([16, 16384, 10_000_000])),
        "gpu_hourly_usd": draw(st.one_of(st.none(), st.sampled_from([1e-6, 1000.0]))),
        "prefill_mfu": draw(_tiny_or_full()),
        "decode_mfu": draw(_tiny_or_full()),
        "decode_mbu": draw(_tiny_or_full()),
        "memory_utilization": draw(_tiny_or_full()),
        "comm_efficiency": draw(_tiny_or_full()),
        "step_overhead_ms": draw(st.one_of(st.none(), st.sampled_from([0.0, 1000.0]))),
    }
    if draw(st.booleans()):
        fields["tensor_parallel"] = draw(st.sampled_from([1, 2, 8, 64, 1024]))
    if model.is_moe:
        total = draw(st.sampled_from([None, 1, model.experts_per_token, model.num_experts, 256]))
        fields["experts_total"] = total
        top = total if total is not None else model.num_experts
        fields["experts_active"] = draw(st.one_of(st.none(), st.sampled_from(sorted({1, top}))))
        if fields["experts_active"] is None and total is not None and total < model.experts_per_token:
            fields["experts_active"] = total  # keep the top-k inside the narrowed expert count
    return Scenario(**fields)


def _numbers(result) -> dict[str, float]:
    return {k: v for k, v in result.to_dict().items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _run(s: Scenario):
    """The estimate, or None for a documented CostModelError; any other exception propagates."""
    try:
        return estimate(s, CAT)
    except CostModelError as exc:
        assert str(exc).strip(), "a CostModelError must say what is wrong"
        return None


def _cost(r) -> float:
    """Cost per request, infinite where nothing fits: a request that fits nowhere has no price (the
    money of a result with ``fits`` False is that of a request forced onto the largest group)."""
    return r.usd_per_request if r.fits else math.inf


def _unpowered(s: Scenario) -> set[str]:
    """Energy results are NaN on a GPU without a datasheet TDP."""
    return set(ENERGY_RESULT_KEYS) if CAT.gpu(s.gpu).tdp_w is None else set()


def _check_finite(result, s: Scenario) -> None:
    skip = _unpowered(s)
    for key, value in _numbers(result).items():
        if key in skip:
            assert math.isnan(value), (key, value, s)
            continue
        assert math.isfinite(value) and value >= 0, (key, value, s)
    assert result.replicas >= 1 and result.tensor_parallel >= 1, s
    assert result.prefill_bound and result.decode_bound and result.compute_dtype


# ----------------------------------------------------------------------------- every output
@FUZZ
@given(extreme_scenarios())
def test_extreme_scenarios_give_finite_non_negative_outputs_or_a_cost_model_error(s):
    r = _run(s)
    if r is not None:
        _check_finite(r, s)


@pytest.mark.parametrize("model_id,gpu_id", list(itertools.product(MODELS, GPUS)))
def test_every_model_on_every_gpu_at_the_corners(model_id, gpu_id):
    """Each catalog pair at 1 and 1,024 GPUs, 1 and 10M prompt tokens, 4 and 16 bits, hits 0 and 1."""
    for gpus, prompt, bits, hit in itertools.product(EXTREME_GPUS, (1, 10_000_000), (4, 16), (0.0, 1.0)):
        s = Scenario(model=model_id, gpu=gpu_id, gpus=gpus, prompt_tokens=prompt, weight_bits=bits, kv_bits=bits,
                     cache_hit_rate=hit, output_tokens=1)
        r = _run(s)
        assert r is not None, f"the default-shaped scenario {s} must be accepted"
        _check_finite(r, s)


@pytest.mark.parametrize("model_id", MOE)
def test_moe_models_widened_to_256_experts(model_id):
    model = CAT.model(model_id)
    for gpus, active in itertools.product(EXTREME_GPUS, sorted({1, model.experts_per_token, 256})):
        s = Scenario(model=model_id, gpus=gpus, experts_total=256, experts_active=active)
        r = _run(s)
        assert r is not None, s
        _check_finite(r, s)
    # more experts per token never lowers the decode cost at a fixed deployment
    base = Scenario(model=model_id, gpus=64, tensor_parallel=64, experts_total=256, concurrency=64)
    costs = [estimate(base.model_copy(update={"experts_active": k}), CAT).usd_per_million_output_tokens
             for k in (1, 8, 64, 256)]
    assert all(b >= a * (1 - REL) for a, b in zip(costs, costs[1:], strict=False)), costs


def test_dense_models_reject_expert_counts_with_a_clear_error():
    dense = next(m for m, a in CAT.models.items() if not a.is_moe)
    with pytest.raises(CostModelError, match="dense"):
        estimate(Scenario(model=dense, experts_total=256), CAT)


# ----------------------------------------------------------------------------- invariants at the edges
@FUZZ
@given(extreme_scenarios(), st.floats(0.0, 1.0))
def test_cache_hits_from_exactly_zero_to_exactly_one_never_raise_cost(s, h):
    results = [_run(s.model_copy(update={"cache_hit_rate": x})) for x in (0.0, h, 1.0)]
    if any(r is None for r in results):
        return
    none, some, full = (_cost(r) for r in results)
    assert some <= none * (1 + REL) and full <= some * (1 + REL), (none, some, full, s)


@FUZZ
@given(extreme_scenarios())
def test_prompt_lengths_from_1_to_10_million_never_lower_cost(s):
    # Both with the shape the engine plans for each length and at the fixed shape planned for this one.
    first = _run(s)
    if first is None:
        return
    for scenario in (s.model_copy(update={"tensor_parallel": None}),
                     s.model_copy(update={"tensor_parallel": first.tensor_parallel})):
        results = [_run(scenario.model_copy(update={"prompt_tokens": p})) for p in (1, s.prompt_tokens, 10_000_000)]
        if any(r is None for r in results):
            continue
        short, mid, longest = (_cost(r) for r in results)
        assert mid >= short * (1 - REL) and longest >= mid * (1 - REL), (short, mid, longest, scenario)


def test_a_prompt_that_fits_nowhere_is_not_priced_below_one_that_fits():
    """Regression (found by the fuzz test above, 2026-12-01): at 10M prompt tokens nothing fits on 1,024
    TPU v5e, yet the result (the request forced onto one 1,024-chip group) cost less than the 1-token
    prompt's $0.43. A result that does not fit must say so; its money is not a price."""
    s = Scenario(model="deepseek-v3", gpu="tpu-v5e", gpus=1024, weight_bits=8, kv_bits=4, output_tokens=1,
                 cache_hit_rate=1.0, concurrency="max", flash_attention=False, paged_kv=False,
                 prefix_caching=True, max_batch_size=1, max_num_tokens=16, comm_efficiency=1e-6)
    short = estimate(s.model_copy(update={"prompt_tokens": 1}), CAT)
    longest = estimate(s.model_copy(update={"prompt_tokens": 10_000_000}), CAT)
    assert short.fits and short.max_concurrency >= 1
    assert not longest.fits and longest.max_concurrency == 0
    assert _cost(longest) >= _cost(short)


def test_a_longer_prompt_never_lowers_cost_when_the_engine_plans_the_shape():
    """Regression (found by this file, fixed in b34cd54): the planner used to pick the shape holding the most
    requests even at a fixed concurrency, so a longer prompt moved it to a faster shape and the cost dropped."""
    s = Scenario(model="deepseek-v3", gpus=1024, output_tokens=1_000_000, concurrency=1, flash_attention=False)
    short = estimate(s.model_copy(update={"prompt_tokens": 1}), CAT)
    longer = estimate(s.model_copy(update={"prompt_tokens": 100_000}), CAT)
    assert longer.usd_per_request >= short.usd_per_request * (1 - REL), (
        short.tensor_parallel, short.usd_per_request, longer.tensor_parallel, longer.usd_per_request)


@FUZZ
@given(extreme_scenarios())
def test_from_1_to_1024_gpus_max_concurrency_never_drops(s):
    # Holds when the engine plans the deployment (tensor_parallel=None); an explicit tensor_parallel is a
    # fixed replica shape and is checked separately below.
    s = s.model_copy(update={"tensor_parallel": None})
    results = [_run(s.model_copy(update={"gpus": g})) for g in sorted({1, s.gpus, 1024})]
    if any(r is None for r in results):
        return
    conc = [r.max_concurrency for r in results]
    assert conc == sorted(conc), (conc, s)


@FUZZ
@given(extreme_scenarios(), st.sampled_from([1, 2, 8, 64]))
def test_more_replicas_of_a_fixed_shape_never_lower_max_concurrency(s, tp):
    shape = s.model_copy(update={"tensor_parallel": tp})
    results = [_run(shape.model_copy(update={"gpus": tp * n})) for n in (1, 2, 16)]
    if any(r is None for r in results):
        return
    conc = [r.max_concurrency for r in results]
    assert conc == sorted(conc), (conc, shape)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extreme_scenarios())
def test_estimate_is_deterministic_and_matches_the_vectorised_engine_at_the_extremes(s):
    one = _run(s)
    if one is None:
        return
    assert repr(_run(s)) == repr(one)  # no hidden state between calls (repr: NaN energy without a TDP)
    prompts = np.array([1, s.prompt_tokens, 10_000_000])
    try:
        arrays = estimate_arrays(s, CAT, prompt_tokens=prompts)
    except CostModelError:
        return
    i = 1
    for key in RESULT_KEYS:
        got, want = arrays[key].reshape(-1)[i] if np.ndim(arrays[key]) else arrays[key], getattr(one, key)
        if isinstance(want, str | bool):
            assert str(got) == str(want) or bool(got) == want, key
        elif key in _unpowered(s):
            assert math.isnan(float(got)) and math.isnan(float(want)), key
        else:
            assert math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-12), (key, got, want)
    for key, values in arrays.items():
        if key in RESULT_KEYS and key not in _unpowered(s) and np.asarray(values).dtype.kind in "fiu":
            assert np.all(np.isfinite(values)) and np.all(np.asarray(values) >= 0), key


@pytest.mark.parametrize(
    "axis,values",
    [
        ("prompt_tokens", [0, 5]),
        ("prompt_tokens", [1, 10_000_001]),
        ("gpus", [1, 4097]),
        ("cache_hit_rate", [0.0, 1.5]),
        ("cache_hit_rate", [0.0, float("nan")]),
        ("gpu_hourly_usd", [1.0, float("inf")]),
        ("weight_bits", [4, 5]),
        ("not_a_field", [1, 2]),
        ("prompt_tokens", []),
    ],
)
def test_sweep_axes_out_of_range_raise_a_cost_model_error(axis, values):
    with pytest.raises(CostModelError):
        estimate_arrays(Scenario(), CAT, **{axis: np.array(values)})
