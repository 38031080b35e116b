"""Cost as an operator pays it, in the app: service level on the Overview, the frontier page, the Pricing page's
fleet, target prices and honest ranking, and DeepSeek's published day."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel import Scenario, estimate, load_catalog
from tests.app.conftest import chart_specs, decode, metrics, new_app, no_exception
from ui.money import ALL_IN_OUTPUT
from ui.pricing import SCHEME_ORDER, SCHEME_TAB_KEY, SCHEME_TITLES

CATALOG = load_catalog()
PRICING = "views/pricing-schemes.py"


def _target_table(at):
    return next(df.value for df in at.dataframe if "Price × to reach the target" in df.value.columns)


def _scheme_tab(at, scheme_id: str):
    """Open "Every scheme parameter" on ``scheme_id``'s tab (both draw their widgets only while open)."""
    at.session_state["px_params_open"] = True
    at.session_state[SCHEME_TAB_KEY] = SCHEME_TITLES[scheme_id]
    at.run()
    no_exception(at)
    return at


def test_a_speed_target_moves_the_overview_headline():
    at = new_app()
    before = metrics(at)
    assert before["Service level"] == "no target"
    at.slider(key="min_tokens_per_second_per_user").set_value(30.0).run()
    no_exception(at)
    after = metrics(at)
    r = estimate(Scenario(min_tokens_per_second_per_user=30.0), CATALOG)
    from ui.format import fmt_usd

    assert after[ALL_IN_OUTPUT] == fmt_usd(r.usd_per_million_output_tokens_all_in) != before[ALL_IN_OUTPUT]
    assert after["Service level"] == "met" and r.tokens_per_second_per_user >= 30
    assert "at least 30 tokens/s per user" in at.main.markdown[1].value  # the scenario sentence says it


def test_utilization_divides_every_money_figure():
    full, half = new_app(), new_app({"utilization_pct": "50"})
    no_exception(half)
    for label in (ALL_IN_OUTPUT, "Cost per request"):
        shown = [metrics(x)[label].lstrip("$").replace(",", "") for x in (full, half)]
        a, b = map(float, shown)
        # the figures are shown rounded: allow half a unit of each one's last shown digit (x2 for the doubled a)
        unit = [10.0 ** -len(t.split(".")[1]) if "." in t else 1.0 for t in shown]
        assert b == pytest.approx(2 * a, rel=0.02, abs=unit[0] + unit[1] / 2), label


@pytest.mark.parametrize(("raw", "want", "notice"), [("0.5", 0.5, False), ("1.5", 1.0, True), ("-1", 0.05, True),
                                                     ("abc", 1.0, True)])
def test_utilization_alias_in_a_link(raw, want, notice):
    """``?utilization=`` (the Scenario field, CLI flag and JSON key; a fraction) works beside ``utilization_pct``,
    clamped with a notice like any other link value."""
    at = new_app({"utilization": raw})
    no_exception(at)
    assert at.session_state["_scenario"].utilization == pytest.approx(want)
    assert "utilization" not in at.query_params  # the slider's own key replaces the alias in the link
    notes = [w.value for w in at.warning if "Utilization" in w.value or "utilization" in w.value]
    assert bool(notes) == notice, notes


def test_utilization_pct_wins_over_the_alias():
    both = new_app({"utilization": "0.5", "utilization_pct": "80"})
    assert both.session_state["_scenario"].utilization == pytest.approx(0.8)


def test_the_current_point_moves_along_the_frontier_with_the_target():
    at = new_app(page="views/frontier.py")
    no_exception(at)

    def diamond():
        spec = chart_specs(at)[0]
        point = next(t for t in spec["data"] if t.get("marker", {}).get("symbol") == "diamond")
        return float(decode(point["x"])[0]), float(decode(point["y"])[0]), spec

    x0, y0, _ = diamond()
    at.slider(key="min_tokens_per_second_per_user").set_value(30.0).run()
    no_exception(at)
    x1, y1, spec = diamond()
    assert x1 >= 30 > x0 and y1 < y0  # faster per user, less throughput per GPU
    assert any(sh["x0"] == 30 for sh in spec["layout"]["shapes"])  # the target is drawn


