"""Load test: N sessions against the app, most of them light protocol clients driven by Locust, a few real
Chromium ones; on one Streamlit process or several behind nginx. Writes one JSON report.

    .venv/bin/python benchmarks/load_run.py --sessions 50 --json benchmarks/results/load-50-1proc.json
    .venv/bin/python benchmarks/load_run.py --sessions 200 --processes 2 --browsers 3 --duration 60 \
        --json benchmarks/results/load-200-2proc.json

What it does, all on loopback:

1. starts ``--processes`` ``streamlit run app.py`` processes; with more than one (or ``--proxy``), nginx in
   front of them (``deploy/cluster.py``: sticky cookie, websocket upgrade); loads the app once on every
   process (imports, caches), then reads the servers' RSS;
2. runs Locust headless (``benchmarks/locustfile.py``) with ``sessions - browsers`` users, spawned at
   ``--spawn-rate`` per second, each making one slider change every ``--change-every`` seconds, and
   beside it ``benchmarks/load_test.py --url`` with ``--browsers`` Chromium sessions (Overview,
   think time = the same pace), session indexes disjoint so every client can name a leak's owner;
3. reports: errors and leaks of both kinds of client (a leak = a session shows ANOTHER session's
   prompt length), change-to-headline latency p50/p95/max (protocol clients: until the headline
   element arrives; Chromium: until the headline on screen changes), changes per second, server CPU
   per change over the steady part (from ``--settle`` s, default 10, after the last user spawned), server RSS per session, how the
   sessions spread over the processes, CPU count and load average; where the slow changes lie (the protocol
   latencies in 10 s bins, ``protocol_timeline``), the protocol latencies from the moment every session, the
   Chromium ones too, had loaded (``protocol_all_loaded``), and the cores the Chromium sessions themselves
   used (``browser_cpu_cores_busy``: on a 2-core machine they compete with the server; ``--browser-nice 19``
   lets the server go first, as when people's browsers run on their own machines). Locust's own CSV and HTML
   reports go beside the JSON (``--locust-dir``).

The steady part lasts ``--duration`` seconds and until the Chromium sessions finished theirs (they start
changing once all of them loaded), so both kinds of client change things under the same load; then Locust
is stopped. Bounded: ``--duration`` (max 600 s) plus the spawn, plus at most 900 s for slow browsers.
Targets (issue 13): 50 sessions, one change every 5 s each: 0 errors, 0 leaks, p95 <= 500 ms.
Exit code 0 when there were no errors and no leaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "deploy"))
from bench_server import percentile  # noqa: E402
from cluster import cluster, stop_process  # noqa: E402
from load_test import errors_by_kind  # noqa: E402
from st_protocol import Session  # noqa: E402

MAX_SESSIONS = 500
MAX_DURATION_S = 600


def _procs(pids: tuple[int, ...]) -> list[psutil.Process]:
    out = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            out.append(psutil.Process(pid))
    return out


def rss_mb(pids: tuple[int, ...]) -> float:
    return sum(p.memory_info().rss for p in _procs(pids)) / 2**20


def cpu_s(pids: tuple[int, ...]) -> list[float]:
    return [sum(p.cpu_times()[:2]) for p in _procs(pids)]


def tree_cpu_s(proc: subprocess.Popen | None) -> float:
    """User + system CPU seconds of ``proc`` and every process under it (Chromium's renderers) still running."""
    if proc is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(proc.pid)
        return sum(cpu_s(tuple(p.pid for p in [root, *root.children(recursive=True)])))
    return 0.0


def _wait_or_kill(proc: subprocess.Popen, timeout_s: float) -> None:
    """Wait for a client to finish its reports; terminate (then kill) one that does not, so the run ends."""
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        print(f"load_run: {proc.args[1:3]} did not stop within {timeout_s:.0f} s; terminating it", file=sys.stderr)
        stop_process(proc)


def _locust_cmd(url: str, users: int, args, run_time_s: int, out: Path, offset: int) -> list[str]:
    return [
        sys.executable, "-m", "locust", "-f", str(REPO / "benchmarks" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{run_time_s}s", "--host", url, "--only-summary",
        "--stop-timeout", "30", "--csv", str(out / "locust"), "--html", str(out / "locust.html"),
        "--report-json", str(out / "locust-tally.json"), "--index-offset", str(offset),
        "--sessions-total", str(args.sessions), "--change-every", str(args.change_every),
        "--change-timeout", str(args.change_timeout), "--pages", args.pages, "--loglevel", "WARNING",
        "--stop-file", str(out / "stop"),
    ]


def _browser_cmd(url: str, args, pids: tuple[int, ...], out: Path) -> list[str]:
    # the browsers stand in for people's own machines: --browser-nice keeps their renderers from taking the
    # server's cores on a small box (they then report their own queueing, the protocol clients the server's)
    nice = ["nice", "-n", str(args.browser_nice)] if args.browser_nice else []
    cmd = [
        *nice, sys.executable, str(REPO / "benchmarks" / "load_test.py"), "--url", url, "--sessions", str(args.browsers),
        "--duration", str(args.duration), "--think-ms", str(args.change_every * 1000),
        "--change-timeout", str(args.change_timeout), "--sessions-total", str(args.sessions),
        "--json", str(out / "browsers.json"),
    ]
    for pid in pids:
        cmd += ["--server-pid", str(pid)]
    return cmd


def run(args) -> dict:
    users = args.sessions - args.browsers
    spawn_s = users / args.spawn_rate
    proxy = args.processes > 1 or args.proxy
    out = args.locust_dir or Path(tempfile.mkdtemp(prefix="load-run-"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "stop").unlink(missing_ok=True)  # a reused --locust-dir: the last run's stop file would end this one
    with cluster(args.processes, 0, access_log=False) as c:
        url, pids = (c.url if proxy else f"http://{c.backends[0]}"), c.pids
        for b in c.backends:  # warm every process: imports and the catalog cache are not per session
            s = Session(f"http://{b}")
            s.connect()
            s.close()
        load0 = os.getloadavg()[0]
        rss_before = rss_mb(pids)
        t0 = time.monotonic()
        # Locust runs until stopped: the steady part lasts --duration and at least until the Chromium
        # sessions are done, so their changes happen under the same load.
        loc = subprocess.Popen(_locust_cmd(url, users, args, round(spawn_s + args.duration + 600), out, args.browsers),
                               cwd=REPO, stdout=open(out / "locust.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        br = None
        if args.browsers:
            br = subprocess.Popen(_browser_cmd(url, args, pids, out), cwd=REPO,
                                  stdout=open(out / "browsers.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        try:
            time.sleep(spawn_s + args.settle)  # every Locust user spawned and (unless overloaded) loaded: the steady part
            steady = {"t_epoch": time.time(), "rss_mb": rss_mb(pids), "cpu_s": cpu_s(pids), "t": time.monotonic(),
                      "locust_cpu_s": sum(cpu_s((loc.pid,))), "browser_cpu_s": tree_cpu_s(br)}
            limit = time.monotonic() + args.duration + 900
            browser_cpu = steady["browser_cpu_s"]  # read while it runs: an ended process has no CPU times left
            while time.monotonic() < limit and loc.poll() is None and (
                    time.monotonic() < steady["t"] + args.duration or (br is not None and br.poll() is None)):
                time.sleep(0.5)
                browser_cpu = max(browser_cpu, tree_cpu_s(br))
            end = {"rss_mb": rss_mb(pids), "cpu_s": cpu_s(pids), "t": time.monotonic(),
                   "locust_cpu_s": sum(cpu_s((loc.pid,))), "browser_cpu_s": browser_cpu}
        finally:
            # Locust stops its users and writes its reports (HTML too) and ours when the stop file appears
            # (benchmarks/locustfile.py: a signal can land in one user's greenlet and be lost); Chromium on SIGINT
            (out / "stop").touch()
            if br is not None and br.poll() is None:
                br.send_signal(signal.SIGINT)
            _wait_or_kill(loc, 120)
            if br is not None:
                _wait_or_kill(br, 60)
        loads = (load0, os.getloadavg()[0])
        wall_s = time.monotonic() - t0
    return _report(args, out, proxy, rss_before, steady, end, loads, wall_s)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _report(args, out: Path, proxy: bool, rss_before: float, steady: dict, end: dict, loads: tuple, wall_s) -> dict:
    """Steady part: from every Locust user spawned to Locust's end (the Chromium sessions' changes run
    in about the same window); server CPU per change = the servers' CPU there / the changes there."""
    tally, browsers = _read_json(out / "locust-tally.json"), _read_json(out / "browsers.json")
    timed = tally.get("latencies", [])
    lat = [ms for _, ms in timed]
    in_window = [ms for t, ms in timed if t >= steady["t_epoch"]]
    # every session loaded, the Chromium ones too (they load last and slowest, their renderers beside the server)
    all_loaded_epoch = max(steady["t_epoch"], browsers.get("go_epoch") or 0.0)
    all_loaded = [ms for t, ms in timed if t >= all_loaded_epoch]
    b_p95 = (browsers.get("latency_ms") or {}).get("p95")
    errors = list(tally.get("errors", [])) + [f"chromium: {e}" for e in browsers.get("first_errors", [])]
    n_leaks = len(tally.get("leaks", [])) + browsers.get("leaks", 0)
    n_errors = len(tally.get("errors", [])) + browsers.get("errors", 0) - browsers.get("leaks", 0)
    window_s = end["t"] - steady["t"]
    cpu_used = sum(end["cpu_s"]) - sum(steady["cpu_s"])
    window_changes = len(in_window) + (browsers.get("changes") or 0)
    p95s = [x for x in (_pcts(in_window)["p95"], b_p95) if x is not None]
    return {
        "sessions": args.sessions,
        "protocol_sessions": args.sessions - args.browsers,
        "browser_sessions": args.browsers,
        "processes": args.processes,
        "proxy": "nginx (deploy/cluster.py)" if proxy else None,
        "change_every_s": args.change_every,
        "browser_nice": args.browser_nice,
        "duration_s": args.duration,
        "wall_s": round(wall_s, 1),
        "cpu_count": os.cpu_count(),
        "load_average_1m": {"start": round(loads[0], 2), "end": round(loads[1], 2)},
        "sessions_loaded": tally.get("users_loaded", 0) + (browsers.get("sessions_loaded") or 0),
        "changes": len(lat) + (browsers.get("changes") or 0),
        "changes_per_s_steady": round(window_changes / window_s, 2) if window_s else None,
        "errors": n_errors + n_leaks,
        "leaks": n_leaks,
        "latency_ms": {
            "protocol": _pcts(in_window),
            "protocol_incl_spawn": _pcts(lat),
            "chromium": browsers.get("latency_ms"),
            "p95_worst_of_both": max(p95s) if p95s else None,
            # from the moment every session had loaded (the Chromium changes all lie there)
            "protocol_all_loaded": {**_pcts(all_loaded), "from_s": round(all_loaded_epoch - steady["t_epoch"], 1)},
            # where the tail lies: protocol changes by when they were made (s from the steady part's start;
            # negative = still spawning or settling)
            "protocol_timeline": latency_timeline(timed, steady["t_epoch"]),
        },
        "load_ms": _pcts(tally.get("load_ms", [])),
        "server_cpu_s_steady": round(cpu_used, 1),
        "server_cpu_s_per_process": [round(b - a, 1) for a, b in zip(steady["cpu_s"], end["cpu_s"], strict=False)],
        "server_cpu_cores_busy": round(cpu_used / window_s, 2) if window_s else None,
        "server_cpu_ms_per_change": round(1000 * cpu_used / window_changes, 1) if window_changes else None,
        # the load generator shares the machine: if it is near 1 core, latencies include its own queueing
        "locust_cpu_cores_busy": round((end["locust_cpu_s"] - steady["locust_cpu_s"]) / window_s, 2) if window_s else None,
        # the Chromium sessions (driver and renderers) share the cores with the server too
        "browser_cpu_cores_busy": round((end["browser_cpu_s"] - steady["browser_cpu_s"]) / window_s, 2)
        if window_s else None,
        "server_rss_mb": {"before_sessions": round(rss_before, 1), "all_loaded": round(steady["rss_mb"], 1),
                          "end": round(end["rss_mb"], 1)},
        "rss_per_session_mb": round((end["rss_mb"] - rss_before) / max(args.sessions, 1), 2),
        "sessions_per_backend": tally.get("upstreams"),
        "errors_by_kind": errors_by_kind(errors),
        "first_errors": errors[:10],
        "first_leaks": (tally.get("leaks", []) + browsers.get("first_leaks", []))[:10],
        "locust_reports": str(out),
    }


TIMELINE_BIN_S = 10


def latency_timeline(timed: list, t0_epoch: float, bin_s: float = TIMELINE_BIN_S) -> list[dict]:
    """Changes ``(epoch s when made, latency ms)`` in bins of ``bin_s`` seconds from ``t0_epoch``, in time order:
    each bin's start (``t_s``, relative to ``t0_epoch``) with the count, p50, p95 and max of its latencies. A
    p95 made by the first seconds after the spawn (a backlog of session loads) shows here as a few slow bins."""
    bins: dict[int, list[float]] = {}
    for t, ms in timed:
        bins.setdefault(int((t - t0_epoch) // bin_s), []).append(ms)
    return [{"t_s": round(k * bin_s), **_pcts(v)} for k, v in sorted(bins.items())]


def _pcts(values: list[float]) -> dict:
    def r(x: float | None) -> int | None:
        return None if x is None else round(x)

    return {"n": len(values), "p50": r(percentile(values, 50)), "p95": r(percentile(values, 95)),
            "max": r(max(values) if values else None)}


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers and clients on a kill too
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=50, help="all sessions, Chromium ones included (default 50)")
    p.add_argument("--browsers", type=int, default=3, help="of which real Chromium sessions (default 3)")
    p.add_argument("--processes", type=int, default=1, help="Streamlit processes (more than 1: behind nginx)")
    p.add_argument("--proxy", action="store_true", help="nginx in front even of one process")
    p.add_argument("--duration", type=float, default=60, help="seconds of changes after the spawn (default 60)")
    p.add_argument("--settle", type=float, default=10.0,
                   help="seconds after the last spawn before the steady part starts (default 10; 1-120)")
    p.add_argument("--change-every", type=float, default=5.0, help="seconds between one session's changes")
    p.add_argument("--browser-nice", type=int, default=0,
                   help="run the Chromium sessions at this niceness (0-19; default 0: the same priority as the server)")
    p.add_argument("--spawn-rate", type=float, default=10.0, help="protocol users started per second")
    p.add_argument("--change-timeout", type=float, default=30.0, help="seconds before a change is an error")
    p.add_argument("--pages", default="home", help="comma-separated url paths for the protocol users")
    p.add_argument("--locust-dir", type=Path, default=None, help="where Locust's CSV/HTML and logs go")
    p.add_argument("--json", type=Path, default=None, help="write the report here")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 <= args.browsers <= min(args.sessions, 10):
        p.error(f"--sessions 1..{MAX_SESSIONS}, --browsers 0..10 and at most --sessions")
    if not 5 <= args.duration <= MAX_DURATION_S:
        p.error(f"--duration 5..{MAX_DURATION_S} s")
    if not 1 <= args.settle <= 120:
        p.error("--settle 1..120 s")
    if not 0 <= args.browser_nice <= 19:
        p.error("--browser-nice 0..19")
    report = run(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
