"""Unit economics of one request: its list price at flat per-token prices, its margin, the deployment's hourly cost.

Prices are USD per million tokens (input and output), as providers list them; costs
come from the engine (:class:`~costmodel.engine.inference.Estimate`). Money here is
GPU rental only: no staff, networking or idle capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def flat_price_usd(prompt_tokens, output_tokens, input_usd_per_m: float, output_usd_per_m: float) -> np.ndarray:
    """List price in USD of requests at flat per-token prices: (S_in p_in + S_out p_out) / 10^6; arrays broadcast."""
    return (np.asarray(prompt_tokens, dtype=float) * input_usd_per_m
            + np.asarray(output_tokens, dtype=float) * output_usd_per_m) / 1e6


def margin_pct(price, cost) -> np.ndarray:
    """(price − cost) / price in percent, NaN where the price is zero."""
    price = np.asarray(price, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(price > 0, 100 * (price - np.asarray(cost, dtype=float)) / price, np.nan)


@dataclass(frozen=True)
class MarginAtPrice:
    """One request at a flat list price: what it earns, what serving it costs, what is left (USD)."""

    revenue_usd: float
    cost_usd: float

    @property
    def margin_usd(self) -> float:
        return self.revenue_usd - self.cost_usd

    @property
    def margin_share(self) -> float | None:
        """Gross margin, (R - C) / R: margin as a fraction of the price (None at a zero price)."""
        return self.margin_usd / self.revenue_usd if self.revenue_usd else None

    @property
    def cost_profit_share(self) -> float | None:
        """Margin as a fraction of the cost, (R - C) / C: the markup (None at a zero cost)."""
        return self.margin_usd / self.cost_usd if self.cost_usd else None

    @property
    def cost_share(self) -> float | None:
        """Cost as a fraction of the price (None at a zero price)."""
        return self.cost_usd / self.revenue_usd if self.revenue_usd else None


def margin_at_price(prompt_tokens: int, output_tokens: int, cost_usd_per_request: float,
                    input_usd_per_m: float, output_usd_per_m: float) -> MarginAtPrice:
    """The request's revenue at flat prices beside its cost to serve."""
    revenue = float(flat_price_usd(prompt_tokens, output_tokens, input_usd_per_m, output_usd_per_m))
    return MarginAtPrice(revenue, float(cost_usd_per_request))


def deployment_usd_per_hour(gpus: int, gpu_hourly_usd: float) -> float:
    """What the deployment costs an hour, busy or idle: GPUs × the GPU-hour price."""
    return gpus * gpu_hourly_usd


def cost_multiple(cost_usd: float, baseline_usd: float) -> float:
    """How many times ``baseline_usd`` the ``cost_usd`` is (NaN when the baseline is zero)."""
    return cost_usd / baseline_usd if baseline_usd else float("nan")
