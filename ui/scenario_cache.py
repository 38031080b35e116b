"""Page computations and figures cached by their inputs, for every session of the process (bounded, aged).

Why: a change's server CPU on the Overview is a quarter its two curves (an engine sweep over prompt lengths)
and their Plotly figures (py-spy on the real server under load, docs/deploying.md). People in one room share
scenarios (a link, a preset, the defaults) and move a control back and forth; then the same inputs come back
and the curve and figure are built once. Each cache holds at most ``MAX_ENTRIES`` entries for at most
``TTL_S`` seconds, so memory stays bounded whatever the traffic.

``illusion``: ``costmodel.analysis.curves.illusion`` keyed by the scenario's JSON and the two prices
(``st.cache_data``: every caller gets its own copy of the arrays). ``computed``: the same for any pure library
function of a scenario, the shared catalog and a few plain arguments (Hardware's GPU comparison, Market's
comparison, the levers, the Agents page's curves), keyed by the function's name, the scenario's JSON and the
arguments. ``figure``: a figure builder's result
keyed by the builder's name and its arguments (``st.cache_resource``: one figure shared by every session;
figures are only read, ``ui.widgets.chart`` copies one before changing it).

How many entries: each of these caches is ONE Streamlit cache for every scenario, builder and page, so its
bound is shared by the whole room. A person moving the cache slider between two values of their own scenario
needs two estimates and four Overview figures (docs/deploying.md, "Eleventh round"), so 256 entries held 64
people's figures; the default of 2,048 holds ~500. An Overview scenario's estimate, curve and two figures take
~100 KiB (tracemalloc), so a full set of caches stays within a few hundred MB. Operators set the bound with the
environment variable ``TEE_SCENARIO_CACHE_ENTRIES`` (a positive integer; anything else is logged and the
default used).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from costmodel import Scenario
from costmodel.analysis import curves
from costmodel.analysis.compare import market_comparison
from costmodel.pricing.prices import list_provider_prices
from costmodel.pricing.sessions import agent_session_cost
from ui.widgets import get_catalog

DEFAULT_MAX_ENTRIES = 2048
ENTRIES_ENV = "TEE_SCENARIO_CACHE_ENTRIES"
_log = logging.getLogger(__name__)


def max_entries_from(environ: Mapping[str, str]) -> int:
    """The bound of each scenario cache: ``ENTRIES_ENV`` when it is a positive integer, else (logged)
    ``DEFAULT_MAX_ENTRIES``."""
    raw = environ.get(ENTRIES_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_MAX_ENTRIES
    try:
        n = int(raw.strip())
    except ValueError:
        n = 0
    if n < 1:
        _log.warning("%s=%r is not a positive integer: the scenario caches keep %d entries each",
                     ENTRIES_ENV, raw, DEFAULT_MAX_ENTRIES)
        return DEFAULT_MAX_ENTRIES
    return n


MAX_ENTRIES = max_entries_from(os.environ)
TTL_S = 3600
T = TypeVar("T")


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def _illusion(
    scenario_json: str, price_in: float, price_out: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return curves.illusion(Scenario.model_validate_json(scenario_json), get_catalog(), price_in, price_out)


def illusion(s: Scenario, price_in: float, price_out: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prompt grid, cost per request, list price per request): ``curves.illusion`` for ``s``, cached."""
    return _illusion(s.model_dump_json(), float(price_in), float(price_out))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def _computed(name: str, _compute: Callable[..., Any], scenario_json: str, args: tuple, kwargs: tuple) -> Any:
    return _compute(Scenario.model_validate_json(scenario_json), *args, catalog=get_catalog(), **dict(kwargs))


def computed(compute: Callable[..., T], s: Scenario, *args, **kwargs) -> T:
    """``compute(s, *args, catalog=<the shared catalog>, **kwargs)``, cached by ``compute``'s qualified name,
    the scenario's JSON and the other arguments (plain values: numbers, strings, tuples). ``compute`` must be
    a pure, named library function (not a lambda: the name is the key) whose result depends on nothing else;
    each caller gets its own copy of the result."""
    name = f"{compute.__module__}.{compute.__qualname__}"
    if "<" in name:  # a lambda or a local function: two of them would share one name, and one key
        raise ValueError(f"computed() needs a named module-level function, not {name}")
    return _computed(name, compute, s.model_dump_json(), args, tuple(sorted(kwargs.items())))


# Library calls whose arguments are not plain values, in the (scenario, *plain args, catalog=) form ``computed`` takes.
def market_at_list_prices(s: Scenario, *, catalog) -> Any:
    """``compare.market_comparison`` of the scenario against every shipped list price."""
    return market_comparison(s, list_provider_prices(), catalog)


def price_against_cost(s: Scenario, price_id: str, *, catalog) -> Any:
    """``curves.price_vs_cost`` for the shipped list price ``price_id``."""
    return curves.price_vs_cost(s, catalog, next(p for p in list_provider_prices() if p.id == price_id))


def agent_session(s: Scenario, turns: int, system_tokens: int, user_tokens_per_turn: int, tool_tokens_per_turn: int,
                  output_tokens_per_turn: int, *, catalog) -> Any:
    """``sessions.agent_session_cost`` of one agent session on the scenario's deployment (its engine coster reads
    the default catalog, as the page always did)."""
    return agent_session_cost(turns, system_tokens=system_tokens, user_tokens_per_turn=user_tokens_per_turn,
                              tool_tokens_per_turn=tool_tokens_per_turn, output_tokens_per_turn=output_tokens_per_turn,
                              scenario=s)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL_S)
def _figure(name: str, _build: Callable[..., go.Figure], args: tuple, kwargs: dict) -> go.Figure:
    return _build(*args, **kwargs)


def _plain(value: Any) -> Any:
    """A pandas Series or Index as its numpy array (also inside a dict of series): the same values, hashed for the
    cache key ~4x faster (Streamlit hashes a Series through ``pd.util.hash_pandas_object``; on the Agents page's
    four figures that was a third of ``figure``'s time on a miss, py-spy, issue 13)."""
    if isinstance(value, pd.Series | pd.Index):
        return value.to_numpy()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def figure(build: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """``build(*args, **kwargs)``, built once per distinct arguments (arrays, numbers, strings, tuples) and
    shared: do not change the figure returned. A pandas Series or Index (also a dict's value) reaches ``build``
    as its numpy array: every builder here reads values, never an index."""
    return _figure(f"{build.__module__}.{build.__qualname__}", build, tuple(_plain(a) for a in args),
                   {k: _plain(v) for k, v in kwargs.items()})
