"""The CLI as a user runs it: python -m costmodel ..."""

import json
import subprocess
import sys

import pytest

from costmodel.cli.main import main

REQUIRED_KEYS = {
    "weights_bytes", "kv_bytes_per_token", "max_concurrency", "concurrency", "fits", "ttft_seconds", "tpot_seconds",
    "prefill_tokens_per_second", "decode_tokens_per_second", "output_tokens_per_second",
    "usd_per_million_input_tokens", "usd_per_million_cached_input_tokens", "usd_per_million_output_tokens",
    "usd_per_request", "prefill_bound", "decode_bound",
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_estimate_json_has_every_documented_key(capsys):
    code, out, _ = run(capsys, "estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "8",
                       "--weight-bits", "8", "--kv-bits", "8", "--prompt-tokens", "4096", "--output-tokens", "512",
                       "--cache-hit-rate", "0.5", "--concurrency", "64", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) >= REQUIRED_KEYS
    assert data["prefill_bound"] in {"compute", "memory"} and data["decode_bound"] in {"compute", "memory"}
    assert data["concurrency"] == 64 and data["kv_bytes_per_token"] == 163_840


def test_estimate_table_is_readable(capsys):
    code, out, _ = run(capsys, "estimate", "--model", "mixtral-8x7b", "--gpu", "h200", "--experts-active", "1")
    assert code == 0 and "usd_per_million_output_tokens" in out and "mixtral-8x7b on 8 x h200" in out


def test_flags_reach_the_scenario(capsys):
    base = json.loads(run(capsys, "estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--json")[1])
    slow = json.loads(run(capsys, "estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--json",
                          "--no-flash-attention", "--no-paged-kv", "--gpu-hourly-usd", "10")[1])
    assert slow["scenario"]["flash_attention"] is False and slow["scenario"]["paged_kv"] is False
    assert slow["usd_per_request"] > base["usd_per_request"]
    spec = json.loads(run(capsys, "estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--json",
                          "--concurrency", "1", "--spec-acceptance", "0.8", "--spec-draft-tokens", "4")[1])
    assert spec["spec_tokens_per_step"] > 3


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--model", "gpt-9", "--gpu", "h100-sxm"], "valid choices: deepseek-r1-distill-qwen-32b, deepseek-v3"),
        (["--model", "llama-3.1-8b", "--gpu", "tpu-v9"], "unknown gpu 'tpu-v9'"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--prompt-tokens", "-3"], "--prompt-tokens -3"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--cache-hit-rate", "1.2"], "--cache-hit-rate 1.2"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--gpus", "0"], "--gpus 0"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--weight-bits", "3"], "--weight-bits 3"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurrency", "lots"], "whole number or 'max'"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--cache-hit-rate", "nan"], "finite"),
        (["--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--experts-active", "2"], "dense"),
        (["--gpu", "h100-sxm"], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    code, out, err = run(capsys, "estimate", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_model_that_does_not_fit_is_a_result(capsys):
    code, out, _ = run(capsys, "estimate", "--model", "llama-3.1-405b", "--gpu", "l4", "--gpus", "1", "--json")
    assert code == 0 and json.loads(out)["fits"] is False


def test_list_gpus_and_models(capsys):
    code, out, _ = run(capsys, "list", "gpus", "--json")
    ids = {g["id"] for g in json.loads(out)}
    assert {"a100-sxm-80gb", "h100-sxm", "h100-pcie", "h200", "h800", "b200", "gb200", "l40s", "l4", "mi300x",
            "mi325x"} <= ids
    code, out, _ = run(capsys, "list", "models")
    assert code == 0 and "deepseek-v3" in out and "total_params_b" in out


def test_calibrate_prints_cases_and_median(capsys):
    code, out, _ = run(capsys, "calibrate")
    assert code == 0 and "median absolute error" in out and "trt_perf_llama31_8b_h100_tp1_128_128" in out


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "costmodel", "list", "models", "--json"], capture_output=True,
                          text=True, check=True)
    assert json.loads(done.stdout)
