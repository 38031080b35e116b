"""DeepSeek Sparse Attention (DeepSeek-V3.2) against hand-computed values (costmodel.engine.attention)."""

import numpy as np
import pytest

from costmodel.catalog.loader import load_catalog
from costmodel.engine import attention

CAT = load_catalog()
V32, V3 = CAT.model("deepseek-v3.2"), CAT.model("deepseek-v3")
# MLA's MQA (absorbed) mode per pair: 2 x 128 x (512 + 64) + 2 x 128 x 512 = 278,528 FLOPs
ABSORBED = 2 * 128 * 576 + 2 * 128 * 512
INDEXER = 2 * 64 * 128  # 16,384 FLOPs per pair: 64 indexer heads x 128


def test_catalog_carries_the_published_indexer():
    assert (V32.sparse_attention_top_k, V32.indexer_heads, V32.indexer_head_dim) == (2048, 64, 128)
    assert V3.sparse_attention_top_k == 0 and attention.indexer_flops_per_pair(V3) == 0.0
    assert attention.indexer_flops_per_pair(V32) == INDEXER


def test_sparse_attention_runs_the_absorbed_form_in_prefill_too():
    assert attention.attention_flops_per_pair(V32, decode=False) == ABSORBED
    assert attention.attention_flops_per_pair(V32, decode=True) == ABSORBED
    # dense MLA prefills in the expanded form: 2 x 128 x 192 + 2 x 128 x 128
    assert attention.attention_flops_per_pair(V3, decode=False) == 2 * 128 * 192 + 2 * 128 * 128


def test_sparse_prefill_pairs_cap_each_query_at_top_k():
    got = attention.sparse_prefill_pairs(np.array([2048.0, 4096.0, 100.0]), np.array([0.0, 0.0, 10_000.0]), 2048.0)
    # 2k prompt: no query reaches k, n^2/2; 4k: 2048^2/2 + 2048 x 2048; 100 queries after 10k cached: 100 x 2048
    assert got.tolist() == [2048 * 2048 / 2, 2048 * 2048 / 2 + 2048 * 2048, 100 * 2048]


def test_sparse_prefill_flops_add_the_indexer_over_every_causal_pair():
    n, c = np.array(4096.0), np.array(0.0)
    want = 61 * (ABSORBED * (2048 * 2048 / 2 + 2048 * 2048) + INDEXER * 4096 * 4096 / 2)
    assert float(attention.prefill_attention_flops(V32, n, c)) == pytest.approx(want)


def test_sparse_decode_attends_top_k_and_indexes_the_whole_context():
    # at 10,000 tokens: 61 x (278,528 x 2,048 + 16,384 x 10,000) = 44,790,185,984 FLOPs per token
    got = float(attention.decode_attention_flops_per_token(V32, np.array(10_000.0)))
    assert got == pytest.approx(61 * (ABSORBED * 2048 + INDEXER * 10_000)) == pytest.approx(44_790_185_984)
    # below the top-k every token is attended: the dense absorbed cost plus the indexer
    short = float(attention.decode_attention_flops_per_token(V32, np.array(1000.0)))
    assert short == pytest.approx(61 * 1000 * (ABSORBED + INDEXER))


def test_long_context_decode_is_cheaper_with_sparse_attention():
    # same dimensions otherwise: at 64k tokens V3.2 attends 2,048 per query, V3 all 64k
    long = np.array(65_536.0)
    assert attention.decode_attention_flops_per_token(V32, long) < 0.15 * attention.decode_attention_flops_per_token(V3, long)


