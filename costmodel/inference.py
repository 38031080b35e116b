"""The cost-to-serve engine's public API: ``estimate``, ``estimate_arrays`` and ``sweep``.

Inputs are a validated :class:`~costmodel.scenario.Scenario` plus, optionally,
numpy arrays for any numeric field; outputs are named like the CLI's JSON keys.
The physics (memory, rooflines, batching, money) lives in
:mod:`costmodel.roofline`, with its sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodel.architecture import ModelArchitecture
from costmodel.catalog import Catalog, load_catalog
from costmodel.efficiency import EFFICIENCY_FIELDS, Efficiency
from costmodel.errors import CostModelError
from costmodel.hardware import GPU
from costmodel.roofline import evaluate
from costmodel.scenario import NUMERIC_FIELDS, Scenario

RESULT_KEYS: tuple[str, ...] = (
    "weights_bytes",
    "kv_bytes_per_token",
    "kv_bytes_per_request",
    "max_concurrency",
    "concurrency",
    "fits",
    "tensor_parallel",
    "replicas",
    "ttft_seconds",
    "tpot_seconds",
    "prefill_seconds_per_request",
    "decode_step_seconds",
    "prefill_tokens_per_second",
    "decode_tokens_per_second",
    "output_tokens_per_second",
    "requests_per_second",
    "usd_per_million_input_tokens",
    "usd_per_million_cached_input_tokens",
    "usd_per_million_output_tokens",
    "usd_per_request",
    "gpu_seconds_per_request",
    "prefill_bound",
    "decode_bound",
    "total_params",
    "active_params",
    "experts_touched_per_layer",
    "gpu_hourly_usd",
    "compute_dtype",
    "prefill_arithmetic_intensity",
    "decode_arithmetic_intensity",
    "peak_flops_per_second",
    "memory_bandwidth_bytes_per_second",
    "prefill_flops_per_request",
    "decode_flops_per_step",
    "decode_bytes_per_step",
    "spec_tokens_per_step",
)


@dataclass(frozen=True)
class Estimate:
    """One scenario's results; attribute names match the CLI's JSON keys."""

    weights_bytes: float
    kv_bytes_per_token: float
    kv_bytes_per_request: float
    max_concurrency: int
    concurrency: float
    fits: bool
    tensor_parallel: int
    replicas: int
    ttft_seconds: float
    tpot_seconds: float
    prefill_seconds_per_request: float
    decode_step_seconds: float
    prefill_tokens_per_second: float
    decode_tokens_per_second: float
    output_tokens_per_second: float
    requests_per_second: float
    usd_per_million_input_tokens: float
    usd_per_million_cached_input_tokens: float
    usd_per_million_output_tokens: float
    usd_per_request: float
    gpu_seconds_per_request: float
    prefill_bound: str
    decode_bound: str
    total_params: float
    active_params: float
    experts_touched_per_layer: float
    gpu_hourly_usd: float
    compute_dtype: str
    prefill_arithmetic_intensity: float
    decode_arithmetic_intensity: float
    peak_flops_per_second: float
    memory_bandwidth_bytes_per_second: float
    prefill_flops_per_request: float
    decode_flops_per_step: float
    decode_bytes_per_step: float
    spec_tokens_per_step: float

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in RESULT_KEYS}


# --------------------------------------------------------------------------- inputs
def _resolve(scenario: Scenario, catalog: Catalog | None) -> tuple[Catalog, ModelArchitecture, GPU, Efficiency]:
    cat = catalog or load_catalog()
    model = cat.model(scenario.model)
    gpu = cat.gpu(scenario.gpu)
    base = cat.efficiency_for(gpu)
    return cat, model, gpu, base


def _check_experts(model: ModelArchitecture, scenario: Scenario) -> None:
    if not model.is_moe and (scenario.experts_total is not None or scenario.experts_active is not None):
        raise CostModelError(
            f"model {model.id!r} is dense: experts_total/experts_active apply to mixture-of-experts models only"
        )


def _field_bounds_check(scenario: Scenario, axes: Mapping[str, np.ndarray]) -> None:
    """Validate the extreme values of every axis through the Scenario model, so bounds live in one place."""
    for name, values in axes.items():
        if name not in NUMERIC_FIELDS:
            raise CostModelError(f"{name!r} is not a numeric scenario field; valid axes: {', '.join(NUMERIC_FIELDS)}")
        flat = np.asarray(values).ravel()
        if flat.size == 0:
            raise CostModelError(f"axis {name!r} is empty")
        if name == "concurrency":
            numeric = np.array([0 if str(v) == "max" else v for v in flat], dtype=float)
            probe = [("max" if v == 0 else int(v)) for v in (numeric.min(), numeric.max())]
        else:
            numeric = flat.astype(float)
            if not np.all(np.isfinite(numeric)):
                raise CostModelError(f"axis {name!r} has a non-finite value")
            probe = [numeric.min(), numeric.max()]
            if name in {"gpus", "tensor_parallel", "weight_bits", "kv_bits", "prompt_tokens", "output_tokens",
                        "experts_total", "experts_active", "spec_draft_tokens", "max_batch_size", "max_num_tokens"}:
                probe = [int(v) for v in probe]
                if name in {"weight_bits", "kv_bits"}:
                    bad = set(numeric.astype(int).tolist()) - {4, 8, 16}
                    if bad:
                        raise CostModelError(f"{name} must be 4, 8 or 16, got {sorted(bad)}")
        for v in probe:
            try:
                Scenario.model_validate({**scenario.model_dump(), name: v})
            except Exception as exc:  # pydantic ValidationError: re-raise as one clear line
                msg = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
                raise CostModelError(f"{name}={v}: {msg}") from None


# --------------------------------------------------------------------------- engine
def estimate(scenario: Scenario, catalog: Catalog | None = None) -> Estimate:
    """Cost to serve one scenario (scalars)."""
    arrays = estimate_arrays(scenario, catalog=catalog)
    values: dict[str, Any] = {}
    for key in RESULT_KEYS:
        v = np.asarray(arrays[key]).reshape(-1)[0]
        if key in {"max_concurrency", "tensor_parallel", "replicas"}:
            values[key] = int(v)
        elif key == "fits":
            values[key] = bool(v)
        elif key in {"prefill_bound", "decode_bound", "compute_dtype"}:
            values[key] = str(v)
        else:
            values[key] = float(v)
    return Estimate(**values)


def estimate_arrays(scenario: Scenario, catalog: Catalog | None = None, **axes: Any) -> dict[str, np.ndarray]:
    """Evaluate ``scenario`` with any numeric fields replaced by arrays (broadcast together).

    Returns a dict of numpy arrays keyed like ``Estimate`` (plus the axes given).
    ``concurrency`` accepts 0 or "max" for the largest batch that fits.
    """
    cat, model, gpu, base_eff = _resolve(scenario, catalog)
    _check_experts(model, scenario)
    arrays = {k: np.asarray(v) for k, v in axes.items()}
    _field_bounds_check(scenario, arrays)
    if "concurrency" in arrays:
        arrays["concurrency"] = np.array(
            [0.0 if str(v) == "max" else float(v) for v in arrays["concurrency"].ravel()]
        ).reshape(arrays["concurrency"].shape)
    if model.is_moe is False and ({"experts_total", "experts_active"} & set(arrays)):
        raise CostModelError(f"model {model.id!r} is dense: experts_total/experts_active do not apply")

    def field(name: str, default: float) -> np.ndarray:
        if name in arrays:
            return arrays[name].astype(float)
        value = getattr(scenario, name)
        if value is None:
            return np.asarray(default, dtype=float)
        if value == "max":
            return np.asarray(0.0)
        return np.asarray(float(value))

    eff = {name: field(name, getattr(base_eff, name)) for name in EFFICIENCY_FIELDS}
    inputs = {
        "gpus": field("gpus", 1),
        "tensor_parallel": field("tensor_parallel", 0),
        "weight_bits": field("weight_bits", 16),
        "kv_bits": field("kv_bits", 16),
        "prompt_tokens": field("prompt_tokens", 1),
        "output_tokens": field("output_tokens", 1),
        "cache_hit_rate": field("cache_hit_rate", 0),
        "concurrency": field("concurrency", 0),
        "experts_total": field("experts_total", model.num_experts),
        "experts_active": field("experts_active", model.experts_per_token),
        "gpu_hourly_usd": field("gpu_hourly_usd", gpu.hourly_usd),
        "spec_draft_tokens": field("spec_draft_tokens", 0),
        "spec_acceptance": field("spec_acceptance", 0.7),
        "spec_draft_cost_ratio": field("spec_draft_cost_ratio", 0.05),
        "max_batch_size": field("max_batch_size", 1024),
        "max_num_tokens": field("max_num_tokens", 16384),
        **eff,
    }
    if model.is_moe:
        bad = inputs["experts_active"] > inputs["experts_total"]
        if np.any(bad):
            raise CostModelError("experts_active cannot exceed experts_total")
    shape = np.broadcast_shapes(*(v.shape for v in inputs.values()))
    x = {k: np.broadcast_to(v, shape).astype(float) for k, v in inputs.items()}
    out = evaluate(model, gpu, base_eff, scenario, x)
    for k, v in arrays.items():
        out[k] = np.broadcast_to(v, shape)
    return out


def sweep(scenario: Scenario, catalog: Catalog | None = None, **axes: Any):
    """Cartesian product of the given axes; one row per point, axes and every result as columns.

    Computed as numpy arrays in one pass (no Python loop over points).
    """
    import pandas as pd

    if not axes:
        raise CostModelError("sweep needs at least one axis, e.g. prompt_tokens=[1024, 4096]")
    names = list(axes)
    values = [np.asarray(axes[n], dtype=object if n == "concurrency" else None).ravel() for n in names]
    grids = np.meshgrid(*[np.arange(len(v)) for v in values], indexing="ij")
    columns = {n: v[g.ravel()] for n, v, g in zip(names, values, grids, strict=True)}
    result = estimate_arrays(scenario, catalog=catalog, **columns)
    frame = {n: columns[n] for n in names}
    for key in RESULT_KEYS:
        frame[key] = np.broadcast_to(result[key], (grids[0].size,))
    return pd.DataFrame(frame)
