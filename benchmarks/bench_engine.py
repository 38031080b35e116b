"""Engine speed: scenario points per second, and the same work done by llm-analysis.

Measures, in one run:

1. ``costmodel.sweep`` over a cartesian grid of about ``--points`` points
   (default 1,000,000 = 100 prompt lengths x 50 output lengths x 10 cache hit
   rates x 20 concurrencies), DataFrame construction included;
2. ``costmodel.estimate_arrays`` on the same grid given as pre-built flat arrays
   (no DataFrame);
3. llm-analysis (``LLMAnalysis(...).inference(...)``, the ``dev`` extra) one
   configuration at a time on ``--llm-analysis-points`` points (default 200)
   drawn from the same grid: same model shape, GPU, prompt and output lengths,
   and per point the tensor-parallel size our engine plans and the batch per
   replica. llm-analysis has no prefix cache, so the hit-rate axis is not
   passed to it.

It prints points/s for each, llm-analysis configurations/s and the ratio
ours/theirs per point, plus machine facts (CPU count, load, numpy version).
It asserts nothing: the issue's targets (>= 2,000,000 points/s on the 2-core
machine, >= 500x llm-analysis per point) are printed next to the figures.

    .venv/bin/python benchmarks/bench_engine.py
    .venv/bin/python benchmarks/bench_engine.py --points 100000 --repeats 5 --llm-analysis-points 50

Timings are best-of ``--repeats`` wall-clock (``time.perf_counter``); other
processes on the machine slow them down, so the load average is printed, and
so is the rate per CPU-second (``time.process_time``), which they disturb less.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import math
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np

from costmodel import Scenario, estimate_arrays, load_catalog, sweep

TARGET_POINTS_PER_SECOND = 2_000_000
TARGET_RATIO = 500
MODEL = "llama-3.1-70b"
GPU = "h100-sxm"
GPUS = 8
LLM_ANALYSIS_GPU = "h100-sxm-80gb"  # llm-analysis' own shipped GPU config (gpu_configs/*.json)
BASE_SHAPE = (100, 50, 10, 20)  # prompt lengths, output lengths, hit rates, concurrencies: 1,000,000 points


# --------------------------------------------------------------------------- the grid
def _increasing_ints(lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` strictly increasing integers spread geometrically from ``lo`` to about ``hi``."""
    raw = np.round(np.geomspace(lo, hi, n)) if n > 1 else np.array([float(lo)])
    out = [int(raw[0])]
    for v in raw[1:]:
        out.append(max(int(v), out[-1] + 1))
    return np.array(out, dtype=np.int64)


def axis_sizes(points: int) -> tuple[int, int, int, int]:
    """Axis lengths in the proportions of BASE_SHAPE whose product is close to ``points``."""
    if points <= 0:
        raise ValueError("--points must be positive")
    scale = (points / math.prod(BASE_SHAPE)) ** 0.25
    outs, hits, concs = (max(1, round(n * scale)) for n in BASE_SHAPE[1:])
    prompts = max(1, round(points / (outs * hits * concs)))
    return prompts, outs, hits, concs


def build_axes(points: int) -> dict[str, np.ndarray]:
    p, o, h, c = axis_sizes(points)
    return {
        "prompt_tokens": np.round(np.linspace(128, 32_768, p)).astype(np.int64)
        if p > 1
        else np.array([2048]),
        "output_tokens": _increasing_ints(16, 4096, o),
        "cache_hit_rate": np.linspace(0.0, 0.9, h),
        "concurrency": _increasing_ints(1, 512, c),
    }


