"""The Validation page's computed pieces, cached: the published cases do not change with the scenario.

Why: every sidebar change reruns the page, and recomputing the same error summaries over the same ~260 cases
was half of its server time (py-spy on ``streamlit run``, benchmarks/bench_server.py: 130 ms per change at
11f0757). The summaries, the per-group table and the error bars are computed once per process; only the
parity chart depends on the scenario (it colours the sidebar's model and GPU), so it is cached by those two
ids (bounded, aged). Figures are shared read-only (``ui.widgets.chart`` copies one before changing it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from costmodel.engine.calibration import summarize
from costmodel.engine.server_calibration import summarize_server
from costmodel.engine.validation import (
    FITTED_TO_CASES,
    error_summary,
    summary_numbers,
    uncertainty_band,
    validation_table,
)
from ui import tables
from ui.charts import bar_chart, scatter_chart
from ui.scenario_cache import MAX_ENTRIES, TTL_S
from ui.widgets import (
    ReadyTable,
    cached_calibration,
    cached_server_calibration,
    cached_validation,
    ready_spec_table,
    ready_table,
)


@st.cache_data(show_spinner=False, max_entries=1)
def summaries() -> dict[str, Any]:
    """The page's headline numbers: in-sample (``calibration``), cross-validated (``validation``, with the
    80% ``band``) and under MLPerf's latency limits (``server``), each as its module computes them."""
    report, val, server = cached_calibration(), cached_validation(), cached_server_calibration()
    plain = error_summary(val, "predicted_oos_source", "gpu_family")
    by_family = error_summary(val, "predicted_oos_source_strict", "gpu_family")
    strict = [{"family": e.gpu_family, "why": e.why,
               "plain": float(plain["median_abs_error"][e.gpu_family]),
               "strict": float(by_family["median_abs_error"][e.gpu_family]),
               "strict_bias": float(by_family["median_bias"][e.gpu_family])}
              for e in FITTED_TO_CASES if e.gpu_family in by_family.index]
    return {"calibration": summarize(report), "within_25": float((report["error"].abs() <= 0.25).mean()),
            "validation": summary_numbers(val), "band": uncertainty_band(val), "server": summarize_server(server),
            "server_within_25": float((server["error"].abs() <= 0.25).mean()) if len(server) else None,
            "strict": strict}


@st.cache_data(show_spinner=False, max_entries=8)
def errors_by(by: str) -> pd.DataFrame:
    """``costmodel.engine.validation.validation_table`` of the cross-validated cases, grouped by ``by``."""
    return validation_table(cached_validation(), by)


GROUPINGS = {"source_group": "Source", "model_family": "Model family", "gpu_family": "GPU family"}
"""The groupings the page offers: ``validation_table``'s ``by`` -> the label a person reads."""

_FITS = {"in-sample": "in-sample", "out-of-sample (source)": "source held out",
         "out-of-sample (model family)": "model family held out"}
_STATS = {"median_abs_error": "median |error|", "median_bias": "bias", "within_2x": "within 2×"}


@st.cache_resource(show_spinner=False, max_entries=8)
def errors_by_shown(by: str) -> pd.DataFrame:
    """``errors_by`` with the columns a person reads ("Source held out: bias") and the group named (shared, do
    not change it)."""
    t = errors_by(by).copy()
    t.columns = [c if c == "cases" else _shown_column(c) for c in t.columns]
    t.index.name = GROUPINGS.get(by, by)
    return t.rename(columns={"cases": "Cases"})


def _shown_column(column: str) -> str:
    fit, stat = column.split(": ", 1)
    label = f"{_FITS.get(fit, fit)}: {_STATS.get(stat, stat)}"
    return label[0].upper() + label[1:]


def errors_by_columns(shown: pd.DataFrame) -> dict[str, Any]:
    """Column formats for an ``errors_by_shown`` table: shares as percentages, cases as a count."""
    cols = {c: st.column_config.NumberColumn(format="percent") for c in shown.columns if c != "Cases"}
    cols["Cases"] = st.column_config.NumberColumn(format="%d")
    return cols


