"""The entrypoint and the shared sidebar: presets, bad URLs, save/load, pin-and-compare, presentation mode."""

from __future__ import annotations

from costmodel import Scenario
from tests.app.conftest import metrics, new_app, no_exception, open_tools
from ui.money import PHASE_INPUT


def test_default_app_renders_the_overview(app):
    no_exception(app)
    assert app.title[0].value == "Overview"
    m = metrics(app)
    assert m[PHASE_INPUT].startswith("$")
    assert app.session_state["_scenario"] == Scenario(**{
        k: v for k, v in app.session_state["_scenario"].model_dump().items()
    })


def test_preset_sets_every_control_at_once(app):
    app.sidebar.selectbox(key="_preset").select("deepseek-v3-h800-published-day").run()
    no_exception(app)
    s = app.session_state["_scenario"]
    assert (s.model, s.gpu, s.gpus, s.weight_bits, s.cache_hit_rate) == ("deepseek-v3", "h800", 32, 8, 0.563)
    assert app.sidebar.slider(key="cache_hit_pct").value == 56.3
    assert app.sidebar.selectbox(key="_preset").value is None  # ready for the next preset
    assert app.sidebar.success[0].value == "Loaded preset: DeepSeek-V3 on H800, 56.3% cache hits (DeepSeek's published day)."


def test_bad_url_parameters_fall_back_without_a_traceback():
    at = new_app({"model": "no-such-model", "gpus": "banana", "prompt_tokens": "-5", "cache_hit_pct": "250",
                  "weight_bits": "3", "concurrency": "1e99", "gpu_hourly_usd": "nan", "flash_attention": "maybe"})
    no_exception(at)
    # numbers out of range are clamped to the nearest bound, the rest fall back; each says so in one line
    assert at.session_state["_scenario"] == Scenario(prompt_tokens=1, cache_hit_rate=1.0, concurrency=10_000_000)
    notes = [w.value for w in at.sidebar.warning]
    assert len(notes) == 8, notes
    for word in ("no\\-such\\-model", "banana", "250", "1e99", "weight\\_bits", "maybe"):
        assert any(word in n for n in notes), (word, notes)


def test_url_parameters_restore_the_scenario():
    at = new_app({"model": "mixtral-8x7b", "gpu": "a100-sxm-80gb", "gpus": "4", "prompt_tokens": "8000",
                  "cache_hit_pct": "56.3", "experts_active": "3", "gpu_hourly_usd": "1.5", "concurrency": "64"})
    no_exception(at)
    s = at.session_state["_scenario"]
    assert (s.model, s.gpu, s.gpus, s.prompt_tokens, s.cache_hit_rate) == ("mixtral-8x7b", "a100-sxm-80gb", 4, 8000, 0.563)
    assert (s.experts_active, s.gpu_hourly_usd, s.concurrency) == (3, 1.5, 64)


def test_changing_model_resets_expert_counts_and_clamps_context():
    at = new_app({"model": "deepseek-v3", "prompt_tokens": "150000"})
    assert at.session_state["_scenario"].prompt_tokens == 150000
    at.sidebar.selectbox(key="model").select("llama-2-70b").run()
    no_exception(at)
    s = at.session_state["_scenario"]
    assert s.model == "llama-2-70b" and s.prompt_tokens == 4096 and s.experts_total is None


def test_changing_gpu_takes_its_catalog_price(app):
    app.sidebar.number_input(key="gpu_hourly_usd").set_value(9.0).run()
    assert app.session_state["_scenario"].gpu_hourly_usd == 9.0
    app.sidebar.get_by_key("gpu").set_value("h200").run()
    no_exception(app)
    assert app.session_state["_scenario"].gpu_hourly_usd is None  # the H200's own catalog price


def test_experts_active_is_clamped_to_experts_total():
    at = new_app({"model": "mixtral-8x7b"})
    at.sidebar.slider(key="experts_total").set_value(1).run()
    no_exception(at)
    s = at.session_state["_scenario"]
    assert (s.experts_total, s.experts_active) == (1, 1)


def test_load_scenario_json_applies_it(app):
    s = Scenario(model="llama-3.1-8b", gpu="l4", gpus=1, prompt_tokens=3000, cache_hit_rate=0.25, weight_bits=8)
    open_tools(app)
    app.sidebar.file_uploader(key="_upload").upload("mine.json", s.model_dump_json().encode(), "application/json")
    app.run()
    no_exception(app)
    assert app.session_state["_scenario"] == s


def test_bad_scenario_file_keeps_the_current_scenario(app):
    before = app.session_state["_scenario"]
    open_tools(app)
    for content in (b"{not json", b'{"model": "llama-3.1-70b", "gpus": -1}', b'{"model": "nope"}', b"\xff\xfe"):
        app.sidebar.file_uploader(key="_upload").upload("bad.json", content, "application/json")
        app.run()
        no_exception(app)
        assert app.session_state["_scenario"] == before
        assert "Not a valid scenario file" in app.sidebar.error[0].value or "Unknown model" in app.sidebar.error[0].value


