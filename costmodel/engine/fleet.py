"""The fleet: whole replicas provisioned hour by hour for a load, and what they cost.

The engine's figures are per busy GPU-second at the service level (costmodel.engine.service_level).
An operator pays for provisioned GPUs, busy or not. Given the GPUs the load keeps busy in each
hour (costmodel.workloads.load_shape.hourly_busy_gpus), the fleet is:

- per hour: busy GPUs x peak headroom, rounded up to whole replicas of ``gpus_per_replica`` GPUs
  (tensor/expert-parallel groups cannot be split), at least one replica;
- with ``autoscale`` (on-demand GPUs, or nodes handed back to other work at night as DeepSeek
  does) each hour keeps its own fleet; without it the busiest hour's fleet is held all period;
- a reserved (committed) rate is paid every hour of the term, so a reserved fleet never scales down.

Outputs: GPUs provisioned (the busiest hour's), GPU-hours paid, busy share = busy GPU-hours /
provisioned GPU-hours, cost, and the idle cost (the part of the cost paid for idle GPUs).
Every figure is a plain sum of hourly terms: cost = sum_h GPUs_h x $/GPU-h.

Rates: on-demand is the catalog's ``hourly_usd`` (data/gpus); reserved rates with sources are in
``data/fleet/gpu_rates.yaml`` (:func:`gpu_hourly_rate`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import yaml

from costmodel.catalog.hardware import GPU
from costmodel.errors import CostModelError
from costmodel.resources import data_path

GPU_RATES_PATH = data_path("fleet", "gpu_rates.yaml")
Billing = Literal["on-demand", "reserved"]
BILLINGS: tuple[str, ...] = ("on-demand", "reserved")


@dataclass(frozen=True)
class Fleet:
    """Provisioned and busy GPUs per hour, and the money they come to (USD)."""

    gpus_per_hour: np.ndarray
    busy_gpus_per_hour: np.ndarray
    gpus_per_replica: int
    gpu_hourly_usd: float
    billing: str
    autoscale: bool
    peak_headroom: float

    @property
    def hours(self) -> int:
        return int(self.gpus_per_hour.shape[-1])

    @property
    def gpus_provisioned(self) -> int:
        """GPUs in the busiest hour (the fleet's size when it does not scale)."""
        return int(self.gpus_per_hour.max())

    @property
    def replicas_provisioned(self) -> int:
        return self.gpus_provisioned // self.gpus_per_replica

    @property
    def gpu_hours(self) -> float:
        """GPU-hours paid for: provisioned GPUs summed over the hours."""
        return float(self.gpus_per_hour.sum())

    @property
    def busy_gpu_hours(self) -> float:
        """GPU-hours of work at full load (the engine's busy GPU-seconds / 3600)."""
        return float(self.busy_gpus_per_hour.sum())

    @property
    def busy_share(self) -> float:
        """Busy GPU-hours / provisioned GPU-hours: the fleet's average utilization."""
        return self.busy_gpu_hours / self.gpu_hours if self.gpu_hours else 0.0

    @property
    def cost_usd(self) -> float:
        """Everything paid: provisioned GPU-hours x $/GPU-hour (busy and idle)."""
        return self.gpu_hours * self.gpu_hourly_usd

    @property
    def busy_cost_usd(self) -> float:
        """The busy part: what the same work costs on a fleet that is always full."""
        return self.busy_gpu_hours * self.gpu_hourly_usd

    @property
    def idle_cost_usd(self) -> float:
        """Paid for GPUs that wait: cost - busy cost."""
        return self.cost_usd - self.busy_cost_usd

    @property
    def average_gpus(self) -> float:
        return self.gpu_hours / self.hours if self.hours else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "gpus_provisioned": self.gpus_provisioned,
            "replicas_provisioned": self.replicas_provisioned,
            "gpus_per_replica": self.gpus_per_replica,
            "average_gpus": self.average_gpus,
            "hours": self.hours,
            "gpu_hours": self.gpu_hours,
            "busy_gpu_hours": self.busy_gpu_hours,
            "busy_share": self.busy_share,
            "cost_usd": self.cost_usd,
            "busy_cost_usd": self.busy_cost_usd,
            "idle_cost_usd": self.idle_cost_usd,
            "gpu_hourly_usd": self.gpu_hourly_usd,
            "billing": self.billing,
            "autoscale": self.autoscale,
            "peak_headroom": self.peak_headroom,
            "gpus_per_hour": self.gpus_per_hour.tolist(),
        }


