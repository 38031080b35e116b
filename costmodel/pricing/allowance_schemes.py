"""Subscription schemes: a monthly fee with an allowance per window, then overage or a hard cap."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

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


class ExtraWindow(BaseModel):
    """A further allowance that applies at the same time (e.g. a weekly limit beside 5-hour sessions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    window: Literal["month", "week", "day", "5h"]
    allowance: float = Field(ge=0)
    start: Literal["fixed", "first-message"] = "fixed"


class SubscriptionScheme(allowance_fields("subscription"), Scheme):
    """A monthly fee per active user with an allowance per window, then overage or a hard cap.

    Allowances are consumed in time order per user and window. With ``over_limit='overage'``
    the part of a request beyond the allowance is billed at the overage prices (per token,
    and per request times the model's multiplier); with ``'hard-cap'`` a request whose
    running window demand exceeds the allowance is refused (not served, no cost, counted),
    and so is every later request in that window; with ``'fallback'`` it is served by a
    cheaper base model instead, at ``fallback_cost_fraction`` of the cost (GitHub Copilot).
    Windows start at fixed boundaries or at the user's first message (Anthropic's 5-hour
    sessions), and ``extra_windows`` add limits that apply at once (a weekly limit).
    The fee is charged once per user and calendar month in which the user sends a request;
    for per-request margins it is spread over the month's requests by tokens.
    """

    id: ClassVar[str] = "subscription"
    title: ClassVar[str] = "Subscription"
    stateful: ClassVar[bool] = True
    over_limit: Literal["overage", "hard-cap", "fallback"] = Field(
        default=scheme_default("subscription", "over_limit")
    )
    overage_input_usd_per_m: float = Field(
        default=scheme_default("subscription", "overage_input_usd_per_m"), ge=0
    )
    overage_output_usd_per_m: float = Field(
        default=scheme_default("subscription", "overage_output_usd_per_m"), ge=0
    )
    overage_usd_per_request: float = Field(
        default=scheme_default("subscription", "overage_usd_per_request"), ge=0,
        description="USD per request beyond the allowance, times the model's multiplier (premium requests)",
    )
    window_start: Literal["fixed", "first-message"] = Field(
        default=scheme_default("subscription", "window_start"),
        description="fixed boundaries, or a window opened by the user's first message",
    )
    extra_windows: tuple[ExtraWindow, ...] = Field(
        default=tuple(scheme_default("subscription", "extra_windows")),
        description="more allowances that apply at once; a request must fit all of them",
    )
    model_multipliers: dict[str, float] = Field(
        default_factory=lambda: scheme_default("subscription", "model_multipliers"),
        description="allowance units one request to a model uses (by model id; others 1)",
    )
    fallback_cost_fraction: float = Field(
        default=scheme_default("subscription", "fallback_cost_fraction"), ge=0, le=1,
        description="over_limit=fallback: cost of serving on the base model / cost on this model",
    )

    def multiplier(self, ctx) -> float:
        """Allowance units per request for the served model (GitHub Copilot's premium-request multiplier)."""
        return float(self.model_multipliers.get(ctx.model, 1.0)) if ctx is not None else 1.0

    def consume(self, c, ctx, state) -> tuple[np.ndarray, np.ndarray]:
        """(share of each request beyond the tightest allowance, whether it fits every allowance)."""
        m = self.multiplier(ctx)
        over, cum = allowance_overage(
            c, self.allowance_unit, self.allowance, self.window, state, weight=m, start=self.window_start
        )
        fits = cum <= self.allowance
        for i, w in enumerate(self.extra_windows):
            o, cum_w = allowance_overage(
                c, self.allowance_unit, w.allowance, w.window, state.setdefault(f"extra{i}", {}),
                weight=m, start=w.start,
            )
            over, fits = np.maximum(over, o), fits & (cum_w <= w.allowance)
        return over, fits

    def revenue(self, c, ctx, state):
        over, fits = self.consume(c, ctx, state)
        fee = fee_share(c, self.monthly_fee_usd)
        if self.over_limit == "hard-cap":
            return fee, fits
        if self.over_limit == "fallback":
            # beyond the allowance the request is served by a cheaper base model, included in the fee
            return fee, np.where(fits, 1.0, self.fallback_cost_fraction)
        overage = over * (
            c["prompt_tokens"] * per_token(self.overage_input_usd_per_m)
            + c["output_tokens"] * per_token(self.overage_output_usd_per_m)
            + self.multiplier(ctx) * self.overage_usd_per_request
        )
        return fee + overage, None
