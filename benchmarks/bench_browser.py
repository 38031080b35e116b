"""What a sidebar change costs the browser: Chromium's renderer busy time per change, and change to headline.

    .venv/bin/python benchmarks/bench_browser.py                        # Overview, 24 changes
    .venv/bin/python benchmarks/bench_browser.py --page cost-curves --changes 16 --json benchmarks/results/x.json
    .venv/bin/python benchmarks/bench_browser.py --base main            # paired against another git ref
    .venv/bin/python benchmarks/bench_browser.py --url http://127.0.0.1:8501   # attach to a running server

Starts ``python -m streamlit run app.py`` on a loopback port (the e2e harness's ``streamlit_server``; ``--url``
attaches to one instead), opens the page (``/<page>?prompt_tokens=3000``) in Debian's Chromium
(``/usr/bin/chromium``, Playwright, 1400x900), makes 2 warm-up changes, then ``--changes`` changes of the
sidebar's "Prefix-cache hit rate" slider (End / Home: 100% <-> 0%, what bench_server.py and load_test.py move).

For each change it reads the page's Chrome DevTools Protocol ``Performance.getMetrics`` (a CDP session from
Playwright's ``context.new_cdp_session(page)``) just before the key press and again once the page has
settled: the script run finished and the renderer's ``TaskDuration`` grew by less than 2 ms in 150 ms (at
most 5 s). The differences are the renderer main thread's busy time for that change, split as the protocol
gives it: script (``ScriptDuration``), layout (``LayoutDuration``), style (``RecalcStyleDuration``) and the
rest (``TaskDuration`` less those three: paint, compositing set-up, HTML parsing, GC outside script). The
protocol has no paint counter of its own. Also per change: the time from the key press to the headline
("Cost per request" on the Overview; on other pages, the script run finishing), and how many of the page's
charts Plotly drew twice to grow their margins (automargin: the drawn ``_fullLayout._size`` exceeds the figure's
``margin``; each is a second layout pass after the first draw).

``--base REF``: the same measurement paired against another git ref, on the same machine at the same time.
A temporary worktree of REF (``git worktree add --detach``, removed afterwards) runs its own server (this
virtual environment, ``PYTHONPATH`` = that tree); one page per server in the same browser; batches of
``--batch`` changes alternate between them (base first in even batches, branch first in odd ones). It prints
both trees' medians and the median of the per-batch ratios branch / base with their quartiles: a ratio whose
quartiles both lie below 1 is a cut that the machine's noise does not explain.

Prints figures (median and quartiles) with the CPU count and load average; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

SLIDER = "Prefix-cache hit rate (%)"
HEADLINE = "Cost per request"
METRICS = {"task": "TaskDuration", "script": "ScriptDuration", "layout": "LayoutDuration",
           "style": "RecalcStyleDuration"}
"""Our names for the CDP ``Performance.getMetrics`` counters (seconds of main-thread time since the page opened)."""
PARTS = ("task", "script", "layout", "style", "other")
SETTLE_MS, SETTLE_QUIET_MS, SETTLE_MAX_S = 150, 2.0, 5.0
_REDRAWS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const f = gd._fullLayout; if (!f || !f._size) return 0;
    return ['l', 'r', 't', 'b'].some(k => f._size[k] > f.margin[k]) ? 1 : 0; })"""
"""Charts whose drawn margins exceed the figure's own: automargin grew them, which plotly does by drawing the whole
figure again (plots.doAutoMargin; its own redraw counter is back to 0 once the redraw is done)."""


# ----------------------------------------------------------------------------- pure helpers (tests/test_bench_browser.py)
def metric_values(reply: Mapping) -> dict[str, float]:
    """Our counters (seconds) from a ``Performance.getMetrics`` reply: ``{"metrics": [{"name", "value"}, ...]}``."""
    by_name = {m["name"]: float(m["value"]) for m in reply.get("metrics", ())}
    return {ours: by_name.get(cdp, 0.0) for ours, cdp in METRICS.items()}


