"""Server CPU per sidebar change, page by page, in the real ``streamlit run app.py``.

    .venv/bin/python benchmarks/bench_server.py                 # every page, 24 changes each
    .venv/bin/python benchmarks/bench_server.py --changes 40 --page home --json artifacts/bench-server.json
    .venv/bin/python benchmarks/bench_server.py --fresh         # every change a scenario not seen before

Not AppTest: it starts ``python -m streamlit run app.py`` on a loopback port (the e2e harness's
``streamlit_server``) and drives ONE session per page with the protocol client
(``benchmarks/st_protocol.py``: the websocket and protobuf messages a browser sends). For each page it
loads ``/<page>?prompt_tokens=3000``, makes 2 warm-up changes, then ``--changes`` changes of the
sidebar's "Prefix-cache hit rate" slider (0% <-> 100%, what the issue measured), one at a time
(``--fresh``: instead every change sets a value no earlier change of the run set, 0.1%, 0.2%, ...,
so every cache keyed by the scenario misses: ui/scenario_cache.py, ui/validation.py). For
every change it reads the server process's CPU time (user + system, psutil) before the change and
after the run finished (in batches of 4 changes: psutil's times tick every 10 ms; the median is
over batches), and the time from sending the change to the page's headline element (its
first metric, chart or table in the main area) and to ``script_finished``.

No browser renders anything, so the latencies are the server's part of what a person waits for
(a browser adds its render, ~50-100 ms on this machine). Prints a table and, with ``--json``, a
report. Targets (issue 13): median CPU per change <= 30 ms on the Overview, <= 50 ms elsewhere;
p95 change-to-headline <= 300 ms with one session. Other work on the machine slows everything:
the CPU count and load average are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "benchmarks"))
from e2e_helpers import streamlit_server  # noqa: E402
from st_protocol import Session  # noqa: E402

PAGES: tuple[str, ...] = (
    "home", "cost-curves", "pricing-schemes", "optimization-levers", "hardware-comparison", "market-prices",
    "agents-long-context", "learn-basics", "model-validation",
)
SLIDER = "Prefix-cache hit rate (%)"
TARGET_CPU_MS = {"home": 30.0}
TARGET_CPU_MS_OTHER = 50.0
TARGET_P95_MS = 300.0
BATCH = 4  # changes per CPU reading: psutil's CPU times tick every 10 ms


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (inclusive method; one value is its own percentile)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server process, ended threads included (Streamlit runs each
    rerun in a new thread, so per-thread counters miss them). Clock-tick (10 ms) resolution: changes
    are timed in batches of ``BATCH``."""
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


FRESH_STEP_PCT = 0.1
"""--fresh: the slider's values step by a tenth of a percent (any tenth is a valid value, as from a link)."""


def slider_values(fresh: bool, start: int = 0):
    """The slider value (percent) of each change: 100, 0, 100, ... or, ``fresh``, one never used before (from
    ``start`` tenths on; 1,000 values: 0.1% .. 100%)."""
    i = start
    while True:
        i += 1
        yield round((i % 1000 or 1000) * FRESH_STEP_PCT, 1) if fresh else (100.0 if i % 2 else 0.0)


