"""Smoke test: benchmarks/bench_engine.py still runs (tiny grid, llm-analysis part skipped)."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_engine.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_engine", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


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
