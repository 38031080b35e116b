"""ui.compat.write_bound_query_param in a real Streamlit run (AppTest): it writes a parameter that a widget is
bound to, which ``st.query_params`` refuses (the sidebar's second restore pass relies on it; issue 13)."""

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from ui import compat

    st.number_input("Prompt tokens", min_value=1, value=2048, key="prompt_tokens", bind="query-params")
    if st.session_state.get("drop"):
        # what a rerun with a URL that lost the bound parameter leaves in the backend's copy
        with get_script_run_ctx().session_state.query_params() as qp:
            qp.discard_param_no_forward_msg("prompt_tokens")
        try:
            st.query_params["prompt_tokens"] = "1185"
        except Exception as exc:  # noqa: BLE001 - StreamlitAPIException: the key is bound
            st.session_state["refused"] = type(exc).__name__
        st.session_state["before"] = "prompt_tokens" in st.query_params
        compat.write_bound_query_param("prompt_tokens", ["1185"])
        st.session_state["after"] = st.query_params.get("prompt_tokens")


def test_write_bound_query_param_writes_what_st_query_params_refuses():
    at = AppTest.from_function(_script, default_timeout=30)
    at.query_params["prompt_tokens"] = "1185"
    at.run()
    assert at.number_input(key="prompt_tokens").value == 1185 and not at.exception
    at.session_state["drop"] = True
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["refused"] == "StreamlitAPIException"
    assert at.session_state["before"] is False and at.session_state["after"] == "1185"
    assert at.number_input(key="prompt_tokens").value == 1185


def test_write_bound_query_param_outside_a_run_does_nothing():
    from ui import compat

    compat.write_bound_query_param("prompt_tokens", ["1185"])  # no script run context: no error, no effect


def _resend_script() -> None:
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from ui import compat

    st.number_input("GPUs", min_value=1, value=1, key="gpus", bind="query-params")
    ctx = get_script_run_ctx()
    sent, enqueue = [], ctx.enqueue
    ctx.enqueue = lambda msg: (sent.append(msg.page_info_changed.query_string)
                               if msg.WhichOneof("type") == "page_info_changed" else None, enqueue(msg))[1]
    try:
        compat.resend_query_params()
    finally:
        ctx.enqueue = enqueue
    st.session_state["sent"] = sent
    st.session_state["pages"] = compat.pages_of_this_run()


def test_resend_query_params_sends_the_runs_url_unchanged():
    at = AppTest.from_function(_resend_script, default_timeout=30)
    at.query_params["gpus"] = "4"
    at.query_params["note"] = "a b"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["sent"] == ["gpus=4&note=a+b"]  # the whole query string, once
    assert at.number_input(key="gpus").value == 4
    asked, shown = at.session_state["pages"]
    assert shown  # the page this run shows; the first run asks for none
    at.query_params.clear()
    at.run()
    assert at.session_state["sent"] == [], "an empty URL: nothing to send"


def test_outside_a_run_pages_are_unknown_and_resend_does_nothing():
    from ui import compat

    assert compat.pages_of_this_run() == (None, None)
    compat.resend_query_params()


def test_each_work_around_steps_aside_when_streamlit_moved_its_internals(monkeypatch, caplog):
    """A Streamlit that renamed what ui.compat reaches into must leave the app running without the work-around
    (one warning each), not crash every page at import or on every rerun."""
    import logging
    from types import SimpleNamespace

    from ui import compat

    class _Moved:  # a run context whose internals are gone
        session_state = SimpleNamespace(query_params=None)
        pages_manager = SimpleNamespace()
        page_script_hash = "abc"

    monkeypatch.setattr(compat, "get_script_run_ctx", lambda: _Moved())
    monkeypatch.setattr(compat, "_number_input", None)
    with caplog.at_level(logging.WARNING, logger="ui.compat"):
        compat.guard_number_input_overflow()
        assert compat.pages_of_this_run() == (None, None)
        compat.write_bound_query_param("prompt_tokens", ["1185"])
        compat.resend_query_params()
        compat.resend_query_params()  # warned once per work-around
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == len(set(warned)) == 4, warned  # (no other test makes these internals vanish)
    assert all("not applied on this Streamlit" in m for m in warned)
