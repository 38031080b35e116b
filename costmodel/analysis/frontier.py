"""The throughput-interactivity frontier: what a GPU delivers against how fast each user is served.

Inference engineers read serving performance as InferenceX and AIConfigurator draw it: for every
plan (tensor-parallel group size t, replicas of t GPUs) and every batch B per replica, one point
of (tokens/s per user, throughput per GPU). A bigger batch shares each read of the weights over
more sequences, so throughput per GPU rises while every user's speed falls; the upper-right
envelope of all points is the frontier, and a speed target picks a point on it.

Per point, all from one vectorised :func:`costmodel.estimate_arrays` call over (plan, batch):

- tokens/s per user: the engine's (costmodel.engine.service_level: the replica's output rate over
  its sequences, so each user's stream also waits for the prefills of the requests that replace
  finished ones), speculative decoding included;
- output tokens/s per GPU = deployment output tokens/s / GPUs paid for (all of them, also GPUs
  left over when the group size does not divide the deployment);
- all-in $ per million output tokens = GPUs x $/GPU-hour / 3600 / output tokens/s x 1e6 / u, and
  blended $ per million tokens = the same over input + output tokens/s, both the engine's
  (costmodel.engine.money.all_in_usd_per_million; u = the scenario's utilization).

The curve evaluates every batch (an explicit concurrency is not capped by the service level);
each point says whether it meets the scenario's targets (``meets_slo``: speed per user and p99
time to first token, costmodel.engine.service_level), and the scenario's own operating point,
where the engine's search stops, is given by :func:`operating_point`.
Tested in tests/test_frontier.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog
from costmodel.engine.inference import Estimate, estimate_arrays
from costmodel.engine.planner import plan_candidates
from costmodel.engine.scenario import Scenario

BATCH_GRID_POINTS = 48
"""Batches per replica on the curve: log-spaced from 1 to the engine's sequence limit."""

COLUMNS: tuple[str, ...] = (
    "tensor_parallel", "replicas", "batch_per_replica", "concurrency", "tokens_per_second_per_user",
    "output_tokens_per_second_per_gpu", "tokens_per_second_per_gpu", "usd_per_million_output_tokens_all_in",
    "usd_per_million_tokens_blended", "tpot_seconds", "ttft_p99_seconds", "meets_slo", "on_frontier",
)


def batch_grid(max_batch: int, points: int = BATCH_GRID_POINTS) -> np.ndarray:
    """Whole batches per replica from 1 to ``max_batch``, log-spaced (both ends included)."""
    top = max(int(max_batch), 1)
    return np.unique(np.round(np.geomspace(1, top, points))).astype(float)


def plan_sizes(s: Scenario) -> list[int]:
    """Tensor-parallel group sizes drawn: the scenario's own if set, else the planner's candidates (powers of
    two up to the deployment, and the whole deployment)."""
    if s.tensor_parallel is not None:
        return [min(int(s.tensor_parallel), s.gpus)]
    sizes = plan_candidates(float(s.gpus))
    return sorted(set(sizes) | {s.gpus})


def pareto_mask(speed: np.ndarray, throughput: np.ndarray) -> np.ndarray:
    """True where no other point is at least as fast per user and delivers more per GPU (the upper-right
    envelope). Sort by speed, fastest first; a point is on it when it beats every faster point."""
    speed, throughput = np.asarray(speed, dtype=float), np.asarray(throughput, dtype=float)
    order = np.lexsort((-throughput, -speed))  # fastest first; at equal speed the best throughput first
    best_before = np.concatenate([[-np.inf], np.maximum.accumulate(throughput[order])[:-1]])
    mask = np.zeros(speed.shape, dtype=bool)
    mask[order] = throughput[order] > best_before
    return mask


def frontier_points(s: Scenario, catalog: Catalog, batches: np.ndarray | None = None) -> pd.DataFrame:
    """Every (plan, batch per replica) point that fits, with :data:`COLUMNS`; ``on_frontier`` marks the envelope.

    One engine call over a (plans, batches) grid; a batch beyond what fits in memory (or the engine's
    limits) is capped by the engine, and the repeats this makes are dropped, so each plan's curve ends at its
    largest batch.
    """
    tp = np.asarray(plan_sizes(s), dtype=float)[:, None]
    replicas = np.floor(s.gpus / tp)
    grid = batch_grid(s.max_batch_size) if batches is None else np.asarray(batches, dtype=float)
    # the Scenario accepts at most 10M requests at once: a large engine limit times many replicas can exceed it
    arr = estimate_arrays(s, catalog, tensor_parallel=tp, concurrency=np.minimum(grid[None, :] * replicas, 1e7))
    shape = np.broadcast_shapes(tp.shape, (1, grid.size))
    flat = {k: np.broadcast_to(np.asarray(v), shape).reshape(-1) for k, v in arr.items()
            if np.asarray(v).dtype.kind in "fiub"}
    keep = flat["fits"].astype(bool) & (flat["output_tokens_per_second"] > 0)
    f = {k: v[keep] for k, v in flat.items()}
    # The axis comes back as requested; the engine served at most what fits (its occupancy rule).
    f["concurrency"] = np.minimum(f["concurrency"], np.maximum(f["max_concurrency"], 1))
    df = pd.DataFrame({
        "tensor_parallel": f["tensor_parallel"].astype(int),
        "replicas": f["replicas"].astype(int),
        "batch_per_replica": f["concurrency"] / np.minimum(f["replicas"], f["concurrency"]),
        "concurrency": f["concurrency"],
        "tokens_per_second_per_user": f["tokens_per_second_per_user"],
        "output_tokens_per_second_per_gpu": f["output_tokens_per_second"] / s.gpus,
        "tokens_per_second_per_gpu": f["requests_per_second"] * (s.prompt_tokens + s.output_tokens) / s.gpus,
        "usd_per_million_output_tokens_all_in": f["usd_per_million_output_tokens_all_in"],
        "usd_per_million_tokens_blended": f["usd_per_million_tokens_blended"],
        "tpot_seconds": f["tpot_seconds"],
        "ttft_p99_seconds": f["ttft_p99_seconds"],
        "meets_slo": f["meets_slo"].astype(bool),
    })
    df = df.drop_duplicates(["tensor_parallel", "concurrency"]).reset_index(drop=True)
    df["on_frontier"] = pareto_mask(df["tokens_per_second_per_user"].to_numpy(),
                                    df["output_tokens_per_second_per_gpu"].to_numpy())
    return df.sort_values(["tensor_parallel", "concurrency"]).reset_index(drop=True)[list(COLUMNS)]


def operating_point(s: Scenario, r: Estimate) -> dict[str, float]:
    """The scenario's own point in the frontier's coordinates (from its estimate)."""
    return {
        "tensor_parallel": float(r.tensor_parallel),
        "concurrency": float(r.concurrency),
        "tokens_per_second_per_user": r.tokens_per_second_per_user,
        "output_tokens_per_second_per_gpu": r.output_tokens_per_second / s.gpus,
        "tokens_per_second_per_gpu": r.requests_per_second * (s.prompt_tokens + s.output_tokens) / s.gpus,
        "usd_per_million_output_tokens_all_in": r.usd_per_million_output_tokens_all_in,
        "usd_per_million_tokens_blended": r.usd_per_million_tokens_blended,
    }


__all__ = ["BATCH_GRID_POINTS", "COLUMNS", "batch_grid", "frontier_points", "operating_point", "pareto_mask",
           "plan_sizes"]
