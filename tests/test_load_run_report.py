"""benchmarks/load_run.py's report helpers: the latency timeline (where in a run the slow changes were made) and
the CPU of the Chromium sessions' process tree."""

import subprocess
import sys
import time

import psutil
import pytest

from tests.benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def load_run():
    return load_benchmark("load_run")


def test_changes_fall_into_bins_from_the_steady_start(load_run):
    t0 = 1_000.0
    timed = [(t0 - 12.0, 4000.0), (t0 - 1.0, 3000.0), (t0 + 0.5, 100.0), (t0 + 9.9, 300.0), (t0 + 10.0, 200.0)]
    bins = load_run.latency_timeline(timed, t0)
    assert [b["t_s"] for b in bins] == [-20, -10, 0, 10]  # before the steady part: negative starts
    assert [b["n"] for b in bins] == [1, 1, 2, 1]
    first_steady = bins[2]
    assert first_steady["max"] == 300 and first_steady["p50"] == 200  # halfway, as bench_server.percentile takes it
    assert bins[0]["p95"] == 4000


def test_an_empty_run_has_no_bins(load_run):
    assert load_run.latency_timeline([], 0.0) == []


def test_bins_are_in_time_order_whatever_the_order_of_the_changes(load_run):
    timed = [(35.0, 1.0), (5.0, 2.0), (21.0, 3.0)]
    assert [b["t_s"] for b in load_run.latency_timeline(timed, 0.0, bin_s=10)] == [0, 20, 30]


def test_browser_cpu_counts_the_process_and_its_children(load_run):
    """A parent that spins 5 s beside a spinning child: after 1.5 s the tree has used more than the parent."""
    spin_with_child = ("import subprocess, sys, time\n"
                       "c = subprocess.Popen([sys.executable, '-c', 'while 1: pass'])\n"
                       "t = time.time()\nwhile time.time() - t < 5: pass\nc.kill()")
    proc = subprocess.Popen([sys.executable, "-c", spin_with_child])
    try:
        time.sleep(1.5)
        own = sum(load_run.cpu_s((proc.pid,)))
        assert load_run.tree_cpu_s(proc) > own + 0.2
    finally:
        for child in psutil.Process(proc.pid).children(recursive=True):  # else the spinner outlives the test
            child.kill()
        proc.kill()
        proc.wait()
    assert load_run.tree_cpu_s(proc) == 0.0  # ended: nothing left to read (load_run samples it while it runs)
    assert load_run.tree_cpu_s(None) == 0.0
