"""Scheme parameter defaults, read from ``data/prices/schemes.yaml``.

Every scheme field takes its default from :func:`scheme_default`, so a new billing rule
adds its numbers to the YAML file (with their source) rather than to the code.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml

from costmodel.errors import CostModelError
from costmodel.resources import data_root

DATA_DIR = data_root()
SCHEME_DEFAULTS_PATH = DATA_DIR / "prices" / "schemes.yaml"

TIERS: tuple[str, ...] = ("small", "medium", "large", "frontier")
"""Capability tiers, smallest first (capability-tier and hybrid schemes)."""


def scheme_defaults() -> dict[str, dict[str, Any]]:
    """Defaults of every scheme, from ``data/prices/schemes.yaml`` (a fresh copy: callers may change it)."""
    return copy.deepcopy(_scheme_defaults_file())


@functools.lru_cache(maxsize=1)
def _scheme_defaults_file() -> dict[str, dict[str, Any]]:
    with open(SCHEME_DEFAULTS_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise CostModelError(f"{SCHEME_DEFAULTS_PATH}: expected a mapping of scheme id to parameters")
    return data


def scheme_default(scheme: str, name: str) -> Any:
    """The default of parameter ``name`` of scheme ``scheme`` (dicts are copied: callers may change them).

    A missing entry is a data error (one-line CostModelError naming the file and key).
    """
    try:
        value = _scheme_defaults_file()[scheme][name]
    except KeyError:
        raise CostModelError(f"{SCHEME_DEFAULTS_PATH}: no default for {scheme}.{name}") from None
    return dict(value) if isinstance(value, dict) else value
