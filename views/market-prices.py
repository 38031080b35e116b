"""Market: real API list prices beside the modeled cost of comparable open models."""

import pandas as pd
import streamlit as st

from costmodel.analysis.compare import market_summary
from costmodel.pricing.prices import list_provider_prices, prices_as_of
from ui import scenario_cache, tables, theme
from ui.charts import dot_chart, line_chart
from ui.format import fmt_count, fmt_pct, fmt_tokens
from ui.money import COST_PROFIT_MARGIN, GROSS_MARGIN, HELP
from ui.page import open_page
from ui.scenario_cache import figure as cached_figure
from ui.widgets import chart, formula, spec_table, table

page = open_page("Market", "What API providers charge, set beside what this model says serving a comparable open "
                 "model costs on your GPUs. List prices are dated; check the source before relying on one.",
                 about="Your settings", note="Each open model runs on your GPU type as providers serve it: at its "
                 "cheapest fitting plan (GPU count and BF16 or FP8 weights, shown in the table), with your request "
                 "shape, KV precision, cache hit rate and efficiency assumptions.", check_fit=False)
catalog, s = page.catalog, page.scenario
prices = list_provider_prices()

df = scenario_cache.computed(scenario_cache.market_at_list_prices, s)
fit = df[df["fits"]] if len(df) else df
summary = market_summary(df)
MEDIAN_GROSS = "Median gross margin"
c = st.columns(4)
c[0].metric("Open-model list prices compared", fmt_count(summary["compared"]))
# short labels: a quarter-width column cut "Median implied cost-profit margin (r−c)/c" to "…marg…" (QA screenshots)
c[1].metric(MEDIAN_GROSS, fmt_pct(summary["median_margin_per_request"])
            if summary["fitting"] else "n/a", help="Implied by the list prices: 1 − modeled cost ÷ list price per request, at your "
            "request shape. " + HELP[GROSS_MARGIN])
c[2].metric("Median cost-profit margin",
            fmt_pct(summary["median_cost_profit_margin_per_request"], 0) if summary["fitting"] else "n/a",
            help="Implied by the list prices: list price ÷ modeled cost per request − 1. " + HELP[COST_PROFIT_MARGIN])
c[3].metric("Priced below cost", fmt_count(summary["below_cost"]),
            help="List prices per request under this deployment's modeled cost: cheaper hardware, better "
                 "utilisation or a loss leader.")
if len(fit):
    chart(cached_figure(dot_chart, list(fit["price_id"]), {"List price": fit["price_per_request_usd"],
                                                            "Modeled cost": fit["cost_per_request_usd"]},
                                   title=f"Price vs modeled cost per request ({fmt_tokens(s.prompt_tokens)} in, "
                                         f"{fmt_tokens(s.output_tokens)} out)",
                                   value_title="USD per request (log scale: equal steps are equal ratios)",
                                   category_title="Provider / model", money=True,
                                   symbols={"Modeled cost": "diamond"}), "market_bars",
          "Notice: the gap between the two dots is the implied margin; providers of the same open model price it very "
          "differently, and some sit below what even the cheapest plan on this GPU costs.")
    spec_table(tables.MARKET, df, "market")

st.subheader("Long-context tiers and cache discounts over the cost curve")
ids = [p.id for p in prices]
mine = [p.id for p in prices if p.catalog_model == s.model] or [p.id for p in prices if p.long_context_threshold]
# One choice per sidebar model (the key names it): one key kept a Llama 3.1 70B price over Mixtral's cost curve after
# a preset. Resetting the value in session state is not enough, the browser sends its widget's value back.
pid = st.selectbox("List price to draw", ids, index=ids.index(mine[0]) if mine else 0, key=f"mk_price:{s.model}",
                   persist_state="session")
price = next(p for p in prices if p.id == pid)
x, plain, cached, cost = scenario_cache.computed(scenario_cache.price_against_cost, s, pid)
thr = price.long_context_threshold
tier_drawn = bool(thr) and x.min() <= thr <= x.max()
cache_drawn = bool(s.cache_hit_rate) and price.cached_input is not None  # otherwise it repeats the list price
lines = {f"{pid} list price": plain, **({f"{pid} with your cache hits": cached} if cache_drawn else {}),
         f"Modeled cost ({s.model} on {s.gpus} × {s.gpu})": cost}
notes = ["Notice: the cost line has no step, it bends upwards smoothly as the prompt grows."]
notes.append(f"This price has a long-context tier: above {fmt_tokens(thr)} tokens every token of the request gets "
             "dearer, the step in the price line." if tier_drawn else
             "This price has no long-context tier in this range: its line is straight.")
notes.append(f"The dashed line bills your {fmt_pct(s.cache_hit_rate)} cache hits at the cached-input price."
             if cache_drawn else "Set a cache hit rate (with prefix caching on) to draw the cached-input price.")
chart(cached_figure(line_chart, x, lines, title="Price per request vs cost per request as the prompt grows",
                                x_title="Prompt length (tokens, log)", y_title="USD per request (log)", log_x=True, log_y=True,
                                y_money=True, hover_y="$%{y:.4g}", dashed=(f"{pid} with your cache hits",),
                                vlines=[(float(thr), f"tier above {fmt_tokens(thr)}", theme.REFERENCE)] if tier_drawn else ()),
      "market_tier", " ".join(notes))
formula("implied margin", r"m = 1 - \frac{\text{modeled cost per request}}{\text{list price per request}}")
# Drawn only while open (on_change="rerun"): building this table from every price row was ~9% of a rerun.
with (all_box := st.expander(f"All {len(prices)} list prices, with dates, validity periods and sources",
                             key="mk_all_open", on_change="rerun")):
    if all_box.open:
        as_of = st.date_input("Prices as of", value=None, key="mk_as_of", help="Empty: the current price of each "
                              "model. A date: the rows valid on that day (retired models and earlier price periods).")
        shown = prices if as_of is None else prices_as_of(as_of)
        table(pd.DataFrame([p.model_dump(mode="json") for p in shown]), "provider-list-prices", "prices")
