"""Agent sessions: the cost and price of an N-turn conversation whose context grows each turn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from costmodel.errors import CostModelError
from costmodel.pricing.base import CostContext
from costmodel.pricing.costers import EngineCoster, RequestCoster
from costmodel.pricing.token_schemes import CachedInputScheme, FlatScheme


def agent_session_cost(
    turns: int = 20,
    *,
    system_tokens: int = 2_000,
    user_tokens_per_turn: int = 200,
    tool_tokens_per_turn: int = 0,
    output_tokens_per_turn: int = 400,
    scenario: Any = None,
    coster: RequestCoster | None = None,
    cached_input: CachedInputScheme | None = None,
    flat: FlatScheme | None = None,
) -> pd.DataFrame:
    """Cumulative cost (and price) of an N-turn agent session whose context grows each turn.

    Turn t sends the whole conversation so far: prompt_t = system + sum_{j<t}(user + tool
    + output) + user + tool. With prefix caching the previous turn's prompt and answer
    (prompt_{t-1} + output) are read from the cache and only the new tokens are prefilled
    (and written to the cache); without it every turn prefills the whole context, so the
    uncached session costs grow quadratically in the number of turns.

    Costs come from ``coster`` or, with a ``scenario``, the engine at the session's mean
    turn. Returns one row per turn with per-turn and cumulative cost with and without
    caching, and the cumulative revenue under ``flat`` and ``cached_input`` pricing.
    """
    if not 1 <= turns <= 100_000:
        raise CostModelError(f"turns must be between 1 and 100,000, got {turns}")
    t = np.arange(1, turns + 1, dtype=np.float64)
    new = float(user_tokens_per_turn + tool_tokens_per_turn)
    prompt = system_tokens + (t - 1) * (new + output_tokens_per_turn) + new
    out = np.full(turns, float(output_tokens_per_turn))
    cached = np.where(t > 1, prompt - new, 0.0)
    writes = np.where(t > 1, new, prompt)
    if coster is None:
        if scenario is None:
            raise CostModelError("agent_session_cost needs a scenario or a coster")
        coster = EngineCoster(scenario, prompt.mean(), out.mean(), cached.sum() / prompt.sum())
    # Both sessions in one call: the coster costs each row on its own, and one engine call over 2 x turns rows
    # costs about what one over turns rows does (in process at load ~3.5: 10.5 -> 8.6 ms for the Agents page's 40 turns, issue 13).
    both, _ = coster(np.concatenate([prompt, prompt]), np.concatenate([out, out]),
                     np.concatenate([cached, np.zeros(turns)]))
    both = np.broadcast_to(np.asarray(both, dtype=np.float64), (2 * turns,))  # a coster may return one number
    cost_cached, cost_uncached = both[:turns], both[turns:]
    flat = flat or FlatScheme()
    cached_input = cached_input or CachedInputScheme()
    zeros = np.zeros(turns)
    c_hit = {
        "prompt_tokens": prompt,
        "output_tokens": out,
        "cached_tokens": cached,
        "cache_write_tokens": writes,
    }
    rev_flat, _ = flat.revenue({**c_hit, "cached_tokens": zeros}, CostContext(), {})
    rev_cached, _ = cached_input.revenue(c_hit, CostContext(), {})
    return pd.DataFrame(
        {
            "turn": t.astype(int),
            "prompt_tokens": prompt.astype(np.int64),
            "cached_tokens": cached.astype(np.int64),
            "output_tokens": out.astype(np.int64),
            "cost_usd_cached": cost_cached,
            "cost_usd_uncached": cost_uncached,
            "cum_cost_usd_cached": np.cumsum(cost_cached),
            "cum_cost_usd_uncached": np.cumsum(cost_uncached),
            "cum_revenue_usd_flat": np.cumsum(rev_flat),
            "cum_revenue_usd_cached_input": np.cumsum(rev_cached),
        }
    )
