"""A real Dask cluster on loopback: one ``dask scheduler`` and two ``dask worker`` processes.

The same Parquet log, split into a dataset and read through an fsspec ``file://`` URL, is
priced on the cluster (library ``scheduler=`` and CLI ``--dask-scheduler`` /
``DASK_SCHEDULER_ADDRESS``) and must give the local engine's result. Everything listens on
127.0.0.1 only; the processes are stopped by pid, and the whole test is bounded in time.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time

import pytest

from costmodel.pricing.scale import bill_log
from tests.test_pricing_scale import COSTER, assert_same, schemes, write_logs

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240), pytest.mark.filterwarnings("ignore:The inplace keyword")]



@pytest.fixture(scope="module")
def shared_log(tmp_path_factory):
    return write_logs(tmp_path_factory.mktemp("logs"))

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """tcp://127.0.0.1:PORT of a scheduler with two single-threaded worker processes."""
    logging.getLogger("distributed").setLevel(logging.ERROR)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask-logs")
    dask = [sys.executable, "-m", "dask"]
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=open(logs / "scheduler.log", "wb"), stderr=subprocess.STDOUT)]  # noqa: SIM115 - lives with the process
    try:
        for i in range(2):
            procs.append(subprocess.Popen(
                [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                 "--no-dashboard", "--memory-limit", "1GiB", "--name", f"w{i}"],
                stdout=open(logs / f"worker{i}.log", "wb"), stderr=subprocess.STDOUT))  # noqa: SIM115
        deadline = time.monotonic() + 90
        while True:
            try:
                with distributed.Client(address, timeout="5s") as c:
                    c.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
                    workers = sorted(c.scheduler_info()["workers"])
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError("the Dask cluster did not start:\n"
                                       + "\n".join(f.read_text()[-2000:] for f in logs.glob("*.log"))) from None
                time.sleep(0.5)
        assert len(workers) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers)
        yield address, workers
    finally:
        _stop(procs)


def test_a_parquet_log_priced_on_a_two_worker_cluster_equals_the_local_engine(cluster, shared_log):
    address, workers = cluster
    _, d = shared_log
    local = bill_log(d / "all.parquet", schemes(), coster=COSTER)
    with distributed.Client(address, timeout="10s") as watcher, distributed.get_task_stream(watcher) as ts:
        remote = bill_log(f"file://{d / 'ds'}", schemes(), coster=COSTER, engine="dask", scheduler=address)
    assert_same(local, remote)
    ran_on = {t["worker"] for t in ts.data}
    assert ran_on == set(workers)  # both worker processes priced partitions


def test_the_cli_prices_on_the_cluster_given_by_flag_or_environment(cluster, shared_log):
    address, _ = cluster
    _, d = shared_log
    args = ["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--gpus", "1", "--scheme", "flat", "cached-input",
            "subscription", "--json"]
    cmd = [sys.executable, "-m", "costmodel", "price"]

    def run(extra, env=None):
        out = subprocess.run([*cmd, *extra, *args], capture_output=True, text=True, timeout=120,
                             env={**os.environ, **(env or {})})
        assert out.returncode == 0, out.stderr
        assert out.stderr.strip() == ""  # no progress text when the output is JSON
        return json.loads(out.stdout)

    local = run(["--workload", str(d / "all.parquet")])
    by_flag = run(["--workload", str(d / "ds"), "--engine", "dask", "--dask-scheduler", address])
    by_env = run(["--workload", f"file://{d / 'ds'}", "--engine", "dask"], {"DASK_SCHEDULER_ADDRESS": address})
    for remote in (by_flag, by_env):
        assert remote["workload"]["requests"] == local["workload"]["requests"]
        for a, b in zip(local["schemes"], remote["schemes"], strict=True):
            assert a["revenue_usd"] == pytest.approx(b["revenue_usd"], rel=1e-9)
            assert a["cost_usd"] == pytest.approx(b["cost_usd"], rel=1e-9)
            assert a["refused_requests"] == b["refused_requests"]


def test_an_unreachable_scheduler_is_one_clear_error(shared_log):
    _, d = shared_log
    from costmodel.errors import CostModelError

    with pytest.raises(CostModelError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        bill_log(d / "ds", schemes(), coster=COSTER, engine="dask", scheduler="tcp://127.0.0.1:9")
