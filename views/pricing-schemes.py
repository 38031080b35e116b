"""Pricing schemes: one workload billed under every scheme, against its cost to serve."""

import streamlit as st

from costmodel import CostModelError
from ui import pricing, tables
from ui.charts import bar_chart, histogram_chart
from ui.format import fmt_count, fmt_pct, fmt_tokens, fmt_usd, fmt_usd_per_mtok, md_escape
from ui.page import open_page
from ui.theme import DEFAULT_LIST_PRICE_USD_PER_M
from ui.widgets import chart, formula, spec_table

SOURCES = {"synthetic": "Preset workload", "trace": "Real trace", "log": "Your usage log"}

page = open_page("Pricing schemes", "Take a month of requests, bill every one of them under nine pricing schemes, "
                 "and set the revenue beside what serving them costs on your deployment.", about="Deployment",
                 note="Each request is costed at its own length and cache hits.")
s = page.scenario

source = st.radio("Workload", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="wl_source",
                  persist_state="session")
workload, key = None, ""
if source == "log":
    up = st.file_uploader("Usage log (CSV, JSONL or Parquet with prompt and output token counts)",
                          type=["csv", "jsonl", "json", "parquet"], key="wl_upload")
    if up is None:
        st.info("Upload a log to bill your own traffic; nothing leaves this session.")
        st.stop()
    workload, error, digest = pricing.read_upload(up.getvalue(), up.name)
    if error:
        st.error(md_escape(error), icon=":material/error:")
        st.stop()
    key = f"upload:{digest}"
else:
    choices = pricing.workload_choices(source)
    wid = st.selectbox("Which one", list(choices), format_func=choices.get, key=f"wl_{source}",
                       persist_state="session")
    users = st.number_input("Users (synthetic presets)", 10, 2000, 100, step=10, key="wl_users",
                            persist_state="session") if source == "synthetic" else None
    workload, key = pricing.cached_workload(wid, users), f"{wid}:{users}"
summ = workload.summary()
st.caption(f"{md_escape(workload.title)}: {fmt_count(summ['requests'])} requests from {fmt_count(summ['users'])} users, mean "
           f"{fmt_tokens(summ['mean_prompt_tokens'])} prompt and {fmt_tokens(summ['mean_output_tokens'])} output "
           f"tokens, {fmt_pct(summ['prefix_cache_hit_rate'])} of input tokens cached. {md_escape(workload.source)}"
           + (f" Skipped {summ['skipped_rows']:,} unusable rows." if summ["skipped_rows"] else ""))

with st.expander("Your prices", icon=":material/sell:", expanded=False):
    c = st.columns(4)
    p_in = c[0].number_input("USD per M input tokens", 0.0, 1000.0, DEFAULT_LIST_PRICE_USD_PER_M, 0.01,
                             key="price_in", persist_state="session")
    p_out = c[1].number_input("USD per M output tokens", 0.0, 1000.0, DEFAULT_LIST_PRICE_USD_PER_M, 0.01, key="price_out",
                              persist_state="session")
    fee = c[2].number_input("Subscription, USD per month", 0.0, 10_000.0, 20.0, 1.0, key="px_fee",
                            persist_state="session")
    markup = c[3].number_input("Compute-time markup (×)", 0.1, 100.0, 1.5, 0.1, key="px_markup",
                               persist_state="session")
    st.caption("Per-token schemes share these prices; the long-context tier charges 2× input and 1.5× output above "
               "its threshold. Other parameters keep the defaults in data/prices/schemes.yaml.")
overrides = pricing.price_overrides(p_in, p_out, fee, markup)
try:
    report = pricing.cached_bill(s.model_dump_json(), key, pricing.freeze(overrides), workload)
except CostModelError as exc:
    st.error(f"Cannot cost this workload on this deployment: {exc}", icon=":material/memory:")
    st.stop()

df = report.to_frame()
be = report.break_even["zero_margin"]
c = st.columns(4)
c[0].metric("Cost to serve the workload", fmt_usd(report.break_even["cost_usd"]))
tm = report.break_even["target_margin"]
c[1].metric("Break-even flat price", fmt_usd_per_mtok(be["blended_usd_per_m"]),
            help="One price per token, input and output alike, at which revenue equals cost. For a "
                 f"{tm['target_margin_pct']:.0f}% margin: {fmt_usd_per_mtok(tm['blended_usd_per_m'])}.")
best = df.loc[df["margin_usd"].idxmax()]
c[2].metric(f"Best margin: {best['title']}", fmt_usd(best["margin_usd"]),
            delta=fmt_pct(best["margin_pct"] / 100) if best["margin_pct"] is not None else None)
worst = df.loc[df["loss_request_share"].fillna(0).idxmax()]
c[3].metric(f"Most requests at a loss: {worst['title']}", fmt_pct(worst["loss_request_share"] or 0))

chart(bar_chart(list(df["title"]), {"Revenue": df["revenue_usd"], "Cost to serve": df["cost_usd"]},
                title="Revenue and cost of the same workload under each scheme", x_title="Pricing scheme",
                y_title="USD for the whole workload", y_money=True, horizontal=True),
      "schemes_rev",
      "Notice: the cost bar is the same under every scheme; only the revenue moves, and per-token schemes miss the "
      "requests whose cost grows faster than their tokens.")
chart(bar_chart(list(df["title"]), {"Requests served at a loss (%)": df["loss_request_share"].fillna(0) * 100},
                title="Share of requests that cost more than they earn", x_title="Pricing scheme",
                y_title="Requests served at a loss (%)", horizontal=True), "schemes_loss",
      "Notice: even a scheme with a healthy total margin can lose money on many single requests: long prompts, "
      "uncached agents, heavy subscribers.")
shown = st.multiselect("Bill distributions of", list(df["scheme"]), default=["flat", "subscription", "compute-time"],
                       key="bill_schemes", persist_state="session")
chart(histogram_chart({sid: report.bills[sid] for sid in shown if sid in report.bills},
                      title="What customers pay per month", x_title="Bill per user-month (USD, log scale)",
                      y_title="User-months", log_x=True), "bills",
      "Notice: subscriptions make bills predictable (a spike at the fee) while compute-time bills spread with usage.")
formula("break-even flat price", r"p^{*} = \frac{C}{\sum_r S^{r}_\text{in} + \rho \sum_r S^{r}_\text{out}}, "
        r"\quad \rho = p_\text{out}/p_\text{in}", "C is the cost of serving every request of the workload.")
spec_table(tables.PRICING_REPORT, report.to_frame(), "pricing", name=f"pricing-{key}")