def test_published_runs_overlay_the_frontier_where_they_match():
    at = new_app({"model": "deepseek-v3", "gpu": "b200", "weight_bits": "8", "kv_bits": "8",
                  "prompt_tokens": "1024", "output_tokens": "1024"}, page="views/frontier.py")
    no_exception(at)
    names = [t["name"] for t in chart_specs(at)[0]["data"]]
    assert "Published: InferenceX" in names
    before = len(names)
    at.toggle(key="frontier_all_runs").set_value(True).run()
    no_exception(at)
    assert len([t["name"] for t in chart_specs(at)[0]["data"]]) >= before


def test_pricing_sizes_the_fleet_and_prices_every_scheme_for_the_margin():
    at = new_app(page=PRICING)
    no_exception(at)
    m = metrics(at)
    assert int(m["GPUs provisioned"]) >= 1 and m["Idle cost"].startswith("$")
    t = _target_table(at)
    assert len(t) == 9
    factor = t["Cost to serve (USD)"] / ((1 - 0.40) * t["Revenue (USD)"])
    assert np.allclose(t["Price × to reach the target"], factor)
    at.slider(key="px_target").set_value(20).run()
    no_exception(at)
    assert np.allclose(_target_table(at)["Price × to reach the target"], t["Cost to serve (USD)"]
                       / ((1 - 0.20) * t["Revenue (USD)"]))


def test_every_scheme_parameter_is_editable():
    at = new_app(page=PRICING)
    assert not any(w.key.startswith("sp_") for w in at.main.number_input if w.key)  # closed: drawn only when open
    keys = set()
    for sid in SCHEME_ORDER:
        drawn = {w.key for w in _scheme_tab(at, sid).main.number_input if w.key and w.key.startswith("sp_")}
        assert drawn and all(k.startswith(f"sp_{sid}_") for k in drawn), (sid, drawn)  # only the open tab's
        keys |= drawn
    for fragment in ("cached-input_cache_read_fraction", "cached-input_cache_write_multiplier_5m",
                     "long-context-tier_threshold_tokens", "batch-discount_discount", "subscription_monthly_fee_usd",
                     "subscription_allowance_"):
        assert any(fragment in k for k in keys), fragment
    assert any("capability-tier_input_usd_per_m" in k and k.endswith("_large") for k in keys)  # every tier
    before = _target_table(at).set_index("Scheme")["Revenue (USD)"]
    fee = next(w for w in _scheme_tab(at, "subscription").main.number_input if "subscription_monthly_fee_usd" in w.key)
    fee.set_value(40.0).run()
    no_exception(at)
    after = _target_table(at).set_index("Scheme")["Revenue (USD)"]
    assert after["Subscription"] > before["Subscription"] and after["Flat per token"] == before["Flat per token"]
    # Closed again, on another tab and after a page switch, the edited fee still bills: the values are kept.
    at.session_state[SCHEME_TAB_KEY] = SCHEME_TITLES["flat"]
    at.session_state["px_params_open"] = False
    at.run()
    at.switch_page("views/overview.py").run()
    at.switch_page(PRICING).run()
    no_exception(at)
    assert _target_table(at).set_index("Scheme")["Revenue (USD)"]["Subscription"] == after["Subscription"]


def test_your_prices_bill_with_their_expander_closed_or_open():
    at = new_app(page=PRICING)
    before = _target_table(at).set_index("Scheme")["Revenue (USD)"]
    at.session_state["px_prices_open"] = True
    at.run()
    no_exception(at)
    at.number_input(key="price_out").set_value(at.number_input(key="price_out").value * 2).run()
    opened = _target_table(at).set_index("Scheme")["Revenue (USD)"]
    assert opened["Flat per token"] > before["Flat per token"]
    at.session_state["px_prices_open"] = False
    at.run()
    no_exception(at)
    assert not [w for w in at.main.number_input if w.key == "price_out"]
    assert _target_table(at).set_index("Scheme")["Revenue (USD)"]["Flat per token"] == opened["Flat per token"]


