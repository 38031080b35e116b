"""Locust users that speak Streamlit's own protocol: one user = one browser-tab-like session.

    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8501 \
        --only-summary --report-json artifacts/load/locust.json

Usually started by ``benchmarks/load_run.py``, which also starts the server(s), a few real Chromium
sessions beside these users, and merges everything into one report.

Each user (``StreamlitUser``) gets its own prompt length, ``1000 + 37 * index`` (index from
``--index-offset``, so Chromium sessions can take the first ones), and a page (round robin over
``--pages``). It fetches ``/`` like a browser (the proxy's affinity cookie, if any), opens the
websocket with that cookie and loads ``/<page>?prompt_tokens=N`` (``benchmarks/st_protocol.py``).
Then, paced by Locust at one change every ``--change-every`` seconds (a person reading between
moves; each user's rhythm starts at a random phase, as people do not move in step), it moves the "Prefix-cache hit rate" slider 0% <-> 100% and reports the time from sending
the change to the page's headline element as a Locust request (``change <page>``).

Every finished run is checked for isolation: the scenario sentence, the sidebar's "Prompt tokens"
box (the value the server tells the widget to show) and the URL must hold the user's OWN prompt
length. Another user's prompt length is a leak (request ``leak``); anything else (the default, a
missing value) is lost state (request ``state``); both count as failures. Exceptions and st.error
boxes on the page are failures too (``page``). Locust does the scheduling and statistics; with
``--report-json`` this file also writes exact latencies, leaks and errors as JSON at the end.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import User, constant_pacing, events, task

try:  # run by locust (-f benchmarks/locustfile.py): benchmarks/ is on sys.path
    from st_protocol import ProtocolError, Session
except ImportError:  # imported as a module of the repository (tests)
    from benchmarks.st_protocol import ProtocolError, Session

SLIDER = "Prefix-cache hit rate (%)"
PROMPT_BOX = "Prompt tokens"
ALL_PAGES = ("home", "cost-curves", "pricing-schemes", "optimization-levers", "hardware-comparison",
             "market-prices", "agents-long-context", "learn-basics", "model-validation")


def prompt_for(index: int) -> int:
    """Session ``index``'s own prompt length (the same rule as benchmarks/load_test.py)."""
    return 1000 + 37 * index


def prompt_owner(value: int | None, sessions: int) -> int | None:
    """Which session's own prompt length ``value`` is (None: nobody's)."""
    if value is None:
        return None
    i, rest = divmod(value - 1000, 37)
    return i if rest == 0 and 0 <= i < sessions else None


