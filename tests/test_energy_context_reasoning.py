"""Energy, context parallelism and reasoning tokens against hand-computed values."""

import math

import numpy as np
import pytest

from costmodel import Scenario, estimate, estimate_arrays, load_catalog
from costmodel.engine.context_parallel import exposed_ring_seconds, ring_kv_bytes_per_gpu
from costmodel.engine.energy import (
    JOULES_PER_KWH,
    all_in_watts,
    gpu_power_watts,
    grams_co2,
    replica_busy_share,
)

CAT = load_catalog()


# ----------------------------------------------------------------------------- energy
def test_power_model_by_hand():
    assert gpu_power_watts(700.0, 0.15, 0.0) == pytest.approx(105.0)
    assert gpu_power_watts(700.0, 0.15, 1.0) == pytest.approx(700.0)
    assert gpu_power_watts(700.0, 0.15, 0.5) == pytest.approx(105 + 0.5 * 595)
    assert all_in_watts(1000.0, 0.5, 1.2) == pytest.approx(1800.0)
    # decode 3 s per token at kernel share 0.5, prefill 1 s busy: (1.5 + 1) / 4
    assert replica_busy_share(3.0, 0.5, 1.0) == pytest.approx(0.625)
    assert grams_co2(3.6e6, 400.0) == pytest.approx(400.0)


def test_energy_is_power_times_time_over_tokens():
    s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, prompt_tokens=2048, output_tokens=256)
    r = estimate(s, CAT)
    assert r.replicas * r.tensor_parallel == 8 and r.concurrency >= r.replicas  # every GPU busy
    gpu_w = 8 * 700 * (0.15 + 0.85 * r.gpu_busy_share)
    watts = gpu_w * (1 + 0.5) * 1.2
    assert r.all_in_power_watts == pytest.approx(watts, rel=1e-12)
    # decode seconds per output token across the deployment: step / (sequences in flight)
    assert r.joules_per_output_token == pytest.approx(watts * r.decode_step_seconds / r.concurrency, rel=1e-9)
    assert r.joules_per_request == pytest.approx(watts / r.requests_per_second, rel=1e-12)
    assert r.output_tokens_per_kwh == pytest.approx(r.output_tokens_per_second / watts * JOULES_PER_KWH, rel=1e-12)
    assert r.usd_energy_per_million_output_tokens == pytest.approx(
        r.joules_per_output_token * 1e6 / 3.6e6 * 0.08, rel=1e-12)
    # the token classes split the request's energy as they split its money
    dollars_per_joule = r.usd_per_million_output_tokens / r.joules_per_output_token
    assert r.usd_per_million_input_tokens / r.joules_per_input_token == pytest.approx(dollars_per_joule, rel=1e-9)


def test_idle_gpus_draw_idle_power_and_pue_scales_everything():
    s = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=8, tensor_parallel=1, concurrency=1)
    r = estimate(s, CAT)
    one_busy = 700 * (0.15 + 0.85 * r.gpu_busy_share) + 7 * 700 * 0.15
    assert r.all_in_power_watts == pytest.approx(one_busy * 1.5 * 1.2, rel=1e-12)
    hot = estimate(s.model_copy(update={"pue": 1.5, "host_power_fraction": 0.0}), CAT)
    assert hot.joules_per_output_token == pytest.approx(r.joules_per_output_token / 1.8 * 1.5, rel=1e-12)
    assert hot.usd_per_request == r.usd_per_request  # energy assumptions never change the rental cost


def test_a_gpu_without_tdp_has_no_energy_figure():
    r = estimate(Scenario(model="llama-3.1-8b", gpu="tpu-v5e", gpus=8), CAT)
    assert math.isnan(r.joules_per_output_token) and math.isfinite(r.usd_per_request)


# ----------------------------------------------------------------------------- context parallelism
def test_ring_traffic_matches_the_ring_formula():
    assert ring_kv_bytes_per_gpu(1000.0, 8.0, 1.0, 2.0, 4.0) == pytest.approx(3 / 4 * 1000 * 8 / 2)
    assert ring_kv_bytes_per_gpu(1000.0, 8.0, 1.0, 2.0, 1.0) == 0.0
    assert exposed_ring_seconds(10.0, 2.0, 3.0) == pytest.approx(2.0)
    assert exposed_ring_seconds(10.0, 2.0, 9.0) == 0.0
    s = Scenario(model="llama-3.1-70b", gpus=16, tensor_parallel=8, context_parallel=2, prompt_tokens=100_000,
                 output_tokens=100)
    r = estimate(s, CAT)
    kv_per_token = 2 * 80 * 8 * 128 * 2  # K and V, layers, KV heads, head dim, bf16 bytes
    assert r.kv_bytes_per_token == kv_per_token
    assert r.ring_kv_bytes_per_gpu == pytest.approx((2 - 1) / 2 * 100_000 * kv_per_token / 8)
    assert r.replicas == 1 and r.context_parallel == 2


