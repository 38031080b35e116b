"""Progress of long CLI work on a terminal: log pricing, streaming chunks, Dask partitions.

A :class:`TerminalProgress` is a ``costmodel.pricing.scale.Progress`` callback that draws one
tqdm bar per stage on stderr. :func:`terminal_progress` gives one only when stderr is a
terminal and the output is not ``--json``, so pipes, files and machine-readable output
never see progress text.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO


class TerminalProgress:
    """One tqdm bar per stage ("reading rows", "pricing partitions", ...), drawn on ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            unit = stage.rsplit(" ", 1)[-1]
            bar = self.bars[stage] = tqdm(
                total=total, desc=stage, unit=f" {unit.rstrip('s') or 'item'}", file=self.stream, leave=True,
                unit_scale=unit in ("rows", "requests"),  # 3.00M rows; but 5/6 partitions, not 5.00/6.00
                dynamic_ncols=True, mininterval=0.2,
            )
        if bar.disable:  # closed: the stage is finished
            return
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if total is not None and done >= total:
            bar.close()  # draws 100% now and stops its clock

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


@contextlib.contextmanager
def terminal_progress(json_output: bool, stream: TextIO | None = None) -> Iterator[TerminalProgress | None]:
    """A progress callback for a terminal, or None with ``--json`` or when ``stream`` is not a TTY."""
    stream = sys.stderr if stream is None else stream
    if json_output or not (hasattr(stream, "isatty") and stream.isatty()):
        yield None
        return
    bars = TerminalProgress(stream)
    try:
        yield bars
    finally:
        bars.close()


__all__ = ["TerminalProgress", "terminal_progress"]