class Tally:
    """What every user saw, for the JSON report (Locust keeps its own statistics beside it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[tuple[float, float]] = []  # (epoch seconds at the change, change-to-headline ms)
        self.upstreams: dict[str, int] = {}  # backend (the proxy's X-Upstream header) -> sessions
        self.finished_ms: list[float] = []
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.loaded = 0
        self.load_ms: list[float] = []

    def add(self, attr: str, value) -> None:
        with self.lock:
            getattr(self, attr).append(value)


TALLY = Tally()
_INDEX = itertools.count()


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--index-offset", type=int, default=0, help="first session index (prompt 1000+37*i)")
    parser.add_argument("--sessions-total", type=int, default=0,
                        help="all sessions in the test, Chromium ones included (to name a leak's owner)")
    parser.add_argument("--pages", default=",".join(ALL_PAGES), help="comma-separated url paths, round robin")
    parser.add_argument("--change-every", type=float, default=5.0, help="seconds between one user's changes")
    parser.add_argument("--change-timeout", type=float, default=60.0, help="seconds a change may take")
    parser.add_argument("--report-json", default="", help="write latencies, leaks and errors here at the end")
    parser.add_argument("--stop-file", default="",
                        help="stop, as --run-time does (reports written), once this file exists")


@events.init.add_listener
def _watch_stop_file(environment, runner=None, **_kw) -> None:
    """How benchmarks/load_run.py ends a run. Not SIGINT: Python raises its KeyboardInterrupt in whichever
    greenlet is running, and under load that is often a user, which then dies alone while Locust runs on
    (seen: a 20-user run that ignored SIGINT for 120 s)."""
    path = getattr(environment.parsed_options, "stop_file", "") if environment.parsed_options else ""
    if not path or runner is None:
        return

    def watch() -> None:
        while not Path(path).exists():
            gevent.sleep(0.2)
        runner.quit()  # what --run-time's timer calls: users stopped, test_stop fired, reports written

    gevent.spawn(watch)


def _fire(env, name: str, started: float, elapsed_ms: float, exc: Exception | None = None) -> None:
    env.events.request.fire(request_type="WS", name=name, response_time=elapsed_ms, response_length=0,
                            exception=exc, context={}, start_time=started)


class StreamlitUser(User):
    """One session: load a page with its own prompt length, then move the slider every few seconds."""

    wait_time = constant_pacing(5.0)  # replaced by --change-every in on_start

    def on_start(self) -> None:
        opts = self.environment.parsed_options
        type(self).wait_time = constant_pacing(opts.change_every)
        self.index = opts.index_offset + next(_INDEX)
        self.sessions = max(opts.sessions_total, self.index + 1)
        pages = [p for p in opts.pages.split(",") if p]
        self.page = pages[self.index % len(pages)]
        self.prompt = prompt_for(self.index)
        self.cache_pct = 0
        query = urlencode({"prompt_tokens": self.prompt})
        self.session = Session(self.host, "" if self.page == "home" else self.page, query,
                               timeout_s=opts.change_timeout)
        started, t0 = time.time(), time.perf_counter()
        try:
            run = self.session.connect(cookie=self._affinity_cookie())
        except (ProtocolError, OSError) as exc:
            TALLY.add("errors", f"load: session {self.index} ({self.page}): {exc}")
            _fire(self.environment, f"load {self.page}", started, (time.perf_counter() - t0) * 1000, exc)
            self.session = None
            return
        elapsed = (time.perf_counter() - t0) * 1000
        _fire(self.environment, f"load {self.page}", started, elapsed)
        TALLY.add("load_ms", elapsed)
        with TALLY.lock:
            TALLY.loaded += 1
            up = self.session.upstream or "direct"
            TALLY.upstreams[up] = TALLY.upstreams.get(up, 0) + 1
        self._check(run, "after load")
        # People do not move in step: start each user's 5-second rhythm at a random phase (seeded by index).
        time.sleep(random.Random(self.index).uniform(0, opts.change_every))

    def on_stop(self) -> None:
        if self.session is not None:
            self.session.close()

    def _affinity_cookie(self) -> str:
        """GET / as a browser does first; the Set-Cookie a sticky proxy sends (none from Streamlit itself)."""
        with urllib.request.urlopen(f"{self.host.rstrip('/')}/", timeout=30) as r:
            cookies = r.headers.get_all("Set-Cookie") or []
        return "; ".join(c.split(";", 1)[0] for c in cookies)

    @task
    def change(self) -> None:
        if self.session is None:
            return
        target = 100 if self.cache_pct == 0 else 0
        self.session.set_widget(SLIDER, double_array_value={"data": [float(target)]})
        # the browser writes a bound widget's new value into the URL itself (no message from the server)
        self.session.set_url_param("cache_hit_pct", None if target == 0 else str(target))
        started = time.time()
        try:
            run = self.session.rerun()
        except (ProtocolError, OSError) as exc:
            TALLY.add("errors", f"change: session {self.index} ({self.page}): {exc}")
            _fire(self.environment, f"change {self.page}", started, self.environment.parsed_options.change_timeout
                  * 1000, exc)
            return
        self.cache_pct = target
        head = (run.headline_s if run.headline_s is not None else run.finished_s) * 1000
        TALLY.add("latencies", (started, head))
        TALLY.add("finished_ms", run.finished_s * 1000)
        _fire(self.environment, f"change {self.page}", started, head)
        self._check(run, f"after change at {started:.1f}")

    def _check(self, run, when: str) -> None:
        problems = list(run.problems)
        seen = {
            "scenario sentence": run.scenario_prompt(),
            "sidebar prompt tokens": _as_int(self.session.number_values.get(PROMPT_BOX)),
            "URL prompt_tokens": _as_int(self.session.url_param("prompt_tokens")),
        }
        for where, value in seen.items():
            if value is None and where == "scenario sentence":
                continue  # not every page states the scenario in a sentence
            if value == self.prompt:
                continue
            owner = prompt_owner(value, self.sessions)
            if owner is not None and owner != self.index:
                msg = f"session {self.index} ({self.page}) {when}: {where} shows session {owner}'s prompt {value}"
                TALLY.add("leaks", msg)
                _fire(self.environment, "leak", time.time(), 0, AssertionError(msg))
            else:
                problems.append(f"state: {where} shows {value}, expected {self.prompt}")
        for p in problems:
            kind, _, what = p.partition(": ")
            kind = "state" if kind == "state" else "page"  # "exception"/"st.error" come from the page
            msg = f"{kind}: session {self.index} ({self.page}) {when}: {what if kind == 'state' else p}"
            TALLY.add("errors", msg)
            _fire(self.environment, kind, time.time(), 0, AssertionError(msg))


def _as_int(v) -> int | None:
    try:
        return None if v is None else int(float(v))
    except ValueError:
        return None


@events.test_stop.add_listener
def _write_report(environment, **_kw) -> None:
    path = environment.parsed_options.report_json
    if not path:
        return
    with TALLY.lock:
        report = {
            "users_loaded": TALLY.loaded,
            "latencies": [(round(t, 2), round(ms, 1)) for t, ms in TALLY.latencies],
            "upstreams": TALLY.upstreams,
            "finished_ms": [round(x, 1) for x in TALLY.finished_ms],
            "load_ms": [round(x, 1) for x in TALLY.load_ms],
            "errors": TALLY.errors,
            "leaks": TALLY.leaks,
            "host": urlsplit(environment.host or "").netloc,
        }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report) + "\n", encoding="utf-8")
