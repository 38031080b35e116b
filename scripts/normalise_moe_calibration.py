"""Add explicit normalisation columns to data/calibration/public-calibration-moe.csv.

The published columns (``id`` ... ``notes``, copied from
/work/shared/reference/public-calibration-moe.csv; sources in
data/calibration/public-calibration-moe.md) are never changed. This script
derives, from them and from each row's notes, the columns that make every row
comparable with the engine (``costmodel.engine.calibration``):

- ``catalog_model`` / ``catalog_gpu``: catalog ids (empty: not in the catalog).
- ``weight_bits`` / ``kv_bits``: 4, 8 or 16 (int4 and MXFP4/NVFP4 are 4).
- ``token_kind``: ``output`` | ``total`` (input + output) | ``input``.
- ``per_gpus``: GPUs the published value is divided by (1 = a per-system value; a fraction where the published
  figure counts more GPUs than the measured pool: LMSYS Kimi K2, ``KIMI_K2_POOL_SHARE``).
  published value x per_gpus = tokens/s of the whole measured system.
- ``system_gpus``: GPUs of the measured system (prefill + decode for disaggregated).
- ``serving``: ``aggregated`` | ``disaggregated`` | ``prefill_only`` | ``decode_only``.
- ``tp``: GPUs per engine instance (decode instance for disaggregated); ``prefill_tp``,
  ``prefill_gpus``, ``decode_gpus`` for disaggregated rows.
- ``mode``: ``offline`` (all requests queued) | ``saturated`` (no concurrency cap) |
  ``concurrency`` (closed loop at ``concurrency``) | ``server`` / ``interactive`` (MLPerf latency-bounded).
- ``isl`` / ``osl``: mean input / output tokens per request used for the comparison
  (InferenceX random lengths with range ratio 0.8 average 0.9 x nominal).
- ``mtp``: 1 where speculative decoding (multi-token prediction) was on.
- ``attention_dp`` / ``prefill_attention_dp``: 1 where the source states data-parallel attention for the
  (decode) instances / the prefill instances, 0 where it states tensor-parallel attention (InferenceX
  ``DP-attention=False``, ``DP-attn=``), empty where it does not say (the engine's default).
- ``max_batch_per_gpu``: the submission's stated engine batch cap, sequences per GPU (NVIDIA's MLPerf
  configs, ``gpu_batch_size N``: e.g. 512 for DeepSeek-R1 on B200; for a disaggregated row the decode
  workers' cap, ``STATED_DISAGG_CONFIGS``); empty where the engine default applies.
- ``two_batch_overlap``: 0 where the run's stated configuration sets no second micro-batch, so a replica that
  spans nodes keeps its expert all-to-all on the step (``STATED_DISAGG_CONFIGS``); empty: the engine's default.
- ``burst_requests``: where the source times a finite batch of requests sent at once (GPUStack's ``vllm bench
  serve --num-prompts N``, "N prompts, all at once" or "max concurrency C"): N, which the engine serves as a
  burst that drains at its end (``costmodel.engine.burst``); empty for a steady stream or an unstated count.
- ``output_cv``: the output length's standard deviation / mean across the data set's requests, where it is
  published or the lengths are fixed: MLPerf DeepSeek-R1 1.253, Llama 2 70B 0.787, Mixtral 0.778 (OUTPUT_CV, from
  the data sets' per-sample reference lengths); vLLM's random data set 0 (fixed
  lengths, ``--random-range-ratio`` 0); ShareGPT 1 (assumed: its lengths are long-tailed and not published
  for the sampled prompts; the burst's drain is modelled as memoryless, exact at 1). Empty: fixed lengths.
- ``framework_id``: ``trtllm`` | ``vllm`` | ``sglang`` | ``atom`` | ``pytorch`` (engine limits).
- ``evaluation``: ``max_throughput`` (this engine's calibration), ``service_level`` (MLPerf
  Server/Interactive: judged under their TTFT/TPOT limits by the service-level search, issue 10)
  or ``none``; ``why_not`` says why a row is not compared.

Run: ``python scripts/normalise_moe_calibration.py`` (rewrites the file in place; idempotent).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from costmodel.engine.calibration import MLPERF_DATASET_LENGTHS

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "calibration" / "public-calibration-moe.csv"
OLD_CSV = ROOT / "data" / "calibration" / "public-calibration.csv"
PUBLISHED = ["id", "model", "total_params_b", "active_params_b", "precision", "gpu", "num_gpus", "framework",
             "input_len", "output_len", "concurrency_or_batch", "metric", "value", "unit", "source", "notes"]

MODELS = ((r"^DeepSeek-V3\.2", "deepseek-v3.2"), (r"^DeepSeek", "deepseek-v3"), (r"^Kimi", "kimi-k2"),
          (r"^Llama-2-70B", "llama-2-70b"), (r"^Llama-3\.1-8B", "llama-3.1-8b"), (r"^Mixtral-8x7B", "mixtral-8x7b"),
          (r"^gpt-oss-120b", "gpt-oss-120b"), (r"^gpt-oss-20b", "gpt-oss-20b"))
GPUS = ((r"^GB300", "gb300"), (r"^GB200", "gb200"), (r"^B300", "b300"), (r"^B200", "b200"), (r"^H200", "h200"),
        (r"^H100", "h100-sxm"), (r"^MI300X", "mi300x"), (r"^MI325X", "mi325x"), (r"^MI355X", "mi355x"))
MLPERF_MEAN_INPUT = {m: v[0] for m, v in MLPERF_DATASET_LENGTHS.items()}
"""Mean prompt tokens of the MLPerf data sets (the sources give output lengths only): the data sets' published
per-sample token counts (``costmodel.engine.calibration.MLPERF_DATASET_LENGTHS``)."""
OUTPUT_CV = {m: v[1] for m, v in MLPERF_DATASET_LENGTHS.items()}
"""Output length sd / mean of the MLPerf data sets' reference answers (same source)."""
KIMI_K2_POOL_SHARE = {"prefill_only": 32 / 128, "decode_only": 96 / 128}
"""LMSYS Kimi K2 on 128 H200 (1P1D, 4 prefill and 12 decode nodes): the pool's GPUs / the 128 its cluster figure
counts (published value x share = the pool's tokens/s)."""
SHAREGPT_OUTPUT_CV = 1.0
"""ShareGPT's output lengths: long-tailed, spread not published for GPUStack's 1,000 prompts; memoryless assumed."""


