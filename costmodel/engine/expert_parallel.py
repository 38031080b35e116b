"""Expert parallelism: the busiest GPU sets the step, and dispatch/combine that does not hide.

Sources:
- **Load imbalance.** With expert parallelism over G GPUs, a step's T tokens send T x k expert
  assignments, on average lambda = T k / G per GPU. The step waits for the busiest GPU. With
  random routing the per-GPU counts are about Poisson(lambda) and their maximum is about
  lambda + sqrt(2 lambda ln G) (the Gaussian approximation of the largest of G counts; Gumbel
  1958); real routers are also skewed towards popular experts, which adds ``skew`` (DeepSeek-V3
  report, arXiv 2412.19437, section 3.4: "redundant experts" duplicate the hot experts; EPLB,
  github.com/deepseek-ai/EPLB, balances them across GPUs). ``eplb`` in [0, 1] is the share of the
  skew that redundant experts and EPLB remove.
- **Dispatch across nodes.** DeepEP (github.com/deepseek-ai/DeepEP) sends a token once to each
  node that holds one of its k experts and forwards it over NVLink inside the node: with N nodes
  and uniform routing the expected number of target nodes is N (1 - (1 - 1/N)^k), at most the
  model's node limit (DeepSeek-V3: 4). That dedup is the normal (prefill) kernels'; the low-latency
  (decode) kernels send each of a token's k copies to its expert directly over RDMA, one per routed
  expert, with no forwarding inside the node (DeepEP README, "Low-latency kernels"):
  ``dispatch_copies``.
- **What overlaps.** Two micro-batches (DeepSeek open-infra-index day 6; SGLang two-batch overlap)
  hide dispatch/combine behind the other micro-batch's compute, but only as far as there is
  compute to hide behind, and decode rarely uses them: the non-overlapped part is
  (1 - overlap) x all-to-all. Each dispatch and combine also pays a fixed latency of tens of
  microseconds (DeepEP low-latency kernels: 77 us dispatch and 114 us combine at EP8, H800;
  AIConfigurator: 13 ms of EP dispatch/combine in DeepSeek-V3's 8 x H200 decode step).
- **Two micro-batches in decode.** DeepSeek's decode splits the batch in two and runs one micro-batch's
  attention and shared-expert kernels while the other's dispatch/combine is in flight; the routed-expert
  GEMMs stay on the critical path (open-infra-index day 6, "Day 6 One More Thing: DeepSeek-V3/R1 Inference
  System Overview", decoding diagram; github.com/deepseek-ai/profile-data, decode traces): the step is
  routed-expert time + max(other kernels, all-to-all), ``two_micro_batch_seconds``.
"""

from __future__ import annotations

import numpy as np


def ep_load_imbalance(tokens: np.ndarray, experts_active: np.ndarray, ep_size: np.ndarray,
                      random_share: float, skew: float, eplb: float) -> np.ndarray:
    """Busiest GPU's expert work over the mean, 1 on one GPU:
    1 + random_share x sqrt(2 ln G / lambda) + skew (1 - eplb).

    ``lambda`` = tokens x k / G expert assignments per GPU per step; ``random_share`` 1 takes the
    Poisson spread of random routing in full (0 leaves it out).
    """
    g = np.asarray(ep_size, dtype=float)
    lam = np.maximum(tokens * experts_active / np.maximum(g, 1.0), 1e-9)
    spread = np.sqrt(2 * np.log(np.maximum(g, 1.0)) / lam)
    return np.where(g > 1, 1.0 + random_share * spread + skew * (1 - eplb), 1.0)


def expected_target_nodes(nodes: np.ndarray, experts_active: np.ndarray, node_limit: int) -> np.ndarray:
    """Nodes a token's k experts lie on, uniform routing: N (1 - (1 - 1/N)^k), capped by ``node_limit`` (0 = none)."""
    n = np.maximum(np.asarray(nodes, dtype=float), 1.0)
    expected = n * (1 - (1 - 1 / n) ** experts_active)
    return np.minimum(expected, node_limit) if node_limit else expected


def dispatch_copies(nodes: np.ndarray, experts_active: np.ndarray, node_limit: int, across_nodes: np.ndarray,
                    low_latency: bool) -> np.ndarray:
    """Copies of each token the expert all-to-all sends (and combines back).

    Inside one scale-up domain: one per routed expert, k. Across domains the normal (prefill) kernels send
    one per target node and forward over NVLink (``expected_target_nodes``); the low-latency (decode)
    kernels send every one of the k copies over RDMA, with no per-node dedup (DeepEP README,
    github.com/deepseek-ai/DeepEP, "Low-latency kernels").
    """
    k = np.asarray(experts_active, dtype=float)
    return np.where(np.asarray(across_nodes) & (not low_latency), expected_target_nodes(nodes, k, node_limit), k)


def two_micro_batch_seconds(routed_expert_seconds: np.ndarray, other_kernel_seconds: np.ndarray,
                            alltoall_seconds: np.ndarray) -> np.ndarray:
    """A decode step with two micro-batches: routed experts + max(other kernels, hidden all-to-all).

    One micro-batch's dispatch/combine runs while the other's attention and dense (shared-expert) kernels
    compute; the routed-expert GEMMs of both run in turn (DeepSeek open-infra-index day 6; profile-data).
    With no all-to-all to hide it is the plain sum of the kernels.
    """
    return routed_expert_seconds + np.maximum(other_kernel_seconds, alltoall_seconds)


def non_overlapped_alltoall(alltoall_seconds: np.ndarray, overlap: float) -> tuple[np.ndarray, np.ndarray]:
    """(serial, overlappable) parts of an all-to-all of which ``overlap`` can hide behind compute."""
    return alltoall_seconds * (1 - overlap), alltoall_seconds * overlap
