"""The app's visual language in one place: one colour per concept, the shared default list price, axis rules.

Every page draws price, cost, input, output and cached tokens in the same colours, and
each GPU vendor in its own. Pure constants and small pure functions (no Streamlit), so
figure builders stay cacheable functions of their inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from costmodel.pricing.defaults import scheme_default

PRICE = "#2563eb"  # blue: what a customer pays (list price, revenue)
COST = "#dc2626"  # red: what serving costs (GPU time)
MARGIN = "#16a34a"  # green: price minus cost
INPUT = "#0891b2"  # teal: prompt (input) tokens
OUTPUT = "#d97706"  # amber: generated (output) tokens
CACHED = "#7c3aed"  # violet: prompt tokens served from the prefix cache
PRICE_ALT = "#93c5fd"  # light blue: a second price beside PRICE (another scheme)
SCENARIO = "#111827"  # near-black: this scenario's own point
REFERENCE = "#6b7280"  # grey: reference lines (ridge, thresholds, y = x)
PLAN_CHANGE = "#9ca3af"  # light grey: a dotted line where the serving plan (GPU split) changes

VENDOR: Mapping[str, str] = MappingProxyType({"nvidia": "#65a30d", "amd": "#be185d", "google": "#4f46e5"})
"""One colour per GPU vendor (catalog ``GPU.vendor``); unknown vendors are grey."""

SERIES = (PRICE, COST, INPUT, OUTPUT, CACHED, MARGIN, "#db2777", "#4b5563")
"""Fallback order for series that are not one of the concepts above (e.g. several models)."""

_CONCEPT_WORDS: tuple[tuple[str, str], ...] = (
    # first match wins: "cached input" is cached, "cost per million input tokens" is input
    ("cached", CACHED), ("cache hit", CACHED), ("input", INPUT), ("prompt", INPUT), ("output", OUTPUT),
    ("answer", OUTPUT), ("prefill", INPUT), ("decode", OUTPUT), ("margin", MARGIN), ("revenue", PRICE), ("price", PRICE), ("cost", COST),
)

DEFAULT_LIST_PRICE_USD_PER_M = float(scheme_default("flat", "input_usd_per_m"))
"""The default list price (USD per million tokens) every page starts from: the flat scheme's in
data/prices/schemes.yaml (Together AI's Llama 3.1 70B Turbo, $0.88 in and out), so pages and the CLI agree."""

DEFAULT_PRICE_KEYS = ("price_in", "price_out")
"""Session keys of the list-price inputs, shared by every page that asks for a price (so they stay linked)."""


def vendor_color(vendor: str | None) -> str:
    return VENDOR.get((vendor or "").lower(), REFERENCE)


def concept_color(name: str, index: int = 0) -> str:
    """The colour of a series by the concept its name mentions (``"Input tokens"`` -> INPUT), else by position."""
    low = name.lower()
    for word, color in _CONCEPT_WORDS:
        if word in low:
            return color
    return SERIES[index % len(SERIES)]
