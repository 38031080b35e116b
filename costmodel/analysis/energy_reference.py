"""Published all-in energy figures beside this engine's on the same configuration (``data/energy/published.yaml``).

SemiAnalysis InferenceMAX publishes throughput per megawatt of *all-in provisioned utility power*: tokens per
second per GPU divided by a fixed power per GPU that adds up the TDPs of the GPU, its share of the server,
networking and cluster IT, and facility overhead (cooling, distribution losses); 1.73 kW for an H100, 2.17 kW
for a B200 (InferenceX-app ``GPU_SPECS``, 2026-04-03). It is a provisioning figure, not a measured draw: the
post says so ("TDP is not the same as expected average power").

The engine's figure (``costmodel.engine.energy``) is an expected average draw: each GPU at TDP x (f_idle +
(1 - f_idle) x u) for its busy share u, times (1 + host share) x PUE. So the ratio of the two splits into

- **throughput**: our tokens/s per GPU over the published one (implied: tokens/s per MW x kW per GPU / 1000);
- **power basis**: the published kW per GPU over our average all-in watts per GPU;

and ``ratio = throughput_ratio x power_ratio`` exactly. ``ours_provisioned_per_mw`` is our throughput on their
power basis (every GPU at the published kW): its ratio to theirs is the throughput ratio alone.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from costmodel.catalog.loader import Catalog
from costmodel.catalog.quality import PublishedDate
from costmodel.engine.inference import estimate
from costmodel.engine.scenario import Scenario
from costmodel.errors import CatalogError
from costmodel.resources import data_path

PUBLISHED_ENERGY_PATH = data_path("energy", "published.yaml")
ENERGY_ASSUMPTIONS = ("gpu_idle_power_fraction", "host_power_fraction", "pue")
"""The Scenario fields a caller's assumptions carry into each reference's configuration."""


class PublishedEnergy(BaseModel):
    """One published throughput per all-in megawatt, with the configuration it was measured on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    source: str
    url: str
    date: PublishedDate
    tokens_per_second_per_mw: float = Field(gt=0, description="published tokens/s per MW of all-in power")
    token_kind: Literal["total", "output"] = Field(description="input + output tokens, or output tokens only")
    all_in_kw_per_gpu: float = Field(gt=0, description="provisioned all-in power per GPU the figure divides by, kW")
    scenario: Scenario


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    references: tuple[PublishedEnergy, ...]


@functools.cache
def published_energy(path: Path = PUBLISHED_ENERGY_PATH) -> tuple[PublishedEnergy, ...]:
    """The published figures, validated (a bad entry names itself)."""
    try:
        return _File.model_validate(yaml.safe_load(path.read_text())).references
    except (OSError, yaml.YAMLError, ValidationError) as e:
        raise CatalogError(f"{path.name}: {e}") from e


def energy_beside_published(catalog: Catalog, assumptions: Scenario | None = None,
                            references: tuple[PublishedEnergy, ...] | None = None) -> pd.DataFrame:
    """One row per published figure: theirs, ours at ``assumptions``' idle share, host share and PUE (the
    defaults without them), ours on their provisioned power basis, and the ratio split into throughput and power.

    Columns: id, title, source, url, date, token_kind, published_per_mw, ours_per_mw, ratio,
    ours_provisioned_per_mw, published_tokens_s_per_gpu, ours_tokens_s_per_gpu, throughput_ratio,
    published_w_per_gpu, ours_w_per_gpu, power_ratio, tokens_per_second_per_user, meets_slo.
    """
    base = assumptions or Scenario()
    energy = {f: getattr(base, f) for f in ENERGY_ASSUMPTIONS}
    rows = []
    for ref in references if references is not None else published_energy():
        s = ref.scenario.model_copy(update=energy)
        r = estimate(s, catalog=catalog)
        per_request = (s.prompt_tokens + s.output_tokens) / s.output_tokens if ref.token_kind == "total" else 1.0
        tokens_s = r.output_tokens_per_second * per_request
        ours_w_per_gpu = r.all_in_power_watts / s.gpus
        published_w_per_gpu = ref.all_in_kw_per_gpu * 1e3
        published_per_gpu = ref.tokens_per_second_per_mw * published_w_per_gpu / 1e6
        ours_per_gpu = tokens_s / s.gpus
        rows.append({
            "id": ref.id, "title": ref.title, "source": ref.source, "url": ref.url, "date": ref.date,
            "token_kind": ref.token_kind,
            "published_per_mw": ref.tokens_per_second_per_mw,
            "ours_per_mw": tokens_s / r.all_in_power_watts * 1e6,
            "ratio": tokens_s / r.all_in_power_watts * 1e6 / ref.tokens_per_second_per_mw,
            "ours_provisioned_per_mw": ours_per_gpu / published_w_per_gpu * 1e6,
            "published_tokens_s_per_gpu": published_per_gpu, "ours_tokens_s_per_gpu": ours_per_gpu,
            "throughput_ratio": ours_per_gpu / published_per_gpu,
            "published_w_per_gpu": published_w_per_gpu, "ours_w_per_gpu": ours_w_per_gpu,
            "power_ratio": published_w_per_gpu / ours_w_per_gpu,
            "tokens_per_second_per_user": r.tokens_per_second_per_user, "meets_slo": bool(r.meets_slo),
        })
    return pd.DataFrame.from_records(rows)
