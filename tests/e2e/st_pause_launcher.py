"""Test-only launcher: ``python st_pause_launcher.py run app.py ...`` is ``streamlit run`` whose script thread
can be held at one chosen point, so that a test can land a rerun exactly there (an interleaving that under
load happens by chance; docs/reliability.md, issue 13).

The test arms it by writing ``{"after": "<widget key>"}`` (or ``{"after": "st.navigation"}``: the entrypoint's
navigation call, before the sidebar) to the file named by ``TEE_PAUSE_FILE``. The next run that gets there
removes the file (one shot), creates ``<file>.paused`` and waits until the session has a rerun request queued
(at most 30 s); the run then goes on to its next yield point, where Streamlit interrupts it for that rerun.
Nothing happens without ``TEE_PAUSE_FILE``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _install(plan_file: Path) -> None:
    import streamlit
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    from streamlit.runtime.state.session_state import SessionState

    def hold_if_planned(point: str) -> None:
        try:
            plan = json.loads(plan_file.read_text())
        except (OSError, ValueError):
            return
        if plan.get("after") != point:
            return
        plan_file.unlink()
        Path(f"{plan_file}.paused").touch()
        ctx = get_script_run_ctx()
        deadline = time.monotonic() + 30
        # ScriptRequests keeps its pending request private; this launcher only serves the tests that need it.
        while ctx is not None and ctx.script_requests._state != ScriptRequestType.RERUN:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)

    register = SessionState.register_widget

    def register_widget(self, metadata, user_key):  # type: ignore[no-untyped-def]
        result = register(self, metadata, user_key)
        if user_key is not None:
            hold_if_planned(user_key)
        return result

    navigation = streamlit.navigation

    def held_navigation(*args, **kwargs):  # type: ignore[no-untyped-def]
        page = navigation(*args, **kwargs)
        hold_if_planned("st.navigation")
        return page

    SessionState.register_widget = register_widget  # type: ignore[method-assign]
    streamlit.navigation = held_navigation


if __name__ == "__main__":
    if os.environ.get("TEE_PAUSE_FILE"):
        _install(Path(os.environ["TEE_PAUSE_FILE"]))
    from streamlit.web.cli import main

    sys.argv[0] = "streamlit"
    sys.exit(main())
