"""``python -m costmodel price``: JSON shape, readable table, exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from costmodel.cli.main import main
from costmodel.pricing.billing import SCHEMES

BASE = ["price", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--gpus", "1"]


def run_json(capsys, *args):
    assert main([*BASE, *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_shape_for_a_trace(capsys):
    data = run_json(capsys, "--workload", "azure-2023-code")
    w = data["workload"]
    assert {
        "requests",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "prefix_cache_hit_rate",
        "skipped_rows",
    } <= set(w)
    assert w["requests"] == 8_819 and w["input_tokens"] == 18_059_974 and w["output_tokens"] == 245_896
    assert [s["scheme"] for s in data["schemes"]] == list(SCHEMES)
    for s in data["schemes"]:
        assert {
            "scheme",
            "params",
            "revenue_usd",
            "cost_usd",
            "margin_usd",
            "margin_pct",
            "loss_request_share",
            "bill_cv",
            "refused_requests",
        } <= set(s)
        assert s["margin_usd"] == pytest.approx(s["revenue_usd"] - s["cost_usd"])
        assert s["cost_usd"] > 0
    flat = data["schemes"][0]
    assert flat["params"] == {"input_usd_per_m": 0.88, "output_usd_per_m": 0.88}
    sub = next(s for s in data["schemes"] if s["scheme"] == "subscription")
    assert set(sub["params"]) >= {"monthly_fee_usd", "allowance", "allowance_unit", "window", "over_limit"}
    assert data["break_even"]["zero_margin"]["input_usd_per_m"] > 0


def test_scheme_selection_params_and_provider_price(capsys):
    data = run_json(
        capsys,
        "--workload",
        "chat",
        "--users",
        "30",
        "--scheme",
        "flat",
        "subscription",
        "--param",
        "subscription.over_limit=hard-cap",
        "--param",
        "subscription.allowance=20000",
        "--provider-price",
        "openai/gpt-4.1:batch",
    )
    names = [s["scheme"] for s in data["schemes"]]
    assert names == ["flat", "subscription", "provider:openai/gpt-4.1 (batch)"]
    sub = data["schemes"][1]
    assert sub["params"]["over_limit"] == "hard-cap" and sub["params"]["allowance"] == 20000
    assert sub["refused_requests"] > 0


def test_user_log_and_readable_table(tmp_path, capsys):
    p = tmp_path / "usage.csv"
    pd.DataFrame(
        {"prompt_tokens": [1000, 2000, -1], "completion_tokens": [100, 200, 5], "user": ["a", "b", "a"]}
    ).to_csv(p, index=False)
    assert main([*BASE, "--workload", str(p)]) == 0
    out = capsys.readouterr().out
    assert "2 requests" in out and "1 rows skipped" in out and "negative prompt tokens" in out
    assert "cached-input" in out and "break-even flat price" in out
    data = run_json(capsys, "--workload", str(p))
    assert data["workload"]["skipped_rows"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workload", "nope"], "unknown workload 'nope'"),
        (["--workload", "chat", "--scheme", "flatt"], "unknown scheme 'flatt'"),
        (["--workload", "chat", "--param", "flat.input_usd_per_m=-1"], "input_usd_per_m"),
        (["--workload", "chat", "--param", "bogus"], "expected SCHEME.NAME=VALUE"),
        (["--workload", "chat", "--provider-price", "acme/x"], "unknown provider price 'acme/x'"),
        (["--workload", "chat", "--engine", "dask"], "Parquet"),
        (["--workload", "chat", "--user-scale", "0.5"], "user scale must be between 1 and 10,000,000"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    assert main([*BASE, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_model_and_strict_log(tmp_path, capsys):
    assert main(["price", "--workload", "chat", "--model", "nope", "--gpu", "h100-sxm"]) == 2
    assert "unknown model 'nope'" in capsys.readouterr().err
    p = tmp_path / "bad.csv"
    p.write_bytes(b"prompt_tokens,completion_tokens\n10,1\n5,abc\n")
    assert main([*BASE, "--workload", str(p), "--strict"]) == 2
    assert "row 2: column 'completion_tokens'" in capsys.readouterr().err


def test_module_entry_point():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "costmodel",
            *BASE,
            "--workload",
            "azure-2023-conv",
            "--scheme",
            "flat",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout)["workload"]["requests"] == 19_366


def test_provider_price_suffixes_batch_and_1h(capsys, tmp_path):
    # an Anthropic usage log with 5-minute and 1-hour writes (usage.cache_creation.ephemeral_*_input_tokens)
    rec = {"usage": {"input_tokens": 1_000, "cache_creation_input_tokens": 30_000, "output_tokens": 500,
                     "cache_creation": {"ephemeral_5m_input_tokens": 10_000, "ephemeral_1h_input_tokens": 20_000}}}
    log = tmp_path / "a.jsonl"
    log.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    out = run_json(capsys, "--workload", str(log), "--provider-price", "anthropic/claude-sonnet-4.5",
                   "--provider-price", "anthropic/claude-sonnet-4.5:batch:1h")
    by_name = {s["scheme"]: s["revenue_usd"] for s in out["schemes"]}
    assert by_name["provider:anthropic/claude-sonnet-4.5"] == pytest.approx(
        (1_000 * 3 + 10_000 * 3.75 + 20_000 * 6 + 500 * 15) / 1e6)
    assert by_name["provider:anthropic/claude-sonnet-4.5 (batch)"] == pytest.approx(
        (1_000 * 3 + 30_000 * 6 + 500 * 15) / 2e6)
    assert main([*BASE, "--workload", "chat", "--provider-price", "gpt-4.1:1h"]) == 2
    assert "expected PROVIDER/MODEL[:batch][:1h]" in capsys.readouterr().err


def test_user_scale_multiplies_every_total_of_a_preset(capsys):
    """--users 20 --user-scale 10: ten identical copies of each of 20 users, against the 20 alone."""
    one = run_json(capsys, "--workload", "chat", "--users", "20", "--seed", "3")
    many = run_json(capsys, "--workload", "chat", "--users", "20", "--seed", "3", "--user-scale", "10")
    for key in ("requests", "input_tokens", "output_tokens", "cached_input_tokens"):
        assert many["workload"][key] == 10 * one["workload"][key], key
    for a, b in zip(one["schemes"], many["schemes"], strict=True):
        assert b["revenue_usd"] == pytest.approx(10 * a["revenue_usd"], rel=1e-12), a["scheme"]
        assert b["cost_usd"] == pytest.approx(10 * a["cost_usd"], rel=1e-12), a["scheme"]
        assert b["user_months"] == 10 * a["user_months"]
    assert "each user stands for 10 real users (identical copies)" in many["workload"]["notes"]


def test_a_synthetic_presets_fleet_is_sized_for_its_flat_month_unless_told_otherwise(capsys):
    """A preset's requests are spread evenly over the month, so its fleet is sized for a flat day, as the app does:
    sized from 100 users' hourly counts (busiest hour ~4x the average, sampling noise that --user-scale's copies
    keep) the same 500,000 users needed three times the GPUs. An explicit --load-shape timestamps still gets them."""
    args = ("--workload", "chat", "--users", "100", "--user-scale", "5000", "--gpu-billing", "on-demand")
    flat = run_json(capsys, *args)
    explicit_flat = run_json(capsys, *args, "--load-shape", "flat")
    counts = run_json(capsys, *args, "--load-shape", "timestamps")
    assert flat["fleet"]["gpus_provisioned"] == explicit_flat["fleet"]["gpus_provisioned"]
    assert flat["fleet"]["load_shape"]["peak_to_average"] == pytest.approx(1.0)
    assert counts["fleet"]["load_shape"]["peak_to_average"] > 2
    assert counts["fleet"]["gpus_provisioned"] > flat["fleet"]["gpus_provisioned"]


def test_user_scale_is_refused_for_a_streamed_log(tmp_path, capsys):
    p = tmp_path / "log.csv"
    p.write_bytes(b"prompt_tokens,completion_tokens\n10,1\n")
    assert main([*BASE, "--workload", str(p), "--user-scale", "3"]) == 2
    assert "--user-scale needs the workload in memory" in capsys.readouterr().err
