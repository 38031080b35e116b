"""Our per-operator times beside NVIDIA AIConfigurator's silicon-measured kernel tables.

AIConfigurator (PyPI ``aiconfigurator``, Apache-2.0; a dev extra of this project, never a runtime
dependency) ships the kernel times NVIDIA measured on each GPU (parquet tables per system,
operator, backend and version). This script reads those tables directly (no AIConfigurator
session, so none of its ~500 YAML files is parsed) for H100, H200, B200 and GB200 with the
TensorRT-LLM backend, and sets beside each measured shape the time of the same operator under
this engine's mechanisms (``costmodel.engine.op_times``):

- dense GEMM: Llama-3.1-70B's matrices at TP8 (fp8 and bf16), m = 1 ... 8192 rows;
- MoE: DeepSeek-V3's layer (7168 x 2048, top-8 of 256, fp8 block scales) at EP8, balanced routing;
- MLA decode attention: 128 heads over TP8, 1k and 4k context;
- communication: bf16 all-reduce on 8 GPUs; DeepEP dispatch (fp8) and combine (bf16) at EP8;
- the fixed time of a MoE layer at <= 8 tokens: every backend's MoE table (TensorRT-LLM, vLLM, SGLang)
  for DeepSeek-V3, gpt-oss and Mixtral shapes (TP1, TP8 or EP8), less this engine's time for the
  same layer without that latency: the median is ``moe_layer_latency_us``;
- attention at head dim 64 against 128 (vLLM FA3 tables, prefill and decode): the medians are
  ``narrow_head_prefill_attention_efficiency`` / ``narrow_head_decode_attention_efficiency``.

It fits the kernel-shape parameters (tile occupancy, fixed kernel time, grouped-GEMM bandwidth,
dispatch latency, MLA factor) to the tables by grid search on the median absolute log error,
prints every table with the residuals before (plain roofline) and after, and composes whole
decode steps from the measured kernels for the issue's two cases (Llama-3.1-70B TP8 on H100,
DeepSeek-V3 on 8 x H200) beside the engine's decode step.

Run: ``.venv/bin/python benchmarks/aiconfigurator_oracle.py`` (``--gpu h200`` for one GPU, ``--head-dim`` for
the head-dim ratios alone).
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from costmodel.catalog.loader import load_catalog
from costmodel.engine import op_times
from costmodel.engine.inference import estimate
from costmodel.engine.kernels import NEUTRAL, KernelParams, kernel_params
from costmodel.engine.scenario import Scenario

SYSTEMS = {"h100-sxm": "h100_sxm", "h200": "h200_sxm", "b200": "b200_sxm", "gb200": "gb200"}
LLAMA70_TP8 = ((1024, 8192), (8192, 1024), (7168, 8192), (8192, 3584))  # qkv, o, gate_up, down (grid shapes)
ROWS = (1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)


def data_root() -> Path:
    import aiconfigurator_core

    return Path(aiconfigurator_core.__file__).parent / "systems" / "data"


def table(system: str, op: str, name: str, where=None) -> pd.DataFrame | None:
    """The newest TensorRT-LLM version of one of AIConfigurator's kernel tables for ``system`` that has
    rows (``where``: a filter the rows must pass)."""
    base = data_root() / system / op / "trtllm"
    if not base.exists():
        return None
    for version in sorted((p for p in base.iterdir() if (p / name).exists()), key=lambda p: p.name, reverse=True):
        t = pd.read_parquet(version / name)
        t = t[where(t)] if where is not None else t
        if len(t):
            return t
    return None


def log_err(ours: np.ndarray, measured: np.ndarray) -> float:
    return float(np.median(np.abs(np.log(ours / measured))))


def gemm_rows(gpu_id: str) -> pd.DataFrame:
    t = table(SYSTEMS[gpu_id], "gemm", "gemm_perf.parquet")
    if t is None:
        return pd.DataFrame()
    keep = t[t["m"].isin(ROWS) & t["gemm_dtype"].isin(["fp8", "bfloat16"])]
    keep = keep[[(n, k) in LLAMA70_TP8 for n, k in zip(keep["n"], keep["k"], strict=True)]]
    return keep.assign(measured_s=keep["latency"] / 1e3)


def gemm_ours(df: pd.DataFrame, gpu, mfu: float, mbu: float, kernel: KernelParams) -> np.ndarray:
    out = np.empty(len(df))
    for i, (m, n, k, dtype) in enumerate(zip(df["m"], df["n"], df["k"], df["gemm_dtype"], strict=True)):
        fp8 = dtype == "fp8"
        out[i] = op_times.gemm_seconds(m, n, k, 1.0 if fp8 else 2.0, gpu.peak_flops("fp8" if fp8 else "bf16"),
                                       gpu.memory_bandwidth_bytes_s, mfu, mbu, kernel)
    return out


def moe_rows(gpu_id: str) -> pd.DataFrame:
    keep = table(SYSTEMS[gpu_id], "moe", "moe_perf.parquet", where=deepseek_moe)
    if keep is None:
        return pd.DataFrame()
    keep = keep.sort_values("latency").drop_duplicates("num_tokens").sort_values("num_tokens")
    return keep.assign(measured_s=keep["latency"] / 1e3)


def deepseek_moe(t: pd.DataFrame) -> pd.Series:
    """DeepSeek-V3's MoE layer at EP8, fp8 block scales, balanced routing (the shape of the grouped
    GEMM; skewed routing is the separate ``ep_skew`` mechanism)."""
    return ((t.hidden_size == 7168) & (t.inter_size == 2048) & (t.topk == 8) & (t.num_experts == 256)
            & (t.moe_tp_size == 1) & (t.moe_ep_size == 8) & (t.moe_dtype == "fp8_block")
            & (t.distribution == "balanced"))


def moe_ours(df: pd.DataFrame, gpu, mfu: float, mbu: float, kernel: KernelParams) -> np.ndarray:
    # num_tokens read as the layer's tokens over all EP8 ranks (the per-rank reading would need more
    # than the fp8 peak at 16k tokens)
    return op_times.moe_layer_seconds(df["num_tokens"].to_numpy(float), 7168, 2048, 8, 256, 8, 1.0,
                                      gpu.peak_flops("fp8"), gpu.memory_bandwidth_bytes_s, mfu, mbu, kernel)


MOE_SHAPES = ((7168, 2048, 8, 256), (2880, 2880, 4, 128), (4096, 14336, 2, 8))
"""(hidden, intermediate, top-k, experts): DeepSeek-V3, gpt-oss-120b, Mixtral-8x7B."""
MOE_BYTES = {"fp8_block": (1.0, "fp8"), "fp8": (1.0, "fp8"), "bfloat16": (2.0, "bf16"),
             "w4a16_mxfp4": (4.25 / 8, "bf16"), "nvfp4": (4.5 / 8, "fp4")}
"""Weight bytes per parameter and the matrix precision of each MoE table's dtype."""


