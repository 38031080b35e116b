"""Break-even prices: the flat per-token price at which a workload's margin is zero (or a target)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from costmodel.errors import CostModelError
from costmodel.pricing.base import Scheme
from costmodel.pricing.token_schemes import FlatScheme


def break_even_flat_price(
    input_tokens: float,
    output_tokens: float,
    cost_usd: float,
    *,
    output_to_input_ratio: float = 1.0,
    target_margin_pct: float = 0.0,
) -> dict[str, Any]:
    """The flat per-token price at which the workload's margin is zero (or ``target_margin_pct``).

    Flat revenue is linear in the price: with p_out = ratio * p_in, revenue =
    p_in (S_in + ratio S_out). The margin (R - C) / R reaches m when R = C / (1 - m), so
    p_in = C / ((1 - m)(S_in + ratio S_out)). Also returns the blended price (one price for
    every token) at the same margin.
    """
    if not 0 <= target_margin_pct < 100:
        raise CostModelError(f"target margin must be in [0, 100) percent, got {target_margin_pct}")
    if output_to_input_ratio < 0:
        raise CostModelError("output_to_input_ratio must be >= 0")
    need = cost_usd / (1.0 - target_margin_pct / 100.0)
    weighted = input_tokens + output_to_input_ratio * output_tokens
    total = input_tokens + output_tokens
    p_in = need / weighted * 1e6 if weighted > 0 else None
    return {
        "target_margin_pct": target_margin_pct,
        "output_to_input_ratio": output_to_input_ratio,
        "input_usd_per_m": p_in,
        "output_usd_per_m": None if p_in is None else p_in * output_to_input_ratio,
        "blended_usd_per_m": need / total * 1e6 if total > 0 else None,
    }


def flat_output_ratio(schemes: Sequence[Scheme]) -> float:
    """Output/input price ratio of the first flat scheme given (else of the default flat scheme)."""
    for s in schemes:
        if isinstance(s, FlatScheme) and s.input_usd_per_m > 0:
            return s.output_usd_per_m / s.input_usd_per_m
    flat = FlatScheme()
    return flat.output_usd_per_m / flat.input_usd_per_m if flat.input_usd_per_m else 1.0


def break_even_report(
    sum_p: float, sum_o: float, cost: float, ratio: float, target_margin_pct: float
) -> dict:
    return {
        "cost_usd": cost,
        "zero_margin": break_even_flat_price(sum_p, sum_o, cost, output_to_input_ratio=ratio),
        "target_margin": break_even_flat_price(
            sum_p, sum_o, cost, output_to_input_ratio=ratio, target_margin_pct=target_margin_pct
        ),
    }
