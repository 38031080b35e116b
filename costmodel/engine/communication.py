"""Communication inside one model replica: tensor-parallel all-reduces and expert-parallel all-to-alls.

Sources:
- Tensor parallelism (Shoeybi et al., Megatron-LM, arXiv 1909.08053, section
  3): two all-reduces of tokens x d activations per layer per step (one after
  attention, one after the MLP). A ring all-reduce sends 2 (t-1)/t x the
  buffer over each GPU's link (reduce-scatter then all-gather), plus a fixed
  latency per collective.
- Expert parallelism (DeepSeek-V3 report, arXiv 2412.19437, section 3.4, and
  DeepSeek open-infra-index day 6): MoE layers exchange tokens with an
  all-to-all, dispatch then combine, each token going to its k experts; the
  share (t-1)/t of copies leaves the GPU. Dispatch runs in fp8 where the
  matrices run in fp8, combine in bf16. Across nodes, node-limited routing
  sends one copy per target node (at most ``max_routed_nodes``) and forwards
  it over NVLink inside the node. With data-parallel attention two
  micro-batches overlap the all-to-all with compute.
- Beyond the scale-up domain (NVLink) traffic takes the network: one 400 Gb/s
  NIC per GPU (ConnectX-7 in DGX H100), or the card's own link if slower (PCIe).

Every function is vectorised over the points (and plans) of a block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.hardware import GPU
from costmodel.engine.expert_parallel import dispatch_copies, non_overlapped_alltoall

INTER_NODE_GB_S = 100.0
"""Bidirectional GB/s per GPU between scale-up domains: one 400 Gb/s NIC per GPU (ConnectX-7 in DGX H100)."""

ACTIVATION_BYTES = 2
"""Bytes per activation value exchanged between GPUs (bf16)."""


@dataclass(frozen=True, slots=True)
class Interconnect:
    """The links of one replica of ``tensor_parallel`` GPUs, per point (arrays broadcast together)."""

    tensor_parallel: np.ndarray
    link_bytes_s: np.ndarray
    """One-way bytes/s per GPU reached by collectives (the slower link once the group spans nodes)."""
    latency_s: float
    """Fixed cost of one collective, seconds."""
    across_nodes: np.ndarray
    """True where the group is larger than the GPU's scale-up domain."""
    attention_data_parallel: np.ndarray
    dispatch_bytes: np.ndarray
    """Bytes per value of the MoE dispatch: 1 where the matrices run in fp8 or fp4, else 2 (bf16)."""
    multi: np.ndarray
    """True where the replica has more than one GPU (only then is there traffic)."""
    ring_factor: np.ndarray
    """``ring_allreduce_factor`` of the group."""
    nodes: np.ndarray | float = 1.0
    """Scale-up domains the group spans (tensor_parallel / scale_up_domain_gpus, at least 1)."""
    two_batch_overlap: bool = True
    """Whether a replica spanning scale-up domains runs two micro-batches (``hidden_alltoall_share``)."""


def interconnect(
    gpu: GPU,
    tensor_parallel: np.ndarray,
    comm_efficiency: np.ndarray,
    collective_latency_us: float,
    attention_data_parallel: np.ndarray,
    compute_dtype_code: np.ndarray,
    two_batch_overlap: bool = True,
) -> Interconnect:
    """The links a replica's collectives use: NVLink inside the scale-up domain, the network beyond it.

    ``compute_dtype_code`` is 0 for bf16 (an index into ``roofline.DTYPE_CODES``); ``two_batch_overlap``
    False where the serving configuration runs no second micro-batch (``hidden_alltoall_share``).
    """
    tp = tensor_parallel
    across_nodes = tp > gpu.scale_up_domain_gpus
    network = np.minimum(INTER_NODE_GB_S * 1e9 / 2, gpu.link_bytes_s_one_way)  # one way: half the bidirectional NIC
    return Interconnect(
        tensor_parallel=tp,
        link_bytes_s=np.where(across_nodes, network, gpu.link_bytes_s_one_way) * comm_efficiency,
        latency_s=collective_latency_us / 1e6,
        across_nodes=across_nodes,
        attention_data_parallel=attention_data_parallel,
        dispatch_bytes=np.where(compute_dtype_code == 0, float(ACTIVATION_BYTES), 1.0),
        multi=tp > 1,
        ring_factor=ring_allreduce_factor(tp),
        nodes=np.maximum(tp / gpu.scale_up_domain_gpus, 1.0),
        two_batch_overlap=bool(two_batch_overlap),
    )


def ring_allreduce_factor(tensor_parallel: np.ndarray) -> np.ndarray:
    """Bytes each GPU sends per byte of buffer in a ring all-reduce: 2 (t-1)/t (0 for one GPU)."""
    tp = tensor_parallel
    return np.where(tp > 1, 2 * (tp - 1) / tp, 0.0)


