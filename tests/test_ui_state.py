"""The scenario <-> widget-value mapping, URL keys, presets and scenario-file parsing (no Streamlit run)."""

import pytest

from costmodel import Scenario, load_catalog
from costmodel.engine.presets import presets_in, scenario_presets
from costmodel.engine.serving_runtime import RUNTIMES
from ui import state

CATALOG = load_catalog()


def test_url_keys_are_unique_and_mostly_scenario_fields():
    assert len(set(state.URL_KEYS)) == len(state.URL_KEYS)
    fields = set(Scenario.model_fields)
    for key in state.URL_KEYS:
        assert key in fields or key.endswith("_pct"), key


def test_utilization_alias_is_a_fraction_scaled_to_the_widget_percent():
    assert state.url_alias_values({"utilization": ["0.6"]}) == {"utilization_pct": "60"}
    assert state.url_alias_values({"utilization": ["0.5", "0.25"]}) == {"utilization_pct": "25"}  # last wins
    # the widget key wins; out-of-range values are scaled, not clamped here (url_notices clamps and says so)
    assert state.url_alias_values({"utilization": ["0.6"], "utilization_pct": ["80"]}) == {}
    assert state.url_alias_values({"utilization": ["1.5"]}) == {"utilization_pct": "150"}
    assert state.url_alias_values({"utilization": [" abc "]}) == {"utilization_pct": "abc"}  # its notice names it
    assert state.url_alias_values({"utilization_pct": ["80"]}) == {}
    for alias, (key, _) in state.URL_ALIASES.items():
        assert alias in Scenario.model_fields and key in state.URL_KEYS


def test_defaults_map_to_the_default_scenario():
    d = state.defaults_for(CATALOG, "llama-3.1-70b", "h100-sxm")
    assert state.scenario_from_values(d, CATALOG) == Scenario()
    assert state.scenario_from_values({}, CATALOG) == Scenario()


@pytest.mark.parametrize(
    "s",
    [
        Scenario(),
        Scenario(model="deepseek-v3", gpu="h800", gpus=32, cache_hit_rate=0.563, weight_bits=8, experts_active=4),
        Scenario(model="mixtral-8x7b", gpu="a100-sxm-80gb", gpus=2, concurrency=64, gpu_hourly_usd=1.25,
                 tensor_parallel=2, compute_dtype="bf16", prefill_mfu=0.437, step_overhead_ms=2.5,
                 flash_attention=False, paged_kv=False, prefix_caching=False, spec_draft_tokens=4,
                 spec_acceptance=0.8, spec_draft_cost_ratio=0.1, max_batch_size=256, max_num_tokens=8192),
        Scenario(model="gpt-oss-120b", gpu="h100-sxm", gpus=1, serving_runtime="vllm-0.10"),
        Scenario(model="gpt-oss-120b", gpu="h100-sxm", gpus=2, serving_runtime="vllm"),
    ],
)
def test_values_round_trip(s):
    values = state.values_from_scenario(s, CATALOG)
    assert set(values) == set(state.URL_KEYS)
    assert state.scenario_from_values(values, CATALOG) == s


def test_cache_hit_is_held_as_a_percent_and_ignored_without_prefix_caching():
    v = state.values_from_scenario(Scenario(cache_hit_rate=0.563), CATALOG)
    assert v["cache_hit_pct"] == 56.3
    assert state.scenario_from_values({"cache_hit_pct": 56.3}, CATALOG).cache_hit_rate == 0.563
    off = state.scenario_from_values({"cache_hit_pct": 80.0, "prefix_caching": False}, CATALOG)
    assert off.cache_hit_rate == 0.0 and off == state.scenario_from_values({"prefix_caching": False}, CATALOG)


def test_concurrency_zero_means_max():
    assert state.scenario_from_values({"concurrency": 0}, CATALOG).concurrency == "max"
    assert state.scenario_from_values({"concurrency": 12}, CATALOG).concurrency == 12


def test_catalog_defaults_become_none():
    gpu = CATALOG.gpu("h200")
    s = state.scenario_from_values({"gpu": "h200", "gpu_hourly_usd": gpu.hourly_usd}, CATALOG)
    assert s.gpu_hourly_usd is None
    assert state.scenario_from_values({"gpu": "h200", "gpu_hourly_usd": 1.0}, CATALOG).gpu_hourly_usd == 1.0


def test_field_bounds_and_help_come_from_the_scenario():
    assert state.field_bounds("gpus") == (1, 4096)
    assert state.field_bounds("gpu_hourly_usd") == (0, 1000)
    assert state.field_help("gpus") == "GPUs in the deployment."


