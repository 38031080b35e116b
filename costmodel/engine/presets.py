"""Scenario presets: named scenarios declared in ``data/scenarios/presets.yaml``, validated at load.

Each entry has a ``title`` (what the app lists), a ``description``, a ``source``
(where its numbers come from, or "assumption") and a ``scenario`` mapping of
:class:`~costmodel.engine.scenario.Scenario` fields. A file that does not validate
raises a :class:`~costmodel.errors.CatalogError` naming the file, the entry and the
field. The app only reads these; it declares no scenario of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from costmodel.catalog.loader import Catalog
from costmodel.engine.scenario import Scenario
from costmodel.errors import CatalogError
from costmodel.resources import data_path


class ScenarioPreset(BaseModel):
    """One named scenario with what it is and where its numbers come from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, description="key in the presets file")
    title: str = Field(min_length=1, description="the name the app lists")
    description: str = Field(min_length=1)
    source: str = Field(min_length=1, description="a citation, or 'assumption'")
    scenario: Scenario


def presets_file() -> Path:
    """The shipped presets file (inside the wheel or the checkout's data/)."""
    return data_path("scenarios", "presets.yaml")


def _error_field(exc: ValidationError, entry: str) -> tuple[str, str]:
    err = exc.errors()[0]
    return ".".join([entry, *(str(p) for p in err["loc"])]), err["msg"]


def read_presets(path: str | Path) -> Mapping[str, ScenarioPreset]:
    """Every preset in ``path`` in file order, or a CatalogError naming the entry and field at fault."""
    where = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(where, "(file)", f"cannot be read as YAML: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise CatalogError(where, "(file)", "expected a mapping of preset id: {title, description, source, scenario}")
    out: dict[str, ScenarioPreset] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict):
            raise CatalogError(where, str(key), "expected a mapping with title, description, source and scenario")
        try:
            out[str(key)] = ScenarioPreset(id=str(key), **entry)
        except ValidationError as exc:
            raise CatalogError(where, *_error_field(exc, str(key))) from None
        except TypeError as exc:  # a non-string key inside the entry
            raise CatalogError(where, str(key), str(exc)) from None
    titles = [p.title for p in out.values()]
    dup = sorted({t for t in titles if titles.count(t) > 1})
    if dup:
        raise CatalogError(where, "title", f"two presets share the title {dup[0]!r}")
    return MappingProxyType(out)


@functools.cache
def scenario_presets() -> Mapping[str, ScenarioPreset]:
    """The shipped presets by id (read once; the mapping and its entries are read-only)."""
    return read_presets(presets_file())


def presets_in(catalog: Catalog, presets: Mapping[str, ScenarioPreset] | None = None) -> tuple[ScenarioPreset, ...]:
    """The presets (default: the shipped ones) whose model and GPU are in ``catalog``, in file order."""
    return tuple(p for p in (scenario_presets() if presets is None else presets).values()
                 if p.scenario.model in catalog.models and p.scenario.gpu in catalog.gpus)