def allreduce_seconds(
    model: ModelArchitecture, net: Interconnect, tokens: np.ndarray, collectives: np.ndarray | float = 1.0
) -> np.ndarray:
    """Seconds of tensor-parallel all-reduces in one step of ``tokens`` tokens (Megatron-LM, section 3).

    One all-reduce of tokens x d bf16 values after each attention and each dense FFN layer, ring
    algorithm; ``collectives`` counts the latency (steps, or a share of one). Zero with data-parallel
    attention (each GPU holds the whole attention) and on one GPU.
    """
    buffer_bytes = tokens * model.hidden_size * ACTIVATION_BYTES
    seconds = (model.num_layers + model.dense_layers) * (
        net.ring_factor * buffer_bytes / net.link_bytes_s + net.latency_s * collectives
    )
    return np.where(net.attention_data_parallel | ~net.multi, 0.0, seconds)


def alltoall_seconds(
    model: ModelArchitecture,
    net: Interconnect,
    tokens: np.ndarray,
    experts_active: np.ndarray,
    collectives: np.ndarray | float = 1.0,
    alltoall_latency_s: float | None = None,
    low_latency: bool = False,
) -> np.ndarray:
    """Seconds of expert-parallel all-to-alls (dispatch + combine) in one step of ``tokens`` tokens.

    Each token sends k copies (across nodes one per target node, node-limited routing, unless
    ``low_latency``: DeepEP's decode kernels send all k, ``expert_parallel.dispatch_copies``) of d values,
    dispatched at ``dispatch_bytes`` and combined at 2 bytes; the share (t-1)/t leaves the GPU and the
    t GPUs send in parallel. Two collectives per MoE layer, each with its latency (DeepSeek-V3 report,
    section 3.4).
    """
    tp, k = net.tensor_parallel, experts_active
    multi = net.multi
    leaving = np.where(multi, (tp - 1) / tp, 0.0)
    # Across nodes DeepEP's normal kernels send one copy per target node, its low-latency kernels all k.
    copies_out = dispatch_copies(net.nodes, k, model.max_routed_nodes, net.across_nodes, low_latency)
    exchanged = tokens * copies_out * model.hidden_size * (net.dispatch_bytes + ACTIVATION_BYTES) * leaving
    # The expert-parallel (data-parallel attention) dispatch pays DeepEP's latency; a tensor-parallel
    # MoE exchange is an ordinary collective.
    latency = net.latency_s if alltoall_latency_s is None else np.where(
        net.attention_data_parallel, alltoall_latency_s, net.latency_s)
    return np.where(
        multi, model.moe_layers * (exchanged / (tp * net.link_bytes_s) + 2 * latency * collectives), 0.0
    )


def hidden_alltoall_share(across_nodes: np.ndarray, two_batch_overlap: bool, engine_overlap: float) -> np.ndarray:
    """Share of the MoE all-to-all that hides behind compute under data-parallel attention.

    Beyond one scale-up domain a wide expert-parallel replica that runs two micro-batches hides it in full
    (DeepSeek's decode and prefill, open-infra-index day 6; SGLang large-scale EP, LMSYS 2025-05-05, with
    ``--enable-two-batch-overlap``); the DeepEP low-latency kernels return a receive hook for that purpose and
    do not overlap by themselves (DeepEP README: "If you don't want to overlap, please set
    ``return_recv_hook=False``"). A configuration that sets no second micro-batch (``two_batch_overlap``
    False: InferenceX's TensorRT-LLM WIDEEP recipes on H100, its SGLang + MoRI flags) hides only what the
    engine's defaults hide inside a node, ``engine_overlap`` (``ep_decode_overlap`` 0, ``ep_prefill_overlap``
    0.5), so the RDMA dispatch/combine sits on the step's critical path.
    """
    return np.where(np.asarray(across_nodes) & bool(two_batch_overlap), 1.0, engine_overlap)


def communication_seconds(
    model: ModelArchitecture,
    net: Interconnect,
    tokens: np.ndarray,
    experts_active: np.ndarray,
    collectives: np.ndarray | float = 1.0,
    overlap: float = 1.0,
    alltoall_latency_s: float | None = None,
    low_latency: bool = False,
) -> tuple[np.ndarray, np.ndarray | float]:
    """Communication in one step of ``tokens``: (serial seconds, seconds that can overlap compute).

    All-reduces are serial. The MoE all-to-all is serial under tensor-parallel attention; under
    data-parallel attention the share ``overlap`` hides behind compute (DeepSeek's two micro-batches,
    open-infra-index day 6) and the rest is serial (``expert_parallel.non_overlapped_alltoall``).
    ``low_latency`` True for decode (DeepEP's low-latency kernels, ``alltoall_seconds``).
    """
    allreduce = allreduce_seconds(model, net, tokens, collectives)
    if not model.is_moe:
        return allreduce, 0.0
    alltoall = alltoall_seconds(model, net, tokens, experts_active, collectives, alltoall_latency_s, low_latency)
    dp = net.attention_data_parallel
    # Wide expert parallelism beyond one scale-up domain with two micro-batches hides the all-to-all in full;
    # inside one node, or without a second micro-batch, the engines' defaults overlap only ``overlap``.
    overlap = hidden_alltoall_share(net.across_nodes, net.two_batch_overlap, overlap)
    serial_dp, hidden_dp = non_overlapped_alltoall(alltoall, overlap)
    return allreduce + np.where(dp, serial_dp, alltoall), np.where(dp, hidden_dp, 0.0)
