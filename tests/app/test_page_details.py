"""Page-specific behaviour: what each page shows, its own controls, and its failure messages."""

from __future__ import annotations

import json

import pytest

from costmodel import Scenario, estimate, load_catalog
from tests.app.conftest import chart_specs, decode, metrics, new_app, no_exception, open_tools
from ui.money import PHASE_OUTPUT

CATALOG = load_catalog()


def test_overview_headline_numbers_match_the_engine():
    at = new_app({"prompt_tokens": "4096"})
    r = estimate(Scenario(prompt_tokens=4096), CATALOG)
    m = metrics(at)
    from ui.format import fmt_usd

    assert m["Cost per request"] == fmt_usd(r.usd_per_request)
    assert m[PHASE_OUTPUT] == fmt_usd(r.usd_per_million_output_tokens)
    illusion = chart_specs(at)[0]
    price = decode(illusion["data"][0]["y"])
    assert (price[1:] >= price[:-1]).all()  # the price line grows with the prompt


def test_overview_margin_follows_my_price():
    at = new_app()
    before = metrics(at)["Revenue per request"]
    at.number_input(key="price_out").set_value(10.0).run()
    no_exception(at)
    assert metrics(at)["Revenue per request"] != before


@pytest.mark.parametrize("tab", ["Context length", "Batch size", "Cache hit rate", "Marginal cost", "Roofline"])
def test_cost_curve_tabs_render_lazily(tab):
    at = new_app(page="views/cost-curves.py")
    at.session_state["curves_tab"] = tab
    at.run()
    no_exception(at)
    specs = chart_specs(at)
    assert 1 <= len(specs) <= 2  # only the open tab is drawn
    if tab == "Roofline":
        names = [t["name"] for t in specs[0]["data"]]
        assert "prefill" in names and "decode" in names


def test_levers_end_at_the_scenario_cost():
    at = new_app({"weight_bits": "8", "cache_hit_pct": "40"}, page="views/optimization-levers.py")
    no_exception(at)
    from ui.format import fmt_usd

    r = estimate(Scenario(weight_bits=8, cache_hit_rate=0.4), CATALOG)
    assert metrics(at)["Your scenario"] == fmt_usd(r.usd_per_request)
    assert len(at.dataframe) >= 1
    wf = chart_specs(at)[0]["data"][0]
    assert wf["type"] == "waterfall" and wf["measure"][0] == "absolute" and wf["measure"][-1] == "total"


def test_hardware_names_the_cheapest_gpu_of_its_table():
    at = new_app(page="views/hardware-comparison.py")
    no_exception(at)
    table = next(df.value for df in at.dataframe if "Cheapest" in df.value.columns)
    assert metrics(at)["Cheapest GPU"] == table.loc[table["Cheapest"], "GPU id"].iloc[0]
    assert len(table) == len(CATALOG.gpus)


def test_pricing_bills_presets_traces_and_uploaded_logs():
    at = new_app(page="views/pricing-schemes.py")
    no_exception(at)
    table = next(df.value for df in at.dataframe if "Scheme" in df.value.columns)
    assert len(table) == 9 and (table["Cost to serve (USD)"] > 0).all()
    # the unit is in the label, the value a bare amount: "$1,194.45 / M tok" did not fit a quarter-width metric
    assert metrics(at)["Break-even flat price, $/M tokens"].startswith("$")
    # the headline's measures are said in words (QA pass: a gross margin in % beside money lost in USD, unsaid)
    labels = list(metrics(at))
    margin = next(k for k in labels if k.startswith(("Best margin", "Loses the least")))
    assert metrics(at)[margin].endswith("%"), (margin, metrics(at)[margin])
    assert all("$" in metrics(at)[k] for k in labels if k.startswith("Loses the most"))
    assert any("Loses the most: money" in c.value and "gross margin" in c.value for c in at.main.caption)
    assert not any("Requests served at a loss" in df.value.columns for df in at.dataframe)  # built only while open
    at.session_state["px_report_open"] = True
    at.run()
    report = next(df for df in at.dataframe if "Requests served at a loss" in df.value.columns)
    formats = {k: v.get("type_config", {}).get("format") for k, v in json.loads(report.proto.columns).items()}
    assert formats["Margin (USD)"] == "dollar"  # "$%.2f" showed a loss as "$-9491.20"
    assert "Gross margin (R−C)/R, %" in report.value.columns and "Cost-profit margin (R−C)/C, %" in report.value.columns
    at.radio(key="wl_source").set_value("trace").run()
    no_exception(at)
    at.radio(key="wl_source").set_value("log").run()
    no_exception(at)
    assert at.info
    at.file_uploader(key="wl_upload").upload(
        "usage.csv", b"prompt_tokens,completion_tokens,user\n1000,200,a\n50000,800,b\n3000,100,a\n", "text/csv"
    ).run()
    no_exception(at)
    assert "3 requests from 2 users" in at.main.caption[0].value


