"""The progress callback of long pricing work (log streaming, in-memory chunks, Dask partitions).

The library never draws anything: it calls ``progress(stage, done, total)`` after each chunk
or partition, and the caller (the CLI's tqdm bars, the app's progress bar) decides what a
person sees.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, "int | None"], None]
"""``progress(stage, done, total)``: ``done`` of ``total`` units (None: not known yet) in a named
stage, e.g. ("reading rows", 500_000, None), ("pricing rows", 500_000, 2_000_000),
("pricing partitions", 3, 8)."""


def report_progress(progress: Progress | None, stage: str, done: int, total: int | None) -> None:
    """Call ``progress`` if there is one."""
    if progress is not None:
        progress(stage, done, total)


__all__ = ["Progress", "report_progress"]
