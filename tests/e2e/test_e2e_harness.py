"""Self-test of the e2e harness against a tiny throwaway app written to a temp dir.

It exercises every helper the real-app tests rely on (server start, run waits, keyboard slider,
query-param restore, CSV download, error collection), so a harness bug shows up here and not as a
confusing failure in a page test.
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import (
    BrowserErrors,
    StreamlitServer,
    assert_no_app_errors,
    goto_app,
    run_and_wait,
    streamlit_server,
)
from playwright.sync_api import Page, expect

APP = """
import streamlit as st

def home():
    n = st.session_state["n"]
    st.metric("Cost", f"${n * 2:,}")
    st.download_button("Download CSV", data=f"n,cost\\n{n},{n * 2}\\n", file_name="t.csv", mime="text/csv")

def boom():
    st.error("something is wrong")

with st.sidebar:
    st.slider("N", 0, 100, 10, step=5, key="n", bind="query-params")
pg = st.navigation([st.Page(home, title="Home", url_path="home", default=True),
                    st.Page(boom, title="Boom", url_path="boom")])
pg.run()
"""


@pytest.fixture(scope="module")
def toy_server(tmp_path_factory: pytest.TempPathFactory, server_log_dir: Path) -> Iterator[StreamlitServer]:
    app = tmp_path_factory.mktemp("toy-app") / "toy_app.py"
    app.write_text(textwrap.dedent(APP))
    with streamlit_server(app, server_log_dir) as server:
        yield server


def test_harness_slider_query_params_download(
    page: Page, toy_server: StreamlitServer, browser_errors: BrowserErrors
) -> None:
    goto_app(page, f"{toy_server.url}/?n=40")  # the default page lives at /
    slider = page.get_by_test_id("stSidebar").get_by_role("slider")
    expect(slider).to_have_value("40")
    metric = page.get_by_test_id("stMetricValue")
    expect(metric).to_have_text("$80")

    run_and_wait(page, lambda: slider.press("ArrowRight"))
    expect(metric).to_have_text("$90")
    expect(page).to_have_url(re.compile(r"[?&]n=45\b"))

    with page.expect_download() as dl:
        page.get_by_test_id("stDownloadButton").get_by_role("button").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    assert rows == [{"n": "45", "cost": "90"}]
    assert_no_app_errors(page, browser_errors)


def test_harness_detects_error_element(page: Page, toy_server: StreamlitServer) -> None:
    goto_app(page, f"{toy_server.url}/boom")
    with pytest.raises(AssertionError, match="something is wrong"):
        assert_no_app_errors(page)
    goto_app(page, f"{toy_server.url}/no-such-page")
    with pytest.raises(AssertionError, match="Page not found"):
        assert_no_app_errors(page)


def test_harness_server_failure_shows_log(tmp_path: Path) -> None:
    bad = tmp_path / "missing_dir" / "nope.py"
    with pytest.raises(RuntimeError, match="log:"), streamlit_server(bad, tmp_path, timeout_s=30):
        pass
