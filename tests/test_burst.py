"""Finite bursts (costmodel.engine.burst) and the output-length spread (decode.average_decode_context)."""

import numpy as np
import pytest
from pydantic import ValidationError

from costmodel import Scenario, estimate, load_catalog
from costmodel.engine.batching import Occupancy
from costmodel.engine.burst import burst_mean_batch, burst_occupancy, harmonic_number
from costmodel.engine.decode import average_decode_context
from costmodel.engine.inference import estimate_arrays


def exact_harmonic(n: int) -> float:
    return sum(1.0 / j for j in range(1, n + 1))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 75, 702, 5000])
def test_harmonic_number_matches_the_sum(n):
    assert float(harmonic_number(n)) == pytest.approx(exact_harmonic(n), abs=1e-9)


def test_harmonic_number_at_zero_and_between_integers():
    assert float(harmonic_number(0)) == pytest.approx(0.0, abs=1e-9)
    # H(x) - H(x - 1) = 1/x also between integers (digamma's recurrence)
    assert float(harmonic_number(2.5) - harmonic_number(1.5)) == pytest.approx(1 / 2.5, abs=1e-9)


def test_fixed_lengths_finish_in_waves():
    # 500 requests, 120 held: ceil(500/120) = 5 waves of O steps, 500 / 5 = 100 sequences on average
    assert float(burst_mean_batch(500, 120, False)) == pytest.approx(100.0)
    assert float(burst_mean_batch(500, 100, False)) == pytest.approx(100.0)  # 5 full waves: no loss
    assert float(burst_mean_batch(80, 120, False)) == pytest.approx(80.0)  # one partial wave holds them all


def test_memoryless_lengths_drain_over_the_harmonic_tail():
    # full phase (1000 - 702) / 702 x O steps, drain H_702 x O steps; 1000 x O tokens
    expected = 1000 / ((1000 - 702) / 702 + exact_harmonic(702))
    assert float(burst_mean_batch(1000, 702, True)) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(132.34, abs=0.01)
    # fewer requests than the batch holds: all start together, n / H_n
    assert float(burst_mean_batch(3, 5, True)) == pytest.approx(3 / (11 / 6))
    # a long stream tends to the steady batch
    assert float(burst_mean_batch(1e9, 100, True)) == pytest.approx(100.0, rel=1e-6)


def test_burst_occupancy_spreads_the_burst_over_the_busy_replicas():
    occ = Occupancy(concurrency=np.asarray(200.0), busy_replicas=np.asarray(2.0), batch=np.asarray(100.0))
    assert burst_occupancy(occ, np.asarray(0.0), np.asarray(1.0)) is occ  # steady stream: unchanged
    # 150 requests over 2 replicas: 75 each, all held at once; memoryless: 75 / H_75 per replica
    got = burst_occupancy(occ, np.asarray(150.0), np.asarray(1.0))
    assert float(got.batch) == pytest.approx(75 / exact_harmonic(75))
    assert float(got.concurrency) == pytest.approx(2 * 75 / exact_harmonic(75))
    fixed = burst_occupancy(occ, np.asarray(150.0), np.asarray(0.0))
    assert float(fixed.batch) == pytest.approx(75.0)


GPT_OSS = Scenario(model="gpt-oss-120b", gpu="h100-sxm", gpus=1, tensor_parallel=1, weight_bits=4,
                   prompt_tokens=215, output_tokens=187, max_batch_size=1024, max_num_tokens=8192, output_tokens_cv=1.0)


def test_the_engine_serves_a_burst_at_its_step_averaged_batch():
    cat = load_catalog()
    steady = estimate(GPT_OSS, cat)
    held = steady.max_concurrency  # one replica: the steady batch B
    burst = estimate(GPT_OSS.model_copy(update={"burst_requests": 1000}), cat)
    expected = 1000 / ((1000 - held) / held + exact_harmonic(int(held)))
    assert burst.concurrency == pytest.approx(expected, rel=1e-6)
    # a step time linear in the batch makes the burst's throughput the steady one at that batch
    at_mean = estimate_arrays(GPT_OSS, cat, concurrency=np.asarray([expected]))
    assert burst.output_tokens_per_second == pytest.approx(float(at_mean["output_tokens_per_second"][0]), rel=1e-9)
    assert burst.output_tokens_per_second < 0.6 * steady.output_tokens_per_second


def test_output_length_spread_lengthens_the_mean_decode_context():
    # MLPerf DeepSeek-R1: mean 4,043.4, sd 5,065 output tokens -> E[O^2] / (2 E[O]) = 5,194 beyond the prompt
    assert float(average_decode_context(803.8, 4043.4, 5065 / 4043.4)) == pytest.approx(803.8 + 5194.06, abs=0.01)
    assert float(average_decode_context(1000, 200, 0.0)) == 1100.0
    assert float(average_decode_context(1000, 200, 1.0)) == 1200.0  # exponential lengths: S + E[O]


def test_output_length_spread_sets_the_kv_bytes_that_bound_the_batch():
    cat = load_catalog()
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, tensor_parallel=8, prompt_tokens=1000,
                 output_tokens=200, max_batch_size=100_000)
    # 80 layers x 8 KV heads x 128 dims x 2 (K and V) x 2 bytes = 327,680 bytes per token
    assert estimate(s, cat).kv_bytes_per_request == pytest.approx(1100 * 327_680)
    spread = estimate(s.model_copy(update={"output_tokens_cv": 1.0}), cat)
    assert spread.kv_bytes_per_request == pytest.approx(1200 * 327_680)
    assert spread.max_concurrency < estimate(s, cat).max_concurrency


def test_the_new_fields_are_validated():
    with pytest.raises(ValidationError):
        Scenario(output_tokens_cv=-0.1)
    with pytest.raises(ValidationError):
        Scenario(burst_requests=0)
    assert Scenario().burst_requests is None and Scenario().output_tokens_cv == 0.0
