"""Several GPUs of one family as one engine input: their specifications as arrays over the points.

The engine reads a GPU through a handful of attributes (peaks per precision, memory, bandwidth, links, power,
price). A :class:`GPUStack` answers the same questions with one value per point, so the GPUs of one family are
evaluated in one vectorised pass instead of one engine call each (``inference.estimate_gpus``; the Hardware
page compares every catalog GPU on each change, and a call's fixed cost is ~1-2 ms whatever its size).

Only GPUs that share everything the engine branches on can share a stack: the family (its calibrated
efficiencies and kernel figures) and the set of precisions with matrix units (which precision a point's
weights compute at). :func:`stack_groups` splits a list of GPUs into such groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from costmodel.catalog.hardware import GPU


def stack_key(gpu: GPU) -> tuple[str, frozenset[str]]:
    """What GPUs must share to be evaluated together: family and the precisions they have peaks for."""
    return gpu.family, frozenset(gpu.dense_tflops)


def stack_groups(gpus: Sequence[GPU]) -> list[list[int]]:
    """Indices into ``gpus``, grouped by :func:`stack_key` (first appearance order)."""
    groups: dict[tuple[str, frozenset[str]], list[int]] = {}
    for i, g in enumerate(gpus):
        groups.setdefault(stack_key(g), []).append(i)
    return list(groups.values())


class GPUStack:
    """GPUs of one :func:`stack_key`, each repeated over ``points_per_gpu`` consecutive points.

    Attributes and methods mirror :class:`~costmodel.catalog.hardware.GPU` where the engine reads them, with
    arrays of shape (len(gpus) x points_per_gpu,) in place of numbers (built once: the engine reads them many
    times per call); the rest (family, which precision a weight width runs at) is shared and answered by the
    first GPU.
    """

    def __init__(self, gpus: Sequence[GPU], points_per_gpu: int) -> None:
        if not gpus:
            raise ValueError("a GPU stack needs at least one GPU")
        if len({stack_key(g) for g in gpus}) != 1:
            raise ValueError("GPUs of one stack must share their family and precisions")
        self.gpus = tuple(gpus)
        self._first = gpus[0]
        self._n = int(points_per_gpu)
        self.family = self._first.family
        self.memory_gb = self._each(g.memory_gb for g in gpus)
        self.memory_bytes = self._each(g.memory_bytes for g in gpus)
        self.memory_bandwidth_bytes_s = self._each(g.memory_bandwidth_bytes_s for g in gpus)
        self.link_bytes_s_one_way = self._each(g.link_bytes_s_one_way for g in gpus)
        self.scale_up_domain_gpus = self._each(g.scale_up_domain_gpus for g in gpus)
        self.tdp_w = self._each(np.nan if g.tdp_w is None else g.tdp_w for g in gpus)  # NaN: none, as the engine reads it
        self.hourly_usd = self._each(g.hourly_usd for g in gpus)

    def _each(self, values: Iterable[float]) -> np.ndarray:
        return np.repeat(np.fromiter(values, dtype=float), self._n)

    def peak_flops(self, dtype: str) -> np.ndarray:
        return self._each(g.peak_flops(dtype) for g in self.gpus)

    def matrix_clock_share(self, dtype: str) -> np.ndarray | float:
        shares = [g.matrix_clock_share(dtype) for g in self.gpus]
        return 1.0 if all(s == 1.0 for s in shares) else self._each(shares)

    def supports(self, dtype: str) -> bool:
        return self._first.supports(dtype)

    def best_dtype_for_bits(self, weight_bits: int) -> str:
        return self._first.best_dtype_for_bits(weight_bits)
