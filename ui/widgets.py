"""Shared Streamlit pieces: the cached catalog, the one scenario, charts with captions, CSV downloads."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from costmodel import Catalog, Scenario, load_catalog
from ui.tables import TableSpec, significant_formats

PLOTLY_CONFIG: Mapping[str, object] = MappingProxyType(
    {
        "displaylogo": False,
        "modeBarButtonsToRemove": ("lasso2d", "select2d"),
        "toImageButtonOptions": MappingProxyType({"format": "png", "filename": "token-economics", "scale": 2}),
    }
)
"""plotly.js config for every chart: no logo, a PNG download button in the modebar (client-side)."""


def plotly_config() -> dict:
    """A fresh, plain copy of PLOTLY_CONFIG for one chart (the constant itself stays immutable)."""
    return {
        "displaylogo": PLOTLY_CONFIG["displaylogo"],
        "modeBarButtonsToRemove": list(PLOTLY_CONFIG["modeBarButtonsToRemove"]),
        "toImageButtonOptions": dict(PLOTLY_CONFIG["toImageButtonOptions"]),
    }


SCENARIO_KEY = "_scenario"
PINNED_KEY = "_pinned_a"
PRESENT_KEY = "_present"

# Larger type for presentation mode. A constant string: never built from user input.
_PRESENT_CSS = """
<style>
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.3rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3rem !important;
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.15rem !important;
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"] * { font-size: 1.15rem !important; }
</style>
"""


def get_catalog() -> Catalog:
    """The validated catalog (GPUs, models, efficiency defaults), loaded once per process."""
    return _shared_catalog()


@st.cache_resource(show_spinner=False)
def _shared_catalog() -> Catalog:
    """The Catalog is frozen (MappingProxyType of frozen pydantic models), so sharing it is safe."""
    return load_catalog()


def scenario() -> Scenario:
    """The one scenario every page reads (built by the entrypoint's sidebar this run)."""
    s = st.session_state.get(SCENARIO_KEY)
    return s if isinstance(s, Scenario) else Scenario()


def pinned() -> Scenario | None:
    """Scenario A pinned for comparison, if any."""
    s = st.session_state.get(PINNED_KEY)
    return s if isinstance(s, Scenario) else None


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY, False))


def apply_presentation_style() -> None:
    if presenting():
        st.html(_PRESENT_CSS)


PRESENT_FONT = {"font": {"size": 18}, "title": {"font": {"size": 24}}}
"""Chart type for a projector (presentation mode): the same figure, larger text."""


def chart(fig: go.Figure, key: str, caption: str, alt: str | None = None) -> None:
    """A plotly chart with the shared config and a one-line caption saying what to notice. Presenting, a copy
    of the figure gets projector-sized fonts (the figure itself may be cached and shared)."""
    if presenting():
        fig = go.Figure(fig).update_layout(PRESENT_FONT)
    st.plotly_chart(fig, key=key, config=plotly_config(), alt=alt or caption, theme="streamlit")
    st.caption(caption)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "table"


def _csv_bytes(df: pd.DataFrame, index: bool) -> bytes:
    return df.to_csv(index=index).encode("utf-8")


def _display_config(df: pd.DataFrame, column_config: Mapping | None) -> dict:
    """The column config a table is shown with: the caller's, and four significant digits for the float columns
    it leaves out (ui.tables.significant_formats)."""
    config = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in (column_config or {}).items()}
    for name, fmt in significant_formats(df, skip=config).items():
        config[name] = st.column_config.NumberColumn(format=fmt)
    return config


@dataclass(frozen=True)
class ReadyTable:
    """A table converted once for ``table``, to cache and share read-only where its data does not change with a
    sidebar change: Streamlit turns a DataFrame into Arrow on every rerun (with building the shown frame, ~2.5 ms
    a table of the Validation page's size, py-spy), an Arrow table it only serializes (0.03 ms)."""

    data: pa.Table | pd.DataFrame
    """What ``st.dataframe`` gets: the frame as Arrow, or the frame itself where Arrow refused a column."""
    column_config: Mapping[str, object]
    frame: pd.DataFrame
    """The shown frame, for the CSV download."""
    hide_index: bool = True


