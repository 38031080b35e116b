"""Fuzzing ``python -m costmodel estimate`` with random and adversarial argv (hypothesis).

Contract (costmodel/cli/app.py, the one error policy of every verb): bad input exits with code 2 and exactly one line on stderr
(``error: ...``), never a traceback; good input exits 0. Most cases run in-process through
``costmodel.cli.main(argv)`` for speed; a few go through a real subprocess.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel import load_catalog
from costmodel.cli.main import main

REPO = Path(__file__).resolve().parents[1]
CAT = load_catalog()
MODELS = sorted(CAT.models)
GPUS = sorted(CAT.gpus)

INT_FLAGS = ("--gpus", "--tensor-parallel", "--weight-bits", "--kv-bits", "--prompt-tokens", "--output-tokens",
             "--experts-total", "--experts-active", "--spec-draft-tokens", "--max-batch-size", "--max-num-tokens")
FLOAT_FLAGS = ("--cache-hit-rate", "--gpu-hourly-usd", "--spec-acceptance", "--spec-draft-cost-ratio",
               "--prefill-mfu", "--decode-mfu", "--decode-mbu", "--memory-utilization", "--step-overhead-ms",
               "--comm-efficiency")
TEXT_FLAGS = ("--compute-dtype", "--concurrency")
SWITCHES = ("--no-flash-attention", "--no-paged-kv", "--no-prefix-caching", "--json")

# Values no flag of `estimate` accepts (every numeric field has a lower bound >= 0 and an upper bound
# below 10^30; none of them is a word).
ALWAYS_INVALID = (
    "nan", "NaN", "inf", "-inf", "Infinity", "abc", "", " ", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "1e30", "10^30", "1" + "0" * 30, "-1", "-1e30", "0x10", "1,000",
    "ünïcödé", "模型", "🙂", "None", "null", "true", "'; DROP TABLE x; --", "9" * 5000,
)
# Printable text without line breaks: str.splitlines() splits on \n, \r, \v, \f, \x1c-\x1e, \x85, \u2028/9.
ONE_LINE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"), max_size=40
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def assert_one_line_error(rc: int, out: str, err: str, argv: list[str]) -> None:
    assert rc == 2, (rc, argv, err)
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
    assert len(err) < 20_000 or "9" * 5000 in " ".join(argv), "error messages stay readable"


def _numeric_value(flag: str):
    if flag in INT_FLAGS:
        ok = st.integers(-5, 5000).map(str)
    else:
        ok = st.floats(-1, 2000, allow_nan=False).map(repr)
    return st.one_of(ok, st.sampled_from(ALWAYS_INVALID).map(lambda v: ("!", v)), ONE_LINE_TEXT)


@st.composite
def estimate_argv(draw):
    """argv for `estimate`: model/gpu valid or not, then a random subset of flags with random values.

    Returns (argv, must_fail): must_fail when a value from ALWAYS_INVALID or an unknown id was used.
    """
    must_fail = False
    argv = ["estimate"]
    for flag, ids in (("--model", MODELS), ("--gpu", GPUS)):
        choice = draw(st.one_of(st.sampled_from(ids), st.sampled_from(ALWAYS_INVALID), ONE_LINE_TEXT,
                                st.just(None)))
        if choice is None:
            must_fail = True  # a required flag is missing
            continue
        must_fail |= choice not in ids
        argv += [flag, choice]
    flags = draw(st.lists(st.sampled_from(INT_FLAGS + FLOAT_FLAGS + TEXT_FLAGS), max_size=6, unique=True))
    for flag in flags:
        if flag == "--compute-dtype":
            value = draw(st.one_of(st.sampled_from(["bf16", "fp8", "fp4"]), st.sampled_from(ALWAYS_INVALID),
                                   ONE_LINE_TEXT))
            must_fail |= value not in ("bf16", "fp8", "fp4")
        elif flag == "--concurrency":
            value = draw(st.one_of(st.just("max"), st.integers(-3, 20_000_000).map(str),
                                   st.sampled_from(ALWAYS_INVALID)))
            must_fail |= value in ALWAYS_INVALID
        else:
            value = draw(_numeric_value(flag))
            if isinstance(value, tuple):
                must_fail, value = True, value[1]
        if value.startswith("-") or not value.strip() or draw(st.booleans()):
            argv.append(f"{flag}={value}")  # a value starting with '-' needs this form
        else:
            argv += [flag, value]
    argv += draw(st.lists(st.sampled_from(SWITCHES), max_size=2, unique=True))
    return argv, must_fail


@FUZZ
@given(estimate_argv())
def test_random_estimate_argv_exits_0_or_2_with_one_error_line(case):
    argv, must_fail = case
    rc, out, err = run_cli(argv)
    assert "Traceback" not in err and "Traceback" not in out
    if must_fail or rc != 0:
        assert_one_line_error(rc, out, err, argv)
    else:
        assert out.strip(), argv


@pytest.mark.parametrize("value", ALWAYS_INVALID)
@pytest.mark.parametrize("flag", INT_FLAGS + FLOAT_FLAGS + TEXT_FLAGS)
@pytest.mark.parametrize("verb", [["estimate"], ["price", "--workload", "chat"]])
def test_every_flag_rejects_every_adversarial_value(verb, flag, value):
    """``estimate`` and ``price`` share the generated scenario flags, so both reject the same values."""
    argv = [*verb, "--model", "llama-3.1-8b", "--gpu", "h100-sxm", f"{flag}={value}"]
    assert_one_line_error(*run_cli(argv), argv)


@pytest.mark.parametrize("flag,valid", [("--model", MODELS), ("--gpu", GPUS)])
@pytest.mark.parametrize("value", ["no-such-id", "", "LLAMA-3.1-8B", "<script>alert(1)</script>", "../../etc/passwd",
                                   "h100-sxm ", "模型"])
def test_unknown_ids_name_the_valid_choices(flag, valid, value):
    argv = ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", f"{flag}={value}"]
    rc, out, err = run_cli(argv)
    assert_one_line_error(rc, out, err, argv)
    assert valid[0] in err and valid[-1] in err, err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["estimate"],
        ["nonsense"],
        ["estimate", "--model"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--bogus", "1"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "stray"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--spec-acceptance", "0.5"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--experts-total", "256"],  # dense model
        ["estimate", "--model", "mixtral-8x7b", "--gpu", "h100-sxm", "--experts-total", "4",
         "--experts-active", "8"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurrency", "0"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurrency", "10000001"],
        ["list", "nothing"],
    ],
)
def test_structural_mistakes_exit_2_with_one_line(argv):
    assert_one_line_error(*run_cli(argv), argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--compute-dtype", "bf16\nsecond line"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "stray\nsecond line"],
    ],
)
def test_a_value_with_a_line_break_still_gives_one_error_line(argv):
    """Regression (found here, fixed in b10751b): the value used to be echoed raw, over two lines."""
    assert_one_line_error(*run_cli(argv), argv)


@pytest.mark.parametrize(
    "extra",
    [
        ["--gpus", "nan"],
        ["--prompt-tokens", "1" + "0" * 30],
        ["--cache-hit-rate=-inf"],
        ["--compute-dtype", "<script>alert(1)</script>"],
    ],
)
def test_subprocess_bad_input_exits_2_with_one_line_and_no_traceback(extra):
    argv = ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", *extra]
    proc = subprocess.run([sys.executable, "-m", "costmodel", *argv], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("error: "), proc.stderr
    assert proc.stdout == ""


def test_subprocess_unknown_model_exits_2():
    proc = subprocess.run([sys.executable, "-m", "costmodel", "estimate", "--model", "gpt-99", "--gpu", "h100-sxm"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "gpt-99" in proc.stderr
