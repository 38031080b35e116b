"""Published max-throughput cases: the measurement, this engine and NVIDIA AIConfigurator end to end.

The validation cases (``costmodel.engine.calibration.all_cases``: ``data/calibration/public-calibration.csv``
and ``public-calibration-moe.csv``, max-throughput rows only) are predicted three ways:

- **published**: the measured value, in the case's own unit;
- **ours**: this engine, computed live on every run (``costmodel.engine.calibration.predict``), so the table
  follows the engine as it changes;
- **AIC**: AIConfigurator's aggregated (in-flight batching) end-to-end estimate, ``cli_estimate(mode="agg")``
  (PyPI ``aiconfigurator`` 0.12, Apache-2.0; a dev extra, never a runtime dependency), on the same model,
  GPU, serving framework (TensorRT-LLM, vLLM or SGLang database), precision and request shape.

How AIC is asked for a max-throughput figure: AIC's ``agg`` mode evaluates one batch size. A case with a
stated concurrency is run at it (per attention-data-parallel rank: ``batch_size`` x ``attention_dp``
requests per replica; layouts with more ranks than requests are not tried). A case at "as many as fit" is swept over batch sizes 1, 2, 4 ... 4096 per rank and
the best tokens/s per GPU that fits AIC's memory model is kept (AIC raises OOM beyond it). Where the case
does not fix the replica's tensor-parallel size, TP 1, 2, 4, 8 (up to the case's GPUs) are tried; MoE
models are tried with tensor-parallel attention and with data-parallel attention (both with expert
parallelism over the replica). The best throughput is kept, as AIC's own ``default`` search would keep it
(without a latency target). The context-token budget per step is the engine's default token limit
(``Scenario.max_num_tokens`` of the case), not AIC's default of one prompt.

AIC's output tokens/s for the whole system are put through the case's own metric (output or total
tokens, per GPU or per system). Cases AIC cannot run are listed with the reason: GPUs it has no database
for (H800, AMD, A100 here), models it has no config for (Llama 2, GPT-J), disaggregated or prefill-only
layouts, and kernels missing from its database for that precision and framework.

AIC's results are cached in ``benchmarks/results/aiconfigurator-e2e.json`` (keyed by the query), so a rerun
after an engine change takes seconds; ``--refresh`` asks AIC again.

Run: ``.venv/bin/python benchmarks/aiconfigurator_e2e.py`` (``--markdown`` prints the table as Markdown;
``--refresh`` ignores the cache).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from costmodel.catalog.loader import load_catalog
from costmodel.engine.calibration import (
    MEASUREMENTS_CSV,
    MOE_CSV,
    Case,
    all_cases,
    load_measurements,
    predict,
)

CACHE = Path(__file__).resolve().parent / "results" / "aiconfigurator-e2e.json"

SYSTEMS = {"h100-sxm": "h100_sxm", "h200": "h200_sxm", "b200": "b200_sxm", "gb200": "gb200",
           "b300": "b300_sxm", "gb300": "gb300"}
"""Catalog GPU -> AIC system (AIC 0.12 ships no H800, AMD or A100-80GB SXM tables for these models)."""

MODELS = {"llama-3.1-8b": "meta-llama/Meta-Llama-3.1-8B", "llama-3.1-70b": "meta-llama/Meta-Llama-3.1-70B",
          "llama-3.3-70b": "meta-llama/Meta-Llama-3.1-70B",  # Llama 3.3 70B has Llama 3.1 70B's architecture
          "llama-3.1-405b": "meta-llama/Meta-Llama-3.1-405B", "deepseek-v3": "deepseek-ai/DeepSeek-V3",
          "deepseek-v3.2": "deepseek-ai/DeepSeek-V3.2", "kimi-k2": "moonshotai/Kimi-K2-Instruct",
          "mixtral-8x7b": "mistralai/Mixtral-8x7B-v0.1", "gpt-oss-120b": "openai/gpt-oss-120b",
          "gpt-oss-20b": "openai/gpt-oss-20b"}
"""Catalog model -> AIC's model config (Hugging Face id)."""

