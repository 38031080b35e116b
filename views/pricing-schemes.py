"""Pricing schemes: what should I charge? A workload billed under every scheme against the fleet it needs."""

import streamlit as st

from costmodel import CostModelError
from ui import pricing, tables
from ui.charts import bar_chart, histogram_chart
from ui.format import fmt_count, fmt_pct, fmt_tokens, fmt_usd, fmt_usd_per_mtok, md_escape
from ui.money import COST_PROFIT_MARGIN, GROSS_MARGIN, HELP, fmt_margin_pct
from ui.page import open_page
from ui.scenario_cache import figure as cached_figure
from ui.widgets import chart, formula, spec_table, table
from ui.worked_example import day_panel

SOURCES = {"synthetic": "Preset workload", "trace": "Real trace", "log": "Your usage log",
           "day": "DeepSeek's published day"}

page = open_page("Pricing schemes", "What should you charge? Take a workload, size the fleet it needs at your "
                 "service level, bill every request under nine pricing schemes, and see which prices reach your "
                 "margin once idle GPUs are paid for too.", about="Deployment",
                 note="Each request is costed at its own length and cache hits.")
s = page.scenario

source = st.radio("Workload", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="wl_source",
                  persist_state="session")
if source == "day":
    day_panel("deepseek-day")
    st.stop()
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
    users = scale = None
    if source == "synthetic":
        c = st.columns(2)
        users = c[0].number_input("Users generated (a sample)", 10, 2000, 100, step=10, key="wl_users",
                                  persist_state="session", help=pricing.USERS_HELP)
        scale = c[1].number_input("Real users each one stands for", 1, pricing.MAX_USER_SCALE,
                                  pricing.DEFAULT_USER_SCALE, step=500, key="wl_user_scale",
                                  persist_state="session", help=pricing.USER_SCALE_HELP)
    workload, key = pricing.cached_workload(wid, users), f"{wid}:{users}"
    if scale is not None and scale != 1:
        workload, key = workload.with_user_scale(int(scale)), f"{key}:x{scale}"
if not workload.users_known:
    st.info("This workload has no user ids: it is one stream of requests, so a subscription would bill a single "
            "customer for all of it. Subscriptions and the hybrid scheme need users and their usage spread; they "
            "are left out of the ranking unless you synthesize users.", icon=":material/group:")
    if st.toggle("Synthesize users (assign requests to users at random)", key="wl_synth", persist_state="session"):
        n = st.number_input("Synthetic users", 2, 100_000, 100, step=10, key="wl_synth_users",
                            persist_state="session")
        workload, key = pricing.with_synthetic_users(workload, key, int(n)), f"{key}:users{n}"
summ = workload.summary()
single_user = summ["users"] <= 1
volume = st.empty()  # the volume modelled, over the hours the fleet below covers
st.caption(f"{md_escape(workload.title)}: {fmt_count(summ['requests'])} requests from {fmt_count(summ['users'])} users, mean "
           f"{fmt_tokens(summ['mean_prompt_tokens'])} prompt and {fmt_tokens(summ['mean_output_tokens'])} output "
           f"tokens, {fmt_pct(summ['prefix_cache_hit_rate'])} of input tokens cached. {md_escape(workload.source)}"
           + (f" Skipped {summ['skipped_rows']:,} unusable rows." if summ["skipped_rows"] else ""))

st.subheader("The fleet this workload needs")
shapes = pricing.load_shape_choices()
c = st.columns(4)
if source == "synthetic":  # a preset spreads its requests at random over the month: its own shape is flat
    shapes[pricing.FROM_TIMESTAMPS] = pricing.SYNTHETIC_TIMESTAMPS_TITLE
shape = c[0].selectbox("Load over the day", list(shapes), format_func=shapes.get, key="fl_shape",
                       persist_state="session", help="How the traffic spreads over the hours it covers: the fleet is "
                       "sized for the busiest hour, so a peaked day leaves GPUs idle in the quiet ones.")
shape = pricing.shape_to_bill(shape, workload)
headroom = c[1].slider("Peak headroom (×)", 1.0, 3.0, 1.2, 0.05, key="fl_headroom", persist_state="session",
                       help="Spare capacity above the busiest hour's load (1.2 = 20% more GPUs).")
