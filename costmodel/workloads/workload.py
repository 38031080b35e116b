"""Workloads: the requests a deployment serves, as arrays (one entry per request).

Three sources, one shape (:class:`Workload`):

- synthetic presets (``data/workloads/presets.yaml``): chat, rag, coding-assistant,
  long-document, persistent-agent, batch-summarization. Distributions of prompt,
  output and cached tokens and of requests per user per month; a seeded RNG makes them
  reproducible;
- real traces (costmodel.workloads.traces): ``azure-2023-conv``, ``azure-2023-code``,
  ``mooncake-conversation``;
- a user's own usage log (costmodel.workloads.usage_log): CSV, JSONL or Parquet.

Token conventions: ``prompt_tokens`` counts every input token, cached ones included;
``cached_tokens`` (prefix-cache reads) and ``cache_write_tokens`` are parts of it;
``output_tokens`` counts every generated token, reasoning tokens included (they are
billed as output, and the engine costs them as decode: Scenario's ``reasoning_tokens``);
the optional ``reasoning_tokens`` column says how many of them were thinking.

Public API::

    synthesize(preset_id, ...)                         # presets only
    from_arrays(prompt_tokens=..., output_tokens=...)  # your own arrays

Loading by id or path (presets, traces, usage logs) is in costmodel.workloads.loading.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from costmodel.errors import CostModelError, UnknownIdError
from costmodel.resources import data_root

DATA_DIR = data_root()
PRESETS_PATH = DATA_DIR / "workloads" / "presets.yaml"
MONTH_START = 1_790_812_800.0  # 2026-10-01T00:00:00Z: synthetic months start here
SECONDS_PER_MONTH = 30 * 86_400.0


@dataclass
class Workload:
    """Requests as equal-length arrays, plus where they came from and what was skipped."""

    id: str
    title: str
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    cached_tokens: np.ndarray
    cache_write_tokens: np.ndarray
    user: np.ndarray  # integer user codes
    timestamp: np.ndarray  # seconds since the Unix epoch
    kind: Literal["synthetic", "trace", "log"] = "synthetic"
    source: str = ""
    description: str = ""
    users_known: bool = True
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_first_row: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cache_write_1h_tokens: np.ndarray | None = None  # the 1-hour-TTL part of cache_write_tokens, if logged
    reasoning_tokens: np.ndarray | None = None  # the thinking part of output_tokens (billed as output), if known
    requests_per_row: float = 1.0
    """Requests each row stands for: 1 for a request log; more for a day given as totals (deepseek-day),
    whose rows are its mean request. Billing and summaries multiply by it."""
    user_scale: float = 1.0
    """Real users each of the workload's users stands for (``with_user_scale``): k identical copies of every
    user, so requests, tokens, revenue, cost and the fleet's load are k times the rows', and every user-month
    bill is counted k times at its own value. Lets a sample of 100 generated users model 500,000."""

    def __post_init__(self) -> None:
        n = len(self.prompt_tokens)
        for name in ("output_tokens", "cached_tokens", "cache_write_tokens", "user", "timestamp"):
            if len(getattr(self, name)) != n:
                raise CostModelError(
                    f"workload {self.id}: column {name} has {len(getattr(self, name))} rows, not {n}"
                )
        if self.reasoning_tokens is not None:
            r = self.reasoning_tokens = np.asarray(self.reasoning_tokens, dtype=np.float64)
            if len(r) != n or np.any(r < 0) or np.any(r > self.output_tokens):
                raise CostModelError(f"workload {self.id}: reasoning_tokens must be one count per request, "
                                     "between 0 and that request's output_tokens (they are part of it)")

    def __len__(self) -> int:
        return len(self.prompt_tokens)

    @property
    def row_weight(self) -> float:
        """Requests one row stands for in every total: ``requests_per_row`` x ``user_scale``."""
        return self.requests_per_row * self.user_scale

    def columns(self) -> dict[str, np.ndarray]:
        """The arrays costmodel.pricing.bill prices."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "user": self.user,
            "timestamp": self.timestamp,
        } | ({} if self.cache_write_1h_tokens is None else {"cache_write_1h_tokens": self.cache_write_1h_tokens})

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns())

    def summary(self) -> dict[str, Any]:
        """Totals and means (the ``workload`` block of the CLI's JSON)."""
        k = self.row_weight
        p = float(self.prompt_tokens.sum()) * k
        cached = float(np.minimum(self.cached_tokens, self.prompt_tokens).sum()) * k
        n = len(self)
        return {
            "id": self.id,
            "requests": int(round(n * k)),
            "input_tokens": round(p),
            "output_tokens": round(self.output_tokens.sum() * k),
            "cached_input_tokens": round(cached),
            "cache_write_tokens": round(self.cache_write_tokens.sum() * k),
            "prefix_cache_hit_rate": cached / p if p else 0.0,
            "mean_prompt_tokens": p / (n * k) if n else 0.0,
            "mean_output_tokens": float(self.output_tokens.mean()) if n else 0.0,
            "users": int(round(len(np.unique(self.user)) * self.user_scale)) if n else 0,
            "users_known": self.users_known,
            "skipped_rows": int(sum(self.skipped.values())),
            "skipped_reasons": dict(self.skipped),
        } | ({} if self.user_scale == 1 else {"users_generated": int(len(np.unique(self.user))),
                                               "user_scale": self.user_scale}) | (
            {} if self.reasoning_tokens is None else {"reasoning_tokens": int(round(self.reasoning_tokens.sum() * k))})

    def with_user_scale(self, k: float) -> Workload:
        """The workload with each user standing for ``k`` real users (``user_scale``; 1 <= k <= 10,000,000):
        a realistic volume from a small sample, without generating k times the rows."""
        if not (isinstance(k, int | float) and 1 <= k <= 10_000_000):
            raise CostModelError(f"user scale must be between 1 and 10,000,000 real users per user, got {k}")
        out = Workload(**{**self.__dict__, "user_scale": float(k) * self.user_scale})
        if k != 1:
            out.notes = [*self.notes, f"each user stands for {k:,g} real users (identical copies)"]
        return out

    def with_users(self, users: int, seed: int = 0) -> Workload:
        """Assign requests to ``users`` synthetic users at random (for traces without user ids)."""
        if not 1 <= users <= 100_000_000:
            raise CostModelError(f"users must be between 1 and 100,000,000, got {users}")
        rng = np.random.default_rng(seed)
        out = Workload(**{**self.__dict__, "user": rng.integers(0, users, len(self)), "users_known": False})
        out.notes = [*self.notes, f"requests assigned to {users} synthetic users at random (seed {seed})"]
        return out