def ready_table(df: pd.DataFrame, column_config: Mapping | None = None, hide_index: bool = True) -> ReadyTable:
    """``df`` ready for ``table`` (see ``ReadyTable``)."""
    config = MappingProxyType(_display_config(df, column_config))
    try:
        data: pa.Table | pd.DataFrame = pa.Table.from_pandas(df, preserve_index=not hide_index)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # mixed objects: Streamlit's own fixes
        data = df
    return ReadyTable(data, config, df, hide_index)


def ready_spec_table(spec: TableSpec, df: pd.DataFrame) -> ReadyTable:
    """A library DataFrame as ``spec`` declares it, ready for ``table``."""
    return ready_table(spec.frame(df), column_config=column_config(spec))


def table(df: pd.DataFrame | ReadyTable, name: str, key: str, column_config: Mapping | None = None,
          hide_index: bool = True) -> None:
    """A dataframe with a CSV download button under it; float columns without a config show four significant
    digits (ui.tables.significant_formats), the CSV keeps every digit. A ``ReadyTable`` brings its own config and
    index choice."""
    if isinstance(df, ReadyTable):
        data, config, hide_index, df = df.data, copy.deepcopy(dict(df.column_config)), df.hide_index, df.frame
    else:
        data, config = df, _display_config(df, column_config)
    st.dataframe(data, hide_index=hide_index, column_config=config, key=f"df_{key}")
    st.download_button(  # deferred: the CSV is made on click, so a rerun registers no file that can go stale
        "Download CSV",
        functools.partial(_csv_bytes, df, not hide_index),
        file_name=f"{_slug(name)}.csv",
        mime="text/csv",
        key=f"dl_{key}",
        icon=":material/download:",
        on_click="ignore",
    )


def column_config(spec: TableSpec) -> dict[str, object]:
    """Streamlit column configs for a spec's formatted columns (labels as keys)."""
    make = {"number": st.column_config.NumberColumn, "link": st.column_config.LinkColumn,
            "text": st.column_config.TextColumn, "checkbox": st.column_config.CheckboxColumn}
    out: dict[str, object] = {}
    for label, c in spec.formatted().items():
        if c.kind == "progress":
            out[label] = st.column_config.ProgressColumn(label, format=c.format, min_value=0, max_value=1)
        elif c.kind == "number":
            out[label] = st.column_config.NumberColumn(label, format=c.format)
        else:
            out[label] = make[c.kind](label)
    return out


def spec_table(spec: TableSpec, df: pd.DataFrame | ReadyTable, key: str, name: str | None = None) -> None:
    """A library DataFrame shown as the table ``spec`` declares (or one ``ready_spec_table`` made), with its CSV
    download (named ``name`` or the spec's)."""
    if isinstance(df, ReadyTable):
        table(df, name or spec.name, key)
    else:
        table(spec.frame(df), name or spec.name, key, column_config=column_config(spec))


def formula(title: str, latex: str, note: str | None = None) -> None:
    """A formula behind a chart, in a collapsed expander (open in teaching, hidden when presenting)."""
    if presenting():
        return
    with st.expander(f"Formula: {title}", icon=":material/function:"):
        st.latex(latex)
        if note:
            st.markdown(note)


@st.cache_data(show_spinner="Comparing with published measurements…", max_entries=1)
def cached_calibration() -> pd.DataFrame:
    """costmodel.engine.calibration's report over the published measurements (fixed data: computed once)."""
    from costmodel.engine.calibration import MOE_CSV, calibration_report

    return calibration_report(get_catalog(), moe_path=MOE_CSV)


@st.cache_data(show_spinner="Predicting MLPerf Server runs under their latency limits…", max_entries=1)
def cached_server_calibration() -> pd.DataFrame:
    """costmodel.engine.server_calibration's report (MLPerf Server/Interactive under TTFT/TPOT limits; fixed data)."""
    from costmodel.engine.server_calibration import server_report

    return server_report(get_catalog())


@st.cache_data(show_spinner=False, max_entries=1)
def cached_band() -> tuple[float, float]:
    """The 80% measured/predicted band of the out-of-sample cases (costmodel.engine.validation.default_band)."""
    from costmodel.engine.validation import default_band

    return default_band()


@st.cache_data(show_spinner="Cross-validating against published measurements…", max_entries=1)
def cached_validation() -> pd.DataFrame:
    """costmodel.engine.validation's in-sample and out-of-sample predictions (fixed data: computed once)."""
    from costmodel.engine.validation import validation_frame

    return validation_frame(get_catalog())
