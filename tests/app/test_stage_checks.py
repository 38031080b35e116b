"""The stage-demo checks across pages: one visual language (no bars on a log axis), no dollar figure for a
scenario that does not fit, prefix caching off makes the hit rate inert, out-of-range URL values get a notice."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import chart_specs, fingerprint, new_app, no_exception
from tests.app.test_pages import PAGES

BAR_TYPES = {"bar", "waterfall", "histogram"}


def _log_axes(layout: dict) -> set[str]:
    """Trace axis ids ("x", "y2"...) whose layout axis is logarithmic."""
    out = set()
    for name, axis in layout.items():
        if (name.startswith("xaxis") or name.startswith("yaxis")) and isinstance(axis, dict) \
                and axis.get("type") == "log":
            out.add(name[0] + name[5:])
    return out


# A MoE model so the expert widgets exist; Cost curves shows its first tab only (the others are lazy).
@pytest.mark.parametrize("page", PAGES)
def test_no_bar_chart_uses_a_log_axis(page):
    at = new_app({"model": "mixtral-8x7b"}, page)
    no_exception(at)
    specs = chart_specs(at)
    assert specs or page in ("views/learn-basics.py",), f"{page} drew no chart"
    for spec in specs:
        logs = _log_axes(spec.get("layout", {}))
        for trace in spec.get("data", []):
            if trace.get("type") in BAR_TYPES:
                axes = {trace.get("xaxis", "x"), trace.get("yaxis", "y")}
                title = spec["layout"].get("title", {}).get("text")
                assert not axes & logs, f"{page}: bar chart {title!r} on a log axis"


NO_FIT = {"model": "deepseek-v3", "gpu": "b200", "gpus": "8", "prompt_tokens": "131072"}  # 16-bit weights
# Pages that cost other deployments, each named on the page: every GPU at its own cheapest count (Hardware),
# each open model at its cheapest fitting plan (Market); Validation's are published setups.
COSTS_OTHER_DEPLOYMENTS = ("views/hardware-comparison.py", "views/market-prices.py", "views/model-validation.py")
DOLLAR_FIGURE = re.compile(r"\$\s?[0-9]")
GPU_HOUR = re.compile(r"\$[0-9.,]+ ?(/|per) ?GPU-hour")  # the GPU's rental price is an input, not a result


def _shown_text(at) -> str:
    parts = [f"{m.label}: {m.value}" for m in at.main.metric]
    parts += [e.value for e in at.main.markdown] + [e.value for e in at.main.caption]
    parts += [e.value for e in at.main.error] + [e.value for e in at.main.info]
    parts += [df.value.to_csv() for df in at.main.dataframe]
    return GPU_HOUR.sub("", "\n".join(str(p) for p in parts))


@pytest.mark.parametrize("page", [p for p in PAGES if p not in COSTS_OTHER_DEPLOYMENTS])
def test_a_scenario_that_does_not_fit_shows_no_dollar_figure(page):
    at = new_app(NO_FIT, page)
    no_exception(at)
    assert at.session_state["_scenario"].weight_bits == 16
    text = _shown_text(at)
    # a dollar figure is "$" and a number; a label may name the unit ("All-in $/M output tokens")
    assert not DOLLAR_FIGURE.search(text), f"{page}: a dollar figure for a scenario that does not fit:\n{text[:2000]}"
    assert not chart_specs(at), f"{page}: a chart for a scenario that does not fit"
    assert any(m.value == "—" for m in at.main.metric), f"{page}: no dash where the headline was"
    err = " ".join(e.value for e in at.main.error)
    assert "Does not fit" in err and "8-bit weights" in err and "16 GPUs" in err, err


@pytest.mark.parametrize("page", PAGES)
def test_with_prefix_caching_off_the_hit_rate_changes_nothing(page):
    at = new_app({"prefix_caching": "false", "cache_hit_pct": "0"}, page)
    before = fingerprint(at)
    assert at.sidebar.slider(key="cache_hit_pct").disabled
    at.session_state["cache_hit_pct"] = 80.0
    at.run()
    no_exception(at)
    assert at.session_state["_scenario"].cache_hit_rate == 0.0 and "prefix cache" not in describe_cache(at)
    assert fingerprint(at) == before, f"{page}: the hit rate changed the page with prefix caching off"


def describe_cache(at) -> str:
    sentence = [m.value for m in at.main.markdown if m.value.startswith("**")]
    return sentence[0] if sentence else ""


def test_out_of_range_url_values_produce_a_notice():
    at = new_app({"model": "llama-3.1-8b", "prompt_tokens": "1000000", "cache_hit_pct": "150", "weight_bits": "3"})
    no_exception(at)
    s = at.session_state["_scenario"]
    assert (s.prompt_tokens, s.cache_hit_rate, s.weight_bits) == (131_072, 1.0, 16)
    notes = " ".join(w.value for w in at.sidebar.warning).replace("\\", "")
    assert "1,000,000 tokens is beyond Llama 3.1 8B's 131,072-token window: using 131,072 tokens" in notes
    assert "150 is outside 0 to 100: using 100" in notes and "weight_bits='3'" in notes


def test_learn_has_the_pictures_and_explains_the_mla_cache():
    at = new_app({"model": "deepseek-v3", "gpu": "h200", "gpus": "16", "weight_bits": "8"}, "views/learn-basics.py")
    no_exception(at)
    titles = [s.get("layout", {}).get("title", {}).get("text", "") for s in chart_specs(at)]
    assert any(t.startswith("Roofline") for t in titles) and "Longer prompts leave room for fewer requests" in titles
    assert any("experts read per layer" in t for t in titles)
    text = " ".join(m.value for m in at.main.markdown)
    assert "61 layers × (512 + 64) values × 2 bytes = **70,272 bytes per token**" in text
    assert "new tokens still attends to it, and that attention is billed to the cached token" in text
