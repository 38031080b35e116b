"""Pricing as providers bill it (issue 14): one test per semantic, from the provider's documented numbers.

Sources, as summarised in shared/reference/pricing-semantics.md and docs/pricing.md:
Gemini and OpenAI batch tables (cached input "same as Standard"), Anthropic prompt caching
(1.25x 5-minute / 2x 1-hour writes, minimum cacheable prompt by model), Gemini
usageMetadata.thoughtsTokenCount, DeepSeek off-peak UTC 16:30-00:30, Anthropic's 5-hour
sessions plus a weekly limit, GitHub Copilot premium requests ($0.04, multipliers, fallback),
RunPod per-second and Hugging Face per-minute endpoints, Fireworks size bands.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from costmodel.pricing.base import CostContext
from costmodel.pricing.billing import bill, make_scheme
from costmodel.pricing.prices import provider_scheme
from costmodel.workloads.usage_log import load_usage_log_bytes


def chunk(prompt, output, cached=0, writes=0, writes_1h=None, ts=None, user=None):
    n = len(np.atleast_1d(prompt))
    c = {
        "prompt_tokens": np.broadcast_to(np.asarray(prompt, float), (n,)).copy(),
        "output_tokens": np.broadcast_to(np.asarray(output, float), (n,)).copy(),
        "cached_tokens": np.broadcast_to(np.asarray(cached, float), (n,)).copy(),
        "cache_write_tokens": np.broadcast_to(np.asarray(writes, float), (n,)).copy(),
        "timestamp": np.zeros(n) if ts is None else np.asarray(ts, float),
        "user": np.zeros(n, dtype=np.int64) if user is None else np.asarray(user, dtype=np.int64),
        "um_tokens": np.ones(n),  # the user-month totals bill() adds (the fee's spread; unused at fee 0)
    }
    if writes_1h is not None:
        c["cache_write_1h_tokens"] = np.broadcast_to(np.asarray(writes_1h, float), (n,)).copy()
    return c


def revenue(scheme, c, ctx=None):
    rev, _ = scheme.revenue(c, ctx or CostContext(), {})
    return rev


def utc(*args) -> float:
    return dt.datetime(*args, tzinfo=dt.UTC).timestamp()


# ----------------------------------------------------------------------------- batch
def test_gemini_batch_keeps_cached_input_at_the_standard_rate():
    # Gemini 3.1 Pro: $2 / $0.20 cached / $12; batch halves input and output, caching "same as Standard".
    # 100,000-token prompt, 80% cached, 1,000 output: 20,000 x $1 + 80,000 x $0.20 + 1,000 x $6 = $0.042
    s = provider_scheme("google/gemini-3.1-pro-preview", batch=True)
    got = revenue(s, chunk(100_000, 1_000, cached=80_000))[0]
    assert got == pytest.approx(0.042)
    assert got != pytest.approx(0.034)  # the old bill, with the cached input halved too


def test_openai_batch_cached_input_and_anthropic_stacking():
    # gpt-4.1: the Batch table has no cached rate -> cached stays $0.50; input $1, output $4 in batch
    s = provider_scheme("openai/gpt-4.1", batch=True)
    assert revenue(s, chunk(1_000_000, 0, cached=1_000_000))[0] == pytest.approx(0.50)
    assert revenue(s, chunk(1_000_000, 1_000_000))[0] == pytest.approx(1 + 4)
    # gpt-5 family: batch halves cached input too ($0.125 -> $0.0625)
    assert revenue(provider_scheme("openai/gpt-5", batch=True), chunk(1_000_000, 0, cached=1_000_000))[0] == (
        pytest.approx(0.0625))
    # Anthropic: the batch discount stacks with caching: Haiku 4.5 cache read $0.10 -> $0.05
    a = provider_scheme("anthropic/claude-haiku-4.5", batch=True)
    assert revenue(a, chunk(1_000_000, 0, cached=1_000_000))[0] == pytest.approx(0.05)


# ----------------------------------------------------------------------------- thinking tokens
def test_gemini_thoughts_token_count_is_billed_as_output():
    rec = {"usageMetadata": {"promptTokenCount": 1_000, "candidatesTokenCount": 100, "thoughtsTokenCount": 400,
                             "totalTokenCount": 1_500}}
    w = load_usage_log_bytes((json.dumps(rec) + "\n").encode(), "gemini.jsonl")
    assert w.output_tokens.tolist() == [500]  # was read as 100
    # Gemini 2.5 Flash: $0.30 in, $2.50 out (thinking included)
    s = provider_scheme("google/gemini-2.5-flash")
    assert bill(w, [s], costs=([0.0], [0.0])).schemes[0].revenue_usd == pytest.approx(
        (1_000 * 0.30 + 500 * 2.50) / 1e6)
    # OpenAI reports reasoning INSIDE completion_tokens: not added twice
    oai = {"usage": {"prompt_tokens": 1_000, "completion_tokens": 500,
                     "completion_tokens_details": {"reasoning_tokens": 400}}}
    assert load_usage_log_bytes((json.dumps(oai) + "\n").encode(), "o.jsonl").output_tokens.tolist() == [500]


# ----------------------------------------------------------------------------- cache writes
def test_anthropic_5_minute_and_1_hour_writes_from_the_usage_record():
    # Sonnet 4.5: $3 input, 5-minute write 1.25x = $3.75, 1-hour write 2x = $6, read 0.1x = $0.30
    rec = {"usage": {"input_tokens": 1_000, "cache_read_input_tokens": 20_000, "cache_creation_input_tokens": 30_000,
                     "cache_creation": {"ephemeral_5m_input_tokens": 10_000, "ephemeral_1h_input_tokens": 20_000},
                     "output_tokens": 500}}
    w = load_usage_log_bytes((json.dumps(rec) + "\n").encode(), "anthropic.jsonl")
    assert (w.prompt_tokens[0], w.cache_write_tokens[0], w.cache_write_1h_tokens[0]) == (51_000, 30_000, 20_000)
    s = provider_scheme("anthropic/claude-sonnet-4.5")
    got = bill(w, [s], costs=([0.0], [0.0])).schemes[0].revenue_usd
    assert got == pytest.approx((1_000 * 3 + 20_000 * 0.30 + 10_000 * 3.75 + 20_000 * 6 + 500 * 15) / 1e6)
    # ':1h' on --provider-price bills every write at the 1-hour price
    s1h = provider_scheme("anthropic/claude-sonnet-4.5", cache_ttl="1h")
    assert revenue(s1h, chunk(10_000, 0, writes=10_000))[0] == pytest.approx(10_000 * 6 / 1e6)


def test_minimum_cacheable_prompt_per_model():
    # Anthropic Opus 4.5: 4,096 tokens; below it nothing is cached (every token at $5, none at $0.50)
    opus = provider_scheme("anthropic/claude-opus-4.5")
    assert opus.min_cacheable_tokens == 4_096
    assert revenue(opus, chunk(4_000, 0, cached=3_000))[0] == pytest.approx(4_000 * 5 / 1e6)
    assert revenue(opus, chunk(4_096, 0, cached=3_000))[0] == pytest.approx((1_096 * 5 + 3_000 * 0.5) / 1e6)
    # Sonnet 4.5: 1,024; Gemini 2.5 Pro: 4,096; OpenAI: 1,024
    assert provider_scheme("anthropic/claude-sonnet-4.5").min_cacheable_tokens == 1_024
    assert provider_scheme("google/gemini-2.5-pro").min_cacheable_tokens == 4_096
    assert provider_scheme("openai/gpt-4o").min_cacheable_tokens == 1_024


@pytest.mark.parametrize("pid, input_usd", [("openai/gpt-4.1", 2.0), ("google/gemini-2.5-pro", 1.25),
                                            ("deepseek/deepseek-chat", 0.28)])
def test_no_write_premium_outside_anthropic(pid, input_usd):
    # OpenAI, Gemini and DeepSeek bill a prompt written to the cache at the plain input price
    s = provider_scheme(pid)
    assert revenue(s, chunk(10_000, 0, writes=10_000, writes_1h=5_000))[0] == pytest.approx(10_000 * input_usd / 1e6)


# ----------------------------------------------------------------------------- off-peak windows
def test_deepseek_off_peak_applies_by_the_request_timestamp():
    # DeepSeek R1, early 2025: $0.55 miss / $0.14 hit / $2.19 out; 75% off in UTC 16:30-00:30 ($0.035 hit)
    s = provider_scheme("deepseek/deepseek-reasoner-r1-2025", as_of=dt.date(2025, 3, 1))
    ts = [utc(2025, 3, 3, 16, 29, 59), utc(2025, 3, 3, 16, 30), utc(2025, 3, 4, 0, 29, 59), utc(2025, 3, 4, 0, 30)]
    got = revenue(s, chunk([1_000_000] * 4, 1_000_000, ts=ts))
    peak, off = 0.55 + 2.19, 0.135 + 0.55
    assert got == pytest.approx([peak, off, off, peak])
    hits = revenue(s, chunk([1_000_000] * 2, 0, cached=1_000_000, ts=ts[:2]))
    assert hits == pytest.approx([0.14, 0.035])
    # an unknown timestamp (0) is not assumed to be off-peak
    assert revenue(s, chunk(1_000_000, 1_000_000))[0] == pytest.approx(peak)


# ----------------------------------------------------------------------------- subscriptions
def test_anthropic_five_hour_window_from_the_first_message_and_a_weekly_limit_at_once():
    # 5-hour sessions opened by the first message (09:30-14:30, then 14:31-19:31); a fixed 5-hour grid
    # would cut the first session in two. Allowance: 3 requests a session, 5 a week (hard caps).
    sub = make_scheme("subscription", allowance_unit="requests", allowance=3, window="5h",
                      window_start="first-message", over_limit="hard-cap", monthly_fee_usd=0,
                      extra_windows=[{"window": "week", "allowance": 5}])
    day = (2026, 6, 2)  # a Tuesday
    ts = [utc(*day, 9, 30), utc(*day, 10, 30), utc(*day, 14, 29),   # session 1: 3 requests, all fit
          utc(*day, 14, 31), utc(*day, 15, 0),                     # session 2 opens at 14:31
          utc(*day, 15, 10), utc(*day, 20, 0)]                     # week's 6th and 7th: over the weekly limit
    _, served = sub.revenue(chunk([100] * 7, 10, ts=ts), CostContext(), {})
    assert served.tolist() == [True, True, True, True, True, False, False]
    fixed = make_scheme("subscription", allowance_unit="requests", allowance=3, window="5h",
                        over_limit="hard-cap", monthly_fee_usd=0)
    _, served_fixed = fixed.revenue(chunk([100] * 4, 10, ts=ts[:4]), CostContext(), {})
    assert served_fixed.tolist() == [True, True, True, True]  # the grid splits them: no window holds 4


def test_copilot_premium_requests_overage_multiplier_and_fallback():
    # GitHub Copilot Pro: $10/month with 300 premium requests; $0.04 per extra premium request.
    copilot = dict(monthly_fee_usd=10, allowance_unit="requests", allowance=300, window="month",
                   overage_input_usd_per_m=0, overage_output_usd_per_m=0, overage_usd_per_request=0.04)
    ts = utc(2026, 6, 2, 12) + np.arange(400) * 60.0
    w = {"prompt_tokens": np.full(400, 1_000.0), "output_tokens": np.full(400, 200.0), "timestamp": ts}
    r = bill(w, [make_scheme("subscription", **copilot)], costs=([0.001], [1.0]))
    assert r.schemes[0].revenue_usd == pytest.approx(10 + 100 * 0.04)  # = $14
    # a model with a 10x multiplier: 40 requests use the 300 + 100 premium requests
    ctx = CostContext(model="big-model")
    multi = make_scheme("subscription", **copilot, model_multipliers={"big-model": 10})
    w40 = {k: v[:40] for k, v in w.items()}
    r10 = bill(w40, [multi], costs=([0.001], [1.0]), context=ctx)
    assert r10.schemes[0].revenue_usd == pytest.approx(14)
    # hard cap refuses the 100 extra requests; fallback serves them on a base model at a tenth of the cost
    cap = bill(w, [make_scheme("subscription", **copilot | {"over_limit": "hard-cap"})], costs=([0.001], [1.0]))
    fb = bill(w, [make_scheme("subscription", **copilot | {"over_limit": "fallback"})], costs=([0.001], [1.0]))
    assert (cap.schemes[0].refused_requests, fb.schemes[0].refused_requests) == (100, 0)
    assert fb.schemes[0].revenue_usd == pytest.approx(10)
    assert fb.schemes[0].cost_usd == pytest.approx(300 * 0.001 + 100 * 0.001 * 0.1)


# ----------------------------------------------------------------------------- compute time
def test_provisioned_wall_clock_per_second_idle_included():
    # RunPod bills per second from start to stop; an H100 SXM (community) at $2.69/h, one GPU.
    s = make_scheme("compute-time", billing="provisioned", granularity_s=1, usd_per_gpu_hour=2.69, markup=1.0,
                    provisioned_gpus=1)
    t0 = utc(2026, 6, 2, 12)
    c = chunk([1_000] * 3, 100, ts=[t0, t0 + 300.2, t0 + 600])  # 10 minutes up, mostly idle
    c["gpu_seconds"] = np.full(3, 0.5)  # 1.5 GPU-seconds of work: 'used' billing would charge almost nothing
    rev = revenue(s, c)
    assert rev.sum() == pytest.approx(600 * 2.69 / 3600)
    used = make_scheme("compute-time", usd_per_gpu_hour=2.69, markup=1.0)
    assert revenue(used, c).sum() == pytest.approx(1.5 * 2.69 / 3600)


def test_provisioned_per_minute_rounds_up_and_carries_across_chunks():
    # Hugging Face Inference Endpoints bill per minute: 90.5 s up is billed as 2 minutes
    s = make_scheme("compute-time", billing="provisioned", granularity_s=60, usd_per_gpu_hour=3.6, markup=1.0,
                    provisioned_gpus=2)
    t0 = utc(2026, 6, 2, 12)
    state: dict = {}
    first, _ = s.revenue(chunk(1_000, 100, ts=[t0]), CostContext(), state)
    second, _ = s.revenue(chunk(1_000, 100, ts=[t0 + 90.5]), CostContext(), state)
    assert first.sum() + second.sum() == pytest.approx(2 * 120 * 3.6 / 3600)  # 2 GPUs x 120 s


# ----------------------------------------------------------------------------- size bands
FIREWORKS = [{"max_params_b": 16, "input_usd_per_m": 0.20}, {"max_params_b": 80, "input_usd_per_m": 0.90}]


@pytest.mark.parametrize("total_b, active_b, usd", [(8.0, 8.0, 0.20), (70.6, 70.6, 0.90), (46.7, 12.9, 0.90)])
def test_fireworks_size_bands_by_total_parameters(total_b, active_b, usd):
    # up to 16B $0.20/M, 16.1B-80B $0.90/M; Mixtral 8x7B (46.7B total, 12.9B active) bands by its TOTAL size
    s = make_scheme("capability-tier", size_bands=FIREWORKS)
    ctx = CostContext(total_params=total_b * 1e9, active_params=active_b * 1e9)
    assert revenue(s, chunk(1_000_000, 0), ctx)[0] == pytest.approx(usd)


def test_moe_models_use_the_moe_bands_when_published():
    bands = FIREWORKS + [{"max_params_b": 56, "input_usd_per_m": 0.50, "moe": True},
                         {"max_params_b": 176, "input_usd_per_m": 1.20, "moe": True}]
    s = make_scheme("capability-tier", size_bands=bands)
    mixtral = CostContext(total_params=46.7e9, active_params=12.9e9)
    big = CostContext(total_params=141e9, active_params=39e9)  # Mixtral 8x22B
    assert revenue(s, chunk(1_000_000, 0), mixtral)[0] == pytest.approx(0.50)
    assert revenue(s, chunk(1_000_000, 0), big)[0] == pytest.approx(1.20)
