"""Provider list prices: validation at load, billing at a real price, the LiteLLM importer."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from costmodel.errors import CatalogError, CostModelError
from costmodel.pricing.billing import CostContext, bill
from costmodel.pricing.prices import (
    import_litellm,
    list_provider_prices,
    load_price_history,
    load_prices,
    price_history,
    prices_as_of,
    provider_price,
    provider_scheme,
    scheme_for,
)


def revenue(scheme, prompt, output, cached=0, writes=0):
    w = {
        "prompt_tokens": np.array([prompt], float),
        "output_tokens": np.array([output], float),
        "cached_tokens": np.array([cached], float),
        "cache_write_tokens": np.array([writes], float),
    }
    return bill(w, [scheme], costs=([0.0], [0.0]), context=CostContext()).schemes[0].revenue_usd


def test_shipped_prices_cover_the_required_providers():
    prices = list_provider_prices()
    providers = {p.provider for p in prices}
    assert {
        "openai",
        "anthropic",
        "google",
        "deepseek",
        "mistral",
        "together",
        "fireworks",
        "deepinfra",
    } <= providers
    for p in prices:
        assert p.source and p.date <= dt.date(2026, 12, 1)
    assert provider_price("openai/gpt-4o").cached_input == 1.25
    assert provider_price("together/llama-3.1-70b-instruct-turbo").catalog_model == "llama-3.1-70b"
    with pytest.raises(CostModelError, match="unknown provider price 'x/y'"):
        provider_price("x/y")


def test_sonnet_long_context_whole_request_at_a_real_price():
    # the >200K tier of the 1M-context beta, for the period it applied (retired 2026-04-30)
    s = provider_scheme("anthropic/claude-sonnet-4.5", as_of=dt.date(2026, 1, 15))
    assert revenue(s, 200_000, 1_000) == pytest.approx(200_000 * 3e-6 + 1_000 * 15e-6)
    assert revenue(s, 200_001, 1_000) == pytest.approx(200_001 * 6e-6 + 1_000 * 22.5e-6)
    # above the tier, cache reads and writes move to their long prices too
    got = revenue(s, 300_000, 0, cached=100_000, writes=50_000)
    assert got == pytest.approx(150_000 * 6e-6 + 100_000 * 0.6e-6 + 50_000 * 7.5e-6)


def test_cache_read_write_and_batch():
    s = provider_scheme("anthropic/claude-haiku-4.5")
    # 10,000 prompt: 6,000 read at 0.10, 3,000 written at 1.25, 1,000 plain at 1; 1,000 out at 5
    assert revenue(s, 10_000, 1_000, cached=6_000, writes=3_000) == pytest.approx(
        (1_000 * 1 + 6_000 * 0.1 + 3_000 * 1.25 + 1_000 * 5) / 1e6
    )
    s1h = provider_scheme("anthropic/claude-haiku-4.5", cache_ttl="1h")
    assert revenue(s1h, 10_000, 0, writes=10_000) == pytest.approx(10_000 * 2 / 1e6)
    # OpenAI: no write surcharge -> writes at the input price
    o = provider_scheme("openai/gpt-4.1")
    assert revenue(o, 10_000, 0, cached=4_000, writes=6_000) == pytest.approx((6_000 * 2 + 4_000 * 0.5) / 1e6)
    b = provider_scheme("openai/gpt-4.1", batch=True)
    assert revenue(b, 1_000_000, 1_000_000) == pytest.approx(1 + 4)
    with pytest.raises(CostModelError, match="no batch price"):
        provider_scheme("mistral/mistral-large-2411", batch=True)


def test_bad_price_rows_are_rejected_with_file_and_field(tmp_path):
    base = "rows:\n  - {provider: acme, model: m1, input: 1, output: 2, date: 2026-01-01, source: somewhere"
    cases = {
        "neg": (base + ", cached_input: -1}\n", "cached_input"),
        "nodate": (
            "rows:\n  - {provider: acme, model: m1, input: 1, output: 2, source: somewhere}\n",
            "date",
        ),
        "long": (base + ", long_input: 2}\n", "long_\\* prices given without long_context_threshold"),
        "batch": (base + ", batch_input: 0.5}\n", "both batch_input and batch_output"),
        "dup": (base + "}\n" + base[6:] + "}\n", "duplicate price id 'acme/m1' with an overlapping"),
        "window": (base + ", offpeak_windows_utc: ['25:00-01:00'], offpeak_input: 1, offpeak_output: 1}\n",
                   "not HH:MM-HH:MM"),
        "offpeak": (base + ", offpeak_input: 0.5, offpeak_output: 1}\n", "need offpeak_windows_utc"),
        "period": (base + ", valid_from: 2026-02-01, valid_until: 2026-01-01}\n", "not after valid_from"),
    }
    for name, (text, msg) in cases.items():
        p = tmp_path / f"{name}.yaml"
        p.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogError, match=msg):
            load_prices(p)
    ok = tmp_path / "ok.yaml"
    ok.write_text(base + "}\n", encoding="utf-8")
    assert list(load_prices(ok)) == ["acme/m1"]


LITELLM = {
    "sample_spec": {"input_cost_per_token": 0},
    "claude-sonnet-4-5": {
        "litellm_provider": "anthropic",
        "mode": "chat",
        "input_cost_per_token": 3e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_read_input_token_cost": 3e-07,
        "cache_creation_input_token_cost": 3.75e-06,
        "cache_creation_input_token_cost_above_1hr": 6e-06,
        "input_cost_per_token_above_200k_tokens": 6e-06,
        "output_cost_per_token_above_200k_tokens": 2.25e-05,
        "cache_read_input_token_cost_above_200k_tokens": 6e-07,
        "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06,
        "input_cost_per_token_batches": 1.5e-06,
        "output_cost_per_token_batches": 7.5e-06,
        "source": "https://www.anthropic.com/pricing",
    },
    "gpt-4o": {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 2.5e-06,
        "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-06,
    },
    "text-embedding-3-small": {
        "litellm_provider": "openai",
        "mode": "embedding",
        "input_cost_per_token": 2e-08,
    },
    "broken": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06},
    "negative": {
        "litellm_provider": "x",
        "mode": "chat",
        "input_cost_per_token": -1e-06,
        "output_cost_per_token": 1e-6,
    },
}


def test_import_litellm(tmp_path):
    p = tmp_path / "model_prices_and_context_window.json"
    p.write_text(json.dumps(LITELLM), encoding="utf-8")
    rows, skipped = import_litellm(p, as_of="2026-11-12")
    by_id = {r.id: r for r in rows}
    assert set(by_id) == {"anthropic/claude-sonnet-4-5", "openai/gpt-4o"}
    s = by_id["anthropic/claude-sonnet-4-5"]
    assert (s.input, s.output, s.cached_input, s.cache_write_5m, s.cache_write_1h) == pytest.approx(
        (3, 15, 0.3, 3.75, 6)
    )
    assert s.long_context_threshold == 200_000 and s.long_input == pytest.approx(6)
    assert s.long_cache_write_5m == pytest.approx(7.5) and s.batch_output == pytest.approx(7.5)
    assert s.date == dt.date(2026, 11, 12) and "anthropic.com" in s.source
    assert skipped["not a chat/completion model"] == 1 and skipped["no input or output price"] == 1
    assert sum(v for k, v in skipped.items() if k.startswith("invalid")) == 1
    # the imported price bills like the shipped one
    shipped = provider_scheme("anthropic/claude-sonnet-4.5", as_of=dt.date(2025, 10, 5))  # the tier's period
    imported = scheme_for(s)
    for args in ((1_000, 100, 500, 200), (250_000, 1_000, 10_000, 5_000)):
        assert revenue(imported, *args) == pytest.approx(revenue(shipped, *args))
    with pytest.raises(CostModelError, match="not a readable LiteLLM price JSON"):
        bad = tmp_path / "bad.json"
        bad.write_text("{", encoding="utf-8")
        import_litellm(bad, as_of="2026-11-12")


# ----------------------------------------------------------------------------- validity periods (issue 14)
def test_every_shipped_row_carries_a_validity_period_and_histories_do_not_overlap():
    rows = load_price_history()
    for p in rows:
        assert p.valid_from is not None, p.id
        assert p.valid_from <= p.date or p.valid_until is not None, p.id
    # the stale rows of shared/reference/pricing-semantics.md, fixed
    sonnet = price_history("anthropic/claude-sonnet-4.5")
    assert [(p.valid_from, p.valid_until, p.long_context_threshold) for p in sonnet] == [
        (dt.date(2025, 9, 29), dt.date(2026, 4, 30), 200_000),
        (dt.date(2026, 4, 30), None, None),
    ]
    assert provider_price("anthropic/claude-sonnet-4.5").long_context_threshold is None
    assert (provider_price("anthropic/claude-opus-5.5").batch_input,
            provider_price("anthropic/claude-opus-5.5").batch_output) == (2, 10)
    assert (provider_price("anthropic/claude-haiku-5.5").batch_input,
            provider_price("anthropic/claude-haiku-5.5").batch_output) == (0.05, 0.25)
    assert provider_price("deepseek/deepseek-chat").valid_until == dt.date(2026, 7, 24)
    assert provider_price("fireworks/llama-3.1-8b-instruct").input == 0.20
    for pid in ("mistral/open-mixtral-8x22b", "mistral/open-mixtral-8x7b"):
        assert provider_price(pid).valid_until == dt.date(2025, 3, 30)
    assert provider_price("mistral/mistral-large-2411").valid_until is not None
    for p in list_provider_prices():
        if p.provider == "fireworks":
            assert p.cached_input == pytest.approx(p.input / 2), p.id


def test_prices_as_of_a_date():
    ids = lambda day: {p.id for p in prices_as_of(day)}  # noqa: E731
    assert "mistral/open-mixtral-8x22b" in ids("2025-01-01")
    assert "mistral/open-mixtral-8x22b" not in ids("2025-03-30")  # retired that day
    assert "deepseek/deepseek-chat" in ids("2026-07-23") and "deepseek/deepseek-chat" not in ids("2026-07-24")
    old = next(p for p in prices_as_of("2026-01-01") if p.id == "anthropic/claude-sonnet-4.5")
    new = next(p for p in prices_as_of("2026-06-01") if p.id == "anthropic/claude-sonnet-4.5")
    assert (old.long_context_threshold, new.long_context_threshold) == (200_000, None)
    with pytest.raises(CostModelError, match="unknown provider price on 2020-01-01"):
        provider_price("anthropic/claude-sonnet-4.5", as_of=dt.date(2020, 1, 1))


def test_a_later_period_of_the_same_id_is_history_not_a_duplicate(tmp_path):
    text = ("rows:\n"
            "  - {provider: acme, model: m1, input: 2, output: 4, date: 2026-01-01, source: here,"
            " valid_from: 2025-01-01, valid_until: 2026-01-01}\n"
            "  - {provider: acme, model: m1, input: 1, output: 2, date: 2026-01-01, source: here,"
            " valid_from: 2026-01-01}\n")
    p = tmp_path / "h.yaml"
    p.write_text(text, encoding="utf-8")
    assert len(load_price_history(p)) == 2
    assert load_prices(p)["acme/m1"].input == 1
