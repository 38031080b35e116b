"""Pricing schemes: the registry of every way of billing a request.

Every parameter has a default read from ``data/prices/schemes.yaml``
(:mod:`costmodel.pricing.defaults`) and can be overridden
(``make_scheme("cached-input", cache_ttl="1h")``). Each scheme bills a chunk of requests
(numpy arrays, see ``costmodel.pricing.chunks.COLUMNS``) in one vectorised pass;
``costmodel.pricing.billing`` runs them over a workload and sets the revenue beside the
cost to serve. The table of schemes is in ``costmodel.pricing.billing``.

Schemes live by family: ``token_schemes`` (flat, cached input, long-context tier, batch
discount), ``allowance_schemes`` (subscription), ``usage_schemes`` (compute time,
activated parameters), ``tier_schemes`` (capability tier, hybrid). A new scheme goes in
its family's module and in :data:`SCHEMES` below.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from costmodel.errors import CostModelError
from costmodel.pricing.allowance_schemes import SubscriptionScheme, allowance_fields
from costmodel.pricing.base import CostContext, Scheme, per_token
from costmodel.pricing.defaults import DATA_DIR, SCHEME_DEFAULTS_PATH, TIERS, scheme_default, scheme_defaults
from costmodel.pricing.tier_schemes import CapabilityTierScheme, HybridScheme, TierPricing, tier_fields
from costmodel.pricing.token_schemes import (
    BatchDiscountScheme,
    CachedInputScheme,
    FlatScheme,
    LongContextTierScheme,
)
from costmodel.pricing.usage_schemes import ActivatedParamsScheme, ComputeTimeScheme
from costmodel.pricing.windows import (
    USER_KEY_STRIDE,
    WINDOW_SECONDS,
    allowance_overage,
    fee_share,
    month_index,
    window_index,
)

SCHEMES: dict[str, type[Scheme]] = {
    cls.id: cls
    for cls in (
        FlatScheme,
        CachedInputScheme,
        LongContextTierScheme,
        BatchDiscountScheme,
        SubscriptionScheme,
        ComputeTimeScheme,
        ActivatedParamsScheme,
        CapabilityTierScheme,
        HybridScheme,
    )
}
"""Scheme id -> class, in display order."""


def list_schemes() -> list[dict[str, Any]]:
    """Every scheme with its title, description and parameters (name, default, type, bounds, help).

    Drives the app's widgets: ``[{"id", "title", "description", "params": [{"name",
    "default", "type", "description", "ge", "le", "choices"}]}]``.
    """
    out = []
    for sid, cls in SCHEMES.items():
        schema = cls.model_json_schema()
        params = []
        defaults = cls().model_dump(mode="json")
        for name, prop in schema.get("properties", {}).items():
            choices = prop.get("enum")
            if choices is None:
                for alt in prop.get("anyOf", []):
                    choices = alt.get("enum", choices)
            params.append(
                {
                    "name": name,
                    "default": defaults.get(name),
                    "type": prop.get("type") or "/".join(a.get("type", "?") for a in prop.get("anyOf", [])),
                    "description": prop.get("description", ""),
                    "ge": prop.get("minimum", prop.get("exclusiveMinimum")),
                    "le": prop.get("maximum"),
                    "choices": choices,
                }
            )
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out.append({"id": sid, "title": cls.title, "description": doc, "params": params})
    return out


def make_scheme(scheme_id: str, **overrides: Any) -> Scheme:
    """Build a scheme by id with parameter overrides; bad ids/values raise CostModelError."""
    try:
        cls = SCHEMES[scheme_id]
    except KeyError:
        raise CostModelError(f"unknown scheme {scheme_id!r}; valid choices: {', '.join(SCHEMES)}") from None
    try:
        return cls(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(scheme)"
        raise CostModelError(f"scheme {scheme_id!r}: parameter {where!r}: {err['msg']}") from None


def default_schemes() -> list[Scheme]:
    """All nine schemes at their defaults, in display order."""
    return [cls() for cls in SCHEMES.values()]


__all__ = [
    "DATA_DIR",
    "SCHEMES",
    "SCHEME_DEFAULTS_PATH",
    "TIERS",
    "USER_KEY_STRIDE",
    "WINDOW_SECONDS",
    "ActivatedParamsScheme",
    "BatchDiscountScheme",
    "CachedInputScheme",
    "CapabilityTierScheme",
    "ComputeTimeScheme",
    "CostContext",
    "FlatScheme",
    "HybridScheme",
    "LongContextTierScheme",
    "Scheme",
    "SubscriptionScheme",
    "TierPricing",
    "allowance_fields",
    "allowance_overage",
    "default_schemes",
    "fee_share",
    "list_schemes",
    "make_scheme",
    "month_index",
    "per_token",
    "scheme_default",
    "scheme_defaults",
    "tier_fields",
    "window_index",
]