def moe_latency_gaps(gpu_id: str, kernel: KernelParams, mfu: float, mbu: float) -> pd.DataFrame:
    """Measured minus our MoE layer time (without ``moe_layer_latency_us``) at <= 8 tokens, every backend.

    The ModelOpt FP8 FlashInfer kernel (vLLM, 0.2-1.7 ms at one token) is left out: an outlier no
    serving default uses for these models."""
    gpu = load_catalog().gpu(gpu_id)
    k = replace(kernel, moe_layer_latency_us=0.0, ep_random_imbalance=0.0)
    rows = []
    for path in sorted((data_root() / SYSTEMS[gpu_id] / "moe").glob("*/*/moe_perf.parquet")):
        t = pd.read_parquet(path)
        t = t[(t.distribution == "balanced") & (t.num_tokens <= 8) & t.moe_dtype.isin(list(MOE_BYTES))
              & ~t.kernel_source.str.contains("modelopt")]
        for h, i, topk, e in MOE_SHAPES:
            s = t[(t.hidden_size == h) & (t.inter_size == i) & (t.topk == topk) & (t.num_experts == e)
                  & (((t.moe_tp_size == 1) & t.moe_ep_size.isin([1, 8])) | ((t.moe_tp_size == 8) & (t.moe_ep_size == 1)))]
            for (tp, ep, dtype), g in s.groupby(["moe_tp_size", "moe_ep_size", "moe_dtype"]):
                wb, prec = MOE_BYTES[dtype]
                ours = op_times.moe_layer_seconds(g["num_tokens"].to_numpy(float), h, i / tp, topk, e, ep, wb,
                                                  gpu.peak_flops(prec), gpu.memory_bandwidth_bytes_s, mfu, mbu, k)
                rows.append(pd.DataFrame({"backend": path.parts[-3], "shape": f"{h}x{i} E{e} k{topk}",
                                          "layout": f"tp{tp} ep{ep}", "dtype": dtype, "tokens": g["num_tokens"],
                                          "gap_us": (g["latency"].to_numpy() / 1e3 - ours) * 1e6}))
    return pd.concat(rows) if rows else pd.DataFrame()


