"""The cost-to-serve engine's public API: ``estimate``, ``estimate_arrays`` and ``sweep``.

Inputs are a validated :class:`~costmodel.scenario.Scenario` plus, optionally,
numpy arrays for any numeric field; outputs are named like the CLI's JSON keys.
The physics steps (memory plan, communication, decode, prefill, batching, money)
live in their own modules, with their sources; :mod:`costmodel.engine.roofline`
composes them for one plan and :mod:`costmodel.engine.planner` picks each
point's plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.gpu_stack import GPUStack, stack_groups
from costmodel.engine.inputs import check_axes, check_expert_fields, concurrency_numeric, engine_inputs
from costmodel.engine.planner import BLOCK_POINTS, evaluate_points
from costmodel.engine.rates import DTYPE_CODES
from costmodel.engine.scenario import Scenario
from costmodel.engine.service_level import BINDING
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
    "context_parallel",
    "ring_kv_bytes_per_gpu",
    "gpu_busy_share",
    "all_in_power_watts",
    "joules_per_output_token",
    "joules_per_input_token",
    "joules_per_request",
    "output_tokens_per_kwh",
    "usd_energy_per_million_output_tokens",
    "tokens_per_second_per_user",
    "ttft_p99_seconds",
    "meets_slo",
    "binding_constraint",
    "usd_per_million_output_tokens_all_in",
    "usd_per_million_tokens_blended",
    "gpus_provisioned",
    "utilization",
)


@dataclass(frozen=True)
class Estimate:
    """One scenario's results; attribute names match the CLI's JSON keys.

    ``fits`` says whether the weights and one request fit in memory under the chosen plan. Where it is
    False, the rates and the money are those of one request forced onto the largest group: they are not a
    price of anything that can run, and every caller must check ``fits`` first (the app shows a dash, the
    CLI an error, the analyses NaN).
    """

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
    context_parallel: int
    ring_kv_bytes_per_gpu: float
    gpu_busy_share: float
    all_in_power_watts: float
    joules_per_output_token: float
    joules_per_input_token: float
    joules_per_request: float
    output_tokens_per_kwh: float
    usd_energy_per_million_output_tokens: float
    tokens_per_second_per_user: float
    """Output tokens/s each user sees at this concurrency: the replica's output rate over its sequences,
    prefill stalls and speculative decoding included (costmodel.engine.service_level)."""
    ttft_p99_seconds: float
    """p99 time to first token under load at this concurrency (M/M/1 prefill queue; service_level)."""
    meets_slo: bool
    """Both targets (min tokens/s per user, max p99 TTFT) met; always true without targets if it fits."""
    binding_constraint: str
    """What stops the concurrency growing: memory, engine (batch/token limits), tpot (speed) or ttft."""
    usd_per_million_output_tokens_all_in: float
    """Whole deployment cost / output tokens: GPUs x $/h / 3600 / output tok/s x 1e6 / utilization."""
    usd_per_million_tokens_blended: float
    """Whole deployment cost / (input + output tokens), at utilization."""
    gpus_provisioned: int
    """GPUs paid for (the deployment's)."""
    utilization: float
    """Busy share of the provisioned GPUs every USD figure is at (full-load cost / utilization)."""

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in RESULT_KEYS}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], index: int) -> Estimate:
        """The point at flat ``index`` of ``estimate_arrays`` results, as plain Python values."""
        values: dict[str, Any] = {}
        for key in RESULT_KEYS:
            v = np.asarray(arrays[key]).reshape(-1)[index]
            if key in {"max_concurrency", "tensor_parallel", "replicas", "context_parallel", "gpus_provisioned"}:
                values[key] = int(v)
            elif key in {"fits", "attention_data_parallel", "meets_slo"}:
                values[key] = bool(v)
            elif key in {"prefill_bound", "decode_bound", "compute_dtype", "binding_constraint"}:
                values[key] = str(v)
            else:
                values[key] = float(v)
        return cls(**values)


def _resolve(scenario: Scenario, catalog: Catalog | None) -> tuple[Catalog, ModelArchitecture, GPU, Efficiency]:
    """The scenario's catalog entries: model, GPU and the GPU family's calibrated efficiency."""
    cat = catalog or load_catalog()
    model = cat.model(scenario.model)
    gpu = cat.gpu(scenario.gpu)
    base = cat.efficiency_for(gpu)
    return cat, model, gpu, base


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


