"""Display formatting: money, tokens, time, rates, bytes. Pure functions, no Streamlit.

Numbers are formatted in Python (not with ``st.metric(format=...)``) so the
strings the user sees are the strings the tests assert on.
"""

from __future__ import annotations

import math
import numbers

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _bad(x: float | None) -> bool:
    # numbers.Real, not int | float: a pandas row of mixed columns hands back numpy int64, which is neither, and the
    # Hardware page's "Cheapest: ..., 1 GPU at $2.50" read "n/a at $2.50"
    return x is None or not isinstance(x, numbers.Real) or math.isnan(x) or math.isinf(x)


def fmt_usd(x: float | None, digits: int | None = None) -> str:
    """US dollars with precision that follows the magnitude.

    >>> fmt_usd(0.124)
    '$0.124'
    >>> fmt_usd(1234.5)
    '$1,234.50'
    >>> fmt_usd(0.000042)
    '$0.000042'
    """
    if _bad(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(float(x))
    if digits is not None:
        return f"{sign}${a:,.{digits}f}"
    if a == 0:
        return "$0.00"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1:
        return f"{sign}${a:,.2f}"
    if a >= 0.01:
        # three significant figures for cents-scale amounts ($0.124, $0.0500 -> $0.05)
        s = f"{a:.3f}".rstrip("0")
        if len(s.split(".")[1]) < 2:
            s = f"{a:.2f}"
        return f"{sign}${s}"
    # sub-cent: two significant figures
    decimals = -int(math.floor(math.log10(a))) + 1
    return f"{sign}${a:.{decimals}f}"


def fmt_usd_per_mtok(x: float | None) -> str:
    """Dollars per million tokens: '$0.42 / M tok'."""
    if _bad(x):
        return "n/a"
    return f"{fmt_usd(x)} / M tok"


def fmt_tokens(n: float | None) -> str:
    """Token counts: 950 -> '950', 2048 -> '2,048', 50000 -> '50k', 1_048_576 -> '1.05M'."""
    if _bad(n):
        return "n/a"
    a = abs(float(n))
    sign = "-" if n < 0 else ""
    if a < 10_000:
        return f"{sign}{a:,.0f}"
    for scale, suffix in _SUFFIXES:
        if a >= scale:
            v = a / scale
            s = f"{v:.3g}" if v < 1000 else f"{v:,.0f}"
            return f"{sign}{s}{suffix}"
    return f"{sign}{a:,.0f}"  # pragma: no cover


def fmt_gpus(n: float | None) -> str:
    """A GPU count with its noun: '1 GPU', '8 GPUs' (legends and plan labels read "1 GPUs per replica")."""
    if _bad(n):
        return "n/a"
    return f"{float(n):,.0f} GPU" + ("" if float(n) == 1 else "s")


def fmt_count(n: float | None) -> str:
    """A plain count with thousands separators (no abbreviation)."""
    if _bad(n):
        return "n/a"
    return f"{float(n):,.0f}"


def fmt_seconds(s: float | None) -> str:
    """Durations: 0.0123 -> '12.3 ms', 2.5 -> '2.50 s', 125 -> '2.1 min'."""
    if _bad(s):
        return "n/a"
    s = float(s)
    if s < 0:
        return "-" + fmt_seconds(-s)
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    if s < 60:
        return f"{s:.3g} s"
    if s < 3600:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def fmt_rate(x: float | None, unit: str = "tok/s") -> str:
    """Throughputs: 12345 -> '12.3k tok/s'."""
    if _bad(x):
        return "n/a"
    a = float(x)
    if abs(a) < 1000:
        return f"{a:.3g} {unit}"
    for scale, suffix in _SUFFIXES:
        if abs(a) >= scale:
            return f"{a / scale:.3g}{suffix} {unit}"
    return f"{a:.3g} {unit}"  # pragma: no cover


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A fraction as a percent: 0.563 -> '56.3%'."""
    if _bad(x):
        return "n/a"
    return f"{float(x) * 100:.{digits}f}%"


def fmt_bytes(b: float | None) -> str:
    """Bytes in SI units (GB = 1e9, as GPU datasheets use): 141e9 -> '141 GB'."""
    if _bad(b):
        return "n/a"
    a = float(b)
    for scale, suffix in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if abs(a) >= scale:
            return f"{a / scale:.3g} {suffix}"
    return f"{a:.0f} B"


def fmt_params(p: float | None) -> str:
    """Parameter counts: 70.6e9 -> '70.6B'."""
    if _bad(p):
        return "n/a"
    a = float(p)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(a) >= scale:
            return f"{a / scale:.3g}{suffix}"
    return f"{a:,.0f}"


def fmt_multiplier(x: float | None) -> str:
    """A cost multiplier: 0.5 -> '×0.50', 12.3 -> '×12.3'."""
    if _bad(x):
        return "n/a"
    a = float(x)
    return f"×{a:.2f}" if a < 10 else f"×{a:.3g}"


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:"


def md_escape(text: object) -> str:
    """Text shown verbatim inside Streamlit markdown (file names, parser messages: user-controlled).

    Escapes markdown and Streamlit's extensions ($ starts LaTeX, :name[...] colours and
    icons), so a crafted file name cannot add links, images or formatting.
    """
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def readable_ratios(df, column: str = "B / A"):
    """A comparison table with its ratio column as text: '×0.52' for a ratio, '—' where none applies (a setting)."""
    out = df.copy()
    out[column] = [fmt_multiplier(v) if not _bad(v) else "—" for v in out[column]]
    return out