def a2a_rows(gpu_id: str) -> pd.DataFrame:
    t = table(SYSTEMS[gpu_id], "comm", "moe_a2a_perf.parquet")
    if t is None:
        return pd.DataFrame()
    keep = t[(t.hidden_size == 7168) & (t.topk == 8) & (t.num_experts == 256) & (t.ep_size == 8)
             & (t.comm_backend == "trtllm_deepep_ll")
             & (((t.phase == "dispatch") & (t.comm_dtype == "fp8")) | ((t.phase == "combine")
                                                                      & (t.comm_dtype == "bfloat16")))]
    keep = keep[keep.num_tokens <= 512]
    return keep.assign(measured_s=keep["latency"] / 1e6)


def a2a_ours(df: pd.DataFrame, gpu, link_eff: float, kernel: KernelParams) -> np.ndarray:
    latency = (kernel.ep_alltoall_latency_us or 8.0) / 1e6
    vb = np.where(df["phase"] == "dispatch", 1.0, 2.0)
    return op_times.alltoall_op_seconds(df["num_tokens"].to_numpy(float), 7168, 8, 8, vb,
                                        gpu.link_bytes_s_one_way * link_eff, latency)


def mla_rows(gpu_id: str) -> pd.DataFrame:
    # num_heads is per GPU: 16 = DeepSeek-V3's 128 heads over TP8
    keep = table(SYSTEMS[gpu_id], "mla", "generation_mla_perf.parquet",
                 where=lambda t: (t.num_heads == 16) & t.step.isin([1023, 4095]) & (t.kv_cache_dtype == "fp8"))
    if keep is None:
        return pd.DataFrame()
    keep = keep.drop_duplicates(["batch_size", "step"])
    return keep.assign(measured_s=keep["latency"] / 1e3)


def mla_ours(df: pd.DataFrame, gpu, mfu: float, mbu: float, kernel: KernelParams) -> np.ndarray:
    return op_times.mla_decode_seconds(df["batch_size"].to_numpy(float), df["step"].to_numpy(float) + 1, 16, 512,
                                       64, 1.0, gpu.peak_flops("bf16"), gpu.memory_bandwidth_bytes_s, mfu, mbu, kernel)


def fit(objective, grid: dict[str, list[float]]) -> tuple[dict[str, float], float]:
    """The grid point with the lowest objective (median absolute log error)."""
    best, best_err = {}, np.inf
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values, strict=True))
        err = objective(point)
        if err < best_err:
            best, best_err = point, err
    return best, best_err


