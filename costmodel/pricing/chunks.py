"""The billing kernel: price one chunk of requests under every scheme and add up the totals.

An in-memory workload is one chunk; a log larger than memory is streamed chunk by chunk
(costmodel.pricing.scale) and a Dask dataset runs the same kernel per partition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext, Scheme
from costmodel.pricing.costers import RequestCoster
from costmodel.pricing.report import SchemeResult
from costmodel.pricing.windows import USER_KEY_STRIDE, month_index

COLUMNS: tuple[str, ...] = (
    "prompt_tokens",  # all input tokens of the request, cached ones included
    "output_tokens",  # all generated tokens, reasoning included
    "cached_tokens",  # prompt tokens read from the prefix cache
    "cache_write_tokens",  # prompt tokens written to the cache
    "cache_write_1h_tokens",  # the part of them written with the 1-hour TTL (0 when unknown: 5-minute)
    "user",  # integer user code
    "timestamp",  # seconds since the Unix epoch (0 when unknown)
)
"""Columns of a request chunk. Pricing adds ``cost_usd`` and ``gpu_seconds``."""


class UserMonths:
    """The (user, calendar month) pairs of a workload, their token totals, and lookup."""

    def __init__(self, keys: np.ndarray, tokens: np.ndarray):
        self.index = pd.Index(keys)
        self.tokens = np.asarray(tokens, dtype=np.float64)

    @staticmethod
    def key(user: np.ndarray, timestamp: np.ndarray, month: np.ndarray | None = None) -> np.ndarray:
        month = month_index(timestamp) if month is None else month
        return np.asarray(user, dtype=np.int64) * USER_KEY_STRIDE + month

    @classmethod
    def from_partials(cls, partials: Iterable[pd.Series]) -> UserMonths:
        s = pd.concat(list(partials)).groupby(level=0).sum() if partials else pd.Series(dtype=np.float64)
        return cls(s.index.to_numpy(dtype=np.int64), s.to_numpy())

    @staticmethod
    def partial(c: Mapping[str, np.ndarray]) -> pd.Series:
        """Tokens per user-month key of one chunk (combined with :meth:`from_partials`)."""
        keys = UserMonths.key(c["user"], c["timestamp"])
        return pd.Series(c["prompt_tokens"] + c["output_tokens"]).groupby(keys).sum()

    def __len__(self) -> int:
        return len(self.index)

    def locate(self, c: Mapping[str, np.ndarray]) -> np.ndarray:
        pos = self.index.get_indexer(self.key(c["user"], c["timestamp"], c.get("_month")))
        if (pos < 0).any():
            raise CostModelError("internal: a request's user-month was not seen in the first pass")
        return pos


@dataclass
class SchemeTotals:
    """Running sums of one scheme over the chunks priced so far (combined with :meth:`merge`)."""

    n_um: int
    revenue: float = 0.0
    cost: float = 0.0
    served: int = 0
    refused: int = 0
    loss: int = 0
    cost_all: float = 0.0  # cost of every request, refused ones included (for break-even)
    bills: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.bills is None:
            self.bills = np.zeros(self.n_um)

    def merge(self, other: SchemeTotals) -> SchemeTotals:
        self.revenue += other.revenue
        self.cost += other.cost
        self.served += other.served
        self.refused += other.refused
        self.loss += other.loss
        self.cost_all += other.cost_all
        self.bills += other.bills
        return self

    def scaled(self, requests_per_row: float, bill_factor: float | None = None) -> SchemeTotals:
        """The totals when every row priced stands for ``requests_per_row`` identical requests; each user-month
        bill is multiplied by ``bill_factor`` (default ``requests_per_row``: the requests are one customer's;
        1 when they are those of identical users, each billed the same)."""
        k = requests_per_row
        b = k if bill_factor is None else bill_factor
        return SchemeTotals(
            self.n_um, self.revenue * k, self.cost * k, round(self.served * k), round(self.refused * k),
            round(self.loss * k), self.cost_all * k, self.bills * b,
        )


def as_chunk(data: Mapping[str, Any], n: int | None = None) -> dict[str, np.ndarray]:
    """Normalise a mapping of columns to float64/int64 arrays with every column of :data:`COLUMNS`."""
    p = np.asarray(data["prompt_tokens"], dtype=np.float64)
    n = len(p) if n is None else n
    out = {"prompt_tokens": p, "output_tokens": np.asarray(data["output_tokens"], dtype=np.float64)}
    for col in ("cached_tokens", "cache_write_tokens", "cache_write_1h_tokens", "timestamp"):
        v = data.get(col)
        out[col] = np.zeros(n) if v is None else np.asarray(v, dtype=np.float64)
    u = data.get("user")
    out["user"] = np.zeros(n, dtype=np.int64) if u is None else np.asarray(u, dtype=np.int64)
    for col in ("cost_usd", "gpu_seconds"):
        if data.get(col) is not None:
            out[col] = np.asarray(data[col], dtype=np.float64)
    return out


def price_chunk(
    c: dict[str, np.ndarray],
    schemes: Sequence[Scheme],
    ctx: CostContext,
    user_months: UserMonths,
    states: list[dict],
    coster: RequestCoster | None = None,
) -> list[SchemeTotals]:
    """Price one chunk under every scheme; returns one partial accumulator per scheme."""
    if "cost_usd" not in c or "gpu_seconds" not in c:
        if coster is None:
            raise CostModelError("no cost for the requests: give a scenario, per-request costs or a coster")
        usd, gpu_s = coster(c["prompt_tokens"], c["output_tokens"], c["cached_tokens"])
        c = {
            **c,
            "cost_usd": np.asarray(usd, dtype=np.float64),
            "gpu_seconds": np.asarray(gpu_s, dtype=np.float64),
        }
    ts = c["timestamp"]
    c = {**c, "_time_sorted": bool(len(ts) < 2 or (ts[1:] >= ts[:-1]).all())}
    if "_month" not in c:
        c["_month"] = month_index(ts)
    pos = c["_um_pos"] if "_um_pos" in c else user_months.locate(c)
    c["_um_pos"], c["_n_um"] = pos, len(user_months)
    c["um_tokens"] = user_months.tokens[pos]
    cost = c["cost_usd"]
    cost_all = float(cost.sum())
    accs = []
    for scheme, state in zip(schemes, states, strict=True):
        rev, served = scheme.revenue(c, ctx, state)
        acc = SchemeTotals(len(user_months))
        acc.bills = np.bincount(pos, weights=rev, minlength=len(user_months))
        acc.revenue = float(rev.sum())
        acc.cost_all = cost_all
        if served is None:
            acc.served = len(rev)
            acc.cost = cost_all
            acc.loss = int(np.count_nonzero(rev < cost))
        else:
            # 1 served, 0 refused, a fraction: served by a cheaper fallback model at that share of the cost
            factor = np.asarray(served, dtype=np.float64)
            ok = factor > 0
            acc.served = int(np.count_nonzero(ok))
            acc.refused = len(rev) - acc.served
            acc.cost = float((cost * factor).sum())
            acc.loss = int(np.count_nonzero((rev < cost * factor) & ok))
        accs.append(acc)
    return accs


def finish(
    schemes: Sequence[Scheme], accs: Sequence[SchemeTotals], users_per_bill: float = 1.0
) -> tuple[list[SchemeResult], dict[str, np.ndarray]]:
    """Each scheme's result and its user-month bills; ``users_per_bill``: identical users each bill stands for
    (``Workload.user_scale``: counted in ``user_months``; the mean, cv and percentiles of copies are the bills')."""
    results, bills = [], {}
    for scheme, acc in zip(schemes, accs, strict=True):
        b = acc.bills
        mean = float(b.mean()) if len(b) else None
        cv = float(b.std() / mean) if len(b) >= 2 and mean else None
        pct = (
            dict(
                zip(("p10", "p50", "p90", "p99"), map(float, np.percentile(b, [10, 50, 90, 99])), strict=True)
            )
            if len(b)
            else {}
        )
        if len(b):
            pct["max"] = float(b.max())
        results.append(
            SchemeResult(
                scheme=scheme.label,
                title=scheme.title,
                params=scheme.params(),
                revenue_usd=acc.revenue,
                cost_usd=acc.cost,
                served_requests=acc.served,
                refused_requests=acc.refused,
                loss_requests=acc.loss,
                user_months=round(len(b) * users_per_bill),
                bill_mean_usd=mean,
                bill_cv=cv,
                bill_percentiles_usd=pct,
            )
        )
        bills[scheme.label] = b
    return results, bills


def workload_summary(
    requests: int,
    input_tokens: float,
    output_tokens: float,
    cached: float,
    skipped: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    skipped = dict(skipped or {})
    return {
        "requests": int(requests),
        "input_tokens": round(input_tokens),
        "output_tokens": round(output_tokens),
        "cached_input_tokens": round(cached),
        "prefix_cache_hit_rate": cached / input_tokens if input_tokens else 0.0,
        "skipped_rows": int(sum(skipped.values())),
        "skipped_reasons": skipped,
    }
