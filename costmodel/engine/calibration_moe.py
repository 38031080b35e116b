"""Calibration cases from data/calibration/public-calibration-moe.csv (MoE, Blackwell, AMD).

Every row carries explicit normalisation columns (written by
``scripts/normalise_moe_calibration.py``, documented there): the catalog ids,
precision, which tokens are counted (output, total or input), how many GPUs
the published value is divided by, the serving layout (aggregated,
disaggregated prefill/decode, prefill-only, decode-only), the engine and the
request shape. Only rows with ``evaluation == max_throughput`` become cases;
the others are listed with their reason (``why_not``). MLPerf Server and
Interactive rows (``service_level``) are judged under their latency limits
elsewhere (issue 10) and are listed as skipped here.

How each layout is predicted (tokens/s, then divided as the source divides):

- aggregated: one Scenario of ``system_gpus`` GPUs in replicas of ``tp``; output
  tokens/s, times (isl + osl) / osl for total tokens.
- disaggregated: a prefill pool of ``prefill_gpus`` (replicas of ``prefill_tp``) and
  a decode pool of ``decode_gpus`` (replicas of ``tp``) at the benchmark
  concurrency; requests/s = min(prefill pool / isl, decode pool / osl); total
  tokens/s = requests/s x (isl + osl) (Zhong et al., DistServe, OSDI 2024: the
  slower pool sets the goodput of a disaggregated system).
- prefill-only / decode-only: the prefill or decode rate of that pool alone.

Where a source states the attention layout (``attention_dp``, ``prefill_attention_dp``: InferenceX
``DP-attention=False`` / ``DP-attn=``), the Scenario carries it (``attention_data_parallel``); tensor-
parallel attention then runs the experts tensor-parallel too (a stated "TP8 EP8" without data-parallel
attention, TensorRT-LLM's expert-parallel MoE under tensor-parallel attention, is modelled that way). Where a source states an engine batch cap per GPU (``max_batch_per_gpu``:
NVIDIA's MLPerf ``gpu_batch_size``; the decode workers' cap of a disaggregated row), it replaces the engine
default (``stated_batch_limit``). Where a configuration runs no second micro-batch (``two_batch_overlap`` 0),
a replica spanning nodes keeps its expert all-to-all on the step (``communication.hidden_alltoall_share``).
Where a source times a finite batch of requests sent at once (``burst_requests``: GPUStack's ``--num-prompts``),
the Scenario serves it as a burst that drains at its end (:mod:`costmodel.engine.burst`); where the data set's
output-length spread is known (``output_cv``: MLPerf DeepSeek-R1 1.25), the Scenario carries it into the decode
context and the KV bytes that bound the batch (``decode.average_decode_context``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.loader import Catalog
from costmodel.engine.engine_limits import engine_limits
from costmodel.engine.memory_plan import attention_data_parallel
from costmodel.engine.scenario import Scenario
from costmodel.engine.serving_runtime import vllm_runtime_for_version
from costmodel.resources import data_path

MOE_CSV = data_path("calibration", "public-calibration-moe.csv")


def _num(value: str) -> float | None:
    return float(value) if str(value).strip() not in ("", "nan") else None


def _int(value: str) -> int | None:
    v = _num(value)
    return int(round(v)) if v is not None else None


def moe_cases(rows: pd.DataFrame, catalog: Catalog, case_type: Callable[..., Any]) -> tuple[list, list]:
    """(cases, [(id, why skipped)]) for the normalised MoE/Blackwell/AMD rows."""
    cases, skipped = [], []
    for row in rows.fillna("").to_dict(orient="records"):
        if row["evaluation"] != "max_throughput":
            skipped.append((row["id"], row["why_not"] or "not a max-throughput case"))
            continue
        if row["catalog_model"] not in catalog.models or row["catalog_gpu"] not in catalog.gpus:
            skipped.append((row["id"], "model or GPU not in the catalog"))
            continue
        cases.append(_case(row, catalog, case_type))
    return cases, skipped


def _layout(value: str) -> bool | None:
    """The attention layout a source states (``attention_dp`` columns: 1 data-parallel, 0 tensor-parallel)."""
    v = _int(value)
    return None if v is None else bool(v)


def stated_batch_limit(per_gpu: int | None, model: ModelArchitecture, tp: int, attention_dp: bool | None) -> int | None:
    """A stated per-GPU batch cap (``max_batch_per_gpu``) as the Scenario's ``max_batch_size``, which counts
    sequences per scheduler: one per rank under data-parallel attention (the engine scales the limit by the
    ranks), one per tensor-parallel replica otherwise (NVIDIA's MLPerf ``gpu_batch_size``, sequences per GPU)."""
    if per_gpu is None:
        return None
    dp = bool(attention_data_parallel(model, np.asarray(tp), None if attention_dp is None else int(attention_dp)))
    return per_gpu if dp else per_gpu * tp


def stated_runtime(framework_id: str, framework: str) -> str | None:
    """The serving runtime (``Scenario.serving_runtime``) of a row's engine: a vLLM row by the version its
    ``framework`` text states ("vLLM v0.10.2 (...)": ``vllm-0.10``, MXFP4 MoE through Marlin on Hopper,
    ``serving_runtime.vllm_runtime_for_version``); later or unstated vLLM builds and other engines keep the
    generic runtime (None)."""
    if framework_id != "vllm":
        return None
    found = re.search(r"\bv?(\d+)\.(\d+)(?:\.(\d+))?", framework)
    version = tuple(int(g) for g in found.groups() if g is not None) if found else None
    runtime = vllm_runtime_for_version(version)
    # Only the builds the runtime's reserve was read from (0.10.2, GPUStack) are routed: later builds' reserve
    # is unmeasured, and routing them moved Blackwell's flat fit (docs/cost-model.md section 7, eighth round).
    return runtime if runtime == "vllm-0.10" else None


def _scenario(row: dict, catalog: Catalog, gpus: int, tp: int | None, concurrency: int | str,
              prompt: float, output: float, layout: str = "attention_dp", batch_cap: bool = True) -> Scenario:
    gpu = catalog.gpu(row["catalog_gpu"])
    seqs, tokens = engine_limits(row["framework_id"], gpu.memory_gb)
    # A disaggregated row's stated cap is its decode workers' (batch_cap False for the prefill pool).
    stated = stated_batch_limit(_int(row.get("max_batch_per_gpu", "")) if batch_cap else None,
                                catalog.model(row["catalog_model"]), min(tp, gpus) if tp else 1,
                                _layout(row.get(layout, "")))
    return Scenario(model=row["catalog_model"], gpu=row["catalog_gpu"], gpus=gpus,
                    tensor_parallel=min(tp, gpus) if tp else None, weight_bits=int(row["weight_bits"]),
                    attention_data_parallel=_layout(row.get(layout, "")),
                    two_batch_overlap=_layout(row.get("two_batch_overlap", "")),
                    kv_bits=int(row["kv_bits"]), prompt_tokens=max(int(round(prompt)), 1),
                    output_tokens=max(int(round(output)), 1), concurrency=concurrency,
                    # a benchmark that holds more requests than the default limit raised it; a stated cap holds
                    max_batch_size=stated or max(seqs, concurrency if isinstance(concurrency, int) else 0),
                    max_num_tokens=max(tokens, concurrency if isinstance(concurrency, int) else 0),
                    output_tokens_cv=_num(row.get("output_cv", "")) or 0.0,
                    burst_requests=_int(row.get("burst_requests", "")),
                    serving_runtime=stated_runtime(row["framework_id"], str(row.get("framework", ""))))


def _case(row: dict, catalog: Catalog, case_type: Callable[..., Any]):
    isl, osl = float(row["isl"]), float(row["osl"])
    system = _int(row["system_gpus"]) or 1
    per = _num(row["per_gpus"]) or 1  # a fraction where the published figure counts more GPUs than the pool
    tp = _int(row["tp"])
    conc: int | str = _int(row["concurrency"]) or "max"
    kind, serving = row["token_kind"], row["serving"]
    what = f"{serving}, {row['mode']}, {row['framework_id']} limits, {row['weight_bits']}-bit weights, " \
           f"{row['kv_bits']}-bit KV, {isl:.0f}/{osl:.0f} tokens" \
           + (f", output length cv {float(row['output_cv']):g}" if _num(row.get("output_cv", "")) else "") \
           + (f", a burst of {row['burst_requests']} requests timed to the last" if row.get("burst_requests") else "")
    common = dict(id=row["id"], unit=row["unit"], measured=float(row["value"]), source=row["source"])
    if serving == "disaggregated":
        pre_gpus, dec_gpus = _int(row["prefill_gpus"]), _int(row["decode_gpus"])
        prefill = _scenario(row, catalog, pre_gpus, _int(row["prefill_tp"]), "max", isl, 1, "prefill_attention_dp",
                            batch_cap=False)
        decode = _scenario(row, catalog, dec_gpus, tp, conc, isl, osl)

        def metric(p, d, isl=isl, osl=osl, per=per):
            rate = np.minimum(p.prefill_tokens_per_second / isl, d.decode_tokens_per_second / osl)
            return rate * (isl + osl) / per

        return case_type(scenario=prefill, extra=(decode,), metric=metric,
                         assumption=f"{what}; {pre_gpus} prefill + {dec_gpus} decode GPUs, the slower pool sets the rate",
                         **common)
    if serving == "prefill_only":
        s = _scenario(row, catalog, system, tp, "max", isl, 1)
        return case_type(scenario=s, metric=lambda r, per=per: r.prefill_tokens_per_second / per,
                         assumption=f"{what}; prefill rate of the pool", **common)
    if serving == "decode_only":
        s = _scenario(row, catalog, system, tp, conc, isl, max(osl, 2))
        return case_type(scenario=s, metric=lambda r, per=per: r.decode_tokens_per_second / per,
                         assumption=f"{what}; decode rate of the pool", **common)
    s = _scenario(row, catalog, system, tp, conc, isl, osl)
    scale = (isl + osl) / osl if kind == "total" else 1.0
    return case_type(scenario=s, metric=lambda r, f=scale, per=per: r.output_tokens_per_second * f / per,
                     assumption=what, **common)
