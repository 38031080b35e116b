"""Published quality figures: every one has a source and a date, none is invented for a missing pair."""

import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis.levers import lever_steps
from costmodel.catalog.quality import (
    NO_FIGURE,
    kv_quality_note,
    load_quality,
    shipped_quality,
    weight_quality_note,
)
from costmodel.errors import CatalogError, CostModelError


def test_every_figure_names_a_catalog_model_a_source_and_a_date():
    data = shipped_quality()
    models = set(load_catalog().models)
    assert data.weights and data.kv_cache
    for q in data.weights:
        assert q.model in models
        assert q.source and q.date
    for q in data.kv_cache:
        assert q.source and q.date and q.note


def test_the_transcribed_llama_pairs():
    q = shipped_quality().for_weights("llama-3.1-70b", 8)[0]
    assert q.change_points == pytest.approx(84.29 - 84.40)
    assert "RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8" in weight_quality_note("llama-3.1-70b", 8)
    assert "-1.75 points" in weight_quality_note("llama-3.1-8b", 4)


def test_no_figure_is_said_so():
    assert weight_quality_note("mixtral-8x7b", 4) == NO_FIGURE
    assert kv_quality_note(8) == NO_FIGURE
    assert "reference" in weight_quality_note("llama-3.1-70b", 16)


def test_kv_bits_below_four_each_carry_a_published_note():
    for bits in (2, 3):
        note = kv_quality_note(bits)
        assert note != NO_FIGURE and "arXiv" in note


def test_two_bit_kv_cache_is_an_eighth_of_sixteen_and_fits_more_requests():
    cat = load_catalog()
    s16, s2 = Scenario(kv_bits=16, prompt_tokens=32768), Scenario(kv_bits=2, prompt_tokens=32768)
    r16, r2 = estimate(s16, cat), estimate(s2, cat)
    assert r2.kv_bytes_per_token == pytest.approx(r16.kv_bytes_per_token / 8)
    assert r2.max_concurrency > r16.max_concurrency
    with pytest.raises(CostModelError, match="kv_bits must be one of"):
        from costmodel import estimate_arrays
        estimate_arrays(Scenario(), cat, kv_bits=[1, 4])


def test_lever_table_sets_the_accuracy_beside_the_saving():
    steps = lever_steps(Scenario(weight_bits=8, kv_bits=3))
    row = steps.set_index("lever")
    assert "84.29" in row.loc["weight_bits", "accuracy"]
    assert "KVQuant" in row.loc["kv_bits", "accuracy"]
    assert row.loc["flash_attention", "accuracy"] == ""


def test_a_bad_file_names_the_field(tmp_path):
    bad = tmp_path / "q.yaml"
    bad.write_text("weights:\n  - {model: x, bits: 8, method: m, checkpoint: c, benchmark: b, baseline: 70,"
                   " source: s, date: 2024-01-01}\n")
    with pytest.raises(CatalogError, match="together"):
        load_quality(bad)
    bad.write_text("weights:\n  - {model: x, bits: 8, method: m, checkpoint: c, benchmark: b, source: s,"
                   " date: 2024-01-01}\n")
    with pytest.raises(CatalogError, match="note"):
        load_quality(bad)


def test_every_bits_choice_sits_beside_its_cost():
    from costmodel.analysis.levers import precision_choices

    df = precision_choices(Scenario(model="llama-3.1-70b"))
    weights = df[df["kind"] == "weights"].set_index("bits")
    assert list(weights.index) == [16, 8, 4]
    assert weights.loc[16, "cost_vs_16_bit"] == 1.0 and weights.loc[8, "cost_vs_16_bit"] < 1.0
    assert "84.29" in weights.loc[8, "accuracy"]
    kv = df[df["kind"] == "KV cache"].set_index("bits")
    assert list(kv.index) == [16, 8, 4, 3, 2] and kv.loc[8, "accuracy"] == NO_FIGURE
    same = estimate(Scenario(model="llama-3.1-70b", kv_bits=2)).usd_per_request
    assert kv.loc[2, "usd_per_request"] == pytest.approx(same)