billing = c[2].radio("GPU billing", pricing.GPU_BILLINGS, horizontal=True, key="fl_billing", persist_state="session",
                     help="On-demand: the catalog's rental price, paid by the hour. Reserved: a committed rate, paid "
                     "every hour of the term (so the fleet cannot scale down).")
autoscale = c[3].toggle("Autoscale hourly", key="fl_autoscale", persist_state="session",
                        disabled=billing == "reserved",
                        help="Each hour keeps only the replicas its load needs (on-demand GPUs, or nodes lent to "
                        "other work at night); off: the busiest hour's fleet is held the whole time.")
st.caption(pricing.service_level_sentence(s))

# Both expanders draw their widgets only while open (on_change="rerun"): closed, the values the widgets hold are
# read back from the session (persist_state), and a sidebar change costs ~60 widgets less (benchmarks/bench_server.py).
prices_box = st.expander("Your prices", icon=":material/sell:", expanded=False, key="px_prices_open",
                         on_change="rerun")
with prices_box:
    p_in, p_out, fee, markup = pricing.price_inputs(draw=bool(prices_box.open))
base = pricing.price_overrides(p_in, p_out, fee, markup)
params_box = st.expander("Every scheme parameter", icon=":material/tune:", expanded=False, key="px_params_open",
                         on_change="rerun")
with params_box:
    overrides = pricing.scheme_overrides(base, draw=bool(params_box.open))
target = st.slider("Target gross margin (%)", 0, 90, 40, 5, key="px_target", persist_state="session",
                   help=HELP[GROSS_MARGIN] + " The table below gives each scheme's prices that reach it.")
try:
    frozen = pricing.freeze(overrides)
    report, prices, prices_shown = pricing.cached_fleet_bill(
        s.model_dump_json(), key, pricing.fleet_bill_key(frozen), shape, headroom,
        bool(autoscale and billing != "reserved"), billing, float(target), workload, frozen)
except (CostModelError, ValueError) as exc:
    st.error(f"Cannot cost this workload on this deployment: {md_escape(exc)}", icon=":material/memory:")
    st.stop()

fleet, op = report.fleet, report.fleet["operating_point"]
volume.markdown(pricing.volume_sentence(summ, fleet["hours"]))
c = st.columns(4)
c[0].metric("Cost to serve the workload", fmt_usd(fleet["cost_usd"]),
            help="The fleet's GPU-hours over the hours the workload covers, busy and idle, at "
                 f"{fmt_usd(fleet['gpu_hourly_usd'])} per GPU-hour ({fleet['gpu_rate_source']}).")
c[1].metric("GPUs provisioned", fmt_count(fleet["gpus_provisioned"]),
            help=f"{fleet['replicas_provisioned']} replicas of {fleet['gpus_per_replica']} GPUs in the busiest hour; "
                 f"{fleet['average_gpus']:,.1f} on average over {fleet['hours']} hours.")
c[2].metric("Busy share of the fleet", fmt_pct(fleet["busy_share"], 1 if fleet["busy_share"] >= 0.01 else 3),
            help="Busy GPU-hours ÷ provisioned GPU-hours: the fleet's average utilization.")
c[3].metric("Idle cost", fmt_usd(fleet["idle_cost_usd"]), help="Paid for GPUs that wait: cost − busy cost.")
st.caption(pricing.fleet_sentence(fleet, op))
if fleet["busy_share"] < pricing.IDLE_FLEET_SHARE:
    st.info(pricing.idle_fleet_note(fleet, summ["requests"]), icon=":material/hourglass_empty:")

ranked = prices if not single_user else prices[~prices["scheme"].isin(pricing.NEEDS_USERS)]
be = report.break_even
c = st.columns(4)
# the unit in the label: in a quarter-width column "$1,194.45 / M tok" was cut to "$1,194.45 / …"
c[0].metric("Break-even flat price, $/M tokens", fmt_usd(be["zero_margin"]["blended_usd_per_m"]),
            help="One price per token, input and output alike, at which revenue equals the fleet's cost. For a "
                 f"{be['target_margin']['target_margin_pct']:.0f}% margin: "
                 f"{fmt_usd_per_mtok(be['target_margin']['blended_usd_per_m'])}.")
