"""Long contexts and long answers: context parallelism for prompts beyond one replica, reasoning tokens.

- ``context_parallel_curve``: one long prompt served by 1, 2, 4... context-parallel ranks, each rank
  the scenario's tensor-parallel group (ring attention, :mod:`costmodel.engine.context_parallel`);
  where no rank count fits, the row says so.
- ``reasoning_comparison``: the same request with and without thinking tokens, which decode (and
  bill) as output over a context that keeps growing (:class:`~costmodel.engine.scenario.Scenario`'s
  ``reasoning_tokens``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.inference import estimate_arrays
from costmodel.engine.scenario import Scenario

CP_COLUMNS = ("context_parallel", "gpus", "fits", "usd_per_request", "ttft_seconds", "ring_kv_bytes_per_gpu",
              "kv_bytes_per_request", "max_concurrency")


def rank_size(scenario: Scenario, catalog: Catalog | None = None) -> int:
    """GPUs per context rank: the scenario's tensor_parallel, else its GPUs capped at one scale-up domain."""
    cat = catalog or load_catalog()
    if scenario.tensor_parallel is not None:
        return scenario.tensor_parallel
    return max(1, min(scenario.gpus, cat.gpu(scenario.gpu).scale_up_domain_gpus))


def context_parallel_curve(scenario: Scenario, prompt_tokens: int, sizes: Sequence[int] = (1, 2, 4, 8, 16),
                           catalog: Catalog | None = None) -> pd.DataFrame:
    """One replica of ``size`` ranks of ``rank_size`` GPUs serving ``prompt_tokens``-token prompts.

    Columns ``CP_COLUMNS``; ``usd_per_request`` and ``ttft_seconds`` are NaN where the request does not
    fit. One vectorised engine pass over the sizes.
    """
    cat = catalog or load_catalog()
    t = rank_size(scenario, cat)
    cp = np.asarray(sizes, dtype=int)
    base = scenario.model_copy(update={"prompt_tokens": int(prompt_tokens), "tensor_parallel": t, "gpus": t})
    out = estimate_arrays(base, cat, context_parallel=cp, gpus=cp * t)
    df = pd.DataFrame({k: np.asarray(out[k]).reshape(-1) for k in CP_COLUMNS})
    df["fits"] = df["fits"].astype(bool)
    for k in ("usd_per_request", "ttft_seconds"):
        df.loc[~df["fits"], k] = np.nan
    return df


def reasoning_comparison(scenario: Scenario, reasoning_tokens: int, catalog: Catalog | None = None
                         ) -> pd.DataFrame:
    """The scenario's request plain and with ``reasoning_tokens`` thinking tokens: one row each.

    Columns: ``task``, ``reasoning_tokens``, ``billed_output_tokens`` (answer + thinking),
    ``usd_per_request``, ``gpu_seconds_per_request``, ``kv_bytes_per_request``, ``seconds_to_answer``
    (TTFT + every decoded token at TPOT) and ``fits``.
    """
    cat = catalog or load_catalog()
    r_tokens = np.array([0, int(reasoning_tokens)])
    # One vectorised engine pass over both requests (each point gets its own plan, as estimate() would give it):
    # the Agents page's rerun computed them as two estimates (7.1 -> ~4.5 ms in process, issue 13).
    out = estimate_arrays(scenario, cat, reasoning_tokens=r_tokens)
    decoded = scenario.output_tokens + r_tokens
    return pd.DataFrame({
        "task": ["plain", "reasoning"],
        "reasoning_tokens": r_tokens,
        "billed_output_tokens": decoded,
        "usd_per_request": np.asarray(out["usd_per_request"], dtype=float),
        "gpu_seconds_per_request": np.asarray(out["gpu_seconds_per_request"], dtype=float),
        "kv_bytes_per_request": np.asarray(out["kv_bytes_per_request"], dtype=float),
        "seconds_to_answer": np.asarray(out["ttft_seconds"] + decoded * out["tpot_seconds"], dtype=float),
        "fits": np.asarray(out["fits"], dtype=bool),
    })
