"""Browser (e2e) test fixtures: Debian's Chromium via pytest-playwright against a real `streamlit run`.

* Every test under tests/e2e/ gets the ``e2e`` marker (``pytest -m e2e`` / ``-m "not e2e"``).
* Without /usr/bin/chromium the tests are skipped with a reason, except in CI (``CI=true``), where a
  missing browser is an error: CI installs it, so a skip there would hide a broken pipeline.
* ``app_server`` (session): ``python -m streamlit run app.py`` on a free loopback port.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    SCREENSHOTS,
    BrowserErrors,
    StreamlitServer,
    goto_app,
    streamlit_server,
)

HERE = Path(__file__).resolve().parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _chromium_missing() -> bool:
    return not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and shutil.which(CHROMIUM) is None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (or, in CI, fail) before any fixture runs: the browser fixtures would error out first."""
    if item.get_closest_marker("e2e") is None or not _chromium_missing():
        return
    msg = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run e2e tests"
    if _in_ci():
        pytest.fail(msg + " (CI=true: e2e tests must run in CI)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": list(CHROMIUM_ARGS),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}, "accept_downloads": True}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Screenshots in artifacts/screenshots/ are from this run only. Cleared once, by the main process: under
    pytest-xdist a worker that starts late must not delete what another worker already saved."""
    if hasattr(session.config, "workerinput"):  # an xdist worker
        return
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()


@pytest.fixture(scope="session")
def server_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("streamlit-logs")


@pytest.fixture(scope="session")
def app_server(server_log_dir: Path) -> Iterator[StreamlitServer]:
    """The real app (app.py at the repo root), started once per test session."""
    app = REPO_ROOT / "app.py"
    if not app.exists():
        pytest.skip("app.py is not in this checkout yet")
    with streamlit_server(app, server_log_dir) as server:
        yield server


@pytest.fixture(scope="session")
def warm_app(app_server: StreamlitServer, browser) -> StreamlitServer:
    """``app_server`` after one browser session has run the entrypoint.

    Streamlit 1.67 registers st.navigation's pages only when the entrypoint first runs (cf.
    streamlit/streamlit#9624). The app copes with a deep link as the very first visit, and
    test_cold_deep_link checks exactly that on a server of its own; the per-page tests start warm so a
    regression there shows up in one test, not in whichever page test happens to run first.
    """
    page = browser.new_page()
    try:
        goto_app(page, app_server.url)
    finally:
        page.close()
    return app_server


@pytest.fixture
def browser_errors(page) -> BrowserErrors:
    """Collects console errors and uncaught exceptions of ``page`` from now on."""
    return BrowserErrors().watch(page)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(autouse=True)
def _server_log_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """When a test that used a server fails, print the server log of that test (shown in the report)."""
    servers = [
        request.getfixturevalue(n) for n in ("app_server", "cold_app_server") if n in request.fixturenames
    ]
    offsets = [s.log_size() for s in servers]
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        for s, off in zip(servers, offsets, strict=True):
            print(f"----- streamlit server log during this test ({s.url}) -----\n{s.log(off)}")