def report(name: str, df: pd.DataFrame, before: np.ndarray, after: np.ndarray, cols: list[str],
           shipped: np.ndarray | None = None) -> None:
    print(f"\n### {name}: measured (AIConfigurator silicon table) vs ours, ms")
    show = df[cols].copy()
    show["aic_ms"] = df["measured_s"].to_numpy() * 1e3
    show["roofline_ms"] = before * 1e3
    show["ours_ms"] = after * 1e3
    show["ours/aic"] = after / df["measured_s"].to_numpy()
    print(show.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    m = df["measured_s"].to_numpy()
    print(f"median |log(ours/aic)|: plain roofline {log_err(before, m):.3f}, with mechanisms {log_err(after, m):.3f}; "
          f"median |ours/aic - 1| with mechanisms {np.median(np.abs(after / m - 1)):.1%}")
    if shipped is not None:
        print(f"with the parameters shipped in data/efficiency.yaml: median |ours/aic - 1| "
              f"{np.median(np.abs(shipped / m - 1)):.1%}")


def oracle_for(gpu_id: str) -> dict[str, float]:
    cat = load_catalog()
    gpu = cat.gpu(gpu_id)
    eff = cat.efficiency_for(gpu)
    engine = kernel_params(eff)  # the kernel parameters the engine ships for this family
    print(f"\n## {gpu_id} ({SYSTEMS[gpu_id]})")
    fitted: dict[str, float] = {}
    g = gemm_rows(gpu_id)
    if len(g):
        m = g["measured_s"].to_numpy()
        p, _ = fit(lambda q: log_err(gemm_ours(g, gpu, q["mfu"], q["mbu"], replace(
            NEUTRAL, gemm_half_rows=q["half"], kernel_latency_us=q["lat"])), m),
            {"mfu": [0.6, 0.7, 0.8, 0.9], "mbu": [0.7, 0.8, 0.9], "half": [0, 16, 32, 64, 128], "lat": [0, 2, 4, 6, 8]})
        k = replace(NEUTRAL, gemm_half_rows=p["half"], kernel_latency_us=p["lat"])
        report("dense GEMM (Llama-3.1-70B TP8 shapes)", g, gemm_ours(g, gpu, 0.8, 0.9, NEUTRAL),
               gemm_ours(g, gpu, p["mfu"], p["mbu"], k), ["gemm_dtype", "m", "n", "k"],
               gemm_ours(g, gpu, p["mfu"], p["mbu"], engine))
        fitted.update(gemm_mfu=p["mfu"], gemm_mbu=p["mbu"], gemm_half_rows=p["half"], kernel_latency_us=p["lat"])
    mo = moe_rows(gpu_id)
    if len(mo):
        m = mo["measured_s"].to_numpy()
        base = replace(NEUTRAL, kernel_latency_us=fitted.get("kernel_latency_us", 0.0))
        p, _ = fit(lambda q: log_err(moe_ours(mo, gpu, q["mfu"], 0.8, replace(
            base, moe_bandwidth_efficiency=q["bw"], moe_half_rows=q["half"], ep_random_imbalance=q["rand"])), m),
            {"mfu": [0.3, 0.4, 0.5, 0.6, 0.7], "bw": [0.4, 0.6, 0.8, 1.0], "half": [0, 64, 128, 256, 384, 512],
             "rand": [0.0]})
        k = replace(base, moe_bandwidth_efficiency=p["bw"], moe_half_rows=p["half"], ep_random_imbalance=p["rand"])
        report("MoE layer (DeepSeek-V3, EP8, fp8 block, balanced routing)", mo, moe_ours(mo, gpu, 0.7, 0.8, NEUTRAL),
               moe_ours(mo, gpu, p["mfu"], 0.8, k), ["num_tokens"],
               moe_ours(mo, gpu, fitted.get("gemm_mfu", 0.7), 0.8, replace(engine, ep_random_imbalance=0.0)))
        fitted.update(moe_mfu=p["mfu"], moe_bandwidth_efficiency=p["bw"], moe_half_rows=p["half"],
                      ep_random_imbalance=p["rand"])
    ml = mla_rows(gpu_id)
    if len(ml):
        m = ml["measured_s"].to_numpy()
        base = replace(NEUTRAL, kernel_latency_us=fitted.get("kernel_latency_us", 0.0))
        p, _ = fit(lambda q: log_err(mla_ours(ml, gpu, 0.6, 0.9, replace(
            base, mla_decode_attention_efficiency=q["f"])), m), {"f": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]})
        report("MLA decode attention (128 heads / TP8, fp8 KV)", ml, mla_ours(ml, gpu, 0.6, 0.9, NEUTRAL),
               mla_ours(ml, gpu, 0.6, 0.9, replace(base, mla_decode_attention_efficiency=p["f"])),
               ["batch_size", "step"], mla_ours(ml, gpu, 0.6, 0.9, engine))
        fitted.update(mla_decode_attention_efficiency=p["f"])
    gaps = moe_latency_gaps(gpu_id, engine, eff.decode_mfu, eff.decode_mbu)
    if len(gaps):
        print("\n### MoE layer at <= 8 tokens: measured minus ours without a per-layer latency, us (median)")
        print(gaps.groupby(["backend", "layout"])["gap_us"].median().unstack().to_string(float_format=lambda v: f"{v:.0f}"))
        print(f"median over {len(gaps)} rows: {gaps['gap_us'].median():.1f} us per MoE layer "
              f"(shipped moe_layer_latency_us: {eff.moe_layer_latency_us:g})")
        fitted.update(moe_layer_latency_us=float(gaps["gap_us"].median()))
    a = a2a_rows(gpu_id)
    if len(a):
        m = a["measured_s"].to_numpy()
        p, _ = fit(lambda q: log_err(a2a_ours(a, gpu, q["eff"], replace(NEUTRAL, ep_alltoall_latency_us=q["lat"])), m),
                   {"eff": [0.3, 0.5, 0.7, 0.9], "lat": [8, 20, 30, 40, 50, 60, 80, 100]})
        report("MoE dispatch (fp8) / combine (bf16), DeepEP low-latency, EP8", a,
               a2a_ours(a, gpu, 0.7, NEUTRAL), a2a_ours(a, gpu, p["eff"], replace(
                   NEUTRAL, ep_alltoall_latency_us=p["lat"])), ["phase", "num_tokens"],
               a2a_ours(a, gpu, eff.comm_efficiency, engine))
        fitted.update(a2a_link_efficiency=p["eff"], ep_alltoall_latency_us=p["lat"])
    ar = table(SYSTEMS[gpu_id], "comm", "custom_allreduce_perf.parquet")
    if ar is not None:
        ar = ar[(ar.num_gpus == 8) & (ar.message_size <= 1 << 24)].assign(measured_s=lambda d: d["latency"] / 1e3)
    if ar is not None and len(ar):
        m = ar["measured_s"].to_numpy()
        size = ar["message_size"].to_numpy(float) * 2

        def ours(eff, lat):
            return op_times.allreduce_seconds_op(size, 8, gpu.link_bytes_s_one_way * eff, lat / 1e6)

        p, _ = fit(lambda q: log_err(ours(q["eff"], q["lat"]), m),
                   {"eff": [0.5, 0.6, 0.7, 0.8, 0.9], "lat": [4, 6, 8, 10, 12, 16, 20]})
        report("all-reduce, 8 GPUs, bf16", ar, ours(0.7, 8.0), ours(p["eff"], p["lat"]), ["message_size"])
        fitted.update(allreduce_link_efficiency=p["eff"], collective_latency_us=p["lat"])
    return fitted


