"""Optimization levers: a waterfall from a naive baseline to the scenario, lever by lever."""

import streamlit as st

from costmodel.analysis.levers import lever_steps, precision_choices, total_multiplier, waterfall
from ui import scenario_cache, tables
from ui.charts import waterfall_chart
from ui.format import fmt_multiplier, fmt_usd
from ui.money import ALL_IN_OUTPUT, PHASE_INPUT, PHASE_OUTPUT
from ui.page import open_page
from ui.scenario_cache import figure as cached_figure
from ui.widgets import chart, formula, spec_table

METRICS = {
    "usd_per_request": "USD per request",
    "usd_per_million_output_tokens_all_in": ALL_IN_OUTPUT,
    "usd_per_million_output_tokens": PHASE_OUTPUT,
    "usd_per_million_input_tokens": PHASE_INPUT,
}

page = open_page(
    "Optimization levers",
    "Start from a naive deployment of the same model on the same GPUs: every expert active, 16-bit weights "
    "and KV cache, unfused attention, KV memory reserved for each request's maximum, no prefix cache, no "
    "speculative decoding. Then switch on what your scenario uses, one lever at a time.",
    about="Scenario",
)
catalog, s = page.catalog, page.scenario
metric = st.radio("Cost measured as", list(METRICS), format_func=METRICS.get, horizontal=True, key="lever_metric",
                  persist_state="session")
steps = scenario_cache.computed(lever_steps, s)
if not steps["fits"].any():
    st.error("Neither the naive baseline nor your scenario fits in memory, even on more GPUs: add GPUs, use fewer "
             "weight bits or a shorter context.", icon=":material/memory:")
    st.stop()
if not steps["fits"].all():
    st.warning("Some steps do not fit in memory even with more GPUs; they are left out of the waterfall.")
bars = waterfall(steps, metric)
text = [fmt_usd(v) if m != "relative" else fmt_multiplier(x) if x == x else ""
        for m, v, x in zip(bars["measure"], bars["level"], bars["multiplier"], strict=True)]

c = st.columns(3)
c[0].metric("Naive baseline", fmt_usd(steps[metric].iloc[0]), help=METRICS[metric])
c[1].metric("Your scenario", fmt_usd(steps[metric].iloc[-1]), help=METRICS[metric])
c[2].metric("Levers combined", fmt_multiplier(total_multiplier(steps, metric)),
            help="Your scenario's cost divided by the naive baseline's.")
chart(cached_figure(waterfall_chart, list(bars["title"]), list(bars["value"]), list(bars["measure"]),
                                     f"From naive to your scenario: {METRICS[metric]}", METRICS[metric], text), "lever_waterfall",
      "Notice: the levers multiply rather than add, so each bar depends on the ones before it; memory levers "
      "(paging, quantization) pay off by letting a larger batch share each read of the weights.")
formula("a lever's multiplier",
        r"m_i = \frac{\text{cost after lever } i}{\text{cost before lever } i}, \qquad "
        r"\frac{\text{cost}_\text{scenario}}{\text{cost}_\text{naive}} = \prod_i m_i",
        "Each lever is estimated with the same engine; only the switched settings change between bars.")

st.subheader("The saving beside the accuracy it costs")
precision = steps.set_index("lever")
q = st.columns(2)
for col, lever, label in ((q[0], "weight_bits", f"{s.weight_bits}-bit weights"),
                          (q[1], "kv_bits", f"{s.kv_bits}-bit KV cache")):
    mult = precision.loc[lever, "multiplier"]
    col.metric(label, fmt_multiplier(mult) if mult == mult else "–", help="Multiplier on cost per request of this "
               "lever, in the waterfall's order.")
    col.markdown("**Published accuracy change**")
    for note in str(precision.loc[lever, "accuracy"]).split(" | "):  # one line per published figure
        col.caption(note)
with (bits_box := st.expander("Every bits choice for this model: cost beside accuracy", key="lv_bits_open",
                               on_change="rerun")):
    if bits_box.open:  # computed and built only while open
        spec_table(tables.PRECISIONS, scenario_cache.computed(precision_choices, s), "precisions")
st.caption("Figures are transcribed from the model cards and papers named, with their dates "
           "(data/quality/quantization.yaml, docs/data-sources.md); where nothing is published the page says so "
           "rather than guess. A benchmark change is for that checkpoint and method, not for every quantization.")

st.subheader("The technique table, made interactive")
spec_table(tables.LEVERS, steps, "levers")
st.caption("Notice: the 'typical gain' column quotes the seed article; the multiplier column is what the model "
           "gives for your scenario. A lever your scenario leaves off shows ×1.00.")