def bench_page(url: str, pid: int, page: str, changes: int, values=None) -> dict:
    """One session on ``page``: load, 2 warm-up changes, then ``changes`` measured ones (slider values from
    ``values``, default 100, 0, 100, ...)."""
    values = values if values is not None else slider_values(False)
    s = Session(url, "" if page == "home" else page, "prompt_tokens=3000")
    try:
        c0, t0 = server_cpu_s(pid), time.perf_counter()
        first = s.connect()
        load = {"cpu_ms": (server_cpu_s(pid) - c0) * 1000, "wall_ms": (time.perf_counter() - t0) * 1000}
        cpu, head, done, problems = [], [], [], list(first.problems)
        for _ in range(2):  # warm-up
            problems += s.change(SLIDER, double_array_value={"data": [next(values)]}).problems
        for _batch in range(max(1, changes // BATCH)):
            c0 = server_cpu_s(pid)
            for _ in range(BATCH):
                run = s.change(SLIDER, double_array_value={"data": [next(values)]})
                problems += run.problems
                done.append(run.finished_s * 1000)
                head.append((run.headline_s if run.headline_s is not None else run.finished_s) * 1000)
            cpu.append((server_cpu_s(pid) - c0) * 1000 / BATCH)
    finally:
        s.close()
    return {
        "page": page,
        "changes": len(done),
        "first_load_cpu_ms": round(load["cpu_ms"]),
        "first_load_ms": round(load["wall_ms"]),
        "cpu_ms": {"median": round(statistics.median(cpu), 1), "p95": round(percentile(cpu, 95), 1),
                   "mean": round(statistics.fmean(cpu), 1), "batch": BATCH},
        "headline_ms": {"median": round(statistics.median(head), 1), "p95": round(percentile(head, 95), 1)},
        "finished_ms": {"median": round(statistics.median(done), 1), "p95": round(percentile(done, 95), 1)},
        "target_cpu_ms": TARGET_CPU_MS.get(page, TARGET_CPU_MS_OTHER),
        "problems": problems[:5],
    }


def run(pages: tuple[str, ...] = PAGES, changes: int = 24, fresh: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp, \
            streamlit_server(REPO / "app.py", Path(tmp), cwd=REPO, timeout_s=120) as server:
        warm = Session(server.url)  # imports, the catalog cache: not counted against any page
        warm.connect()
        warm.close()
        load_before = os.getloadavg()[0]
        values = slider_values(fresh)  # one sequence for the whole run: --fresh never repeats across pages
        rows = [bench_page(server.url, server.proc.pid, p, changes, values) for p in pages]
    return {
        "cpu_count": os.cpu_count(),
        "slider_values": "fresh (each change a value not used before)" if fresh else "100% <-> 0%",
        "load_average_1m": {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)},
        "pages": rows,
    }


def print_table(report: dict) -> None:
    la = report["load_average_1m"]
    print(f"Server CPU per '{SLIDER}' change ({report.get('slider_values', '100% <-> 0%')}), real streamlit run, "
          "one protocol session; "
          f"{report['cpu_count']} CPUs, load average {la['start']} -> {la['end']}")
    print(f"{'page':<22}{'CPU ms med':>11}{'p95':>7}{'target':>8}{'headline ms med':>17}{'p95':>7}"
          f"{'finished med':>14}{'load CPU ms':>13}  ok")
    for r in report["pages"]:
        ok = r["cpu_ms"]["median"] <= r["target_cpu_ms"] and r["headline_ms"]["p95"] <= TARGET_P95_MS
        print(f"{r['page']:<22}{r['cpu_ms']['median']:>11}{r['cpu_ms']['p95']:>7}{r['target_cpu_ms']:>8g}"
              f"{r['headline_ms']['median']:>17}{r['headline_ms']['p95']:>7}{r['finished_ms']['median']:>14}"
              f"{r['first_load_cpu_ms']:>13}  {'yes' if ok else 'NO'}"
              + (f"  problems: {r['problems']}" if r["problems"] else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--changes", type=int, default=24, help="measured changes per page (default 24)")
    p.add_argument("--page", action="append", choices=PAGES, help="only this page (repeatable)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    p.add_argument("--fresh", action="store_true",
                   help="every change a slider value not used before (every scenario cache misses)")
    args = p.parse_args(argv)
    report = run(tuple(args.page or PAGES), args.changes, args.fresh)
    print_table(report)
    write_report(args.json, report)
    return 0


def write_report(path: Path | None, report: dict) -> None:
    """Write ``report`` as indented JSON to ``path`` (its folder made as needed); nothing when ``path`` is None."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