SUPERSEDED_BUILDS = {
    ("MI300X", "22469096331"): "2026-05-18",
    ("MI325X", "22469096331"): "2026-05-18",
}
"""(GPU, InferenceX run id) of CDNA3 SGLang builds that the source's own history supersedes: in
benchmarks-history.json (@528c414) the identical configuration (GPU, SGLang, FP8, TP8 EP1, no DP attention, no
MTP, same lengths and concurrency) ran a near-constant ~10 ms per decode step slower on the 2026-02-27 build
(run 22469096331) than on the 2026-05-18 one: MI300X 1k1k median TPOT 24.45 / 30.51 / 51.34 ms at 4 / 16 / 64
requests against 14.57 / 20.99 / 40.68 ms (+9.9 / +9.5 / +10.7 ms), 8k1k 28.78 / 39.42 / 85.29 against 19.43 /
28.89 / 76.38; MI325X 1k1k at 4 requests 23.90 against 14.20 ms, 8k1k 28.26 against 18.43. A fixed per-step
cost of a software build, not of the GPU or the request, so these rows measure a superseded build; the later
runs are compared where the source has them without MTP (the ``_20260518`` rows). MI355X's builds of the same
dates differ otherwise: FP8 1k1k within 9 % (9.4 / 13.7 / 24.5 against 9.9 / 13.8 / 26.6 ms), FP4 8k1k by a
share that grows with the batch (+1.8 / +3.2 / +8.6 ms: kernel speed, which the fitted efficiencies stand for),
so its February rows stay."""


