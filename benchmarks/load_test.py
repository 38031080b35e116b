"""Load test: many concurrent browser sessions against one ``streamlit run app.py``.

    .venv/bin/python benchmarks/load_test.py --sessions 50 --duration 60 --json artifacts/load-50.json

What it does, all on loopback:

1. starts ``python -m streamlit run app.py`` on a free 127.0.0.1 port and waits for
   ``/_stcore/health``; one warm-up session loads the app once (imports, catalog cache);
2. measures the server's RSS (psutil), then opens N sessions: one Debian Chromium
   (``/usr/bin/chromium``), one browser context per session, each on the Overview page with
   its OWN prompt length in the URL (``?prompt_tokens=1000+37*i``);
3. when every session has loaded (or failed), measures RSS again, then for ``--duration``
   seconds every session moves the sidebar's "Prefix-cache hit rate" slider between 0% and
   100% with the keyboard (Home/End), waits for the headline "Cost per request" to change,
   records that latency, checks that what it sees is still its own scenario (its prompt
   length in the scenario sentence, the sidebar and the URL; its slider value), then pauses
   ``--think-ms`` (x0.5-1.5, a person reading);
4. reports errors (exceptions on the page, st.error, timeouts, browser errors), cross-session
   leaks (an error too), p50/p95/max change-to-headline latency, changes per second, and
   server memory per session; closes the browser and stops the server.

Targets (docs/reliability.md): 0 errors, 0 leaks, p95 <= 500 ms. The exit code is 0 when there
were no errors and no leaks (latency is reported, not enforced, unless ``--max-p95-ms``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))  # the e2e harness: Chromium flags and the server fixture
from e2e_helpers import CHROMIUM, CHROMIUM_ARGS, StreamlitServer, streamlit_server  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from bench_server import percentile  # noqa: E402

HEADLINE = "Cost per request"
SLIDER = "Prefix-cache hit rate (%)"
MAX_SESSIONS = 200
MAX_DURATION_S = 1800


def prompt_for(index: int) -> int:
    """Session i's own prompt length: distinct, and shown exactly (with a thousands comma) by the app."""
    return 1000 + 37 * index


def fmt_prompt(n: int) -> str:
    return f"{n:,}"


# ----------------------------------------------------------------------------- server
@dataclass
class ExternalServer:
    """Server(s) started by someone else (benchmarks/load_run.py): a URL and the processes to measure."""

    url: str
    pids: tuple[int, ...] = ()


def _processes(server: StreamlitServer | ExternalServer) -> list[psutil.Process]:
    pids = server.pids if isinstance(server, ExternalServer) else (server.proc.pid,)
    out = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(pid)
            out += [p, *p.children(recursive=True)]
    return out


def rss_bytes(server: StreamlitServer | ExternalServer) -> int:
    """Resident memory of the server(s) and any children they started."""
    total = 0
    for q in _processes(server):
        with contextlib.suppress(psutil.Error):
            total += q.memory_info().rss
    return total


def cpu_seconds(server: StreamlitServer | ExternalServer) -> float:
    """User + system CPU time the server(s) (and children) used so far."""
    total = 0.0
    for q in _processes(server):
        with contextlib.suppress(psutil.Error):
            t = q.cpu_times()
            total += t.user + t.system
    return total


# ----------------------------------------------------------------------------- one browser session
@dataclass
class SessionResult:
    index: int
    prompt_tokens: int
    loaded: bool = False
    load_s: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # each starts with its category: "load:", "change ...:", ...
    leaks: list[str] = field(default_factory=list)


async def _wait_idle(page, timeout_ms: float) -> None:
    await page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", state="attached",
                                 timeout=timeout_ms)
    await page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached",
                                 timeout=timeout_ms)


def _headline(page):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(HEADLINE, exact=True)
    ).get_by_test_id("stMetricValue")


async def _page_problems(page) -> list[str]:
    out = []
    for testid, what in (("stException", "exception"), ("stAlertContentError", "st.error")):
        loc = page.get_by_test_id(testid)
        if await loc.count():
            out.append(f"page: {what}: {(await loc.first.inner_text())[:300]}")
    return out


def _prompt_owner(value: int, sessions: int) -> int | None:
    """Which session's own prompt length ``value`` is (None: nobody's)."""
    i, rest = divmod(value - 1000, 37)
    return i if rest == 0 and 0 <= i < sessions else None


