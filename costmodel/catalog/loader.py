"""Catalogs of GPUs, models and efficiency defaults, loaded from YAML and validated at load.

Layout: ``data/gpus/<id>.yaml``, ``data/models/<id>.yaml``, ``data/efficiency.yaml``.
Extra directories with the same layout (a user's own GPUs and models) are read
from the ``COSTMODEL_DATA_DIRS`` environment variable (``os.pathsep``-separated)
or passed to :func:`load_catalog`; an entry in a later directory replaces the one
with the same id in an earlier directory. How to add entries: ``docs/catalog.md``.

Every problem in a file is reported as a :class:`~costmodel.errors.CatalogError`
naming the file, the field and what is wrong with it, so a user can fix their
own YAML without reading this code.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import yaml
from pydantic import BaseModel, ValidationError

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.errors import CatalogError, UnknownIdError
from costmodel.resources import data_root

DATA_DIR = data_root()
ENV_VAR = "COSTMODEL_DATA_DIRS"

EntryKind = Literal["gpu", "model"]
_KIND_DIRS: dict[str, tuple[str, type[BaseModel]]] = {
    "gpu": ("gpus", GPU),
    "model": ("models", ModelArchitecture),
}


def _read_yaml(path: Path) -> dict:
    """Read one YAML file that must hold a mapping of field: value."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(str(path), "(file)", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise CatalogError(str(path), "(file)", f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(str(path), "(file)", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise CatalogError(str(path), "(file)", "nested too deeply to be a catalog entry") from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise CatalogError(str(path), "(file)", f"expected a mapping of field: value, got {got}")
    return data


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_entry(cls: type[BaseModel], data: dict, path: str) -> BaseModel:
    """Validate one entry; the first error becomes a CatalogError naming file and field.

    The message says what was wrong and, where there was a value, what it was
    (``field 'memory_bandwidth_tb_s': Input should be greater than 0 (got 0)``).
    """
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        err = errors[0]
        where = ".".join(str(p) for p in err["loc"]) or "(entry)"
        problem = err["msg"]
        if err["type"] == "missing":
            problem = "required field is missing"
        elif err["type"] == "extra_forbidden":
            valid = ", ".join(cls.model_fields)
            problem = f"unknown field (valid fields: {valid})"
        elif err["loc"] and not isinstance(err.get("input"), dict):
            problem = f"{problem} (got {_describe(err.get('input'))})"
        if len(errors) > 1:
            problem += f"; and {len(errors) - 1} more problem(s) in this file"
        raise CatalogError(path, where, problem) from None


def load_entry_file(path: str | Path, kind: EntryKind) -> GPU | ModelArchitecture:
    """Read and validate one GPU or model YAML file (the id must match the file name)."""
    if kind not in _KIND_DIRS:
        raise CatalogError(str(path), "(kind)", f"unknown kind {kind!r}; use 'gpu' or 'model'")
    p = Path(path).expanduser()
    entry = validate_entry(_KIND_DIRS[kind][1], _read_yaml(p), str(p))
    if entry.id != p.stem:
        raise CatalogError(str(p), "id", f"id {entry.id!r} does not match the file name {p.stem!r}")
    return entry


@dataclass(frozen=True)
class Catalog:
    gpus: Mapping[str, GPU]
    models: Mapping[str, ModelArchitecture]
    efficiency: Mapping[str, Efficiency] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    """Which file each entry came from, keyed ``"gpu:<id>"`` / ``"model:<id>"``."""

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

    def with_efficiency(self, family: str, **updates: float) -> Catalog:
        """This catalog with some of one GPU family's efficiency figures replaced (what-ifs and fits)."""
        eff = dict(self.efficiency)
        eff[family] = eff.get(family, Efficiency()).model_copy(update=updates)
        return replace(self, efficiency=MappingProxyType(eff))

    def file_of(self, kind: EntryKind, entry_id: str) -> str | None:
        """The YAML file an entry was read from (None for entries built in code)."""
        return self.files.get(f"{kind}:{entry_id}")


def _load_dir(directory: Path, cls: type[BaseModel]) -> dict[str, tuple[BaseModel, str]]:
    entries: dict[str, tuple[BaseModel, str]] = {}
    if not directory.is_dir():
        return entries
    for path in sorted(directory.glob("*.y*ml")):
        if path.suffix not in (".yaml", ".yml"):
            continue
        entry = validate_entry(cls, _read_yaml(path), str(path))
        if entry.id != path.stem:
            raise CatalogError(str(path), "id", f"id {entry.id!r} does not match the file name {path.stem!r}")
        if entry.id in entries:
            raise CatalogError(str(path), "id", f"id {entry.id!r} is also defined in {entries[entry.id][1]}")
        entries[entry.id] = (entry, str(path))
    return entries


def data_dirs(extra_dirs: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """The directories :func:`load_catalog` reads, in order: built-in, environment, ``extra_dirs``."""
    env_dirs = [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    return tuple(str(Path(d).expanduser()) for d in (DATA_DIR, *env_dirs, *extra_dirs))


def load_catalog(extra_dirs: Sequence[str | Path] = (), *, reload: bool = False) -> Catalog:
    """Load ``data/`` plus any extra directories (later entries override earlier ones by id).

    Results are cached per list of directories; ``reload=True`` re-reads the files
    (after a user saved a new YAML in a running app).
    """
    dirs = data_dirs(extra_dirs)
    if reload:
        _load_catalog_cached.cache_clear()
    return _load_catalog_cached(dirs)


def clear_cache() -> None:
    """Forget every loaded catalog, so the next :func:`load_catalog` reads the files again."""
    _load_catalog_cached.cache_clear()


@functools.lru_cache(maxsize=8)
def _load_catalog_cached(dirs: tuple[str, ...]) -> Catalog:
    gpus: dict[str, GPU] = {}
    models: dict[str, ModelArchitecture] = {}
    efficiency: dict[str, Efficiency] = {}
    files: dict[str, str] = {}
    for i, d in enumerate(map(Path, dirs)):
        if i > 0 and not d.is_dir():
            raise CatalogError(
                d.as_posix(),
                "(directory)",
                f"extra data directory does not exist (from {ENV_VAR} or extra_dirs)",
            )
        for kind, (sub, cls) in _KIND_DIRS.items():
            target = gpus if kind == "gpu" else models
            for entry_id, (entry, path) in _load_dir(d / sub, cls).items():
                target[entry_id] = entry
                files[f"{kind}:{entry_id}"] = path
        eff_path = d / "efficiency.yaml"
        if eff_path.exists():
            raw = _read_yaml(eff_path)
            base = raw.pop("default", {}) or {}
            if not isinstance(base, dict):
                raise CatalogError(str(eff_path), "default", "expected a mapping of field: value")
            for family, values in raw.items():
                if values is not None and not isinstance(values, dict):
                    raise CatalogError(str(eff_path), str(family), "expected a mapping of field: value")
                merged = {**base, **(values or {})}
                efficiency[family] = validate_entry(Efficiency, merged, f"{eff_path}[{family}]")
    return Catalog(
        MappingProxyType(gpus),
        MappingProxyType(models),
        MappingProxyType(efficiency),
        MappingProxyType(files),
    )
