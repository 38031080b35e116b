"""Schemes priced by resources used: GPU time, or tokens x active parameters."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext, Scheme, per_token
from costmodel.pricing.defaults import scheme_default


class ComputeTimeScheme(Scheme):
    """GPU time x price per GPU-hour / 3600 x markup.

    ``billing='used'``: the GPU-seconds each request used (revenue tracks cost).
    ``billing='provisioned'``: the wall-clock time a dedicated endpoint is up, idle
    included, from ``startup_s`` before the first request to the last one, rounded up to
    ``granularity_s`` (RunPod: per second from start to stop; Hugging Face Inference
    Endpoints: per minute while initializing or running; Fireworks dedicated deployments:
    per GPU-second), times ``provisioned_gpus`` (None: the deployment's). Each request pays
    the billed time that elapsed since the previous one, so the bills add up to the
    endpoint's time. Needs the requests in time order (a log sorted by time).
    """

    id: ClassVar[str] = "compute-time"
    title: ClassVar[str] = "Compute time"
    markup: float = Field(default=scheme_default("compute-time", "markup"), ge=0, le=1000)
    usd_per_gpu_hour: float | None = Field(
        default=scheme_default("compute-time", "usd_per_gpu_hour"),
        gt=0,
        le=1000,
        description="None = the deployment's price",
    )
    billing: Literal["used", "provisioned"] = Field(default=scheme_default("compute-time", "billing"))
    granularity_s: float = Field(
        default=scheme_default("compute-time", "granularity_s"), gt=0, le=86_400,
        description="provisioned time is rounded up to this many seconds (1: per second, 60: per minute)",
    )
    startup_s: float = Field(
        default=scheme_default("compute-time", "startup_s"), ge=0, le=86_400,
        description="billed time before the first request (initializing)",
    )
    provisioned_gpus: int | None = Field(
        default=scheme_default("compute-time", "provisioned_gpus"), ge=1, le=100_000,
        description="None = the deployment's GPU count",
    )

    @property
    def needs_global_time_order(self) -> bool:
        """Provisioned time is measured across the whole log, in time order (one Dask partition)."""
        return self.billing == "provisioned"

    def rate(self, ctx: CostContext) -> float:
        rate = self.usd_per_gpu_hour if self.usd_per_gpu_hour is not None else ctx.gpu_hourly_usd
        if not rate:
            raise CostModelError("compute-time: no GPU-hour price (give usd_per_gpu_hour or a scenario)")
        return rate

    def revenue(self, c, ctx, state):
        usd_per_s = self.rate(ctx) / 3600.0 * self.markup
        if self.billing == "used":
            return c["gpu_seconds"] * usd_per_s, None
        return self.provisioned_seconds(c["timestamp"], state) * (self.provisioned_gpus or ctx.gpus) * usd_per_s, None

    def provisioned_seconds(self, ts: np.ndarray, state: dict) -> np.ndarray:
        """Billed endpoint seconds that elapsed up to each request since the previous one (carried in ``state``)."""
        n = len(ts)
        if n == 0:
            return np.zeros(0)
        order = np.argsort(ts, kind="stable")
        t = ts[order]
        t0 = state.setdefault("t0", float(t[0]) - self.startup_s)
        g = self.granularity_s
        # billed time up to each arrival: rounded up, at least one unit once the endpoint is up
        billed = np.maximum(np.ceil(np.maximum(t - t0, 0.0) / g) * g, g)
        billed = np.maximum.accumulate(np.maximum(billed, state.get("billed", 0.0)))
        inc = np.diff(np.r_[state.get("billed", 0.0), billed])
        state["billed"] = float(billed[-1])
        out = np.empty(n)
        out[order] = inc
        return out


class ActivatedParamsScheme(Scheme):
    """Tokens x active parameters (billions) x a rate: MoE and small models pay for what they use."""

    id: ClassVar[str] = "activated-params"
    title: ClassVar[str] = "Activated parameters"
    input_usd_per_m_per_b_active: float = Field(
        default=scheme_default("activated-params", "input_usd_per_m_per_b_active"), ge=0
    )
    output_usd_per_m_per_b_active: float = Field(
        default=scheme_default("activated-params", "output_usd_per_m_per_b_active"), ge=0
    )
    cached_input_fraction: float = Field(
        default=scheme_default("activated-params", "cached_input_fraction"), ge=0, le=10
    )
    active_params_b: float | None = Field(
        default=scheme_default("activated-params", "active_params_b"),
        gt=0,
        description="None = the served model's",
    )

    def active_b(self, ctx: CostContext) -> float:
        b = self.active_params_b if self.active_params_b is not None else ctx.active_params / 1e9
        if not b:
            raise CostModelError(
                "activated-params: no active-parameter count (give active_params_b or a scenario)"
            )
        return b

    def revenue(self, c, ctx, state):
        b = self.active_b(ctx)
        read = np.minimum(c["cached_tokens"], c["prompt_tokens"])
        p_in = per_token(self.input_usd_per_m_per_b_active * b)
        rev = (c["prompt_tokens"] - read) * p_in + read * (p_in * self.cached_input_fraction)
        return rev + c["output_tokens"] * per_token(self.output_usd_per_m_per_b_active * b), None
