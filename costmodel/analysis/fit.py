"""Why a scenario does not fit in memory, and the nearest changes that make it fit.

A deployment fits when one replica's usable memory (tensor-parallel GPUs x GPU memory x the
usable share, ``engine/memory_plan.py``) holds the weights plus the KV cache of at least one
request. When it does not, every cost, speed and margin is meaningless, so pages show a
dash, the reason and these suggestions instead. Each suggestion is checked with the engine
(one vectorised ``estimate_arrays`` call per lever): fewer weight bits at the same GPUs, fewer
KV-cache bits, more GPUs (powers of two up to 4,096), a shorter prompt. Tested in
tests/test_fit.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.inference import Estimate, estimate, estimate_arrays
from costmodel.engine.scenario import KV_BITS, WEIGHT_BITS, Scenario
from costmodel.errors import CostModelError

GPU_COUNTS = tuple(2**k for k in range(13))  # 1 .. 4096, the Scenario's bound


@dataclass(frozen=True)
class FitAdvice:
    """The memory a replica needs against what it has (bytes), and changes that would make it fit.

    ``suggestions``: (lever, new value, sentence) tuples, lever one of ``weight_bits``, ``kv_bits``,
    ``gpus``, ``prompt_tokens``; empty when nothing tried fits.
    """

    fits: bool
    needed_bytes: float
    usable_bytes: float
    weights_bytes: float
    kv_bytes_per_request: float
    tensor_parallel: int
    suggestions: tuple[tuple[str, int, str], ...]

    @property
    def reason(self) -> str:
        """One sentence: what does not fit where (decimal GB, as GPU datasheets count)."""
        if self.fits:
            return "The model and one request fit in memory."
        gb = 1e9
        what = ("The weights alone" if self.weights_bytes > self.usable_bytes
                else "The weights plus one request's KV cache")
        return (f"{what} need {self.needed_bytes / gb:,.0f} GB, but a replica of {self.tensor_parallel} GPU"
                f"{'s' if self.tensor_parallel != 1 else ''} offers {self.usable_bytes / gb:,.0f} GB usable "
                f"(weights {self.weights_bytes / gb:,.0f} GB, KV cache per request "
                f"{self.kv_bytes_per_request / gb:,.1f} GB).")

    def summary(self) -> str:
        """The reason followed by what would make it fit, as one short paragraph."""
        if self.fits:
            return self.reason
        if not self.suggestions:
            return self.reason + " Nothing tried fits (up to 4,096 GPUs at 4 bits and a 256-token prompt)."
        return self.reason + " It would fit with " + "; or ".join(s for _, _, s in self.suggestions) + "."


def usable_bytes(s: Scenario, catalog: Catalog, tensor_parallel: int) -> float:
    """A replica's usable memory: tensor-parallel GPUs x memory x the usable share (scenario's or the family's)."""
    gpu = catalog.gpu(s.gpu)
    share = s.memory_utilization if s.memory_utilization is not None else \
        catalog.efficiency_for(gpu).memory_utilization
    return float(tensor_parallel * gpu.memory_bytes * share)


def _first_fit(s: Scenario, catalog: Catalog, axis: str, values: list[int]) -> int | None:
    """The first of ``values`` (in order) at which the scenario fits, from one vectorised engine call."""
    if not values:
        return None
    try:
        arr = estimate_arrays(s, catalog, **{axis: np.asarray(values, dtype=float)})
    except CostModelError:
        return None
    fits = np.broadcast_to(np.asarray(arr["fits"], dtype=bool), (len(values),))
    hit = np.flatnonzero(fits)
    return int(values[hit[0]]) if hit.size else None


def fit_advice(s: Scenario, catalog: Catalog | None = None, r: Estimate | None = None) -> FitAdvice:
    """Why ``s`` does (not) fit and, if not, the smallest change per lever that makes it fit."""
    cat = catalog or load_catalog()
    r = r if r is not None else estimate(s, cat)
    tp = int(r.tensor_parallel) or 1
    weights, kv = float(r.weights_bytes), float(r.kv_bytes_per_request)
    advice = dict(fits=bool(r.fits), needed_bytes=weights + kv, usable_bytes=usable_bytes(s, cat, tp),
                  weights_bytes=weights, kv_bytes_per_request=kv, tensor_parallel=tp)
    if r.fits:
        return FitAdvice(**advice, suggestions=())
    free = s.model_copy(update={"tensor_parallel": None})
    out: list[tuple[str, int, str]] = []
    bits = _first_fit(free, cat, "weight_bits", sorted((b for b in WEIGHT_BITS if b < s.weight_bits), reverse=True))
    if bits is not None:
        out.append(("weight_bits", bits, f"{bits}-bit weights"))
    kv_bits = _first_fit(free, cat, "kv_bits", sorted((b for b in KV_BITS if b < s.kv_bits), reverse=True))
    if kv_bits is not None:
        out.append(("kv_bits", kv_bits, f"a {kv_bits}-bit KV cache"))
    gpus = _first_fit(free, cat, "gpus", [n for n in GPU_COUNTS if n > s.gpus])
    if gpus is not None:
        out.append(("gpus", gpus, f"{gpus} GPUs"))
    shorter = [int(p) for p in np.unique(np.geomspace(256, max(s.prompt_tokens - 1, 256), 48).astype(int))[::-1]
               if p < s.prompt_tokens]
    prompt = _first_fit(free, cat, "prompt_tokens", shorter)
    if prompt is not None:
        out.append(("prompt_tokens", prompt, f"a prompt of at most {prompt:,} tokens"))
    return FitAdvice(**advice, suggestions=tuple(out))