def flat_grid(axes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The cartesian product as flat arrays, in sweep's row order (C order, first axis slowest)."""
    grids = np.meshgrid(*axes.values(), indexing="ij")
    return {name: np.ascontiguousarray(g.ravel()) for name, g in zip(axes, grids, strict=True)}


# --------------------------------------------------------------------------- timing
@dataclass
class Timing:
    """Best wall-clock and best CPU seconds over the repeats (CPU time is less disturbed by other processes)."""

    wall: float
    cpu: float


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    wall = cpu = math.inf
    result = None
    for _ in range(max(1, repeats)):
        result = None  # free the previous result before the next run
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return Timing(wall, cpu), result


@dataclass
class LlmAnalysisResult:
    attempted: int
    invalid: int
    timing: Timing
    tensor_parallel: dict[int, int]  # tp_size -> how many of the configurations use it
    version: str

    @property
    def configs_per_second(self) -> float:
        return self.attempted / self.timing.wall if self.timing.wall > 0 else math.nan


def _quiet_import_llm_analysis():
    """Import llm-analysis without network and without its import-time chatter; None when absent."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. its CLI dependency's DeprecationWarning on import
            from llm_analysis import analysis, config
            from llm_analysis.logger import logger
    except ImportError:
        return None
    return analysis, config, logger


def run_llm_analysis(
    scenario: Scenario, flat: dict[str, np.ndarray], n: int, seed: int, repeats: int
) -> LlmAnalysisResult | None:
    """Time ``LLMAnalysis(...).inference(...)`` once per configuration on ``n`` grid points (best pass)."""
    modules = _quiet_import_llm_analysis()
    if modules is None:
        return None
    analysis, config, la_logger = modules

    cat = load_catalog()
    arch = cat.model(MODEL)
    gpu = cat.gpu(GPU)
    eff = cat.efficiency_for(gpu)

    # The same transformer shape. llm-analysis counts two FFN matrices of ffn_embed_dim; Llama's gated
    # MLP has three of intermediate_size, so 1.5x keeps the parameter count (and FLOPs, bytes) equal.
    ffn = int(1.5 * arch.intermediate_size)
    model_cfg = config.ModelConfig(
        name=MODEL,
        num_layers=arch.num_layers,
        n_head=arch.num_attention_heads,
        hidden_dim=arch.hidden_size,
        vocab_size=arch.vocab_size,
        max_seq_len=arch.max_context_tokens,
        num_key_value_heads=arch.num_kv_heads,
        ffn_embed_dim=ffn,
        expansion_ratio=ffn / arch.hidden_size,
        model_type="llama",
    )
    gpu_cfg = config.get_gpu_config_by_name(LLM_ANALYSIS_GPU)
    dtype_cfg = config.get_dtype_config_by_name("w16a16e16")

    rng = np.random.default_rng(seed)
    total = next(iter(flat.values())).size
    idx = np.sort(rng.choice(total, size=min(n, total), replace=False))
    subset = {k: v[idx] for k, v in flat.items()}
    # Each point's parallelism is the plan our engine picks for it (set up outside the timing).
    ours = estimate_arrays(scenario, **subset)
    tps = ours["tensor_parallel"].astype(int)
    replicas = ours["replicas"].astype(int)
    parallel = {tp: config.ParallelismConfig(tp_size=tp) for tp in np.unique(tps).tolist()}
    configs = [
        (
            parallel[int(tp)],
            # concurrency is across the deployment; llm-analysis' batch is per tensor-parallel group
            max(1, math.ceil(int(conc) / max(int(rep), 1))),
            int(prompt),
            int(output),
        )
        for tp, rep, conc, prompt, output in zip(
            tps,
            replicas,
            subset["concurrency"],
            subset["prompt_tokens"],
            subset["output_tokens"],
            strict=True,
        )
    ]

    def one_pass() -> int:
        invalid = 0
        for par_cfg, batch, prompt, output in configs:
            try:
                analysis.LLMAnalysis(
                    model_cfg,
                    gpu_cfg,
                    dtype_cfg,
                    par_cfg,
                    flops_efficiency=eff.prefill_mfu,
                    hbm_memory_efficiency=eff.decode_mbu,
                ).inference(
                    batch_size_per_gpu=batch,
                    seq_len=prompt,
                    num_tokens_to_generate=output,
                    cost_per_gpu_hour=gpu.hourly_usd,
                )
            except AssertionError:  # llm-analysis rejects configurations that do not fit in memory
                invalid += 1
        return invalid

    old_level = la_logger.level
    la_logger.setLevel(logging.CRITICAL + 1)  # its f-strings are still built: that is its own cost
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            timing, invalid = best_of(one_pass, repeats)
    finally:
        la_logger.setLevel(old_level)
    counts = dict(zip(*(a.tolist() for a in np.unique(tps, return_counts=True)), strict=True))
    return LlmAnalysisResult(len(configs), invalid, timing, counts, metadata.version("llm-analysis"))


# --------------------------------------------------------------------------- report
def machine_info() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    import pandas as pd

    return {
        "cpu": cpu,
        "cpu count": f"{os.cpu_count()} (usable by this process: {usable})",
        "load average (1, 5, 15 min)": load,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _rate(points: int, timing: Timing) -> str:
    return (
        f"{points / timing.wall:>14,.0f} points/s  ({timing.wall * 1e3:,.1f} ms wall; "
        f"{points / timing.cpu:,.0f} points per CPU-second)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--points", type=int, default=1_000_000, help="grid size for sweep/estimate_arrays (about)"
    )
    p.add_argument("--repeats", type=int, default=3, help="timed repeats; the best is reported")
    p.add_argument(
        "--llm-analysis-points",
        type=int,
        default=200,
        help="grid points to run through llm-analysis one by one (0 skips it)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for choosing the llm-analysis subset")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    axes = build_axes(args.points)
    flat = flat_grid(axes)
    points = next(iter(flat.values())).size
    scenario = Scenario(model=MODEL, gpu=GPU, gpus=GPUS)

    print(
        f"bench_engine: {MODEL} on {GPUS} x {GPU}; grid "
        + " x ".join(f"{v.size} {k}" for k, v in axes.items())
        + f" = {points:,} points"
    )
    for key, value in machine_info().items():
        print(f"  {key}: {value}")

    sweep_t, frame = best_of(lambda: sweep(scenario, **axes), args.repeats)
    if len(frame) != points:
        raise RuntimeError(f"sweep returned {len(frame)} rows for {points} points")
    del frame
    arrays_t, _ = best_of(lambda: estimate_arrays(scenario, **flat), args.repeats)
    ours = (("sweep (incl. DataFrame)", sweep_t), ("estimate_arrays (flat arrays)", arrays_t))

    print(
        f"\ncostmodel, {points:,} points (best of {args.repeats}; target >= {TARGET_POINTS_PER_SECOND:,} points/s):"
    )
    for label, timing in ours:
        met = "met" if points / timing.wall >= TARGET_POINTS_PER_SECOND else "NOT met"
        print(f"  {label:<30} {_rate(points, timing)}  target {met}")

    if args.llm_analysis_points <= 0:
        print("\nllm-analysis: skipped (--llm-analysis-points 0)")
        return 0
    result = run_llm_analysis(scenario, flat, args.llm_analysis_points, args.seed, args.repeats)
    if result is None:
        print("\nllm-analysis: not installed (it is in the dev extra: pip install -e '.[dev]'); skipped")
        return 0
    rate = result.configs_per_second
    plans = ", ".join(f"tp {tp}: {count}" for tp, count in result.tensor_parallel.items())
    print(
        f"\nllm-analysis {result.version}: {result.attempted} points of the grid, "
        f"one LLMAnalysis(...).inference(...) each (best of {args.repeats} passes)"
    )
    print(
        f"  setup: gpu {LLM_ANALYSIS_GPU}, w16a16e16, tp_size = our engine's plan per point ({plans}), "
        "batch_size_per_gpu = ceil(concurrency / replicas); no cache hit rate (not modelled by llm-analysis)"
    )
    print(
        f"  {rate:>14,.1f} configurations/s  ({result.timing.wall * 1e3 / max(result.attempted, 1):.3f} ms each; "
        f"{result.attempted / result.timing.cpu:,.1f} per CPU-second); "
        f"{result.invalid} of {result.attempted} rejected by it as not fitting in memory (timed too)"
    )
    for label, timing in ours:
        ratio = (points / timing.wall) / rate
        cpu_ratio = (points / timing.cpu) / (result.attempted / result.timing.cpu)
        met = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"  ratio {label.split()[0]:<16} / llm-analysis per point: {ratio:>10,.0f}x  "
            f"(per CPU-second {cpu_ratio:,.0f}x; target >= {TARGET_RATIO}x {met})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
