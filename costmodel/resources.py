"""Where the shipped data lives: one answer for a wheel and for a checkout.

The catalogs, price lists, scheme defaults, workload presets, traces (with their
licenses) and calibration sets are kept in the repository's top-level ``data/``
folder. A wheel carries that folder inside the package as ``costmodel/_data``
(``[tool.hatch.build.targets.wheel.force-include]`` in ``pyproject.toml``); a
checkout or an editable install reads ``data/`` beside the package. Every module
asks :func:`data_path` and never builds a path from ``__file__`` itself.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_root() -> Path:
    """The folder holding ``gpus/``, ``models/``, ``prices/``, ``workloads/``, ``traces/``, ``calibration/``."""
    shipped = _PACKAGE_DIR / "_data"
    if shipped.is_dir():
        return shipped
    return _PACKAGE_DIR.parent / "data"


def data_path(*parts: str) -> Path:
    """A path inside the shipped data, e.g. ``data_path("prices", "providers.yaml")``."""
    return data_root().joinpath(*parts)
