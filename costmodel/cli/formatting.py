"""Numbers as the CLI's tables print them (the JSON output keeps full precision)."""

from __future__ import annotations

from typing import Any


def format_value(value: Any) -> str:
    """Thousands separators for large numbers, 4 significant digits for small ones; text as is."""
    if isinstance(value, (bool, str)) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}"
