"""Accelerators: the published specifications the roofline needs, and their rental price.

Every figure is a *dense* datasheet peak (NVIDIA quotes Tensor-Core FLOPS with 2:4
sparsity; dense is half of that). Sources and dates live in each catalog entry
(``data/gpus/*.yaml``); the collected table with check levels is
``docs/sources.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ComputeDtype = Literal["bf16", "fp8", "fp4"]
"""Precision the matrix units run at. int8 peaks are recorded but not used for serving."""

GpuFamily = Literal["ampere", "ada", "hopper", "blackwell", "cdna3", "cdna4", "tpu"]

BITS_OF_DTYPE: dict[str, int] = {"bf16": 16, "fp8": 8, "fp4": 4}


class GPU(BaseModel):
    """One accelerator (per GPU / per chip), as published by its vendor.

    Units are in the field names: TFLOP/s, GB (1e9 bytes), TB/s (1e12 bytes/s),
    GB/s, W, USD per GPU-hour.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="catalog id, e.g. h100-sxm")
    name: str
    vendor: Literal["nvidia", "amd", "google", "other"]
    family: GpuFamily = Field(description="architecture family; selects calibrated efficiency defaults")
    dense_tflops: dict[str, float] = Field(
        description="dense peak TFLOP/s per precision (bf16 required; fp8, fp4, int8 where supported)"
    )
    memory_gb: float = Field(gt=0, le=10_000, description="HBM/GDDR capacity per GPU, GB")
    memory_bandwidth_tb_s: float = Field(gt=0, le=100, description="memory bandwidth per GPU, TB/s")
    interconnect_gb_s: float = Field(
        gt=0, le=100_000, description="scale-up bandwidth per GPU, GB/s, total bidirectional (NVLink, IF, PCIe)"
    )
    interconnect: str = Field(description="what the scale-up link is, e.g. 'NVLink4' or 'PCIe4 x16'")
    scale_up_domain_gpus: int = Field(
        ge=1, le=100_000, description="GPUs reachable at interconnect_gb_s (8 for HGX, 72 for NVL72)"
    )
    tdp_w: float | None = Field(
        default=None, ge=1, le=10_000, description="board power, W (under 1 W is a typo, not a GPU: energy per token would divide by ~0)"
    )
    hourly_usd: float = Field(gt=0, le=1_000, description="default rental price, USD per GPU-hour")
    price_source: str = Field(min_length=3)
    price_date: dt.date
    source: str = Field(min_length=3, description="where the specifications were read")
    checked: dt.date = Field(description="date the specifications were read")
    notes: str = ""
    boost_clock_mhz: float | None = Field(
        default=None, gt=0, le=10_000, description="matrix-unit clock the dense_tflops peaks are quoted at, MHz"
    )
    sustained_matrix_clock_mhz: dict[str, float] = Field(
        default_factory=dict,
        description="clock a sustained dense GEMM holds at the board's power limit, MHz, per precision (measured; "
        "needs boost_clock_mhz). A power-limited part runs heavy matrix work below the clock its peaks assume",
    )
    clock_source: str = Field(default="", description="where the sustained clocks were measured")

    @field_validator("dense_tflops")
    @classmethod
    def _known_precisions(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - {"bf16", "fp8", "fp4", "int8"}
        if unknown:
            raise ValueError(f"unknown precision(s) {sorted(unknown)}; use bf16, fp8, fp4, int8")
        if "bf16" not in value:
            raise ValueError("bf16 peak is required")
        bad = {k: v for k, v in value.items() if not (0 < v < 1e6)}
        if bad:
            raise ValueError(f"peaks must be positive TFLOP/s: {bad}")
        return value

    @model_validator(mode="after")
    def _sustained_clocks_need_their_boost_clock(self) -> GPU:
        clocks = self.sustained_matrix_clock_mhz
        if not clocks:
            return self
        if self.boost_clock_mhz is None or not self.clock_source:
            raise ValueError("sustained_matrix_clock_mhz needs boost_clock_mhz and clock_source")
        unknown = set(clocks) - set(self.dense_tflops)
        bad = {k: v for k, v in clocks.items() if not 0 < v <= self.boost_clock_mhz}
        if unknown or bad:
            raise ValueError(f"sustained clocks must be for listed precisions and within (0, boost_clock_mhz]: "
                             f"{sorted(unknown) or bad}")
        return self

    @model_validator(mode="after")
    def _price_not_in_future(self) -> GPU:
        if self.price_date > dt.date.today() + dt.timedelta(days=1):
            raise ValueError(f"price_date {self.price_date} is in the future")
        return self

    def supports(self, dtype: str) -> bool:
        """True when the matrix units have a native path for ``dtype``."""
        return dtype in self.dense_tflops and dtype in BITS_OF_DTYPE

    def peak_flops(self, dtype: str) -> float:
        """Dense peak in FLOP/s at ``dtype``; falls back to the fastest supported wider type."""
        for candidate in _fallback_chain(dtype):
            if candidate in self.dense_tflops:
                return self.dense_tflops[candidate] * 1e12
        return self.dense_tflops["bf16"] * 1e12

    def matrix_clock_share(self, dtype: str) -> float:
        """Share of the peak's clock that sustained matrix work at ``dtype`` holds (1 where not measured).

        Peaks are quoted at the boost clock; under a long dense GEMM a power-limited board lowers it (AMD,
        "Measuring Max-Achievable FLOPs - Part 2", ROCm blog, 28 Feb 2025: MI300X at 750 W holds a median
        1,230 MHz at FP8 of the 2,100 MHz its peaks assume, MI325X at 1,000 W 1,464 MHz). Within one family
        this is what separates two boards of the same silicon at different power limits; the family's fitted
        MFU then applies to the clock the matrices actually run at."""
        if not self.sustained_matrix_clock_mhz or self.boost_clock_mhz is None:
            return 1.0
        for candidate in _fallback_chain(dtype):
            if candidate in self.sustained_matrix_clock_mhz:
                return self.sustained_matrix_clock_mhz[candidate] / self.boost_clock_mhz
        return 1.0

    def best_dtype_for_bits(self, weight_bits: int) -> str:
        """Compute precision that matches ``weight_bits`` where the GPU supports it.

        4-bit weights run in fp4 on Blackwell; elsewhere they are dequantised to the
        narrowest supported type (fp8 on Hopper, bf16 on Ampere), as weight-only
        quantisation kernels (AWQ, GPTQ, Marlin) do.
        """
        wanted = {16: "bf16", 8: "fp8", 4: "fp4"}.get(int(weight_bits), "bf16")
        for candidate in _fallback_chain(wanted):
            if candidate in self.dense_tflops:
                return candidate
        return "bf16"

    @property
    def memory_bytes(self) -> float:
        return self.memory_gb * 1e9

    @property
    def memory_bandwidth_bytes_s(self) -> float:
        return self.memory_bandwidth_tb_s * 1e12

    @property
    def link_bytes_s_one_way(self) -> float:
        """Per-direction scale-up bandwidth in bytes/s (half the bidirectional total)."""
        return self.interconnect_gb_s * 1e9 / 2


def _fallback_chain(dtype: str) -> tuple[str, ...]:
    return {"fp4": ("fp4", "fp8", "bf16"), "fp8": ("fp8", "bf16"), "bf16": ("bf16",)}.get(dtype, ("bf16",))
