"""Catalogs of GPUs, models and efficiency defaults, loaded from YAML and validated at load.

Layout: ``data/gpus/<id>.yaml``, ``data/models/<id>.yaml``, ``data/efficiency.yaml``.
Extra directories with the same layout (a user's own GPUs and models) are read
from the ``COSTMODEL_DATA_DIRS`` environment variable (``os.pathsep``-separated)
or passed to :func:`load_catalog`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ValidationError

from costmodel.architecture import ModelArchitecture
from costmodel.efficiency import Efficiency
from costmodel.errors import CatalogError, UnknownIdError
from costmodel.hardware import GPU

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(str(path), "(file)", f"not UTF-8 text ({exc.reason})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(str(path), "(file)", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(str(path), "(file)", "expected a mapping of field: value")
    return data


def validate_entry(cls: type[BaseModel], data: dict, path: str) -> BaseModel:
    """Validate one entry; the first error becomes a CatalogError naming file and field."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(entry)"
        raise CatalogError(path, where, err["msg"]) from None


@dataclass(frozen=True)
class Catalog:
    gpus: Mapping[str, GPU]
    models: Mapping[str, ModelArchitecture]
    efficiency: Mapping[str, Efficiency] = field(default_factory=dict)

    def gpu(self, gpu_id: str) -> GPU:
        try:
            return self.gpus[gpu_id]
        except KeyError:
            raise UnknownIdError("gpu", gpu_id, self.gpus) from None

    def model(self, model_id: str) -> ModelArchitecture:
        try:
            return self.models[model_id]
        except KeyError:
            raise UnknownIdError("model", model_id, self.models) from None

    def efficiency_for(self, gpu: GPU) -> Efficiency:
        return self.efficiency.get(gpu.family, Efficiency())


def _load_dir(directory: Path, cls: type[BaseModel]) -> dict[str, BaseModel]:
    entries: dict[str, BaseModel] = {}
    if not directory.is_dir():
        return entries
    for path in sorted(directory.glob("*.y*ml")):
        entry = validate_entry(cls, _read_yaml(path), str(path))
        if entry.id != path.stem:
            raise CatalogError(str(path), "id", f"id {entry.id!r} does not match the file name {path.stem!r}")
        entries[entry.id] = entry
    return entries


def load_catalog(extra_dirs: Sequence[str | Path] = ()) -> Catalog:
    """Load ``data/`` plus any extra directories (later entries override earlier ones by id)."""
    env_dirs = [d for d in os.environ.get("COSTMODEL_DATA_DIRS", "").split(os.pathsep) if d]
    return _load_catalog_cached(tuple(str(Path(d)) for d in (DATA_DIR, *env_dirs, *extra_dirs)))


@functools.lru_cache(maxsize=8)
def _load_catalog_cached(dirs: tuple[str, ...]) -> Catalog:
    gpus: dict[str, GPU] = {}
    models: dict[str, ModelArchitecture] = {}
    efficiency: dict[str, Efficiency] = {}
    for d in map(Path, dirs):
        gpus.update(_load_dir(d / "gpus", GPU))
        models.update(_load_dir(d / "models", ModelArchitecture))
        eff_path = d / "efficiency.yaml"
        if eff_path.exists():
            raw = _read_yaml(eff_path)
            base = raw.pop("default", {}) or {}
            for family, values in raw.items():
                merged = {**base, **(values or {})}
                efficiency[family] = validate_entry(Efficiency, merged, f"{eff_path}[{family}]")
    return Catalog(MappingProxyType(gpus), MappingProxyType(models), MappingProxyType(efficiency))
