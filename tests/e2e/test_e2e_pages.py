"""Every page of the real app (app.py) in Debian's Chromium against `streamlit run`.

``test_every_page_is_covered_and_renders_at_defaults`` fails when the app's navigation and PAGES disagree
(a new page cannot land without browser tests), then clicks through every page at the default scenario:
no exception box, no st.error, no "Page not found", no browser console error; a full-page screenshot of
each goes to artifacts/screenshots/.

``test_page[<page>]`` opens each page from a shared link (one page load per page keeps the suite fast):
* the scenario in the query parameters is restored (sidebar widget values, URL, page path);
* no exception box, no st.error, no browser console error;
* its "Download CSV" button downloads a CSV that parses, with a header and at least one row;
* moving a sidebar slider with the keyboard (ArrowRight on "Speculative tokens per step") writes the new
  value to the URL and changes the page's headline number (an st.metric; see PageSpec for the exceptions).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from e2e_helpers import (
    REPO_ROOT,
    BrowserErrors,
    StreamlitServer,
    assert_no_app_errors,
    goto_app,
    run_and_wait,
    save_screenshot,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ui.money import ALL_IN_OUTPUT

SPEC_SLIDER = re.compile(r"Speculative tokens per step")


def _pin_scenario(page: Page) -> None:
    """Overview shows its table (and CSV button) once a scenario A is pinned."""
    sidebar = page.get_by_test_id("stSidebar")
    _open_expander(sidebar, "Save, load, compare")
    run_and_wait(page, sidebar.get_by_role("button", name="Pin as A").click)
    expect(page.get_by_test_id("stMain").get_by_role("button", name="Download CSV").first).to_be_visible()


def _opening(label: str) -> Callable[[Page], None]:
    """A ``before_csv`` that opens the main area's lazy expander ``label`` (on_change="rerun": its table and CSV
    button exist only while it is open), as a person would."""
    return lambda page: _open_expander(page.get_by_test_id("stMain"), label, page)


@dataclass(frozen=True)
class PageSpec:
    path: str  # URL path ("" = the default page at /)
    title: str  # navigation label and page title
    # What the sidebar slider must move: an st.metric label, None = any st.metric on the page (or, on a page
    # without st.metric, the page's CSV), or a piece of text that holds the page's headline numbers.
    headline: str | None = None
    headline_text: str | None = None
    slider_moves_headline: bool = True  # False: the page does not depend on the scenario (say why in PAGES)
    csv: bool = True  # the page has a "Download CSV" button
    before_csv: Callable[[Page], None] | None = None  # what makes the CSV button appear, if anything

    @property
    def slug(self) -> str:
        return self.path or "overview"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("", "Overview", ALL_IN_OUTPUT, before_csv=_pin_scenario),
    # no st.metric: the curves' CSV must change instead
    PageSpec("cost-curves", "Cost curves", before_csv=_opening("Data behind these charts")),
    # no st.metric: its points' CSV must change
    PageSpec("frontier", "Throughput vs interactivity", before_csv=_opening("Data behind these charts")),
    # the fleet is whole replicas, so its cost can stay put while the work inside it changes: watch its busy share
    PageSpec("pricing-schemes", "Pricing schemes", "Busy share of the fleet"),
    PageSpec("optimization-levers", "Optimization levers"),  # "Your scenario" rounds to 2 digits: any metric
    # fmt_usd rounds: any metric
    PageSpec("right-sizing", "Right-sizing and routing", before_csv=_opening("Data behind these charts")),
    PageSpec("energy", "Energy", "Joules per output token"),
    PageSpec("hardware-comparison", "Hardware", ALL_IN_OUTPUT),
    PageSpec("market-prices", "Market", "Median gross margin"),
    PageSpec("agents-long-context", "Agents and long context", "Session cost with prefix caching",
             before_csv=_opening("Turn by turn")),
    # Learn has no st.metric and no CSV (its glossary is a plain dataframe); section 2 quotes the costs.
    PageSpec("learn-basics", "Learn", headline_text="A provider rents GPUs by the hour", csv=False),
    # Validation compares the model with published measurements; its metrics do not depend on the scenario.
    PageSpec("model-validation", "Validation", slider_moves_headline=False),
)
PAGES_WITH_CSV = tuple(p for p in PAGES if p.csv)


def _open_expander(scope: Locator, label: str, page: Page | None = None) -> None:
    """Open the first expander in ``scope`` labelled ``label``. Give ``page`` for a lazy expander
    (on_change="rerun"): the click then waits for the rerun that draws its contents."""
    expander = scope.get_by_test_id("stExpander").filter(has_text=label).first
    details = expander.locator("details")
    if details.get_attribute("open") is None:
        click = expander.locator("summary").click
        if page is None:
            click()
        else:
            run_and_wait(page, click)
    expect(details).to_have_attribute("open", "")


def _headline(page: Page, spec: PageSpec) -> Locator:
    """The named st.metric's value, or every st.metric value on the page when no name is given."""
    main = page.get_by_test_id("stMain")
    if spec.headline_text is not None:
        return main.get_by_test_id("stMarkdownContainer").filter(has_text=spec.headline_text)
    if spec.headline is None:
        return main.get_by_test_id("stMetricValue")
    metric = main.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(spec.headline, exact=True)
    )
    expect(metric).to_have_count(1)
    return metric.get_by_test_id("stMetricValue")


