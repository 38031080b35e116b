"""The cost to serve each request: a linear stand-in for tests, or the first-principles engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext


class RequestCoster(Protocol):
    """Costs each request of a chunk: returns (USD, GPU-seconds) arrays."""

    context: CostContext

    def __call__(
        self, prompt_tokens: np.ndarray, output_tokens: np.ndarray, cached_tokens: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class LinearCoster:
    """A cost that is linear in tokens: for tests and for injecting a known cost."""

    usd_per_input_token: float = 0.0
    usd_per_cached_token: float = 0.0
    usd_per_output_token: float = 0.0
    usd_per_request: float = 0.0
    context: CostContext = field(default_factory=CostContext)

    def __call__(self, prompt_tokens, output_tokens, cached_tokens):
        p = np.asarray(prompt_tokens, dtype=np.float64)
        r = np.minimum(np.asarray(cached_tokens, dtype=np.float64), p)
        usd = (
            (p - r) * self.usd_per_input_token
            + r * self.usd_per_cached_token
            + np.asarray(output_tokens, dtype=np.float64) * self.usd_per_output_token
            + self.usd_per_request
        )
        hourly = self.context.gpu_hourly_usd
        gpu_s = usd / hourly * 3600.0 if hourly else np.zeros_like(usd)
        return usd, gpu_s


class EngineCoster:
    """Costs requests with the first-principles engine (costmodel.engine.inference).

    The deployment's operating point is found once with ``estimate()`` at the workload's
    mean request shape and ``concurrency='max'``; every request is then costed with
    ``estimate_arrays`` at that fixed concurrency (one vectorised call per chunk).
    """

    batch_rows: int = 250_000  # requests per engine call

    def __init__(self, scenario, mean_prompt_tokens: float, mean_output_tokens: float, cache_hit_rate: float):
        try:
            from costmodel.engine.inference import estimate, estimate_arrays
        except ImportError as exc:  # pragma: no cover - depends on the engine having landed
            raise CostModelError(
                f"the cost engine (costmodel.engine.inference) is not available: {exc}"
            ) from None
        from costmodel.catalog.loader import load_catalog

        self._estimate_arrays = estimate_arrays
        op = scenario.model_copy(
            update={
                "prompt_tokens": int(min(max(round(mean_prompt_tokens), 1), 10_000_000)),
                "output_tokens": int(min(max(round(mean_output_tokens), 1), 1_000_000)),
                "cache_hit_rate": float(min(max(cache_hit_rate, 0.0), 1.0)),
                "concurrency": "max",
            }
        )
        r = estimate(op)
        if not r.fits or not r.concurrency:
            raise CostModelError(
                f"model {scenario.model} does not fit on {scenario.gpus} x {scenario.gpu} at the workload's "
                f"mean request ({op.prompt_tokens} prompt + {op.output_tokens} output tokens); add GPUs or quantize"
            )
        self.scenario = op
        self.operating_point = r
        model = load_catalog().model(scenario.model)
        self.context = CostContext(
            model=scenario.model,
            gpu=scenario.gpu,
            gpus=scenario.gpus,
            gpu_hourly_usd=float(r.gpu_hourly_usd),
            active_params=float(r.active_params),
            total_params=float(r.total_params),
            concurrency=int(r.concurrency),
            max_context_tokens=int(model.max_context_tokens),
        )

    def __call__(self, prompt_tokens, output_tokens, cached_tokens):
        p = np.asarray(prompt_tokens, dtype=np.float64)
        hit = np.divide(np.asarray(cached_tokens, dtype=np.float64), p, out=np.zeros(len(p)), where=p > 0)
        if len(p) == 0:
            return np.zeros(0), np.zeros(0)
        out = np.asarray(output_tokens, dtype=np.float64)
        usd, gpu_s = np.empty(len(p)), np.empty(len(p))
        for s in range(0, len(p), self.batch_rows):  # the engine's temporaries stay bounded
            sl = slice(s, s + self.batch_rows)
            arrs = self._estimate_arrays(
                self.scenario,
                prompt_tokens=np.clip(p[sl], 1, 10_000_000),
                output_tokens=np.clip(out[sl], 1, 1_000_000),
                cache_hit_rate=np.clip(hit[sl], 0.0, 1.0),
                concurrency=self.context.concurrency,
            )
            usd[sl] = np.asarray(arrs["usd_per_request"], dtype=np.float64)
            gpu_s[sl] = np.asarray(arrs["gpu_seconds_per_request"], dtype=np.float64)
        return usd, gpu_s