BATCHES = tuple(2**i for i in range(13))  # 1 ... 4096 requests per attention-DP rank


def framework_of(case_id: str, rows: dict[str, dict]) -> str:
    """The serving framework a case ran on: the MoE file's ``framework_id``; TensorRT-LLM for the NVIDIA
    documentation and MLPerf rows of the first file, vLLM for the vLLM blog rows."""
    row = rows.get(case_id, {})
    fw = str(row.get("framework_id") or "").lower()
    if fw in ("trtllm", "vllm", "sglang"):
        return fw
    return "vllm" if case_id.startswith("vllm") else "trtllm"


def quant_modes(model_id: str, weight_bits: int, kv_bits: int, moe: bool, precision: str = "") -> dict[str, str]:
    """AIC's quantisation modes for the case's precision (a mode left out: AIC infers it from the model
    config). 4-bit weights are NVFP4 unless the source says INT4 (Kimi K2's W4A16 checkpoint)."""
    if model_id.startswith("gpt-oss"):
        return {"kvcache_quant_mode": "fp8" if kv_bits == 8 else "bfloat16"}  # MXFP4 experts, from its config
    gemm = {4: "int4_wo" if "int4" in precision.lower() else "nvfp4", 8: "fp8", 16: "bfloat16"}.get(weight_bits)
    block = model_id.startswith(("deepseek", "kimi"))  # DeepSeek-style checkpoints use 128x128 block scales
    out: dict[str, str | None] = {"gemm_quant_mode": "fp8_block" if gemm == "fp8" and block else gemm,
                                  "kvcache_quant_mode": "fp8" if kv_bits == 8 else "bfloat16"}
    if moe:
        out["moe_quant_mode"] = "fp8_block" if gemm == "fp8" and block else gemm
    return out


def why_unsupported(case: Case, catalog) -> str | None:
    s = case.scenario
    if case.extra:
        return "disaggregated prefill/decode (AIC's disagg mode needs worker counts per pool; not run)"
    if SYSTEMS.get(s.gpu) is None:
        return f"no AIC database for {s.gpu}"
    if MODELS.get(s.model) is None:
        return f"no AIC model config for {s.model}"
    if s.output_tokens <= 1:
        return "prefill-only rate"
    if s.spec_draft_tokens:
        return "speculative decoding"
    return None


def queries(case: Case, catalog, fw: str, precision: str = "") -> list[dict[str, Any]]:
    """The AIC configurations tried for one case (its best throughput is kept)."""
    s = case.scenario
    model = catalog.model(s.model)
    tps = [s.tensor_parallel] if s.tensor_parallel else [t for t in (1, 2, 4, 8) if t <= s.gpus]
    base = {"model_path": MODELS[s.model], "system_name": SYSTEMS[s.gpu], "backend_name": fw,
            "isl": int(s.prompt_tokens), "osl": int(s.output_tokens), "ctx_tokens": int(s.max_num_tokens),
            **quant_modes(s.model, s.weight_bits, s.kv_bits or 16, model.is_moe, precision)}
    out = []
    for tp in tps:
        layouts = [(tp, 1)] + ([(1, tp)] if model.is_moe and tp > 1 else [])  # (attention TP, attention DP)
        for a_tp, dp in layouts:
            q = dict(base, tp_size=a_tp, attention_dp_size=dp)
            if model.is_moe:
                q.update(moe_tp_size=1, moe_ep_size=tp)
            out.append(q)
    return out


def model_path(hf_id: str) -> str:
    """``hf_id`` itself where AIC loads it from its shipped configs; otherwise a local folder holding the
    config.json AIC ships for it (AIC would try to download configs of models outside its support list,
    e.g. Mixtral 8x7B and Kimi K2, though it carries them)."""
    import aiconfigurator_core
    from aiconfigurator_core.sdk.common import get_default_models

    if hf_id in get_default_models():
        return hf_id
    shipped = Path(aiconfigurator_core.__file__).parent / "model_configs" / f"{hf_id.replace('/', '--')}_config.json"
    folder = Path(tempfile.gettempdir()) / "aic-models" / hf_id.replace("/", "--")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_bytes(shipped.read_bytes())
    return str(folder)


