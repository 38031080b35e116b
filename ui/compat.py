"""Work-arounds for bugs in the Streamlit version we run on. Each one is small, idempotent and tested.

Streamlit 1.67: an integer ``st.number_input`` bound to the URL crashes the whole
script on ``?key=inf`` (also ``-inf``, ``1e309`` or 400 digits):
``NumberInputSerde.deserialize`` calls ``int(float('inf'))`` and the resulting
``OverflowError`` escapes ``SessionState._seed_widget_from_url``, which only treats
``ValueError``/``TypeError``/``IndexError`` as "invalid URL value, fall back to the
default". We turn that ``OverflowError`` into a ``ValueError`` so the bad parameter
is ignored and removed like any other invalid value.

Streamlit 1.67: ``st.query_params`` cannot write a parameter a widget is bound to
(``bind="query-params"``), and Streamlit writes a bound parameter only when the value
changes or was restored from its own unmount record. A rerun that brings a URL which
lost a bound parameter (an early rerun during an interrupted page-change run, under
load: docs/reliability.md) leaves the session's value out of the URL for good.
``write_bound_query_param`` writes it through the correction path Streamlit itself
uses for clamped URL values (``QueryParams.set_corrected_value``: the backend's copy
and a ``page_info_changed`` message to the browser).

Streamlit 1.67: a rerun that Streamlit takes for a page change sends the browser the
URL without the parameters of the widgets it found stale; if that run is cut short
by a rerun the browser sent before it took that URL, the new run's copy of the URL is
the browser's older one, complete, so Streamlit sends nothing and the browser keeps
the cleared URL. ``resend_query_params`` sends the backend's copy again.

Streamlit 1.67: ``st.number_input``, ``st.slider``, ``st.selectbox`` and ``st.radio`` each build
``SessionState.filtered_state``, a dict of the whole session state, only to ask whether their own key holds
``None`` (or a tuple): a sidebar of ~20 such widgets copies the session ~20 times a rerun (6% of the Overview's
server CPU per change, py-spy, docs/deploying.md). ``lookup_own_key_only`` hands those four modules a session
whose ``filtered_state`` is a read-only view that looks up one key at a time, with the same answer for
``in`` and ``[]``; everything else is the real session.

Streamlit 1.67: every script-runner event (each element a script draws is one) reaches the event loop through
its own ``call_soon_threadsafe`` (a write to the loop's self-pipe, and a read and a wake-up on the other side),
and each message the loop then queues wakes the sender through another one, although it already runs on that
loop: together ~17% of the server's CPU per sidebar change (py-spy on-CPU samples, Overview).
``coalesce_script_events`` queues a session's events and hands them over in batches, in their order, one
wake-up per batch; ``wake_sender_directly_on_its_loop`` sets the sender's event directly when already on the
loop.

These reach into Streamlit's internals, so ``pyproject.toml`` caps Streamlit below the next minor release (each
new one: rerun tests/test_compat_query_params.py and the e2e suite, then lift the cap). Should an internal move
anyway, each work-around logs one warning and steps aside: the app keeps running without it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Mapping

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

try:  # internals: a later Streamlit may move them; the app then runs without the work-around, never crashes
    from streamlit.elements.widgets import number_input as _number_input
    from streamlit.elements.widgets import radio as _radio
    from streamlit.elements.widgets import selectbox as _selectbox
    from streamlit.elements.widgets import slider as _slider
    from streamlit.runtime.app_session import AppSession as _AppSession
    from streamlit.runtime.runtime import Runtime as _Runtime
    from streamlit.runtime.state.common import is_element_id as _is_element_id
    from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX as _INTERNAL_PREFIX
except ImportError:  # pragma: no cover - depends on the installed Streamlit
    _number_input = _radio = _selectbox = _slider = _is_element_id = _INTERNAL_PREFIX = None
    _AppSession = _Runtime = None

_MARK = "_tee_overflow_guard"
_log = logging.getLogger(__name__)


def _missing(what: str, exc: BaseException) -> None:
    """Log (once per work-around and error) that a work-around found no hook in the installed Streamlit
    (pyproject pins the tested range)."""
    _warn_once(what, f"{type(exc).__name__}: {exc}")


@functools.cache
def _warn_once(what: str, detail: str) -> None:
    _log.warning("ui.compat: %s not applied on this Streamlit (%s)", what, detail)


def guard_number_input_overflow() -> None:
    """Make an infinite URL value for an integer number_input invalid instead of fatal."""
    serde = getattr(_number_input, "NumberInputSerde", None)
    original = getattr(serde, "deserialize", None)
    if original is None:
        _missing("the number_input overflow guard", AttributeError("NumberInputSerde.deserialize"))
        return
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def deserialize(self, ui_value):  # type: ignore[no-untyped-def]
        try:
            return original(self, ui_value)
        except OverflowError as exc:
            raise ValueError(f"number out of range: {ui_value!r}") from exc

    setattr(deserialize, _MARK, True)
    serde.deserialize = deserialize  # type: ignore[method-assign]


guard_number_input_overflow()


class _OneKeyView(Mapping):
    """``SessionState.filtered_state`` read one key at a time: a user key (not an element id, not internal) and
    its presented value, as the dict would hold it. Iterating builds the dict (no widget here iterates)."""

    def __init__(self, safe_state) -> None:  # type: ignore[no-untyped-def]
        self._safe = safe_state

    def _lookup(self, key: object) -> tuple[bool, object]:
        if not isinstance(key, str) or key.startswith(_INTERNAL_PREFIX) or _is_element_id(key):
            return False, None
        with self._safe._lock:  # the lock filtered_state takes; no script-runner callback, as filtered_state
            try:
                return True, self._safe._state[key]
            except KeyError:
                return False, None

    def __contains__(self, key: object) -> bool:
        return self._lookup(key)[0]

    def __getitem__(self, key: str) -> object:
        found, value = self._lookup(key)
        if not found:
            raise KeyError(key)
        return value

    def _whole(self) -> dict:
        return self._safe.filtered_state

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())


class _OneKeySession:
    """The real session, but ``filtered_state`` is a ``_OneKeyView``."""

    def __init__(self, safe_state) -> None:  # type: ignore[no-untyped-def]
        self._safe = safe_state

    @property
    def filtered_state(self) -> _OneKeyView:
        return _OneKeyView(self._safe)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._safe, name)


_ONE_KEY_MARK = "_tee_one_key_lookup"


def lookup_own_key_only() -> None:
    """Let number_input, slider, selectbox and radio look up their own key instead of copying the session."""
    modules = [m for m in (_number_input, _slider, _selectbox, _radio) if m is not None]
    if len(modules) < 4 or _is_element_id is None or _INTERNAL_PREFIX is None:
        _missing("the one-key session lookup", ImportError("widget modules or session-state helpers"))
        return
    for module in modules:
        original = getattr(module, "get_session_state", None)
        if original is None:
            _missing("the one-key session lookup", AttributeError(f"{module.__name__}.get_session_state"))
            continue
        if getattr(original, _ONE_KEY_MARK, False):
            continue

        def get_session_state(_original=original):  # type: ignore[no-untyped-def]
            return _OneKeySession(_original())

        setattr(get_session_state, _ONE_KEY_MARK, True)
        module.get_session_state = get_session_state


lookup_own_key_only()


def write_bound_query_param(key: str, values: list[str]) -> None:
    """Put ``key=values`` (raw query values) into the URL although a widget is bound to ``key``; outside a
    script run (no context) it does nothing."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    try:
        with ctx.session_state.query_params() as qp:
            if len(values) == 1:
                qp.set_corrected_value(key, values[0], "string_value")
            else:
                qp.set_corrected_value(key, list(values), "string_array_value")
    except (AttributeError, TypeError) as exc:  # an internal that moved: the URL keeps what Streamlit wrote
        _missing("writing a bound URL parameter", exc)