def test_clamp_values():
    out = state.clamp_values({"model": "llama-2-70b", "prompt_tokens": 100_000, "output_tokens": 10,
                              "experts_total": 4, "experts_active": 8}, CATALOG)
    assert out["prompt_tokens"] == 4096 and out["output_tokens"] == 10 and out["experts_active"] == 4


def test_build_scenario_reports_invalid_values():
    s, err = state.build_scenario({"gpus": 0}, CATALOG)
    assert s == Scenario() and "not a valid scenario" in err
    s, err = state.build_scenario({"model": "nope"}, CATALOG)
    assert s == Scenario() and err


def test_parse_scenario_json():
    good = Scenario(model="llama-3.1-8b", gpu="l4", gpus=1)
    assert state.parse_scenario_json(good.model_dump_json(), CATALOG) == (good, None)
    for bad in (b"", b"[]", b"{oops", b'{"gpus": 0}', b'{"unknown_field": 1}', b"\xff\xfe\x00"):
        s, err = state.parse_scenario_json(bad, CATALOG)
        assert s is None and err.startswith("Not a valid scenario file")
    s, err = state.parse_scenario_json(b'{"model": "gpt-99"}', CATALOG)
    assert s is None and "Unknown model 'gpt-99'" in err
    s, err = state.parse_scenario_json(b'{"gpu": "z9000"}', CATALOG)
    assert s is None and "Unknown GPU" in err


def test_describe_is_one_sentence():
    text = state.describe(Scenario(cache_hit_rate=0.5), CATALOG)
    assert text.endswith(".") and "Llama 3.1 70B" in text and "50.0%" in text


@pytest.mark.parametrize("pid", list(scenario_presets()))
def test_presets_round_trip_through_the_sidebar_values(pid):
    s = scenario_presets()[pid].scenario
    assert pid in {p.id for p in presets_in(CATALOG)}
    values = state.clamp_values(state.values_from_scenario(s, CATALOG), CATALOG)
    assert state.scenario_from_values(values, CATALOG) == s


def test_scenario_file_messages_stay_short():
    for data in (b'{"model": "' + b"a" * 1_000_000 + b'"}', b'{"gpu": "' + b"g" * 100_000 + b'"}',
                 b'{"' + b"k" * 100_000 + b'": 1}'):
        s, err = state.parse_scenario_json(data, CATALOG)
        assert s is None and len(err) < 1000


# --------------------------------------------------------------------------- the link's parameters, kept in the URL
@pytest.mark.parametrize(
    ("text", "value", "same"),
    [("1185", 1185, True), ("1185", 1185.0, True), ("56.3", 56.3, True), ("56.3", 56.4, False), ("false", False, True),
     ("true", False, False), ("False", False, True), ("auto", "auto", True), ("8", "auto", False), ("8", 8, True),
     ("llama-3.1-8b", "llama-3.1-8b", True), ("x", 3, False), ("3", None, False), ("1", True, False)],
)
def test_same_value(text, value, same):
    assert state.same_value(text, value) is same


def test_widget_defaults_are_the_sidebars_for_the_sessions_model_and_gpu():
    d = state.widget_defaults({"model": "llama-3.1-8b", "gpu": "l40s"}, CATALOG)
    assert d["model"] == Scenario().model and d["gpu"] == Scenario().gpu  # the selectors' own defaults
    assert d["gpu_hourly_usd"] == float(CATALOG.gpu("l40s").hourly_usd)  # the price box follows the GPU
    assert state.widget_defaults({"model": "no-such-model"}, CATALOG)["gpu_hourly_usd"] == float(
        CATALOG.gpu(Scenario().gpu).hourly_usd)


def test_link_params_to_restore_only_the_links_values_the_session_still_holds():
    raw = {"prompt_tokens": ["1185"], "gpus": ["4"], "output_tokens": ["999"], "concurrency": ["0"],
           "flash_attention": ["false"], "model": ["llama-3.1-8b"]}
    values = {"prompt_tokens": 1185, "gpus": 4, "output_tokens": 500, "concurrency": 0, "flash_attention": False,
              "model": "llama-3.1-8b"}
    defaults = state.widget_defaults(values, CATALOG)
    got = state.link_params_to_restore(raw, values, present={"gpus"}, defaults=defaults)
    # gpus: still in the URL; output_tokens: changed since (the widget writes its own value); concurrency: the
    # default, which Streamlit itself drops from the URL
    assert got == {"prompt_tokens": ["1185"], "flash_attention": ["false"], "model": ["llama-3.1-8b"]}
    assert state.link_params_to_restore(raw, values, present=set(raw), defaults=defaults) == {}
    assert state.link_params_to_restore({}, values, present=set(), defaults=defaults) == {}


