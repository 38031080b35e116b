"""The stage-demo checks across pages: one visual language (no bars on a log axis), no dollar figure for a
scenario that does not fit, prefix caching off makes the hit rate inert, out-of-range URL values get a notice."""

from __future__ import annotations

import pytest

from tests.app.conftest import chart_specs, new_app, no_exception
from tests.app.test_pages import PAGES

BAR_TYPES = {"bar", "waterfall", "histogram"}


def _log_axes(layout: dict) -> set[str]:
    """Trace axis ids ("x", "y2"...) whose layout axis is logarithmic."""
    out = set()
    for name, axis in layout.items():
        if (name.startswith("xaxis") or name.startswith("yaxis")) and isinstance(axis, dict) \
                and axis.get("type") == "log":
            out.add(name[0] + name[5:])
    return out


# A MoE model so the expert widgets exist; Cost curves shows its first tab only (the others are lazy).
@pytest.mark.parametrize("page", PAGES)
def test_no_bar_chart_uses_a_log_axis(page):
    at = new_app({"model": "mixtral-8x7b"}, page)
    no_exception(at)
    specs = chart_specs(at)
    assert specs or page in ("views/learn-basics.py",), f"{page} drew no chart"
    for spec in specs:
        logs = _log_axes(spec.get("layout", {}))
        for trace in spec.get("data", []):
            if trace.get("type") in BAR_TYPES:
                axes = {trace.get("xaxis", "x"), trace.get("yaxis", "y")}
                title = spec["layout"].get("title", {}).get("text")
                assert not axes & logs, f"{page}: bar chart {title!r} on a log axis"
