"""Validation: the model's predictions against published throughput measurements."""

import streamlit as st

from ui import tables, validation
from ui.format import fmt_count, fmt_pct
from ui.page import open_page
from ui.widgets import chart, spec_table, table

page = open_page("Validation", "Every number in this app comes from the same first-principles model. Here it "
                 "predicts throughputs that vendors and papers have published, with their setups, so you can judge "
                 "how far to trust it.", check_fit=False)
s = page.scenario
nums = validation.summaries()  # fixed data: the numbers, tables and charts are computed once per process
summ, oos = nums["calibration"], nums["validation"]
c = st.columns(4)
c[0].metric("Published cases compared", fmt_count(summ["cases"]))
c[1].metric("Median error", fmt_pct(summ["median_abs_error"]), help="Median of |predicted / measured − 1|.")
c[2].metric("Within 25%", fmt_pct(nums["within_25"]))
c[3].metric("Worst case", f"{summ['worst_ratio']:.2f}× off")

st.subheader("In-sample and out-of-sample")
st.caption("The efficiency defaults were fitted to these same cases, so the error above is in-sample. "
           "Out-of-sample: the same fit is repeated with one source (or one model family) held out, and the held-out "
           "cases are predicted from the others (cross-validation).")
v = st.columns(4)
v[0].metric("In-sample median error", fmt_pct(oos["predicted_in_sample"]["median_abs_error"]))
v[1].metric("Out-of-sample median error", fmt_pct(oos["predicted_oos_source"]["median_abs_error"]),
            help="Each source predicted by efficiencies fitted on the other sources.")
v[2].metric("Out-of-sample within 2×", fmt_pct(oos["predicted_oos_source"]["within_2x"]))
lo, hi = nums["band"]
v[3].metric("80% band on a prediction", f"×{lo:.2f} – ×{hi:.2f}",
            help="Measured ÷ predicted for 80% of the out-of-sample cases: the band the headline numbers carry.")
by = st.radio("Errors by", list(validation.GROUPINGS), format_func=validation.GROUPINGS.get, horizontal=True,
              key="val_by")
groups = validation.errors_by_shown(by)
st.dataframe(groups, use_container_width=True, column_config=validation.errors_by_columns(groups))
st.caption("Median |error|: median of |predicted ÷ measured − 1|. Bias: median of predicted ÷ measured − 1 "
           "(above zero: the model is optimistic). Out of sample: each group predicted by efficiencies fitted "
           "without its source, or without its model family.")
for item in nums["strict"]:
    st.caption(f"Stricter still: {item['why']}, rows this table also scores. Reverting them to the generic values "
               f"in the folds that hold those rows out, {item['family'].upper()} goes from {fmt_pct(item['plain'])} "
               f"to {fmt_pct(item['strict'])} median error out of sample (bias {item['strict_bias']:+.0%}): the error "
               f"to expect where no measurement on that hardware backs its kernels. Overall "
               f"{fmt_pct(oos['predicted_oos_source_strict']['median_abs_error'])} with a source held out.")

parity, n_mine = validation.parity_figure(s.model, s.gpu)
chart(parity, "parity", f"Notice: points on the dashed line are predicted exactly; {fmt_count(n_mine)} cases involve "
      f"your model ({s.model}) or GPU ({s.gpu}).")
chart(validation.error_bars(), "errors",
      "Notice: bars above zero are over-predictions (the model is optimistic), below zero under-predictions.")
only_mine = st.toggle("Only cases with my model or GPU", key="val_mine", persist_state="session")
spec_table(tables.VALIDATION, validation.case_table(s.model, s.gpu) if only_mine else validation.case_table(),
           "validation")
skipped = validation.skipped_cases()
if skipped:
    with st.expander(f"{len(skipped)} published measurements not compared, and why"):
        st.dataframe({"case": [k for k, _ in skipped], "reason": [v for _, v in skipped]}, hide_index=True)

st.subheader("MLPerf Server and Interactive, under their latency limits")
ss = nums["server"]
c = st.columns(4)
c[0].metric("Latency-bounded runs compared", fmt_count(ss["cases"]))
c[1].metric("Median error under the limits", fmt_pct(ss["median_abs_error"]), help="Median of |predicted / measured − 1|.")
c[2].metric("Within 25% under the limits", fmt_pct(nums["server_within_25"]) if nums["server_within_25"] is not None else "n/a")
c[3].metric("Worst latency-bounded case", f"{ss['worst_ratio']:.2f}× off")
st.markdown("Each run is predicted at the largest batch per replica that meets its limits: the TPOT limit as a "
            "minimum speed per user (1 ÷ TPOT; MLPerf's p99 TPOT sits within a few percent of its median, so the "
            "mean is compared), and the TTFT limit at p99 under Poisson arrivals (an M/M/1 queue of prefills: the "
            "wait grows as 1 ÷ (1 − the prefill share of the replica's time)). The column *binds* says what stopped "
            "the batch: the speed target (tpot), the first-token target (ttft), memory or the engine's limits.")
table(validation.server_table(), "mlperf-server-under-latency-limits", "val_server")
if ss["skipped"]:
    st.caption("Not compared: " + "; ".join(f"{k} ({v})" for k, v in validation.server_skipped()) + ".")
