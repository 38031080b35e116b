"""Every page: renders without an exception, follows each sidebar control, and is restored from a URL."""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import chart_specs, fingerprint, new_app, no_exception

PAGES = (
    "views/overview.py",
    "views/cost-curves.py",
    "views/frontier.py",
    "views/optimization-levers.py",
    "views/right-sizing.py",
    "views/energy.py",
    "views/hardware-comparison.py",
    "views/pricing-schemes.py",
    "views/market-prices.py",
    "views/agents-long-context.py",
    "views/learn-basics.py",
    "views/model-validation.py",
)

# One change per sidebar control (widget key -> new value); each must change what every page shows.
CONTROL_CHANGES = {
    "model": "mixtral-8x7b",
    "gpu": "h200",
    "gpus": 16,
    "prompt_tokens": 16384,
    "output_tokens": 1024,
    "weight_bits": 8,
    "kv_bits": 8,
    "cache_hit_pct": 50.0,
    "concurrency": 32,
    "gpu_hourly_usd": 2.0,
    "flash_attention": False,
    "paged_kv": False,
    "spec_draft_tokens": 4,
    "decode_mbu_pct": 50.0,
    "prefill_mfu_pct": 30.0,
    "min_tokens_per_second_per_user": 30.0,
    "utilization_pct": 50.0,
}
# (page, control) pairs that legitimately leave a page unchanged, with the reason.
EXEMPT = {
    ("views/hardware-comparison.py", "gpu"): "every GPU is shown whichever is selected",
    ("views/hardware-comparison.py", "gpus"): "the count is chosen per GPU (cheapest) unless 'same count' is picked",
    ("views/hardware-comparison.py", "concurrency"): "each GPU runs at its own cheapest count and batch",
    **{("views/right-sizing.py", k): "the page costs a mix of workload-preset requests with their own lengths"
       for k in ("prompt_tokens", "output_tokens")},
    **{("views/model-validation.py", k): "published cases have fixed setups; only model and GPU highlight rows"
       for k in CONTROL_CHANGES if k not in ("model", "gpu")},
}

URL = {"model": "qwen3-30b-a3b", "gpu": "l40s", "gpus": "2", "prompt_tokens": "6000", "output_tokens": "300",
       "cache_hit_pct": "12.5", "weight_bits": "8", "experts_active": "4", "gpu_hourly_usd": "1.5"}


def _set(at, key: str, value):
    """Set a sidebar widget and rerun; returns its previous value."""
    w = at.get_by_key(key)
    old = w.value
    w.set_value(value).run()
    return old


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_charts_and_captions(page):
    at = new_app(page=page)
    no_exception(at)
    assert at.title, page
    for spec in chart_specs(at):
        layout = spec["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"], page  # units on every axis
    if chart_specs(at):
        assert any(c.value.startswith("Notice") for c in at.caption), page
    for c in at.get("plotly_chart"):  # the shared config: PNG download from the modebar, no logo
        config = json.loads(c.proto.config)
        assert config["toImageButtonOptions"]["format"] == "png" and config["displaylogo"] is False, page


@pytest.mark.parametrize("page", PAGES)
def test_every_sidebar_control_changes_the_page(page):
    at = new_app(page=page)
    for key, value in CONTROL_CHANGES.items():
        if (page, key) in EXEMPT:
            continue
        before = fingerprint(at)
        old = _set(at, key, value)
        no_exception(at)
        assert fingerprint(at) != before, f"{page}: changing {key} changed nothing"
        _set(at, key, old)  # back to the default, so each control is tested on its own


@pytest.mark.parametrize("page", PAGES)
def test_url_parameters_restore_the_scenario_on_every_page(page):
    at = new_app(URL, page=page)
    no_exception(at)
    s = at.session_state["_scenario"]
    assert (s.model, s.gpu, s.gpus, s.prompt_tokens, s.output_tokens) == ("qwen3-30b-a3b", "l40s", 2, 6000, 300)
    assert (s.cache_hit_rate, s.weight_bits, s.experts_active, s.gpu_hourly_usd) == (0.125, 8, 4, 1.5)
    assert at.sidebar.selectbox(key="model").value == "qwen3-30b-a3b"


def test_switching_pages_keeps_the_scenario():
    at = new_app()
    at.sidebar.number_input(key="prompt_tokens").set_value(12345).run()
    for page in PAGES:
        at.switch_page(page).run()
        no_exception(at)
        assert at.session_state["_scenario"].prompt_tokens == 12345, page
