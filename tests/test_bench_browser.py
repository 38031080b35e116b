"""benchmarks/bench_browser.py's pure helpers (no browser): CDP metrics in, busy time per part and ratios out."""

import pytest

from tests.benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_browser")


def _reply(task, script, layout, style):
    return {"metrics": [{"name": "Timestamp", "value": 12.0}, {"name": "TaskDuration", "value": task},
                        {"name": "ScriptDuration", "value": script}, {"name": "LayoutDuration", "value": layout},
                        {"name": "RecalcStyleDuration", "value": style}]}


def test_busy_time_is_the_difference_split_into_parts(bench):
    before = bench.metric_values(_reply(1.0, 0.5, 0.1, 0.05))
    after = bench.metric_values(_reply(1.6, 0.7, 0.15, 0.08))
    d = bench.busy_ms(before, after)
    assert d["task"] == pytest.approx(600) and d["script"] == pytest.approx(200)
    assert d["layout"] == pytest.approx(50) and d["style"] == pytest.approx(30)
    assert d["other"] == pytest.approx(320)  # task less the three


def test_missing_counters_read_zero_and_other_never_goes_negative(bench):
    v = bench.metric_values({"metrics": [{"name": "TaskDuration", "value": 2.0}]})
    assert v == {"task": 2.0, "script": 0.0, "layout": 0.0, "style": 0.0}
    d = bench.busy_ms(bench.metric_values(_reply(1, 0, 0, 0)), bench.metric_values(_reply(1.1, 0.2, 0, 0)))
    assert d["other"] == 0.0


def test_quartiles_and_summary(bench):
    assert bench.quartiles([]) == {"q1": None, "median": None, "q3": None}
    assert bench.quartiles([5]) == {"q1": 5.0, "median": 5.0, "q3": 5.0}
    assert bench.quartiles([1, 2, 3, 4, 5]) == {"q1": 2.0, "median": 3.0, "q3": 4.0}
    changes = [{"busy_ms": {p: float(i) for p in bench.PARTS}, "latency_ms": 100.0 + i, "redraws": 0.0}
               for i in range(1, 6)]
    s = bench.summarize(changes)
    assert s["task"]["median"] == 3.0 and s["latency_ms"]["median"] == 103.0 and s["redraws"]["q3"] == 0.0
    assert "busy 3 (2-4) ms" in bench.format_summary("branch", s)


def test_batch_ratios_pair_batches_in_order(bench):
    def rows(values):
        return [{"busy_ms": {"task": v}} for v in values]

    base, branch = rows([10, 10, 20, 20, 0, 0]), rows([5, 5, 30, 30, 1, 1])
    assert bench.batch_ratios(base, branch, 2) == [0.5, 1.5]  # the third batch's base is 0: skipped
    assert bench.batch_ratios(base[:3], branch[:3], 2) == [0.5]  # an incomplete batch is left out
