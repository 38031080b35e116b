"""The price that reaches a target margin, scheme by scheme.

Every scheme's revenue is a sum of terms each proportional to one of its money parameters
(USD per million tokens, per request, per month, or the compute-time markup): fractions,
thresholds, allowances and windows decide which requests a term applies to, not how much it is
worth. Scaling every money parameter by k therefore scales the revenue by exactly k, while the
requests served (and so the cost) stay the same. The gross margin (R - C) / R reaches m at

    k = C / ((1 - m) R),

and the scheme's prices at that margin are its money parameters x k. A compute-time scheme's
revenue is GPU-seconds x rate x markup, so only the markup is scaled there (scaling both would
give k^2). Tested by re-billing at the scaled prices (tests/test_target_price.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from costmodel.errors import CostModelError
from costmodel.pricing.base import Scheme


def money_fields(scheme: Scheme) -> tuple[str, ...]:
    """The scheme's money parameters: the markup where it has one, else every field priced in USD."""
    params = scheme.params()
    if "markup" in params:
        return ("markup",)
    return tuple(k for k, v in params.items() if "usd" in k and v is not None)


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, dict):  # per-tier prices
        return {k: _scale(v, factor) for k, v in value.items()}
    return None if value is None else float(value) * factor


def scaled_scheme(scheme: Scheme, factor: float) -> Scheme:
    """The same scheme with every money parameter multiplied by ``factor`` (> 0). Not revalidated: the price
    a margin needs may lie beyond a parameter's usual bound (a 7,000x compute markup on an idle fleet), and
    saying so is the point."""
    if not factor > 0:
        raise CostModelError(f"a price factor must be > 0, got {factor}")
    update = {k: _scale(getattr(scheme, k), factor) for k in money_fields(scheme)}
    return scheme.model_copy(update=update)


def price_factor_for_margin(revenue_usd: float, cost_usd: float, target_margin_pct: float) -> float | None:
    """k = C / ((1 - m) R): how much every price must be multiplied by to reach the gross margin m
    (None where the scheme earns nothing, so no price factor helps)."""
    if not 0 <= target_margin_pct < 100:
        raise CostModelError(f"target margin must be in [0, 100) percent, got {target_margin_pct}")
    if revenue_usd <= 0:
        return None
    return cost_usd / ((1 - target_margin_pct / 100) * revenue_usd)


def prices_for_margin(scheme: Scheme, revenue_usd: float, cost_usd: float,
                      target_margin_pct: float) -> dict[str, Any]:
    """{"factor": k, "params": the money parameters at the target margin} (factor None: no price reaches it)."""
    k = price_factor_for_margin(revenue_usd, cost_usd, target_margin_pct)
    if k is None or k <= 0:
        return {"factor": k, "params": {}}
    scaled = scaled_scheme(scheme, k)
    return {"factor": k, "params": {f: getattr(scaled, f) for f in money_fields(scheme)}}




def target_price_table(report: Any, schemes: Sequence[Scheme], target_margin_pct: float) -> pd.DataFrame:
    """One row per scheme of a :class:`~costmodel.pricing.report.PricingReport`: revenue, cost, both margins,
    the price factor that reaches ``target_margin_pct`` and the scheme's money parameters at it."""
    rows = []
    for scheme, r in zip(schemes, report.schemes, strict=True):
        target = prices_for_margin(scheme, r.revenue_usd, r.cost_usd, target_margin_pct)
        rows.append({
            "scheme": r.scheme, "title": r.title, "revenue_usd": r.revenue_usd, "cost_usd": r.cost_usd,
            "margin_usd": r.margin_usd, "gross_margin_pct": r.gross_margin_pct,
            "cost_profit_margin_pct": r.cost_profit_margin_pct, "price_factor": target["factor"],
            "prices_at_target": target["params"],
        })
    return pd.DataFrame(rows)


__all__ = ["money_fields", "price_factor_for_margin", "prices_for_margin", "scaled_scheme", "target_price_table"]
