"""ui.scenario_cache: the cached curve is the library's, a figure is built once per distinct arguments."""

import numpy as np

from costmodel import Scenario, load_catalog
from costmodel.analysis import curves
from ui import scenario_cache
from ui.charts import illusion_chart

CATALOG = load_catalog()


def test_illusion_is_the_librarys_curve_and_a_copy():
    s = Scenario(prompt_tokens=3000, cache_hit_rate=0.25)
    got = scenario_cache.illusion(s, 0.5, 2.0)
    want = curves.illusion(s, CATALOG, 0.5, 2.0)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b)
    got[1][:] = -1  # a caller's changes do not reach the next caller (st.cache_data copies)
    assert np.all(scenario_cache.illusion(s, 0.5, 2.0)[1] >= 0)
    other = scenario_cache.illusion(s.model_copy(update={"prompt_tokens": 3001}), 0.5, 2.0)
    assert not np.array_equal(other[1], want[1]) or not np.array_equal(other[0], want[0])


def test_figure_is_built_once_per_distinct_arguments():
    calls = []

    def build(x, y, *, title):
        calls.append(title)
        return illusion_chart(x, y, y * 2)

    x, y = np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0])
    a = scenario_cache.figure(build, x, y, title="t")
    b = scenario_cache.figure(build, x.copy(), y.copy(), title="t")
    c = scenario_cache.figure(build, x, y + 1, title="t")
    d = scenario_cache.figure(build, x, y, title="u")
    assert a is b and a is not c and a is not d and calls == ["t", "t", "u"]
