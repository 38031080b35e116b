"""Calibration: predicted against published throughput measurements.

The measurements are ``data/calibration/public-calibration.csv`` (every row with its
source). Each row that the catalog covers (a known model and GPU, and a
throughput metric) is turned into a Scenario the way the benchmark ran it; the
assumptions this takes (KV precision, MLPerf mean lengths, DeepSeek's
deployment) are written in the ``assumption`` column of the report, so the
comparison is auditable. Ratios and fractions (speedups, memory waste) are not
throughputs and are listed as skipped.

The MoE, Blackwell and AMD measurements of ``public-calibration-moe.csv`` are
turned into cases by :mod:`costmodel.engine.calibration_moe` from the file's
explicit normalisation columns.

Run: ``python -m costmodel calibrate`` (``--include-moe`` adds the second file).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.calibration_moe import MOE_CSV, moe_cases
from costmodel.engine.inference import estimate
from costmodel.engine.scenario import Scenario
from costmodel.resources import data_path

MEASUREMENTS_CSV = data_path("calibration", "public-calibration.csv")

MODEL_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^Llama 3\.3 70B", "llama-3.3-70b"),
    (r"^Llama 3\.1 8B", "llama-3.1-8b"),
    (r"^Llama 2 13B", "llama-2-13b"),
    (r"^Llama 2 70B", "llama-2-70b"),
    (r"^GPT-J 6B", "gpt-j-6b"),
    (r"^Mixtral 8x7B", "mixtral-8x7b"),
    (r"^DeepSeek-V3", "deepseek-v3"),
)
GPU_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^GB200", "gb200"),
    (r"^B200", "b200"),
    (r"^H200", "h200"),
    (r"^H100", "h100-sxm"),
    (r"^H800", "h800"),
    (r"^A100 SXM 80GB", "a100-sxm-80gb"),
    (r"^MI300X", "mi300x"),
)

MLPERF_DATASET_LENGTHS: dict[str, tuple[float, float]] = {
    "llama-2-70b": (222.3, 0.787),
    "mixtral-8x7b": (427.4, 0.778),
    "deepseek-v3": (803.8, 1.253),
}
"""(mean prompt tokens, output length sd / mean) of the MLPerf Inference data sets, from their per-sample token
counts (openshift-psap/performance-dashboard ``mlperf-data/summaries/*.csv`` @7100702, extracted from MLCommons'
data files): Llama 2 70B, OpenOrca 24,576 samples (``tok_input_length``, ``tok_output_length`` of the GPT-4
reference answers: mean 218.9, sd 172.3); Mixtral 8x7B, the 15,000-sample OpenOrca/GSM8K/MBXP mix (reference
outputs mean 144.8, sd 112.7); DeepSeek-R1, 4,388 samples (reference outputs mean 4,043.4, sd 5,065). The
submissions' own outputs set the mean output length (each row's TOKENS_PER_SAMPLE); the spread is the reference
answers' (a proxy: the served model's lengths are not published per sample)."""

MLPERF_MEAN_INPUT_TOKENS = {m: round(v[0]) for m, v in MLPERF_DATASET_LENGTHS.items()}
"""Mean prompt tokens per MLPerf data set (``MLPERF_DATASET_LENGTHS``; 300 and 520 were assumed before)."""


@dataclass(frozen=True)
class Case:
    id: str
    scenario: Scenario
    metric: Callable[[Any], float]
    unit: str
    measured: float
    assumption: str
    source: str
    extra: tuple[Scenario, ...] = ()
    """Further scenarios the metric needs (a disaggregated decode pool): metric(*estimates)."""


def _match(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    for pattern, value in patterns:
        if re.search(pattern, text.strip()):
            return value
    return None


def _bits(precision: str) -> int | None:
    p = precision.upper()
    if p.startswith("FP4"):
        return 4
    if p.startswith("FP8"):
        return 8
    if p.startswith(("FP16", "BF16")):
        return 16
    return None


def _int(text: str) -> int | None:
    m = re.search(r"\d[\d,]*", text or "")
    return int(m.group().replace(",", "")) if m else None


def _output_tps(r: Any) -> float:
    return r.output_tokens_per_second


def build_cases(rows: pd.DataFrame, catalog: Catalog) -> tuple[list[Case], list[tuple[str, str]]]:
    """Turn measurement rows into scenarios; return (cases, [(id, why skipped)])."""
    cases: list[Case] = []
    skipped: list[tuple[str, str]] = []
    for row in rows.fillna("").to_dict(orient="records"):
        rid = row["id"]
        model = _match(MODEL_PATTERNS, row["model"])
        gpu = _match(GPU_PATTERNS, row["gpu"])
        if model is None or gpu is None or model not in catalog.models or gpu not in catalog.gpus:
            skipped.append((rid, "model or GPU not in the catalog"))
            continue
        unit = str(row["unit"])
        if "tokens/s" not in unit:
            skipped.append((rid, f"not a throughput ({unit})"))
            continue
        case = _case_for(row, model, gpu)
        if case is None:
            skipped.append((rid, "request shape not given"))
        else:
            cases.append(case)
    return cases, skipped


DS6_DECODE_NODES = 18
"""Nodes of DeepSeek's decode unit (open-infra-index day 6: "each deployment unit spans 18 nodes with 32 redundant
routed experts", EP144)."""
DS6_USER_TOKENS_S = 21.0
"""Output tokens/s per request in DeepSeek's day-6 window: "an average output speed of 20-22 tokens per second"
(the middle of the stated range; rows ds6_user_speed_low/high)."""


def ds6_decode_batch(node_tokens_s: float) -> int:
    """Sequences in flight in DeepSeek's decode unit by Little's law (Little 1961): L = lambda W, with the unit's
    output rate (the stated per-node throughput x 18 nodes) and each request's time per token (1 / 21 s): 14,800
    tokens/s per node gives 12,686 sequences, 88 per GPU (the 128-per-GPU cap the row assumed before would be
    18,432)."""
    return int(round(node_tokens_s * DS6_DECODE_NODES / DS6_USER_TOKENS_S))


def _case_for(row: dict, model: str, gpu: str) -> Case | None:
    rid, measured, unit, source = row["id"], float(row["value"]), row["unit"], row["source"]
    gpus = _int(str(row["num_gpus"])) or 1
    bits = _bits(str(row["precision"]))
    batch = str(row["concurrency_or_batch"])
    common: dict[str, Any] = {"model": model, "gpu": gpu}

    if rid.startswith("trt_perf_"):
        s = Scenario(**common, gpus=gpus, tensor_parallel=gpus, weight_bits=bits, kv_bits=8,
                     prompt_tokens=_int(row["input_len"]), output_tokens=_int(row["output_len"]), concurrency="max",
                     max_batch_size=2048, max_num_tokens=8192)
        return Case(rid, s, _output_tps, unit, measured, "KV cache in fp8 (ModelOpt checkpoint); engine limits "
                    "max_batch_size 2048, max_num_tokens 8192 (trtllm-bench defaults)", source)
    if rid.startswith("trt_h200launch_") or rid.startswith("trt_gptj_"):
        b = _int(batch.replace("batch", ""))
        out_len = _int(row["output_len"])
        per_gpu = "per GPU" in unit
        if out_len is None:  # batch-1 throughput: the decode rate of one sequence
            s = Scenario(**common, gpus=gpus, tensor_parallel=gpus, weight_bits=bits, kv_bits=16,
                         prompt_tokens=_int(row["input_len"]) or 128, output_tokens=128, concurrency=b)
            return Case(rid, s, lambda r: r.decode_tokens_per_second, unit, measured,
                        "batch-1 decode rate; 128 output tokens assumed", source)
        s = Scenario(**common, gpus=gpus, tensor_parallel=gpus, weight_bits=bits, kv_bits=16,
                     prompt_tokens=_int(row["input_len"]), output_tokens=out_len, concurrency=b)
        metric = (lambda r, n=gpus: r.output_tokens_per_second / n) if per_gpu else _output_tps
        return Case(rid, s, metric, unit, measured, "TensorRT-LLM v0.5 static batch as stated; KV in 16 bits", source)
    if rid.startswith("mlperf41_"):
        out_len = _int(re.sub(r"\(.*?\)", "", str(row["output_len"])).replace("avg", "")) or 290
        in_len = MLPERF_MEAN_INPUT_TOKENS.get(model, 300)
        # NVIDIA's B200 preview submission ran Llama 2 70B in FP4; the others in FP8.
        w_bits = bits or (4 if gpu == "b200" else 8)
        cv = MLPERF_DATASET_LENGTHS[model][1] if model in MLPERF_DATASET_LENGTHS else 0.0
        s = Scenario(**common, gpus=gpus, weight_bits=w_bits, kv_bits=8, prompt_tokens=in_len,
                     output_tokens=out_len, concurrency="max", output_tokens_cv=cv)
        why = (f"{w_bits}-bit weights, fp8 KV; mean prompt {in_len} tokens and output length cv {cv:g} (the data "
               "set's published per-sample lengths); server run modelled as offline")
        return Case(rid, s, _output_tps, unit, measured, why, source)
    if rid == "ds6_decode_tput_node":
        batch = ds6_decode_batch(measured)
        s = Scenario(**common, gpus=144, tensor_parallel=144, weight_bits=8, kv_bits=16, prompt_tokens=4500,
                     output_tokens=978, concurrency=batch, max_batch_size=144 * 128)
        return Case(rid, s, lambda r: r.decode_tokens_per_second / 18, unit, measured,
                    f"decode unit of 18 nodes (EP144), mean KV length 4,989, {batch:,} sequences in flight "
                    f"(Little's law from the stated throughput and 20-22 tokens/s per request)", source)
    if rid == "ds_profile_decode_node":
        s = Scenario(**common, gpus=128, tensor_parallel=128, weight_bits=8, kv_bits=16, prompt_tokens=4096,
                     output_tokens=2, concurrency=128 * 128, max_batch_size=128 * 128)
        return Case(rid, s, lambda r: r.decode_tokens_per_second / 16, unit, measured,
                    "16 nodes, batch 128 per GPU, KV length 4,096", source)
    if rid in {"ds6_prefill_tput_node", "ds_profile_prefill_node", "ds_blog_prefill_excl_cache"}:
        hit = 0.563 if rid == "ds6_prefill_tput_node" else 0.0
        s = Scenario(**common, gpus=32, tensor_parallel=32, weight_bits=8, kv_bits=16, prompt_tokens=4096,
                     output_tokens=1, cache_hit_rate=hit, concurrency="max", max_num_tokens=16384 * 32)
        scale = 1 / (1 - hit)  # the stated rate counts cached tokens too
        return Case(rid, s, lambda r, f=scale: r.prefill_tokens_per_second * f / 4, unit, measured,
                    f"prefill unit of 4 nodes (EP32), 4,096-token prompts, 16,384 tokens per GPU per step, "
                    f"cache hit {hit:.1%}", source)
    return None


def load_measurements(path: Path = MEASUREMENTS_CSV) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str)


def all_cases(catalog: Catalog, path: Path = MEASUREMENTS_CSV,
              moe_path: Path | None = MOE_CSV) -> tuple[list[Case], list[tuple[str, str]]]:
    """Cases from public-calibration.csv and (unless ``moe_path`` is None) public-calibration-moe.csv."""
    cases, skipped = build_cases(load_measurements(path), catalog)
    if moe_path is not None:
        more, why = moe_cases(load_measurements(moe_path), catalog, Case)
        cases, skipped = cases + more, skipped + why
    return cases, skipped


def source_group(case_id: str) -> str:
    """The publication a case comes from, from its id prefix (mlperf41, ix, gpustack, ...)."""
    head = case_id.split("_")[0]
    return {"trt": "trtllm-docs", "ds": "deepseek", "ds6": "deepseek", "ixblog": "inferencex-blog",
            "ix": "inferencex"}.get(head, head)


def predict(case: Case, catalog: Catalog) -> float:
    """The engine's value for a case, in the case's unit."""
    return float(case.metric(*(estimate(s, catalog=catalog) for s in (case.scenario, *case.extra))))


def calibration_report(catalog: Catalog | None = None, path: Path = MEASUREMENTS_CSV,
                       moe_path: Path | None = None) -> pd.DataFrame:
    """One row per covered measurement: predicted, measured, signed relative error, ratio, assumption, source.

    ``moe_path=MOE_CSV`` adds the MoE/Blackwell/AMD measurements (not yet fitted: reported apart).
    """
    cat = catalog or load_catalog()
    cases, skipped = all_cases(cat, path, moe_path)
    records = []
    for case in cases:
        predicted = predict(case, cat)
        records.append({
            "id": case.id,
            "model": case.scenario.model,
            "gpu": case.scenario.gpu,
            "gpus": case.scenario.gpus + sum(s.gpus for s in case.extra),
            "source_group": source_group(case.id),
            "model_family": cat.model(case.scenario.model).family,
            "gpu_family": cat.gpu(case.scenario.gpu).family,
            "predicted": predicted,
            "measured": case.measured,
            "error": predicted / case.measured - 1,
            "ratio": max(predicted, case.measured) / min(predicted, case.measured),
            "unit": case.unit,
            "assumption": case.assumption,
            "source": case.source,
        })
    report = pd.DataFrame.from_records(records)
    report.attrs["skipped"] = skipped
    return report


def summarize(report: pd.DataFrame) -> dict[str, Any]:
    errors = np.abs(report["error"].to_numpy()) if len(report) else np.array([np.nan])
    return {
        "cases": int(len(report)),
        "median_abs_error": float(np.median(errors)),
        "worst_ratio": float(report["ratio"].max()) if len(report) else float("nan"),
        "within_2x": bool((report["ratio"] <= 2).all()) if len(report) else False,
        "skipped": len(report.attrs.get("skipped", [])),
    }
