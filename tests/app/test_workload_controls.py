"""The sidebar's workload controls: a finite burst (``burst_requests``) and the output-length spread
(``output_tokens_cv``), bound to the URL like every other control, and what the Overview says about a burst."""

from __future__ import annotations

from costmodel import Scenario, estimate, load_catalog
from tests.app.conftest import metrics, new_app, no_exception
from ui.format import fmt_usd
from ui.money import ALL_IN_OUTPUT

CATALOG = load_catalog()


def _burst_caption(at) -> str | None:
    return next((c.value for c in at.caption if c.value.startswith("A burst of")), None)


def test_the_widgets_write_the_url_and_a_link_restores_them():
    at = new_app()
    assert at.number_input(key="burst_requests").value == 0 and at.number_input(key="output_tokens_cv").value == 0
    assert _burst_caption(at) is None  # a steady stream says nothing about bursts
    at.number_input(key="burst_requests").set_value(500).run()
    at.number_input(key="output_tokens_cv").set_value(1.25).run()
    no_exception(at)
    s = at.session_state["_scenario"]
    assert (s.burst_requests, s.output_tokens_cv) == (500, 1.25)
    # AppTest keeps no browser URL; the widgets' keys are the link's (tests/e2e checks the browser's URL)
    link = {k: f"{at.session_state[k]:g}" for k in ("burst_requests", "output_tokens_cv")}
    assert link == {"burst_requests": "500", "output_tokens_cv": "1.25"}
    again = new_app(link).session_state["_scenario"]
    assert (again.burst_requests, again.output_tokens_cv) == (500, 1.25)
    at.number_input(key="burst_requests").set_value(0).run()  # 0 is the steady stream again, not a burst of 0
    assert at.session_state["_scenario"].burst_requests is None


def test_a_burst_moves_the_overview_headline_and_says_why():
    at = new_app({"burst_requests": "1000", "output_tokens_cv": "1"})
    no_exception(at)
    r = estimate(Scenario(burst_requests=1000, output_tokens_cv=1.0), CATALOG)
    steady = estimate(Scenario(output_tokens_cv=1.0), CATALOG)
    shown = metrics(at)[ALL_IN_OUTPUT]
    assert shown == fmt_usd(r.usd_per_million_output_tokens_all_in) != fmt_usd(steady.usd_per_million_output_tokens_all_in)
    caption = _burst_caption(at)
    # 2 replicas share 1,000 requests; each drains its batch, so fewer decode together than the steady 372
    assert caption is not None and "1,000 requests" in caption
    assert f"{r.concurrency:,.0f} requests decode together" in caption and f"against {steady.concurrency:,.0f}" in caption
    assert r.concurrency < steady.concurrency
    assert "one burst of 1,000 requests" in at.main.markdown[1].value  # the scenario sentence says it too


def test_a_bad_value_in_the_link_is_named_and_the_rest_of_the_scenario_kept():
    at = new_app({"burst_requests": "lots", "output_tokens_cv": "25", "gpus": "2", "prompt_tokens": "4096"})
    no_exception(at)
    s = at.session_state["_scenario"]
    assert (s.gpus, s.prompt_tokens) == (2, 4096)
    assert s.burst_requests is None and s.output_tokens_cv == 10.0  # not a number: dropped; too large: clamped
    notes = [w.value for w in at.warning]
    assert any("burst\\_requests='lots'" in n and "not a number" in n for n in notes), notes
    assert any("Output length spread" in n and "using 10" in n for n in notes), notes