def test_frontier_legend_says_1_gpu_per_replica():
    at = new_app({"model": "mixtral-8x7b", "gpus": "2", "weight_bits": "8"}, page="views/frontier.py")
    no_exception(at)
    names = {t.get("name") for spec in chart_specs(at) for t in spec["data"]}
    assert "1 GPU per replica" in names and "2 GPUs per replica" in names and "1 GPUs per replica" not in names


def test_data_tables_show_small_costs_to_four_significant_digits():
    """Right-sizing's "Data behind this chart" has costs of $0.0002 per request: Streamlit's default four decimals
    showed every row as 0.0002 (or 0.0001) for Mixtral on two H100s; float columns without a format get four significant digits."""
    at = new_app(page="views/right-sizing.py")
    at.session_state["rs_data_open"] = True  # the table is built only while its expander is open
    at.run()
    no_exception(at)
    data = next(df for df in at.dataframe if "Routing, USD per request" in df.value.columns)
    assert data.value["Large model only, USD per request"].max() < 1e-2  # four decimals: two significant digits at most
    formats = {k: v.get("type_config", {}).get("format") for k, v in json.loads(data.proto.columns).items()}
    assert formats["Routing, USD per request"] == formats["Large model only, USD per request"] == "$%.4g"


@pytest.mark.parametrize(("page", "state"), [
    ("views/cost-curves.py", {"cc_ctx_data_open": True}), ("views/frontier.py", {"fr_data_open": True}),
    ("views/right-sizing.py", {"rs_data_open": True}), ("views/energy.py", {"en_data_open": True}),
    ("views/agents-long-context.py", {"ag_tier_data_open": True, "ag_cp_data_open": True, "ag_turns_open": True})])
def test_data_behind_tables_have_human_labels(page, state):
    """QA pass (2026-12-02): the "Data behind" tables showed library names ("usd_per_million_output_tokens_all_in");
    every column now has a label with its unit (ui.tables)."""
    at = new_app(page=page)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    no_exception(at)
    frames = [df.value for df in at.main.dataframe]
    assert frames
    for df in frames:
        raw = [c for c in df.columns if "_" in str(c)]
        assert not raw, (page, raw)


def test_right_sizing_draws_routing_and_cascade_each_over_its_own_share():
    at = new_app(page="views/right-sizing.py")
    no_exception(at)
    specs = chart_specs(at)
    titles = [sp["layout"]["xaxis"]["title"]["text"] for sp in specs]
    assert "Routed share: traffic sent to the small model (%)" in titles
    assert "Escalated share: requests the small model passes to the large one (%)" in titles
    cascade = next(sp for sp in specs if sp["layout"]["xaxis"]["title"]["text"].startswith("Escalated"))
    mark = next(t for t in cascade["data"] if t.get("mode") == "markers")
    assert float(decode(mark["x"])[0]) == pytest.approx(20.0)  # the default escalation slider, 0.2


def test_energy_says_which_figures_are_all_in_and_its_arithmetic_checks_out():
    """3.6 MJ ÷ the joules per output token (decode only) is not the tokens per kWh (all-in): the page says so and
    shows the all-in division with its own numbers."""
    at = new_app(page="views/energy.py")
    no_exception(at)
    m = metrics(at)
    r = estimate(Scenario(), CATALOG)
    check = next(c.value for c in at.main.caption if c.value.startswith("Output tokens per kWh are all-in"))
    assert m["Output tokens per kWh"] in check and f"{r.joules_per_request:,.0f} J per request" in check
    assert 3.6e6 * Scenario().output_tokens / r.joules_per_request == pytest.approx(r.output_tokens_per_kwh)
    helps = {x.label: x.help for x in at.metric}
    assert "Phase split" in helps["Joules per output token"] and "All-in" in helps["Output tokens per kWh"]


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02", b"a,b\n1,2\n", b"prompt_tokens\nbanana\n"])
def test_pricing_bad_upload_shows_a_message(content):
    at = new_app(page="views/pricing-schemes.py")
    at.radio(key="wl_source").set_value("log").run()
    at.file_uploader(key="wl_upload").upload("bad.csv", content, "text/csv").run()
    no_exception(at)
    assert at.error or at.info


