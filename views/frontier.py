"""Frontier: throughput per GPU and all-in cost per million tokens against each user's speed, for every plan
and batch, with the scenario's point and the published measurements of this model and GPU."""

import pandas as pd
import streamlit as st

from costmodel.analysis.frontier import frontier_points, operating_point
from costmodel.analysis.published_points import comparable, published_points, usd_per_million_output
from ui import tables, theme
from ui.charts import frontier_chart
from ui.format import fmt_gpus, fmt_rate
from ui.money import ALL_IN_OUTPUT, money_caption
from ui.page import open_page
from ui.widgets import chart, formula, spec_table

page = open_page("Throughput vs interactivity", "The chart inference engineers read: every plan (GPUs per replica) "
                 "and every batch per replica, as throughput per GPU and all-in cost per million output tokens "
                 "against the speed each user sees. A bigger batch is cheaper per token and slower per user; the "
                 "thick line is the best plan at each speed. The diamond is your scenario.", about="Scenario",
                 check_fit=True)
catalog, s, r = page.catalog, page.scenario, page.estimate

points = frontier_points(s, catalog)
here = operating_point(s, r)
target = s.min_tokens_per_second_per_user
every_run = published_points(s.model, s.gpu)
near = comparable(every_run, s)
show_all = st.toggle("Show every published run of this model and GPU, however it was run",
                     key="frontier_all_runs", disabled=every_run.empty)
measured = every_run if show_all else every_run[near]
rate = r.gpu_hourly_usd


def _curves(y: str) -> dict[str, tuple]:
    return {f"{fmt_gpus(tp)} per replica": (g["tokens_per_second_per_user"].to_numpy(), g[y].to_numpy())
            for tp, g in points.groupby("tensor_parallel")}


def _envelope(y: str) -> tuple:
    on = points[points["on_frontier"]]
    return on["tokens_per_second_per_user"].to_numpy(), on[y].to_numpy()


def _group(point_id: str) -> str:
    if point_id.startswith("mlperf"):
        return "Published: MLPerf Server / Interactive"
    if point_id.startswith("ix"):
        return "Published: InferenceX"
    return "Published: other runs"


def _published(y_values) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    if measured.empty:
        return out
    labels = [f"{row.id}: {row.isl:,.0f} in / {row.osl:,.0f} out, {row.system_gpus:.0f} GPUs, {row.serving}"
              + (", speculative" if row.speculative else "") for row in measured.itertuples()]
    frame = pd.DataFrame({"g": [_group(i) for i in measured["id"]], "x": measured["tokens_per_second_per_user"],
                          "y": y_values, "label": labels})
    for g, part in frame.groupby("g", sort=False):
        out[str(g)] = (part["x"].to_numpy(), part["y"].to_numpy(), part["label"].tolist())
    return out


you = f"your scenario ({fmt_rate(here['tokens_per_second_per_user'])} per user)"
if points.empty:
    st.warning("No plan of this deployment fits one request: add GPUs or shorten the context.")
else:
    chart(frontier_chart(_curves("output_tokens_per_second_per_gpu"), _envelope("output_tokens_per_second_per_gpu"),
                         title="Throughput per GPU vs tokens/s per user", y_title="Output tokens/s per GPU (log)",
                         log_y=True, current=(here["tokens_per_second_per_user"],
                                              here["output_tokens_per_second_per_gpu"], you),
                         published=_published(measured.get("output_tokens_per_second_per_gpu", [])),
                         target=target or None, hover_y="%{y:,.0f} output tok/s per GPU"),
          "frontier_throughput",
          "Notice: moving right (faster for each user) costs throughput per GPU; a speed target is a vertical line "
          "and the best plan is where it meets the thick curve.")
    chart(frontier_chart(_curves("usd_per_million_output_tokens_all_in"),
                         _envelope("usd_per_million_output_tokens_all_in"),
                         title=f"{ALL_IN_OUTPUT} vs tokens/s per user", y_title="USD per million output tokens (log)",
                         y_money=True, log_y=True,
                         current=(here["tokens_per_second_per_user"], here["usd_per_million_output_tokens_all_in"], you),
                         published=_published(usd_per_million_output(measured, rate) if not measured.empty else []),
                         target=target or None, hover_y="$%{y:.3g} per M output tokens", color=theme.COST),
          "frontier_cost", "Notice: the same GPUs cost several times more per token when each user must be served "
          "fast. " + money_caption(s.utilization, rate))
if every_run.empty:
    st.info(f"No published measurement of {page.model.name} on {page.gpu.name} states a per-user speed; the "
            "calibration sets have them for DeepSeek-V3/R1, Kimi K2, Mixtral, Llama 2 70B and gpt-oss on H100, "
            "H200, B200, GB200, GB300 and AMD MI300X/MI325X/MI355X.", icon=":material/info:")
else:
    st.caption(f"{len(measured)} of {len(every_run)} published measurements of this model on this GPU are drawn "
               + ("(every run)" if show_all else "(those run like your scenario: mean prompt and output lengths "
                  "within 2× of yours, the same weight precision, speculative decoding on or off as yours)")
               + ", each at its own GPU count and serving layout (hover a point); their cost is at your GPU-hour "
               "price. Source: data/calibration/public-calibration-moe.csv.")

with (frontier_box := st.expander("Data behind these charts", key="fr_data_open", on_change="rerun")):
    if frontier_box.open:  # built only while open
        spec_table(tables.FRONTIER, points, "frontier_data")
        if not measured.empty:
            spec_table(tables.PUBLISHED_POINTS, measured, "frontier_published")
formula("per-user speed and all-in cost",
        r"\text{tok/s per user} = \frac{\text{output tok/s}}{\text{requests in flight}} \qquad "
        r"\frac{\$}{10^6\ \text{output tok}} = \frac{N\,\$_\text{GPU-h}/3600}{\text{output tok/s}\cdot u}\times 10^6",
        "Little's law on each replica under continuous batching: a user's stream also waits for the prefills of "
        "the requests that replace finished ones. N GPUs at the GPU-hour price, u the fleet's average "
        "utilization.")
