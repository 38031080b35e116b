"""Validation: the model's predictions against published throughput measurements."""

import numpy as np
import streamlit as st

from costmodel.engine.calibration import summarize
from ui import tables
from ui.charts import bar_chart, scatter_chart
from ui.format import fmt_count, fmt_pct
from ui.page import open_page
from ui.widgets import cached_calibration, chart, spec_table

page = open_page("Validation", "Every number in this app comes from the same first-principles model. Here it "
                 "predicts throughputs that vendors and papers have published, with their setups, so you can judge "
                 "how far to trust it.", check_fit=False)
s = page.scenario
report = cached_calibration()
summ = summarize(report)
c = st.columns(4)
c[0].metric("Published cases compared", fmt_count(summ["cases"]))
c[1].metric("Median error", fmt_pct(summ["median_abs_error"]), help="Median of |predicted / measured − 1|.")
c[2].metric("Within 25%", fmt_pct(float((report["error"].abs() <= 0.25).mean())))
c[3].metric("Worst case", f"{summ['worst_ratio']:.2f}× off")

mine = (report["model"] == s.model) | (report["gpu"] == s.gpu)
groups = np.where(report["model"] == s.model, "your model",
                  np.where(report["gpu"] == s.gpu, "your GPU", "other cases"))
labels = [f"{r.id}: {r.model} on {r.gpus}× {r.gpu}, {r.unit}" for r in report.itertuples()]
chart(scatter_chart(report["measured"], report["predicted"], labels, title="Predicted vs published throughput",
                    x_title="Published (tokens per second, log)", y_title="Predicted (tokens per second, log)",
                    log_x=True, log_y=True, diagonal=True, groups=list(groups), diagonal_label="perfect prediction"),
      "parity", f"Notice: points on the dashed line are predicted exactly; {fmt_count(int(mine.sum()))} cases involve "
      f"your model ({s.model}) or GPU ({s.gpu}).")
order = report.sort_values("error")
chart(bar_chart(list(order["id"]), {"Signed error (%)": order["error"] * 100}, title="Error of each prediction",
                x_title="Published cases, sorted by error (hover a bar for its case)",
                y_title="Predicted ÷ published − 1 (%)", category_labels=False), "errors",
      "Notice: bars above zero are over-predictions (the model is optimistic), below zero under-predictions.")
only_mine = st.toggle("Only cases with my model or GPU", key="val_mine", persist_state="session")
shown = report[mine] if only_mine else report
spec_table(tables.VALIDATION, shown, "validation")
skipped = report.attrs.get("skipped", [])
if skipped:
    with st.expander(f"{len(skipped)} published measurements not compared, and why"):
        st.dataframe({"case": [k for k, _ in skipped], "reason": [v for _, v in skipped]}, hide_index=True)