def _csv_button(page: Page) -> Locator:
    """The page's first "Download CSV" button, opening the expander it sits in if needed."""
    main = page.get_by_test_id("stMain")
    csv_button = page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV")
    button = main.locator(csv_button).first
    expect(button).to_be_attached(timeout=30_000)
    if not button.is_visible():  # inside a collapsed expander: open the innermost one that holds it
        button.locator("xpath=ancestor::*[@data-testid='stExpander'][1]").locator("summary").first.click()
    expect(button).to_be_visible()
    return button.get_by_role("button")


def _download_csv(page: Page) -> tuple[str, list[list[str]]]:
    """Click the page's first "Download CSV" button and return the file's text and parsed rows.

    A click that lands while a rerun replaces the page's media files can start no download; after a wait
    for the run to finish it is tried once more (and any 404 it caused stays in the browser errors).
    """
    for attempt in (1, 2):
        wait_for_app_run(page)
        try:
            with page.expect_download(timeout=20_000) as download_info:
                _csv_button(page).click()
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    download = download_info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    text = Path(download.path()).read_text(encoding="utf-8")
    return text, list(csv.reader(io.StringIO(text)))


@pytest.fixture
def url(warm_app: StreamlitServer) -> Callable[[PageSpec, str], str]:
    def make(spec: PageSpec, query: str = "") -> str:
        return f"{warm_app.url}/{spec.path}" + (f"?{query}" if query else "")

    return make


def _nav_label(link: Locator) -> str:
    """The link's text without its Material icon's ligature name (the icon renders as text in the DOM)."""
    return link.inner_text().strip().splitlines()[-1].strip()


def test_every_page_is_covered_and_renders_at_defaults(
    page: Page, warm_app: StreamlitServer, browser_errors: BrowserErrors
) -> None:
    """The navigation lists exactly PAGES; clicking through all of them at the default scenario shows no
    error, and each gets a full-page screenshot in artifacts/screenshots/."""
    app_server = warm_app
    goto_app(page, app_server.url)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    nav = {urlsplit(a.get_attribute("href") or "").path.strip("/"): _nav_label(a) for a in links.all()}
    assert nav == {p.path: p.title for p in PAGES}, (
        "app navigation and tests/e2e/test_e2e_pages.py PAGES differ"
    )

    for i, spec in enumerate(PAGES):
        if i:  # the first page is already open
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=spec.title, exact=True).click()
            expect(page).to_have_url(
                re.compile(rf"^{re.escape(app_server.url)}/{re.escape(spec.path)}(\?|$)")
            )
        wait_for_app_run(page)
        expect(page.get_by_test_id("stMain").get_by_role("heading", level=1).first).to_contain_text(
            spec.title
        )
        assert_no_app_errors(page, browser_errors)
        save_screenshot(page, f"{i:02d}-{spec.slug}")