def pages_of_this_run() -> tuple[str | None, str | None]:
    """(the page hash the browser asked for in this rerun, the page this run shows); (None, None) outside a run.
    They differ on a session's first run (nothing asked) and when the browser knows only ``new_session``'s hash."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None, None
    try:
        return ctx.pages_manager.intended_page_script_hash, ctx.page_script_hash
    except AttributeError as exc:  # an internal that moved: report "no page change" (nothing resent)
        _missing("the page-change URL check", exc)
        return None, None


def resend_query_params() -> None:
    """Send the browser the URL's query string as this run holds it (Streamlit sends it only when it changes
    it). Nothing to send when the run holds no parameter, or outside a run."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    try:
        with ctx.session_state.query_params() as qp:
            key = next(iter(qp), None)
            values = qp.get_all(key) if key is not None else []
    except (AttributeError, TypeError) as exc:
        _missing("resending the URL", exc)
        return
    if key is not None:
        # re-setting one parameter to its own value sends the whole query string (page_info_changed)
        write_bound_query_param(key, values)


# ----------------------------------------------------------------------------- one wake-up per batch of events
_COALESCE_MARK = "_tee_coalesced"


class _PendingEvents:
    """A session's script-runner events not yet handled on the event loop, and whether a drain is scheduled."""

    __slots__ = ("events", "lock", "scheduled")

    def __init__(self) -> None:
        self.events: list[tuple[tuple, dict]] = []
        self.lock = threading.Lock()
        self.scheduled = False


