"""Load shapes: how a workload's traffic spreads over the hours it covers.

A fleet must be sized for its busiest hour, not its average one, so the shape of the load sets
how much of the provisioned fleet sits idle (costmodel.engine.fleet). A :class:`LoadShape` is
the relative load of consecutive hours, scaled to an average of 1:

- presets (``data/fleet/load_shapes.yaml``, each with its source): ``flat``, ``business-hours``
  and ``global-consumer-day`` (DeepSeek's published peak-to-average of 278 / 226.75 nodes);
- derived from a trace's or usage log's timestamps (:func:`load_shape_from_timestamps`), one bin
  per clock hour the workload covers, optionally weighted by each request's GPU-seconds.

    load_shape("global-consumer-day").peak_to_average      # 1.226
    hourly_busy_gpus(3.6e6, load_shape("flat"))  # 41.7 GPUs busy in each of 24 hours
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from costmodel.errors import CostModelError, UnknownIdError
from costmodel.resources import data_path

LOAD_SHAPES_PATH = data_path("fleet", "load_shapes.yaml")
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24


@dataclass(frozen=True)
class LoadShape:
    """Relative load per consecutive hour (``hourly``, average 1), with where it comes from."""

    id: str
    title: str
    hourly: np.ndarray
    source: str

    @property
    def hours(self) -> int:
        return len(self.hourly)

    @property
    def peak_to_average(self) -> float:
        """Busiest hour over the average hour."""
        return float(self.hourly.max())

    def tiled(self, hours: int) -> np.ndarray:
        """The shape repeated (a 24-hour shape over several days) and cut to ``hours``, average kept 1."""
        reps = int(np.ceil(hours / self.hours))
        out = np.tile(self.hourly, reps)[:hours]
        return out / out.mean()

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "hourly": self.hourly.tolist(),
                "peak_to_average": self.peak_to_average, "source": self.source}


def normalized(hourly: np.ndarray) -> np.ndarray:
    """Scale non-negative hourly loads to an average of 1 (a shape of all zeros is rejected)."""
    h = np.asarray(hourly, dtype=float)
    if h.ndim != 1 or h.size == 0 or not np.all(np.isfinite(h)) or np.any(h < 0) or h.sum() <= 0:
        raise CostModelError("a load shape needs one or more finite, non-negative hourly loads, not all zero")
    return h / h.mean()


class _Cosine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    peak_to_average: float = Field(ge=1.0, le=2.0, description="busiest hour / average hour")
    peak_hour: float = Field(ge=0, lt=24, description="hour of the day (0-24) of the peak")


class _ShapeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    source: str
    date: date
    hourly: list[float] | None = Field(default=None, min_length=24, max_length=24)
    cosine: _Cosine | None = None

    @model_validator(mode="after")
    def _one_form(self) -> _ShapeEntry:
        if (self.hourly is None) == (self.cosine is None):
            raise ValueError("give exactly one of 'hourly' (24 numbers) or 'cosine'")
        return self

    def values(self) -> np.ndarray:
        if self.hourly is not None:
            return np.asarray(self.hourly, dtype=float)
        a = self.cosine.peak_to_average - 1.0
        h = np.arange(HOURS_PER_DAY, dtype=float)
        return 1.0 + a * np.cos(2 * np.pi * (h - self.cosine.peak_hour) / HOURS_PER_DAY)


@functools.lru_cache(maxsize=1)
def load_shapes() -> Mapping[str, LoadShape]:
    """The preset shapes of ``data/fleet/load_shapes.yaml`` (read-only, shared)."""
    with open(LOAD_SHAPES_PATH, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    out = {}
    for sid, body in raw.items():
        try:
            entry = _ShapeEntry.model_validate(body)
            shape = LoadShape(sid, entry.title, normalized(entry.values()), f"{entry.source} ({entry.date})")
        except (ValidationError, CostModelError) as exc:
            msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise CostModelError(f"{LOAD_SHAPES_PATH}: load shape {sid!r}: {msg}") from None
        shape.hourly.setflags(write=False)
        out[sid] = shape
    return MappingProxyType(out)


FROM_TIMESTAMPS = "timestamps"
"""The load-shape choice that sizes a fleet from the workload's own hourly request counts."""


def own_load_shape(workload_kind: str) -> str | None:
    """The load shape a workload's own timestamps stand for: a preset id, or None for its hourly counts.

    A synthetic preset draws each request's time uniformly over its month (``costmodel.workloads.workload``), so
    its own shape is the flat day: its hourly counts add only sampling noise (100 chat users: ~7 requests an hour,
    the busiest hour 5.8x the average), which ``Workload.with_user_scale``'s copies would keep and the fleet would
    be sized for. A trace or a usage log: its real hourly counts.
    """
    return "flat" if workload_kind == "synthetic" else None


def load_shape(shape_id: str) -> LoadShape:
    """A preset shape by id (``flat``, ``business-hours``, ``global-consumer-day``)."""
    try:
        return load_shapes()[shape_id]
    except KeyError:
        raise UnknownIdError("load shape", shape_id, load_shapes()) from None


def load_shape_from_timestamps(
    timestamps: np.ndarray, weights: np.ndarray | None = None, shape_id: str = "timestamps"
) -> LoadShape:
    """One bin per clock hour from the first to the last request, weighted by ``weights`` (e.g. GPU-seconds).

    Timestamps are seconds since the Unix epoch. A workload without timestamps (all equal) covers
    one hour. The result covers exactly the hours the workload does: a one-hour trace gives a
    one-hour shape, a month of logs a 720-hour one.
    """
    ts = np.asarray(timestamps, dtype=float)
    if ts.size == 0:
        raise CostModelError("no requests: a load shape needs at least one timestamp")
    w = np.ones(ts.size) if weights is None else np.asarray(weights, dtype=float)
    hour = np.floor(ts / SECONDS_PER_HOUR)
    bins = (hour - hour.min()).astype(np.int64)
    hourly = np.bincount(bins, weights=w, minlength=int(bins.max()) + 1)
    span = f"{len(hourly)} hour{'s' if len(hourly) > 1 else ''}"
    return LoadShape(shape_id, f"From the workload's timestamps ({span})", normalized(hourly),
                     "hourly request load of the workload itself")


def hourly_busy_gpus(busy_gpu_seconds: float | np.ndarray, shape: LoadShape, hours: int | None = None) -> np.ndarray:
    """GPUs busy in each hour when ``busy_gpu_seconds`` of full-load work follows ``shape`` over ``hours``.

    Work in hour h = total x shape_h / sum(shape); busy GPUs = that work / 3600 s. ``hours``
    defaults to the shape's own length (a preset's 24; whole days when a preset is tiled).
    """
    n = shape.hours if hours is None else int(hours)
    if n < 1:
        raise CostModelError(f"a load needs at least one hour, got {n}")
    profile = shape.tiled(n)
    total = np.asarray(busy_gpu_seconds, dtype=float)[..., None]
    return total * profile / profile.sum() / SECONDS_PER_HOUR


__all__ = [
    "LOAD_SHAPES_PATH",
    "LoadShape",
    "hourly_busy_gpus",
    "load_shape",
    "load_shape_from_timestamps",
    "load_shapes",
    "normalized",
]