def test_pricing_reports_a_deployment_that_does_not_fit():
    at = new_app({"model": "llama-3.1-405b", "gpu": "l4", "gpus": "1"}, page="views/pricing-schemes.py")
    no_exception(at)
    assert any("Does not fit in memory" in e.value for e in at.error)  # the shared message, before any bill


def test_agents_caching_is_cheaper_and_turns_matter():
    at = new_app(page="views/agents-long-context.py")
    no_exception(at)
    m = metrics(at)
    cached, uncached = (float(m[k].lstrip("$").replace(",", "")) for k in
                        ("Session cost with prefix caching", "Without caching"))
    assert cached < uncached
    at.number_input(key="ag_turns").set_value(80).run()
    no_exception(at)
    assert metrics(at)["Without caching"] != m["Without caching"]


def test_learn_reproduces_the_seed_example():
    at = new_app(page="views/learn-basics.py")
    no_exception(at)
    latex = at.get("latex")[0].proto.body
    assert r"\$0.10 + \$0.024 = \$0.124" in latex
    assert any(md.value.startswith("**$0.124 for this request.**") for md in at.markdown)
    assert any("Glossary" in h.value for h in at.header)


def test_validation_shows_the_calibration_report():
    at = new_app(page="views/model-validation.py")
    no_exception(at)
    assert int(metrics(at)["Published cases compared"]) > 10
    at.toggle(key="val_mine").set_value(True).run()
    no_exception(at)
    table = next(df.value for df in at.dataframe if "predicted" in df.value.columns)
    assert ((table["model"] == "llama-3.1-70b") | (table["gpu"] == "h100-sxm")).all()


def test_validation_groups_errors_in_and_out_of_sample_with_readable_columns():
    """The per-group table names its columns for a person (it printed 'out-of-sample (source): median_bias'), and
    the radio switches the grouping by its label."""
    at = new_app(page="views/model-validation.py")
    no_exception(at)
    radio = at.radio(key="val_by")
    assert radio.options == ["Source", "Model family", "GPU family"]
    groups = at.dataframe[0].value
    assert groups.index.name == "Source" and "inferencex" in groups.index
    assert {"Cases", "In-sample: median |error|", "Source held out: bias",
            "Model family held out: within 2×"} <= set(groups.columns)
    radio.set_value("gpu_family").run()
    no_exception(at)
    groups = at.dataframe[0].value
    assert groups.index.name == "GPU family" and "hopper" in groups.index
    assert not any("_" in c for c in groups.columns)


def test_market_compares_list_prices_and_draws_a_tier():
    at = new_app(page="views/market-prices.py")
    no_exception(at)
    assert int(metrics(at)["Open-model list prices compared"]) > 0
    at.selectbox(key="mk_price:llama-3.1-70b").select("google/gemini-2.5-pro").run()
    no_exception(at)
    tier = chart_specs(at)[-1]
    assert any("tier above 200k" in a["text"] for a in tier["layout"]["annotations"])


def test_market_draws_the_new_models_price_after_a_model_change():
    """A preset switched the sidebar to Mixtral and the tier chart kept a Llama 3.1 70B list price over Mixtral's
    cost (seen in Chromium): the choice is kept per model."""
    at = new_app(page="views/market-prices.py")
    assert at.selectbox(key="mk_price:llama-3.1-70b").value.endswith("llama-3.1-70b-instruct-turbo")
    at.selectbox(key="model").select("mixtral-8x7b").run()
    no_exception(at)
    assert "mixtral" in at.selectbox(key="mk_price:mixtral-8x7b").value
    lines = [t["name"] for t in chart_specs(at)[-1]["data"]]
    assert any("mixtral" in n and "list price" in n for n in lines)


def test_market_shows_list_prices_as_of_a_date():
    import datetime as dt

    at = new_app(page="views/market-prices.py")
    assert not at.date_input  # the list-price table is drawn only while its expander is open
    at.session_state["mk_all_open"] = True
    at.run()
    no_exception(at)
    current = at.dataframe[-1].value
    at.date_input(key="mk_as_of").set_value(dt.date(2025, 1, 1)).run()
    no_exception(at)
    old = at.dataframe[-1].value
    # retired rows of that day (open-mixtral, retired 2025-03-30) and none that started later
    assert "open-mixtral-8x22b" in set(old["model"]) and "claude-opus-5.5" not in set(old["model"])
    assert "claude-opus-5.5" in set(current["model"])


