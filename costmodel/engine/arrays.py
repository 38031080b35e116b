"""Shortcuts for the engine's hot path.

Most inputs are one number for a whole block of points (a 0-d array or a float), and many terms are
often a neutral value there: a multiplier of 1, an addend of 0, an overlap of 0 seconds. Checking for
that skips array work whose result is the input itself (the planner evaluates every candidate plan of
every block, so each skipped ``np.maximum`` or product over ~16k points counts; benchmarks/bench_engine.py).
"""

from __future__ import annotations

import numpy as np


def is_scalar_value(x, value: float) -> bool:
    """Whether ``x`` is a single number (not an array of them) equal to ``value``."""
    return np.ndim(x) == 0 and x == value