SCENARIO_QUERY = "gpu=h200&prompt_tokens=3000&output_tokens=500&spec_draft_tokens=3"


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.slug)
def test_page(page: Page, url, spec: PageSpec, browser_errors: BrowserErrors) -> None:
    """One page, opened from a shared link: the scenario is restored, the page is clean, its CSV downloads,
    and the sidebar slider moves its headline number and the URL."""
    # 1. A link with scenario query parameters restores the scenario (sidebar widgets and URL).
    goto_app(page, url(spec, SCENARIO_QUERY))
    sidebar = page.get_by_test_id("stSidebar")
    _open_expander(sidebar, "Serving techniques")
    expect(sidebar.get_by_label("Prompt tokens", exact=True)).to_have_value("3000")
    expect(sidebar.get_by_label("Output tokens", exact=True)).to_have_value("500")
    expect(sidebar.get_by_role("radiogroup", name="GPU").get_by_role("radio", name="h200")).to_have_attribute(
        "aria-checked", "true")
    slider = sidebar.get_by_role("slider", name=SPEC_SLIDER)
    expect(slider).to_have_value("3")
    for param in SCENARIO_QUERY.split("&"):
        expect(page).to_have_url(re.compile(rf"[?&]{re.escape(param)}(&|$)"))
    assert urlsplit(page.url).path.strip("/") == spec.path

    # 2. No exception, st.error, "Page not found" or browser console error.
    wait_for_app_run(page)
    assert_no_app_errors(page, browser_errors)

    # 3. The CSV download works and parses.
    if spec.csv:
        if spec.before_csv is not None:
            spec.before_csv(page)
        text, rows = _download_csv(page)
        assert len(rows) >= 2, f"CSV has no data rows:\n{text[:500]}"
        header = rows[0]
        assert header and all(h.strip() for h in header), f"CSV header has empty names: {header}"
        assert all(len(r) == len(header) for r in rows), "ragged CSV"
        before_csv = text

    # 4. Moving the sidebar slider with the keyboard changes the headline number and the URL.
    headline = _headline(page, spec)
    has_headline = headline.count() > 0
    assert has_headline or spec.csv, "the page has neither an st.metric nor a CSV to watch"
    before = headline.all_inner_texts()
    run_and_wait(page, lambda: slider.press("ArrowRight"))
    expect(slider).to_have_value("4")
    expect(page).to_have_url(re.compile(r"[?&]spec_draft_tokens=4(&|$)"))
    if not spec.slider_moves_headline:
        expect(headline).to_have_text(before)
    elif has_headline:
        expect(headline).not_to_have_text(before)
    else:  # no st.metric on this page: the data behind its charts must change instead
        deadline = time.monotonic() + 60
        while (after_csv := _download_csv(page)[0]) == before_csv and time.monotonic() < deadline:
            page.wait_for_timeout(500)  # no DOM signal for "the CSV behind the button is new": poll
        assert after_csv != before_csv, "neither a metric nor the page's table changed"
    assert_no_app_errors(page, browser_errors)


@pytest.fixture
def cold_app_server(server_log_dir: Path) -> Iterator[StreamlitServer]:
    """A fresh `streamlit run app.py` that no session has opened yet."""
    with streamlit_server(REPO_ROOT / "app.py", server_log_dir) as server:
        yield server


def test_cold_deep_link(page: Page, cold_app_server: StreamlitServer, browser_errors: BrowserErrors) -> None:
    """A shared link opened by the very first visitor after a server start lands on its page.

    Streamlit 1.67 registers st.navigation's pages only when the entrypoint first runs (cf.
    streamlit/streamlit#9624), and a folder named ``pages/`` beside the entrypoint would put that first
    visit in legacy multipage mode; the page files live in ``views/``, so no work-around is needed.
    """
    spec = PAGES[1]
    goto_app(page, f"{cold_app_server.url}/{spec.path}?{SCENARIO_QUERY}")
    assert_no_app_errors(page, browser_errors)
    assert urlsplit(page.url).path.strip("/") == spec.path
    expect(page.get_by_test_id("stMain").get_by_role("heading", level=1).first).to_contain_text(spec.title)
    expect(page.get_by_test_id("stSidebar").get_by_label("Prompt tokens", exact=True)).to_have_value("3000")


def test_burst_and_spread_round_trip_through_the_url(page: Page, url, browser_errors: BrowserErrors) -> None:
    """The workload controls (``burst_requests``, ``output_tokens_cv``) take a link's values, keep them in the URL,
    and write a typed value back to it; the Overview says what the burst does."""
    goto_app(page, url(PAGES[0], "burst_requests=1000&output_tokens_cv=1.25"))
    sidebar = page.get_by_test_id("stSidebar")
    _open_expander(sidebar, "Workload: bursts and length spread")
    burst = sidebar.get_by_label("Burst size (requests sent at once; 0 = steady stream)", exact=True)
    expect(burst).to_have_value("1000")
    expect(sidebar.get_by_label("Output length spread (sd / mean; 0 = all equal)", exact=True)).to_have_value("1.25")
    for param in ("burst_requests=1000", "output_tokens_cv=1.25"):
        expect(page).to_have_url(re.compile(rf"[?&]{re.escape(param)}(&|$)"))
    expect(page.get_by_test_id("stMain").get_by_text(re.compile(r"^A burst of 1,000 requests"))).to_be_visible()
    run_and_wait(page, lambda: (burst.fill("200"), burst.press("Enter")))
    expect(page).to_have_url(re.compile(r"[?&]burst_requests=200(&|$)"))
    expect(page.get_by_test_id("stMain").get_by_text(re.compile(r"^A burst of 200 requests"))).to_be_visible()
    assert_no_app_errors(page, browser_errors)
