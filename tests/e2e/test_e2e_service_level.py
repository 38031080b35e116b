"""A speed target set on the Overview moves the headline cost and the scenario's point along the frontier.

Drives the real app in Chromium: open the frontier page and read where the scenario's diamond sits, go
to the Overview, move the sidebar's speed-per-user slider to 30 tokens/s with the keyboard, see the all-in cost per
million output tokens change, then go back to the frontier and find the diamond moved right (faster per
user), down (less throughput per GPU) and still on the frontier curve.
"""

from __future__ import annotations

import re

import numpy as np
from e2e_helpers import (
    BrowserErrors,
    StreamlitServer,
    assert_no_app_errors,
    goto_app,
    run_and_wait,
    save_screenshot,
)
from playwright.sync_api import Page, expect

from ui.money import ALL_IN_OUTPUT

FRONTIER_TITLE = "Throughput vs interactivity"
SPEED_SLIDER = re.compile(r"^Min speed per user")
STEP = 5  # the slider's step (ui/limits.py SERVICE_RANGES)
TARGET = 30

# The first plotly chart on the page: its traces as plotly.js holds them (typed arrays made plain lists).
_TRACES_JS = """() => {
    const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
    if (!plot || !plot._fullData) return null;  // _fullData: the decoded arrays plotly.js drew
    return plot._fullData.map(t => ({name: t.name, symbol: (t.marker || {}).symbol || null,
                                x: Array.from(t.x || []), y: Array.from(t.y || [])}));
}"""


def _diamond_and_frontier(page: Page) -> tuple[float, float, np.ndarray, np.ndarray]:
    page.wait_for_function(f"({_TRACES_JS})() !== null", timeout=60_000)
    traces = page.evaluate(_TRACES_JS)
    diamond = next(t for t in traces if t["symbol"] == "diamond")
    frontier = next(t for t in traces if t["name"].startswith("Frontier"))
    return float(diamond["x"][0]), float(diamond["y"][0]), np.asarray(frontier["x"]), np.asarray(frontier["y"])


def _metric(page: Page, label: str):
    main = page.get_by_test_id("stMain")
    metric = main.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    expect(metric).to_have_count(1)
    return metric.get_by_test_id("stMetricValue")


def _go(page: Page, title: str) -> None:
    run_and_wait(page, lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click())
    expect(page.get_by_test_id("stMain").get_by_role("heading", level=1).first).to_contain_text(title)


def test_speed_target_moves_headline_and_frontier_point(page: Page, warm_app: StreamlitServer,
                                                        browser_errors: BrowserErrors) -> None:
    goto_app(page, f"{warm_app.url}/frontier")
    x0, y0, fx, fy = _diamond_and_frontier(page)
    assert x0 < TARGET, "the default scenario (as many requests as fit) is slower than the target"

    _go(page, "Overview")
    headline = _metric(page, ALL_IN_OUTPUT)
    before = headline.inner_text()
    slider = page.get_by_test_id("stSidebar").get_by_role("slider", name=SPEED_SLIDER)
    expect(slider).to_have_value("0")
    for _ in range(TARGET // STEP):  # the keyboard, as a person would: one step per key press
        run_and_wait(page, lambda: slider.press("ArrowRight"))
    expect(slider).to_have_value(str(TARGET))
    expect(page).to_have_url(re.compile(rf"[?&]min_tokens_per_second_per_user={TARGET}(\.0)?(&|$)"))
    expect(headline).not_to_have_text(before)
    assert float(headline.inner_text().lstrip("$").replace(",", "")) > float(before.lstrip("$").replace(",", ""))
    per_user = _metric(page, "Speed per user").inner_text()
    assert float(per_user.split()[0]) >= TARGET, per_user
    expect(_metric(page, "Service level")).to_have_text("met")
    assert_no_app_errors(page, browser_errors)
    save_screenshot(page, "service-level-overview")

    _go(page, FRONTIER_TITLE)
    x1, y1, fx, fy = _diamond_and_frontier(page)
    assert x1 >= TARGET > x0 and y1 < y0, (x0, y0, x1, y1)
    # on the frontier: the best plan's throughput at the diamond's speed (log-interpolated) is where it sits
    order = np.argsort(fx)
    best = float(np.exp(np.interp(x1, fx[order], np.log(fy[order]))))
    assert 0.85 * best <= y1 <= 1.02 * best, (x1, y1, best)
    assert_no_app_errors(page, browser_errors)
    save_screenshot(page, "service-level-frontier")
