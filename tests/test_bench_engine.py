"""Smoke test: benchmarks/bench_engine.py still runs (tiny grid, llm-analysis part skipped)."""

import pytest

from tests.benchmark_scripts import load_benchmark


def _load():
    return load_benchmark("bench_engine")


def test_bench_engine_runs_on_a_small_grid(capsys):
    bench = _load()
    assert bench.main(["--points", "10000", "--repeats", "1", "--llm-analysis-points", "0"]) == 0
    out = capsys.readouterr().out
    assert "= 10,080 points" in out
    assert out.count("points/s") >= 2
    assert "numpy" in out
    assert "llm-analysis: skipped" in out


def test_grid_has_the_issue_shape_at_one_million_points():
    bench = _load()
    assert bench.axis_sizes(1_000_000) == (100, 50, 10, 20)
    axes = bench.build_axes(1_000_000)
    assert [v.size for v in axes.values()] == [100, 50, 10, 20]
    for v in axes.values():
        assert (v[1:] > v[:-1]).all()  # distinct, increasing axis values


def test_bench_engine_llm_analysis_part_runs_when_installed(capsys):
    pytest.importorskip("llm_analysis")
    bench = _load()
    assert bench.main(["--points", "2000", "--repeats", "1", "--llm-analysis-points", "3"]) == 0
    out = capsys.readouterr().out
    assert "configurations/s" in out
    assert "ratio sweep" in out and "ratio estimate_arrays" in out
