"""Time windows of allowances: calendar months, fixed windows, and allowance consumption.

Subscription-like schemes consume an allowance per (user, window) in time order; the
running totals are carried between chunks in a per-scheme ``state`` dict. New window
rules (e.g. rolling windows, off-peak hours) belong here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

WINDOW_SECONDS = {"day": 86_400.0, "week": 7 * 86_400.0, "5h": 5 * 3_600.0}
"""Length of each fixed allowance window in seconds (months are calendar months)."""
USER_KEY_STRIDE = 10_000_000
"""A (user, window) key is ``user code * USER_KEY_STRIDE + window (or month) index``."""
SESSION_KEY_STRIDE = 2**32
"""A (user, session) key is ``user code * SESSION_KEY_STRIDE + the session's start in whole seconds``."""


def session_starts(user: np.ndarray, ts: np.ndarray, length_s: float, carried: dict) -> np.ndarray:
    """Start of each request's window when windows open at a user's first message (Anthropic's 5-hour sessions).

    A window opens with the first request after the previous one closed and lasts
    ``length_s``; requests inside it belong to it. ``carried`` (user code -> start of the
    user's latest window) continues windows across chunks taken in time order.
    """
    n = len(ts)
    if n == 0:
        return np.zeros(0)
    order = np.lexsort((ts, user))
    u, t = user[order], ts[order]
    out = np.empty(n)
    bounds = np.flatnonzero(np.r_[True, u[1:] != u[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):  # one pass per user, one jump per window
        tt, uid = t[a:b], int(u[a])
        start, i = carried.get(uid), 0
        while i < len(tt):
            if start is None or tt[i] >= start + length_s:
                start = float(tt[i])
            j = int(np.searchsorted(tt, start + length_s, "left"))
            out[a + i : a + j] = start
            i = j
        carried[uid] = start
    result = np.empty(n)
    result[order] = out
    return result


def window_index(c: Mapping[str, np.ndarray], window: str) -> np.ndarray:
    """Index of each request's window: calendar month, or floor(timestamp / window length)."""
    if window == "month":
        return c["_month"] if "_month" in c else month_index(c["timestamp"])
    return np.floor(c["timestamp"] / WINDOW_SECONDS[window]).astype(np.int64)


def month_index(ts: np.ndarray) -> np.ndarray:
    """Calendar month of each timestamp (seconds since epoch), as months since 1970-01."""
    secs = np.asarray(ts, dtype=np.float64).astype(np.int64)
    return secs.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)


def allowance_overage(
    c, unit: str, allowance: float, window: str, state: dict, *, weight: float = 1.0, start: str = "fixed"
) -> tuple[np.ndarray, np.ndarray]:
    """Consume each user's allowance in time order per window.

    Returns (over, cum): ``over`` is the share of each request beyond the allowance (0..1),
    ``cum`` the window's running demand including the request. Running totals are
    carried in ``state['used']`` between chunks (a pandas Series by user-window key).
    ``weight`` multiplies each request's units (a premium-request multiplier: a 10x model
    uses ten requests of the allowance). ``start='first-message'``: a window opens at the
    user's first request after the previous one closed, instead of at fixed boundaries.
    """
    n = len(c["prompt_tokens"])
    if n == 0:
        return np.zeros(0), np.zeros(0)
    units = (c["prompt_tokens"] + c["output_tokens"] if unit == "tokens" else np.ones(n)) * weight
    by_time = None if c.get("_time_sorted", False) else np.argsort(c["timestamp"], kind="stable")
    if by_time is not None:
        units = units[by_time]
    if window == "month" and "_um_pos" in c and start == "fixed":
        # monthly windows are the user-months: their positions are group codes already
        codes = c["_um_pos"] if by_time is None else c["_um_pos"][by_time]
        cum = pd.Series(units).groupby(codes, sort=False).cumsum().to_numpy()
        dense = state.get("dense")
        dense = np.zeros(c["_n_um"]) if dense is None else dense
        cum = cum + dense[codes]
        state["dense"] = dense + np.bincount(codes, weights=units, minlength=len(dense))
    else:
        if start == "first-message":
            length = WINDOW_SECONDS[window] if window != "month" else 30 * 86_400.0
            opened = session_starts(c["user"], c["timestamp"], length, state.setdefault("starts", {}))
            key = c["user"] * SESSION_KEY_STRIDE + np.floor(opened).astype(np.int64)
        else:
            key = c["user"] * USER_KEY_STRIDE + window_index(c, window)
        if by_time is not None:
            key = key[by_time]
        codes, uniques = pd.factorize(key, sort=False)
        # running demand per (user, window) in time order: a grouped cumulative sum (no sort needed)
        cum = pd.Series(units).groupby(codes, sort=False).cumsum().to_numpy()
        used: pd.Series | None = state.get("used")
        final = np.bincount(codes, weights=units)
        if used is not None:
            carried = used.reindex(uniques).fillna(0.0).to_numpy()
            cum = cum + carried[codes]
            final = final + carried
        latest = pd.Series(final, index=uniques)
        state["used"] = latest if used is None else latest.combine_first(used)
    over_tokens = np.clip(cum - allowance, 0.0, units)
    over = np.divide(over_tokens, units, out=np.zeros(n), where=units > 0)
    if by_time is not None:
        inverse = np.empty(n, dtype=np.int64)
        inverse[by_time] = np.arange(n)
        over, cum = over[inverse], cum[inverse]
    return over, cum


def fee_share(c, fee: float) -> np.ndarray:
    """The monthly fee spread over each user-month's requests in proportion to their tokens."""
    tokens = c["prompt_tokens"] + c["output_tokens"]
    return fee * np.divide(tokens, c["um_tokens"], out=np.zeros(len(tokens)), where=c["um_tokens"] > 0)
