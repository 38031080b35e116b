"""Parameter counts, KV-cache bytes and weight memory computed from the catalog's architectures."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel.catalog.loader import load_catalog

CATALOG = load_catalog()
MODEL_IDS = sorted(CATALOG.models)


# ------------------------------------------------------------------ published totals
@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_total_params_within_2_percent_of_published(model_id: str):
    m = CATALOG.model(model_id)
    computed = float(m.total_params()) / 1e9
    assert computed == pytest.approx(m.published_total_params_b, rel=0.02), (
        f"{model_id}: computed {computed:.2f}B vs published {m.published_total_params_b}B"
    )


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_active_params_within_2_percent_of_published(model_id: str):
    m = CATALOG.model(model_id)
    computed = m.active_params_as_published() / 1e9
    assert computed == pytest.approx(m.published_active_params_b, rel=0.02), (
        f"{model_id}: computed {computed:.2f}B vs published {m.published_active_params_b}B"
    )


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_structure_is_consistent(model_id: str):
    m = CATALOG.model(model_id)
    total, active, matmul = (
        float(m.total_params()),
        float(m.active_params()),
        float(m.matmul_params_per_token()),
    )
    assert matmul < active <= total
    assert (active < total) == m.is_moe
    # untied: the input table is looked up, not multiplied
    if not m.tie_word_embeddings:
        assert active - matmul == pytest.approx(m.vocab_size * m.hidden_size)
    if m.is_moe:
        assert float(m.routed_expert_params_per_layer()) == pytest.approx(m.num_experts * m.params_per_expert)


def test_hand_counted_llama_3_1_8b():
    m = CATALOG.model("llama-3.1-8b")
    d, L, V = 4096, 32, 128256
    attn = d * d * 2 + 2 * d * 8 * 128  # q, o and grouped k, v
    ffn = 3 * d * 14336
    expected = L * (attn + ffn + 2 * d) + d + 2 * V * d
    assert float(m.total_params()) == expected == 8_030_261_248


def test_hand_counted_deepseek_v3_attention():
    m = CATALOG.model("deepseek-v3")
    q = 7168 * 1536 + 1536 * 128 * 192
    kv = 7168 * (512 + 64) + 512 * 128 * (128 + 128)
    o = 128 * 128 * 7168
    assert m.attention_params_per_layer == q + kv + o
    assert m.dense_layers == 3 and m.moe_layers == 58


def test_maverick_interleaves_dense_and_moe_layers():
    m = CATALOG.model("llama-4-maverick")
    assert (m.moe_layers, m.dense_layers) == (24, 24)
    assert m.dense_ffn_params_per_layer == 3 * 5120 * 16384
    assert m.params_per_expert == 3 * 5120 * 8192
    assert m.shared_expert_params_per_layer == m.params_per_expert


def test_mha_and_non_gated_models():
    assert CATALOG.model("llama-2-13b").num_kv_heads == CATALOG.model("llama-2-13b").num_attention_heads
    gptj = CATALOG.model("gpt-j-6b")
    assert gptj.num_kv_heads == gptj.num_attention_heads and not gptj.ffn_gated
    assert gptj.dense_ffn_params_per_layer == 2 * 4096 * 16384


def test_expert_count_sweeps_are_vectorised():
    m = CATALOG.model("mixtral-8x7b")
    e = np.array([4, 8, 16])
    totals = m.total_params(experts_total=e)
    assert totals.shape == (3,)
    assert totals[1] == pytest.approx(float(m.total_params()))
    assert np.all(np.diff(totals) > 0)
    active = m.active_params(experts_active=np.array([1, 2]))
    assert active[1] == pytest.approx(float(m.active_params()))


# ------------------------------------------------------------------ KV cache
@pytest.mark.parametrize(
    ("model_id", "bytes_per_token"),
    [
        ("llama-3.1-70b", 327_680),  # 2 * 80 layers * 8 heads * 128 * 2 bytes
        ("llama-3.1-8b", 131_072),  # 2 * 32 * 8 * 128 * 2
        ("deepseek-v3", 70_272),  # 61 * (512 + 64) * 2
        ("llama-2-13b", 819_200),  # MHA: 2 * 40 * 40 * 128 * 2
        ("mixtral-8x7b", 131_072),
    ],
)
def test_kv_bytes_per_token_at_16_bits(model_id: str, bytes_per_token: int):
    assert float(CATALOG.model(model_id).kv_bytes_per_token(16)) == bytes_per_token


def test_kv_bytes_scale_with_bits():
    m = CATALOG.model("llama-3.1-70b")
    assert float(m.kv_bytes_per_token(8)) == 163_840
    assert np.allclose(m.kv_bytes_per_token(np.array([16, 8, 4])), [327_680, 163_840, 81_920])


@pytest.mark.parametrize("model_id", ["gpt-oss-120b", "gpt-oss-20b", "llama-4-scout", "llama-4-maverick"])
def test_sliding_window_layers_hold_at_most_the_window(model_id: str):
    m = CATALOG.model(model_id)
    assert m.sliding_window and 0 < m.sliding_window_layers < m.num_layers
    per_layer = float(m.kv_bytes_per_token_per_layer(16))
    w = m.sliding_window
    for c in (w // 2, w, 10 * w, 100_000):
        held = float(m.kv_bytes_for_context(c, 16))
        expected = (m.full_attention_layers * c + m.sliding_window_layers * min(c, w)) * per_layer
        assert held == pytest.approx(expected)
        assert held <= c * float(m.kv_bytes_per_token(16)) + 1e-6
    # beyond the window, each extra token only adds to the full-attention layers
    extra = float(m.kv_bytes_for_context(2 * w + 1000, 16) - m.kv_bytes_for_context(2 * w, 16))
    assert extra == pytest.approx(1000 * m.full_attention_layers * per_layer)


def test_gpt_oss_and_llama4_window_layouts():
    oss = CATALOG.model("gpt-oss-120b")
    assert (oss.sliding_window, oss.sliding_window_layers) == (128, 18)
    scout = CATALOG.model("llama-4-scout")
    assert (scout.sliding_window, scout.sliding_window_layers) == (8192, 36)
    # at 128k context the window layers of gpt-oss hold almost nothing
    c = 131_072
    assert float(oss.kv_bytes_for_context(c, 16)) == pytest.approx((18 * c + 18 * 128) * 2 * 8 * 64 * 2)
    assert float(oss.attended_context(c)) == pytest.approx((18 * c + 18 * 128) / 36)


def test_dense_model_context_is_linear():
    m = CATALOG.model("llama-3.1-70b")
    assert float(m.kv_bytes_for_context(1000, 16)) == 1000 * 327_680
    assert float(m.attended_context(5000)) == 5000


# ------------------------------------------------------------------ weight memory
@pytest.mark.parametrize(
    ("model_id", "bits", "gb"),
    [
        ("llama-3.1-8b", 16, 16.06),  # 8.03B * 2 bytes
        ("llama-3.1-70b", 16, 141.1),  # does not fit one 80 GB GPU at bf16
        ("llama-3.1-70b", 4, 35.3),
        ("llama-3.1-405b", 8, 405.9),
        ("deepseek-v3", 8, 671.0),  # its native FP8 release, without block scales
        ("mixtral-8x7b", 16, 93.4),
        ("gpt-oss-120b", 4, 58.4),  # all at 4 bits; the real checkpoint keeps ~2% at bf16
    ],
)
def test_weight_memory_examples(model_id: str, bits: int, gb: float):
    m = CATALOG.model(model_id)
    assert float(m.total_params()) * bits / 8 / 1e9 == pytest.approx(gb, rel=0.002)


def test_native_weight_bits():
    assert CATALOG.model("gpt-oss-120b").native_weight_bits == 4
    assert CATALOG.model("deepseek-v3").native_weight_bits == 8
    assert CATALOG.model("llama-3.1-70b").native_weight_bits == 16
