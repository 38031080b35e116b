"""Test-wide settings.

Hypothesis: on a developer's machine every run draws new examples (and keeps the failing ones in its
local database), so the fuzz tests keep finding things. In CI (``CI`` set, as .ci/run does) the examples
are derandomised: the same commit draws the same examples every time, so a green main stays green and a
failure there reproduces. A failure found locally goes in as a plain regression test with its example
(tests/test_fuzz_engine.py has several).
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() not in ("", "0", "false"):
    settings.load_profile("ci")
