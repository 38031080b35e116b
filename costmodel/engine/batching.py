"""Continuous batching: how many requests each replica decodes, and the throughput that follows.

Sources:
- Continuous (iteration-level) batching (Yu et al., Orca, OSDI 2022): while B
  requests decode, finished ones are replaced and their prompts prefilled, so
  each output token costs step/B of decode plus prefill/S_out of prefill time
  on its replica.
- Concurrency spreads over the replicas; with fewer requests than replicas
  only as many replicas are busy as there are requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Occupancy:
    """Requests in flight across the deployment and per busy replica."""

    concurrency: np.ndarray
    """Requests decoded together across the deployment (at least 1)."""
    busy_replicas: np.ndarray
    batch: np.ndarray
    """Sequences per busy replica, B."""


def occupancy(requested: np.ndarray, max_concurrency: np.ndarray, replicas: np.ndarray) -> Occupancy:
    """Concurrency ``requested`` (0 = the most that fits), capped at what fits (at least 1), spread
    evenly over the busy replicas."""
    conc = np.minimum(requested, np.maximum(max_concurrency, 1))
    if not np.all(requested > 0):  # some points ask for the most that fits
        conc = np.where(requested > 0, conc, max_concurrency)
    conc = np.maximum(conc, 1.0)
    busy = np.minimum(replicas, conc)
    return Occupancy(concurrency=conc, busy_replicas=busy, batch=conc / busy)


@dataclass(frozen=True, slots=True)
class Throughput:
    """Deployment throughput under continuous batching."""

    decode_seconds_per_output_token: np.ndarray
    """Replica seconds of decode per output token: step / (B x tokens per step)."""
    output_tokens_per_second: np.ndarray
    decode_tokens_per_second: np.ndarray
    """Output tokens/s counting decode alone."""
    prefill_tokens_per_second: np.ndarray
    """New prompt tokens/s with every replica prefilling."""
    requests_per_second: np.ndarray


def continuous_batching_throughput(
    occ: Occupancy,
    replicas: np.ndarray,
    decode_step_seconds: np.ndarray,
    tokens_per_step: np.ndarray,
    prefill_seconds_per_request: np.ndarray,
    new_tokens: np.ndarray,
    output_tokens: np.ndarray,
) -> Throughput:
    """Output tokens/s: busy replicas / (step / (B x tokens per step) + prefill / S_out) (Orca)."""
    decode_per_token = decode_step_seconds / (occ.batch * tokens_per_step)
    seconds_per_output_token = decode_per_token + prefill_seconds_per_request / output_tokens
    output_tps = occ.busy_replicas / seconds_per_output_token
    return Throughput(
        decode_seconds_per_output_token=decode_per_token,
        output_tokens_per_second=output_tps,
        decode_tokens_per_second=occ.busy_replicas * occ.batch * tokens_per_step / decode_step_seconds,
        prefill_tokens_per_second=replicas * new_tokens / prefill_seconds_per_request,
        requests_per_second=output_tps / output_tokens,
    )
