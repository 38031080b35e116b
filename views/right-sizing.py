"""Right-sizing and routing: send part of the traffic to a smaller model, or cascade small then large."""

import numpy as np
import streamlit as st

from costmodel import CostModelError
from costmodel.analysis.routing import (
    DISTILLATION_PAIRS,
    ListPrice,
    RouteRule,
    blend_cascade,
    blend_routed,
    both_fit,
    cost_vs_share,
    pair_costs,
    requests_from_presets,
)
from ui import tables
from ui.charts import line_chart
from ui.format import fmt_usd
from ui.page import open_page
from ui.widgets import chart, formula, spec_table

MIX = ("chat", "rag", "coding-assistant")

page = open_page(
    "Right-sizing and routing",
    "Not every request needs the largest model. Route a share of the traffic to a smaller one by a rule, or "
    "cascade: the small model answers first and escalates a share to the large one, which then pays for both. "
    "Distillation is the same lever with a student model trained on the large one's outputs: the catalog ships "
    "DeepSeek-R1-Distill-Qwen-32B as the student of DeepSeek-R1 (the DeepSeek-V3 architecture).",
    about="Large model",
)
catalog, s = page.catalog, page.scenario
models = sorted(catalog.models)
default_small = DISTILLATION_PAIRS.get(s.model, "llama-3.1-8b")
c = st.columns(4)
small = c[0].selectbox("Small model", models, index=models.index(default_small), key="rt_small",
                       help="Served on the same GPU type and count; the planner picks its parallelism.",
                       persist_state="session")
rule_kind = c[1].radio("Route by", ["share", "prompt_length", "label"], key="rt_rule", horizontal=True,
                       format_func={"share": "percentage", "prompt_length": "prompt length",
                                    "label": "workload label"}.get, persist_state="session")
p_in = c[2].number_input("Your price, USD per M input tokens", 0.0, 1000.0, 0.88, 0.01, key="rt_pin",
                         help="Default: Together's Llama 3.1 70B Turbo list price (data/prices, 2026-11-12).",
                         persist_state="session")
p_out = c[3].number_input("Your price, USD per M output tokens", 0.0, 1000.0, 0.88, 0.01, key="rt_pout",
                          persist_state="session")
price = ListPrice(float(p_in), float(p_out)) if p_in or p_out else None

if rule_kind == "share":
    share = st.slider("Share of traffic to the small model", 0.0, 1.0, 0.5, 0.05, key="rt_share",
                      persist_state="session")
    rule = RouteRule("share", share=share)
elif rule_kind == "prompt_length":
    limit = st.number_input("Prompts up to this many tokens go small", 0, 1_000_000, 2000, 250, key="rt_limit",
                            persist_state="session")
    rule = RouteRule("prompt_length", max_prompt_tokens=int(limit))
else:
    labels = st.multiselect("Workloads sent to the small model", MIX, default=["chat"], key="rt_labels",
                            persist_state="session")
    rule = RouteRule("label", labels=tuple(labels))
escalate = st.slider("Cascade: share the small model escalates to the large one", 0.0, 1.0, 0.2, 0.05,
                     key="rt_escalate", persist_state="session")

requests = requests_from_presets(MIX, per_preset=400)
try:
    c_large, c_small = pair_costs(s, small, requests, catalog=catalog)
except CostModelError as exc:
    st.error(f"Cannot cost the pair: {exc}", icon=":material/error:")
    st.stop()
if np.isnan(c_large).any() or np.isnan(c_small).any():
    st.warning("Some requests of the mix do not fit one of the deployments; they are left out of the means.")
    requests, c_large, c_small = both_fit(requests, c_large, c_small)
if not len(c_large):
    st.error("No request of the mix fits both deployments: add GPUs or pick another pair.")
    st.stop()
routed = blend_routed(requests, c_large, c_small, rule.routed(requests.prompt_tokens, requests.labels), price)
cascade = blend_cascade(requests, c_large, c_small, np.full(c_large.shape, escalate), price)

st.markdown("**Cost per 1,000 requests**")
m = st.columns(3)
m[0].metric("Large model only", fmt_usd(1000 * routed.usd_per_request_large_only),
            help="USD per 1,000 requests of the mix")
m[1].metric(f"Routed ({routed.small_share:.0%} small)", fmt_usd(1000 * routed.usd_per_request),
            delta=f"{-routed.saving:+.0%}", delta_color="inverse")
m[2].metric(f"Cascade ({escalate:.0%} escalated)", fmt_usd(1000 * cascade.usd_per_request),
            delta=f"{-cascade.saving:+.0%}", delta_color="inverse")
if price is not None:
    g = st.columns(3)
    margin_help = f"At your price: {fmt_usd(routed.price_per_request)} per request on average, every request billed."
    for col, label, value in ((g[0], "Margin, large model only", routed.large_only_margin),
                              (g[1], "Margin, routed", routed.margin), (g[2], "Margin, cascade", cascade.margin)):
        col.metric(label, f"{value:.1%}", help=margin_help)

curve = cost_vs_share(s, small, requests, np.linspace(0, 1, 21), price_large=price, catalog=catalog)
share_pct = curve["share"] * 100
baseline = {"Large model only": curve["large_only_usd_per_request"]}
if price is not None:
    baseline["Your price"] = curve["price_per_request"]
# One chart per lever: the same "share" is the routed share for routing and the escalated share for a cascade
# (QA pass: one chart over an axis named "Share" left a reader to guess which).
routing_marker = ((100 * routed.small_share, routed.usd_per_request, "your routed share")
                  if rule_kind == "share" else None)  # a length or label rule picks its own requests, off this curve
chart(line_chart(share_pct, {"Routed to the small model": curve["routed_usd_per_request"], **baseline},
                 title="Routing: cost per request against the share sent to the small model",
                 x_title="Routed share: traffic sent to the small model (%)", y_title="USD per request",
                 y_money=True, dashed=("Large model only", "Your price"), marker=routing_marker), "routing_share",
      "Notice: routing saves in proportion to the share sent small.")
chart(line_chart(share_pct, {"Cascade, escalated to the large model": curve["cascade_usd_per_request"], **baseline},
                 title="Cascade: cost per request against the share escalated to the large model",
                 x_title="Escalated share: requests the small model passes to the large one (%)",
                 y_title="USD per request", y_money=True, dashed=("Large model only", "Your price"),
                 marker=(100 * escalate, cascade.usd_per_request, "your escalated share")), "cascade_share",
      "Notice: a cascade pays the small model on every request, so it saves only while the escalated share stays "
      "below 1 − small/large cost.")
with (routing_box := st.expander("Data behind these charts", key="rs_data_open", on_change="rerun")):
    if routing_box.open:  # built only while open
        spec_table(tables.ROUTING, curve.assign(share=share_pct), "routing_table")
formula("blended cost per request",
        r"c_\text{route} = \overline{r_i\,c_\text{small}(i) + (1-r_i)\,c_\text{large}(i)},\qquad "
        r"c_\text{cascade} = \overline{c_\text{small}(i) + e\,c_\text{large}(i)}",
        "Means over a mix of 400 chat, 400 RAG and 400 coding-assistant requests (the workload presets), each "
        "costed by the engine on its own deployment; r_i is 0/1 for a length or label rule, the share for a "
        "percentage; e is the escalation share.")
st.caption("Routing changes cost, not quality: what share a small model can take without hurting answers is "
           "measured per task (FrugalGPT, Chen et al. arXiv 2305.05176; RouteLLM, Ong et al. arXiv 2406.18665).")
