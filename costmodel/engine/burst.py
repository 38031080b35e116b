"""A finite burst: N requests sent at once and timed to the last completion.

Benchmarks such as ``vllm bench serve --num-prompts 1000`` with no concurrency cap (GPUStack's
performance lab) send every request at t = 0 and divide the tokens by the time to the *last*
completion. A server whose replica holds B sequences runs two phases:

- **Full batch.** While requests wait, every finished sequence is replaced at once (continuous
  batching; Yu et al., Orca, OSDI 2022), so the batch stays at B.
- **Drain.** Once the queue is empty the batch shrinks as sequences finish, down to the last one,
  which decodes alone.

Per replica with n requests (n >= B), counted in decode steps of output length mean O:

- *Fixed lengths* (``output_tokens_cv`` = 0): requests finish in waves of B; ceil(n / B) waves of O
  steps, so the step-averaged batch is n / ceil(n / B).
- *Varying lengths* (cv > 0): modelled as memoryless (exponential) lengths, exact at cv = 1, where
  each sequence in flight finishes in a step with probability 1 / O. The full phase completes n - B
  requests at B / O per step, (n - B) O / B steps; the drain from B sequences takes O (1/B + 1/(B-1)
  + ... + 1) = O H_B steps (the expected maximum of B exponentials; H_B the harmonic number). Every
  request decodes O tokens, so the step-averaged batch is n / ((n - B) / B + H_B).
  With n < B all n start together and the batch is n / H_n.

A step time linear in the batch, t(b) = a + c b, makes the burst's throughput the steady-state one
at that averaged batch: tokens / time = n O / (a T + c n O) = b / (a + c b) with b = n O / T and T
the steps. The engine therefore serves the burst at its step-averaged batch
(``burst_occupancy``); the prefill work per request is the same in both phases.

Example: gpt-oss-120b on one H100, 1,000 ShareGPT prompts (GPUStack), B = 578 sequences fit (output
length cv 1): the averaged batch is 1000 / (422/578 + H_578) = 1000 / (0.73 + 6.94) = 130, not 578.
"""

from __future__ import annotations

import numpy as np

from costmodel.engine.batching import Occupancy

EULER_GAMMA = 0.5772156649015329


def harmonic_number(x: np.ndarray | float) -> np.ndarray:
    """H(x) = 1 + 1/2 + ... + 1/x, continued to real x >= 0 as digamma(x + 1) + gamma.

    Computed as H(x + 10) - sum_{j=1..10} 1/(x + j) with the asymptotic series
    ln y + gamma + 1/(2y) - 1/(12 y^2) + 1/(120 y^4) - 1/(252 y^6) at y = x + 10 >= 10 (error below 1e-10;
    Abramowitz and Stegun 6.3.18 and 6.3.5).
    """
    x = np.asarray(x, dtype=float)
    y = x + 10.0
    h = np.log(y) + EULER_GAMMA + 1 / (2 * y) - 1 / (12 * y ** 2) + 1 / (120 * y ** 4) - 1 / (252 * y ** 6)
    return h - sum(1.0 / (x + j) for j in range(1, 11))


def burst_mean_batch(requests: np.ndarray, batch: np.ndarray, varying_lengths: np.ndarray | bool) -> np.ndarray:
    """Step-averaged batch of ``requests`` (n, per replica) served by a replica that holds ``batch`` (B).

    Fixed lengths: n / ceil(n / B). Varying (memoryless) lengths: n / ((n - B)+ / B + H_min(n, B)).
    Both equal B for a steady stream (n -> infinity).
    """
    n = np.maximum(np.asarray(requests, dtype=float), 1.0)
    b = np.clip(np.asarray(batch, dtype=float), 1.0, n)
    fixed = n / np.ceil(n / b - 1e-9)
    varying = n / (np.maximum(n - b, 0.0) / b + harmonic_number(b))
    return np.where(varying_lengths, varying, fixed)


def burst_occupancy(occ: Occupancy, burst_requests: np.ndarray, output_cv: np.ndarray) -> Occupancy:
    """The occupancy of a finite burst of ``burst_requests`` (0 = a steady stream: ``occ`` unchanged).

    The requests spread evenly over the busy replicas; a replica holds at most its steady batch and
    at most its share of the burst, and serves at the step-averaged batch of ``burst_mean_batch``.
    """
    burst = np.asarray(burst_requests, dtype=float)
    if not np.any(burst > 0):
        return occ
    busy = np.where(burst > 0, np.minimum(occ.busy_replicas, np.maximum(burst, 1.0)), occ.busy_replicas)
    per_replica = np.maximum(burst, 1.0) / busy
    mean = burst_mean_batch(per_replica, np.minimum(occ.batch, per_replica), np.asarray(output_cv) > 0)
    batch = np.where(burst > 0, mean, occ.batch)
    return Occupancy(concurrency=batch * busy, busy_replicas=busy, batch=batch)