def _groups(report: pd.DataFrame, model: str, gpu: str) -> np.ndarray:
    return np.where(report["model"] == model, "your model", np.where(report["gpu"] == gpu, "your GPU", "other cases"))


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def parity_figure(model: str, gpu: str) -> tuple[go.Figure, int]:
    """(predicted-vs-published scatter with the sidebar's model and GPU coloured, how many cases involve either):
    shared, do not change the figure."""
    report = cached_calibration()
    groups = _groups(report, model, gpu)
    labels = [f"{r.id}: {r.model} on {r.gpus}× {r.gpu}, {r.unit}" for r in report.itertuples()]
    fig = scatter_chart(report["measured"], report["predicted"], labels, title="Predicted vs published throughput",
                        x_title="Published (tokens per second, log)", y_title="Predicted (tokens per second, log)",
                        log_x=True, log_y=True, diagonal=True, groups=list(groups),
                        diagonal_label="perfect prediction")
    return fig, int((groups != "other cases").sum())


@st.cache_resource(show_spinner=False, max_entries=1)
def error_bars() -> go.Figure:
    """Every case's signed error, sorted (shared, do not change the figure)."""
    order = cached_calibration().sort_values("error")
    return bar_chart(list(order["id"]), {"Signed error (%)": order["error"] * 100}, title="Error of each prediction",
                     x_title="Published cases, sorted by error (hover a bar for its case)",
                     y_title="Predicted ÷ published − 1 (%)", category_labels=False)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def case_table(model: str | None = None, gpu: str | None = None) -> ReadyTable:
    """The published cases as ``ui.tables.VALIDATION`` shows them, ready to show: every case, or (given a model
    and a GPU) those with that model or that GPU (shared, do not change it)."""
    report = cached_calibration()
    if model is not None or gpu is not None:
        report = report[(report["model"] == model) | (report["gpu"] == gpu)]
    return ready_spec_table(tables.VALIDATION, report)


@st.cache_resource(show_spinner=False, max_entries=1)
def skipped_cases() -> tuple[tuple[str, str], ...]:
    """(case, why) for each published measurement the calibration could not compare."""
    return tuple(tuple(x) for x in cached_calibration().attrs.get("skipped", []))


SERVER_COLUMNS = ("id", "scenario", "model", "gpu", "gpus", "ttft_limit_s", "tpot_limit_ms", "predicted", "measured",
                  "error", "binding_constraint", "tokens_per_second_per_user", "ttft_p99_seconds", "concurrency",
                  "assumption", "source")
"""The MLPerf Server/Interactive table's columns (``binding_constraint`` is shown as *binds*)."""


@st.cache_resource(show_spinner=False, max_entries=1)
def server_table() -> ReadyTable:
    """The MLPerf Server and Interactive runs under their latency limits, ready to show (shared)."""
    server = cached_server_calibration()
    return ready_table(
        server[list(SERVER_COLUMNS)].rename(columns={"binding_constraint": "binds"}),
        column_config={"error": st.column_config.NumberColumn(format="percent"),
                       "predicted": st.column_config.NumberColumn(format="%,.0f"),
                       "measured": st.column_config.NumberColumn(format="%,.0f"),
                       "tokens_per_second_per_user": st.column_config.NumberColumn(format="%.1f"),
                       "ttft_p99_seconds": st.column_config.NumberColumn(format="%.2f")})


@st.cache_resource(show_spinner=False, max_entries=1)
def server_skipped() -> tuple[tuple[str, str], ...]:
    """(run, why) for each MLPerf latency-bounded run not compared."""
    return tuple(tuple(x) for x in cached_server_calibration().attrs.get("skipped", []))


__all__ = ["case_table", "error_bars", "errors_by", "parity_figure", "server_table", "skipped_cases", "summaries"]
