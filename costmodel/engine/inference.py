"""The cost-to-serve engine's public API: ``estimate``, ``estimate_arrays`` and ``sweep``.

Inputs are a validated :class:`~costmodel.scenario.Scenario` plus, optionally,
numpy arrays for any numeric field; outputs are named like the CLI's JSON keys.
The physics steps (memory plan, communication, decode, prefill, batching, money)
live in their own modules, with their sources; :mod:`costmodel.engine.roofline`
composes them for one plan and :mod:`costmodel.engine.planner` picks each
point's plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import EFFICIENCY_FIELDS, Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.planner import evaluate_points
from costmodel.engine.rates import DTYPE_CODES
from costmodel.engine.scenario import NUMERIC_FIELDS, Scenario
from costmodel.errors import CostModelError

RESULT_KEYS: tuple[str, ...] = (
    "weights_bytes",
    "kv_bytes_per_token",
    "kv_bytes_per_request",
    "max_concurrency",
    "concurrency",
    "fits",
    "tensor_parallel",
    "attention_data_parallel",
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
    attention_data_parallel: bool
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

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], index: int) -> Estimate:
        """The point at flat ``index`` of ``estimate_arrays`` results, as plain Python values."""
        values: dict[str, Any] = {}
        for key in RESULT_KEYS:
            v = np.asarray(arrays[key]).reshape(-1)[index]
            if key in {"max_concurrency", "tensor_parallel", "replicas"}:
                values[key] = int(v)
            elif key in {"fits", "attention_data_parallel"}:
                values[key] = bool(v)
            elif key in {"prefill_bound", "decode_bound", "compute_dtype"}:
                values[key] = str(v)
            else:
                values[key] = float(v)
        return cls(**values)


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


def _concurrency_numeric(values: Any) -> np.ndarray:
    """Concurrency as floats with "max" as 0, vectorised (no Python loop over points)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    return np.where(arr == "max", 0, arr).astype(float)


def _field_bounds_check(scenario: Scenario, axes: Mapping[str, np.ndarray]) -> None:
    """Validate the extreme values of every axis through the Scenario model, so bounds live in one place."""
    for name, values in axes.items():
        if name not in NUMERIC_FIELDS:
            raise CostModelError(f"{name!r} is not a numeric scenario field; valid axes: {', '.join(NUMERIC_FIELDS)}")
        flat = np.asarray(values).ravel()
        if flat.size == 0:
            raise CostModelError(f"axis {name!r} is empty")
        if name == "concurrency":
            numeric = _concurrency_numeric(flat)
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
                    bad = set(np.unique(numeric.astype(int)).tolist()) - {4, 8, 16}
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
    return Estimate.from_arrays(estimate_arrays(scenario, catalog=catalog), 0)


def estimate_arrays(scenario: Scenario, catalog: Catalog | None = None, **axes: Any) -> dict[str, np.ndarray]:
    """Evaluate ``scenario`` with any numeric fields replaced by arrays (broadcast together).

    Returns a dict of numpy arrays keyed like ``Estimate`` (plus the axes given).
    ``concurrency`` accepts 0 or "max" for the largest batch that fits.
    """
    return _with_names(_estimate_coded(scenario, catalog, axes))


def _estimate_coded(scenario: Scenario, catalog: Catalog | None, axes: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``estimate_arrays`` with the engine's codes in place of the bound and dtype names (see ``_with_names``)."""
    cat, model, gpu, base_eff = _resolve(scenario, catalog)
    _check_experts(model, scenario)
    arrays = {k: np.asarray(v) for k, v in axes.items()}
    if "concurrency" in arrays:
        arrays["concurrency"] = _concurrency_numeric(arrays["concurrency"])
    _field_bounds_check(scenario, arrays)
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
    auto_plan = scenario.tensor_parallel is None and "tensor_parallel" not in arrays
    out = evaluate_points(model, gpu, base_eff, scenario, inputs, shape, auto_plan)
    for k, v in arrays.items():
        out[k] = np.broadcast_to(v, shape)
    return out


def _with_names(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Replace the engine's codes by the names the API promises."""
    for key, codes in _CODED.items():
        names = np.array(_CATEGORIES[key])
        out[key] = names.take(out.pop(codes).astype(np.intp))  # take, not np.where: one pass, no temporaries
    return out


_CODED = {"prefill_bound": "prefill_compute_bound", "decode_bound": "decode_compute_bound",
          "compute_dtype": "compute_dtype_code"}
_CATEGORIES = {"prefill_bound": ("memory", "compute"), "decode_bound": ("memory", "compute"),
               "compute_dtype": DTYPE_CODES}
"""Names by code: a bound's code is 1 when compute-bound; a dtype's is its index in DTYPE_CODES."""


def sweep(scenario: Scenario, catalog: Catalog | None = None, **axes: Any):
    """Cartesian product of the given axes; one row per point, axes and every result as columns.

    Computed as numpy arrays in one pass (no Python loop over points).
    """
    import pandas as pd

    if not axes:
        raise CostModelError("sweep needs at least one axis, e.g. prompt_tokens=[1024, 4096]")
    names = list(axes)
    values = [np.asarray(axes[n], dtype=object if n == "concurrency" else None).ravel() for n in names]
    values = [_concurrency_numeric(v) if n == "concurrency" else v for n, v in zip(names, values, strict=True)]
    grids = np.meshgrid(*[np.arange(len(v)) for v in values], indexing="ij")
    columns = {n: v[g.ravel()] for n, v, g in zip(names, values, grids, strict=True)}
    result = _estimate_coded(scenario, catalog, columns)
    frame: dict[str, Any] = {n: columns[n] for n in names}
    size = grids[0].size
    for key in RESULT_KEYS:
        if key in _CODED:  # a few distinct names: categorical from the engine's codes, no string per row
            codes = np.asarray(result[_CODED[key]]).reshape(-1).astype(np.int8)
            frame[key] = pd.Categorical.from_codes(codes, _CATEGORIES[key])
        else:
            value = np.asarray(result[key])
            frame[key] = value.reshape(-1) if value.shape == (size,) else np.broadcast_to(value, (size,)).copy()
    return pd.DataFrame(frame, copy=False)  # the columns are fresh arrays: no consolidation into one block
