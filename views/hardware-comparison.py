"""Hardware: the scenario's workload on every GPU in the catalog."""

import streamlit as st

from costmodel.analysis.compare import compare_gpus
from ui import scenario_cache, tables, theme
from ui.charts import bar_chart, dot_chart
from ui.format import fmt_gpus, fmt_tokens, fmt_usd
from ui.money import ALL_IN_OUTPUT, HELP, PHASE_INPUT, PHASE_OUTPUT, money_caption
from ui.page import open_page
from ui.scenario_cache import figure as cached_figure
from ui.widgets import chart, formula, spec_table

MODES = {"cheapest": "Cheapest GPU count for each", "fit": "Fewest GPUs that fit", "same": "Same count as the sidebar"}

page = open_page("Hardware", lambda p: f"One workload, {p.model.name} with {fmt_tokens(p.scenario.prompt_tokens)}-token "
                 f"prompts and {fmt_tokens(p.scenario.output_tokens)}-token answers, served on every accelerator in "
                 "the catalog, each at its own dated rental price.", check_fit=False)
catalog, s = page.catalog, page.scenario
mode = st.radio("GPUs per deployment", list(MODES), format_func=MODES.get, horizontal=True, key="hw_mode",
                persist_state="session", help="Power-of-two counts from 1 to 256 are tried for the first two.")
df = scenario_cache.computed(compare_gpus, s, gpu_count=s.gpus if mode == "same" else mode)
fit = df[df["fits"]]
if fit.empty:
    st.error("The model does not fit on any GPU at these settings; try fewer weight bits or more GPUs.")
    st.stop()
best = fit.iloc[0]
c = st.columns(4)
c[0].metric("Cheapest GPU", best["gpu"], help=f"{best['name']}: {fmt_gpus(best['gpus'])} at "
            f"{fmt_usd(best['gpu_hourly_usd'])} per GPU-hour")
c[1].metric("Its cost per request", fmt_usd(best["usd_per_request"]))
c[2].metric(ALL_IN_OUTPUT, fmt_usd(best["usd_per_million_output_tokens_all_in"]),
            help="On the cheapest GPU. " + HELP[ALL_IN_OUTPUT])
c[3].metric(PHASE_OUTPUT, fmt_usd(best["usd_per_million_output_tokens"]), help="On the cheapest GPU. " + HELP[PHASE_OUTPUT])
st.caption(f"Cheapest: {best['name']}, {fmt_gpus(best['gpus'])} at {fmt_usd(best['gpu_hourly_usd'])} per GPU-hour "
           f"(price of {best['price_date']}). {money_caption(s.utilization, best['gpu_hourly_usd'])}")

names = list(fit["name"])
vendors = [theme.vendor_color(catalog.gpu(g).vendor) for g in fit["gpu"]]
chart(cached_figure(dot_chart, names, {f"{PHASE_INPUT} (○)": fit["usd_per_million_input_tokens"],
                                       f"{PHASE_OUTPUT} (●)": fit["usd_per_million_output_tokens"],
                                       f"{ALL_IN_OUTPUT} (◆)": fit["usd_per_million_output_tokens_all_in"]},
                               title="Cost per million tokens on each GPU (cheapest first; colour = vendor)",
                               value_title="USD per million tokens (log scale: equal steps are equal ratios)", category_title="GPU",
                               money=True,
                               highlight=best["name"], point_colors=vendors,
                               symbols={f"{PHASE_INPUT} (○)": "circle-open", f"{PHASE_OUTPUT} (●)": "circle",
                                        f"{ALL_IN_OUTPUT} (◆)": "diamond"}),
      "hw_cost", "Notice: the cheapest rental per hour is rarely the cheapest per token; memory bandwidth and "
      "capacity decide how many requests share each read of the weights. Dots on a log axis: one step to the "
      "right is the same multiple anywhere on it.")
chart(cached_figure(bar_chart, names, {"Output tokens per second per GPU": fit["output_tokens_per_second_per_gpu"]},
                               title="Throughput per GPU", x_title="GPU", y_title="Output tokens per second per GPU",
                               horizontal=True, colors={"Output tokens per second per GPU": theme.OUTPUT}),
      "hw_speed", "Notice: throughput per GPU tracks memory bandwidth while decode is memory-bound.")
formula("all-in cost per million output tokens",
        r"\frac{\$}{\text{M tok}} = \frac{N \cdot \$_\text{GPU-h} / 3600}{\text{output tokens/s}} \times 10^6")
st.subheader("Every GPU")
spec_table(tables.HARDWARE, df, "hardware")
st.caption("Notice: rows that do not fit show no cost; prices are rental list prices with the date they were read. "
           "A price set in the sidebar applies to the sidebar's GPU only.")
missing = df[~df["fits"]]
if len(missing):
    st.caption("Does not fit at these settings: " + ", ".join(missing["name"]) + ".")
