"""What billing returns: one result per scheme and the report around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel.pricing.base import CostContext


@dataclass
class SchemeResult:
    """One scheme's revenue, cost, margin and bill distribution over the workload."""

    scheme: str
    title: str
    params: dict[str, Any]
    revenue_usd: float
    cost_usd: float
    served_requests: int
    refused_requests: int
    loss_requests: int
    user_months: int
    bill_mean_usd: float | None
    bill_cv: float | None
    bill_percentiles_usd: dict[str, float]

    @property
    def margin_usd(self) -> float:
        return self.revenue_usd - self.cost_usd

    @property
    def margin_pct(self) -> float | None:
        """Gross margin (R - C) / R in percent (the same as :attr:`gross_margin_pct`)."""
        return 100.0 * self.margin_usd / self.revenue_usd if self.revenue_usd > 0 else None

    @property
    def gross_margin_pct(self) -> float | None:
        """Gross margin, (revenue - cost) / revenue, in percent: what share of revenue is left."""
        return self.margin_pct

    @property
    def cost_profit_margin_pct(self) -> float | None:
        """Cost-profit margin (markup), (revenue - cost) / cost, in percent: DeepSeek's 545 %."""
        return 100.0 * self.margin_usd / self.cost_usd if self.cost_usd > 0 else None

    @property
    def loss_request_share(self) -> float | None:
        return self.loss_requests / self.served_requests if self.served_requests else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "title": self.title,
            "params": self.params,
            "revenue_usd": self.revenue_usd,
            "cost_usd": self.cost_usd,
            "margin_usd": self.margin_usd,
            "margin_pct": self.margin_pct,
            "gross_margin_pct": self.gross_margin_pct,
            "cost_profit_margin_pct": self.cost_profit_margin_pct,
            "loss_request_share": self.loss_request_share,
            "bill_cv": self.bill_cv,
            "refused_requests": self.refused_requests,
            "served_requests": self.served_requests,
            "user_months": self.user_months,
            "bill_mean_usd": self.bill_mean_usd,
            "bill_percentiles_usd": self.bill_percentiles_usd,
        }


@dataclass
class PricingReport:
    """What :func:`bill` returns: the workload's totals, one result per scheme, break-even prices."""

    workload: dict[str, Any]
    schemes: list[SchemeResult]
    break_even: dict[str, Any]
    context: CostContext
    bills: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # scheme -> per user-month bills
    fleet: dict[str, Any] | None = None  # the provisioned fleet when costs are at fleet cost (pricing.fleet_billing)

    def to_dict(self) -> dict[str, Any]:
        ctx = self.context
        extra = {} if self.fleet is None else {"fleet": self.fleet}
        return {
            **extra,
            "workload": self.workload,
            "deployment": {
                "model": ctx.model,
                "gpu": ctx.gpu,
                "gpus": ctx.gpus,
                "gpu_hourly_usd": ctx.gpu_hourly_usd,
                "concurrency": ctx.concurrency,
                "active_params": ctx.active_params,
            },
            "schemes": [s.to_dict() for s in self.schemes],
            "break_even": self.break_even,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scheme (for tables and charts)."""
        rows = []
        for s in self.schemes:
            d = s.to_dict()
            d.pop("params")
            d.update({f"bill_{k}_usd": v for k, v in d.pop("bill_percentiles_usd").items()})
            rows.append(d)
        return pd.DataFrame(rows)

    def result(self, scheme_id: str) -> SchemeResult:
        for s in self.schemes:
            if s.scheme == scheme_id:
                return s
        raise KeyError(scheme_id)