def _judge(res: SessionResult, seen: int | None, where: str, when: str, sessions: int) -> None:
    """Own prompt: fine. Another session's prompt: a LEAK. Anything else (the default, nothing): the
    session lost its own state, an error but not evidence of sharing."""
    if seen == res.prompt_tokens:
        return
    owner = None if seen is None else _prompt_owner(seen, sessions)
    if owner is not None and owner != res.index:
        res.leaks.append(f"session {res.index} {when}: {where} shows session {owner}'s prompt {seen}")
    else:
        res.errors.append(f"state: session {res.index} {when}: {where} shows {seen}, expected {res.prompt_tokens}")


async def _check_isolation(page, res: SessionResult, cache_pct: int, when: str, sessions: int,
                           timeout_ms: float = 60_000) -> None:
    """Everything this session can see of its scenario must be its own."""
    sentence = page.get_by_test_id("stMain").get_by_test_id("stMarkdownContainer").filter(has_text="Scenario.")
    text = await sentence.first.inner_text(timeout=timeout_ms)
    m = re.search(r"answering ([0-9,]+)-token prompts", text)
    _judge(res, int(m.group(1).replace(",", "")) if m else None, "scenario sentence", when, sessions)
    sidebar = page.get_by_test_id("stSidebar")
    shown = (await sidebar.get_by_label("Prompt tokens", exact=True).input_value(timeout=timeout_ms)).replace(",", "")
    _judge(res, int(shown) if shown.isdigit() else None, "sidebar prompt tokens", when, sessions)
    q = parse_qs(urlsplit(page.url).query).get("prompt_tokens", [""])[-1]
    _judge(res, int(q) if q.isdigit() else None, "URL prompt_tokens", when, sessions)
    value = await sidebar.get_by_role("slider", name=SLIDER).get_attribute("aria-valuetext", timeout=timeout_ms)
    shown_pct = value.strip().rstrip("%") if value is not None else ""
    if value is not None and shown_pct.replace(".", "", 1).isdigit() and float(shown_pct) != float(cache_pct):
        res.errors.append(f"state: session {res.index} {when}: cache-hit slider shows {value!r}, set {cache_pct}")


async def run_session(browser, base_url: str, res: SessionResult, go: asyncio.Event, stop_at: list[float],
                      think_ms: float, load_timeout_s: float, change_timeout_s: float, rng: random.Random,
                      sessions: int) -> None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = await ctx.new_page()
        page.on("pageerror", lambda err: res.errors.append(f"browser: pageerror: {err}"))
        page.on("console", lambda msg: res.errors.append(f"browser: console.error: {msg.text[:200]}")
                if msg.type == "error" and "net::ERR_" not in msg.text else None)
        t0 = time.perf_counter()
        try:
            await page.goto(f"{base_url}/?prompt_tokens={res.prompt_tokens}", wait_until="domcontentloaded",
                            timeout=load_timeout_s * 1000)
            await _headline(page).first.wait_for(timeout=load_timeout_s * 1000)
            await _wait_idle(page, load_timeout_s * 1000)
            res.load_s = time.perf_counter() - t0
            res.loaded = True
            await _check_isolation(page, res, 0, "after load", sessions)
        except Exception as exc:  # noqa: BLE001 - report every failure, keep the other sessions going
            res.errors.append(f"load: {type(exc).__name__}: {str(exc)[:300]}")
            return
        finally:
            res.loaded = res.loaded and not res.errors
        await go.wait()
        slider = page.get_by_test_id("stSidebar").get_by_role("slider", name=SLIDER)
        metric = _headline(page)
        cache_pct = 0
        while time.monotonic() < stop_at[0]:
            try:
                old = await metric.inner_text(timeout=change_timeout_s * 1000)
                handle = await metric.element_handle(timeout=change_timeout_s * 1000)
                key, target = ("End", 100) if cache_pct == 0 else ("Home", 0)
                start = time.perf_counter()
                await slider.press(key, timeout=change_timeout_s * 1000)
                await page.wait_for_function("([el, old]) => el.isConnected && el.innerText !== old", arg=[handle, old],
                                             timeout=change_timeout_s * 1000)
                res.latencies_ms.append((time.perf_counter() - start) * 1000)
                cache_pct = target
                await _wait_idle(page, change_timeout_s * 1000)
                await _check_isolation(page, res, cache_pct, f"after change {len(res.latencies_ms)}", sessions)
            except Exception as exc:  # noqa: BLE001
                res.errors.append(f"change: #{len(res.latencies_ms) + 1}: {type(exc).__name__}: {str(exc)[:300]}")
                with contextlib.suppress(Exception):
                    await _wait_idle(page, change_timeout_s * 1000)
                    text = await slider.get_attribute("aria-valuetext")
                    cache_pct = 100 if text and text.strip().rstrip("%") not in ("0", "0.0", "") else 0
            res.errors += await _page_problems(page)
            if res.errors and len(res.errors) > 20:
                break
            await asyncio.sleep(think_ms / 1000 * rng.uniform(0.5, 1.5))
    finally:
        await ctx.close()


