"""Schemes priced by the model's capability tier, alone or beyond a subscription allowance."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from costmodel.errors import CostModelError
from costmodel.pricing.allowance_schemes import allowance_fields
from costmodel.pricing.base import CostContext, Scheme, per_token
from costmodel.pricing.defaults import TIERS, scheme_default
from costmodel.pricing.windows import allowance_overage, fee_share


class TierPricing(BaseModel):
    """Tier pick and tier prices; the fields (``tier``, ``unit`` and the tables) come from :func:`tier_fields`."""

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


def tier_fields(scheme_id: str) -> type[TierPricing]:
    """The tier table fields of a tier-priced scheme, defaulting to ``scheme_id``'s entry.

    Capability-tier and hybrid share the fields but not the numbers, so they are declared once here.
    """

    class TierFields(TierPricing):
        tier: Literal["small", "medium", "large", "frontier"] | None = Field(
            default=scheme_default(scheme_id, "tier"),
            description="None = from the model's total parameters",
        )
        unit: Literal["request", "token"] = Field(default=scheme_default(scheme_id, "unit"))
        tier_max_params_b: dict[str, float] = Field(
            default_factory=lambda: scheme_default(scheme_id, "tier_max_params_b")
        )
        per_request_usd: dict[str, float] = Field(
            default_factory=lambda: scheme_default(scheme_id, "per_request_usd")
        )
        input_usd_per_m: dict[str, float] = Field(
            default_factory=lambda: scheme_default(scheme_id, "input_usd_per_m")
        )
        output_usd_per_m: dict[str, float] = Field(
            default_factory=lambda: scheme_default(scheme_id, "output_usd_per_m")
        )

    return TierFields


class CapabilityTierScheme(tier_fields("capability-tier"), Scheme):
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


class HybridScheme(allowance_fields("hybrid"), tier_fields("hybrid"), Scheme):
    """Subscription fee and allowance, then capability-tier prices for the part beyond it.

    Per-token tier prices apply to the share of the request beyond the allowance; a
    per-request tier price is charged for every request that goes beyond it.
    """

    id: ClassVar[str] = "hybrid"
    title: ClassVar[str] = "Hybrid: subscription + capability overage"
    stateful: ClassVar[bool] = True

    def revenue(self, c, ctx, state):
        over, _ = allowance_overage(c, self.allowance_unit, self.allowance, self.window, state)
        price = self.tier_price(c, ctx)
        extra = np.where(over > 0, price, 0.0) if self.unit == "request" else over * price
        return fee_share(c, self.monthly_fee_usd) + extra, None
