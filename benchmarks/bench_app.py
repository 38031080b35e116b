"""Rerun time of every page after a sidebar change, measured with Streamlit's AppTest.

    .venv/bin/python benchmarks/bench_app.py [--reruns 30] [--page views/overview.py ...]

For each page: one warm-up session, then ``--reruns`` reruns, each after moving a
sidebar control (prompt length, cache hit rate and GPU count in turn, so no rerun
repeats the previous scenario). Prints the median and 95th percentile per page in
milliseconds. Targets: median <= 50 ms, p95 <= 100 ms. AppTest runs the script in a
thread and polls for completion, so the figures include a few milliseconds of test
harness; they exclude the browser and the network. Prints figures, asserts nothing.

AppTest recompiles app.py and the page on every run (a fresh ScriptCache per run);
``streamlit run`` compiles them once. The second pair of columns ("server-like")
shares one ScriptCache across runs, as the server does; the first is AppTest as is.
The machine's load average is printed: on a shared machine, compare runs only at
similar load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit.testing.v1.app_test as app_test_module  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = (
    "views/overview.py",
    "views/cost-curves.py",
    "views/pricing-schemes.py",
    "views/optimization-levers.py",
    "views/hardware-comparison.py",
    "views/market-prices.py",
    "views/agents-long-context.py",
    "views/learn-basics.py",
    "views/model-validation.py",
)
PROMPTS = (1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384)
CACHE = (0.0, 10.0, 25.0, 40.0, 56.3, 70.0)  # percent
GPUS = (4, 8, 16)


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def bench_page(page: str, reruns: int, server_like: bool) -> list[float]:
    shared = ScriptCache()
    app_test_module.ScriptCache = (lambda: shared) if server_like else ScriptCache
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(page).run()
    at.sidebar.number_input(key="prompt_tokens").set_value(1500).run()  # warm caches and imports
    times = []
    for i in range(reruns):
        kind = i % 3
        if kind == 0:
            widget, value = at.sidebar.number_input(key="prompt_tokens"), PROMPTS[(i // 3) % len(PROMPTS)]
        elif kind == 1:
            widget, value = at.sidebar.slider(key="cache_hit_pct"), CACHE[(i // 3) % len(CACHE)]
        else:
            widget, value = at.sidebar.number_input(key="gpus"), GPUS[(i // 3) % len(GPUS)]
        widget.set_value(value)
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1e3)
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].message}")
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reruns", type=int, default=30)
    ap.add_argument("--page", action="append", help="a page file (default: every page)")
    args = ap.parse_args()
    os.chdir(ROOT)
    print(f"# AppTest rerun after a sidebar change, {args.reruns} reruns per page")
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{'':<24} {'AppTest as is':>20}   {'server-like':>20}")
    print(f"{'page':<24} {'median ms':>10} {'p95 ms':>9}   {'median ms':>10} {'p95 ms':>9}"
          "   target: median <= 50, p95 <= 100")
    for page in args.page or PAGES:
        raw = bench_page(page, args.reruns, server_like=False)
        srv = bench_page(page, args.reruns, server_like=True)
        cols = [statistics.median(raw), _p95(raw), statistics.median(srv), _p95(srv)]
        flag = "" if cols[0] <= 50 and cols[1] <= 100 else "  (over target as is)"
        print(f"{page:<24} {cols[0]:>10.1f} {cols[1]:>9.1f}   {cols[2]:>10.1f} {cols[3]:>9.1f}{flag}")
    app_test_module.ScriptCache = ScriptCache


if __name__ == "__main__":
    main()