def whole_replicas(gpus_needed: np.ndarray, gpus_per_replica: int) -> np.ndarray:
    """GPUs in the fewest whole replicas that cover ``gpus_needed``, at least one replica."""
    need = np.asarray(gpus_needed, dtype=float) / gpus_per_replica
    replicas = np.maximum(np.ceil(need - 1e-9), 1.0)  # 1e-9: 2.0000000001 replicas is 2
    return replicas * gpus_per_replica


def size_fleet(
    busy_gpus_per_hour: np.ndarray,
    gpus_per_replica: int,
    gpu_hourly_usd: float,
    *,
    peak_headroom: float = 1.0,
    autoscale: bool = False,
    billing: Billing = "on-demand",
) -> Fleet:
    """The fleet that serves ``busy_gpus_per_hour`` (GPUs the load keeps busy in each hour, at full load).

    ``peak_headroom`` >= 1 is spare capacity on top of the load (1.2 = 20 % more GPUs than the
    busiest hour keeps busy). Hours are the last axis.
    """
    busy = np.asarray(busy_gpus_per_hour, dtype=float)
    if busy.ndim != 1 or busy.size == 0 or not np.all(np.isfinite(busy)) or np.any(busy < 0):
        raise CostModelError("busy GPUs per hour must be one or more finite, non-negative numbers")
    if not isinstance(gpus_per_replica, (int, np.integer)) or gpus_per_replica < 1:
        raise CostModelError(f"gpus per replica must be a whole number >= 1, got {gpus_per_replica}")
    if not 1.0 <= peak_headroom <= 10.0:
        raise CostModelError(f"peak headroom must be between 1 and 10, got {peak_headroom}")
    if not gpu_hourly_usd > 0:
        raise CostModelError(f"the GPU-hour rate must be > 0, got {gpu_hourly_usd}")
    if billing not in BILLINGS:
        raise CostModelError(f"unknown GPU billing {billing!r}; valid choices: {', '.join(BILLINGS)}")
    if billing == "reserved" and autoscale:
        raise CostModelError("a reserved fleet is paid for every hour: autoscaling needs on-demand GPUs")
    per_hour = whole_replicas(busy * peak_headroom, int(gpus_per_replica))
    if not autoscale:
        per_hour = np.full_like(per_hour, per_hour.max())
    return Fleet(per_hour, busy, int(gpus_per_replica), float(gpu_hourly_usd), billing, bool(autoscale),
                 float(peak_headroom))


@functools.lru_cache(maxsize=1)
def _rates() -> tuple[dict, ...]:
    with open(GPU_RATES_PATH, encoding="utf-8") as fh:
        rows = (yaml.safe_load(fh) or {}).get("rows", [])
    return tuple(dict(r) for r in rows)


def reserved_rates() -> list[dict]:
    """Every reserved-rate row of ``data/fleet/gpu_rates.yaml`` (gpu, term, rate, source, date)."""
    return [dict(r) for r in _rates()]


def gpu_hourly_rate(gpu: GPU, billing: Billing = "on-demand") -> tuple[float, str]:
    """(USD per GPU-hour, where it comes from) for a GPU billed on demand or at its reserved rate."""
    if billing == "on-demand":
        return float(gpu.hourly_usd), f"on-demand: {gpu.price_source} ({gpu.price_date})"
    if billing != "reserved":
        raise CostModelError(f"unknown GPU billing {billing!r}; valid choices: {', '.join(BILLINGS)}")
    for row in _rates():
        if row["gpu"] == gpu.id:
            return float(row["usd_per_gpu_hour"]), f"reserved ({row['term']}): {row['source']} ({row['date']})"
    have = sorted({r["gpu"] for r in _rates()})
    raise CostModelError(
        f"no reserved rate for {gpu.id!r} in {GPU_RATES_PATH.name} (GPUs with one: {', '.join(have)}); "
        "give the rate with --gpu-hourly-usd"
    )


__all__ = [
    "BILLINGS",
    "Fleet",
    "GPU_RATES_PATH",
    "gpu_hourly_rate",
    "reserved_rates",
    "size_fleet",
    "whole_replicas",
]
