"""Energy: joules per token, tokens per kWh and the electricity bill, from the GPUs' power and how busy they are."""

import numpy as np
import pandas as pd
import streamlit as st

from costmodel import Scenario, estimate_arrays
from costmodel.analysis.energy_reference import energy_beside_published
from costmodel.engine.energy import grams_co2
from ui import tables
from ui.charts import line_chart
from ui.format import fmt_usd
from ui.page import open_page
from ui.widgets import chart, formula, spec_table

page = open_page(
    "Energy",
    "What a token costs in electricity. A GPU draws its datasheet TDP when its kernels run flat out and an idle "
    "floor when they do not; the server around it and the data centre's cooling add their share. Every "
    "assumption below is yours to change.",
    about="Deployment",
)
catalog, s = page.catalog, page.scenario
gpu = page.gpu
if gpu.tdp_w is None:
    st.warning(f"The catalog has no datasheet TDP for {gpu.name}: there is no energy figure for it.")
    st.stop()

defaults = Scenario()
c = st.columns(5)
idle = c[0].number_input("GPU idle power, share of TDP", 0.0, 1.0, defaults.gpu_idle_power_fraction, 0.05,
                         key="en_idle", help=Scenario.model_fields["gpu_idle_power_fraction"].description,
                         persist_state="session")
host = c[1].number_input("Host power, share of GPU power", 0.0, 5.0, defaults.host_power_fraction, 0.05,
                         key="en_host", help=Scenario.model_fields["host_power_fraction"].description,
                         persist_state="session")
pue = c[2].number_input("PUE", 1.0, 3.0, defaults.pue, 0.05, key="en_pue",
                        help="Facility power / IT power. Hyperscale fleets report about 1.1; industry surveys "
                        "average about 1.5.", persist_state="session")
kwh = c[3].number_input("Electricity, USD per kWh", 0.0, 10.0, defaults.electricity_usd_per_kwh, 0.01,
                        key="en_kwh", persist_state="session")
grid = c[4].number_input("Grid intensity, gCO2e per kWh (0 = not shown)", 0.0, 2000.0, 0.0, 10.0, key="en_grid",
                         persist_state="session")
s = s.model_copy(update={"gpu_idle_power_fraction": idle, "host_power_fraction": host, "pue": pue,
                         "electricity_usd_per_kwh": kwh})
one = estimate_arrays(s, catalog)
if not bool(one["fits"]):
    st.error("The model and one request do not fit this deployment: no energy figure.")
    st.stop()
v = {k: float(np.asarray(one[k])) for k in ("joules_per_output_token", "joules_per_input_token",
                                            "output_tokens_per_kwh", "usd_energy_per_million_output_tokens",
                                            "usd_per_million_output_tokens", "all_in_power_watts", "gpu_busy_share",
                                            "joules_per_request")}
m = st.columns(5)
# Two bases side by side, said on the page: 3.6 MJ ÷ 0.415 J per output token is 8.7M, not the 4.25M tokens per kWh.
m[0].metric("Joules per output token", f"{v['joules_per_output_token']:.3g} J",
            help="Phase split, like the phase-split $/M output: the decode time of one output token at the "
                 "deployment's all-in power. The prompt's prefill is in the joules per input token.")
m[1].metric("Joules per input token", f"{v['joules_per_input_token']:.3g} J",
            help="Phase split: the prefill time of one prompt token at the deployment's all-in power.")
m[2].metric("Output tokens per kWh", f"{v['output_tokens_per_kwh']:,.0f}",
            help="All-in: GPUs, host and PUE, and a request's whole energy (its prefill included) over its output "
                 "tokens.")
m[3].metric("Electricity / M output tok", fmt_usd(v["usd_energy_per_million_output_tokens"]),
            help="Phase split (decode only), like the joules per output token. Against "
                 f"{fmt_usd(v['usd_per_million_output_tokens'])} of phase-split GPU rental per M output tokens.")
m[4].metric("Deployment power, all-in", f"{v['all_in_power_watts'] / 1000:.1f} kW",
            help=f"GPUs busy {v['gpu_busy_share']:.0%} of the time while serving.")
st.caption(f"Output tokens per kWh are all-in: 3.6 MJ ÷ ({v['joules_per_request']:,.0f} J per request ÷ "
           f"{s.output_tokens:,} output tokens) = {v['output_tokens_per_kwh']:,.0f}. The joules and the electricity per "
           "output token are the decode phase's share only, as in the phase-split dollars.")
if grid > 0:
    st.markdown(f"At **{grid:.0f} gCO2e/kWh**: **{float(grams_co2(v['joules_per_request'], grid)):.3g} g** per "
                f"request, **{float(grams_co2(v['joules_per_output_token'] * 1e6, grid)) / 1000:.3g} kg** per "
                "million output tokens (location-based, operational only: no embodied carbon).")

batches = np.unique(np.round(np.geomspace(1, max(float(np.asarray(one["max_concurrency"])), 2), 24)))
curve = estimate_arrays(s, catalog, concurrency=batches)
chart(line_chart(batches, {"Joules per output token": curve["joules_per_output_token"]},
                 title="Energy per output token against requests in flight", x_title="Concurrent requests (log)",
                 y_title="J per output token (log)", log_x=True, log_y=True), "energy_batch",
      "Notice: a GPU serving one request draws most of its power reading weights for a single token; batching "
      "shares each read across many requests, so the energy per token falls about as fast as the cost does.")
with (energy_box := st.expander("Data behind this chart", key="en_data_open", on_change="rerun")):
    if energy_box.open:  # built only while open
        spec_table(tables.ENERGY_VS_BATCH, pd.DataFrame({"concurrency": batches, **{
            k: curve[k] for k in ("joules_per_output_token", "output_tokens_per_kwh", "all_in_power_watts")}}),
            "energy_table")
st.subheader("Beside a published figure")
st.caption("SemiAnalysis InferenceMAX (2025-10-09) publishes tokens/s per MW of all-in provisioned utility power: "
           "throughput per GPU over a fixed power per GPU that sums the TDPs of the GPU, its share of server, "
           "network and facility overhead (1.73 kW for an H100, 2.17 kW for a B200). Ours is an average draw at "
           "your idle share, host share and PUE above, for the same configuration (not your sidebar scenario). "
           "*Ours on their power basis* divides our throughput by their kW, leaving the throughput difference alone.")
spec_table(tables.PUBLISHED_ENERGY, energy_beside_published(catalog, s), "energy_published")
formula("energy per token",
        r"P = N\,\text{TDP}\,\big(f_\text{idle} + (1-f_\text{idle})\,u\big)(1 + h)\,\text{PUE},\qquad "
        r"E_\text{token} = P \cdot t_\text{token}",
        "u: the share of time the busy GPUs run kernels at their roofline (idle GPUs at u = 0); h: host share; "
        "t_token: the deployment seconds the engine charges the token (the same split as its dollars).")
