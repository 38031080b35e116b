"""Workloads and bills for the Pricing schemes page: cached loading, scheme overrides, display tables.

The maths is costmodel.pricing.billing's; this module only loads, caches and renames.
Loading a preset or trace is cached for everyone (shared public data); a bill
and an uploaded log are cached per session only (they may be a user's own data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from costmodel import Scenario
from costmodel.pricing.billing import PricingReport, bill, make_scheme
from costmodel.workloads.loading import list_workloads, load_workload, load_workload_bytes
from costmodel.workloads.workload import Workload

UPLOAD_STATE = "_usage_log"
SCHEME_ORDER: tuple[str, ...] = (
    "flat", "cached-input", "long-context-tier", "batch-discount", "subscription", "compute-time",
    "activated-params", "capability-tier", "hybrid",
)
PER_TOKEN_SCHEMES: tuple[str, ...] = ("flat", "cached-input", "long-context-tier", "batch-discount")

def workload_choices(kind: str) -> dict[str, str]:
    """{id: title} of the synthetic presets (kind='synthetic') or real traces (kind='trace')."""
    return {w["id"]: w["title"] for w in list_workloads() if w["kind"] == kind}


@st.cache_data(show_spinner="Loading the workload…", max_entries=32)
def cached_workload(spec: str, users: int | None) -> Workload:
    """A preset (seeded, reproducible) or a trace; public data, cached for all sessions."""
    return load_workload(spec, users=users, seed=1)


def read_upload(data: bytes, name: str) -> tuple[Workload | None, str | None, str]:
    """(workload, error message, content hash) from an uploaded usage log."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        w = load_workload_bytes(data, name)
    except Exception as exc:  # noqa: BLE001 - any unreadable file becomes a message, never a traceback
        return None, f"Could not read {name}: {exc}", digest
    if len(w) == 0:
        return None, f"{name} has no usable rows.", digest
    return w, None, digest


def schemes_with(overrides: Mapping[str, Mapping[str, Any]]) -> list:
    """Every scheme in display order, with the page's parameter overrides applied."""
    return [make_scheme(sid, **dict(overrides.get(sid, {}))) for sid in SCHEME_ORDER]


def price_overrides(input_usd_per_m: float, output_usd_per_m: float, monthly_fee_usd: float,
                    markup: float) -> dict[str, dict[str, float]]:
    """One list price for every per-token scheme, the subscription's fee and overage, the compute markup."""
    out: dict[str, dict[str, float]] = {
        sid: {"input_usd_per_m": input_usd_per_m, "output_usd_per_m": output_usd_per_m} for sid in PER_TOKEN_SCHEMES
    }
    out["long-context-tier"].update(long_input_usd_per_m=2 * input_usd_per_m, long_output_usd_per_m=1.5 * output_usd_per_m)
    out["subscription"] = {"monthly_fee_usd": monthly_fee_usd, "overage_input_usd_per_m": input_usd_per_m,
                           "overage_output_usd_per_m": output_usd_per_m}
    out["hybrid"] = {"monthly_fee_usd": monthly_fee_usd}
    out["compute-time"] = {"markup": markup}
    return out


PROGRESS_MIN_REQUESTS = 200_000
"""Workloads this large (a big upload or trace) bill in steps behind a progress bar; smaller ones take well
under a second (benchmarks/bench_pricing.py) and show only the spinner."""


def bill_with_progress(workload: Workload, schemes: list, scenario: Scenario, bar: Any) -> PricingReport:
    """Bill in about twenty chunks, moving ``bar`` (an ``st.progress``) after each; the result equals one bill."""
    n = len(workload)

    def moved(stage: str, done: int, total: int | None) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=f"Billing requests: {done:,} of {total:,}")

    return bill(workload, schemes, scenario=scenario, chunk_size=max(n // 20, 1_000), progress=moved)


@st.cache_data(show_spinner="Billing every request…", max_entries=64, scope="session")
def cached_bill(scenario_json: str, workload_key: str, overrides: tuple, _workload: Workload) -> PricingReport:
    """Bill the workload under every scheme against the scenario's cost (cached per session by its inputs)."""
    schemes, scenario = schemes_with(dict(overrides)), Scenario.model_validate_json(scenario_json)
    if len(_workload) < PROGRESS_MIN_REQUESTS:
        return bill(_workload, schemes, scenario=scenario)
    bar = st.progress(0.0, text=f"Billing {len(_workload):,} requests…")
    try:
        return bill_with_progress(_workload, schemes, scenario, bar)
    finally:
        bar.empty()


def freeze(overrides: Mapping[str, Mapping[str, Any]]) -> tuple:
    """A hashable form of the overrides (the cache key)."""
    return tuple(sorted((k, tuple(sorted(v.items()))) for k, v in overrides.items()))
