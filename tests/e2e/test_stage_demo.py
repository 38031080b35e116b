"""The stage demo, in a real browser at 1400x1000, with clicks and slider drags only (no keyboard):

switch the model to a mixture of experts, the GPU to b200 then mi300x, the context from 2k to 128k, the cache
hit rate from 0 to 80%, the weight bits from 16 to 4. Each step's time from the input to the changed headline
is printed. Then a screenshot of every page, plain and in presentation mode, under artifacts/stage/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from e2e_helpers import ARTIFACTS, StreamlitServer, assert_no_app_errors, goto_app, wait_for_app_run
from playwright.sync_api import Locator, Page, expect

HEADLINE = "All-in $/M output tokens"
MOE = "qwen3-30b-a3b"  # a mixture of experts with a 128k window that fits on one GPU type or another
STAGE = ARTIFACTS / "stage"
VIEWPORT = {"width": 1400, "height": 1000}
PAGE_PATHS = ("", "cost-curves", "frontier", "pricing-schemes", "optimization-levers", "right-sizing", "energy",
              "hardware-comparison", "market-prices", "agents-long-context", "learn-basics", "model-validation")


def _headline(page: Page) -> Locator:
    return page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(has_text=HEADLINE).first \
        .get_by_test_id("stMetricValue")


def _timed(page: Page, name: str, action: Callable[[], None], times: dict[str, float]) -> None:
    """Do ``action`` and time it until the headline shows a new value (printed, kept in ``times``)."""
    wait_for_app_run(page)
    before = _headline(page).inner_text()
    start = time.perf_counter()
    action()
    expect(_headline(page)).not_to_have_text(before, timeout=60_000)
    ms = (time.perf_counter() - start) * 1000
    times[name] = ms
    print(f"stage demo: {name}: headline {before} -> {_headline(page).inner_text()} in {ms:,.0f} ms")
    wait_for_app_run(page)


def _drag(page: Page, slider: Locator, fraction: float) -> None:
    """Drag a Streamlit slider's thumb to ``fraction`` (0..1) of its track with the mouse."""
    slider.scroll_into_view_if_needed()
    thumb = slider.locator("xpath=../..")  # the positioned thumb around the hidden range input
    track = slider.locator("xpath=../../..")
    t, k = thumb.bounding_box(), track.bounding_box()
    assert t and k, "slider not visible"
    page.mouse.move(t["x"] + t["width"] / 2, t["y"] + t["height"] / 2)
    page.mouse.down()
    page.mouse.move(k["x"] + fraction * k["width"], t["y"] + t["height"] / 2, steps=8)
    page.mouse.up()


def _drag_to(page: Page, name: str, value_text: str, options: list[str]) -> None:
    slider = page.get_by_test_id("stSidebar").get_by_role("slider", name=name)
    i = options.index(value_text)
    _drag(page, slider, i / (len(options) - 1))
    expect(slider).to_have_attribute("aria-valuetext", value_text, timeout=30_000)


def test_stage_demo_with_clicks_and_drags(page: Page, warm_app: StreamlitServer, browser_errors) -> None:
    page.set_viewport_size(VIEWPORT)
    goto_app(page, warm_app.url + "/")
    sidebar = page.get_by_test_id("stSidebar")
    times: dict[str, float] = {}

    def pick_model() -> None:
        sidebar.get_by_test_id("stSelectbox").filter(has_text="Model").first.click()
        page.get_by_role("option", name=MOE, exact=True).click()

    _timed(page, f"model -> {MOE}", pick_model, times)
    gpu = sidebar.get_by_role("radiogroup", name="GPU")
    for g in ("b200", "mi300x"):
        _timed(page, f"GPU -> {g}", lambda g=g: gpu.get_by_role("radio", name=g, exact=True).click(), times)
        expect(gpu.get_by_role("radio", name=g, exact=True)).to_have_attribute("aria-checked", "true")
    steps = ["256", "512", "1k", "2k", "4k", "8k", "16k", "32k", "64k", "128k"]  # 128k is the window
    ctx = sidebar.get_by_role("slider", name="Context length (prompt tokens)")
    expect(ctx).to_have_attribute("aria-valuetext", "2k")
    _timed(page, "context 2k -> 128k", lambda: _drag_to(page, "Context length (prompt tokens)", "128k", steps), times)
    expect(sidebar.get_by_label("Prompt tokens", exact=True)).to_have_value("131072")
    cache = [f"{5 * i:.1f}%" for i in range(21)]
    _timed(page, "cache hit 0 -> 80%", lambda: _drag_to(page, "Prefix-cache hit rate (%)", "80.0%", cache), times)
    _timed(page, "weight bits 16 -> 4", lambda: _drag_to(page, "Weight bits", "4", ["16", "8", "4"]), times)
    for param in (f"model={MOE}", "gpu=mi300x", "prompt_tokens=131072", "cache_hit_pct=80", "weight_bits=4"):
        expect(page).to_have_url(re.compile(rf"[?&]{re.escape(param)}(\.0)?(&|$)"))
    assert_no_app_errors(page, browser_errors)
    STAGE.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(STAGE / "demo-end.png"))
    print("stage demo: " + ", ".join(f"{k} {v:,.0f} ms" for k, v in times.items()))


def test_screenshots_of_every_page_plain_and_presenting(page: Page, warm_app: StreamlitServer) -> None:
    page.set_viewport_size(VIEWPORT)
    STAGE.mkdir(parents=True, exist_ok=True)
    query = f"?model={MOE}&gpu=h200&prompt_tokens=8192&cache_hit_pct=50"
    for i, path in enumerate(PAGE_PATHS):
        slug = path or "overview"
        goto_app(page, f"{warm_app.url}/{path}{query}")
        page.screenshot(path=str(STAGE / f"{i:02d}-{slug}.png"))
        toggle = page.get_by_test_id("stSidebar").get_by_text("Presentation mode", exact=True)
        toggle.scroll_into_view_if_needed()
        toggle.click()
        wait_for_app_run(page)
        page.get_by_test_id("stMain").evaluate("e => e.scrollTo(0, 0)")
        page.screenshot(path=str(STAGE / f"{i:02d}-{slug}-presenting.png"))
