"""Pages whose computations and figures are cached by scenario (ui.scenario_cache, ui.validation): a sidebar
change still changes their headline, changing it back gives back the first numbers, and the cached charts
follow too (a cache keyed on less than the scenario would show the old numbers here)."""

from __future__ import annotations

import pytest

from tests.app.conftest import chart_specs, metrics, new_app, no_exception
from ui.money import ALL_IN_OUTPUT

# The headline that must move (None: the metrics as a whole; levers round to two digits, the fleet is whole
# replicas), at a scenario where speculative decoding moves the numbers visibly.
CASES = (
    ("views/hardware-comparison.py", ALL_IN_OUTPUT),
    ("views/market-prices.py", "Median gross margin"),
    ("views/agents-long-context.py", "Session cost with prefix caching"),
    ("views/optimization-levers.py", None),
    ("views/pricing-schemes.py", None),
)


OPEN = {"views/agents-long-context.py": "ag_turns_open"}
"""Pages whose table here is built only while its expander is open: opened, as a click does."""


def _tables(at) -> list[str]:
    return [df.value.to_csv() for df in at.dataframe]


@pytest.mark.parametrize(("page", "headline"), CASES, ids=[p.split("/")[1] for p, _ in CASES])
def test_a_sidebar_change_moves_the_cached_page_and_back(page: str, headline: str | None) -> None:
    at = new_app({"gpu": "h200", "prompt_tokens": "3000", "output_tokens": "500"}, page=page)
    if page in OPEN:
        at.session_state[OPEN[page]] = True
        at.run()
    no_exception(at)
    before, charts, tables = metrics(at), chart_specs(at), _tables(at)
    at.slider(key="spec_draft_tokens").set_value(3).run()
    no_exception(at)
    moved = metrics(at)
    if headline is None:
        assert moved != before
    else:
        assert moved[headline] != before[headline], (headline, before[headline])
    assert chart_specs(at) != charts and _tables(at) != tables
    at.slider(key="spec_draft_tokens").set_value(0).run()
    no_exception(at)
    assert metrics(at) == before and chart_specs(at) == charts and _tables(at) == tables


def test_validation_colours_the_sidebars_model_and_gpu():
    at = new_app(page="views/model-validation.py")
    no_exception(at)
    before = next(c.value for c in at.main.caption if c.value.startswith("Notice: points on the dashed line"))
    at.selectbox(key="model").set_value("llama-3.1-8b").run()
    no_exception(at)
    after = next(c.value for c in at.main.caption if c.value.startswith("Notice: points on the dashed line"))
    assert "llama-3.1-8b" in after and after != before
