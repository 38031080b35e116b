"""Display formatting: the strings users read and tests assert on."""

import math

import pytest

from ui.format import (
    fmt_bytes,
    fmt_count,
    fmt_gpus,
    fmt_multiplier,
    fmt_params,
    fmt_pct,
    fmt_rate,
    fmt_seconds,
    fmt_tokens,
    fmt_usd,
    fmt_usd_per_mtok,
)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.124, "$0.124"),  # seed 004's worked example: $0.10 + $0.024
        (0.10, "$0.10"),
        (0.024, "$0.024"),
        (1234.5, "$1,234.50"),
        (2.0, "$2.00"),
        (0, "$0.00"),
        (0.000042, "$0.000042"),
        (0.00087, "$0.00087"),
        (0.0012345, "$0.0012"),
        (-0.5, "-$0.50"),
        (3_500_000, "$3.50M"),
        (None, "n/a"),
        (math.nan, "n/a"),
        (math.inf, "n/a"),
    ],
)
def test_fmt_usd(x, expected):
    assert fmt_usd(x) == expected


def test_fmt_usd_fixed_digits_and_per_mtok():
    assert fmt_usd(12.3456, digits=3) == "$12.346"
    assert fmt_usd_per_mtok(2) == "$2.00 / M tok"
    assert fmt_usd_per_mtok(None) == "n/a"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(950, "950"), (2048, "2,048"), (50_000, "50k"), (131_072, "131k"), (1_048_576, "1.05M"), (10_000_000, "10M"),
     (2.5e9, "2.5B"), (None, "n/a")],
)
def test_fmt_tokens(n, expected):
    assert fmt_tokens(n) == expected


@pytest.mark.parametrize(
    ("s", "expected"),
    [(0.0000123, "12 µs"), (0.0123, "12.3 ms"), (0.15, "150 ms"), (2.5, "2.5 s"), (125, "2.1 min"),
     (7200, "2.0 h"), (-0.5, "-500 ms"), (math.nan, "n/a")],
)
def test_fmt_seconds(s, expected):
    assert fmt_seconds(s) == expected


def test_rates_percent_bytes_params_counts_multipliers():
    assert fmt_rate(12_345) == "12.3k tok/s"
    assert fmt_rate(512, "req/s") == "512 req/s"
    assert fmt_pct(0.563) == "56.3%"
    assert fmt_pct(0.5, digits=0) == "50%"
    assert fmt_bytes(141e9) == "141 GB"
    assert fmt_bytes(327_680) == "328 kB"
    assert fmt_bytes(12) == "12 B"
    assert fmt_params(70.6e9) == "70.6B"
    assert fmt_params(671e9) == "671B"
    assert fmt_params(1.2e12) == "1.2T"
    assert fmt_count(1234567) == "1,234,567"
    assert fmt_multiplier(0.5) == "×0.50"
    assert fmt_multiplier(12.34) == "×12.3"
    for f in (fmt_rate, fmt_pct, fmt_bytes, fmt_params, fmt_count, fmt_multiplier):
        assert f(None) == "n/a"


def test_md_escape_neutralises_markdown_and_streamlit_directives():
    from ui.format import md_escape

    evil = "![x](http://evil/a.png) **b** $x^2$ :red[alert] <b>"
    out = md_escape(evil)
    for ch in "![]()*$:<>":
        assert ("\\" + ch) in out
    assert md_escape("usage_log-2026.csv") == "usage\\_log\\-2026\\.csv"


def test_fmt_gpus_says_gpu_for_one():
    assert (fmt_gpus(1), fmt_gpus(8), fmt_gpus(1.0), fmt_gpus(None)) == ("1 GPU", "8 GPUs", "1 GPU", "n/a")


def test_numpy_numbers_from_a_mixed_pandas_row_are_formatted():
    # df.iloc[0] of mixed columns keeps numpy int64; the Hardware caption printed "n/a" for the cheapest count
    import numpy as np
    import pandas as pd

    row = pd.DataFrame([{"gpus": 8, "name": "x", "usd": 0.5}]).iloc[0]
    assert isinstance(row["gpus"], np.integer)
    assert (fmt_gpus(row["gpus"]), fmt_usd(row["usd"]), fmt_gpus(np.float32(1))) == ("8 GPUs", "$0.50", "1 GPU")
    assert fmt_gpus(np.nan) == "n/a"
