"""Service-level targets: per-user speed, TTFT under load, and the largest batch that meets both.

A service level is two targets on the Scenario: ``min_tokens_per_second_per_user`` (each user's
output speed) and ``max_ttft_seconds`` (p99 time to first token). 0 switches a target off.

Per-user speed under continuous batching (Orca, Yu et al. OSDI 2022). A replica decoding B
sequences of O output tokens, each step taking ``step`` seconds and yielding ``tps`` tokens per
sequence (speculative decoding: Leviathan et al. 2023, Eq. 1), also prefills the B requests that
replace finished ones: during one request's life the replica spends O x step / tps decoding and
B x s prefilling (s = prefill seconds per request). The user therefore sees

    tokens/s per user = O / (O x step / tps + B x s) = replica output tokens/s / B,

Little's law on the replica: the decode stalls caused by other requests' prefills are included.
The speed target is read as this mean. MLPerf's p99 TPOT limit is compared with the same mean:
in the MLPerf v5.1 Server logs p99 TPOT is within 3-8 % of p50 (DeepSeek-R1 on 8 x B200: 69.9 /
72.2 ms; data/calibration), so the tail of TPOT is narrow, unlike the tail of TTFT.

p99 TTFT under load. Requests arrive at random (Poisson, as in MLPerf Server) and the scheduler
runs prefills ahead of decode steps (vLLM's and SGLang's default). A new request waits for the
decode step in flight (at most one ``step``), then for the prefills queued ahead of it, then runs
its own prefill (``ttft_alone``, the request prefilled by itself). The prefill queue is an M/M/1
queue with service time s and load rho = B s / (O step / tps + B s), the share of the replica's
time spent prefilling; its waiting time has P(W > t) = rho exp(-(1 - rho) t / s) (Kleinrock,
Queueing Systems vol. 1, 1975, section 3.2), so the p-quantile is

    W_p = s / (1 - rho) x ln(rho / (1 - p))   (0 when rho <= 1 - p),
    TTFT_p99 = step + W_0.99 + ttft_alone.

The queueing factor 1 / (1 - rho) grows without bound as prefill fills the replica: a TTFT target
caps the batch where long prompts make prefill the busy phase.

Search. Both per-user speed and TTFT get worse as the batch grows, so the largest batch per
replica that meets both targets is found by bisection over whole batches between 1 and the
memory/engine cap, a fixed number of iterations over arrays (every point and every candidate plan
at once; no Python loop over scenarios). What binds is reported as one of :data:`BINDING`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

P99 = 0.99
"""Quantile of the TTFT target (MLPerf Server and most serving SLOs use p99)."""

BINDING: tuple[str, ...] = ("memory", "engine", "tpot", "ttft")
"""What limits the concurrency, by code: KV-cache memory, the engine's batch/token limits
(``max_batch_size``, ``max_num_tokens``), the per-user speed target, the TTFT target."""

MEMORY, ENGINE, TPOT, TTFT = range(4)


def tokens_per_second_per_user(output_tokens_per_second_per_replica: np.ndarray, batch: np.ndarray) -> np.ndarray:
    """Output tokens/s one user sees: the replica's output rate over the sequences it holds (Little's law)."""
    return np.asarray(output_tokens_per_second_per_replica) / np.maximum(np.asarray(batch, dtype=float), 1.0)


def prefill_busy_share(
    batch: np.ndarray,
    prefill_seconds_per_request: np.ndarray,
    output_tokens: np.ndarray,
    decode_step_seconds: np.ndarray,
    tokens_per_step: np.ndarray,
) -> np.ndarray:
    """Share of a replica's time spent prefilling at batch B: B s / (O step / tps + B s), in [0, 1)."""
    prefill = np.asarray(batch, dtype=float) * prefill_seconds_per_request
    decode = np.asarray(output_tokens, dtype=float) * decode_step_seconds / tokens_per_step
    return prefill / np.maximum(prefill + decode, 1e-300)


def queue_wait_quantile(service_seconds: np.ndarray, load: np.ndarray, p: float = P99) -> np.ndarray:
    """p-quantile of the M/M/1 waiting time: s / (1 - rho) ln(rho / (1 - p)), 0 when rho <= 1 - p."""
    rho = np.clip(np.asarray(load, dtype=float), 0.0, 1.0 - 1e-12)
    tail = np.log(np.maximum(rho, 1e-300) / (1.0 - p))
    return np.where(rho > 1.0 - p, np.asarray(service_seconds) / (1.0 - rho) * tail, 0.0)


def ttft_p99_seconds(
    ttft_alone_seconds: np.ndarray,
    decode_step_seconds: np.ndarray,
    prefill_seconds_per_request: np.ndarray,
    prefill_load: np.ndarray,
) -> np.ndarray:
    """p99 time to first token under load: one decode step + the p99 prefill queue wait + the own prefill."""
    wait = queue_wait_quantile(prefill_seconds_per_request, prefill_load)
    return decode_step_seconds + wait + ttft_alone_seconds