def estimate_gpus(scenario: Scenario, gpu_ids: Sequence[str], catalog: Catalog | None = None,
                  hourly_usd: Sequence[float] | None = None, **axes: Any) -> dict[str, np.ndarray]:
    """``estimate_arrays`` of ``scenario`` on each GPU of ``gpu_ids``: every result gains a leading GPU axis.

    Each GPU is billed at ``hourly_usd`` (one per GPU; default its catalog price); the scenario's own price is
    not used. GPUs that share a family and their precisions are evaluated in one pass (a
    :class:`~costmodel.engine.gpu_stack.GPUStack`), so a catalog of 16 GPUs costs 7 engine calls, not 16;
    the results are those of one ``estimate_arrays`` call per GPU (tests/test_gpu_stack.py).
    """
    cat = catalog or load_catalog()
    entries = [cat.gpu(g) for g in gpu_ids]
    prices = [g.hourly_usd for g in entries] if hourly_usd is None else [float(p) for p in hourly_usd]
    if len(prices) != len(entries):
        raise CostModelError(f"hourly_usd has {len(prices)} prices for {len(entries)} GPUs")
    base = scenario.model_copy(update={"gpu_hourly_usd": None})
    shape = np.broadcast_shapes(*(np.shape(v) for v in axes.values())) if axes else ()
    per_gpu = int(np.prod(shape, dtype=np.int64))
    lead = (slice(None),) + (None,) * len(shape)
    shared_axes = {k: np.asarray(v, dtype=object if k == "concurrency" else None)[None, ...] for k, v in axes.items()}
    parts: list[tuple[list[int], dict[str, np.ndarray]]] = []
    for members in stack_groups(entries):
        group_axes = {**shared_axes, "gpu_hourly_usd": np.asarray([prices[i] for i in members], dtype=float)[lead]}
        points = len(members) * max(per_gpu, 1)
        if points > BLOCK_POINTS:  # a stack is one block of points (its arrays are not split in blocks)
            out = [estimate_arrays(base.model_copy(update={"gpu": entries[i].id}), cat,
                                   **{**axes, "gpu_hourly_usd": prices[i]}) for i in members]
            parts.append((members, {k: np.stack([o[k] for o in out]) for k in out[0]}))
            continue
        stack = GPUStack([entries[i] for i in members], max(per_gpu, 1))
        s = base.model_copy(update={"gpu": entries[members[0]].id})
        parts.append((members, _with_names(_estimate_coded(s, cat, group_axes, gpu=stack))))
    order = [i for members, _ in parts for i in members]  # the groups' GPUs, back in the order asked for
    back = None if order == sorted(order) else np.argsort(order)
    out: dict[str, np.ndarray] = {}
    for k in parts[0][1]:
        joined = np.concatenate([np.broadcast_to(values[k], (len(members), *shape)) for members, values in parts])
        out[k] = joined if back is None else joined[back]
    return out


def _estimate_coded(scenario: Scenario, catalog: Catalog | None, axes: Mapping[str, Any],
                    gpu: GPU | GPUStack | None = None) -> dict[str, np.ndarray]:
    """``estimate_arrays`` with the engine's codes in place of the bound and dtype names (see ``_with_names``).

    Validates the axes (:mod:`costmodel.engine.inputs`), then evaluates every point under its plan: the
    scenario's ``tensor_parallel`` if set, else the planner's cheapest (:mod:`costmodel.engine.planner`).
    ``gpu``: a stack of the scenario GPU's family to evaluate in its place (``estimate_gpus``).
    """
    cat, model, scenario_gpu, base_eff = _resolve(scenario, catalog)
    gpu = scenario_gpu if gpu is None else gpu
    check_expert_fields(model, scenario)
    arrays = {k: np.asarray(v) for k, v in axes.items()}
    if "concurrency" in arrays:
        arrays["concurrency"] = concurrency_numeric(arrays["concurrency"])
    check_axes(scenario, arrays)
    if model.is_moe is False and ({"experts_total", "experts_active"} & set(arrays)):
        raise CostModelError(f"model {model.id!r} is dense: experts_total/experts_active do not apply")
    inputs = engine_inputs(scenario, model, gpu, base_eff, arrays)
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
          "compute_dtype": "compute_dtype_code", "binding_constraint": "binding_constraint_code"}
_CATEGORIES = {"prefill_bound": ("memory", "compute"), "decode_bound": ("memory", "compute"),
               "compute_dtype": DTYPE_CODES, "binding_constraint": BINDING}
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
    values = [concurrency_numeric(v) if n == "concurrency" else v for n, v in zip(names, values, strict=True)]
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