def busy_ms(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """One change's renderer busy time in ms per part; ``other`` = task less script, layout and style (>= 0)."""
    d = {k: max(0.0, (after[k] - before[k]) * 1000) for k in METRICS}
    d["other"] = max(0.0, d["task"] - d["script"] - d["layout"] - d["style"])
    return d


def quartiles(values: Sequence[float]) -> dict[str, float | None]:
    """Median and quartiles (inclusive method; one value is all three)."""
    v = [float(x) for x in values]
    if not v:
        return {"q1": None, "median": None, "q3": None}
    if len(v) == 1:
        return {"q1": v[0], "median": v[0], "q3": v[0]}
    q1, med, q3 = statistics.quantiles(v, n=4, method="inclusive")
    return {"q1": q1, "median": med, "q3": q3}


def summarize(changes: Sequence[Mapping]) -> dict:
    """Median and quartiles of every part's busy ms, the latency and the margin redraws over ``changes``."""
    out = {part: quartiles([c["busy_ms"][part] for c in changes]) for part in PARTS}
    out["latency_ms"] = quartiles([c["latency_ms"] for c in changes])
    out["redraws"] = quartiles([c["redraws"] for c in changes])
    return {k: {q: (None if x is None else round(x, 1)) for q, x in v.items()} for k, v in out.items()}


def batch_ratios(base: Sequence[Mapping], branch: Sequence[Mapping], batch: int, part: str = "task") -> list[float]:
    """Per batch of ``batch`` changes: branch's summed busy ms of ``part`` / base's (batches where base is 0 skipped)."""
    out = []
    for i in range(0, min(len(base), len(branch)) - batch + 1, batch):
        a = sum(c["busy_ms"][part] for c in base[i:i + batch])
        b = sum(c["busy_ms"][part] for c in branch[i:i + batch])
        if a > 0:
            out.append(b / a)
    return out


def format_summary(name: str, s: Mapping) -> str:
    def f(k: str) -> str:
        q = s[k]
        return f"{q['median']:g} ({q['q1']:g}-{q['q3']:g})" if q["median"] is not None else "-"
    return (f"{name:<7} busy {f('task')} ms = script {f('script')} + layout {f('layout')} + style {f('style')}"
            f" + other {f('other')}; change to headline {f('latency_ms')} ms; margin redraws {f('redraws')}")


# ----------------------------------------------------------------------------- the browser side
@dataclass
class Tab:
    """One page in its own browser context, with its CDP session, on one server."""

    name: str
    page: object
    cdp: object
    headline: bool
    changes: list[dict] = field(default_factory=list)
    cache_pct: int = 0

    def metrics(self) -> dict[str, float]:
        return metric_values(self.cdp.send("Performance.getMetrics"))

    def _settle(self) -> dict[str, float]:
        from e2e_helpers import wait_for_app_run

        wait_for_app_run(self.page)
        last, t0 = self.metrics(), time.monotonic()
        while time.monotonic() - t0 < SETTLE_MAX_S:
            time.sleep(SETTLE_MS / 1000)
            now = self.metrics()
            if (now["task"] - last["task"]) * 1000 < SETTLE_QUIET_MS:
                return now
            last = now
        return last

    def change(self, record: bool = True) -> dict:
        """One slider change (End or Home), its busy time, latency and Plotly margin redraws."""
        from e2e_helpers import _WATCH_RUNS_JS
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        page = self.page
        slider = page.get_by_test_id("stSidebar").get_by_role("slider", name=SLIDER)
        metric = headline(page) if self.headline else None
        old = metric.inner_text() if metric is not None else None
        handle = metric.element_handle() if metric is not None else None
        page.evaluate(_WATCH_RUNS_JS)
        before = self.metrics()
        key = "End" if self.cache_pct == 0 else "Home"
        start = time.perf_counter()
        slider.press(key)
        if handle is not None:
            page.wait_for_function("([el, old]) => el.isConnected && el.innerText !== old", arg=[handle, old],
                                   timeout=60_000)
        else:
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_function("() => window.__stRunsSeen > 0", timeout=5_000)
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached",
                                   timeout=60_000)
        latency = (time.perf_counter() - start) * 1000
        after = self._settle()
        self.cache_pct = 100 if self.cache_pct == 0 else 0
        row = {"busy_ms": busy_ms(before, after), "latency_ms": latency,
               "redraws": float(sum(page.evaluate(_REDRAWS_JS)))}
        if record:
            self.changes.append(row)
        return row


def headline(page):
    """The Overview's headline value ("Cost per request" in the main area), as a Playwright locator."""
    return page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(HEADLINE, exact=True)
    ).get_by_test_id("stMetricValue").first


def open_tab(browser, name: str, base_url: str, page_path: str) -> Tab:
    from e2e_helpers import goto_app

    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    goto_app(page, base_url)  # the first session registers the pages (tests/e2e/conftest.py)
    if page_path != "home":
        goto_app(page, f"{base_url}/{page_path}?prompt_tokens=3000")
    else:
        goto_app(page, f"{base_url}/?prompt_tokens=3000")
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    tab = Tab(name, page, cdp, headline=page_path == "home")
    for _ in range(2):  # warm-up: the first changes load chunks and fill caches
        tab.change(record=False)
    return tab


