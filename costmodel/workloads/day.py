"""Published serving days: a day of traffic given as totals, with the deployment that served it.

``data/workloads/days.yaml`` holds each day's totals (input, cached input and output tokens), its
load shape, the deployment and service level it was served at, and the operator's published cost
and revenue. ``deepseek-day`` is DeepSeek's day 6 post (2025-02-27/28).

The request shape is not published; it follows from two published figures. With a mean prompt of
S tokens and a mean answer of O tokens, the input/output token ratio gives S / O, and the average
KV-cache length per output token is S + O / 2 (the context grows from S to S + O while the answer
is written), so

    O = L / (S/O + 1/2),  S = (S/O) x O     (DeepSeek: L = 4,989, S/O = 608/168: O = 1,211, S = 4,383).

The day becomes a :class:`~costmodel.workloads.workload.Workload` of ``rows`` copies of that mean
request, each row standing for requests / rows requests (``requests_per_row``), so every total is
exactly the published one. The fleet follows the day's load shape (``shape()``); the rows carry
request times only when asked (``workload(timed=True)``), since none were published.

    day = published_day("deepseek-day")
    day.workload().summary()["input_tokens"]     # 608,000,000,000
    day.scenario()                               # the deployment, with its speed target
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from costmodel.engine.scenario import Scenario
from costmodel.errors import CostModelError, UnknownIdError
from costmodel.resources import data_path
from costmodel.workloads.load_shape import LoadShape, load_shape
from costmodel.workloads.workload import Workload

DAYS_PATH = data_path("workloads", "days.yaml")
SECONDS_PER_HOUR = 3600.0


class DayFleet(BaseModel):
    """How the operator provisions GPUs for the day (costmodel.engine.fleet.size_fleet)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    autoscale: bool = False
    peak_headroom: float = Field(default=1.0, ge=1.0, le=10.0)
    billing: Literal["on-demand", "reserved"] = "on-demand"


class PublishedDay(BaseModel):
    """One published day: totals, request shape, load shape, deployment and the operator's figures."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    description: str
    source: str
    date: date
    start_utc: datetime
    hours: int = Field(default=24, ge=1, le=24 * 366)
    input_tokens: float = Field(gt=0)
    cached_input_tokens: float = Field(ge=0)
    output_tokens: float = Field(gt=0)
    mean_context_tokens_per_output_token: float = Field(gt=0)
    load_shape: str
    rows: int = Field(default=24_000, ge=24, le=10_000_000)
    deployment: dict[str, Any]
    fleet: DayFleet = DayFleet()
    published: dict[str, Any] = Field(default_factory=dict)

    @property
    def input_per_output(self) -> float:
        return self.input_tokens / self.output_tokens

    @property
    def mean_output_tokens(self) -> float:
        """O = L / (S/O + 1/2): the mean answer length implied by the KV length and token ratio."""
        return self.mean_context_tokens_per_output_token / (self.input_per_output + 0.5)

    @property
    def mean_prompt_tokens(self) -> float:
        return self.input_per_output * self.mean_output_tokens

    @property
    def cache_hit_rate(self) -> float:
        return self.cached_input_tokens / self.input_tokens

    @property
    def requests(self) -> float:
        return self.output_tokens / self.mean_output_tokens

    def shape(self) -> LoadShape:
        return load_shape(self.load_shape)

    def scenario(self, **overrides: Any) -> Scenario:
        """The day's deployment at its mean request shape (``overrides`` replace Scenario fields)."""
        fields = {
            **self.deployment,
            "prompt_tokens": max(1, round(self.mean_prompt_tokens)),
            "output_tokens": max(1, round(self.mean_output_tokens)),
            "cache_hit_rate": self.cache_hit_rate,
            **overrides,
        }
        return Scenario.model_validate(fields)

    def timestamps(self) -> np.ndarray:
        """Row times: the load shape's cumulative share inverted, one row per 1/rows of the day's requests."""
        profile = self.shape().tiled(self.hours)
        cumulative = np.concatenate([[0.0], np.cumsum(profile)]) / profile.sum()
        quantiles = (np.arange(self.rows) + 0.5) / self.rows
        hours = np.interp(quantiles, cumulative, np.arange(self.hours + 1, dtype=float))
        return self.start_utc.timestamp() + hours * SECONDS_PER_HOUR

    def workload(self, timed: bool = False) -> Workload:
        """``rows`` mean requests standing for the whole day (totals exactly as published).

        The operator publishes hourly load, not request times, so the rows carry no timestamps (0 =
        unknown: no time-of-day price applies, as in DeepSeek's theoretical revenue) unless ``timed``,
        which spreads them over the day by the load shape (an assumed peak hour; off-peak prices then apply).
        """
        n = self.rows
        prompt = np.full(n, self.mean_prompt_tokens)
        cached = prompt * self.cache_hit_rate
        return Workload(
            id=self.id, title=self.title, kind="synthetic", source=self.source, description=self.description,
            prompt_tokens=prompt, output_tokens=np.full(n, self.mean_output_tokens), cached_tokens=cached,
            cache_write_tokens=np.zeros(n), user=np.zeros(n, dtype=np.int64),
            timestamp=self.timestamps() if timed else np.zeros(n),
            users_known=False, requests_per_row=self.requests / n,
            notes=[f"{self.requests:,.0f} requests as {n:,} rows of the mean request "
                   f"({self.mean_prompt_tokens:,.0f} in, {self.mean_output_tokens:,.0f} out); users are not published"],
        )


@functools.lru_cache(maxsize=1)
def published_days() -> Mapping[str, PublishedDay]:
    """Every day of ``data/workloads/days.yaml`` (read-only, shared)."""
    with open(DAYS_PATH, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    out = {}
    for day_id, body in raw.items():
        try:
            day = PublishedDay.model_validate({"id": day_id, **body})
            day.scenario()  # the deployment must be a valid Scenario
            day.shape()
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise CostModelError(f"{DAYS_PATH}: day {day_id!r} field {where!r}: {err['msg']}") from None
        except CostModelError as exc:
            raise CostModelError(f"{DAYS_PATH}: day {day_id!r}: {exc}") from None
        out[day_id] = day
    return MappingProxyType(out)


def published_day(day_id: str) -> PublishedDay:
    try:
        return published_days()[day_id]
    except KeyError:
        raise UnknownIdError("published day", day_id, published_days()) from None


__all__ = ["DAYS_PATH", "DayFleet", "PublishedDay", "published_day", "published_days"]