class FakeParams(dict):
    """st.query_params as far as restore_link_params uses it; ``bound`` keys refuse writes as Streamlit does."""

    def __init__(self, bound=()):
        super().__init__()
        self.bound = set(bound)

    def __setitem__(self, key, value):
        if key in self.bound:
            raise RuntimeError(f"{key} is bound to a widget")
        super().__setitem__(key, value)


def test_restore_link_params_writes_what_is_missing_and_skips_bound_keys():
    raw = {"prompt_tokens": ["1185"], "gpus": ["4"]}
    params = FakeParams(bound={"gpus"})
    done = state.restore_link_params({"prompt_tokens": 1185, "gpus": 4}, params, raw, CATALOG)
    assert done == ["prompt_tokens"] and dict(params) == {"prompt_tokens": "1185"}
    assert state.restore_link_params({"prompt_tokens": 1185}, FakeParams(), {}, CATALOG) == []


def test_restore_link_params_hands_bound_keys_to_write_bound():
    """The sidebar's second pass, after its widgets bound: a bound key goes to ``write_bound``
    (ui.compat.write_bound_query_param) with the link's raw values; a changed or default value does not."""
    raw = {"prompt_tokens": ["1185"], "gpus": ["4"], "output_tokens": ["999"], "concurrency": ["0"]}
    params, written = FakeParams(bound={"prompt_tokens", "gpus", "output_tokens", "concurrency"}), []
    done = state.restore_link_params({"prompt_tokens": 1185, "gpus": 4, "output_tokens": 500, "concurrency": 0},
                                     params, raw, CATALOG, write_bound=lambda k, v: written.append((k, v)))
    assert done == ["prompt_tokens", "gpus"] and written == [("prompt_tokens", ["1185"]), ("gpus", ["4"])]
    assert dict(params) == {}


def test_reassert_link_values_writes_back_the_links_values_gone_from_the_url():
    """The sidebar's first pass (issue 13): a link value gone from the URL that the session still holds is
    written back into the session (so Streamlit tells the browser); a changed value, a default, and a key still
    in the URL are left alone."""
    raw = {"prompt_tokens": ["1185"], "gpus": ["4"], "output_tokens": ["999"], "concurrency": ["0"]}

    class Recorder(dict):
        def __init__(self, values):
            super().__init__(values)
            self.writes = []

        def __setitem__(self, key, value):
            self.writes.append((key, value))
            super().__setitem__(key, value)

    session = Recorder({"prompt_tokens": 1185, "gpus": 4, "output_tokens": 500, "concurrency": 0})
    params = FakeParams()
    dict.__setitem__(params, "gpus", "4")
    assert state.reassert_link_values(session, params, raw, CATALOG) == ["prompt_tokens"]
    assert session.writes == [("prompt_tokens", 1185)] and dict(params) == {"gpus": "4"}
    complete = FakeParams()
    for key, vals in raw.items():
        dict.__setitem__(complete, key, vals[-1])
    session.writes.clear()
    assert state.reassert_link_values(session, complete, raw, CATALOG) == [] and session.writes == []


def test_burst_and_spread_round_trip_with_zero_as_the_steady_stream():
    s = Scenario(burst_requests=1000, output_tokens_cv=1.25)
    v = state.values_from_scenario(s, CATALOG)
    assert (v["burst_requests"], v["output_tokens_cv"]) == (1000, 1.25)
    assert state.scenario_from_values(v, CATALOG) == s
    assert state.values_from_scenario(Scenario(), CATALOG)["burst_requests"] == 0
    assert state.scenario_from_values({"burst_requests": 0}, CATALOG).burst_requests is None
    text = state.describe(s, CATALOG)
    assert "one burst of 1,000 requests" in text and "sd/mean 1.25" in text
    assert "burst" not in state.describe(Scenario(), CATALOG)


def test_serving_runtime_generic_is_the_scenarios_none():
    assert state.scenario_from_values({"serving_runtime": "generic"}, CATALOG).serving_runtime is None
    assert state.scenario_from_values({"serving_runtime": "vllm"}, CATALOG).serving_runtime == "vllm"
    assert state.values_from_scenario(Scenario(), CATALOG)["serving_runtime"] == "generic"
    assert state.RUNTIME_CHOICES[0] == "generic" and set(state.RUNTIME_CHOICES[1:]) == set(RUNTIMES)


def test_the_scenario_sentence_names_a_serving_runtime_only_when_set():
    assert "runtime" not in state.describe(Scenario(), CATALOG)
    assert "served by the vllm-0.10 runtime" in state.describe(Scenario(serving_runtime="vllm-0.10"), CATALOG)
