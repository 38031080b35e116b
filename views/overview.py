"""Overview: the scenario in one sentence, its headline numbers and the token illusion."""

import streamlit as st

from costmodel import estimate
from costmodel.analysis.compare import compare_scenarios
from costmodel.analysis.unit_economics import margin_at_price, margin_pct
from costmodel.engine.validation import headline_ranges
from ui import scenario_cache
from ui.charts import illusion_chart, line_chart
from ui.format import fmt_rate, fmt_seconds, fmt_usd, readable_ratios
from ui.money import (
    GROSS_MARGIN,
    PHASE_SPLIT_NOTE,
    margin_metrics,
    margin_pcts,
    money_caption,
    money_metrics,
    service_level_help,
    service_level_value,
)
from ui.page import open_page
from ui.theme import DEFAULT_LIST_PRICE_USD_PER_M
from ui.widgets import cached_band, chart, formula, table

page = open_page("Overview", "What it costs to serve this scenario, and what it earns at a price you choose.",
                 about="Scenario", check_fit=True)
catalog, s, r = page.catalog, page.scenario, page.estimate


money_metrics(r.usd_per_million_output_tokens_all_in, r.usd_per_million_tokens_blended,
              (r.usd_per_million_input_tokens, r.usd_per_million_cached_input_tokens, r.usd_per_million_output_tokens),
              utilization=s.utilization)
st.caption(f"{PHASE_SPLIT_NOTE} {money_caption(s.utilization, r.gpu_hourly_usd)}")
if s.burst_requests:  # say what the burst costs against the steady stream the rest of the app assumes
    steady = scenario_cache.computed(estimate, s.model_copy(update={"burst_requests": None}))
    st.caption(f"A burst of {s.burst_requests:,} requests, timed to the last reply (sidebar, Workload): while the "
               f"batch fills and drains {r.concurrency:,.0f} requests decode together on average, against "
               f"{steady.concurrency:,.0f} in a steady stream, so output throughput is "
               f"{fmt_rate(r.output_tokens_per_second)} instead of {fmt_rate(steady.output_tokens_per_second)} and "
               f"all-in cost {fmt_usd(r.usd_per_million_output_tokens_all_in)} instead of "
               f"{fmt_usd(steady.usd_per_million_output_tokens_all_in)} per million output tokens.")
c = st.columns(4)
c[0].metric("Cost per request", fmt_usd(r.usd_per_request), help="Prefill plus decode GPU time of one request.")
c[1].metric("Output throughput", fmt_rate(r.output_tokens_per_second),
            help="Output tokens per second across the whole deployment.")
c[2].metric("Speed per user", fmt_rate(r.tokens_per_second_per_user),
            help="Output tokens per second each user sees: the replica's output rate over the requests it holds "
                 "(their streams also wait while other requests' prompts are prefilled); speculative decoding "
                 "included.")
c[3].metric("GPUs", f"{s.gpus} = {r.replicas} × {r.tensor_parallel}",
            help=f"{r.replicas} replicas of {r.tensor_parallel} GPUs; {r.concurrency:,.0f} requests decoded "
                 f"together (at most {r.max_concurrency:,} fit).")
lo, hi = ratios = cached_band()  # one cache read (each returns a copy)
band = headline_ranges(r.output_tokens_per_second, r.usd_per_request, ratios)
st.caption(f"Uncertainty: out of sample, 80% of published cases measured ×{lo:.2f} to "
           f"×{hi:.2f} of the prediction, so throughput {fmt_rate(band['throughput'][0])} – "
           f"{fmt_rate(band['throughput'][1])} and cost per request {fmt_usd(band['cost'][0])} – "
           f"{fmt_usd(band['cost'][1])} (Validation page).")
c = st.columns(4)
c[0].metric("Time to first token", fmt_seconds(r.ttft_seconds), help="Prefill of one prompt, no queueing.")
c[1].metric("Time to first token, p99 under load", fmt_seconds(r.ttft_p99_seconds),
            help="One decode step, the 99th-percentile wait behind other prompts' prefills (an M/M/1 queue with "
                 "Poisson arrivals: factor 1/(1 − prefill share of the replica's time)), then the own prefill.")
c[2].metric("Time per output token", fmt_seconds(r.tpot_seconds), help="One decode step at this batch size.")
c[3].metric("Service level", service_level_value(s, r), help=service_level_help(s, r))
if not r.meets_slo and r.fits:
    st.warning(f"{service_level_help(s, r)} The figures above are at one request per replica.",
               icon=":material/speed:")

st.subheader("Margin at your price")
p1, p2 = st.columns(2)
price_in = p1.number_input("Your list price, USD per million input tokens", min_value=0.0, max_value=1000.0,
                           value=DEFAULT_LIST_PRICE_USD_PER_M, step=0.01, format="%.2f", key="price_in",
                           persist_state="session")
price_out = p2.number_input("Your list price, USD per million output tokens", min_value=0.0, max_value=1000.0,
                            value=DEFAULT_LIST_PRICE_USD_PER_M, step=0.01, format="%.2f", key="price_out",
                            persist_state="session")
m = margin_at_price(s.prompt_tokens, s.output_tokens, r.usd_per_request, price_in, price_out)
c = st.columns(4)
c[0].metric("Revenue per request", fmt_usd(m.revenue_usd))
c[1].metric("Margin per request", fmt_usd(m.margin_usd))
margin_metrics(c[2:], *margin_pcts(m))

x, cost, price = scenario_cache.illusion(s, price_in, price_out)
chart(scenario_cache.figure(illusion_chart, x, price, cost, s.prompt_tokens), "illusion",
      "Notice: the price line grows in proportion to tokens, the cost line bends upwards as attention and the "
      "KV cache crowd out the batch; where the red line crosses the blue one every request loses money. The cost "
      "line ends where one request no longer fits in memory.")
chart(scenario_cache.figure(line_chart, x, {GROSS_MARGIN: margin_pct(price, cost)},
                           title="Gross margin as the prompt grows", x_title="Prompt length (tokens, log)",
                           y_title="Gross margin (% of the price)", log_x=True,
                           marker=(s.prompt_tokens,
                                   float(margin_pct(m.revenue_usd, m.cost_usd)) if m.revenue_usd else 0.0,
                                   "this scenario"),
                           hover_y="%{y:.1f}%"), "margin_curve",
      "Notice: the same per-token price earns a thinner margin on every longer request; below zero the request "
      "is served at a loss.")
formula("price vs cost per request",
        r"\text{price} = S_\text{in}\,p_\text{in} + S_\text{out}\,p_\text{out} \qquad "
        r"\text{cost} = \frac{N \cdot \$_\text{GPU-h}}{3600} \cdot \frac{1}{\text{requests/s}}",
        "Requests per second fall faster than linearly with the prompt length S_in: prefill attention grows "
        "with S_in², and each request's KV cache (∝ S_in) leaves room for fewer requests in the batch.")

a = page.pinned
if a is not None:
    st.subheader("Pinned scenario A vs the current scenario B")
    table(readable_ratios(compare_scenarios(a, s, catalog)), "scenario-a-vs-b", "compare_ab")
    st.caption("Settings that differ, then each metric with its ratio B / A (below 1: B is cheaper or faster).")
