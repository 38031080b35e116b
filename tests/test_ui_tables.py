"""ui/tables.py: each table declared once, checked at load, and fed by the library columns it names."""

import pandas as pd
import pytest

from costmodel import Scenario, load_catalog
from costmodel.analysis.compare import compare_gpus, market_comparison
from costmodel.analysis.levers import lever_steps
from costmodel.engine.calibration import calibration_report
from costmodel.pricing.billing import bill, make_scheme
from costmodel.pricing.prices import list_provider_prices
from costmodel.workloads.loading import load_workload
from ui import tables
from ui.tables import Column, TableSpec

CATALOG = load_catalog()
S = Scenario(model="llama-3.1-8b", gpu="l4", gpus=1)


def _report_frame() -> pd.DataFrame:
    schemes = [make_scheme(sid) for sid in ("flat", "subscription", "compute-time")]
    return bill(load_workload("chat", users=20, seed=1), schemes, scenario=S).to_frame()


@pytest.mark.parametrize(("spec", "make"), [
    (tables.LEVERS, lambda: lever_steps(S, CATALOG)),
    (tables.HARDWARE, lambda: compare_gpus(S, CATALOG)),
    (tables.MARKET, lambda: market_comparison(S, list_provider_prices(), CATALOG)),
    (tables.PRICING_REPORT, _report_frame),
    (tables.VALIDATION, lambda: calibration_report(CATALOG)),
], ids=lambda v: v.name if isinstance(v, TableSpec) else "")
def test_every_table_gets_its_columns_from_the_library(spec, make):
    df = make()
    shown = spec.frame(df)
    assert list(shown.columns) == [c.label for c in spec.columns] and len(shown) == len(df)
    first = spec.columns[0]
    assert list(shown[first.label]) == list(df[first.source])  # values pass through unchanged


def test_a_table_names_the_library_columns_it_misses():
    with pytest.raises(ValueError, match="hardware-comparison.*price_date"):
        tables.HARDWARE.frame(compare_gpus(S, CATALOG).drop(columns="price_date"))


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Column("x", "X", "%q"), "printf"),
    (lambda: Column("x", "X", kind="sparkline"), "kind"),
    (lambda: Column("x", "X", "$%.2f", kind="text"), "number or progress"),
    (lambda: Column("", "X"), "non-empty"),
    (lambda: TableSpec("t", (Column("a", "A"), Column("b", "A"))), "label 'A' twice"),
    (lambda: TableSpec("t", ()), "no columns"),
])
def test_a_bad_spec_fails_when_it_is_declared(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_named_and_printf_formats_are_accepted():
    assert Column("x", "X", "percent").format == "percent" and Column("x", "X", "×%.3f").format == "×%.3f"