def _drain_events(session, pending: _PendingEvents) -> None:  # type: ignore[no-untyped-def]
    """Handle, in the order they came, the events queued so far (later ones schedule the next drain)."""
    with pending.lock:
        events, pending.events, pending.scheduled = pending.events, [], False
    for args, kwargs in events:
        try:
            session._handle_scriptrunner_event_on_event_loop(*args, **kwargs)
        except Exception:  # each event was its own loop callback: one failing must not drop the rest
            _log.exception("ui.compat: a script-runner event failed on the event loop")


def coalesce_script_events() -> None:
    """Hand a session's script-runner events to the event loop in batches: one ``call_soon_threadsafe`` per
    batch instead of one per event, in the same order."""
    cls = _AppSession
    original = getattr(cls, "_on_scriptrunner_event", None)
    needed = ("_handle_scriptrunner_event_on_event_loop", "_call_soon_on_event_loop")
    if original is None or not all(hasattr(cls, name) for name in needed):
        _missing("batching script-runner events", AttributeError("AppSession event hooks"))
        return
    if getattr(original, _COALESCE_MARK, False):
        return

    @functools.wraps(original)
    def _on_scriptrunner_event(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        pending = self.__dict__.get("_tee_pending_events") or self.__dict__.setdefault(
            "_tee_pending_events", _PendingEvents())  # setdefault is atomic: one per session
        with pending.lock:
            pending.events.append((args, kwargs))
            if pending.scheduled:
                return
            pending.scheduled = True
        self._call_soon_on_event_loop(functools.partial(_drain_events, self, pending))

    setattr(_on_scriptrunner_event, _COALESCE_MARK, True)
    cls._on_scriptrunner_event = _on_scriptrunner_event  # type: ignore[method-assign]


def wake_sender_directly_on_its_loop(runtime: object | None = None) -> None:
    """Let ``Runtime._enqueued_some_message`` set its "data to send" event directly when it already runs on the
    runtime's event loop (it always did so through ``call_soon_threadsafe``: a self-pipe write and read per
    message).

    Patching the class is not enough: the Runtime hands its session manager the bound method when it starts,
    before any script imports this module, and the manager gives that same callback to every session it makes.
    So the running ``runtime`` (default: ``Runtime.instance()`` where one exists) has its manager's and its
    sessions' callbacks replaced by the patched method as well (``rewire_message_callbacks``)."""
    cls = _Runtime
    original = getattr(cls, "_enqueued_some_message", None)
    if original is None or not hasattr(cls, "_get_async_objs"):
        _missing("the direct send wake-up", AttributeError("Runtime._enqueued_some_message"))
        return
    if not getattr(original, _COALESCE_MARK, False):

        @functools.wraps(original)
        def _enqueued_some_message(self) -> None:  # type: ignore[no-untyped-def]
            objs = self._get_async_objs()
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:  # a thread without a running loop (a script thread)
                running = None
            if running is objs.eventloop:
                objs.need_send_data.set()
            else:
                objs.eventloop.call_soon_threadsafe(objs.need_send_data.set)

        setattr(_enqueued_some_message, _COALESCE_MARK, True)
        cls._enqueued_some_message = _enqueued_some_message  # type: ignore[method-assign]
    if runtime is None and cls.exists():
        runtime = cls.instance()
    if runtime is not None:
        rewire_message_callbacks(runtime)


def rewire_message_callbacks(runtime: object) -> int:
    """Give ``runtime``'s session manager, and every session it holds, the runtime's current (patched)
    ``_enqueued_some_message``; returns how many callbacks were replaced (0 when the hooks are missing)."""
    manager = getattr(runtime, "_session_mgr", None)
    if manager is None or not hasattr(manager, "_message_enqueued_callback"):
        _missing("the direct send wake-up", AttributeError("SessionManager._message_enqueued_callback"))
        return 0
    callback = runtime._enqueued_some_message  # type: ignore[attr-defined]
    manager._message_enqueued_callback = callback
    replaced = 1
    for info in list(manager.list_sessions()):  # a snapshot: the loop thread may add sessions meanwhile
        if getattr(info.session, "_message_enqueued_callback", None) is not None:
            info.session._message_enqueued_callback = callback
            replaced += 1
    return replaced


if _AppSession is not None and _Runtime is not None:
    coalesce_script_events()
    wake_sender_directly_on_its_loop()
else:  # pragma: no cover - depends on the installed Streamlit
    _missing("batching script-runner events", ImportError("streamlit.runtime AppSession / Runtime"))
