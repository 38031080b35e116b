"""Pricing-engine benchmark: prints figures, asserts nothing.

1. Time to price a 1,000,000-request log under all nine schemes (target: at most 1 s on
   a 2-core machine), split into: pricing with the per-request costs already known, the
   engine costing every request (one vectorised estimate_arrays pass), and both.
2. Peak memory of streaming a 50,000,000-row Parquet log through the two-pass pricer
   (target: under 1 GB). The file is generated in a temporary directory; the pricing
   runs in a subprocess that reports its own peak RSS (resource.getrusage).

    .venv/bin/python benchmarks/bench_pricing.py                      # both, full size
    .venv/bin/python benchmarks/bench_pricing.py --stream-rows 5000000  # smaller stream
    .venv/bin/python benchmarks/bench_pricing.py --skip-stream
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costmodel.engine.scenario import Scenario  # noqa: E402
from costmodel.pricing.billing import EngineCoster, bill, default_schemes  # noqa: E402
from costmodel.workloads.workload import synthesize  # noqa: E402

SCENARIO = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8)


def best_of(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall time and best CPU time of this process (CPU time is less disturbed by other load)."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def bench_million(rows: int) -> None:
    users = max(1, round(rows / 65))  # the chat preset draws about 65 requests per user-month
    w = synthesize("chat", users=users, seed=1)
    cols = {k: v[:rows] for k, v in w.columns().items()}
    n = len(cols["prompt_tokens"])
    s = w.summary()
    coster = EngineCoster(
        SCENARIO, s["mean_prompt_tokens"], s["mean_output_tokens"], s["prefix_cache_hit_rate"]
    )
    usd, gpu_s = coster(cols["prompt_tokens"], cols["output_tokens"], cols["cached_tokens"])
    schemes = default_schemes()
    t_price = best_of(lambda: bill(cols, schemes, costs=(usd, gpu_s), context=coster.context))
    t_cost = best_of(lambda: coster(cols["prompt_tokens"], cols["output_tokens"], cols["cached_tokens"]))
    t_all = best_of(lambda: bill(cols, schemes, scenario=SCENARIO), repeat=2)
    load = os.getloadavg()[0]
    print(
        f"pricing {n:,} requests ({users:,} users, chat preset) under {len(schemes)} schemes, best of 3 "
        f"(load average {load:.1f} on {os.cpu_count()} CPUs):"
    )
    for label, (wall, cpu) in (
        ("schemes only (per-request costs known)", t_price),
        ("engine costing every request (estimate_arrays)", t_cost),
        ("end to end: operating point + costing + schemes", t_all),
    ):
        print(f"  {label:<48} {wall:6.3f} s wall, {cpu:6.3f} s CPU")


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from costmodel.pricing.scale import bill_log
from costmodel.engine.scenario import Scenario
t = time.perf_counter()
r = bill_log({path!r}, None, scenario=Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8), chunk_rows={chunk})
elapsed = time.perf_counter() - t
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": elapsed, "peak_rss_mib": peak_kib / 1024, "requests": r.workload["requests"],
                  "user_months": r.schemes[0].user_months,
                  "margin_pct": {{s.scheme: s.margin_pct for s in r.schemes}}}}))
"""


def write_log(path: Path, rows: int, batch: int = 1_000_000, users: int = 200_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    start = 1_790_812_800  # 2026-10-01
    span = 60 * 86_400  # two months, time-ordered
    schema = pa.schema(
        [
            ("timestamp", pa.int64()),
            ("user_id", pa.int32()),
            ("prompt_tokens", pa.int32()),
            ("completion_tokens", pa.int32()),
            ("cached_tokens", pa.int32()),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for s in range(0, rows, batch):
            n = min(batch, rows - s)
            ts = start + (np.arange(s, s + n) * span) // rows
            prompt = np.clip(rng.lognormal(np.log(1020), 0.99, n), 2, 32_000).astype(np.int32)
            output = np.clip(rng.lognormal(np.log(129), 0.86, n), 1, 4_096).astype(np.int32)
            cached = (prompt * rng.uniform(0, 0.8, n)).astype(np.int32)
            table = pa.table(
                [ts, rng.integers(0, users, n, dtype=np.int32), prompt, output, cached], schema=schema
            )
            writer.write_table(table)


def bench_stream(rows: int, chunk: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "usage.parquet"
        t = time.perf_counter()
        write_log(path, rows)
        gen = time.perf_counter() - t
        size = path.stat().st_size / 2**20
        print(
            f"streaming a {rows:,}-row Parquet log ({size:,.0f} MiB on disk, generated in {gen:.1f} s), "
            f"{chunk:,} rows per chunk, two passes, engine costing every request:"
        )
        code = CHILD.format(root=str(ROOT), path=str(path), chunk=chunk)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print("  failed:", out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode)
            return
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  peak RSS of the pricing process: {res['peak_rss_mib']:,.0f} MiB")
        print(f"  wall time: {res['seconds']:,.1f} s ({res['requests'] / res['seconds']:,.0f} requests/s)")
        print(f"  {res['requests']:,} requests, {res['user_months']:,} user-months")
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  (largest child RSS seen by the parent: {child:,.0f} MiB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="requests for the timing benchmark")
    ap.add_argument("--stream-rows", type=int, default=50_000_000, help="rows of the streamed Parquet log")
    ap.add_argument("--chunk-rows", type=int, default=500_000, help="rows per chunk (bill_log's default)")
    ap.add_argument("--skip-stream", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    args = ap.parse_args()
    if not args.skip_timing:
        bench_million(args.rows)
    if not args.skip_stream:
        bench_stream(args.stream_rows, args.chunk_rows)


if __name__ == "__main__":
    main()