@pytest.mark.parametrize("query", [
    {"model": "llama-3.1-405b", "gpu": "l4", "gpus": "1"},
    {"model": "deepseek-v3", "gpu": "tpu-v5e", "gpus": "1", "prompt_tokens": "160000"},
    {"model": "llama-4-scout", "prompt_tokens": "10000000", "output_tokens": "1000000", "gpus": "4096"},
    {"flash_attention": "false", "paged_kv": "false", "prefix_caching": "false", "prompt_tokens": "131000",
     "spec_draft_tokens": "16", "spec_acceptance_pct": "0"},
])
def test_extreme_scenarios_render_a_message_not_a_traceback(query):
    from tests.app.test_pages import PAGES

    at = new_app(query)
    for page in PAGES:
        at.switch_page(page).run()
        no_exception(at)


def test_cost_curves_overlay_the_pinned_scenario():
    at = open_tools(new_app(page="views/cost-curves.py"))
    at.sidebar.button(key="_pin").click().run()
    at.sidebar.select_slider(key="weight_bits").set_value(8).run()
    no_exception(at)
    names = [t["name"] for t in chart_specs(at)[0]["data"]]
    assert "Pinned scenario A" in names


def test_learn_page_arithmetic_checks_out():
    """Section 2 divides the hourly cost by the tokens an hour: the quoted result must be that quotient."""
    import re

    at = new_app(page="views/learn-basics.py")
    no_exception(at)
    text = next(m.value for m in at.main.markdown if m.value.startswith("A provider rents GPUs by the hour"))
    hourly, tokens, result = re.search(r"\$([\d,.]+) ÷ ([\d,]+) × 10⁶ = \*\*\$([\d.]+) all-in", text).groups()
    quotient = float(hourly.replace(",", "")) / float(tokens.replace(",", "")) * 1e6
    assert float(result) == pytest.approx(quotient, rel=5e-3)
    r = estimate(Scenario(), CATALOG)
    assert float(result) == pytest.approx(8 * r.gpu_hourly_usd / 3600 / r.output_tokens_per_second * 1e6, rel=5e-3)
    assert float(result) > r.usd_per_million_output_tokens  # all-in carries the prefill too: above the phase split


def test_cost_curves_cache_tab_shows_its_formula_and_it_adds_up():
    """QA pass (2026-12-02): the cache-hit tab had no formula. Its formula's arithmetic is the engine's: N GPUs at
    their hourly price times the prefilled and the decoded tokens' seconds give the cost per request."""
    from costmodel import Scenario, estimate, load_catalog

    at = new_app(page="views/cost-curves.py")
    at.session_state["curves_tab"] = "Cache hit rate"
    at.run()
    no_exception(at)
    assert any(e.label == "Formula: cost per request with prefix-cache hits" for e in at.expander)
    s = Scenario(cache_hit_rate=0.5)
    r = estimate(s, load_catalog())
    seconds = max((1 - s.cache_hit_rate) * s.prompt_tokens, 1) / r.prefill_tokens_per_second + \
        s.output_tokens / r.decode_tokens_per_second
    assert abs(s.gpus * r.gpu_hourly_usd / 3600 * seconds / r.usd_per_request - 1) < 1e-9


def test_pricing_explains_a_fleet_the_workload_barely_uses():
    """QA pass (2026-12-02): 100 chat users keep the smallest fleet 0.021% busy and every margin reads about
    -300,000% with no word why; the page now says so and what to try. A real trace (30% busy) gets no note."""
    at = new_app(page="views/pricing-schemes.py")
    at.number_input(key="wl_user_scale").set_value(1).run()  # the 100 users generated, no more
    no_exception(at)
    assert float(metrics(at)["Busy share of the fleet"].rstrip("%")) < 1
    note = next(i.value for i in at.main.info if "busy" in i.value)
    assert "far too few" in note and "Real users each one stands for" in note and "4 GPUs" in note, note
    at.radio(key="wl_source").set_value("trace").run()
    no_exception(at)
    assert float(metrics(at)["Busy share of the fleet"].rstrip("%")) > 1
    assert not any("far too few" in i.value for i in at.main.info)


@pytest.mark.parametrize(("page", "open_key"), [
    ("views/cost-curves.py", "cc_ctx_data_open"), ("views/frontier.py", "fr_data_open"),
    ("views/right-sizing.py", "rs_data_open"), ("views/energy.py", "en_data_open"),
    ("views/agents-long-context.py", "ag_turns_open"),
    ("views/optimization-levers.py", "lv_bits_open")])
def test_data_tables_are_built_only_while_their_expander_is_open(page, open_key):
    """Issue 13: a closed "data behind" expander costs a sidebar change no table work; opening it shows the table."""
    at = new_app(page=page)
    no_exception(at)
    closed = len(at.main.dataframe)
    at.session_state[open_key] = True  # what the click on the expander does (on_change="rerun")
    at.run()
    no_exception(at)
    assert len(at.main.dataframe) > closed