def test_save_load_compare_is_drawn_only_while_open(app):
    assert not [b for b in app.sidebar.button if b.key in ("_pin", "_unpin", "_reset")]
    assert not app.sidebar.get("file_uploader")
    open_tools(app)
    no_exception(app)
    assert {b.key for b in app.sidebar.button} >= {"_pin", "_unpin", "_reset"}
    assert len(app.sidebar.get("file_uploader")) == 1 and app.sidebar.toggle(key="_present")


def test_pin_a_then_change_shows_a_vs_b(app):
    open_tools(app)
    app.sidebar.button(key="_pin").click().run()
    app.sidebar.number_input(key="prompt_tokens").set_value(16384).run()
    no_exception(app)
    tables = [df.value for df in app.dataframe]
    ab = next(t for t in tables if "B / A" in t.columns)
    row = ab[ab["item"] == "USD per request"].iloc[0]
    assert float(row["B / A"].lstrip("×")) > 1  # a longer prompt costs more per request, shown as "×8.1"
    settings = ab[ab["kind"] == "setting"]
    assert list(settings["item"]) == ["prompt_tokens"] and set(settings["B / A"]) == {"—"}  # only what differs


def test_presentation_mode_hides_the_tools_and_formulas(app):
    assert app.sidebar.expander and any("Save" in e.label for e in app.sidebar.expander)
    app.sidebar.toggle(key="_present").set_value(True).run()
    no_exception(app)
    assert not any("Save" in e.label for e in app.sidebar.expander)
    assert not any(e.label.startswith("Formula") for e in app.main.expander)


def test_infinite_numbers_in_the_url_fall_back():
    """Streamlit 1.67 raises OverflowError for ?<int key>=inf; ui.compat turns it into an ignored value."""
    for key, value in (("gpus", "inf"), ("prompt_tokens", "9" * 400), ("concurrency", "-1e309"),
                       ("gpu_hourly_usd", "inf"), ("experts_total", "Infinity")):
        at = new_app({key: value})
        no_exception(at)
        assert at.session_state["_scenario"] == Scenario()


def test_models_with_a_context_beyond_the_prompt_limit_render_on_every_page():
    from tests.app.test_pages import PAGES

    at = new_app({"model": "llama-4-scout", "gpu": "h200", "gpus": "8"})
    assert at.sidebar.number_input(key="prompt_tokens").max == Scenario.model_fields["prompt_tokens"].metadata[1].le
    for page in PAGES:
        at.switch_page(page).run()
        no_exception(at)


def test_model_caption_counts_the_experts_the_sliders_set():
    # QA pass (2026-12-02): the caption kept Mixtral's card figures, "46.7B (12.9B active)", after 3 active experts
    at = new_app({"model": "mixtral-8x7b"})
    card = next(c.value for c in at.sidebar.caption if c.value.startswith("Mixtral"))
    at.sidebar.slider(key="experts_active").set_value(3).run()
    no_exception(at)
    moved = next(c.value for c in at.sidebar.caption if c.value.startswith("Mixtral"))
    assert "12.9B active" in card and "46.7B parameters" in card, card
    assert "46.7B parameters" in moved and "12.9B active" not in moved, moved
    at.sidebar.slider(key="experts_total").set_value(4).run()
    fewer = next(c.value for c in at.sidebar.caption if c.value.startswith("Mixtral"))
    assert "46.7B parameters" not in fewer, fewer


def test_serving_runtime_from_a_link_changes_the_estimate_and_a_bad_one_is_named():
    base = {"model": "gpt-oss-120b", "gpu": "h100-sxm", "gpus": "1", "weight_bits": "4", "prompt_tokens": "4000"}
    generic = new_app(base)
    vllm = new_app({**base, "serving_runtime": "vllm-0.10"})
    no_exception(generic)
    no_exception(vllm)
    assert generic.session_state["_scenario"].serving_runtime is None
    assert vllm.session_state["_scenario"].serving_runtime == "vllm-0.10"
    assert vllm.sidebar.selectbox(key="serving_runtime").value == "vllm-0.10"
    assert metrics(vllm) != metrics(generic)  # vLLM 0.10's memory reserve and Marlin's MoE rate move the figures
    bad = new_app({**base, "serving_runtime": "trt"})
    no_exception(bad)
    assert bad.session_state["_scenario"].serving_runtime is None
    assert any("'trt' is not one of generic" in w.value for w in bad.sidebar.warning)  # markdown-escaped key


def test_efficiency_assumptions_say_when_the_mfus_apply_at_a_sustained_clock():
    # a power-limited board (MI300X) states the clock its fitted MFUs apply at; a board without one says nothing
    def clock_notes(at):
        return [c.value for c in at.sidebar.caption if "sustained load" in c.value]

    at = new_app({"gpu": "mi300x"})
    no_exception(at)
    (note,) = clock_notes(at)
    assert "1,230 MHz FP8" in note and "2,100 MHz" in note and "Max-Achievable FLOPs" in note
    assert clock_notes(new_app({"gpu": "h100-sxm"})) == []
