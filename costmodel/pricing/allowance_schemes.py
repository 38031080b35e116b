"""Subscription schemes: a monthly fee with an allowance per window, then overage or a hard cap."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from costmodel.pricing.base import Scheme, per_token
from costmodel.pricing.defaults import scheme_default
from costmodel.pricing.windows import allowance_overage, fee_share


def allowance_fields(scheme_id: str) -> type[BaseModel]:
    """The fee and allowance fields of a subscription-like scheme, defaulting to ``scheme_id``'s entry.

    Subscription and hybrid share the fields but not the numbers
    (``data/prices/schemes.yaml`` has one entry per scheme), so the fields are declared once here.
    """

    class AllowanceFields(BaseModel):
        monthly_fee_usd: float = Field(default=scheme_default(scheme_id, "monthly_fee_usd"), ge=0)
        allowance_unit: Literal["tokens", "requests"] = Field(
            default=scheme_default(scheme_id, "allowance_unit")
        )
        allowance: float = Field(
            default=scheme_default(scheme_id, "allowance"), ge=0, description="included per window"
        )
        window: Literal["month", "week", "day", "5h"] = Field(default=scheme_default(scheme_id, "window"))

    return AllowanceFields


class SubscriptionScheme(allowance_fields("subscription"), Scheme):
    """A monthly fee per active user with an allowance per window, then overage or a hard cap.

    Allowances are consumed in time order per user and window. With ``over_limit='overage'``
    the part of a request beyond the allowance is billed at the overage prices; with
    ``'hard-cap'`` a request whose running window demand exceeds the allowance is refused
    (not served, no cost, counted), and so is every later request in that window.
    The fee is charged once per user and calendar month in which the user sends a request;
    for per-request margins it is spread over the month's requests by tokens.
    """

    id: ClassVar[str] = "subscription"
    title: ClassVar[str] = "Subscription"
    stateful: ClassVar[bool] = True
    over_limit: Literal["overage", "hard-cap"] = Field(default=scheme_default("subscription", "over_limit"))
    overage_input_usd_per_m: float = Field(
        default=scheme_default("subscription", "overage_input_usd_per_m"), ge=0
    )
    overage_output_usd_per_m: float = Field(
        default=scheme_default("subscription", "overage_output_usd_per_m"), ge=0
    )

    def revenue(self, c, ctx, state):
        over, cum = allowance_overage(c, self.allowance_unit, self.allowance, self.window, state)
        fee = fee_share(c, self.monthly_fee_usd)
        if self.over_limit == "hard-cap":
            served = cum <= self.allowance
            return fee, served
        overage = over * (
            c["prompt_tokens"] * per_token(self.overage_input_usd_per_m)
            + c["output_tokens"] * per_token(self.overage_output_usd_per_m)
        )
        return fee + overage, None