def meets_targets(
    speed: np.ndarray, ttft_p99: np.ndarray, min_speed: np.ndarray, max_ttft: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(speed target met, TTFT target met); a target of 0 is always met."""
    speed_ok = (np.asarray(min_speed) <= 0) | (speed >= min_speed)
    ttft_ok = (np.asarray(max_ttft) <= 0) | (ttft_p99 <= max_ttft)
    return speed_ok, ttft_ok


def bisection_iterations(cap: np.ndarray) -> int:
    """Halvings that narrow [1, cap] to one batch: ceil(log2(cap)) + 1."""
    top = float(np.max(cap, initial=1.0))
    return int(np.ceil(np.log2(max(top, 1.0)))) + 1


def largest_batch_meeting(
    evaluate_at: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    memory_cap: np.ndarray,
    engine_cap: np.ndarray,
    min_speed: np.ndarray,
    max_ttft: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The largest whole batch per replica in [1, cap] that meets both targets.

    ``evaluate_at(batch)`` returns (tokens/s per user, p99 TTFT seconds) at a per-replica batch
    (arrays broadcast with the caps). ``memory_cap``: sequences whose KV cache fits;
    ``engine_cap``: the engine's sequence/token limits. Returns (batch, meets, binding code):
    ``batch`` is 1 where even one sequence misses a target (``meets`` False) or nothing fits;
    ``binding`` indexes :data:`BINDING` - the target that stops the batch growing, or the cap
    (memory or engine, whichever is smaller) when the targets allow more.
    """
    memory_cap = np.floor(np.asarray(memory_cap, dtype=float))
    engine_cap = np.floor(np.asarray(engine_cap, dtype=float))
    cap = np.maximum(np.minimum(memory_cap, engine_cap), 1.0)
    cap_code = np.where(memory_cap <= engine_cap, MEMORY, ENGINE)

    def ok(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        speed, ttft = evaluate_at(batch)
        return meets_targets(speed, ttft, min_speed, max_ttft)

    speed_ok, ttft_ok = ok(np.ones_like(cap))
    meets = speed_ok & ttft_ok
    lo = np.ones_like(cap)  # invariant: lo meets the targets (or lo = 1 and nothing does)
    hi = np.where(meets, cap, 1.0)  # invariant: the answer is <= hi
    for _ in range(bisection_iterations(cap)):
        mid = np.floor((lo + hi + 1) / 2)
        good = np.logical_and(*ok(mid))
        lo = np.where(good, np.maximum(lo, mid), lo)
        hi = np.where(good, hi, np.minimum(hi, mid - 1))
    batch = lo
    # What stops the batch: a target that fails one sequence further, else the cap.
    next_speed_ok, next_ttft_ok = ok(np.minimum(batch + 1, cap))
    at_cap = batch >= cap
    binding = np.where(
        ~meets,
        np.where(~speed_ok, TPOT, TTFT),
        np.where(at_cap, cap_code, np.where(~next_speed_ok, TPOT, np.where(~next_ttft_ok, TTFT, cap_code))),
    )
    fits = memory_cap >= 1  # not even one sequence fits: memory binds and no target is met
    binding = np.where(fits, binding, MEMORY)
    return batch, meets & fits, binding.astype(np.int8)


def speed_and_ttft(
    batch: np.ndarray,
    decode_step_seconds: np.ndarray,
    tokens_per_step: np.ndarray,
    prefill_seconds_per_request: np.ndarray,
    ttft_alone_seconds: np.ndarray,
    output_tokens: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(tokens/s per user, p99 TTFT seconds) of a replica decoding ``batch`` sequences.

    Speed = O / (O x step / tps + B x s) (see the module docstring); TTFT from :func:`ttft_p99_seconds`.
    """
    b = np.asarray(batch, dtype=float)
    decode = output_tokens * decode_step_seconds / tokens_per_step
    speed = output_tokens / (decode + b * prefill_seconds_per_request)
    load = prefill_busy_share(b, prefill_seconds_per_request, output_tokens, decode_step_seconds, tokens_per_step)
    return speed, ttft_p99_seconds(ttft_alone_seconds, decode_step_seconds, prefill_seconds_per_request, load)


def targets_set(min_speed: np.ndarray, max_ttft: np.ndarray) -> bool:
    """Whether any point has a service-level target (else the search is skipped: the cap binds)."""
    return bool(np.any(np.asarray(min_speed) > 0) or np.any(np.asarray(max_ttft) > 0))


def service_level_batch(
    step_seconds_at: Callable[[np.ndarray], np.ndarray],
    tokens_per_step: np.ndarray,
    prefill_seconds_per_request: np.ndarray,
    ttft_alone_seconds: np.ndarray,
    output_tokens: np.ndarray,
    memory_cap: np.ndarray,
    engine_cap: np.ndarray,
    min_speed: np.ndarray,
    max_ttft: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(largest batch per replica meeting the targets, binding code) for the engine's decode step.

    ``step_seconds_at(batch)`` is the decode step (speculative drafts included) at a per-replica batch.
    Without targets the batch is the memory/engine cap and the smaller of the two binds.
    """
    cap = np.minimum(np.floor(memory_cap), np.floor(engine_cap))
    if not targets_set(min_speed, max_ttft):
        code = np.where((memory_cap <= engine_cap) | (memory_cap < 1), MEMORY, ENGINE).astype(np.int8)
        return np.maximum(cap, 1.0), code

    def at(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return speed_and_ttft(batch, step_seconds_at(batch), tokens_per_step, prefill_seconds_per_request,
                              ttft_alone_seconds, output_tokens)

    batch, _, code = largest_batch_meeting(at, memory_cap, engine_cap, min_speed, max_ttft)
    return batch, code


__all__ = [
    "BINDING",
    "P99",
    "bisection_iterations",
    "largest_batch_meeting",
    "meets_targets",
    "prefill_busy_share",
    "queue_wait_quantile",
    "service_level_batch",
    "speed_and_ttft",
    "targets_set",
    "tokens_per_second_per_user",
    "ttft_p99_seconds",
]