STATED_DISAGG_CONFIGS = {
    "ix_dsr1_h100_fp8_dynamotrt_disagg_1k1k_c4916": {"max_batch_per_gpu": 256, "two_batch_overlap": 0},
    "ix_dsr1_h100_fp8_dynamotrt_disagg_8k1k_c308": {"max_batch_per_gpu": 16, "two_batch_overlap": 0},
    "ix_dsr1_mi355x_fp8_morisglang_disagg_1k1k_c2048": {"max_batch_per_gpu": 160, "two_batch_overlap": 0, "kv_bits": 8},
    "ix_dsr1_mi355x_fp8_morisglang_disagg_8k1k_c2048": {"max_batch_per_gpu": 160, "two_batch_overlap": 0, "kv_bits": 8},
}
"""What the InferenceX configurations of these disaggregated runs state, beyond the fixture's notes.

H100 Dynamo + TensorRT-LLM: SemiAnalysisAI/InferenceX ``.github/configs/nvidia-master.yaml`` @2767db5
(2026-02-08) runs srt-slurm recipes ``trtllm/h100-fp8/1k1k/stp/ctx2_gen1_dep16_batch256_eplb0_mtp0.yaml`` (c4916)
and ``trtllm/h100-fp8/8k1k/stp/ctx2_gen1_dep16_batch16_eplb0_mtp0.yaml`` (c308), read at
connorcarpenter15/srt-slurm @5a156f6: the decode worker (TP16, ``enable_attention_dp``, 2 nodes) has
``max_batch_size`` 256 / 16 per rank, the MoE ``backend: WIDEEP`` with ``TRTLLM_FORCE_ALLTOALL_METHOD: DeepEP``
and no second micro-batch set; the KV cache is fp8.
MI355X SGLang + MoRI (FP8): InferenceX ``.github/configs/amd-master.yaml`` @efd49e5 and
``benchmarks/multi_node/amd_utils/{models.yaml,server.sh,submit.sh}`` (same at c9798a7, 2026-05-29): decode with
data-parallel attention caps ``--max-running-requests`` at the CUDA-graph batch range's end (160) x the worker's
GPUs (160 per GPU), the base flags set ``--kv-cache-dtype fp8_e4m3`` (the rows' 16-bit default was wrong), and the
data-parallel flags (``--moe-a2a-backend mori --deepep-mode normal --enable-dp-attention ...``) set no
``--enable-two-batch-overlap``."""


STATED_MLPERF_CONFIGS = {
    "mlperf51_mixtral_mi325x8_offline": {"max_batch_per_gpu": 4736, "tp": 1},
}
"""AMD's MLPerf v5.1 harness configurations the notes do not quote: ``closed/AMD/code/mixtral-8x7b/harness_llm/
models/mixtral-8x7b/offline_mi325x.yaml`` (read at ntuhpc/inference_results_v5.1 @a634ab7, a copy of
mlcommons/inference_results_v5.1): vLLM ``tensor_parallel_size: 1`` (one engine per GPU), ``max_num_seqs: 4736``
(the engine default 1,024 was assumed), ``kv_cache_dtype: fp8``, ``num_scheduler_steps: 13``."""


STATED_KIMI_VLLM_RUNS = {
    "ixblog_kimik25_nvfp4_b200_vllm_": 16,
    "ixblog_kimik25_h200_int4_vllm_": 16,
    "ixblog_kimik25_b200_int4_vllm_": 16,
    "ixblog_kimik25_b200_fp4_vllm_tp4_": 8,
    "ixblog_kimik25_mxfp4_mi355x_vllm018_": 16,
}
"""KV-cache bits of the InferenceX single-node vLLM Kimi-K2.5 rows (id prefix -> bits), as the launch script
stated at each run's date; all of them serve attention tensor-parallel (``attention_dp`` 0).

SemiAnalysisAI/InferenceX ``benchmarks/single_node/kimik2.5_{fp4_b200,int4_h200,int4_b200,fp4_mi355x}.sh``:
every version run by these rows launches ``vllm serve $MODEL --tensor-parallel-size $TP`` (MI355X adds
``--enable-expert-parallel``) with no ``--data-parallel-size`` and no ``--enable-dp-attention``, so attention is
sharded by heads (the MLA default of data-parallel attention does not apply). No ``--kv-cache-dtype`` is set
in the FP4 B200 script of the 2026-03-27 run (@79a42e20a), the MI355X one of 2026-03-26 (@cdcf0df19) or the INT4
H200/B200 ones of 2026-05-19 (@0552ead53): vLLM's ``auto`` keeps the cache in the model's bf16 (16 bits). The FP4
B200 script of the 2026-05-19 run (@975194f13, 2026-05-18, vLLM v0.21.0) adds ``--kv-cache-dtype fp8`` (8 bits).
The rows' 8-bit default (4-bit weights) was an assumption."""


def superseded(row: dict) -> str:
    """Why a row measures a superseded build ('' if it does not): ``SUPERSEDED_BUILDS``."""
    m = re.search(r"actions/runs/(\d+)/", row["notes"])
    later = SUPERSEDED_BUILDS.get((row["gpu"], m.group(1))) if m and row["id"].startswith("ix_") else None
    return (f"superseded ROCm SGLang build: the source's {later} run of the same configuration decodes ~10 ms "
            f"per step faster at every concurrency (SUPERSEDED_BUILDS)") if later else ""


