"""The planner: each point's parallelism plan, evaluated in cache-sized blocks.

A plan is a tensor-parallel group size t (replicas of t GPUs) and, for latent
attention (MLA), whether attention runs data-parallel or tensor-parallel inside
the group (see :func:`costmodel.engine.memory_plan.attention_data_parallel`).
The planner stacks every candidate plan on a leading axis, serves them all in one
vectorised pass (the steps of :func:`costmodel.engine.roofline.evaluate` up to the
cost per request), keeps, per point, the cheapest plan that fits, and computes the
results that only the chosen plan reports (energy, prices, what binds) once, at
each point's chosen plan.
"""

from __future__ import annotations

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.engine.memory import weight_bytes_per_param
from costmodel.engine.roofline import (
    evaluate,
    replica_capacity,
    replica_terms,
    request_terms,
    results,
    serve,
    service_level,
)
from costmodel.engine.scenario import Scenario
from costmodel.engine.service_level import targets_set

BLOCK_POINTS = 1 << 14
"""Points evaluated together: keeps the candidate-plan temporaries in cache-sized blocks."""


def plan_candidates(max_gpus: float) -> list[int]:
    """Tensor-parallel sizes the planner tries: powers of two up to the deployment (the deployment itself too)."""
    out, t = [], 1
    while t <= max_gpus:
        out.append(t)
        t *= 2
    return out


def evaluate_points(
    model: ModelArchitecture,
    gpu: GPU,
    eff: Efficiency,
    scenario: Scenario,
    inputs: dict[str, np.ndarray],
    shape: tuple[int, ...],
    auto_plan: bool,
) -> dict[str, np.ndarray]:
    """Evaluate every point of ``shape``, in blocks; with ``auto_plan`` pick each point's cheapest plan."""
    size = int(np.prod(shape, dtype=np.int64))
    flat = {
        k: (np.asarray(np.broadcast_to(v, shape).reshape(-1), dtype=float) if v.size > 1 else v.astype(float).reshape(()))
        for k, v in inputs.items()
    }
    out: dict[str, np.ndarray] = {}
    for start in range(0, max(size, 1), BLOCK_POINTS):
        stop = min(start + BLOCK_POINTS, size) if size else 1
        block = {k: (v[start:stop] if v.ndim else v) for k, v in flat.items()}
        result = evaluate(model, gpu, eff, scenario, block) if not auto_plan else cheapest_plan(
            model, gpu, eff, scenario, block, stop - start
        )
        for key, value in result.items():
            if key not in out:
                out[key] = np.empty(max(size, 1), dtype=np.asarray(value).dtype)
            out[key][start:stop] = value
    return {k: v.reshape(shape) for k, v in out.items()}