def test_a_single_user_trace_says_so_and_subscriptions_are_not_ranked():
    at = new_app(page=PRICING)
    at.radio(key="wl_source").set_value("trace").run()
    no_exception(at)
    assert any("no user ids" in i.value for i in at.info)
    assert any(c.value.startswith("Ranked without the subscription") for c in at.main.caption)
    assert not any("Subscription" in k or "Hybrid" in k for k in metrics(at) if ":" in k)
    at.toggle(key="wl_synth").set_value(True).run()
    no_exception(at)
    assert not any(c.value.startswith("Ranked without the subscription") for c in at.main.caption)


def test_no_tile_names_a_loser_when_nothing_loses_money():
    at = new_app(page=PRICING)
    at.radio(key="wl_source").set_value("trace").run()
    at.session_state["price_in"], at.session_state["price_out"], at.session_state["px_markup"] = 20.0, 60.0, 5.0
    at.run()
    raised = 0
    for w in _scheme_tab(at, "activated-params").main.number_input:  # that scheme's own prices, raised too
        if "activated-params_" in w.key and "_usd_per_m_per_b_active" in w.key:
            w.set_value(1.0)
            raised += 1
    assert raised
    at.run()
    no_exception(at)
    m = metrics(at)
    assert m["Schemes that lose money"] == "none"
    assert not any(k.startswith(("Loses", "Most requests")) for k in m)


def test_deepseeks_day_beside_its_published_cost_and_revenue():
    at = new_app(page=PRICING)
    at.radio(key="wl_source").set_value("day").run()
    no_exception(at)
    m = {x.label: (x.value, x.proto.delta) for x in at.metric}
    cost = float(m["Modeled cost per day"][0].lstrip("$").replace(",", ""))
    revenue = float(m["Modeled revenue per day"][0].lstrip("$").replace(",", ""))
    assert m["Modeled cost per day"][1] == "published $87,072.00" and abs(cost / 87_072 - 1) < 0.25
    assert m["Modeled revenue per day"][1] == "published $562,027.00" and abs(revenue / 562_027 - 1) < 0.01
    assert m["Cost-profit margin (R−C)/C"][1] == "published 545%" and m["Gross margin (R−C)/R"][1] == "published 84.5%"
    assert any(md.value.startswith("**What the model does and does not capture.**") for md in at.main.markdown)


def test_validation_predicts_mlperf_server_under_its_latency_limits():
    at = new_app(page="views/model-validation.py")
    no_exception(at)
    assert int(metrics(at)["Latency-bounded runs compared"]) >= 10
    server = next(df.value for df in at.dataframe if "tpot_limit_ms" in df.value.columns)
    dsr1 = server[server["id"] == "mlperf51_dsr1_b200x8_server"].iloc[0]
    assert (dsr1.ttft_limit_s, dsr1.tpot_limit_ms) == (2.0, 80.0)  # MLPerf v5.1 DeepSeek-R1 Server limits
    assert (server["tokens_per_second_per_user"] >= 1000 / server["tpot_limit_ms"] - 1e-6).all()
    assert (server["ttft_p99_seconds"] <= server["ttft_limit_s"] + 1e-9).all()


def _volume(at) -> str:
    return next(m.value for m in at.main.markdown if m.value.startswith("**Volume modelled:**"))


def test_pricing_models_a_realistic_volume_from_a_small_sample():
    """The default synthetic workload: 100 chat users generated, each standing for 5,000 (ui.pricing
    DEFAULT_USER_SCALE), keep the default 8 H100s about half busy (0.021% for the 100 alone), and the page
    says what volume it models. Revenue is exactly k times the sample's under every scheme."""
    at = new_app(page=PRICING)
    no_exception(at)
    busy = float(metrics(at)["Busy share of the fleet"].rstrip("%"))
    assert 30 < busy < 80, busy
    assert not any("far too few" in i.value for i in at.main.info)
    volume = _volume(at)
    assert "500,000 users (100 generated, each standing for 5,000)" in volume, volume
    scaled = _target_table(at).set_index("Scheme")["Revenue (USD)"]
    at.number_input(key="wl_user_scale").set_value(1).run()
    no_exception(at)
    assert _volume(at).startswith("**Volume modelled:** 100 users,")
    sample = _target_table(at).set_index("Scheme")["Revenue (USD)"]
    assert np.allclose(scaled, 5_000 * sample, rtol=1e-9, atol=0)
