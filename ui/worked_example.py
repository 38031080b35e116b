"""A published day (DeepSeek's) drawn as the app's worked example: modeled beside published.

The numbers are costmodel.analysis.worked_example's (its own deployment, service level and load
shape, not the sidebar's); this module caches them (fixed data) and lays them out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from costmodel.analysis.worked_example import worked_example
from ui.format import fmt_count, fmt_pct, fmt_usd
from ui.money import COST_PROFIT_MARGIN, GROSS_MARGIN, HELP, fmt_margin_pct, margins_text


@st.cache_data(show_spinner="Modelling the published day…", max_entries=2)
def cached_worked_example(day_id: str) -> dict:
    """The worked example (fixed inputs: computed once per process)."""
    return worked_example(day_id)


def _difference(modeled: float | None, published: float | None) -> str:
    if modeled is None or published is None or not published:
        return ""
    diff = modeled / published - 1
    return f"{diff:+.3%}" if abs(diff) < 0.001 else f"{diff:+.1%}"


def comparison_frame(ex: dict) -> pd.DataFrame:
    """Modeled beside published, one row per figure, as shown."""
    m, p = ex["modeled"], ex["published"]
    rows = [
        ("Cost, USD per day (the fleet, idle GPUs included)", fmt_usd(m["cost_usd"]), fmt_usd(p["cost_usd"]),
         _difference(m["cost_usd"], p["cost_usd"])),
        ("Revenue, USD per day (every token at R1 prices)", fmt_usd(m["revenue_usd"]), fmt_usd(p["revenue_usd"]),
         _difference(m["revenue_usd"], p["revenue_usd"])),
        (GROSS_MARGIN, fmt_margin_pct(m["gross_margin_pct"]), fmt_margin_pct(p["gross_margin_pct"]), ""),
        (COST_PROFIT_MARGIN, fmt_margin_pct(m["cost_profit_margin_pct"], 0),
         fmt_margin_pct(p["cost_profit_margin_pct"], 0), ""),
        ("H800 nodes, average", f"{m['average_nodes']:,.1f}", f"{p['average_nodes']:,.2f}",
         _difference(m["average_nodes"], p["average_nodes"])),
        ("H800 nodes, peak", f"{m['peak_nodes']:,.0f}", fmt_count(p["peak_nodes"]),
         _difference(m["peak_nodes"], p["peak_nodes"])),
    ]
    return pd.DataFrame(rows, columns=["Figure", "Modeled", "Published", "Modeled vs published"])


def day_panel(day_id: str = "deepseek-day") -> None:
    """The published day: four headline metrics, the comparison table and what the model does and does not
    capture."""
    ex = cached_worked_example(day_id)
    m, p, f = ex["modeled"], ex["published"], ex["fleet"]
    op = f["operating_point"]
    st.subheader(ex["title"])
    st.caption(f"A worked example with its own deployment, service level and load (from the published day, "
               f"not the sidebar): replicas of {f['gpus_per_replica']} H800s at {fmt_usd(f['gpu_hourly_usd'])} per "
               f"GPU-hour ({f['gpu_rate_source']}), load shape {f['load_shape']['title']}.")
    c = st.columns(4)
    c[0].metric("Modeled cost per day", fmt_usd(m["cost_usd"]), delta=f"published {fmt_usd(p['cost_usd'])}",
                delta_color="off", delta_arrow="off", help="The fleet the model sizes for the day, idle GPUs included, at $2 per H800-hour.")
    c[1].metric("Modeled revenue per day", fmt_usd(m["revenue_usd"]), delta=f"published {fmt_usd(p['revenue_usd'])}",
                delta_color="off", delta_arrow="off", help="Every token of the day at DeepSeek-R1's list prices, as DeepSeek computed it.")
    c[2].metric(GROSS_MARGIN, fmt_margin_pct(m["gross_margin_pct"]),
                delta=f"published {fmt_margin_pct(p['gross_margin_pct'])}", delta_color="off", delta_arrow="off", help=HELP[GROSS_MARGIN])
    c[3].metric(COST_PROFIT_MARGIN, fmt_margin_pct(m["cost_profit_margin_pct"], 0),
                delta=f"published {fmt_margin_pct(p['cost_profit_margin_pct'], 0)}", delta_color="off", delta_arrow="off",
                help=HELP[COST_PROFIT_MARGIN])
    st.dataframe(comparison_frame(ex), hide_index=True, key="day_comparison")
    st.markdown(
        f"Modeled: {margins_text(m['gross_margin_pct'], m['cost_profit_margin_pct'])}; DeepSeek published "
        f"{margins_text(p['gross_margin_pct'], p['cost_profit_margin_pct'])}. Served at "
        f"{op['tokens_per_second_per_user']:.1f} output tokens/s per user (what binds: {op['binding_constraint']}), "
        f"in replicas of {f['gpus_per_replica']} GPUs "
        f"{'following the load hour by hour' if f['autoscale'] else 'held all day'}; the fleet is busy "
        f"{fmt_pct(f['busy_share'])} of the time and its idle GPUs cost {fmt_usd(f['idle_cost_usd'])} a day.")
    st.markdown(f"**What the model does and does not capture.** {ex['captured']}")
    st.caption(f"Source: {ex['source']}")


__all__ = ["comparison_frame", "cached_worked_example", "day_panel"]
