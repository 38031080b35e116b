"""ui.compat.lookup_own_key_only in a real Streamlit run (AppTest): the four widget modules see a session whose
``filtered_state`` answers ``in`` and ``[]`` exactly as the dict Streamlit builds, without building it."""

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st
    from streamlit.elements.widgets import number_input, radio, selectbox, slider
    from streamlit.runtime.state import get_session_state

    from ui import compat  # noqa: F401 - applies the work-around

    st.session_state.setdefault("plain", 3)
    st.number_input("Tokens", min_value=1, value=2048, key="tokens")
    st.number_input("Optional", value=None, key="optional")
    st.slider("Hit rate", 0.0, 1.0, 0.5, key="hit")
    st.selectbox("GPU", ["H100", "B200"], key="gpu")
    st.radio("Mode", ["a", "b"], key="mode")
    st.number_input("No key", value=1)  # a keyless widget: in neither view
    full = get_session_state().filtered_state
    probes = [*full, "absent", "", "$$STREAMLIT_INTERNAL_KEY_x", *get_session_state()._state._keys(), 7]
    report = {}
    for module in (number_input, slider, selectbox, radio):
        view = module.get_session_state().filtered_state
        report[module.__name__] = [
            (repr(k), k in view, repr(view[k]) if k in view else None) for k in probes
        ] + [("len", len(view), sorted(view) == sorted(full))]
    expected = [(repr(k), k in full, repr(full[k]) if k in full else None) for k in probes]
    st.session_state["same"] = all(rows[:-1] == expected and rows[-1][2] for rows in report.values())
    st.session_state["patched"] = all(
        getattr(m.get_session_state, "_tee_one_key_lookup", False) for m in (number_input, slider, selectbox, radio))


def test_the_one_key_view_answers_as_the_whole_dict():
    at = AppTest.from_function(_script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["patched"] is True
    assert at.session_state["same"] is True
    at.number_input(key="tokens").set_value(4096)
    at.session_state["optional"] = None
    at.run()
    assert not at.exception and at.session_state["same"] is True
    assert at.number_input(key="optional").value is None and at.number_input(key="tokens").value == 4096


def test_a_none_held_in_the_session_still_empties_the_widget():
    """The reason the widgets look at their key: a None put in the session shows an empty box, not the default."""
    def script() -> None:
        import streamlit as st

        from ui import compat  # noqa: F401

        if st.session_state.get("clear"):
            st.session_state["n"] = None
        st.number_input("N", value=5, key="n")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert at.number_input(key="n").value == 5
    at.session_state["clear"] = True
    at.run()
    assert not at.exception, at.exception
    assert at.number_input(key="n").value is None


def test_applying_it_twice_wraps_once():
    from streamlit.elements.widgets import number_input

    from ui import compat

    first = number_input.get_session_state
    compat.lookup_own_key_only()
    assert number_input.get_session_state is first


def test_it_steps_aside_when_a_widget_module_moved(monkeypatch, caplog):
    import logging

    from ui import compat

    monkeypatch.setattr(compat, "_radio", None)
    with caplog.at_level(logging.WARNING, logger="ui.compat"):
        compat.lookup_own_key_only()
    assert any("one-key session lookup not applied" in r.getMessage() for r in caplog.records)