# ----------------------------------------------------------------------------- servers and trees
@contextlib.contextmanager
def base_tree(ref: str) -> Iterator[Path]:
    """A temporary detached worktree of ``ref`` (removed on exit)."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref], check=True, capture_output=True,
                         text=True).stdout.strip()
    path = Path(tempfile.gettempdir()) / f"bb-base-{sha}"
    if path.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], capture_output=True)
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), ref], check=True,
                   capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], capture_output=True)


@contextlib.contextmanager
def server_for(tree: Path, log_dir: Path) -> Iterator[str]:
    from e2e_helpers import streamlit_server

    env = {"PYTHONPATH": str(tree)} if tree != REPO else None  # the base tree's costmodel and ui, not ours
    with streamlit_server(tree / "app.py", log_dir, cwd=tree, timeout_s=120, env=env) as server:
        yield server.url


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def run(page_path: str = "home", changes: int = 24, base: str | None = None, batch: int = 3,
        url: str | None = None) -> dict:
    from e2e_helpers import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise FileNotFoundError(f"{CHROMIUM} not found (apt-get install -y chromium); never `playwright install`")
    with contextlib.ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-browser-")))
        urls = {"branch": url or stack.enter_context(server_for(REPO, logs))}
        if base:
            urls["base"] = stack.enter_context(server_for(stack.enter_context(base_tree(base)), logs))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        stack.callback(browser.close)
        tabs = {name: open_tab(browser, name, u, page_path) for name, u in urls.items()}
        load_start = _load()
        if base:
            for b in range(max(1, changes // batch)):
                for name in (("base", "branch") if b % 2 == 0 else ("branch", "base")):
                    for _ in range(batch):
                        tabs[name].change()
        else:
            for _ in range(changes):
                tabs["branch"].change()
        report = {
            "page": page_path, "changes": changes, "cpu_count": os.cpu_count(),
            "load_average_1m": {"start": load_start, "end": _load()},
            "commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip(),
            "summary": {name: summarize(t.changes) for name, t in tabs.items()},
            "per_change": {name: t.changes for name, t in tabs.items()},
        }
        if base:
            report["base"] = base
            report["base_commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", base],
                                                   capture_output=True, text=True).stdout.strip()
            report["batch"] = batch
            report["ratio_branch_over_base"] = {
                part: {k: (None if v is None else round(v, 3)) for k, v in
                       quartiles(batch_ratios(tabs["base"].changes, tabs["branch"].changes, batch, part)).items()}
                for part in PARTS}
            lat = [b["latency_ms"] / a["latency_ms"] for a, b in zip(tabs["base"].changes, tabs["branch"].changes,
                                                                     strict=False) if a["latency_ms"] > 0]
            report["ratio_branch_over_base"]["latency_ms"] = {k: round(v, 3) for k, v in quartiles(lat).items()}
    return report


def print_report(r: Mapping) -> None:
    la = r["load_average_1m"]
    print(f"Chromium renderer busy time per '{SLIDER}' change on /{r['page']} ({r['changes']} changes per tree), "
          f"{r['cpu_count']} CPUs, load average {la['start']} -> {la['end']}; median (quartiles)")
    for name, s in r["summary"].items():
        print(format_summary(name, s))
    if "ratio_branch_over_base" in r:
        parts = ", ".join(f"{k} {v['median']:g} ({v['q1']:g}-{v['q3']:g})"
                          for k, v in r["ratio_branch_over_base"].items() if v["median"] is not None)
        print(f"branch / base (base {r['base']} = {r.get('base_commit', '?')}, batches of {r['batch']}): {parts}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--page", default="home", help="page URL path (default home, the Overview)")
    p.add_argument("--changes", type=int, default=24, help="measured changes per tree (default 24)")
    p.add_argument("--base", default=None, help="git ref to measure against, paired (e.g. main)")
    p.add_argument("--batch", type=int, default=3, help="with --base: changes per tree per alternation (default 3)")
    p.add_argument("--url", default=None, help="attach to the server at this URL instead of starting one")
    p.add_argument("--json", type=Path, default=None, help="also write the report here (e.g. benchmarks/results/)")
    args = p.parse_args(argv)
    report = run(args.page, args.changes, args.base, args.batch, args.url)
    print_report(report)
    if args.json:  # per-change rows included, for a later look at the spread
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with args.json.open("w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
