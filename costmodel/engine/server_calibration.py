"""MLPerf Server (and Interactive) results predicted under their own latency limits (TTFT and TPOT at p99).

MLPerf Inference's Server scenario sends Poisson arrivals and accepts a run only if p99 time to
first token and p99 time per output token stay under the benchmark's limits (DeepSeek-R1: 2 s /
80 ms; Llama 2 70B and Mixtral 8x7B: 2 s / 200 ms; Llama 3.1 8B: 2 s / 100 ms). The throughput
it reports is therefore the throughput *at a service level*, which is what
``min_tokens_per_second_per_user`` and ``max_ttft_seconds`` model: each row becomes a Scenario
with min speed = 1 / TPOT limit and max TTFT = the TTFT limit, and the prediction is the
system's output tokens/s at the largest concurrency meeting both (costmodel.engine.service_level
says how p99 is treated). The rows are the ``Server`` rows of the MoE/Blackwell/AMD calibration
set (``public-calibration-moe.csv``, every row with its source and measured p50/p99 latencies).

Assumptions are written per row (``assumption`` column): mean prompt lengths (the sources do not
state them), KV cache in fp8 (as the NVIDIA and AMD submissions' configs), the parallel layout
where the submission's config states it.

    from costmodel.engine.server_calibration import server_report
    server_report()       # one row per comparable Server result: predicted, measured, error
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.calibration import MLPERF_DATASET_LENGTHS
from costmodel.engine.inference import estimate
from costmodel.engine.scenario import Scenario
from costmodel.resources import data_path

SERVER_CSV = data_path("calibration", "public-calibration-moe.csv")
LATENCY_BOUNDED = ("Server", "Interactive")
"""MLPerf scenarios with p99 TTFT/TPOT limits: Server (DeepSeek-R1 2 s / 80 ms; Llama 2 70B and Mixtral
2 s / 200 ms) and Interactive (Llama 2 70B 450 ms / 40 ms; Llama 3.1 8B 500 ms / 30 ms)."""

SERVER_MODELS: tuple[tuple[str, str], ...] = (
    (r"^DeepSeek-R1", "deepseek-v3"),  # R1 is a post-trained V3: the same architecture
    (r"^Mixtral-8x7B", "mixtral-8x7b"),
    (r"^Llama-2-70B", "llama-2-70b"),
    (r"^Llama-3\.1-8B", "llama-3.1-8b"),
)
SERVER_GPUS: tuple[tuple[str, str], ...] = (
    (r"^GB300", "gb300"),
    (r"^GB200", "gb200"),
    (r"^B300", "b300"),
    (r"^B200", "b200"),
    (r"^H200", "h200"),
    (r"^H100", "h100-sxm"),
    (r"^MI355X", "mi355x"),
    (r"^MI325X", "mi325x"),
    (r"^MI300X", "mi300x"),
)

MEAN_PROMPT_TOKENS = {m: round(v[0]) for m, v in MLPERF_DATASET_LENGTHS.items()}
"""Mean prompt tokens of the MLPerf data sets where a row gives none: their published per-sample token counts
(``costmodel.engine.calibration.MLPERF_DATASET_LENGTHS``: Llama 2 70B 222, Mixtral 427, DeepSeek-R1 804)."""

REFERENCE_OUTPUT_TOKENS = {"mixtral-8x7b": 145}
"""Output tokens per sample where a row gives none: Mixtral's reference 144.84 (mlcommons/inference README,
quoted in the rows' notes)."""

STATED_TENSOR_PARALLEL = {"deepseek-v3": 8}
"""DeepSeek-R1 submissions run TP8 attention-DP + EP8 instances (NVIDIA's Server config, in the rows' notes)."""


def latency_limits(text: str) -> tuple[float, float] | None:
    """(TTFT seconds, TPOT seconds) from text such as ``Server, TTFT<= 2s TPOT<= 80ms``."""
    ttft = re.search(r"TTFT\s*<=\s*([\d.]+)\s*(ms|s)", text)
    tpot = re.search(r"TPOT\s*<=\s*([\d.]+)\s*(ms|s)", text)
    if not ttft or not tpot:
        return None

    def seconds(m: re.Match) -> float:
        return float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)

    return seconds(ttft), seconds(tpot)