def _key(q: dict[str, Any], batch: int) -> str:
    return json.dumps({**q, "batch_size": batch}, sort_keys=True)


class CacheMiss(RuntimeError):
    """A query the cache does not hold, without AIConfigurator installed to answer it."""


class Aic:
    """AIConfigurator's estimates, cached on disk by query (the newest database version per system and
    framework, passed explicitly so AIC does not re-parse its YAML files on every call)."""

    def __init__(self, refresh: bool = False):
        self.cache: dict[str, Any] = {} if refresh or not CACHE.exists() else json.loads(CACHE.read_text())
        self.cache = {k: v for k, v in self.cache.items() if "Download" not in v.get("error", "")}
        self.versions: dict[tuple[str, str], str | None] = {}
        self.dirty = False
        self.used: set[str] = set()

    def version(self, system: str, fw: str) -> str | None:
        if (system, fw) not in self.versions:
            from aiconfigurator.sdk.perf_database import get_latest_database_version

            self.versions[(system, fw)] = get_latest_database_version(system, fw)
        return self.versions[(system, fw)]

    def run(self, q: dict[str, Any], batch: int) -> dict[str, Any]:
        """{tokens_s, tpot_ms, ttft_ms, gpus} or {error}."""
        key = _key(q, batch)
        self.used.add(key)
        if key in self.cache:
            return self.cache[key]
        try:
            from aiconfigurator.cli.api import cli_estimate
        except ImportError as e:
            raise CacheMiss(f"{q['model_path']} on {q['system_name']} is not in {CACHE.name} and AIConfigurator "
                            "is not installed: pip install 'aiconfigurator>=0.12' (the dev extra)") from e

        version = self.version(q["system_name"], q["backend_name"])
        try:
            r = cli_estimate(**dict(q, model_path=model_path(q["model_path"])), batch_size=batch,
                             backend_version=version)
            out = {"tokens_s": float(r.tokens_per_second), "tpot_ms": float(r.tpot), "ttft_ms": float(r.ttft),
                   "gpus": int(r.num_total_gpus), "version": version}
        except Exception as e:  # AIC's OOM and missing-kernel errors are answers: the point does not run
            out = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}", "version": version}
        if "Download" not in out.get("error", ""):  # a missing network is not AIC's answer
            self.cache[key], self.dirty = out, True
        return out

    def save(self) -> None:
        if self.dirty or set(self.cache) - self.used:  # one query per line; queries no case asks are dropped
            CACHE.parent.mkdir(parents=True, exist_ok=True)
            lines = [f"{json.dumps(k)}: {json.dumps(self.cache[k], sort_keys=True)}" for k in sorted(self.used)
                     if k in self.cache]
            CACHE.write_text("{\n" + ",\n".join(lines) + "\n}\n")

    def best(self, case: Case, catalog, fw: str, precision: str = "") -> tuple[float | None, str]:
        """The case's metric at AIC's best configuration, and what that configuration was (or why none ran)."""
        s = case.scenario
        best, what, err = None, "", ""
        for q in queries(case, catalog, fw, precision):
            dp = q["attention_dp_size"]
            replica = q["tp_size"] * dp
            replicas = max(s.gpus // replica, 1)
            if isinstance(s.concurrency, int):
                if s.concurrency < replicas * dp:
                    continue  # this layout would hold more requests than the benchmark sent
                batches = [max(s.concurrency // (replicas * dp), 1)]
            else:
                batches = BATCHES
            for b in batches:
                r = self.run(q, b)
                if "error" in r:
                    err = r["error"]
                    if "OOM" in err or "does not fit" in err or "KV" in err:
                        break  # larger batches do not fit either
                    continue
                system_tps = r["tokens_s"] / r["gpus"] * s.gpus  # AIC reports one replica's GPUs
                decode = b * dp * replicas * 1e3 / r["tpot_ms"]
                value = float(case.metric(SimpleNamespace(output_tokens_per_second=system_tps,
                                                          decode_tokens_per_second=decode)))
                if best is None or value > best:
                    best = value
                    what = f"{fw} {r['version']}, TP{q['tp_size']} x DP{dp}" + (
                        f" EP{q['moe_ep_size']}" if "moe_ep_size" in q else "") + f", batch {b}/rank"
        return best, what if best is not None else err


def comparison(refresh: bool = False) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """One row per case AIC ran: id, model, gpu, published, ours, aic, errors; and the cases it could not."""
    logging.disable(logging.WARNING)  # AIC logs every database fallback
    catalog = load_catalog()
    cases, _ = all_cases(catalog)
    rows = {r["id"]: r for r in pd.concat([load_measurements(MEASUREMENTS_CSV), load_measurements(MOE_CSV)])
            .fillna("").to_dict(orient="records")}
    aic = Aic(refresh)
    records, skipped = [], []
    try:
        for case in cases:
            why = why_unsupported(case, catalog)
            if why is not None:
                skipped.append((case.id, why))
                continue
            fw = framework_of(case.id, rows)
            value, what = aic.best(case, catalog, fw, str(rows.get(case.id, {}).get("precision", "")))
            if value is None:
                skipped.append((case.id, f"AIC: {what}"))
                continue
            ours = predict(case, catalog)
            records.append({"id": case.id, "model": case.scenario.model, "gpu": case.scenario.gpu,
                            "gpus": case.scenario.gpus, "unit": case.unit, "published": case.measured,
                            "ours": ours, "aic": value, "ours_err": ours / case.measured - 1,
                            "aic_err": value / case.measured - 1, "aic_config": what})
    finally:
        aic.save()
    return pd.DataFrame.from_records(records), skipped


def summary(df: pd.DataFrame) -> dict[str, Any]:
    """Medians (signed and absolute) and within-2x counts of both predictors on the common cases."""
    out: dict[str, Any] = {"cases": int(len(df))}
    for who in ("ours", "aic"):
        ratio = df[who] / df["published"]
        out[who] = {"median_signed_error": float(np.median(ratio - 1)),
                    "median_abs_error": float(np.median(np.abs(ratio - 1))),
                    "within_2x": int(((ratio <= 2) & (ratio >= 0.5)).sum()),
                    "worst_ratio": float(np.max(np.maximum(ratio, 1 / ratio)))}
    return out


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (pandas' to_markdown needs tabulate, which the project does not install)."""
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="ask AIC again instead of reading the cache")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    df, skipped = comparison(args.refresh)
    show = df.assign(ours_err=(100 * df.ours_err).round(1), aic_err=(100 * df.aic_err).round(1),
                     published=df.published.round(1), ours=df.ours.round(1), aic=df.aic.round(1))
    cols = ["id", "published", "ours", "aic", "ours_err", "aic_err", "aic_config"]
    with pd.option_context("display.width", 250, "display.max_rows", None, "display.max_colwidth", 60):
        print(markdown(show[cols]) if args.markdown else show[cols].to_string(index=False))
    s = summary(df)
    print(f"\n{s['cases']} common cases (errors in %, signed: + over-predicts the measurement)")
    for who, label in (("ours", "ours"), ("aic", "AIC ")):
        t = s[who]
        print(f"  {label}: median {100 * t['median_signed_error']:+.1f}%, median |error| "
              f"{100 * t['median_abs_error']:.1f}%, within 2x {t['within_2x']}/{s['cases']}, "
              f"worst {t['worst_ratio']:.2f}x")
    by_model = df.groupby("model").agg(cases=("id", "size"), ours_median_err=("ours_err", "median"),
                                       aic_median_err=("aic_err", "median")).reset_index()
    by_model[["ours_median_err", "aic_median_err"]] = (100 * by_model[["ours_median_err", "aic_median_err"]]).round(1)
    print("\nby model (median signed error, %):")
    print(markdown(by_model) if args.markdown else by_model.to_string(index=False))
    reasons = pd.Series([":".join(w.split(":")[:2]) if w.startswith("AIC") else w for _, w in skipped]).value_counts()
    print(f"\n{len(skipped)} cases AIC did not run:")
    for why, n in reasons.items():
        print(f"  {n:4d}  {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
