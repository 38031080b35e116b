"""AppTest helpers: the whole app (entrypoint + sidebar + one page) driven without a browser."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def new_app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    """A fresh session, run once (so st.navigation registers its pages), optionally on ``page``."""
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def open_tools(at: AppTest) -> AppTest:
    """Open the sidebar's "Save, load, compare" (its widgets are drawn only while it is open), as a click does."""
    at.session_state["_tools_open"] = True
    return at.run()


@pytest.fixture
def app() -> AppTest:
    return new_app()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def decode(values) -> np.ndarray:
    """Plotly trace data (a list, or a base64 typed array in plotly >= 6) as a numpy array."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"])
    return np.asarray(values, dtype=float)


def fingerprint(at: AppTest) -> str:
    """Everything numeric the page shows: metrics, tables and chart data (to detect a change)."""
    parts = [repr(sorted(metrics(at).items()))]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [json.dumps(spec.get("data"), sort_keys=True) for spec in chart_specs(at)]
    parts += [m.value for m in at.main.markdown]
    return "\n".join(parts)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
