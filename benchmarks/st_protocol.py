"""A light Streamlit client: one session over the app's own websocket and protobuf protocol.

What a browser tab does, without the browser (Streamlit 1.67, ``streamlit/proto`` in the wheel):

* connect to ``ws://HOST/_stcore/stream`` with the subprotocol ``streamlit``;
* send a ``BackMsg`` ``rerun_script`` (``ClientState``: the URL's query string, the page's url path
  on the first run and its script hash after, the widget states);
* read ``ForwardMsg``s until ``script_finished``: ``new_session`` (page hashes), ``delta``s (one per
  element; ``metadata.delta_path[0]`` is 0 for the main area, 1 for the sidebar), ``page_info_changed``
  (the URL's new query string: widgets bound with ``bind="query-params"``).

A widget change is a rerun whose widget states carry the new value under the widget's id (learnt
from the element the server sent). Like the browser's widget manager, the client keeps what every
number input shows: the element's ``value`` when the server sets ``set_value`` (a one-shot: the
browser takes it once), otherwise, on first sight, its ``default``; it sends those back with every
rerun, with the values it set itself. Sync (``websocket-client``) so that it runs under Locust's gevent.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

MAIN, SIDEBAR = 0, 1
FINISHED_EARLY_FOR_RERUN = 2  # ForwardMsg.ScriptFinishedStatus
PROMPT_RE = re.compile(r"answering ([0-9,]+)-token prompts")


class ProtocolError(RuntimeError):
    """The server closed, sent an exception or error box, or did not finish a run in time."""


@dataclass
class Run:
    """What one script run sent: elements by area, timings (seconds after the rerun was sent)."""

    main: list = field(default_factory=list)  # Element protos in the main area, in delta order
    sidebar: list = field(default_factory=list)
    headline_s: float | None = None  # the page's headline element arrived
    finished_s: float | None = None
    problems: list[str] = field(default_factory=list)  # exceptions and st.error texts

    def metric(self, label: str) -> str | None:
        for el in self.main:
            if el.WhichOneof("type") == "metric" and el.metric.label == label:
                return el.metric.body
        return None

    def scenario_prompt(self) -> int | None:
        """The prompt length in the page's scenario sentence ("answering 1,037-token prompts")."""
        for el in self.main:
            if el.WhichOneof("type") == "markdown":
                m = PROMPT_RE.search(el.markdown.body)
                if m:
                    return int(m.group(1).replace(",", ""))
        return None


def _headline(el) -> bool:
    """The element a person waits for: the first metric, chart or table in the main area."""
    return el.WhichOneof("type") in ("metric", "plotly_chart", "arrow_data_frame", "arrow_table", "vega_lite_chart")


