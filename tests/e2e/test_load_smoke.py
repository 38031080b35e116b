"""Smoke test of benchmarks/load_test.py: its core with 3 browser sessions for ~10 s, so the script cannot rot.

Runs the script as a subprocess (its own event loop, its own server and Chromium, all on loopback) and
checks the report: every session loaded, slider changes happened, no errors, no cross-session leaks, and the
latency and memory figures are there. Latency is not asserted (CI machines vary); the full run's figures
are in docs/reliability.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_load_test_script_runs_3_sessions_without_errors_or_leaks(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "load_test.py"),
            "--sessions",
            "3",
            "--duration",
            "10",
            "--think-ms",
            "500",
            "--json",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert out.exists(), f"no report (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    report = json.loads(out.read_text())
    assert proc.returncode == 0, json.dumps(
        {k: report.get(k) for k in ("errors", "leaks", "first_errors")}, indent=1
    )
    assert report["sessions_loaded"] == 3
    assert report["errors"] == 0 and report["leaks"] == 0, report["first_errors"]
    assert report["changes"] >= 3 and all(s["changes"] >= 1 for s in report["per_session"]), report[
        "per_session"
    ]
    assert (
        report["latency_ms"]["p50"] is not None and report["latency_ms"]["p95"] >= report["latency_ms"]["p50"]
    )
    assert report["server_rss_mb"]["before_sessions"] > 0 and "rss_per_session_mb" in report
