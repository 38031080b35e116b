"""costmodel.analysis.teaching by hand: DeepSeek-V3's MLA cache, Llama's GQA cache, expert coverage, attention share."""

import numpy as np
import pytest

from costmodel import Scenario, load_catalog
from costmodel.analysis import teaching

CAT = load_catalog()


def test_mla_explains_deepseek_v3s_70272_bytes_per_token():
    t = teaching.kv_terms(CAT.model("deepseek-v3"), 16)
    assert (t.layers, t.values_per_layer, t.bytes_per_value, t.terms) == (61, 576, 2.0, "512 + 64")
    assert t.bytes_per_token == 61 * (512 + 64) * 2 == 70_272 == CAT.model("deepseek-v3").kv_bytes_per_token(16)


def test_gqa_terms_match_the_engine():
    m = CAT.model("llama-3.1-70b")
    t = teaching.kv_terms(m, 8)
    assert t.terms == "2 × 8 × 128" and t.bytes_per_token == 80 * 2 * 8 * 128 * 1 == m.kv_bytes_per_token(8)


def test_expert_coverage_is_k_over_e_for_one_token_and_nearly_all_for_a_big_batch():
    m = CAT.model("deepseek-v3")  # 8 of 256 experts
    c = teaching.expert_coverage(m, np.array([1, 2, 1000]))
    assert c[0] == pytest.approx(8 / 256)
    assert c[1] == pytest.approx(1 - (1 - 8 / 256) ** 2)
    assert c[2] > 0.999
    assert teaching.expert_coverage(CAT.model("llama-3.1-8b"), np.array([1, 64])).tolist() == [1.0, 1.0]


def test_attention_share_grows_with_the_prompt_and_cached_tokens_cost_more_at_long_context():
    m = CAT.model("llama-3.1-70b")
    s = 100_000
    attention = 4 * 80 * 64 * 128 * s * (s / 2)
    linear = 2 * m.active_params() * s
    assert teaching.attention_share_of_prefill(m, s) == pytest.approx(attention / (attention + linear))
    assert teaching.attention_share_of_prefill(m, 2048) < 0.05 < 0.4 < teaching.attention_share_of_prefill(m, s)
    long, short = (teaching.cached_vs_uncached(Scenario(), CAT, n) for n in (100_000, 2048))
    assert long.cached_over_uncached > 3 * short.cached_over_uncached  # the cache saves less at long context
    assert 0 < long.cached_usd_per_m < long.uncached_usd_per_m
