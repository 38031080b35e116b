"""ui.compat's batching of script-runner events (issue 13): the events reach the event loop in the order they
came, none is lost, one failing does not drop the rest, and a batch costs one thread-safe wake-up instead of one
per event. Driven with a real asyncio loop in its own thread, as Streamlit's server runs it."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.runtime import Runtime

from ui import compat


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


class FakeSession:
    """What the patched ``AppSession._on_scriptrunner_event`` uses of a session."""

    def __init__(self, loop, fail_on=None):
        self.loop, self.fail_on = loop, fail_on
        self.handled, self.wakeups = [], 0

    def _call_soon_on_event_loop(self, callback):
        self.wakeups += 1
        self.loop.call_soon_threadsafe(callback)

    def _handle_scriptrunner_event_on_event_loop(self, sender, event, forward_msg=None):
        if event == self.fail_on:
            raise RuntimeError("boom")
        self.handled.append((event, forward_msg, threading.current_thread().name))


def _settle(loop):
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result(5)


def test_events_arrive_in_order_in_one_wakeup_per_batch(loop):
    assert getattr(AppSession._on_scriptrunner_event, compat._COALESCE_MARK, False), "the patch is installed"
    session, gate = FakeSession(loop), threading.Event()
    loop.call_soon_threadsafe(gate.wait, 5)  # the loop is busy while the script thread sends its events
    for i in range(500):
        AppSession._on_scriptrunner_event(session, None, i, forward_msg=f"msg{i}")
    gate.set()
    _settle(loop)
    assert [e for e, _, _ in session.handled] == list(range(500))
    assert [m for _, m, _ in session.handled] == [f"msg{i}" for i in range(500)]
    assert session.wakeups == 1  # unpatched: 500
    assert {t for _, _, t in session.handled} == {loop_thread_name(loop)}


def test_events_after_a_drain_schedule_the_next_one(loop):
    session = FakeSession(loop)
    for batch in range(3):
        for i in range(10):
            AppSession._on_scriptrunner_event(session, None, batch * 10 + i)
        _settle(loop)
    assert [e for e, _, _ in session.handled] == list(range(30))
    assert 3 <= session.wakeups <= 30


def test_a_failing_event_does_not_drop_the_rest(loop, caplog):
    session, gate = FakeSession(loop, fail_on=2), threading.Event()
    loop.call_soon_threadsafe(gate.wait, 5)
    for i in range(5):
        AppSession._on_scriptrunner_event(session, None, i)
    gate.set()
    _settle(loop)
    assert [e for e, _, _ in session.handled] == [0, 1, 3, 4]
    assert "script-runner event failed" in caplog.text


def loop_thread_name(loop) -> str:
    return asyncio.run_coroutine_threadsafe(_thread_name(), loop).result(5)


async def _thread_name() -> str:
    return threading.current_thread().name


def _fake_runtime(loop):
    objs = SimpleNamespace(eventloop=loop, need_send_data=None)
    objs.need_send_data = asyncio.run_coroutine_threadsafe(_make_event(), loop).result(5)
    return SimpleNamespace(_get_async_objs=lambda: objs), objs


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


def test_send_wakeup_on_the_loop_is_immediate(loop):
    assert getattr(Runtime._enqueued_some_message, compat._COALESCE_MARK, False), "the patch is installed"
    runtime, objs = _fake_runtime(loop)

    async def on_loop() -> bool:
        Runtime._enqueued_some_message(runtime)
        return objs.need_send_data.is_set()  # unpatched: False until a later loop iteration

    assert asyncio.run_coroutine_threadsafe(on_loop(), loop).result(5) is True


def test_send_wakeup_from_another_thread_goes_through_the_loop(loop):
    runtime, objs = _fake_runtime(loop)
    gate = threading.Event()
    loop.call_soon_threadsafe(gate.wait, 5)
    Runtime._enqueued_some_message(runtime)  # from this (non-loop) thread
    assert not objs.need_send_data.is_set()  # not touched off its loop
    gate.set()
    _settle(loop)
    assert objs.need_send_data.is_set()


class FakeManager:
    """What ``rewire_message_callbacks`` uses of Streamlit's session manager: the callback it hands every new
    session (bound when the Runtime starts, so before the class is patched) and its sessions."""

    def __init__(self, runtime, sessions):
        self._message_enqueued_callback = Runtime._enqueued_some_message.__wrapped__.__get__(runtime)
        self._sessions = [SimpleNamespace(session=s) for s in sessions]

    def list_sessions(self):
        return self._sessions


def test_the_running_server_gets_the_patched_wakeup(loop):
    """The manager and the sessions it already made send through the patched method, on the loop at once."""
    runtime, objs = _fake_runtime(loop)
    runtime._enqueued_some_message = Runtime._enqueued_some_message.__get__(runtime)
    old = SimpleNamespace(_message_enqueued_callback=lambda: None)
    without = SimpleNamespace(_message_enqueued_callback=None)  # a session made without one keeps none
    runtime._session_mgr = FakeManager(runtime, [old, without])
    assert not getattr(runtime._session_mgr._message_enqueued_callback, compat._COALESCE_MARK, False)

    compat.wake_sender_directly_on_its_loop(runtime)

    for callback in (runtime._session_mgr._message_enqueued_callback, old._message_enqueued_callback):
        assert getattr(callback, compat._COALESCE_MARK, False)
        objs.need_send_data.clear()

        async def on_loop(callback=callback) -> bool:
            callback()
            return objs.need_send_data.is_set()  # the unpatched callback: False until a later iteration

        assert asyncio.run_coroutine_threadsafe(on_loop(), loop).result(5) is True
    assert without._message_enqueued_callback is None


def test_rewiring_without_the_hook_steps_aside(caplog):
    assert compat.rewire_message_callbacks(SimpleNamespace()) == 0
