"""data/scenarios/presets.yaml: declared scenario presets, validated at load (costmodel.engine.presets)."""

import pytest

from costmodel import CatalogError, Scenario, estimate, load_catalog
from costmodel.engine.presets import presets_in, read_presets, scenario_presets

CATALOG = load_catalog()


def test_every_shipped_preset_is_a_cited_scenario_in_the_catalog():
    presets = scenario_presets()
    assert len(presets) >= 8 and len(presets_in(CATALOG)) == len(presets)
    for pid, p in presets.items():
        assert p.id == pid and p.title and p.description and p.source
        assert isinstance(p.scenario, Scenario)


def test_the_deepseek_preset_is_the_published_day():
    p = scenario_presets()["deepseek-v3-h800-published-day"]
    assert (p.scenario.model, p.scenario.gpu, p.scenario.gpus, p.scenario.cache_hit_rate) == ("deepseek-v3", "h800",
                                                                                              32, 0.563)
    assert "open-infra-index" in p.source and estimate(p.scenario, CATALOG).fits


def test_the_naive_baseline_preset_switches_the_levers_off():
    s = scenario_presets()["naive-baseline"].scenario
    assert not (s.flash_attention or s.paged_kv or s.prefix_caching) and s.cache_hit_rate == 0


def test_presets_are_read_only():
    with pytest.raises(TypeError):
        scenario_presets()["x"] = None  # type: ignore[index]


def _write(tmp_path, text):
    path = tmp_path / "presets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "title: T\n  description: D\n  source: assumption\n  scenario: {model: llama-3.1-8b, gpu: l4, gpus: 1}\n"


@pytest.mark.parametrize(("body", "field"), [
    ("ok:\n  " + GOOD + "bad:\n  " + GOOD.replace("gpus: 1", "gpus: -3"), "bad.scenario.gpus"),
    ("bad:\n  " + GOOD.replace("gpus: 1", "gpus: 1, warp_speed: 9"), "bad.scenario.warp_speed"),
    ("bad:\n  " + GOOD.replace("  source: assumption\n", ""), "bad.source"),
    ("bad: 7\n", "bad"),
    ("[1, 2]\n", "(file)"),
    ("a: [unclosed\n", "(file)"),
    ("a:\n  " + GOOD + "b:\n  " + GOOD, "title"),
])
def test_a_bad_file_names_the_entry_and_field(tmp_path, body, field):
    path = _write(tmp_path, body)
    with pytest.raises(CatalogError) as info:
        read_presets(path)
    assert info.value.field == field and str(path) in str(info.value)


def test_a_preset_for_a_missing_gpu_is_hidden(tmp_path):
    path = _write(tmp_path, "a:\n  " + GOOD + "b:\n  " + GOOD.replace("T\n", "U\n").replace("gpu: l4", "gpu: tpu-v9"))
    presets = read_presets(path)
    assert list(presets) == ["a", "b"]
    assert [p.id for p in presets_in(CATALOG, presets)] == ["a"]
