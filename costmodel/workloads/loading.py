"""Load a workload by id or path: a synthetic preset, a real trace, or a usage log.

Public API::

    list_workloads() -> list[dict]                     # ids, titles, kinds, descriptions
    load_workload("chat", users=500, seed=1)           # preset, trace id, or a file path
    load_workload_bytes(data, "usage.csv")             # an uploaded file's bytes
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from costmodel.errors import CostModelError
from costmodel.workloads.day import published_days
from costmodel.workloads.traces import TRACES, load_trace
from costmodel.workloads.usage_log import load_usage_log, load_usage_log_bytes
from costmodel.workloads.workload import Workload, presets, synthesize


def list_workloads() -> list[dict[str, Any]]:
    """Every workload id the app and CLI accept: synthetic presets, the real traces, published days."""
    out = [
        {"id": p.id, "title": p.title, "kind": "synthetic", "description": p.description, "source": p.source}
        for p in presets().values()
    ]
    out += [
        {"id": t.id, "title": t.title, "kind": "trace", "description": t.description, "source": t.source}
        for t in TRACES.values()
    ]
    out += [
        {"id": d.id, "title": d.title, "kind": "day", "description": d.description, "source": d.source}
        for d in published_days().values()
    ]
    return out


def load_workload(
    spec: str | Path,
    *,
    users: int | None = None,
    months: int | None = None,
    seed: int | None = None,
    cache_capacity_tokens: int | None = None,
    errors: Literal["skip", "raise"] = "skip",
) -> Workload:
    """A preset id, a trace id or a path to a usage log (CSV, JSONL, Parquet).

    ``users``: for presets the number of users drawn; for traces and logs without user
    ids, assign requests to that many synthetic users at random (``seed``).
    ``cache_capacity_tokens``: LRU prefix-cache capacity for the Mooncake trace.
    ``errors``: for logs, ``'skip'`` skips bad rows and reports them, ``'raise'`` stops.
    """
    key = str(spec)
    if key in presets():
        return synthesize(key, users=users, months=months, seed=seed)
    if key in published_days():  # a day given as totals (deepseek-day): rows of its mean request
        return published_days()[key].workload()
    if key in TRACES:
        w = load_trace(key, cache_capacity_tokens=cache_capacity_tokens)
    else:
        path = Path(key).expanduser()
        if not path.exists():
            valid = [w["id"] for w in list_workloads()]
            raise CostModelError(f"unknown workload {key!r}: not a file; valid ids: {', '.join(valid)}")
        w = load_usage_log(path, errors=errors)
    if users is not None and not w.users_known:
        w = w.with_users(users, seed or 0)
    return w


def load_workload_bytes(
    data: bytes,
    filename: str = "upload",
    *,
    errors: Literal["skip", "raise"] = "skip",
    users: int | None = None,
) -> Workload:
    """A usage log from an uploaded file's bytes; the name's extension (or the content) picks the format."""
    w = load_usage_log_bytes(data, filename, errors=errors)
    if users is not None and not w.users_known:
        w = w.with_users(users)
    return w


__all__ = ["list_workloads", "load_workload", "load_workload_bytes"]
