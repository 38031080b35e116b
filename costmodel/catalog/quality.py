"""Published accuracy changes of lower precisions: ``data/quality/quantization.yaml``, validated at load.

A quantized model is cheaper to serve; what it costs in accuracy is an empirical
question answered per model and method by whoever published the checkpoint or
the paper. This module only carries those published figures (each with its
source and date) so the app can set them beside the saving; where nothing is
published it says "no published figure". It never estimates one.
"""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from costmodel.errors import CatalogError
from costmodel.resources import data_path

QUALITY_PATH = data_path("quality", "quantization.yaml")
NO_FIGURE = "no published figure"

PublishedDate = Annotated[
    str,
    BeforeValidator(lambda v: v.isoformat() if isinstance(v, datetime.date) else v),  # YAML reads dates as dates
    Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="publication date, YYYY-MM-DD or YYYY-MM"),
]


class WeightQuality(BaseModel):
    """One published benchmark pair: the 16-bit model and its quantized checkpoint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(description="catalog model id")
    bits: int = Field(ge=1, le=16, description="weight bits of the checkpoint")
    method: str
    checkpoint: str
    benchmark: str
    baseline: float | None = Field(default=None, ge=0, le=100, description="16-bit score, points")
    quantized: float | None = Field(default=None, ge=0, le=100, description="quantized score, points")
    source: str = Field(min_length=1)
    date: PublishedDate
    note: str = ""

    @model_validator(mode="after")
    def _pair(self) -> WeightQuality:
        if (self.baseline is None) != (self.quantized is None):
            raise ValueError("baseline and quantized are given together or not at all")
        if self.baseline is None and not self.note:
            raise ValueError("an entry without a benchmark pair needs a note saying what the source publishes")
        return self

    @property
    def change_points(self) -> float | None:
        """Quantized minus 16-bit score, benchmark points (None when the source gives no pair)."""
        return None if self.baseline is None else self.quantized - self.baseline

    def describe(self) -> str:
        """One line: the change, the benchmark, the method, source and date."""
        if self.change_points is None:
            what = self.note
        else:
            what = (f"{self.change_points:+.2f} points on {self.benchmark} ({self.baseline:g} → {self.quantized:g})"
                    + (f"; {self.note}" if self.note else ""))
        return f"{what}. {self.method}; {self.checkpoint}. Source: {self.source}, {self.date}"


class KVQuality(BaseModel):
    """A KV-cache precision's published quality, for a method."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bits: int = Field(ge=1, le=16)
    method: str
    note: str = Field(min_length=1)
    source: str = Field(min_length=1)
    date: PublishedDate

    def describe(self) -> str:
        return f"{self.note}. {self.method}. Source: {self.source}, {self.date}"


class QualityData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: tuple[WeightQuality, ...] = ()
    kv_cache: tuple[KVQuality, ...] = ()

    def for_weights(self, model: str, bits: int) -> tuple[WeightQuality, ...]:
        return tuple(q for q in self.weights if q.model == model and q.bits == bits)

    def for_kv(self, bits: int) -> tuple[KVQuality, ...]:
        return tuple(q for q in self.kv_cache if q.bits == bits)


def load_quality(path: str | Path = QUALITY_PATH) -> QualityData:
    """Read and validate the quality file; a bad entry raises a CatalogError naming it and its field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return QualityData.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CatalogError(str(path), ".".join(str(p) for p in err["loc"]), err["msg"]) from None
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(str(path), "(file)", str(exc).splitlines()[0]) from None


@functools.cache
def shipped_quality() -> QualityData:
    return load_quality()


def weight_quality_note(model: str, bits: int, data: QualityData | None = None) -> str:
    """The published accuracy change of ``bits``-bit weights for ``model``, or "no published figure"."""
    if bits >= 16:
        return "16-bit reference (no quantization)"
    found = (data or shipped_quality()).for_weights(model, bits)
    return " | ".join(q.describe() for q in found) if found else NO_FIGURE


def kv_quality_note(bits: int, data: QualityData | None = None) -> str:
    """The published quality of a ``bits``-bit KV cache (by method), or "no published figure"."""
    if bits >= 16:
        return "16-bit reference (no quantization)"
    found = (data or shipped_quality()).for_kv(bits)
    return " | ".join(q.describe() for q in found) if found else NO_FIGURE