def burst_requests(conc: str) -> int | str:
    """Requests a GPUStack run sends (``ShareGPT 1000 prompts, all at once``, ``random 500 prompts, ...``)."""
    m = re.search(r"(\d+) prompts", conc)
    return int(m.group(1)) if m else ""


def match(patterns, text: str) -> str:
    for pattern, value in patterns:
        if re.search(pattern, text):
            return value
    return ""


def num(text: str) -> float | None:
    m = re.search(r"\d[\d,]*\.?\d*", text or "")
    return float(m.group().replace(",", "")) if m else None


def bits(precision: str, model: str) -> int:
    p = precision.lower()
    if "fp4" in p or "int4" in p or "nvfp4" in p:
        return 4
    if model.startswith("Kimi-K2-Instruct"):
        return 8  # native K2 checkpoint: FP8 block-scaled
    return 8


def framework_id(framework: str) -> str:
    f = framework.lower()
    for key, fid in (("tensorrt", "trtllm"), ("trt", "trtllm"), ("sglang", "sglang"), ("vllm", "vllm"),
                     ("atom", "atom"), ("pytorch", "pytorch")):
        if key in f:
            return fid
    return ""


def disagg_split(notes: str) -> tuple[int, int, int, int] | None:
    """(prefill GPUs, prefill TP, decode GPUs, decode TP) from InferenceX disaggregated notes."""
    m = re.search(r"Prefill: (\d+) worker\(s\) x TP(\d+).*?= (\d+) GPUs; Decode: (\d+) worker\(s\) x TP(\d+).*?= "
                  r"(\d+) GPUs", notes)
    if not m:
        return None
    pw, ptp, pg, dw, dtp, dg = (int(g) for g in m.groups())
    # With data-parallel attention the fixtures give TP1 per worker: a worker spans GPUs / workers.
    return pg, max(ptp, pg // pw), dg, max(dtp, dg // dw)


def attention_layouts(notes: str, framework: str = "") -> tuple[int | str, int | str]:
    """(decode or aggregated instances, prefill instances) attention data-parallel 1/0 as the notes state it,
    '' where they do not ("TP8 EP1 DP-attention=False"; "Prefill: ... DP-attn=True ...; Decode: ... DP-attn=False").
    A vLLM run stated as plain tensor parallelism ("vLLM v0.14.1 (TP2)": ``vllm serve ... -tp 2``, beside the
    same post's "DP2 + expert parallel" runs with ``-dp=2 --enable-expert-parallel``) shards attention by heads: 0."""
    if framework.startswith("vLLM") and re.search(r"\(TP\d+\)", framework):
        return 0, ""
    m = re.search(r"DP-attention=(True|False)", notes)
    if m:
        return int(m.group(1) == "True"), ""
    pre = re.search(r"Prefill:[^;]*?DP-attn=(True|False)", notes)
    dec = re.search(r"Decode:[^;]*?DP-attn=(True|False)", notes)
    return (int(dec.group(1) == "True") if dec else "", int(pre.group(1) == "True") if pre else "")


def stated_batch_per_gpu(notes: str) -> int | str:
    """Sequences per GPU an MLPerf config caps the batch at, '' if not stated: NVIDIA's ``gpu_batch_size 512``, or
    AMD's vLLM ``max_num_seqs 5000`` where each GPU runs its own TP1 engine ("vLLM TP1 per GPU")."""
    m = re.search(r"gpu_batch_size (\d+)", notes)
    if not m and "TP1 per GPU" in notes:
        m = re.search(r"max_num_seqs (\d+)", notes)
    return int(m.group(1)) if m else ""


def old_duplicates() -> dict[tuple[str, int], str]:
    """(source prefix, rounded value) -> id of the row already in public-calibration.csv."""
    old = pd.read_csv(OLD_CSV, dtype=str).fillna("")
    return {(r["id"].split("_")[0], round(float(r["value"]))): r["id"]
            for r in old.to_dict(orient="records") if r["value"].replace(".", "").isdigit()}


def normalise(row: dict, dups: dict) -> dict:
    rid, notes, unit = row["id"], row["notes"], row["unit"]
    model, gpu = match(MODELS, row["model"]), match(GPUS, row["gpu"])
    out = {"catalog_model": model, "catalog_gpu": gpu, "weight_bits": bits(row["precision"], row["model"]),
           "kv_bits": 8, "framework_id": framework_id(row["framework"]), "mtp": int("MTP" in row["framework"]
                                                                                  or "_mtp_" in rid),
           "prefill_tp": "", "prefill_gpus": "", "decode_gpus": "", "concurrency": "", "why_not": ""}
    if out["framework_id"] in ("sglang", "vllm") and "fp8 kv" not in (row["precision"] + notes).lower() \
            and out["weight_bits"] == 8:
        out["kv_bits"] = 16  # SGLang/vLLM keep the (latent) cache in bf16 unless told otherwise
    u = unit.lower()
    out["token_kind"] = "total" if u.startswith("total") else "input" if u.startswith(("input", "prefill")) \
        else "output" if u.startswith("output") else ""
    gpus = int(num(row["num_gpus"]) or 0)
    out["system_gpus"] = gpus or ""
    out["per_gpus"] = 1 if "per system" in u else ""
    conc = row["concurrency_or_batch"]
    isl, osl = num(row["input_len"]), num(row["output_len"])
    out["tp"] = ""
    serving, mode = "aggregated", ""
    if rid.startswith("mlperf"):
        mode = conc.split(",")[0].strip().lower()
        out["tp"] = 8 if model == "deepseek-v3" else ""  # NVIDIA/AMD configs: DeepSeek TP8/EP8; others planned
        isl = MLPERF_MEAN_INPUT.get(model)
        if osl is None and model == "mixtral-8x7b":
            osl = 146.0  # v4.1 Mixtral: ~146 output tokens per sample (public-calibration.csv, same data set)
        out["per_gpus"] = 1
        if rid.startswith("mlperf41_mixtral_h100x4") or rid.startswith("mlperf50"):
            out["weight_bits"] = 8 if "h100" in rid else 4
        if "mi3" in rid and model in ("mixtral-8x7b", "llama-2-70b"):
            out["kv_bits"] = 8
    elif rid.startswith(("ix_", "ixblog_")):
        mode = "concurrency"
        out["concurrency"] = int(num(conc) or 0)
        isl, osl = 0.9 * isl, 0.9 * osl  # random-range-ratio 0.8: lengths uniform in [0.8 n, n]
        split = disagg_split(notes)
        if "disagg" in row["framework"].lower():
            serving = "disaggregated"
            if split:
                pg, ptp, dg, dtp = split
                out.update(prefill_gpus=pg, prefill_tp=ptp, decode_gpus=dg, tp=dtp)
        else:
            m = re.search(r"TP(\d+)", notes) or re.search(r"_tp(\d+)", rid)
            out["tp"] = int(m.group(1)) if m else gpus
        out["per_gpus"] = gpus
    elif rid.startswith("lmsys_kimik2"):
        serving = "prefill_only" if "prefill" in rid else "decode_only"
        # The post's "cluster" figures are its per-node rates times all 16 nodes (56k/node x 16 = 896k prefill,
        # 24k/node x 16 = 384k decode; its table sets them beside DeepSeek R1's 52.3k/22.3k per node), not the
        # output of the 4 prefill / 12 decode nodes: 896k tokens/s from 32 H200 would be 28k per GPU, 1.8 PFLOP/s
        # at 2 x 32B FLOPs per token, 91% of the dense FP8 peak before attention. The pool's own rate is the
        # published value x its share of the 128 GPUs.
        out["per_gpus"] = KIMI_K2_POOL_SHARE[serving]
        out.update(prefill_gpus=32, decode_gpus=96)
        out["system_gpus"] = 32 if serving == "prefill_only" else 96
        out["tp"] = out["system_gpus"]
        mode = "saturated"
        out["concurrency"] = 480 * 96 if serving == "decode_only" else ""
    elif rid.startswith(("lmsys_gb200p", "vllm_gb200")):
        serving = "prefill_only" if "prefill" in rid else "decode_only"
        out["per_gpus"] = gpus
        out["tp"] = gpus if serving == "decode_only" else int(num(conc) or 2) if "ranks" in conc else 2
        mode = "saturated"
        osl = osl or 1
        m = re.search(r"batch chosen to fill KV cache: (\d+)", conc)
        if m:
            out["concurrency"] = int(m.group(1)) * gpus
        if "fp4" in row["precision"].lower() or "nvfp4" in row["precision"].lower():
            out["weight_bits"] = 4
    elif rid.startswith("vllm_gb300"):
        serving = "prefill_only" if "prefillonly" in rid else "aggregated"
        out["per_gpus"], out["tp"], mode = gpus, gpus, "saturated"
        m = re.search(r"batch (\d+)", conc)
        out["concurrency"] = int(m.group(1)) if m else ""
    elif rid.startswith("vllm_gptoss"):
        mode, out["per_gpus"], out["tp"] = "concurrency", 1, 1
        out["concurrency"] = int(num(conc) or 0)
        out["kv_bits"] = 16 if "kvbf16" in rid else 8
    elif rid.startswith("gpustack"):
        out["per_gpus"], out["tp"] = 1, gpus
        out["kv_bits"] = 16
        mode = "concurrency" if "max concurrency " in conc else "saturated"
        out["concurrency"] = int(re.search(r"max concurrency (\d+)", conc).group(1)) if mode == "concurrency" else ""
        if isl is None:  # ShareGPT: mean ISL from the notes, mean OSL from output / total throughput
            m = re.search(r"~(\d+) avg ISL", notes)
            out_tps = num(re.search(r"Output token throughput ([\d.]+)", notes).group(1))
            total = float(row["value"])
            if m:
                isl = float(m.group(1))
                osl = isl * out_tps / (total - out_tps)
            else:  # no ISL: keep the output/total ratio only
                isl, osl = None, None
    out.update(serving=serving, mode=mode, isl=round(isl, 1) if isl else "", osl=round(osl, 1) if osl else "")
    out["attention_dp"], out["prefill_attention_dp"] = attention_layouts(notes, row["framework"])
    out["max_batch_per_gpu"] = stated_batch_per_gpu(notes)
    out["two_batch_overlap"] = ""
    kimi = [bits for prefix, bits in STATED_KIMI_VLLM_RUNS.items() if rid.startswith(prefix)]
    if kimi:  # tensor-parallel attention, KV bits as launched (STATED_KIMI_VLLM_RUNS)
        out["attention_dp"], out["kv_bits"] = 0, kimi[0]
    out.update(STATED_DISAGG_CONFIGS.get(rid, {}))
    out.update(STATED_MLPERF_CONFIGS.get(rid, {}))
    if out["max_batch_per_gpu"] and rid.startswith("mlperf") and "TP1 per GPU" in notes:
        out["tp"] = 1
    out["burst_requests"], out["output_cv"] = "", ""
    if rid.startswith("gpustack"):
        out["burst_requests"] = burst_requests(conc)
        out["output_cv"] = SHAREGPT_OUTPUT_CV if "sharegpt" in rid else 0
    elif rid.startswith("mlperf") and model in OUTPUT_CV:
        out["output_cv"] = OUTPUT_CV[model]
    out["evaluation"], out["why_not"] = evaluation(row, out, dups)
    return out


def evaluation(row: dict, out: dict, dups: dict) -> tuple[str, str]:
    rid = row["id"]
    if not out["catalog_model"] or not out["catalog_gpu"]:
        return "none", f"not in the catalog ({row['model']} on {row['gpu']})"
    old_id = dups.get((rid.split("_")[0], round(float(row["value"]))))
    if old_id:
        return "none", f"duplicate of {old_id} in public-calibration.csv"
    if out["mode"] in ("server", "interactive"):
        return "service_level", "MLPerf latency-bounded scenario: judged under its TTFT/TPOT limits (issue 10)"
    if out["mtp"]:
        return "none", "speculative decoding (MTP) on, acceptance rate not published"
    if not out["token_kind"]:
        return "none", "token kind (input, output or total) and GPU denominator not stated"
    if not out["system_gpus"]:
        return "none", "total GPU count not given"
    if "PP2" in row["framework"]:
        return "none", "pipeline parallelism is not modelled"
    if not out["isl"] or not out["osl"]:
        return "none", "request lengths not stated"
    if out["serving"] == "disaggregated" and not out["decode_gpus"]:
        return "none", "prefill/decode GPU split not given"
    if "likely" in row["unit"]:
        return "none", "token kind not stated"
    if superseded(row):
        return "none", superseded(row)
    return "max_throughput", ""


def main() -> int:
    raw = pd.read_csv(CSV if CSV.exists() else sys.argv[1], dtype=str).fillna("")[PUBLISHED]
    dups = old_duplicates()
    extra = pd.DataFrame.from_records([normalise(r, dups) for r in raw.to_dict(orient="records")])
    out = pd.concat([raw, extra], axis=1)
    out.to_csv(CSV, index=False)
    counts = out["evaluation"].value_counts().to_dict()
    print(f"{len(out)} rows: {counts}")
    for r in out[out["evaluation"] == "none"].itertuples():
        print(f"  not compared: {r.id}: {r.why_not}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