# ----------------------------------------------------------------------------- the run
async def _drive(server: StreamlitServer | ExternalServer, sessions: int, duration_s: float, think_ms: float,
                 ramp_s: float, load_timeout_s: float, change_timeout_s: float, seed: int,
                 sessions_total: int = 0) -> dict:
    from playwright.async_api import async_playwright

    rng = random.Random(seed)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            # warm-up: one session loads the app so imports and caches are not counted per session
            warm = SessionResult(-1, prompt_for(0))
            ready = asyncio.Event()
            ready.set()
            await run_session(browser, server.url, warm, ready, [0.0], 0, load_timeout_s, change_timeout_s, rng, 1)
            await asyncio.sleep(1.0)
            rss_before = rss_bytes(server)

            results = [SessionResult(i, prompt_for(i)) for i in range(sessions)]
            go = asyncio.Event()
            stop_at = [float("inf")]
            tasks = []
            for r in results:
                tasks.append(asyncio.create_task(run_session(
                    browser, server.url, r, go, stop_at, think_ms, load_timeout_s, change_timeout_s,
                    random.Random(rng.random()), max(sessions, sessions_total))))
                await asyncio.sleep(ramp_s / max(sessions, 1))
            t_load = time.monotonic()
            while not all(r.loaded or r.errors for r in results) and time.monotonic() - t_load < load_timeout_s + 5:
                await asyncio.sleep(0.2)
            rss_loaded = rss_bytes(server)
            stop_at[0] = time.monotonic() + duration_s
            t_go, cpu_go, go_epoch = time.monotonic(), cpu_seconds(server), time.time()
            go.set()
            await asyncio.gather(*tasks)
            measured_s, server_cpu_s = time.monotonic() - t_go, cpu_seconds(server) - cpu_go
            rss_end = rss_bytes(server)
        finally:
            await browser.close()

    lat = [x for r in results for x in r.latencies_ms]
    errors = [e for r in results for e in r.errors] + [f"warm-up: {e}" for e in warm.errors]
    leaks = [x for r in results for x in r.leaks]
    loaded = sum(r.loaded for r in results)
    mb = 1024 * 1024
    return {
        "sessions": sessions,
        "sessions_loaded": loaded,
        "duration_s": round(measured_s, 1),
        "go_epoch": round(go_epoch, 2),  # every session loaded; the changes start (load_run.py's all-loaded part)
        "think_ms": think_ms,
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "changes": len(lat),
        "changes_per_s": round(len(lat) / measured_s, 2) if measured_s else None,
        "server_cpu_s": round(server_cpu_s, 1),
        "server_cpu_ms_per_change": round(1000 * server_cpu_s / len(lat)) if lat else None,
        "errors": len(errors) + len(leaks),
        "leaks": len(leaks),
        "latency_ms": {
            "p50": _round(percentile(lat, 50)),
            "p95": _round(percentile(lat, 95)),
            "max": _round(max(lat) if lat else None),
        },
        "load_s": {
            "p50": _round(statistics.median([r.load_s for r in results if r.load_s]) if loaded else None, 2),
            "max": _round(max([r.load_s for r in results if r.load_s], default=None), 2),
        },
        "server_rss_mb": {
            "before_sessions": round(rss_before / mb, 1),
            "all_loaded": round(rss_loaded / mb, 1),
            "end": round(rss_end / mb, 1),
        },
        "rss_per_session_mb": round((rss_loaded - rss_before) / mb / max(sessions, 1), 2),
        "rss_per_session_mb_end": round((rss_end - rss_before) / mb / max(sessions, 1), 2),
        "errors_by_kind": errors_by_kind(errors),
        "first_errors": errors[:8],
        "first_leaks": leaks[:8],
        "per_session": [
            {"index": r.index, "prompt_tokens": r.prompt_tokens, "load_s": _round(r.load_s, 2),
             "changes": len(r.latencies_ms), "errors": len(r.errors), "leaks": len(r.leaks),
             "error_messages": r.errors[:5], "leak_messages": r.leaks[:5]} for r in results
        ],
    }