def candidate_plans(
    model: ModelArchitecture, gpu: GPU, x: dict[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The plans to try for a block of ``n`` points: (tensor-parallel sizes, data-parallel attention 1/0 or None).

    Every power-of-two group up to the deployment whose memory could hold the weights of some point (and the
    whole deployment as one group where it is not a power of two); latent-attention models try each size both
    with data-parallel and with tensor-parallel attention. Shape (plans, 1) when every point shares the plans,
    else (plans, n).
    """
    gpus = np.asarray(x["gpus"])  # often 0-d: one value for the whole block
    candidates = plan_candidates(float(gpus.max()))
    # Groups too small to hold the weights of any point in the block cannot be a plan: skip them.
    weights = float(np.min(np.asarray(model.total_params(x["experts_total"])) * weight_bytes_per_param(x["weight_bits"])))
    usable_per_gpu = float(np.max(gpu.memory_bytes * x["memory_utilization"]))
    viable = [t for t in candidates if t * usable_per_gpu >= weights] or candidates[-1:]
    whole = bool(np.any(gpus != 2 ** np.floor(np.log2(gpus))))  # a deployment that is not a power of two
    if whole:
        plans = np.empty((len(viable) + 1, n))
        plans[:-1] = np.asarray(viable, dtype=float)[:, None]
        plans[-1] = gpus  # the whole deployment as one group
    else:  # the same plans for every point: what depends on the plan alone stays (plans, 1)
        plans = np.asarray(viable, dtype=float)[:, None]
    if model.attention != "mla" or "attention_dp" in x:  # no latent attention, or its layout given
        return plans, None
    dp = np.repeat([[1.0], [0.0]], len(plans), axis=0)  # latent attention: data-parallel (1) or tensor-parallel (0)
    return np.concatenate([plans, plans]), dp


def slo_shortfall(speed: np.ndarray, ttft_p99: np.ndarray, x: dict[str, np.ndarray]) -> np.ndarray:
    """How far a plan misses its service level: the larger of target speed / speed and p99 TTFT / target
    (1 or less when met; targets of 0 count as met)."""
    speed_target, ttft_target = x["min_tokens_per_second_per_user"], x["max_ttft_seconds"]
    slow = np.where(speed_target > 0, speed_target / np.maximum(speed, 1e-300), 0.0)
    late = np.where(ttft_target > 0, ttft_p99 / np.where(ttft_target > 0, ttft_target, 1.0), 0.0)
    return np.maximum(slow, late)


def at_plan(terms, best: np.ndarray, at: np.ndarray, done: dict):
    """``terms`` (a dataclass of per-plan arrays, nested) at each point's plan: arrays with a plan axis of shape
    (plans, 1) are taken at ``best``, of shape (plans, n) at the flat positions ``at``, both becoming shape (n,);
    the rest (shared by every plan) stay. An array held twice is taken once (``done``, by identity)."""
    if isinstance(terms, np.ndarray):
        if terms.ndim < 2:
            return terms
        if id(terms) not in done:
            if terms.shape[0] == 1:
                done[id(terms)] = terms.reshape(terms.shape[1:])
            else:
                done[id(terms)] = terms[:, 0].take(best) if terms.shape[1] == 1 else terms.reshape(-1).take(at)
        return done[id(terms)]
    names = getattr(terms, "__dataclass_fields__", None)  # a dataclass: its fields in __init__ order
    return terms if names is None else type(terms)(*(at_plan(getattr(terms, f), best, at, done) for f in names))


def cheapest_plan(
    model: ModelArchitecture, gpu: GPU, eff: Efficiency, scenario: Scenario, x: dict[str, np.ndarray], n: int
) -> dict[str, np.ndarray]:
    """One block of ``n`` points under each point's cheapest plan: every ``candidate_plans`` plan is served
    (:func:`costmodel.engine.roofline.serve`) and, per point, the one with the lowest cost per request among
    those where a request fits and the service level is met is kept (where no plan meets it, the plan that
    misses it by the least); the results (energy, prices, what binds ...) are then computed once, at each
    point's chosen plan. ``max_concurrency`` is the most any plan holds.

    Taking the cheapest plan keeps cost monotone in everything that makes every plan dearer (longer
    prompts, fewer cache hits, more active experts), and the best capacity over a growing set of plans
    keeps max_concurrency monotone in the GPU count.
    """
    plans, dp = candidate_plans(model, gpu, x, n)
    req = request_terms(model, gpu, eff, scenario, x)  # the same for every plan: computed once
    stacked = {k: (v[None, :] if v.ndim else v) for k, v in x.items()}
    stacked["tensor_parallel"] = plans
    if dp is not None:
        stacked["attention_dp"] = dp
    capacity = replica_capacity(model, gpu, stacked, req)
    valid = plans <= np.asarray(x["gpus"])
    max_concurrency = np.where(valid, capacity.max_concurrency, 0.0).max(axis=0)  # the most any plan holds
    # A plan that holds no request of the block is never chosen, unless it is a point's largest group (reported
    # where nothing fits): the rest of the work is done for the other plans only.
    keep = np.any(valid & (capacity.batch_cap >= 1), axis=-1)
    keep[np.unique(np.argmax(np.where(valid, plans, -1.0), axis=0))] = True
    if not keep.all():
        plans, valid, capacity = plans[keep], valid[keep], None
        stacked["tensor_parallel"] = plans
        if dp is not None:
            stacked["attention_dp"] = dp[keep]
    rep = replica_terms(model, gpu, eff, scenario, stacked, req, capacity)
    srv = serve(model, eff, stacked, req, rep, with_binding=False)  # what binds: only for the chosen plan
    fitting = np.broadcast_to(valid & (rep.batch_cap >= 1), (len(plans), n))
    meeting = fitting
    if targets_set(x["min_tokens_per_second_per_user"], x["max_ttft_seconds"]):  # else every fitting plan meets
        speed, ttft_p99, speed_ok, ttft_ok = service_level(stacked, req, rep, srv)
        meeting = fitting & speed_ok & ttft_ok
    cost = np.where(meeting, srv.usd_per_request, np.inf)
    any_fit, any_meets = fitting.any(axis=0), meeting.any(axis=0)
    largest = np.argmax(np.where(valid, plans, -1.0), axis=0)  # nothing fits: report the biggest group
    best = np.where(any_meets, cost.argmin(axis=0), largest)
    missed = any_fit & ~any_meets
    if np.any(missed):  # no plan meets the service level: the one that misses it by the least
        closest = np.where(fitting, slo_shortfall(speed, ttft_p99, x), np.inf).argmin(axis=0)
        best = np.where(missed, closest, best)
    at, done = best * n + np.arange(n), {}  # flat positions of each point's plan in (plans, n) arrays
    out = results(model, gpu, eff, x, req, at_plan(rep, best, at, done), at_plan(srv, best, at, done))
    out["max_concurrency"] = max_concurrency
    out["fits"] = any_fit
    return out