def _match(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((value for pattern, value in patterns if re.search(pattern, text.strip())), None)


def _weight_bits(precision: str, gpu: str) -> int:
    p = precision.lower()
    if p.startswith("fp4") or ("fp4" in p and gpu in {"b200", "gb200", "b300", "gb300"}):
        return 4
    return 8


def _number(text: str | None) -> float | None:
    digits = re.sub(r"[^\d.]", "", text or "")
    return float(digits) if digits else None


def server_case(row: dict[str, str], catalog: Catalog) -> tuple[Scenario, str] | str:
    """The row as a Scenario with its latency limits (and the assumptions taken), or why it is skipped.

    Uses the set's normalisation columns (``catalog_model``, ``catalog_gpu``, ``weight_bits``, ``kv_bits``,
    ``tp``, ``system_gpus``, ``isl``, ``osl``; scripts/normalise_moe_calibration.py) where a row has them,
    else reads the published columns.
    """
    model = row.get("catalog_model") or _match(SERVER_MODELS, row["model"])
    gpu = row.get("catalog_gpu") or _match(SERVER_GPUS, row["gpu"])
    if not model or not gpu or model not in catalog.models or gpu not in catalog.gpus:
        return f"model or GPU not in the catalog ({row['model']} on {row['gpu']})"
    limits = latency_limits(row["concurrency_or_batch"])
    if limits is None:
        return "no TTFT/TPOT limits in the row"
    out = _number(row.get("osl")) or _number(row.get("output_len")) or REFERENCE_OUTPUT_TOKENS.get(model)
    if not out:
        return "output tokens per sample not given"
    gpus = int(_number(row.get("system_gpus")) or _number(row["num_gpus"]) or 1)
    bits = int(_number(row.get("weight_bits")) or _weight_bits(row["precision"], gpu))
    kv_bits = int(_number(row.get("kv_bits")) or 8)
    prompt = int(_number(row.get("isl")) or MEAN_PROMPT_TOKENS.get(model, 500))
    tp = int(_number(row.get("tp")) or 0) or STATED_TENSOR_PARALLEL.get(model)
    ttft, tpot = limits
    stated = stated_batch_limit(row.get("notes", ""))
    extra: dict[str, Any] = {}
    if stated is not None:
        tp = stated[0] or tp
        extra["max_batch_size"] = stated[1]
    scenario = Scenario(
        model=model, gpu=gpu, gpus=gpus, tensor_parallel=tp if tp and tp <= gpus else None, weight_bits=bits,
        kv_bits=kv_bits, prompt_tokens=prompt, output_tokens=round(out), concurrency="max",
        min_tokens_per_second_per_user=1.0 / tpot, max_ttft_seconds=ttft,
        output_tokens_cv=_number(row.get("output_cv")) or 0.0, **extra,
    )
    why = (f"p99 TTFT <= {ttft:g} s, TPOT <= {tpot * 1e3:g} ms as min {1 / tpot:.1f} tok/s per user; "
           f"{bits}-bit weights, {kv_bits}-bit KV; mean prompt {prompt} tokens (the data set's)"
           + (f"; TP{tp} as the submission's config" if tp else "; parallel layout chosen by the planner")
           + (f"; batch limit {extra['max_batch_size']} per replica as the config" if extra else "")
           + (f"; output length cv {scenario.output_tokens_cv:g} (the data set's)" if scenario.output_tokens_cv else ""))
    return scenario, why


def stated_batch_limit(notes: str) -> tuple[int | None, int] | None:
    """(tensor parallel or None, sequences per replica) where a row's notes quote the submission's config:
    ``gpu_batch_size 896 per GPU, TP1`` (NVIDIA v4.1 Mixtral) or ``fp8 KV, batch 512`` (NVIDIA DeepSeek-R1)."""
    m = re.search(r"gpu_batch_size (\d+) per GPU, TP1", notes)
    if m:
        return 1, int(m.group(1))
    m = re.search(r"fp8 KV, batch (\d+)", notes)
    return (None, int(m.group(1))) if m else None


def server_report(catalog: Catalog | None = None, path: Path | None = None) -> pd.DataFrame:
    """One row per comparable MLPerf Server or Interactive result: predicted and measured output tokens/s,
    error, limits, and the operating point (tokens/s per user, p99 TTFT, what binds).

    ``attrs['skipped']`` lists (id, why) for Server rows that cannot be compared.
    """
    cat = catalog or load_catalog()
    rows = pd.read_csv(path or SERVER_CSV, dtype=str).fillna("")
    server = rows[rows["concurrency_or_batch"].str.startswith(LATENCY_BOUNDED)]
    records: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for row in server.to_dict(orient="records"):
        case = server_case(row, cat)
        if isinstance(case, str):
            skipped.append((row["id"], case))
            continue
        scenario, why = case
        r = estimate(scenario, catalog=cat)
        measured = float(row["value"])
        predicted = float(r.output_tokens_per_second)
        records.append({
            "id": row["id"], "scenario": row["concurrency_or_batch"].split(",")[0], "model": scenario.model, "gpu": scenario.gpu, "gpus": scenario.gpus,
            "ttft_limit_s": scenario.max_ttft_seconds, "tpot_limit_ms": 1e3 / scenario.min_tokens_per_second_per_user,
            "predicted": predicted, "measured": measured, "error": predicted / measured - 1,
            "ratio": max(predicted, measured) / min(predicted, measured) if predicted > 0 else float("inf"),
            "meets_slo": bool(r.meets_slo), "binding_constraint": r.binding_constraint,
            "tokens_per_second_per_user": float(r.tokens_per_second_per_user),
            "ttft_p99_seconds": float(r.ttft_p99_seconds), "concurrency": float(r.concurrency),
            "unit": row["unit"], "assumption": why, "source": row["source"],
        })
    report = pd.DataFrame.from_records(records)
    report.attrs["skipped"] = skipped
    return report


def summarize_server(report: pd.DataFrame) -> dict[str, Any]:
    """Cases, median absolute error, worst ratio, skipped count."""
    errors = np.abs(report["error"].to_numpy()) if len(report) else np.array([np.nan])
    return {
        "cases": int(len(report)),
        "median_abs_error": float(np.median(errors)),
        "worst_ratio": float(report["ratio"].max()) if len(report) else float("nan"),
        "skipped": len(report.attrs.get("skipped", [])),
    }


__all__ = ["SERVER_CSV", "latency_limits", "server_case", "server_report", "summarize_server"]
