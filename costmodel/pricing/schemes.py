"""Pricing schemes: one pydantic model per way of billing a request.

Every parameter has a default read from ``data/prices/schemes.yaml`` and can be
overridden (``make_scheme("cached-input", cache_ttl="1h")``). Each scheme bills a
chunk of requests (numpy arrays, see ``costmodel.pricing.COLUMNS``) in one
vectorised pass; ``costmodel.pricing.billing`` runs them over a workload and sets the
revenue beside the cost to serve. The table of schemes is in ``costmodel.pricing.billing``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from costmodel.errors import CostModelError
from costmodel.resources import data_root

DATA_DIR = data_root()
SCHEME_DEFAULTS_PATH = DATA_DIR / "prices" / "schemes.yaml"



TIERS: tuple[str, ...] = ("small", "medium", "large", "frontier")
_WINDOW_SECONDS = {"day": 86_400.0, "week": 7 * 86_400.0, "5h": 5 * 3_600.0}
_KEY_STRIDE = 10_000_000  # user code * stride + window (or month) index


def scheme_defaults() -> dict[str, dict[str, Any]]:
    """Defaults of every scheme, from ``data/prices/schemes.yaml`` (a fresh copy: callers may change it)."""
    return copy.deepcopy(_scheme_defaults_file())


@functools.lru_cache(maxsize=1)
def _scheme_defaults_file() -> dict[str, dict[str, Any]]:
    with open(SCHEME_DEFAULTS_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise CostModelError(f"{SCHEME_DEFAULTS_PATH}: expected a mapping of scheme id to parameters")
    return data


def _d(scheme: str, name: str) -> Any:
    try:
        value = _scheme_defaults_file()[scheme][name]
    except KeyError:
        raise CostModelError(f"{SCHEME_DEFAULTS_PATH}: no default for {scheme}.{name}") from None
    return dict(value) if isinstance(value, dict) else value


# ----------------------------------------------------------------------------- context
@dataclass(frozen=True)
class CostContext:
    """What some schemes need to know about the deployment (filled from the cost engine)."""

    model: str = ""
    gpu: str = ""
    gpus: int = 1
    gpu_hourly_usd: float = 0.0
    active_params: float = 0.0  # parameters, not billions
    total_params: float = 0.0
    concurrency: int | None = None
    max_context_tokens: int | None = None


# ----------------------------------------------------------------------------- schemes
class Scheme(BaseModel):
    """Base of all schemes: ``revenue`` returns per-request revenue and which requests are served."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    stateful: ClassVar[bool] = False  # consumes an allowance in time order per user

    def revenue(
        self, c: Mapping[str, np.ndarray], ctx: CostContext, state: dict
    ) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """Every parameter the scheme uses (echoed in reports)."""
        return self.model_dump(mode="json")

    @property
    def label(self) -> str:
        """Name in reports (the scheme id; provider prices add the provider/model)."""
        return self.id


def _per_m(x: float) -> float:
    return x / 1e6


class FlatScheme(Scheme):
    """S_in * p_in + S_out * p_out (cost-physics.md section 6)."""

    id: ClassVar[str] = "flat"
    title: ClassVar[str] = "Flat per token"
    input_usd_per_m: float = Field(
        default=_d("flat", "input_usd_per_m"), ge=0, description="USD per 1M input tokens"
    )
    output_usd_per_m: float = Field(
        default=_d("flat", "output_usd_per_m"),
        ge=0,
        description="USD per 1M output tokens (reasoning included)",
    )

    def revenue(self, c, ctx, state):
        return (
            c["prompt_tokens"] * _per_m(self.input_usd_per_m)
            + c["output_tokens"] * _per_m(self.output_usd_per_m)
        ), None


