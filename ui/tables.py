"""Display tables and chart series derived from costmodel DataFrames (renaming, ordering, units). No maths
beyond reshaping: every number comes from costmodel."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd
import streamlit as st

from ui.format import fmt_multiplier, fmt_usd

LEVERS_COLUMNS: Mapping[str, object] = MappingProxyType({
    "USD per request": MappingProxyType(st.column_config.NumberColumn(format="$%.6f")),
    "USD per M input tokens": MappingProxyType(st.column_config.NumberColumn(format="$%.4f")),
    "USD per M output tokens": MappingProxyType(st.column_config.NumberColumn(format="$%.4f")),
    "Output tok/s": MappingProxyType(st.column_config.NumberColumn(format="%.0f")),
    "Multiplier on cost per request": MappingProxyType(st.column_config.NumberColumn(format="×%.3f")),
})


def waterfall_series(steps: pd.DataFrame, metric: str):
    """(labels, values, measures, text) for a waterfall of ``metric`` over the fitting steps."""
    fit = steps[steps["fits"]]
    vals = fit[metric].to_numpy(dtype=float)
    labels = ["Naive baseline" if lv == "baseline" else t for lv, t in zip(fit["lever"], fit["title"], strict=True)]
    labels.append("Your scenario")
    values = [vals[0], *np.diff(vals), vals[-1]]
    measures = ["absolute", *["relative"] * (len(vals) - 1), "total"]
    text = [fmt_usd(vals[0])]
    text += [fmt_multiplier(b / a) if a else "" for a, b in zip(vals[:-1], vals[1:], strict=True)]
    text.append(fmt_usd(vals[-1]))
    return labels, values, measures, text


def levers_table(steps: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Lever": steps["title"],
        "Setting in your scenario": steps["setting"],
        "Typical gain (seed article)": steps["seed_claim"],
        "Multiplier on cost per request": steps["multiplier"],
        "USD per request": steps["usd_per_request"],
        "USD per M input tokens": steps["usd_per_million_input_tokens"],
        "USD per M output tokens": steps["usd_per_million_output_tokens"],
        "Output tok/s": steps["output_tokens_per_second"],
        "Requests that fit": steps["max_concurrency"],
    })


HARDWARE_COLUMNS: Mapping[str, object] = MappingProxyType({
    "USD per M input tokens": MappingProxyType(st.column_config.NumberColumn(format="$%.4f")),
    "USD per M output tokens": MappingProxyType(st.column_config.NumberColumn(format="$%.4f")),
    "USD per request": MappingProxyType(st.column_config.NumberColumn(format="$%.6f")),
    "USD per GPU-hour": MappingProxyType(st.column_config.NumberColumn(format="$%.2f")),
    "Output tok/s per GPU": MappingProxyType(st.column_config.NumberColumn(format="%.0f")),
    "Time to first token (s)": MappingProxyType(st.column_config.NumberColumn(format="%.3f")),
    "Time per output token (s)": MappingProxyType(st.column_config.NumberColumn(format="%.4f")),
    "Weights share of memory": MappingProxyType(st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)),
})


def hardware_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "GPU": df["name"],
        "GPU id": df["gpu"],
        "GPUs": df["gpus"],
        "Fits": df["fits"],
        "Cheapest": df["cheapest"],
        "USD per M input tokens": df["usd_per_million_input_tokens"],
        "USD per M output tokens": df["usd_per_million_output_tokens"],
        "USD per request": df["usd_per_request"],
        "Output tok/s per GPU": df["output_tokens_per_second_per_gpu"],
        "Time to first token (s)": df["ttft_seconds"],
        "Time per output token (s)": df["tpot_seconds"],
        "Memory per GPU (GB)": df["memory_gb"],
        "Weights share of memory": df["weights_share_of_memory"].clip(upper=1.0),
        "USD per GPU-hour": df["gpu_hourly_usd"],
        "Price date": df["price_date"],
    })


MARKET_COLUMNS: Mapping[str, object] = MappingProxyType({
    "List USD per M input": MappingProxyType(st.column_config.NumberColumn(format="$%.3f")),
    "List USD per M output": MappingProxyType(st.column_config.NumberColumn(format="$%.3f")),
    "Cost USD per M input": MappingProxyType(st.column_config.NumberColumn(format="$%.3f")),
    "Cost USD per M output": MappingProxyType(st.column_config.NumberColumn(format="$%.3f")),
    "List USD per request": MappingProxyType(st.column_config.NumberColumn(format="$%.5f")),
    "Cost USD per request": MappingProxyType(st.column_config.NumberColumn(format="$%.5f")),
    "Implied margin per request": MappingProxyType(st.column_config.NumberColumn(format="percent")),
    "Implied margin, input": MappingProxyType(st.column_config.NumberColumn(format="percent")),
    "Implied margin, output": MappingProxyType(st.column_config.NumberColumn(format="percent")),
})


def market_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Provider price": df["price_id"],
        "Comparable open model": df["catalog_model"],
        "GPUs": df["gpus"],
        "List USD per M input": df["input_usd_per_m"],
        "List USD per M output": df["output_usd_per_m"],
        "Cost USD per M input": df["cost_input_usd_per_m"],
        "Cost USD per M output": df["cost_output_usd_per_m"],
        "List USD per request": df["price_per_request_usd"],
        "Cost USD per request": df["cost_per_request_usd"],
        "Implied margin per request": df["margin_per_request"],
        "Implied margin, input": df["margin_input"],
        "Implied margin, output": df["margin_output"],
        "Price date": df["price_date"],
        "Source": df["source"],
    })