def from_arrays(
    workload_id: str,
    prompt_tokens: Any,
    output_tokens: Any,
    cached_tokens: Any = None,
    cache_write_tokens: Any = None,
    user: Any = None,
    timestamp: Any = None,
    **meta: Any,
) -> Workload:
    """Build a Workload from array-likes (missing optional columns are zeros)."""
    p = np.asarray(prompt_tokens, dtype=np.float64)
    n = len(p)

    def opt(v, dtype=np.float64):
        return np.zeros(n, dtype=dtype) if v is None else np.asarray(v, dtype=dtype)

    return Workload(
        id=workload_id,
        title=meta.pop("title", workload_id),
        prompt_tokens=p,
        output_tokens=np.asarray(output_tokens, dtype=np.float64),
        cached_tokens=opt(cached_tokens),
        cache_write_tokens=opt(cache_write_tokens),
        user=opt(user, np.int64),
        timestamp=opt(timestamp),
        users_known=meta.pop("users_known", user is not None),
        **meta,
    )


# ----------------------------------------------------------------------------- presets
class LogNormal(BaseModel):
    """A log-normal distribution given by its median and the std of its log, clipped to [min, max]."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    median: float = Field(gt=0)
    sigma: float = Field(ge=0, le=5)
    min: float = Field(default=1, ge=0)
    max: float = Field(default=1e7, gt=0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.lognormal(np.log(self.median), self.sigma, n) if self.sigma else np.full(n, self.median)
        return np.clip(np.round(x), self.min, self.max)


class Beta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a, self.b, n)


class AgentShape(BaseModel):
    """Multi-turn sessions whose context grows each turn (persistent-agent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sessions_per_user_month: LogNormal
    turns_per_session: LogNormal
    system_tokens: float = Field(ge=0)
    user_tokens_per_turn: LogNormal
    tool_tokens_per_turn: LogNormal
    seconds_between_turns: float = Field(default=30.0, gt=0)
    cache_survival: float = Field(
        default=1.0, ge=0, le=1, description="probability the previous turn's prefix is still cached"
    )


class Preset(BaseModel):
    """A synthetic workload: distributions per request and per user (data/workloads/presets.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    description: str
    source: str
    users: int = Field(ge=1, le=10_000_000)
    months: int = Field(default=1, ge=1, le=36)
    seed: int = 0
    requests_per_user_month: LogNormal | None = None
    prompt_tokens: LogNormal | None = None
    output_tokens: LogNormal
    cache_hit: Beta | None = Field(default=None, description="share of the prompt read from the cache")
    cache_write_share: float = Field(
        default=0.0, ge=0, le=1, description="share of the uncached prompt written"
    )
    agent: AgentShape | None = None


@functools.lru_cache(maxsize=1)
def presets() -> Mapping[str, Preset]:
    with open(PRESETS_PATH, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    out = {}
    for pid, body in raw.items():
        try:
            out[pid] = Preset.model_validate({"id": pid, **body})
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise CostModelError(f"{PRESETS_PATH}: preset {pid!r} field {where!r}: {err['msg']}") from None
    return MappingProxyType(out)  # shared by every caller (and every app session): read-only


def synthesize(
    preset_id: str, *, users: int | None = None, months: int | None = None, seed: int | None = None
) -> Workload:
    """Draw a synthetic workload from a preset (reproducible: same arguments, same arrays)."""
    try:
        pre = presets()[preset_id]
    except KeyError:
        raise UnknownIdError("workload preset", preset_id, presets()) from None
    pre = pre.model_copy(
        update={k: v for k, v in {"users": users, "months": months, "seed": seed}.items() if v is not None}
    )
    if not 1 <= pre.users <= 10_000_000:
        raise CostModelError(f"users must be between 1 and 10,000,000, got {pre.users}")
    rng = np.random.default_rng(pre.seed)
    cols = _agent_requests(pre, rng) if pre.agent is not None else _independent_requests(pre, rng)
    order = np.argsort(cols["timestamp"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    return Workload(
        id=pre.id, title=pre.title, kind="synthetic", source=pre.source, description=pre.description, **cols
    )


def _user_months(
    pre: Preset, rng: np.random.Generator, per_user_month: LogNormal
) -> tuple[np.ndarray, np.ndarray]:
    """(user, month start) of each unit drawn per user-month."""
    um_user = np.repeat(np.arange(pre.users), pre.months)
    um_month = np.tile(np.arange(pre.months), pre.users)
    counts = per_user_month.sample(rng, len(um_user)).astype(np.int64)
    return np.repeat(um_user, counts), MONTH_START + np.repeat(um_month, counts) * SECONDS_PER_MONTH


def _independent_requests(pre: Preset, rng: np.random.Generator) -> dict[str, np.ndarray]:
    if pre.requests_per_user_month is None or pre.prompt_tokens is None:
        raise CostModelError(f"preset {pre.id}: needs requests_per_user_month and prompt_tokens")
    user, month0 = _user_months(pre, rng, pre.requests_per_user_month)
    n = len(user)
    prompt = pre.prompt_tokens.sample(rng, n)
    output = pre.output_tokens.sample(rng, n)
    hit = pre.cache_hit.sample(rng, n) if pre.cache_hit else np.zeros(n)
    cached = np.floor(prompt * hit)
    writes = np.floor((prompt - cached) * pre.cache_write_share)
    ts = month0 + rng.uniform(0, SECONDS_PER_MONTH, n)
    return {
        "prompt_tokens": prompt,
        "output_tokens": output,
        "cached_tokens": cached,
        "cache_write_tokens": writes,
        "user": user,
        "timestamp": ts,
    }


def _agent_requests(pre: Preset, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Sessions of T turns; turn t sends system + all earlier turns (user, tool, answer) + its own input.

    The previous turn's prompt and answer are read from the prefix cache (with
    probability ``cache_survival``) and the new tokens are written to it.
    """
    a = pre.agent
    s_user, s_month0 = _user_months(pre, rng, a.sessions_per_user_month)
    n_sessions = len(s_user)
    turns = a.turns_per_session.sample(rng, n_sessions).astype(np.int64)
    start = s_month0 + rng.uniform(0, SECONDS_PER_MONTH, n_sessions)
    session = np.repeat(np.arange(n_sessions), turns)
    n = len(session)
    first = np.r_[0, np.cumsum(turns)[:-1]]
    turn = np.arange(n) - np.repeat(first, turns)  # 0-based turn within its session
    new_in = a.user_tokens_per_turn.sample(rng, n) + a.tool_tokens_per_turn.sample(rng, n)
    output = pre.output_tokens.sample(rng, n)
    step = new_in + output  # tokens each turn adds to the context
    csum = np.cumsum(step)
    before_session = np.repeat(csum[first] - step[first], turns)
    history = csum - step - before_session  # tokens of earlier turns in this session
    prompt = a.system_tokens + history + new_in
    survived = rng.uniform(size=n) < a.cache_survival
    cached = np.where((turn > 0) & survived, prompt - new_in, 0.0)
    writes = prompt - cached
    ts = np.repeat(start, turns) + turn * a.seconds_between_turns
    return {
        "prompt_tokens": prompt,
        "output_tokens": output,
        "cached_tokens": cached,
        "cache_write_tokens": writes,
        "user": np.repeat(s_user, turns),
        "timestamp": ts,
    }


__all__ = [
    "Preset",
    "Workload",
    "from_arrays",
    "presets",
    "synthesize",
]
