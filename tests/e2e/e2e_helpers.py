"""Helpers for the browser tests: start `streamlit run`, wait for script runs, collect browser errors.

Kept out of conftest.py so tests can import them (`from e2e_helpers import wait_for_app_run`).
Waiting follows Streamlit's own e2e suite (streamlit/streamlit: e2e_playwright/conftest.py):
the ``stApp`` element carries ``data-test-connection-state`` and ``data-test-script-state``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Error, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # no calls to Google on a closed network
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Flags for Debian's Chromium here: the e2e tests, the screenshot script and the load test use them."""
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# Generous: the 2-core CI machine imports pandas/plotly on the first run of a session.
RUN_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StreamlitServer:
    url: str
    log_path: Path
    proc: subprocess.Popen

    def log(self, start: int = 0) -> str:
        """The server log (stdout and stderr) from byte offset ``start``."""
        with open(self.log_path, "rb") as f:
            f.seek(start)
            return f.read().decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    # Tests must see real error details even if a deployment setting leaked into the environment.
    env.pop("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.contextmanager
def streamlit_server(
    script: Path, log_dir: Path, *, cwd: Path = REPO_ROOT, timeout_s: float = 90,
    launcher: Sequence[str] = ("-m", "streamlit"), env: Mapping[str, str] | None = None,
) -> Iterator[StreamlitServer]:
    """Run ``python -m streamlit run script`` on a free loopback port until the block exits.

    ``launcher``: what follows ``python`` instead of ``-m streamlit`` (tests/e2e/st_pause_launcher.py);
    ``env``: variables added to the server's environment. Readiness = ``GET /_stcore/health`` answers ``ok``.
    If the server dies or never gets healthy, the error carries its log. The process is terminated (then
    killed) on exit.
    """
    port = free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    cmd = [
        sys.executable,
        *launcher,
        "run",
        str(script),
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**_server_env(), **(env or {})},
        )
    server = StreamlitServer(url=f"http://127.0.0.1:{port}", log_path=log_path, proc=proc)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {proc.returncode} before it was healthy; log:\n{server.log()}"
                )
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {timeout_s:.0f} s; log:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def wait_for_app_run(page: Page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until the app is connected, no script run is in flight and no skeleton is left.

    After an interaction the rerun may not have *started* yet when this is called; follow it with an
    auto-retrying assertion on the value you expect to change (``expect(...).not_to_have_text(old)``).
    """
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", state="attached", timeout=timeout_ms
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", state="attached", timeout=timeout_ms
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)


_WATCH_RUNS_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    window.__stRunsSeen = 0;
    if (window.__stRunObserver) window.__stRunObserver.disconnect();
    window.__stRunObserver = new MutationObserver((records) => {
        for (const r of records) {
            if (r.oldValue === "running" || app.getAttribute("data-test-script-state") === "running") {
                window.__stRunsSeen++;
            }
        }
    });
    window.__stRunObserver.observe(app, {attributes: true, attributeOldValue: true,
                                         attributeFilter: ["data-test-script-state"]});
}"""


def run_and_wait(
    page: Page, action: Callable[[], object], timeout_ms: int = RUN_TIMEOUT_MS, start_timeout_ms: int = 5_000
) -> None:
    """Do ``action`` (a click, a key press) and wait until the script run it triggers has finished.

    A MutationObserver installed before the action records the ``data-test-script-state`` change to
    ``running``, so a run that starts late is waited for. A very quick run can start and finish within
    one React render, leaving no ``running`` in the DOM; after ``start_timeout_ms`` without one the
    run is taken as done. Follow this with auto-retrying assertions (``expect``) on what should change.
    """
    wait_for_app_run(page, timeout_ms)
    page.evaluate(_WATCH_RUNS_JS)
    action()
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("() => window.__stRunsSeen > 0", timeout=start_timeout_ms)
    wait_for_app_run(page, timeout_ms)


def goto_app(page: Page, url: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Open ``url`` and wait for the first script run to finish."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=timeout_ms)
    wait_for_app_run(page, timeout_ms)


# Console messages that are not app errors. Keep this list short and justified.
IGNORED_CONSOLE = (
    # Chromium on a closed network cannot reach anything but the local server.
    "net::ERR_INTERNET_DISCONNECTED",
    "net::ERR_NAME_NOT_RESOLVED",
)
# Opening a deep link such as /hardware makes Streamlit's frontend probe whether the app is served under
# that path prefix (GET /hardware/_stcore/health and /_stcore/host-config); the 404s it logs are expected.
_BASE_PATH_PROBE = re.compile(r"^/.+/_stcore/(health|host-config)$")  # matched against the URL path


@dataclass
class BrowserErrors:
    """Console errors and uncaught page exceptions seen since ``watch(page)``."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> BrowserErrors:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        return self

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error" or any(s in msg.text for s in IGNORED_CONSOLE):
            return
        where = msg.location.get("url", "")
        if "404" in msg.text and _BASE_PATH_PROBE.match(urllib.parse.urlsplit(where).path):
            return
        self.messages.append(f"console.error: {msg.text} ({where})")

    def _on_pageerror(self, err: Error) -> None:
        self.messages.append(f"pageerror: {err}")


def assert_no_app_errors(page: Page, errors: BrowserErrors | None = None) -> None:
    """No Streamlit exception box, no st.error, no "Page not found" dialog, no browser console error
    or uncaught page exception."""
    exc = page.get_by_test_id("stException")
    if exc.count():
        raise AssertionError("app shows an exception:\n" + "\n---\n".join(exc.all_inner_texts()))
    err = page.get_by_test_id("stAlertContentError")
    if err.count():
        raise AssertionError("app shows st.error:\n" + "\n---\n".join(err.all_inner_texts()))
    not_found = page.get_by_role("dialog").filter(has_text="Page not found")
    if not_found.count():
        raise AssertionError(f"Streamlit says 'Page not found' for {page.url}")
    if errors is not None:
        assert not errors.messages, "browser errors:\n" + "\n".join(errors.messages)


def save_screenshot(page: Page, name: str) -> Path:
    """Full-page PNG under artifacts/screenshots/ (gitignored) for a person to review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
