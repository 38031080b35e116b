"""Schemes priced by the model's capability tier, alone or beyond a subscription allowance."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from costmodel.errors import CostModelError
from costmodel.pricing.allowance_schemes import AllowanceFields
from costmodel.pricing.base import CostContext, Scheme, per_token
from costmodel.pricing.defaults import TIERS, scheme_default
from costmodel.pricing.windows import allowance_overage, fee_share


class TierFields(BaseModel):
    """The tier table fields shared by the capability-tier and hybrid schemes."""

    tier: Literal["small", "medium", "large", "frontier"] | None = Field(
        default=scheme_default("capability-tier", "tier"),
        description="None = from the model's total parameters",
    )
    unit: Literal["request", "token"] = Field(default=scheme_default("capability-tier", "unit"))
    tier_max_params_b: dict[str, float] = Field(
        default_factory=lambda: scheme_default("capability-tier", "tier_max_params_b")
    )
    per_request_usd: dict[str, float] = Field(
        default_factory=lambda: scheme_default("capability-tier", "per_request_usd")
    )
    input_usd_per_m: dict[str, float] = Field(
        default_factory=lambda: scheme_default("capability-tier", "input_usd_per_m")
    )
    output_usd_per_m: dict[str, float] = Field(
        default_factory=lambda: scheme_default("capability-tier", "output_usd_per_m")
    )

    @model_validator(mode="after")
    def _all_tiers(self):
        for name in ("tier_max_params_b", "per_request_usd", "input_usd_per_m", "output_usd_per_m"):
            table = getattr(self, name)
            missing = [t for t in TIERS if t not in table]
            extra = [t for t in table if t not in TIERS]
            if missing or extra:
                raise ValueError(f"{name} needs exactly the tiers {', '.join(TIERS)}")
            if any(v < 0 for v in table.values()):
                raise ValueError(f"{name}: prices must be >= 0")
        return self

    def resolve_tier(self, ctx: CostContext) -> str:
        if self.tier is not None:
            return self.tier
        if not ctx.total_params:
            raise CostModelError(f"{self.id}: give a tier or a scenario (the model's size picks the tier)")
        size_b = ctx.total_params / 1e9
        for t in TIERS:
            if size_b <= self.tier_max_params_b[t]:
                return t
        return TIERS[-1]

    def tier_price(self, c, ctx: CostContext) -> np.ndarray:
        t = self.resolve_tier(ctx)
        if self.unit == "request":
            return np.full(len(c["prompt_tokens"]), self.per_request_usd[t])
        return c["prompt_tokens"] * per_token(self.input_usd_per_m[t]) + c["output_tokens"] * per_token(
            self.output_usd_per_m[t]
        )


class CapabilityTierScheme(TierFields, Scheme):
    """A price per request (or per token) set by the model's capability tier, not its cost.

    With ``tier=None`` the tier is picked from the model's total parameters
    (``tier_max_params_b``), a stand-in for capability.
    """

    id: ClassVar[str] = "capability-tier"
    title: ClassVar[str] = "Capability tier"

    def revenue(self, c, ctx, state):
        return self.tier_price(c, ctx), None

    def params(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class HybridScheme(AllowanceFields, TierFields, Scheme):
    """Subscription fee and allowance, then capability-tier prices for the part beyond it.

    Per-token tier prices apply to the share of the request beyond the allowance; a
    per-request tier price is charged for every request that goes beyond it.
    """

    id: ClassVar[str] = "hybrid"
    title: ClassVar[str] = "Hybrid: subscription + capability overage"
    stateful: ClassVar[bool] = True
    monthly_fee_usd: float = Field(default=scheme_default("hybrid", "monthly_fee_usd"), ge=0)
    allowance_unit: Literal["tokens", "requests"] = Field(default=scheme_default("hybrid", "allowance_unit"))
    allowance: float = Field(default=scheme_default("hybrid", "allowance"), ge=0)
    window: Literal["month", "week", "day", "5h"] = Field(default=scheme_default("hybrid", "window"))
    tier: Literal["small", "medium", "large", "frontier"] | None = Field(
        default=scheme_default("hybrid", "tier")
    )
    unit: Literal["request", "token"] = Field(default=scheme_default("hybrid", "unit"))
    tier_max_params_b: dict[str, float] = Field(
        default_factory=lambda: scheme_default("hybrid", "tier_max_params_b")
    )
    per_request_usd: dict[str, float] = Field(
        default_factory=lambda: scheme_default("hybrid", "per_request_usd")
    )
    input_usd_per_m: dict[str, float] = Field(
        default_factory=lambda: scheme_default("hybrid", "input_usd_per_m")
    )
    output_usd_per_m: dict[str, float] = Field(
        default_factory=lambda: scheme_default("hybrid", "output_usd_per_m")
    )

    def revenue(self, c, ctx, state):
        over, _ = allowance_overage(c, self.allowance_unit, self.allowance, self.window, state)
        price = self.tier_price(c, ctx)
        extra = np.where(over > 0, price, 0.0) if self.unit == "request" else over * price
        return fee_share(c, self.monthly_fee_usd) + extra, None
