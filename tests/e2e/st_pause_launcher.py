"""Test-only launcher: ``python st_pause_launcher.py run app.py ...`` is ``streamlit run`` whose script thread
can be held at one chosen point, so that a test can land a rerun exactly there (an interleaving that under
load happens by chance; docs/reliability.md, issue 13).

The test arms it by writing ``{"after": "<widget key>"}`` to the file named by ``TEE_PAUSE_FILE``. The next
run that registers the widget bound to that key removes the file (one shot), creates ``<file>.paused`` and
waits until the session has a rerun request queued (at most 30 s); the run then goes on to its next yield
point, where Streamlit interrupts it for that rerun. Nothing happens without ``TEE_PAUSE_FILE``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _install(plan_file: Path) -> None:
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    from streamlit.runtime.state.session_state import SessionState

    original = SessionState.register_widget

    def register_widget(self, metadata, user_key):  # type: ignore[no-untyped-def]
        result = original(self, metadata, user_key)
        try:
            plan = json.loads(plan_file.read_text())
        except (OSError, ValueError):
            return result
        if user_key is None or plan.get("after") != user_key:
            return result
        plan_file.unlink()
        Path(f"{plan_file}.paused").touch()
        ctx = get_script_run_ctx()
        deadline = time.monotonic() + 30
        # ScriptRequests keeps its pending request private; this launcher only serves the test that needs it.
        while ctx is not None and ctx.script_requests._state != ScriptRequestType.RERUN:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        return result

    SessionState.register_widget = register_widget  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get("TEE_PAUSE_FILE"):
        _install(Path(os.environ["TEE_PAUSE_FILE"]))
    from streamlit.web.cli import main

    sys.argv[0] = "streamlit"
    sys.exit(main())
