"""The scenario's command line is generated from Scenario: every field has a flag, ``--help`` shows units
and defaults, ``estimate`` and ``price`` take the same flags, and every verb follows one error policy."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from costmodel.cli import main
from costmodel.cli.args import add_scenario_flags, argument_kind, flag_name
from costmodel.cli.main import build_parser
from costmodel.engine.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
IDS = ["--model", "llama-3.1-8b", "--gpu", "h100-sxm"]


def subparser(verb: str) -> argparse.ArgumentParser:
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return actions[0].choices[verb]


def flags_of(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def help_of(verb: str) -> str:
    return " ".join(subparser(verb).format_help().split())  # one line: argparse wraps at the terminal width


@pytest.mark.parametrize("verb", ["estimate", "price"])
def test_every_scenario_field_has_a_flag(verb):
    """Fails when a field is added to Scenario and the generator does not give it a flag."""
    flags = flags_of(subparser(verb))
    missing = [name for name in Scenario.model_fields if flag_name(name) not in flags]
    assert not missing, f"Scenario fields without a `{verb}` flag: {missing}"


def test_estimate_and_price_accept_the_same_scenario_flags():
    scenario = {flag_name(n) for n in Scenario.model_fields} | {
        "--no-" + n.replace("_", "-") for n, f in Scenario.model_fields.items() if f.annotation is bool
    }
    assert scenario <= flags_of(subparser("estimate")) and scenario <= flags_of(subparser("price"))


def test_every_existing_flag_spelling_still_parses():
    """The hand-written flags of the earlier CLI (tests/test_fuzz_cli.py lists them) keep working."""
    old = ["--no-flash-attention", "--no-paged-kv", "--no-prefix-caching", "--tensor-parallel", "--gpu-hourly-usd",
           "--spec-draft-cost-ratio", "--max-num-tokens", "--step-overhead-ms", "--comm-efficiency"]
    assert set(old) <= flags_of(subparser("estimate")) and set(old) <= flags_of(subparser("price"))


@pytest.mark.parametrize(
    "fragment",
    [
        "--gpus N GPUs in the deployment; 1 <= value <= 4,096; default: 8",
        "--prompt-tokens N input (prompt) length, tokens per request; 1 <= value <= 10,000,000; default: 2048",
        "--step-overhead-ms X fixed time per engine step (milliseconds)",
        "--gpu-hourly-usd X USD per GPU-hour",
        "--weight-bits {4,8,16} weight precision, bits per weight; default: 16",
        "--concurrency N|max",
        "--flash-attention, --no-flash-attention fused attention",
        "--model ID model id from the catalog (see `list models`); required",
    ],
)
@pytest.mark.parametrize("verb", ["estimate", "price"])
def test_help_shows_units_bounds_and_defaults(verb, fragment):
    assert fragment in help_of(verb)


def test_help_default_is_the_scenario_default():
    """The default in --help is read from Scenario, so changing it there changes the help."""
    text = help_of("estimate").split("scenario: ", 1)[1]  # the flag list, not the usage line
    for name in ("gpus", "prompt_tokens", "output_tokens", "max_batch_size", "spec_draft_cost_ratio"):
        assert f"default: {Scenario.model_fields[name].default}" in text.split(flag_name(name) + " ", 1)[1][:300]


def test_a_new_field_gets_a_flag_without_an_edit(monkeypatch):
    """A field added to Scenario later (here a stand-in model) is on the command line automatically."""
    from pydantic import Field, create_model

    Wider = create_model("Wider", __base__=Scenario, rack_power_kw=(float | None, Field(None, gt=0,
                         description="power per rack (kW)")), use_nvlink=(bool, Field(True, description="x")))
    monkeypatch.setattr("costmodel.cli.args.Scenario", Wider)
    parser = argparse.ArgumentParser()
    add_scenario_flags(parser)
    args = parser.parse_args(["--model", "m", "--gpu", "g", "--rack-power-kw", "12.5", "--no-use-nvlink"])
    assert args.rack_power_kw == 12.5 and args.use_nvlink is False
    assert "power per rack (kW); 0 < value; default: None" in " ".join(parser.format_help().split())


def test_a_field_of_unknown_type_is_a_loud_error():
    from pydantic.fields import FieldInfo

    with pytest.raises(TypeError, match="no command-line type"):
        argument_kind("shape", FieldInfo(annotation=dict[str, int], default={}))


def test_boolean_flags_turn_on_and_off(capsys):
    assert main(["estimate", *IDS, "--no-prefix-caching", "--prefix-caching", "--no-paged-kv", "--json"]) == 0
    scenario = json.loads(capsys.readouterr().out)["scenario"]
    assert scenario["prefix_caching"] is True and scenario["paged_kv"] is False


def test_price_takes_the_efficiency_and_request_flags(capsys):
    """Before the generator, price knew only 7 scenario flags; now a slower decode costs more to serve."""
    base = ["price", *IDS, "--gpus", "1", "--workload", "chat", "--scheme", "flat", "--json"]
    assert main(base) == 0
    fast = json.loads(capsys.readouterr().out)
    assert main([*base, "--decode-mbu", "0.2", "--no-flash-attention"]) == 0
    slow = json.loads(capsys.readouterr().out)
    assert slow["schemes"][0]["cost_usd"] > fast["schemes"][0]["cost_usd"]


@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", *IDS, "--gpus", "0"],
        ["estimate", *IDS, "--decode-mbu", "nan"],
        ["estimate", *IDS, "--flash-attention=yes"],
        ["price", *IDS, "--workload", "chat", "--gpus", "many"],
        ["price", *IDS, "--workload", "chat", "--weight-bits", "3"],
        ["price", *IDS, "--workload", "chat", "--target-margin", "inf"],
        ["price", "--model", "nope", "--gpu", "h100-sxm", "--workload", "chat"],
        ["price", *IDS, "--workload", "chat", "--spec-acceptance", "0.5"],
        ["price", *IDS],
        ["list", "tpus"],
        ["list", "gpus", "--json", "extra"],
        ["calibrate", "--bogus"],
        ["import-hf", "/no/such/config.json", "--id", "x"],
        ["import-hf", "config.json"],
        ["import-hf", "/no/such/config.json", "--id", "x", "--total-b", "lots"],
        ["no-such-verb"],
    ],
)
def test_every_verb_bad_input_is_one_error_line_and_exit_2(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err


def test_import_hf_verb_and_its_old_spelling(tmp_path):
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({
        "model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 1000, "max_position_embeddings": 2048,
    }))
    for cmd in (["-m", "costmodel", "import-hf"], ["-m", "costmodel.catalog.hf_import"]):
        done = subprocess.run([sys.executable, *cmd, str(cfg), "--id", "tiny"], cwd=REPO, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "id: tiny" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "costmodel.catalog.hf_import", str(cfg)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.splitlines()) == 1