class Session:
    """One browser-tab-like session on ``base_url`` (``http://127.0.0.1:PORT``), page ``url_path``."""

    def __init__(self, base_url: str, url_path: str = "", query: str = "", timeout_s: float = 60):
        self.base_url = base_url.rstrip("/")
        self.url_path = url_path
        self.query_string = query
        self.timeout_s = timeout_s
        self.page_script_hash = ""
        self.widget_ids: dict[str, str] = {}  # label -> widget id (sidebar and main)
        self.widget_values: dict[str, WidgetState] = {}  # widget id -> the value this client set
        self.number_values: dict[str, float] = {}  # label -> what the number input shows (see the module doc)
        self.mounted: dict[str, WidgetState] = {}  # widget id -> the number input's value, as a browser holds it
        self.ws: websocket.WebSocket | None = None
        self.upstream = ""  # the backend behind a proxy that says so (X-Upstream), else ""

    # ------------------------------------------------------------------ connection
    def connect(self, cookie: str = "") -> Run:
        """Open the websocket (with the page's cookies, e.g. a sticky proxy's) and run the page once."""
        self.open(cookie)
        return self.rerun()

    def open(self, cookie: str = "") -> None:
        parts = urlsplit(self.base_url)
        self.ws = websocket.create_connection(
            f"ws://{parts.netloc}/_stcore/stream", subprotocols=["streamlit"], timeout=self.timeout_s,
            origin=self.base_url, cookie=cookie or None,
        )
        self.upstream = (self.ws.getheaders() or {}).get("x-upstream", "")  # set by deploy/nginx.conf.template

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            finally:
                self.ws = None

    # ------------------------------------------------------------------ runs
    def send_rerun(self) -> float:
        """Send a rerun with the current URL and widget values; returns the send time (perf_counter)."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        cs.page_name = "" if self.page_script_hash else self.url_path
        cs.widget_states.widgets.extend({**self.mounted, **self.widget_values}.values())
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base_url}/{self.url_path}"
        t0 = time.perf_counter()
        self.ws.send_binary(msg.SerializeToString())
        return t0

    def rerun(self) -> Run:
        return self.read_run(self.send_rerun())

    def read_run(self, t0: float, for_s: float | None = None) -> Run | None:
        """Read messages until a run finishes (runs cut short by a newer rerun are skipped). With
        ``for_s``: read for at most that long and return None if no run finished (a page still loading)."""
        run = Run()
        deadline = t0 + (self.timeout_s if for_s is None else for_s)
        self.ws.settimeout(self.timeout_s if for_s is None else max(0.001, for_s))
        while True:
            if time.perf_counter() > deadline:
                if for_s is not None:
                    return None
                raise ProtocolError(f"no script_finished within {self.timeout_s:.0f} s")
            try:
                data = self.ws.recv()
            except websocket.WebSocketTimeoutException as exc:
                if for_s is not None:
                    continue
                raise ProtocolError(f"no message within {self.timeout_s:.0f} s") from exc
            except websocket.WebSocketConnectionClosedException as exc:
                raise ProtocolError("the server closed the websocket") from exc
            if not isinstance(data, bytes):
                continue
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = self.handle(fm, run, t0)
            if kind == "script_finished":
                if fm.script_finished == FINISHED_EARLY_FOR_RERUN:
                    run = Run()  # the next run's messages follow
                    continue
                run.finished_s = time.perf_counter() - t0
                return run

    def handle(self, fm: ForwardMsg, run: Run, t0: float) -> str:
        """Take one message as a browser would (page hash, URL, elements into ``run``); returns its kind."""
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            self.page_script_hash = fm.new_session.page_script_hash
        elif kind == "navigation":
            self.page_script_hash = fm.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = fm.page_info_changed.query_string
        elif kind == "delta":
            self._take_delta(fm, run, t0)
        return kind

    def _take_delta(self, fm, run: Run, t0: float) -> None:
        if fm.delta.WhichOneof("type") != "new_element":
            return
        el = fm.delta.new_element
        kind = el.WhichOneof("type")
        area = fm.metadata.delta_path[0] if fm.metadata.delta_path else MAIN
        (run.main if area == MAIN else run.sidebar).append(el)
        if area == MAIN and run.headline_s is None and _headline(el):
            run.headline_s = time.perf_counter() - t0
        if kind == "exception":
            run.problems.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
        elif kind == "alert" and el.alert.format == el.alert.ERROR:
            run.problems.append(f"st.error: {el.alert.body[:200]}")
        inner = getattr(el, kind, None)
        wid, label = getattr(inner, "id", ""), getattr(inner, "label", "")
        if wid and label:
            self.widget_ids[label] = wid
            if kind == "number_input" and (inner.set_value or wid not in self.mounted):
                value = inner.value if inner.set_value else inner.default
                self.number_values[label] = value
                self.mounted[wid] = (WidgetState(id=wid, int_value=int(value)) if inner.data_type == inner.INT
                                     else WidgetState(id=wid, double_value=value))

    # ------------------------------------------------------------------ widget changes
    def set_widget(self, label: str, **value) -> None:
        """Set a widget by its label, e.g. ``set_widget("GPUs", int_value=8)`` (the proto's value field)."""
        wid = self.widget_ids[label]
        self.widget_values[wid] = WidgetState(id=wid, **value)

    def change(self, label: str, **value) -> Run:
        """Set one widget and run: the time from the change to the headline is ``run.headline_s``."""
        self.set_widget(label, **value)
        return self.rerun()

    def set_url_param(self, key: str, value: str | None) -> None:
        """What the browser does to its URL when a widget bound to ``key`` changes (None: removed)."""
        params = {k: v[-1] for k, v in parse_qs(self.query_string).items()}
        params.pop(key, None)
        if value is not None:
            params[key] = value
        self.query_string = urlencode(params)

    def url_param(self, key: str) -> str | None:
        values = parse_qs(self.query_string).get(key)
        return values[-1] if values else None


__all__ = ["MAIN", "SIDEBAR", "ProtocolError", "Run", "Session"]
