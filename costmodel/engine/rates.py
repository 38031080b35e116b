"""What one replica's GPUs attain per second, and the roofline that turns work into seconds.

Sources:
- Roofline per phase (Pope et al., "Efficiently Scaling Transformer
  Inference", MLSys 2023, arXiv 2211.05102; Williams et al., CACM 2009): time
  = max(FLOPs / (t x peak x MFU), bytes / (t x bandwidth x MBU)), plus
  communication that cannot overlap and a fixed per-step overhead.
- Peak FLOP/s of the matrix units at the compute precision: the GPU's catalog
  entry (dense, no sparsity). Attention runs in bf16 whatever the weights.
- Without FlashAttention (Dao et al. 2022, arXiv 2205.14135) attention reaches
  only ``attention_efficiency_no_flash`` of its roofline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.catalog.hardware import GPU
from costmodel.engine.arrays import is_scalar_value
from costmodel.engine.kernels import weight_only_compute_dtype

DTYPE_CODES = ("bf16", "fp8", "fp4")
"""Compute precisions by integer code (the engine keeps codes, the API returns names)."""

_BITS_OF_DTYPE = {"bf16": 16, "fp8": 8, "fp4": 4}


def peak_flops_for(
    gpu: GPU, compute_dtype: str | None, weight_bits: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Peak matrix FLOP/s and the precision code (index into DTYPE_CODES), per point.

    ``compute_dtype`` None runs the matrices at the weight precision where the GPU supports it (the
    GPU's best precision at or above the weight bits); 4-bit weights without FP4 units run as w4a16
    (``kernels.weight_only_compute_dtype``).
    """
    if compute_dtype is not None:
        dtype = gpu.best_dtype_for_bits(_BITS_OF_DTYPE[compute_dtype])
        return np.asarray(gpu.peak_flops(dtype)), np.asarray(DTYPE_CODES.index(dtype))
    dtypes = [weight_only_compute_dtype(gpu, bits) for bits in (4, 8, 16)]
    peaks = np.array([gpu.peak_flops(d) for d in dtypes])
    codes = np.array([DTYPE_CODES.index(d) for d in dtypes])
    slot = np.where(weight_bits <= 4, 0, np.where(weight_bits <= 8, 1, 2))
    return by_slot(peaks, slot), codes[slot]


def by_slot(table: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """``table[slot]`` per point: a table of one row per slot (3,), or of one column per point (3, n) where the
    GPU is a stack of several (``gpu_stack.GPUStack``)."""
    if table.ndim == 1:
        return table[slot]
    return np.take_along_axis(table, np.broadcast_to(slot, table.shape[1:])[None].astype(np.intp), axis=0)[0]


def sustained_clock_share(gpu: GPU, dtype_codes: np.ndarray) -> np.ndarray | float:
    """Per point, the share of the peak's clock the matrix units hold under sustained work at the compute
    precision (``GPU.matrix_clock_share``; 1 for GPUs without measured sustained clocks). It multiplies the
    MFUs: on a power-limited board the fitted efficiency applies to the clock the matrices run at, so two
    boards of one family at different power limits (MI300X at 750 W, MI325X at 1,000 W) differ as measured."""
    shares = [gpu.matrix_clock_share(name) for name in DTYPE_CODES]
    if all(is_scalar_value(v, 1.0) for v in shares):
        return 1.0
    shape = np.broadcast_shapes(*(np.shape(v) for v in shares))  # () for one GPU, (n,) for a stack of several
    table = np.array([np.broadcast_to(np.asarray(v, dtype=float), shape) for v in shares])
    return by_slot(table, np.asarray(dtype_codes, dtype=np.intp))


def kept_precision_slowdown(gpu: GPU, compute_dtype: str | None, weight_bits: np.ndarray,
                            kept_bits: np.ndarray) -> np.ndarray | float:
    """How much longer a product at ``kept_bits`` takes than one at ``weight_bits``: the ratio of their peaks
    (``peak_flops_for``), at least 1 (``kernels.kept_precision_bits``: an experts-only 4-bit checkpoint runs
    its attention projections at FP8 or BF16). 1 where the scenario fixes the compute precision, or where
    both run at one peak (w4a16 on Hopper against BF16 attention)."""
    if compute_dtype is not None or np.all(np.asarray(kept_bits) == np.asarray(weight_bits)):
        return 1.0
    fast, _ = peak_flops_for(gpu, None, np.asarray(weight_bits))
    slow, _ = peak_flops_for(gpu, None, np.asarray(kept_bits))
    return np.maximum(fast / slow, 1.0)


@dataclass(frozen=True, slots=True)
class ReplicaRates:
    """Attained rates of one replica of t GPUs: t x peak x efficiency, per point."""

    prefill_matrix_flops_s: np.ndarray
    prefill_attention_flops_s: np.ndarray
    decode_matrix_flops_s: np.ndarray
    decode_attention_flops_s: np.ndarray
    bytes_s: np.ndarray
    """HBM bytes/s at the decode MBU (weights, KV writes)."""
    attention_bytes_s: np.ndarray
    """HBM bytes/s of attention kernels reading the KV cache."""


def replica_rates(
    tensor_parallel: np.ndarray,
    matrix_peak_flops: np.ndarray,
    attention_peak_flops: float,
    memory_bandwidth_bytes_s: float,
    prefill_mfu: np.ndarray,
    decode_mfu: np.ndarray,
    decode_mbu: np.ndarray,
    attention_efficiency: float,
) -> ReplicaRates:
    """Rates of one replica: matrix units at the compute precision, attention in bf16 (times
    ``attention_efficiency``, 1 with FlashAttention), memory at the decode MBU."""
    tp = tensor_parallel
    return ReplicaRates(
        prefill_matrix_flops_s=tp * matrix_peak_flops * prefill_mfu,
        prefill_attention_flops_s=tp * attention_peak_flops * prefill_mfu * attention_efficiency,
        decode_matrix_flops_s=tp * matrix_peak_flops * decode_mfu,
        decode_attention_flops_s=tp * attention_peak_flops * decode_mfu * attention_efficiency,
        bytes_s=tp * memory_bandwidth_bytes_s * decode_mbu,
        attention_bytes_s=tp * memory_bandwidth_bytes_s * decode_mbu * attention_efficiency,
    )


def roofline_seconds(
    compute_seconds: np.ndarray,
    memory_seconds: np.ndarray,
    communication: tuple[np.ndarray, np.ndarray | float],
    fixed_seconds: np.ndarray | float,
) -> np.ndarray:
    """Seconds of one phase: the slower of compute, memory and overlappable communication, plus
    serial communication and fixed overhead (Pope et al. 2023). ``communication`` is (serial,
    overlapped) as ``communication_seconds`` returns it."""
    serial, overlapped = communication
    slowest = np.maximum(compute_seconds, memory_seconds)
    if not is_scalar_value(overlapped, 0):  # times are >= 0: nothing that overlaps adds nothing
        slowest = np.maximum(slowest, overlapped)
    return slowest + serial + fixed_seconds
