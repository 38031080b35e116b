"""From a scenario and its axes to the engine's input arrays.

Every axis is validated at its extremes through the ``Scenario`` model itself,
so the bounds live in one place; fields left at ``None`` take their default
from the catalog (the model's experts, the GPU's price, the GPU family's
calibrated efficiency).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import EFFICIENCY_FIELDS, Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.engine.scenario import KV_BITS, NUMERIC_FIELDS, WEIGHT_BITS, Scenario
from costmodel.errors import CostModelError

INTEGER_FIELDS = frozenset({
    "gpus", "tensor_parallel", "weight_bits", "kv_bits", "prompt_tokens", "output_tokens",
    "experts_total", "experts_active", "spec_draft_tokens", "max_batch_size", "max_num_tokens",
    "reasoning_tokens", "context_parallel", "burst_requests",
})
"""Numeric fields that take whole numbers (an axis is probed at its extremes as integers)."""


def concurrency_numeric(values: Any) -> np.ndarray:
    """Concurrency as floats with "max" as 0, vectorised (no Python loop over points)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    return np.where(arr == "max", 0, arr).astype(float)


def check_expert_fields(model: ModelArchitecture, scenario: Scenario) -> None:
    """A dense model takes no expert counts."""
    if not model.is_moe and (scenario.experts_total is not None or scenario.experts_active is not None):
        raise CostModelError(
            f"model {model.id!r} is dense: experts_total/experts_active apply to mixture-of-experts models only"
        )


def check_axes(scenario: Scenario, axes: Mapping[str, np.ndarray]) -> None:
    """Validate the extreme values of every axis through the Scenario model, so bounds live in one place."""
    for name, values in axes.items():
        if name not in NUMERIC_FIELDS:
            raise CostModelError(f"{name!r} is not a numeric scenario field; valid axes: {', '.join(NUMERIC_FIELDS)}")
        flat = np.asarray(values).ravel()
        if flat.size == 0:
            raise CostModelError(f"axis {name!r} is empty")
        if name == "concurrency":
            numeric = concurrency_numeric(flat)
            probe = [("max" if v == 0 else int(v)) for v in (numeric.min(), numeric.max())]
        else:
            numeric = flat.astype(float)
            if not np.all(np.isfinite(numeric)):
                raise CostModelError(f"axis {name!r} has a non-finite value")
            probe = [numeric.min(), numeric.max()]
            if name in INTEGER_FIELDS:
                probe = [int(v) for v in probe]
                if name in {"weight_bits", "kv_bits"}:
                    allowed = set(KV_BITS if name == "kv_bits" else WEIGHT_BITS)
                    bad = set(np.unique(numeric.astype(int)).tolist()) - allowed
                    if bad:
                        raise CostModelError(f"{name} must be one of {sorted(allowed)}, got {sorted(bad)}")
        for v in probe:
            try:
                Scenario.model_validate({**scenario.model_dump(), name: v})
            except Exception as exc:  # pydantic ValidationError: re-raise as one clear line
                msg = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
                raise CostModelError(f"{name}={v}: {msg}") from None


def field_values(scenario: Scenario, arrays: Mapping[str, np.ndarray], name: str, default: float) -> np.ndarray:
    """One engine input as floats: the axis if given, else the scenario's value ('max' is 0), else ``default``."""
    if name in arrays:
        return arrays[name].astype(float)
    value = getattr(scenario, name)
    if value is None:
        return np.asarray(default, dtype=float)
    if value == "max":
        return np.asarray(0.0)
    return np.asarray(float(value))


def engine_inputs(
    scenario: Scenario, model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, arrays: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Every numeric input of ``roofline.evaluate`` by field name (0 for an unset tensor_parallel: planned)."""
    defaults = {
        "gpus": 1,
        "tensor_parallel": 0,
        "weight_bits": 16,
        "kv_bits": 16,
        "prompt_tokens": 1,
        "output_tokens": 1,
        "output_tokens_cv": 0,
        "burst_requests": 0,  # None: a steady stream (costmodel.engine.burst)
        "cache_hit_rate": 0,
        "concurrency": 0,
        "experts_total": model.num_experts,
        "experts_active": model.experts_per_token,
        "gpu_hourly_usd": gpu.hourly_usd,
        "spec_draft_tokens": 0,
        "spec_acceptance": 0.7,
        "spec_draft_cost_ratio": 0.05,
        "max_batch_size": 1024,
        "max_num_tokens": 16384,
        "reasoning_tokens": 0,
        "context_parallel": 1,
        "gpu_idle_power_fraction": 0.15,
        "host_power_fraction": 0.5,
        "pue": 1.2,
        "electricity_usd_per_kwh": 0.08,
        **{name: getattr(base_eff, name) for name in EFFICIENCY_FIELDS},
        "min_tokens_per_second_per_user": 0,  # service level: 0 = no target (costmodel.engine.service_level)
        "max_ttft_seconds": 0,
        "utilization": 1,
    }
    inputs = {name: field_values(scenario, arrays, name, default) for name, default in defaults.items()}
    if scenario.attention_data_parallel is not None:  # the stated layout; else the planner tries both
        inputs["attention_dp"] = np.asarray(float(scenario.attention_data_parallel))
    if model.is_moe and np.any(inputs["experts_active"] > inputs["experts_total"]):
        raise CostModelError("experts_active cannot exceed experts_total")
    return inputs