def composed_decode_steps() -> None:
    """Whole decode steps composed from the measured kernels, beside the engine's decode step."""
    cat = load_catalog()
    print("\n## Decode step end to end: AIConfigurator kernels summed per layer vs the engine")
    g = table("h100_sxm", "gemm", "gemm_perf.parquet")
    ar = table("h100_sxm", "comm", "custom_allreduce_perf.parquet")
    att = table("h100_sxm", "attention", "generation_attention_perf.parquet")
    rows = []
    for batch in (8, 64, 256):
        gsel = g[(g.gemm_dtype == "fp8") & (g.m == batch)]
        gemm = sum(float(gsel[(gsel.n == n) & (gsel.k == k)]["latency"].min()) for n, k in LLAMA70_TP8)
        a = att[(att.batch_size == batch) & (att.num_heads == 8) & (att.num_key_value_heads == 1)
                & (att.head_dim == 128) & (att.step == 2047) & (att.kv_cache_dtype == "fp8") & (att.window_size == 0)]
        attn = float(a["latency"].min()) if len(a) else float("nan")
        msg = ar[(ar.num_gpus == 8) & (ar.message_size >= batch * 8192)]["latency"].iloc[0]
        aic = 80 * (gemm + attn + 2 * float(msg)) / 1e3
        s = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, tensor_parallel=8, weight_bits=8, kv_bits=8,
                     prompt_tokens=1024, output_tokens=2048, concurrency=batch)
        rows.append(("llama-3.1-70b TP8 H100 fp8", batch, aic, estimate(s, catalog=cat).decode_step_seconds))
    mo = table("h200_sxm", "moe", "moe_perf.parquet", where=deepseek_moe)
    mla = table("h200_sxm", "mla", "generation_mla_perf.parquet")
    a2a = table("h200_sxm", "comm", "moe_a2a_perf.parquet")
    g2 = table("h200_sxm", "gemm", "gemm_perf.parquet")
    for batch in (8, 64, 256):  # per GPU, attention data-parallel, EP8
        tokens = batch * 8
        moe = float(mo.iloc[(mo.num_tokens - tokens).abs().argsort()[:1]]["latency"].min())
        ml = mla[(mla.num_heads == 128) & (mla.step == 2047) & (mla.kv_cache_dtype == "fp8")]
        attn = float(ml.iloc[(ml.batch_size - batch).abs().argsort()[:1]]["latency"].min())
        comm = a2a[(a2a.hidden_size == 7168) & (a2a.topk == 8) & (a2a.num_experts == 256)
                   & (a2a.comm_backend == "trtllm_deepep_ll")]
        comm = comm.iloc[(comm.num_tokens - batch).abs().argsort()[:4]]
        dispatch_combine = float(comm.groupby("phase")["latency"].min().sum()) / 1e3
        gs = g2[(g2.gemm_dtype == "fp8_block") & (g2.m == batch)]
        # per-GPU attention projections of DeepSeek-V3 (q_a, q_b, kv_a, o) on the nearest grid shapes
        proj = sum(float(gs[(gs.n == n) & (gs.k == k)]["latency"].min())
                   for n, k in ((1536, 7168), (16384, 1536), (512, 7168), (7168, 16384)) if len(gs))
        aic = (61 * (attn + proj) + 58 * (moe + dispatch_combine)) / 1e3
        s = Scenario(model="deepseek-v3", gpu="h200", gpus=8, tensor_parallel=8, weight_bits=8, kv_bits=8,
                     prompt_tokens=1024, output_tokens=2048, concurrency=batch * 8)
        rows.append(("deepseek-v3 EP8 H200 fp8", batch * 8, aic, estimate(s, catalog=cat).decode_step_seconds))
    out = pd.DataFrame(rows, columns=["case", "batch", "aic_step_ms", "ours_step_ms"])
    out[["aic_step_ms", "ours_step_ms"]] *= 1e3
    out["ours/aic"] = out["ours_step_ms"] / out["aic_step_ms"]
    print(out.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


def head_dim_ratios(backend: str = "vllm") -> pd.DataFrame:
    """FA3 at head dim 64 relative to 128 (``narrow_head_*_attention_efficiency``): per GPU, the median ratio of
    attained prefill FLOP/s (context table, >= 8k tokens per call) and decode KV bandwidth (generation table,
    >= 256 MB of KV per call) over shapes measured at both head dims (same heads, KV heads, batch, length;
    bf16 KV, full attention), from the newest ``backend`` version of each system's attention tables."""
    out = {}
    for gpu_id, system in SYSTEMS.items():
        base = data_root() / system / "attention" / backend
        versions = sorted(base.iterdir(), key=lambda p: p.name) if base.exists() else []
        if not versions:
            continue
        row = {}
        for phase, name in (("prefill", "context_attention_perf.parquet"), ("decode", "generation_attention_perf.parquet")):
            t = pd.read_parquet(versions[-1] / name)
            t = t[(t.window_size == 0) & (t.kv_cache_dtype == "bfloat16")]
            if phase == "prefill":
                work, keep = 4 * t.num_heads * t.head_dim * t.batch_size * t.isl**2 / 2, t.isl * t.batch_size >= 8192
                key = ["num_heads", "num_key_value_heads", "batch_size", "isl"]
            else:
                work = t.batch_size * (t.isl + t.step) * 4 * t.num_key_value_heads * t.head_dim  # K and V, bf16
                keep, key = work >= 256e6, ["num_heads", "num_key_value_heads", "batch_size", "isl", "step"]
            rate = t.assign(rate=work / t.latency)[keep]
            piv = rate.pivot_table(index=key, columns="head_dim", values="rate")
            if 64 in piv and 128 in piv:
                row[phase] = float((piv[64] / piv[128]).median())
        out[gpu_id] = row
    return pd.DataFrame(out).T


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", choices=sorted(SYSTEMS), help="one GPU only")
    parser.add_argument("--head-dim", action="store_true", help="only the head-dim-64 attention ratios")
    args = parser.parse_args(argv)
    print("\n## FA3 at head dim 64 relative to 128 (vLLM attention tables): narrow_head_*_attention_efficiency")
    print(head_dim_ratios().to_string(float_format=lambda v: f"{v:.2f}"))
    if args.head_dim:
        return 0
    fitted = {g: oracle_for(g) for g in ([args.gpu] if args.gpu else SYSTEMS)}
    print("\n## Fitted kernel-shape parameters per GPU")
    print(pd.DataFrame(fitted).to_string(float_format=lambda v: f"{v:.3g}"))
    composed_decode_steps()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