def test_a_million_token_prompt_that_fits_no_replica_becomes_a_priced_result():
    base = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=4, weight_bits=8, prompt_tokens=1_000_000,
                    output_tokens=512)
    alone = estimate(base, CAT)
    assert not alone.fits and alone.max_concurrency == 0
    ring = estimate(base.model_copy(update={"gpus": 8, "tensor_parallel": 4, "context_parallel": 2}), CAT)
    assert ring.fits and ring.max_concurrency >= 1
    assert math.isfinite(ring.usd_per_request) and ring.usd_per_request > 0
    # the prefill splits over the two groups: time to first token about halves
    assert ring.ttft_seconds < 0.6 * alone.ttft_seconds


def test_context_parallel_one_changes_nothing_and_sweeps():
    s = Scenario(prompt_tokens=8192)
    assert estimate(s.model_copy(update={"context_parallel": 1}), CAT) == estimate(s, CAT)
    out = estimate_arrays(Scenario(model="llama-3.1-70b", gpus=32, tensor_parallel=8, prompt_tokens=500_000,
                                   weight_bits=8), CAT, context_parallel=np.array([1, 2, 4]))
    assert out["ttft_seconds"][0] > out["ttft_seconds"][1] > out["ttft_seconds"][2]


# ----------------------------------------------------------------------------- reasoning tokens
def test_reasoning_tokens_decode_and_bill_as_output():
    plain = Scenario(prompt_tokens=2048, output_tokens=256)
    thinking = plain.model_copy(update={"reasoning_tokens": 2000})
    as_output = plain.model_copy(update={"output_tokens": 2256})
    r, same = estimate(thinking, CAT), estimate(as_output, CAT)
    assert r.usd_per_request == same.usd_per_request  # decoded over the longer context, billed as output
    assert r.kv_bytes_per_request == same.kv_bytes_per_request
    assert r.usd_per_request > estimate(plain, CAT).usd_per_request


# ----------------------------------------------------------------------------- the pages' analyses
def test_context_parallel_curve_prices_from_the_first_size_that_fits():
    from costmodel.analysis.long_context import context_parallel_curve

    df = context_parallel_curve(Scenario(model="llama-3.1-70b", gpus=4, weight_bits=8), 1_000_000, (1, 2, 4),
                                catalog=CAT)
    assert df["gpus"].tolist() == [4, 8, 16]
    assert df["fits"].tolist() == [False, True, True]
    assert math.isnan(df["usd_per_request"].iloc[0]) and df["usd_per_request"].iloc[1] > 0
    assert df["ring_kv_bytes_per_gpu"].iloc[1] == pytest.approx(0.5 * 1_000_000 * 327680 / 4)


def test_reasoning_comparison_bills_thinking_as_output():
    from costmodel.analysis.long_context import reasoning_comparison

    df = reasoning_comparison(Scenario(output_tokens=300), 3000, CAT)
    assert df["billed_output_tokens"].tolist() == [300, 3300]
    same = estimate(Scenario(output_tokens=3300), CAT).usd_per_request
    assert df["usd_per_request"].iloc[1] == pytest.approx(same, rel=1e-12)


def test_reasoning_comparison_rows_are_the_two_requests_estimates():
    """Both rows come from one vectorised engine pass: each must be what estimate() gives its own request (each
    point planned on its own), also when the scenario already carries thinking tokens (the plain row has none)."""
    from costmodel.analysis.long_context import reasoning_comparison

    for base in (Scenario(output_tokens=300, reasoning_tokens=1000), Scenario(model="deepseek-v3", gpus=16),
                 Scenario(min_tokens_per_second_per_user=30, max_ttft_seconds=1)):
        df = reasoning_comparison(base, 5000, CAT)
        for row, r_tokens in zip(df.itertuples(), (0, 5000), strict=True):
            r = estimate(base.model_copy(update={"reasoning_tokens": r_tokens}), CAT)
            assert row.reasoning_tokens == r_tokens and row.billed_output_tokens == base.output_tokens + r_tokens
            assert row.fits == r.fits
            for got, want in ((row.usd_per_request, r.usd_per_request),
                              (row.gpu_seconds_per_request, r.gpu_seconds_per_request),
                              (row.kv_bytes_per_request, r.kv_bytes_per_request),
                              (row.seconds_to_answer, r.ttft_seconds + (base.output_tokens + r_tokens) * r.tpot_seconds)):
                assert got == pytest.approx(want, rel=1e-12)


def test_a_workload_carries_its_reasoning_share_of_the_output():
    from costmodel.errors import CostModelError
    from costmodel.workloads.workload import from_arrays

    w = from_arrays("w", [100, 200], [500, 50], reasoning_tokens=[400, 0])
    assert w.summary()["reasoning_tokens"] == 400 and w.summary()["output_tokens"] == 550
    assert "reasoning_tokens" not in from_arrays("w", [1], [1]).summary()
    with pytest.raises(CostModelError, match="part of it"):
        from_arrays("w", [100], [50], reasoning_tokens=[60])


def test_estimate_json_has_the_energy_keys_and_stays_strict_json(capsys):
    import json

    from costmodel.cli.main import main

    assert main(["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("joules_per_output_token", "joules_per_input_token", "usd_energy_per_million_output_tokens"):
        assert d[key] > 0
    assert main(["estimate", "--model", "llama-3.1-8b", "--gpu", "tpu-v5e", "--json"]) == 0
    d = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert d["joules_per_output_token"] is None and d["usd_per_request"] > 0
