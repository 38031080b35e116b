"""Server CPU per sidebar change, two trees side by side: a paired before/after on a busy machine.

    .venv/bin/python benchmarks/bench_server_ab.py --base /work/main --page home --fresh
    .venv/bin/python benchmarks/bench_server_ab.py --base ../other-checkout --page agents-long-context --batches 20

``bench_server.py`` measures one tree; on a shared machine two runs minutes apart see different loads, and
CPU time per change moves with the load (docs/deploying.md). This script starts ``streamlit run app.py`` in
both trees at once (the base tree with its own ``.venv/bin/python`` if it has one), opens one protocol session
per server on the page (``/<page>?prompt_tokens=3000``, 3 warm-up changes) and then alternates batches of 4
changes of the "Prefix-cache hit rate" slider between them (base first in even batches, branch first in odd
ones), reading each server's CPU time (psutil) around its batch. Both sessions get the same slider values
(``bench_server.slider_values``; ``--fresh``: each a value not used before, every scenario cache misses).
It prints both medians and the median of the per-batch ratios branch / base with its quartiles: a ratio
whose quartiles both lie below 1 is a cut that the load's noise does not explain.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import bench_server as bs  # noqa: E402
from e2e_helpers import free_port  # noqa: E402
from st_protocol import Session  # noqa: E402


def _start(tree: Path) -> tuple[subprocess.Popen, str]:
    python = tree / ".venv" / "bin" / "python"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    proc = subprocess.Popen(
        [str(python if python.exists() else sys.executable), "-m", "streamlit", "run", "app.py",
         "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    return proc, f"http://127.0.0.1:{port}"


def _wait_healthy(proc: subprocess.Popen, url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit at {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit at {url} not healthy within {timeout_s:.0f} s")


def run(base: Path, branch: Path, page: str, batches: int, fresh: bool) -> dict:
    trees = {"base": base, "branch": branch}
    servers = {name: _start(tree) for name, tree in trees.items()}
    sessions: dict[str, Session] = {}
    try:
        values = {}
        for name, (proc, url) in servers.items():
            _wait_healthy(proc, url)
            warm = Session(url)  # imports and the catalog: not counted
            warm.connect()
            warm.close()
            sessions[name] = s = Session(url, "" if page == "home" else page, "prompt_tokens=3000")
            s.connect()
            values[name] = bs.slider_values(fresh)
            for _ in range(3):
                s.change(bs.SLIDER, double_array_value={"data": [next(values[name])]})
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        problems: list[str] = []
        load_start = os.getloadavg()[0]
        for b in range(batches):
            for name in (("base", "branch") if b % 2 == 0 else ("branch", "base")):
                pid = servers[name][0].pid
                c0 = bs.server_cpu_s(pid)
                for _ in range(bs.BATCH):
                    run_ = sessions[name].change(bs.SLIDER, double_array_value={"data": [next(values[name])]})
                    problems += [f"{name}: {p}" for p in run_.problems]
                cpu[name].append((bs.server_cpu_s(pid) - c0) * 1000 / bs.BATCH)
        ratios = [b / a for a, b in zip(cpu["base"], cpu["branch"], strict=True) if a > 0]
        # inclusive, as bench_server.percentile and bench_browser.quartiles compute theirs
        q = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else [ratios[0]] * 3
        return {
            "page": page, "fresh": fresh, "batches": batches, "cpu_count": os.cpu_count(),
            "load_average_1m": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)},
            "cpu_ms_median": {name: round(statistics.median(v), 1) for name, v in cpu.items()},
            "ratio_median": round(statistics.median(ratios), 3), "ratio_q1": round(q[0], 3), "ratio_q3": round(q[2], 3),
            "problems": problems[:5],
        }
    finally:
        for s in sessions.values():
            s.close()
        for proc, _ in servers.values():
            proc.terminate()
        for proc, _ in servers.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", type=Path, required=True, help="the tree to compare against (e.g. /work/main)")
    p.add_argument("--branch", type=Path, default=REPO, help="the tree under test (default: this one)")
    p.add_argument("--page", choices=bs.PAGES, default="home")
    p.add_argument("--batches", type=int, default=16, help=f"batches of {bs.BATCH} changes per tree (default 16)")
    p.add_argument("--fresh", action="store_true", help="every change a slider value not used before")
    args = p.parse_args(argv)
    r = run(args.base.resolve(), args.branch.resolve(), args.page, args.batches, args.fresh)
    la = r["load_average_1m"]
    print(f"{r['page']} ({'fresh' if r['fresh'] else '100% <-> 0%'}), {r['batches']} paired batches of {bs.BATCH}, "
          f"{r['cpu_count']} CPUs, load {la['start']} -> {la['end']}: server CPU ms per change, median: "
          f"base {r['cpu_ms_median']['base']}, branch {r['cpu_ms_median']['branch']}; branch / base per batch: "
          f"median {r['ratio_median']} (quartiles {r['ratio_q1']} - {r['ratio_q3']})"
          + (f"; problems: {r['problems']}" if r["problems"] else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