def errors_by_kind(errors: list[str]) -> dict[str, int]:
    """Count errors by their leading category (``state: ...`` -> state), client prefixes dropped."""
    out: dict[str, int] = {}
    for e in errors:
        kind = e.removeprefix("chromium: ").removeprefix("warm-up: ").split(":", 1)[0]
        out[kind] = out.get(kind, 0) + 1
    return out


def _round(x: float | None, digits: int = 0) -> float | None:
    return None if x is None else round(x, digits) if digits else round(x)


def run(sessions: int = 50, duration_s: float = 60, *, think_ms: float = 1000, ramp_s: float | None = None,
        load_timeout_s: float = 180, change_timeout_s: float = 60, app: Path | None = None, seed: int = 1,
        url: str | None = None, server_pids: tuple[int, ...] = (), sessions_total: int = 0) -> dict:
    """Start the server (or use the one at ``url``), drive ``sessions`` browsers for ``duration_s`` seconds,
    stop everything, report. ``sessions_total``: all sessions in the test (other clients' included), so a
    leak can be traced to another client's session."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be between 1 and {MAX_SESSIONS}")
    if not 1 <= duration_s <= MAX_DURATION_S:
        raise ValueError(f"duration must be between 1 and {MAX_DURATION_S} s")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise FileNotFoundError(f"{CHROMIUM} not found (apt-get install -y chromium); never `playwright install`")
    app = app or REPO / "app.py"
    ramp = ramp_s if ramp_s is not None else min(0.3 * sessions, 30.0)
    if url:
        t0 = time.monotonic()
        report = asyncio.run(_drive(ExternalServer(url, server_pids), sessions, duration_s, think_ms, ramp,
                                    load_timeout_s, change_timeout_s, seed, sessions_total))
        report["wall_s"] = round(time.monotonic() - t0, 1)
        return report
    with tempfile.TemporaryDirectory(prefix="load-test-") as tmp, streamlit_server(app, Path(tmp), cwd=app.parent, timeout_s=120) as server:
        t0 = time.monotonic()
        report = asyncio.run(_drive(server, sessions, duration_s, think_ms, ramp, load_timeout_s, change_timeout_s,
                                    seed))
        report["wall_s"] = round(time.monotonic() - t0, 1)
        if report["errors"]:
            report["server_log_tail"] = server.log()[-2000:]
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=50, help="concurrent browser sessions (default 50)")
    p.add_argument("--duration", type=float, default=60, help="seconds of slider changes once all loaded (default 60)")
    p.add_argument("--think-ms", type=float, default=1000, help="pause between one session's changes (x0.5-1.5)")
    p.add_argument("--ramp", type=float, default=None, help="seconds over which sessions open (default 0.3 s each)")
    p.add_argument("--load-timeout", type=float, default=180, help="seconds a session may take to load")
    p.add_argument("--change-timeout", type=float, default=60,
                   help="seconds a slider change may take to reach the headline before it counts as an error")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--url", default=None, help="drive the server at this URL instead of starting one")
    p.add_argument("--server-pid", type=int, action="append", default=[], help="with --url: a process to measure")
    p.add_argument("--sessions-total", type=int, default=0, help="sessions of all clients in the test (leaks)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    p.add_argument("--max-p95-ms", type=float, default=None, help="exit 1 when p95 latency is above this")
    args = p.parse_args(argv)
    report = run(args.sessions, args.duration, think_ms=args.think_ms, ramp_s=args.ramp,
                 load_timeout_s=args.load_timeout, change_timeout_s=args.change_timeout, seed=args.seed,
                 url=args.url, server_pids=tuple(args.server_pid), sessions_total=args.sessions_total)
    text = json.dumps(report, indent=2)
    print(json.dumps({k: v for k, v in report.items() if k not in ("per_session", "server_log_tail")}, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    failed = report["errors"] > 0
    p95 = report["latency_ms"]["p95"]
    if args.max_p95_ms is not None and (p95 is None or p95 > args.max_p95_ms):
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["SessionResult", "errors_by_kind", "main", "prompt_for", "run", "streamlit_server"]
