"""Price logs larger than memory: streamed in chunks (local) or partitioned on Dask.

Both engines make two passes over the log:

1. totals (requests, tokens, the skip report) and tokens per (user, calendar month),
   which the subscription fee allocation and the bill distribution need, and from
   which the deployment's operating point is found (the workload's mean request);
2. pricing: every chunk (or partition) is costed with one vectorised call of the
   engine at that fixed operating point and billed under every scheme by the same
   kernels as :func:`costmodel.pricing.bill` (:func:`costmodel.pricing.price_chunk`);
   partial sums and per-user-month bills are added up.

Memory stays bounded by the chunk size plus one float per user-month and scheme
(500,000-row chunks by default: about 0.5 GB peak in benchmarks/bench_pricing.py).

Subscription allowances are consumed in time order per user and window. The local
engine reads the file in order and carries running totals between chunks, so a log
sorted by time gives exactly the in-memory result. The Dask engine first shuffles the
rows so that each user's requests sit in one partition (then sorted by time inside the
kernel), which gives the in-memory result whatever the file order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext, Scheme
from costmodel.pricing.billing import resolve_schemes
from costmodel.pricing.breakeven import break_even_report, flat_output_ratio
from costmodel.pricing.chunks import SchemeTotals, UserMonths, as_chunk, finish, price_chunk, workload_summary
from costmodel.pricing.costers import EngineCoster, RequestCoster
from costmodel.pricing.progress import Progress, report_progress
from costmodel.pricing.report import PricingReport
from costmodel.pricing.windows import USER_KEY_STRIDE
from costmodel.workloads.readers import is_url
from costmodel.workloads.usage_log import (
    ColumnMap,
    ReadReport,
    UserCoder,
    iter_usage_chunks,
    match_columns,
    parse_frame,
)

Engine = Literal["local", "dask"]


class _Totals:
    def __init__(self) -> None:
        self.n = 0
        self.prompt = 0.0
        self.output = 0.0
        self.cached = 0.0
        self.beyond: dict[int, int] = {}
        self.partials: list[pd.Series] = []

    def add(self, c: dict[str, np.ndarray]) -> None:
        self.n += len(c["prompt_tokens"])
        self.prompt += float(c["prompt_tokens"].sum())
        self.output += float(c["output_tokens"].sum())
        self.cached += float(np.minimum(c["cached_tokens"], c["prompt_tokens"]).sum())
        self.partials.append(UserMonths.partial(c))
        if len(self.partials) >= 4:  # keep memory bounded: fold the partial sums
            self.partials = [pd.concat(self.partials).groupby(level=0).sum()]

    def coster(self, scenario: Any, coster: RequestCoster | None) -> RequestCoster:
        if coster is not None:
            return coster
        if scenario is None:
            raise CostModelError("pricing a log needs a scenario or a coster")
        return EngineCoster(
            scenario,
            self.prompt / self.n,
            self.output / self.n,
            self.cached / self.prompt if self.prompt else 0.0,
        )


def _beyond_context(c: dict[str, np.ndarray], ctx: CostContext) -> int:
    if not ctx.max_context_tokens:
        return 0
    return int(np.count_nonzero(c["prompt_tokens"] + c["output_tokens"] > ctx.max_context_tokens))


def _report(
    totals: _Totals,
    schemes: Sequence[Scheme],
    accs: Sequence[SchemeTotals],
    ctx: CostContext,
    read: ReadReport,
    beyond: int,
    ratio: float | None,
    target_margin_pct: float,
) -> PricingReport:
    results, bills = finish(schemes, accs)
    summary = workload_summary(totals.n, totals.prompt, totals.output, totals.cached, read.skipped)
    summary["skipped_first_row"] = dict(read.first_row)
    summary["requests_beyond_context"] = beyond
    summary["notes"] = list(read.notes)
    ratio = ratio if ratio is not None else flat_output_ratio(schemes)
    return PricingReport(
        workload=summary,
        schemes=results,
        break_even=break_even_report(
            totals.prompt, totals.output, accs[0].cost_all, ratio, target_margin_pct
        ),
        context=ctx,
        bills=bills,
    )


def bill_log(
    source: str | Path | bytes,
    schemes: Iterable[Scheme | str] | None = None,
    *,
    scenario: Any = None,
    coster: RequestCoster | None = None,
    context: CostContext | None = None,
    filename: str | None = None,
    chunk_rows: int = 500_000,
    errors: Literal["skip", "raise"] = "skip",
    engine: Engine = "local",
    break_even_ratio: float | None = None,
    target_margin_pct: float = 20.0,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> PricingReport:
    """Bill a usage log (CSV, JSONL, Parquet; path, fsspec URL or bytes) without loading it whole.

    ``engine='dask'`` prices a Parquet file or dataset directory on Dask: the cluster
    whose scheduler is at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``), else the active
    one (see :func:`bill_dask`). ``progress`` is called after every chunk (see
    :data:`costmodel.pricing.progress.Progress`).
    """
    schemes = resolve_schemes(schemes)
    if engine == "dask":
        if isinstance(source, (bytes, bytearray)):
            raise CostModelError("the dask engine reads a Parquet file or dataset directory, not bytes")
        return bill_dask(
            source,
            schemes,
            scenario=scenario,
            coster=coster,
            context=context,
            errors=errors,
            break_even_ratio=break_even_ratio,
            target_margin_pct=target_margin_pct,
            scheduler=scheduler,
            progress=progress,
        )
    if engine != "local":
        raise CostModelError(f"unknown engine {engine!r}; valid choices: local, dask")
    read, coder = ReadReport(), UserCoder()
    totals = _Totals()
    for c in iter_usage_chunks(
        source, filename=filename, chunk_rows=chunk_rows, errors=errors, report=read, coder=coder
    ):
        totals.add(as_chunk(c))
        report_progress(progress, "reading rows", totals.n, None)
    if totals.n == 0:
        raise CostModelError(f"{read.source}: no usable rows ({read.describe()})")
    um = UserMonths.from_partials(totals.partials)
    totals.partials = []
    coster = totals.coster(scenario, coster)
    ctx = context or coster.context
    states: list[dict] = [{} for _ in schemes]
    accs = [SchemeTotals(len(um)) for _ in schemes]
    beyond = done = 0
    for c in iter_usage_chunks(
        source, filename=filename, chunk_rows=chunk_rows, errors=errors, report=ReadReport(), coder=coder
    ):
        chunk = as_chunk(c)
        beyond += _beyond_context(chunk, ctx)
        for acc, part in zip(accs, price_chunk(chunk, schemes, ctx, um, states, coster), strict=True):
            acc.merge(part)
        done += len(chunk["prompt_tokens"])
        report_progress(progress, "pricing rows", done, totals.n)
    return _report(totals, schemes, accs, ctx, read, beyond, break_even_ratio, target_margin_pct)


# ----------------------------------------------------------------------------- dask
def _parse_partition(
    pdf: pd.DataFrame, cmap: ColumnMap, row0: int, errors: str
) -> tuple[dict[str, np.ndarray], np.ndarray, ReadReport]:
    """Parse one partition; returns the chunk, the raw user id of each kept row, and its skip report."""
    report = ReadReport(source="dask partition")
    coder = UserCoder()
    c = as_chunk(parse_frame(pdf.reset_index(drop=True), cmap, row0, report, errors, coder))
    raw = np.empty(len(coder.codes), dtype=object)
    for value, code in coder.codes.items():
        raw[code] = value
    return c, raw[c["user"]] if len(raw) else np.zeros(len(c["user"]), dtype=object), report


def _pass1(pdf: pd.DataFrame, cmap: ColumnMap, row0: int, errors: str) -> dict[str, Any]:
    c, raw, report = _parse_partition(pdf, cmap, row0, errors)
    tokens = c["prompt_tokens"] + c["output_tokens"]
    months = UserMonths.key(np.zeros(len(tokens), dtype=np.int64), c["timestamp"])
    um = (
        pd.DataFrame({"user": raw, "month": months, "tokens": tokens}).groupby(["user", "month"]).tokens.sum()
    )
    return {
        "n": len(tokens),
        "prompt": float(c["prompt_tokens"].sum()),
        "output": float(c["output_tokens"].sum()),
        "cached": float(np.minimum(c["cached_tokens"], c["prompt_tokens"]).sum()),
        "um": um,
        "rows": report.rows,
        "skipped": report.skipped,
        "first_row": report.first_row,
    }


def _pass2(
    pdf: pd.DataFrame,
    cmap: ColumnMap,
    users: pd.Index,
    um: UserMonths,
    schemes: Sequence[Scheme],
    ctx: CostContext,
    coster: RequestCoster,
    errors: str,
) -> tuple[list[SchemeTotals], int]:
    c, raw, _ = _parse_partition(pdf, cmap, 1, errors)
    c["user"] = users.get_indexer(pd.Index(raw)).astype(np.int64)
    accs = price_chunk(c, schemes, ctx, um, [{} for _ in schemes], coster)
    return accs, _beyond_context(c, ctx)


@contextlib.contextmanager
def _cluster(scheduler: str | None) -> Iterator[None]:
    """Run inside a client of the cluster at ``scheduler`` (None: the active or default scheduler)."""
    if scheduler is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - declared dependency of the [dask] extra
        raise CostModelError(f"a Dask scheduler address needs the distributed package ({exc})") from None
    try:
        client = Client(scheduler, timeout="10s", set_as_default=True)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CostModelError(f"cannot reach the Dask scheduler at {scheduler!r} ({type(exc).__name__}: {exc})") from None
    with client:
        yield


def _compute(tasks: list, stage: str, progress: Progress | None) -> list:
    """dask.compute of delayed tasks, reporting each finished partition when there is a client."""
    import dask

    client = None
    if progress is not None:
        with contextlib.suppress(ImportError, ValueError):
            from distributed import get_client

            client = get_client()
    if client is None:
        out = list(dask.compute(*tasks))
        report_progress(progress, stage, len(tasks), len(tasks))
        return out
    from distributed import as_completed

    futures = client.compute(tasks)
    index = {f.key: i for i, f in enumerate(futures)}
    out: list = [None] * len(futures)
    for done, fut in enumerate(as_completed(futures), start=1):
        out[index[fut.key]] = fut.result()
        report_progress(progress, stage, done, len(futures))
    return out


def bill_dask(
    path: str | Path,
    schemes: Iterable[Scheme | str] | None = None,
    *,
    scenario: Any = None,
    coster: RequestCoster | None = None,
    context: CostContext | None = None,
    errors: Literal["skip", "raise"] = "skip",
    break_even_ratio: float | None = None,
    target_margin_pct: float = 20.0,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> PricingReport:
    """Bill a Parquet file or dataset directory (a path or any fsspec URL) partition by partition on Dask.

    Runs on the cluster whose scheduler is at ``scheduler`` (``tcp://host:8786``), else
    on the active Dask scheduler (a ``distributed.Client`` if one is open, else dask's
    default). The workers must be able to read the path and import costmodel. Columns
    are matched as for any usage log; nested (struct) columns need the local engine.
    """
    with _cluster(scheduler):
        return _bill_dask(path, resolve_schemes(schemes), scenario, coster, context, errors,
                          break_even_ratio, target_margin_pct, progress)


def _bill_dask(path, schemes, scenario, coster, context, errors, break_even_ratio, target_margin_pct, progress):
    """The body of :func:`bill_dask`, run inside the chosen cluster's client."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - dask is a declared dependency
        raise CostModelError(f"the dask engine needs dask[dataframe] ({exc})") from None
    p = str(path) if is_url(path) else Path(path).expanduser()
    if not is_url(p) and not p.exists():
        raise CostModelError(f"{p}: no such file or directory")
    try:
        ddf = dd.read_parquet(str(p))
    except Exception as exc:  # pyarrow/dask raise many types for a bad dataset
        raise CostModelError(f"{p}: not a readable Parquet dataset ({type(exc).__name__}: {exc})") from None
    cmap = match_columns(list(ddf.columns), str(p))
    if any("." in c for c in cmap.columns()):
        raise CostModelError(f"{p}: nested Parquet columns need the local engine (--engine local)")
    ddf = ddf[cmap.columns()]
    lengths = ddf.map_partitions(len).compute()
    offsets = np.r_[1, 1 + np.cumsum(lengths)[:-1]].astype(int)
    parts = ddf.to_delayed()
    stats = _compute(
        [dask.delayed(_pass1)(part, cmap, int(off), errors) for part, off in zip(parts, offsets, strict=True)],
        "reading partitions",
        progress,
    )
    read = ReadReport(source=str(p))
    totals = _Totals()
    for s in stats:
        read.rows += s["rows"]
        for reason, count in s["skipped"].items():
            read.skipped[reason] = read.skipped.get(reason, 0) + count
            read.first_row[reason] = min(
                read.first_row.get(reason, s["first_row"][reason]), s["first_row"][reason]
            )
        totals.n += s["n"]
        totals.prompt += s["prompt"]
        totals.output += s["output"]
        totals.cached += s["cached"]
    if totals.n == 0:
        raise CostModelError(f"{p}: no usable rows ({read.describe()})")
    um_raw = pd.concat([s["um"] for s in stats]).groupby(level=[0, 1]).sum()
    users = pd.Index(um_raw.index.get_level_values(0).unique())
    codes = users.get_indexer(um_raw.index.get_level_values(0))
    keys = codes.astype(np.int64) * USER_KEY_STRIDE + um_raw.index.get_level_values(1).to_numpy(
        dtype=np.int64
    )
    um = UserMonths.from_partials([pd.Series(um_raw.to_numpy(), index=keys)])
    coster = totals.coster(scenario, coster)
    ctx = context or coster.context
    if cmap.user is None:
        read.note("no user column: all requests belong to one user")
    if any(getattr(s, "needs_global_time_order", False) for s in schemes):
        ddf = ddf.repartition(npartitions=1)  # provisioned time: one pass over the whole log in time order
    elif any(s.stateful for s in schemes):
        # allowances are consumed per user in time order: put each user's rows in one partition
        ddf = ddf.repartition(npartitions=1) if cmap.user is None else ddf.shuffle(on=cmap.user)
    tasks = [
        dask.delayed(_pass2)(part, cmap, users, um, schemes, ctx, coster, errors) for part in ddf.to_delayed()
    ]
    outs = _compute(tasks, "pricing partitions", progress)
    accs = [SchemeTotals(len(um)) for _ in schemes]
    beyond = 0
    for part_accs, part_beyond in outs:
        beyond += part_beyond
        for acc, part in zip(accs, part_accs, strict=True):
            acc.merge(part)
    return _report(totals, schemes, accs, ctx, read, beyond, break_even_ratio, target_margin_pct)


__all__ = ["bill_dask", "bill_log"]
