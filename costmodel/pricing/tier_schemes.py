"""Schemes priced by the model's capability tier, alone or beyond a subscription allowance."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class SizeBand(BaseModel):
    """One published size band: models up to ``max_params_b`` billion TOTAL parameters pay these prices."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    max_params_b: float = Field(gt=0)
    input_usd_per_m: float = Field(ge=0)
    output_usd_per_m: float | None = Field(default=None, ge=0, description="None = the input price")
    moe: bool = False  # a band of the mixture-of-experts list (hosts publish MoE bands separately)


class CapabilityTierScheme(tier_fields("capability-tier"), Scheme):
    """A price per request (or per token) set by the model's capability tier, not its cost.

    With ``tier=None`` the tier is picked from the model's total parameters
    (``tier_max_params_b``), a stand-in for capability. With ``size_bands`` the price per
    token is the band the model's TOTAL parameters fall in, the way serverless hosts
    publish it (Fireworks: up to 16B $0.20/M, 16.1B-80B $0.90/M; mixture-of-experts models
    in their own bands by total parameters, when the list has MoE bands).
    """

    id: ClassVar[str] = "capability-tier"
    title: ClassVar[str] = "Capability tier"
    size_bands: tuple[SizeBand, ...] = Field(
        default=tuple(scheme_default("capability-tier", "size_bands")),
        description="per-token prices by total parameters; empty = the named tiers",
    )

    def band(self, ctx: CostContext) -> SizeBand:
        """The band of the served model: by total parameters, in the MoE list for an MoE model if there is one."""
        if not ctx.total_params:
            raise CostModelError("capability-tier: size bands need the model's size (give a scenario)")
        moe = bool(ctx.active_params) and ctx.active_params < ctx.total_params
        bands = [b for b in self.size_bands if b.moe == moe] or [b for b in self.size_bands if not b.moe]
        size_b = ctx.total_params / 1e9
        for b in sorted(bands, key=lambda b: b.max_params_b):
            if size_b <= b.max_params_b + 1e-9:
                return b
        raise CostModelError(f"capability-tier: no size band covers {size_b:.1f}B parameters")

    def revenue(self, c, ctx, state):
        if not self.size_bands:
            return self.tier_price(c, ctx), None
        b = self.band(ctx)
        out = b.output_usd_per_m if b.output_usd_per_m is not None else b.input_usd_per_m
        return c["prompt_tokens"] * per_token(b.input_usd_per_m) + c["output_tokens"] * per_token(out), None

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
