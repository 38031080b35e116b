"""The genai-prices importer and the cross-check of data/prices/providers.yaml (issue 14).

Facts from shared/reference/pricing-semantics.md: DeepSeek R1 in early 2025 billed $0.55/M
input, $0.14/M cache hit, $2.19/M output, and 75% less in UTC 16:30-00:30 (cache hit $0.035/M);
Gemini batch halves input and output but keeps context caching at the standard rate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

pytest.importorskip("genai_prices")

from costmodel.pricing.genai_import import compare, genai_rows, load_map  # noqa: E402
from costmodel.pricing.prices import load_price_history, provider_price, scheme_for  # noqa: E402

AS_OF = dt.date(2026, 12, 1)  # the day data/prices/genai-prices.yaml was checked


def test_every_row_agrees_with_genai_prices_or_is_a_documented_exception():
    mapping = load_map()
    diffs, unmatched = compare(load_price_history(), as_of=AS_OF, mapping=mapping)
    unexplained = [(d.price_id, d.field, d.ours, d.genai) for d in diffs if not d.excused]
    assert unexplained == []
    # every documented exception is still needed: a fixed row must drop its exception
    differing = {(d.price_id, d.field) for d in diffs}
    for pid, exc in mapping["exceptions"].items():
        for field in exc["fields"]:
            assert (pid, field) in differing, f"exception {pid}.{field} no longer differs: remove it"
    for pid in unmatched:
        assert pid in mapping["unmatched"] or pid.split("/")[0] in mapping["unmatched"], pid


def test_the_cross_check_flags_a_stale_row():
    stale = provider_price("fireworks/llama-3.1-8b-instruct").model_copy(update={"input": 0.10, "output": 0.10})
    diffs, _ = compare([stale], as_of=AS_OF)
    assert {(d.field, d.ours, d.genai) for d in diffs if not d.excused} >= {("input", 0.10, 0.2), ("output", 0.10, 0.2)}
    no_batch = provider_price("anthropic/claude-opus-5.5").model_copy(update={"batch_input": None, "batch_output": None})
    diffs, _ = compare([no_batch], as_of=AS_OF)
    assert {d.field for d in diffs if not d.excused} >= {"batch_input", "batch_output"}


def _row(rows, model, on=AS_OF):
    return next(r for r in rows if r.model == model and r.valid_on(on))


def test_import_time_of_day_windows_deepseek_r1():
    rows, skipped = genai_rows(["deepseek"], as_of=AS_OF)
    r1 = _row(rows, "deepseek-reasoner")
    assert (r1.input, r1.cached_input, r1.output) == (0.55, 0.14, 2.19)
    assert r1.offpeak_windows_utc == ("16:30-00:30",)
    assert (r1.offpeak_input, r1.offpeak_cached_input, r1.offpeak_output) == (0.135, 0.035, 0.55)
    # billed from timestamps: 1M input + 1M output at 12:00 UTC (peak) and at 17:00 UTC (off-peak)
    noon = dt.datetime(2025, 3, 3, 12, tzinfo=dt.UTC).timestamp()
    c = {"prompt_tokens": np.array([1e6, 1e6]), "output_tokens": np.array([1e6, 1e6]),
         "cached_tokens": np.zeros(2), "cache_write_tokens": np.zeros(2),
         "timestamp": np.array([noon, noon + 5 * 3600])}
    rev, _ = scheme_for(r1).revenue(c, None, {})
    assert rev == pytest.approx([0.55 + 2.19, 0.135 + 0.55])


def test_import_price_history_by_date_and_peak_windows():
    rows, _ = genai_rows(["deepseek"], as_of=AS_OF)
    flash = sorted((r for r in rows if r.model == "deepseek-v4-flash"), key=lambda r: r.valid_from or dt.date.min)
    assert [(r.valid_from, r.valid_until) for r in flash] == [
        (None, dt.date(2026, 8, 17)), (dt.date(2026, 8, 17), dt.date(2026, 9, 10)), (dt.date(2026, 9, 10), None)]
    now = flash[-1]
    # genai-prices lists the PEAK windows 01:00-04:00 and 06:00-10:00; off-peak is the rest of the day
    assert (now.input, now.output) == (0.3, 1.2)
    assert now.offpeak_windows_utc == ("04:00-06:00", "10:00-01:00")
    assert (now.offpeak_input, now.offpeak_output) == (0.15, 0.6)


def test_import_whole_request_tiers_cache_writes_and_batch():
    anthropic, _ = genai_rows(["anthropic"], as_of=AS_OF)
    haiku = _row(anthropic, "claude-haiku-5-5")
    assert (haiku.long_context_threshold, haiku.long_input) == (100_000, 0.5)
    sonnet = _row(anthropic, "claude-sonnet-4-5")
    assert (sonnet.cache_write_5m, sonnet.cache_write_1h, sonnet.cached_input) == (3.75, 6, 0.3)
    assert sonnet.batch_cached_input == pytest.approx(0.15)  # Anthropic: batch stacks with caching
    google, skipped = genai_rows(["google"], as_of=AS_OF)
    pro = _row(google, "gemini-3.1-pro-preview")
    assert (pro.batch_input, pro.batch_output, pro.batch_cached_input) == (1, 6, 0.2)  # caching "same as Standard"
    assert sum(skipped.values()) >= 1  # image/embedding models are counted, not dropped silently
