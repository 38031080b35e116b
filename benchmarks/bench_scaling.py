"""How large a usage log each pricing engine handles here: wall time and peak memory. Prints figures only.

Engines, each run in its own subprocess on a generated, time-ordered Parquet log (two months,
200,000 users, the prompt/output mix of benchmarks/bench_pricing.py), all nine schemes, the engine
costing every request for llama-3.1-70b on 8 x H100 SXM:

- ``memory``: the whole log read into a Workload, then ``bill`` (what the app does with an upload);
- ``stream``: ``bill_log`` in 500,000-row chunks, two passes (the CLI's default for a log file);
- ``dask``: ``bill_log(engine="dask")`` on an in-process cluster of two single-threaded workers
  (the CLI's ``--engine dask`` without ``--dask-scheduler``), over a dataset of 1,000,000-row files.

Peak memory is the subprocess's peak RSS (resource.getrusage), which includes the Dask workers'
threads. A run that fails (memory, time) prints why.

    .venv/bin/python benchmarks/bench_scaling.py                               # memory 10M, stream 20M, dask 20M
    .venv/bin/python benchmarks/bench_scaling.py --engine stream --rows 50000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pricing import write_log  # noqa: E402

CHILD = r"""
import json, resource, sys, time, logging
sys.path.insert(0, {root!r})
from costmodel.engine.scenario import Scenario
S = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8)
engine, path = {engine!r}, {path!r}
t = time.perf_counter()
if engine == "memory":
    from costmodel.pricing.billing import bill
    from costmodel.workloads.loading import load_workload
    r = bill(load_workload(path), None, scenario=S)
elif engine == "stream":
    from costmodel.pricing.scale import bill_log
    r = bill_log(path, None, scenario=S, chunk_rows=500_000)
else:
    from distributed import Client, LocalCluster
    from costmodel.pricing.scale import bill_log
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as c, Client(c):
        r = bill_log(path, None, scenario=S, engine="dask")
elapsed = time.perf_counter() - t
print(json.dumps({{"seconds": elapsed, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "requests": r.workload["requests"], "user_months": r.schemes[0].user_months}}))
"""


def split_dataset(src: Path, out: Path, rows_per_file: int = 1_000_000) -> None:
    import pyarrow.parquet as pq

    out.mkdir()
    pf = pq.ParquetFile(src)
    for i, batch in enumerate(pf.iter_batches(batch_size=rows_per_file)):
        pq.write_table(__import__("pyarrow").Table.from_batches([batch]), out / f"part-{i:04d}.parquet")


def run(engine: str, rows: int, timeout_s: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "usage.parquet"
        t = time.perf_counter()
        write_log(path, rows)
        if engine == "dask":
            split_dataset(path, Path(d) / "ds")
            path.unlink()
            path = Path(d) / "ds"
        gen = time.perf_counter() - t
        code = CHILD.format(root=str(ROOT), engine=engine, path=str(path))
        print(f"{engine}: {rows:,} rows (generated in {gen:.0f} s), load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs", flush=True)
        try:
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            print(f"  did not finish within {timeout_s} s")
            return
        if out.returncode != 0:
            print("  failed:", (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1])
            return
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {res['requests']:,} requests, {res['user_months']:,} user-months: {res['seconds']:,.1f} s wall "
              f"({res['requests'] / res['seconds']:,.0f} requests/s), peak RSS {res['peak_rss_mib']:,.0f} MiB",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=["memory", "stream", "dask"], action="append", default=None)
    ap.add_argument("--rows", type=int, default=None, help="rows for every engine chosen")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per run")
    args = ap.parse_args()
    sizes = {"memory": 10_000_000, "stream": 20_000_000, "dask": 20_000_000}
    for engine in args.engine or list(sizes):
        run(engine, args.rows or sizes[engine], args.timeout)


if __name__ == "__main__":
    main()
