"""Smoke test of benchmarks/bench_browser.py: 2 measured changes on the Overview, so the script cannot rot.

Runs the script as a subprocess (its own server and Chromium, on loopback) and checks the report: the changes
happened, the renderer's busy time was read and split, and no chart was drawn twice to grow its margins
(ui.charts.fit_margins sizes them for their labels; docs/deploying.md, "Sixth round"). Times are not asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_browser_measures_the_overview_and_its_charts_draw_once(tmp_path: Path) -> None:
    out = tmp_path / "browser.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_browser.py"), "--changes", "2", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert out.exists(), f"no report (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    report = json.loads(out.read_text())
    assert proc.returncode == 0 and "branch / base" not in proc.stdout
    rows = report["per_change"]["branch"]
    assert len(rows) == 2
    for row in rows:
        assert row["busy_ms"]["task"] > 0 and row["latency_ms"] > 0
        assert row["busy_ms"]["task"] >= row["busy_ms"]["script"]
        assert row["redraws"] == 0, "a chart's margins were too small for its labels: Plotly drew it twice"