best = ranked.loc[ranked["margin_usd"].idxmax()]
c[1].metric(f"{'Best margin' if best['margin_usd'] >= 0 else 'Loses the least'}: {best['title']}",
            fmt_margin_pct(best["gross_margin_pct"]), help=HELP[GROSS_MARGIN])
losing = ranked[ranked["margin_usd"] < 0]
if losing.empty:
    c[2].metric("Schemes that lose money", "none", help="Every scheme ranked earns more than the fleet costs.")
else:
    worst = losing.loc[losing["margin_usd"].idxmin()]
    c[2].metric(f"Loses the most: {worst['title']}", fmt_usd(worst["margin_usd"]),
                help=f"{len(losing)} of {len(ranked)} schemes earn less than the fleet costs at these prices.")
# "Cost-profit margin (R−C)/C, best scheme" was cut to "Cost-profit margin (R−C)/C, best …" (QA screenshots)
c[3].metric("Best cost-profit margin", fmt_margin_pct(best["cost_profit_margin_pct"], 0),
            help=HELP[COST_PROFIT_MARGIN])
# the measures in words, not in the labels: a quarter-width label cut "Loses the most, USD: Compute t…"
st.caption("Best margin and loses the least: the scheme's gross margin, (revenue − cost) ÷ revenue. Loses the most: "
           "money, revenue − cost over the whole workload. Cost-profit margin: (revenue − cost) ÷ cost.")
if single_user:
    st.caption("Ranked without the subscription and hybrid schemes: with one customer their revenue is one fee.")

st.subheader(f"What to charge for a {target}% gross margin")
table(prices_shown, "prices-at-target-margin", "px_target_table",
      column_config=pricing.TARGET_COLUMNS)
st.caption("Each scheme's money parameters multiplied by cost ÷ ((1 − margin) × revenue): revenue scales with "
           "every price of a scheme at once, so this factor reaches the margin exactly, with the same requests "
           "served. Below 1: the scheme could charge less; above 1: it must charge more.")

df = report.to_frame()
chart(cached_figure(pricing.revenue_and_cost_figure, list(df["title"]), df["revenue_usd"], df["cost_usd"]),
      "schemes_rev", pricing.revenue_and_cost_note(df["revenue_usd"], df["cost_usd"]))
chart(cached_figure(bar_chart, list(df["title"]), {"Requests served at a loss (%)": df["loss_request_share"].fillna(0) * 100},
                               title="Share of requests that cost more than they earn", x_title="Pricing scheme",
                               y_title="Requests served at a loss (%)", horizontal=True), "schemes_loss",
      "Notice: even a scheme with a healthy total margin can lose money on many single requests: long prompts, "
      "uncached agents, heavy subscribers.")
shown = st.multiselect("Bill distributions of", list(df["scheme"]), default=["flat", "subscription", "compute-time"],
                       key="bill_schemes", persist_state="session")
chart(cached_figure(histogram_chart, {sid: report.bills[sid] for sid in shown if sid in report.bills},
                                     title="What customers pay per month", x_title="Bill per user-month (USD, log scale)",
                                     y_title="User-months", log_x=True, weight=workload.user_scale), "bills",
      "Notice: subscriptions make bills predictable (a spike at the fee) while compute-time bills spread with usage.")
formula("price for a target margin", r"k = \frac{C}{(1 - m)\,R}, \qquad p_i^{*} = k\,p_i, \qquad "
        r"\text{gross } m = \frac{R - C}{R}, \quad \text{cost-profit } = \frac{R - C}{C}",
        "C is the fleet's cost over the hours the workload covers (idle GPUs included), R a scheme's revenue at "
        "its current prices p_i.")
# Built only while open (on_change="rerun"), like the expanders above: the nine schemes' every figure is the
# page's largest table, and a sidebar change that redrew it closed cost ~7% of the page's server CPU (py-spy).
with (report_box := st.expander("Every scheme's figures: the table and its CSV", icon=":material/table:",
                                key="px_report_open", on_change="rerun")):
    if report_box.open:
        spec_table(tables.PRICING_REPORT, df, "pricing", name=f"pricing-{key}")
        st.caption(f"Margins: {GROSS_MARGIN} and {COST_PROFIT_MARGIN}, both in the table above.")