class CachedInputScheme(Scheme):
    """Cache reads at a fraction of the input price, cache writes at a premium.

    Per request with prompt P >= ``min_cacheable_tokens``: R cached (read) tokens,
    W written tokens (capped at P - R), the rest plain input:
    ``(P - R - W) p_in + R f_read p_in + W m_write p_in + S_out p_out``; shorter prompts
    are billed as plain input. m_write = 1.25 for the 5-minute cache, 2 for the 1-hour
    cache (Anthropic pricing page, prices-and-gpus.md section 3a).
    """

    id: ClassVar[str] = "cached-input"
    title: ClassVar[str] = "Cached input"
    input_usd_per_m: float = Field(default=_d("cached-input", "input_usd_per_m"), ge=0)
    output_usd_per_m: float = Field(default=_d("cached-input", "output_usd_per_m"), ge=0)
    cache_read_fraction: float = Field(
        default=_d("cached-input", "cache_read_fraction"),
        ge=0,
        le=10,
        description="cache read price / input price",
    )
    cache_ttl: Literal["5m", "1h"] = Field(
        default=_d("cached-input", "cache_ttl"), description="cache lifetime bought"
    )
    cache_write_multiplier_5m: float = Field(
        default=_d("cached-input", "cache_write_multiplier_5m"), ge=0, le=100
    )
    cache_write_multiplier_1h: float = Field(
        default=_d("cached-input", "cache_write_multiplier_1h"), ge=0, le=100
    )
    min_cacheable_tokens: int = Field(
        default=_d("cached-input", "min_cacheable_tokens"),
        ge=0,
        description="shorter prompts are never cached",
    )

    @property
    def write_multiplier(self) -> float:
        return self.cache_write_multiplier_5m if self.cache_ttl == "5m" else self.cache_write_multiplier_1h

    def split(self, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(plain, read, written) prompt tokens per request."""
        p = c["prompt_tokens"]
        ok = p >= self.min_cacheable_tokens
        read = np.where(ok, np.minimum(c["cached_tokens"], p), 0.0)
        write = np.where(ok, np.minimum(c["cache_write_tokens"], p - read), 0.0)
        return p - read - write, read, write

    def revenue(self, c, ctx, state):
        plain, read, write = self.split(c)
        p_in = _per_m(self.input_usd_per_m)
        rev = (
            plain * p_in
            + read * (p_in * self.cache_read_fraction)
            + write * (p_in * self.write_multiplier)
            + c["output_tokens"] * _per_m(self.output_usd_per_m)
        )
        return rev, None


class LongContextTierScheme(Scheme):
    """Above ``threshold_tokens`` of prompt, every token of the request at the long rates.

    Whole-request semantics, as Anthropic's >200K tier (prices-and-gpus.md 3a): a prompt
    of exactly the threshold is billed at the base rates, one token more and the whole
    request (input, cached input and output) moves to the long rates.
    """

    id: ClassVar[str] = "long-context-tier"
    title: ClassVar[str] = "Long-context tier"
    threshold_tokens: int = Field(default=_d("long-context-tier", "threshold_tokens"), ge=0)
    input_usd_per_m: float = Field(default=_d("long-context-tier", "input_usd_per_m"), ge=0)
    output_usd_per_m: float = Field(default=_d("long-context-tier", "output_usd_per_m"), ge=0)
    long_input_usd_per_m: float = Field(default=_d("long-context-tier", "long_input_usd_per_m"), ge=0)
    long_output_usd_per_m: float = Field(default=_d("long-context-tier", "long_output_usd_per_m"), ge=0)
    cache_read_fraction: float = Field(default=_d("long-context-tier", "cache_read_fraction"), ge=0, le=10)

    def revenue(self, c, ctx, state):
        p = c["prompt_tokens"]
        long = p > self.threshold_tokens
        p_in = np.where(long, _per_m(self.long_input_usd_per_m), _per_m(self.input_usd_per_m))
        p_out = np.where(long, _per_m(self.long_output_usd_per_m), _per_m(self.output_usd_per_m))
        read = np.minimum(c["cached_tokens"], p)
        rev = (p - read) * p_in + read * p_in * self.cache_read_fraction + c["output_tokens"] * p_out
        return rev, None


class BatchDiscountScheme(Scheme):
    """Flat prices less a fraction, for asynchronous or off-peak work."""

    id: ClassVar[str] = "batch-discount"
    title: ClassVar[str] = "Batch / off-peak discount"
    input_usd_per_m: float = Field(default=_d("batch-discount", "input_usd_per_m"), ge=0)
    output_usd_per_m: float = Field(default=_d("batch-discount", "output_usd_per_m"), ge=0)
    discount: float = Field(default=_d("batch-discount", "discount"), ge=0, le=1, description="fraction off")

    def revenue(self, c, ctx, state):
        k = 1.0 - self.discount
        return (
            c["prompt_tokens"] * _per_m(self.input_usd_per_m * k)
            + c["output_tokens"] * _per_m(self.output_usd_per_m * k)
        ), None


def _window_index(c: Mapping[str, np.ndarray], window: str) -> np.ndarray:
    if window == "month":
        return c["_month"] if "_month" in c else month_index(c["timestamp"])
    return np.floor(c["timestamp"] / _WINDOW_SECONDS[window]).astype(np.int64)


def month_index(ts: np.ndarray) -> np.ndarray:
    """Calendar month of each timestamp (seconds since epoch), as months since 1970-01."""
    secs = np.asarray(ts, dtype=np.float64).astype(np.int64)
    return secs.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)


def _allowance_overage(
    c, unit: str, allowance: float, window: str, state: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Consume each user's allowance in time order per window.

    Returns (over, cum): ``over`` is the share of each request beyond the allowance (0..1),
    ``cum`` the window's running demand including the request. Running totals are
    carried in ``state['used']`` between chunks (a pandas Series by user-window key).
    """
    n = len(c["prompt_tokens"])
    if n == 0:
        return np.zeros(0), np.zeros(0)
    units = c["prompt_tokens"] + c["output_tokens"] if unit == "tokens" else np.ones(n)
    by_time = None if c.get("_time_sorted", False) else np.argsort(c["timestamp"], kind="stable")
    if by_time is not None:
        units = units[by_time]
    if window == "month" and "_um_pos" in c:
        # monthly windows are the user-months: their positions are group codes already
        codes = c["_um_pos"] if by_time is None else c["_um_pos"][by_time]
        cum = pd.Series(units).groupby(codes, sort=False).cumsum().to_numpy()
        dense = state.get("dense")
        dense = np.zeros(c["_n_um"]) if dense is None else dense
        cum = cum + dense[codes]
        state["dense"] = dense + np.bincount(codes, weights=units, minlength=len(dense))
    else:
        key = c["user"] * _KEY_STRIDE + _window_index(c, window)
        if by_time is not None:
            key = key[by_time]
        codes, uniques = pd.factorize(key, sort=False)
        # running demand per (user, window) in time order: a grouped cumulative sum (no sort needed)
        cum = pd.Series(units).groupby(codes, sort=False).cumsum().to_numpy()
        used: pd.Series | None = state.get("used")
        final = np.bincount(codes, weights=units)
        if used is not None:
            carried = used.reindex(uniques).fillna(0.0).to_numpy()
            cum = cum + carried[codes]
            final = final + carried
        latest = pd.Series(final, index=uniques)
        state["used"] = latest if used is None else latest.combine_first(used)
    over_tokens = np.clip(cum - allowance, 0.0, units)
    over = np.divide(over_tokens, units, out=np.zeros(n), where=units > 0)
    if by_time is not None:
        inverse = np.empty(n, dtype=np.int64)
        inverse[by_time] = np.arange(n)
        over, cum = over[inverse], cum[inverse]
    return over, cum


def _fee_share(c, fee: float) -> np.ndarray:
    """The monthly fee spread over each user-month's requests in proportion to their tokens."""
    tokens = c["prompt_tokens"] + c["output_tokens"]
    return fee * np.divide(tokens, c["um_tokens"], out=np.zeros(len(tokens)), where=c["um_tokens"] > 0)


class _AllowanceMixin(BaseModel):
    monthly_fee_usd: float = Field(default=_d("subscription", "monthly_fee_usd"), ge=0)
    allowance_unit: Literal["tokens", "requests"] = Field(default=_d("subscription", "allowance_unit"))
    allowance: float = Field(default=_d("subscription", "allowance"), ge=0, description="included per window")
    window: Literal["month", "week", "day", "5h"] = Field(default=_d("subscription", "window"))


class SubscriptionScheme(_AllowanceMixin, Scheme):
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
    over_limit: Literal["overage", "hard-cap"] = Field(default=_d("subscription", "over_limit"))
    overage_input_usd_per_m: float = Field(default=_d("subscription", "overage_input_usd_per_m"), ge=0)
    overage_output_usd_per_m: float = Field(default=_d("subscription", "overage_output_usd_per_m"), ge=0)

    def revenue(self, c, ctx, state):
        over, cum = _allowance_overage(c, self.allowance_unit, self.allowance, self.window, state)
        fee = _fee_share(c, self.monthly_fee_usd)
        if self.over_limit == "hard-cap":
            served = cum <= self.allowance
            return fee, served
        overage = over * (
            c["prompt_tokens"] * _per_m(self.overage_input_usd_per_m)
            + c["output_tokens"] * _per_m(self.overage_output_usd_per_m)
        )
        return fee + overage, None


class ComputeTimeScheme(Scheme):
    """GPU-seconds used x price per GPU-hour / 3600 x markup: revenue tracks cost."""

    id: ClassVar[str] = "compute-time"
    title: ClassVar[str] = "Compute time"
    markup: float = Field(default=_d("compute-time", "markup"), ge=0, le=1000)
    usd_per_gpu_hour: float | None = Field(
        default=_d("compute-time", "usd_per_gpu_hour"),
        gt=0,
        le=1000,
        description="None = the deployment's price",
    )

    def rate(self, ctx: CostContext) -> float:
        rate = self.usd_per_gpu_hour if self.usd_per_gpu_hour is not None else ctx.gpu_hourly_usd
        if not rate:
            raise CostModelError("compute-time: no GPU-hour price (give usd_per_gpu_hour or a scenario)")
        return rate

    def revenue(self, c, ctx, state):
        return c["gpu_seconds"] * (self.rate(ctx) / 3600.0 * self.markup), None


class ActivatedParamsScheme(Scheme):
    """Tokens x active parameters (billions) x a rate: MoE and small models pay for what they use."""

    id: ClassVar[str] = "activated-params"
    title: ClassVar[str] = "Activated parameters"
    input_usd_per_m_per_b_active: float = Field(
        default=_d("activated-params", "input_usd_per_m_per_b_active"), ge=0
    )
    output_usd_per_m_per_b_active: float = Field(
        default=_d("activated-params", "output_usd_per_m_per_b_active"), ge=0
    )
    cached_input_fraction: float = Field(default=_d("activated-params", "cached_input_fraction"), ge=0, le=10)
    active_params_b: float | None = Field(
        default=_d("activated-params", "active_params_b"), gt=0, description="None = the served model's"
    )

    def active_b(self, ctx: CostContext) -> float:
        b = self.active_params_b if self.active_params_b is not None else ctx.active_params / 1e9
        if not b:
            raise CostModelError(
                "activated-params: no active-parameter count (give active_params_b or a scenario)"
            )
        return b

    def revenue(self, c, ctx, state):
        b = self.active_b(ctx)
        read = np.minimum(c["cached_tokens"], c["prompt_tokens"])
        p_in = _per_m(self.input_usd_per_m_per_b_active * b)
        rev = (c["prompt_tokens"] - read) * p_in + read * (p_in * self.cached_input_fraction)
        return rev + c["output_tokens"] * _per_m(self.output_usd_per_m_per_b_active * b), None


class _TierMixin(BaseModel):
    tier: Literal["small", "medium", "large", "frontier"] | None = Field(
        default=_d("capability-tier", "tier"), description="None = from the model's total parameters"
    )
    unit: Literal["request", "token"] = Field(default=_d("capability-tier", "unit"))
    tier_max_params_b: dict[str, float] = Field(
        default_factory=lambda: _d("capability-tier", "tier_max_params_b")
    )
    per_request_usd: dict[str, float] = Field(
        default_factory=lambda: _d("capability-tier", "per_request_usd")
    )
    input_usd_per_m: dict[str, float] = Field(
        default_factory=lambda: _d("capability-tier", "input_usd_per_m")
    )
    output_usd_per_m: dict[str, float] = Field(
        default_factory=lambda: _d("capability-tier", "output_usd_per_m")
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
        return c["prompt_tokens"] * _per_m(self.input_usd_per_m[t]) + c["output_tokens"] * _per_m(
            self.output_usd_per_m[t]
        )


class CapabilityTierScheme(_TierMixin, Scheme):
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


class HybridScheme(_AllowanceMixin, _TierMixin, Scheme):
    """Subscription fee and allowance, then capability-tier prices for the part beyond it.

    Per-token tier prices apply to the share of the request beyond the allowance; a
    per-request tier price is charged for every request that goes beyond it.
    """

    id: ClassVar[str] = "hybrid"
    title: ClassVar[str] = "Hybrid: subscription + capability overage"
    stateful: ClassVar[bool] = True
    monthly_fee_usd: float = Field(default=_d("hybrid", "monthly_fee_usd"), ge=0)
    allowance_unit: Literal["tokens", "requests"] = Field(default=_d("hybrid", "allowance_unit"))
    allowance: float = Field(default=_d("hybrid", "allowance"), ge=0)
    window: Literal["month", "week", "day", "5h"] = Field(default=_d("hybrid", "window"))
    tier: Literal["small", "medium", "large", "frontier"] | None = Field(default=_d("hybrid", "tier"))
    unit: Literal["request", "token"] = Field(default=_d("hybrid", "unit"))
    tier_max_params_b: dict[str, float] = Field(default_factory=lambda: _d("hybrid", "tier_max_params_b"))
    per_request_usd: dict[str, float] = Field(default_factory=lambda: _d("hybrid", "per_request_usd"))
    input_usd_per_m: dict[str, float] = Field(default_factory=lambda: _d("hybrid", "input_usd_per_m"))
    output_usd_per_m: dict[str, float] = Field(default_factory=lambda: _d("hybrid", "output_usd_per_m"))

    def revenue(self, c, ctx, state):
        over, _ = _allowance_overage(c, self.allowance_unit, self.allowance, self.window, state)
        price = self.tier_price(c, ctx)
        extra = np.where(over > 0, price, 0.0) if self.unit == "request" else over * price
        return _fee_share(c, self.monthly_fee_usd) + extra, None


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
