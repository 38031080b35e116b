"""Page computations and figures cached by their inputs, for every session of the process (bounded, aged).

Why: a change's server CPU on the Overview is a quarter its two curves (an engine sweep over prompt lengths)
and their Plotly figures (py-spy on the real server under load, docs/deploying.md). People in one room share
scenarios (a link, a preset, the defaults) and move a control back and forth; then the same inputs come back
and the curve and figure are built once. Each cache holds at most ``MAX_ENTRIES`` entries for at most
``TTL_S`` seconds, so memory stays bounded whatever the traffic.

``illusion``: ``costmodel.analysis.curves.illusion`` keyed by the scenario's JSON and the two prices
(``st.cache_data``: every caller gets its own copy of the arrays). ``figure``: a figure builder's result
keyed by the builder's name and its arguments (``st.cache_resource``: one figure shared by every session;
figures are only read, ``ui.widgets.chart`` copies one before changing it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from costmodel import Scenario
from costmodel.analysis import curves
from ui.widgets import get_catalog

MAX_ENTRIES = 256
TTL_S = 3600


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def _illusion(
    scenario_json: str, price_in: float, price_out: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return curves.illusion(Scenario.model_validate_json(scenario_json), get_catalog(), price_in, price_out)


def illusion(s: Scenario, price_in: float, price_out: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prompt grid, cost per request, list price per request): ``curves.illusion`` for ``s``, cached."""
    return _illusion(s.model_dump_json(), float(price_in), float(price_out))


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def _figure(name: str, _build: Callable[..., go.Figure], args: tuple, kwargs: dict) -> go.Figure:
    return _build(*args, **kwargs)


def figure(build: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """``build(*args, **kwargs)``, built once per distinct arguments (arrays, numbers, strings, tuples) and
    shared: do not change the figure returned."""
    return _figure(f"{build.__module__}.{build.__qualname__}", build, args, kwargs)