def test_a_cached_token_costs_its_share_of_the_capped_pairs_and_the_indexer():
    # 100 new tokens after 10,000 cached, top-k 2,048: the prefix adds 100 x 2,048 - 100^2 / 2 = 199,800 pairs,
    # 19.98 per cached token, and the indexer scores each cached token for all 100 new ones
    got = float(attention.prefix_attention_flops_per_cached_token(V32, np.array(100.0), np.array(10_000.0)))
    assert got == pytest.approx(61 * (ABSORBED * 199_800 / 10_000 + INDEXER * 100))
    # dense attention: every new token attends every cached one, whatever the prefix length
    dense = float(attention.prefix_attention_flops_per_cached_token(V3, np.array(100.0), np.array(10_000.0)))
    assert dense == attention.attention_flops_per_pair(V3, decode=False) * 61 * 100


def test_flashmla_sparse_prefill_pads_heads_per_rank_to_the_kernel_multiple():
    # 128 heads: TP1 128 (no padding), TP2 64 -> 128 (2x), TP8 16 -> 128 (8x); data-parallel attention keeps all 128
    tp = np.array([1.0, 2.0, 8.0, 2.0])
    dp = np.array([False, False, False, True])
    assert attention.sparse_prefill_head_padding(128, tp, dp, 128).tolist() == [1.0, 2.0, 8.0, 1.0]
    assert attention.sparse_prefill_head_padding(128, tp, dp, 64).tolist() == [1.0, 1.0, 4.0, 1.0]  # Hopper's 64
    assert attention.sparse_prefill_head_padding(128, tp, dp, 0).tolist() == [1.0] * 4  # off


def test_flashmla_sparse_prefill_computes_every_top_k_slot():
    # 2,048 new tokens, no cache, heads padded 2x: 61 layers x (278,528 x 2 x 2,048 x 2,048 + indexer over the
    # 2,048^2 / 2 causal pairs); the attention term is 4x the plain sparse one (n k = 2 x n^2/2, and 2x heads)
    n = 2048.0
    got = float(attention.padded_sparse_prefill_attention_flops(V32, n, 0.0, 2.0))
    assert got == pytest.approx(61 * (ABSORBED * 2 * n * 2048 + INDEXER * n * n / 2), rel=1e-12)
    plain = float(attention.prefill_attention_flops(V32, np.array(n), np.array(0.0)))
    assert got - 61 * INDEXER * n * n / 2 == pytest.approx(4 * (plain - 61 * INDEXER * n * n / 2), rel=1e-12)
    # a query past its first 2,048 tokens attends 2,048 either way: with no padding only the short ones differ
    long = float(attention.padded_sparse_prefill_attention_flops(V32, 100.0, 10_000.0, 1.0))
    assert long == pytest.approx(float(attention.prefill_attention_flops(V32, np.array(100.0), np.array(10_000.0))))


def test_padded_sparse_prefill_slows_a_tp2_deepseek_v32_prefill_most():
    import dataclasses

    from costmodel import Scenario, estimate

    def prefill(gpu, multiple, dp=False):
        s = Scenario(model="deepseek-v3.2", gpu=gpu, gpus=2, tensor_parallel=2, weight_bits=4, kv_bits=8,
                     prompt_tokens=2048, output_tokens=1, attention_data_parallel=dp)
        fam = CAT.gpu(gpu).family
        eff = dict(CAT.efficiency)
        eff[fam] = eff[fam].model_copy(update={"sparse_prefill_head_multiple": multiple})
        return estimate(s, catalog=dataclasses.replace(CAT, efficiency=eff)).prefill_seconds_per_request

    # data/efficiency.yaml: Blackwell's FlashMLA pads to 128; Hopper keeps the plain sparse FLOPs (not measured)
    assert CAT.efficiency["blackwell"].sparse_prefill_head_multiple == 128
    assert CAT.efficiency["hopper"].sparse_prefill_head_multiple == 0
    tp_slowdown = prefill("gb300", 128) / prefill("gb300", 0)
    # data-parallel attention holds all 128 heads a rank (no padding) but still computes every top-k slot
    dp_slowdown = prefill("gb300", 128, dp=True) / prefill("gb300", 0, dp=True)
    assert tp_slowdown > dp_slowdown > 1.0 and tp_slowdown > 1.2
