"""Schemes priced by resources used: GPU time, or tokens x active parameters."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext, Scheme, per_token
from costmodel.pricing.defaults import scheme_default


class ComputeTimeScheme(Scheme):
    """GPU-seconds used x price per GPU-hour / 3600 x markup: revenue tracks cost."""

    id: ClassVar[str] = "compute-time"
    title: ClassVar[str] = "Compute time"
    markup: float = Field(default=scheme_default("compute-time", "markup"), ge=0, le=1000)
    usd_per_gpu_hour: float | None = Field(
        default=scheme_default("compute-time", "usd_per_gpu_hour"),
        gt=0,
        le=1000,
        description="None = the deployment's price",
    )

    def rate(self, ctx: CostContext) -> float:
        rate = self.usd_per_gpu_hour if self.usd_per_gpu_hour is not None else ctx.gpu_hourly_usd
        if not rate:
            raise CostModelError("compute-time: no GPU-hour price (give usd_per_gpu_hour or a scenario)")
        return rate

    def revenue(self, c, ctx, state):
        return c["gpu_seconds"] * (self.rate(ctx) / 3600.0 * self.markup), None


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
