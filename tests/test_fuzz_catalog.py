"""Fuzzing a user's own catalog entries: GPU/model YAML files and Hugging Face config.json (hypothesis).

tests/test_catalog.py and tests/test_hf_import.py check one hand-written bad file per problem. Here
every field of every shipped entry is dropped or set to junk, files are corrupted at the text level,
whole user data directories are loaded, and config.json files are mutated key by key.

Contract: a bad file raises ``CatalogError`` whose message names the file and whose ``field`` names
the field (or ``(file)`` for a file that is not a YAML/JSON mapping); never another exception type.
A file that validates must also be usable: the engine gives finite, non-negative numbers with it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel import CostModelError, Scenario, estimate
from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.hardware import GPU
from costmodel.catalog.hf_import import model_from_hf_config
from costmodel.catalog.loader import DATA_DIR, clear_cache, load_catalog, load_entry_file
from costmodel.engine.energy import ENERGY_RESULT_KEYS
from costmodel.errors import CatalogError

GPU_FILES = sorted((DATA_DIR / "gpus").glob("*.yaml"))
MODEL_FILES = sorted((DATA_DIR / "models").glob("*.yaml"))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JUNK = st.one_of(
    st.none(),
    st.sampled_from(["", "abc", "<script>alert(1)</script>", "1e400", "nan", "-1", "2026-13-45", "ünï"]),
    st.sampled_from([0, -1, 10**30, 0.0, -0.5, 1e-300, 1e300, True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    st.text(max_size=30),
)



@pytest.fixture(autouse=True)
def _fresh_catalog(monkeypatch):
    monkeypatch.delenv("COSTMODEL_DATA_DIRS", raising=False)
    clear_cache()
    yield
    clear_cache()


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(directory: Path, kind: str, entry_id: str, text: str | bytes) -> Path:
    sub = directory / ("gpus" if kind == "gpu" else "models")
    sub.mkdir(parents=True, exist_ok=True)
    path = sub / f"{entry_id}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _check_catalog_error(exc: CatalogError, path: Path) -> None:
    assert str(path) in str(exc), f"the message must name the file: {exc}"
    assert exc.field and exc.problem, exc


def _check_usable(kind: str, entry, directory: Path) -> None:
    """A custom entry that validates must give finite, non-negative engine output (or a CostModelError)."""
    catalog = load_catalog([directory], reload=True)
    s = Scenario(gpu=entry.id, gpus=8) if kind == "gpu" else Scenario(model=entry.id, gpus=8)
    try:
        r = estimate(s, catalog)
    except CostModelError:
        return
    unpowered = set(ENERGY_RESULT_KEYS) if catalog.gpu(s.gpu).tdp_w is None else set()  # energy needs a TDP
    for key, value in r.to_dict().items():
        if isinstance(value, int | float) and not isinstance(value, bool) and key not in unpowered:
            assert math.isfinite(value) and value >= 0, (key, value, entry.id)


# ----------------------------------------------------------------------------- YAML entries
@st.composite
def mutated_entries(draw):
    """(kind, original id, mutated mapping, what was done, the field touched)."""
    kind = draw(st.sampled_from(["gpu", "model"]))
    path = draw(st.sampled_from(GPU_FILES if kind == "gpu" else MODEL_FILES))
    data = _load_yaml(path)
    cls = GPU if kind == "gpu" else ModelArchitecture
    op = draw(st.sampled_from(["drop", "junk", "junk", "extra", "scale"]))
    field = draw(st.sampled_from(sorted(cls.model_fields) if op != "drop" else sorted(data)))
    if field == "id":
        op = "drop" if op == "drop" else "junk"
    if op == "drop":
        data.pop(field, None)
    elif op == "junk":
        data[field] = draw(JUNK)
    elif op == "extra":
        field = draw(st.sampled_from(["bandwith", "memory", "Memory_GB", "__class__", "x"]))
        data[field] = draw(JUNK)
    else:  # scale a numeric field: a plausible custom entry, possibly extreme but maybe valid
        numeric = sorted(k for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool))
        field = draw(st.sampled_from(numeric))
        factor = draw(st.sampled_from([0.0, 1e-6, 0.01, 0.5, 2.0, 100.0, 1e6]))
        value = data[field] * factor
        data[field] = int(value) if isinstance(data[field], int) else value
    return kind, path.stem, data, op, field


@FUZZ
@given(mutated_entries())
def test_mutated_entries_load_or_name_file_and_field(case):
    kind, entry_id, data, op, field = case
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), kind, entry_id, _dump(data))
        try:
            entry = load_entry_file(path, kind)
        except CatalogError as exc:
            _check_catalog_error(exc, path)
            required = {n for n, f in (GPU if kind == "gpu" else ModelArchitecture).model_fields.items()
                        if f.is_required()}
            if op == "drop" and field in required:
                assert exc.field == field and "missing" in exc.problem, exc
            if op == "extra":
                assert exc.field == field and "unknown field" in exc.problem, exc
            return
        assert op not in ("extra",), f"an unknown field {field!r} was accepted"
        _check_usable(kind, entry, Path(tmp))


@pytest.mark.parametrize("path", GPU_FILES + MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_required_field_of_every_entry_is_named_when_missing(path):
    kind = "gpu" if path.parent.name == "gpus" else "model"
    cls = GPU if kind == "gpu" else ModelArchitecture
    data = _load_yaml(path)
    with tempfile.TemporaryDirectory() as tmp:
        for field, info in cls.model_fields.items():
            if not info.is_required() or field not in data:
                continue
            target = _write(Path(tmp), kind, path.stem, _dump({k: v for k, v in data.items() if k != field}))
            with pytest.raises(CatalogError) as err:
                load_entry_file(target, kind)
            _check_catalog_error(err.value, target)
            assert err.value.field == field, (field, str(err.value))


@pytest.mark.parametrize("field", ["memory_bandwidth_tb_s", "memory_gb", "hourly_usd", "interconnect_gb_s"])
@pytest.mark.parametrize("value", [0, -1, "fast", None, [1], float("nan")])
def test_gpu_numbers_that_make_no_sense_are_rejected_by_name(field, value, tmp_path):
    data = _load_yaml(DATA_DIR / "gpus" / "h100-sxm.yaml")
    data[field] = value
    path = _write(tmp_path, "gpu", "h100-sxm", _dump(data))
    with pytest.raises(CatalogError) as err:
        load_entry_file(path, "gpu")
    _check_catalog_error(err.value, path)
    assert err.value.field == field


TEXT_CORRUPTIONS = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from([
        "", "   ", "---\n", "key: [unclosed", "\tid: tabbed", "- a\n- b\n", "42", "null", "!!python/object:os.system x",
        "!!python/name:os.system", "a: &x [*x]", "id: h100-sxm\nid: h100-sxm\n", "{{{{", "\x00\x01\x02",
        "a: " + "[" * 500, "x: " + "&a " + "y" * 10_000,
    ]),
)


@FUZZ
@given(st.sampled_from(["gpu", "model"]), TEXT_CORRUPTIONS, st.booleans())
def test_text_that_is_not_a_valid_entry_is_a_catalog_error(kind, text, as_bytes):
    with tempfile.TemporaryDirectory() as tmp:
        raw = text.encode("latin-1" if as_bytes and all(ord(c) < 256 for c in text) else "utf-8")
        path = _write(Path(tmp), kind, "custom", raw)
        with pytest.raises(CatalogError) as err:
            load_entry_file(path, kind)
        _check_catalog_error(err.value, path)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00garbage", "id: x\nname: \xe9\n".encode("latin-1"), b"!!python/object/apply:os.system ['echo hi']"],
)
def test_binary_and_python_tags_are_refused(content, tmp_path):
    path = _write(tmp_path, "gpu", "custom", content)
    with pytest.raises(CatalogError) as err:
        load_entry_file(path, "gpu")
    _check_catalog_error(err.value, path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_entries())
def test_a_user_data_directory_with_a_bad_entry_names_it(case):
    """load_catalog(extra_dirs=...) with one (possibly bad) user file beside the shipped catalog."""
    kind, entry_id, data, _op, _field = case
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), kind, entry_id, _dump(data))
        try:
            catalog = load_catalog([tmp], reload=True)
        except CatalogError as exc:
            _check_catalog_error(exc, path)
            return
        assert catalog.file_of(kind, entry_id) == str(path)


def test_a_missing_or_unreadable_user_directory_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog([tmp_path / "nope"], reload=True)
    (tmp_path / "gpus").mkdir()
    (tmp_path / "gpus" / "odd.yaml").mkdir()  # a directory where a file should be
    with pytest.raises(CatalogError) as err:
        load_catalog([tmp_path], reload=True)
    assert "odd.yaml" in str(err.value)


# ----------------------------------------------------------------------------- config.json
BASE_CONFIGS = {
    "llama": {
        "model_type": "llama", "num_hidden_layers": 4, "hidden_size": 256, "num_attention_heads": 8,
        "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 1000, "max_position_embeddings": 4096,
    },
    "mixtral": {
        "model_type": "mixtral", "num_hidden_layers": 4, "hidden_size": 256, "num_attention_heads": 8,
        "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 1000, "max_position_embeddings": 4096,
        "num_local_experts": 8, "num_experts_per_tok": 2,
    },
    "deepseek": {
        "model_type": "deepseek_v3", "num_hidden_layers": 4, "hidden_size": 256, "num_attention_heads": 8,
        "num_key_value_heads": 8, "intermediate_size": 512, "moe_intermediate_size": 64, "vocab_size": 1000,
        "max_position_embeddings": 4096, "n_routed_experts": 16, "num_experts_per_tok": 4, "n_shared_experts": 1,
        "first_k_dense_replace": 1, "kv_lora_rank": 64, "q_lora_rank": 96, "qk_nope_head_dim": 32,
        "qk_rope_head_dim": 16, "v_head_dim": 32,
    },
    "llama4": {
        "model_type": "llama4",
        "text_config": {
            "model_type": "llama4_text", "num_hidden_layers": 4, "hidden_size": 256, "num_attention_heads": 8,
            "num_key_value_heads": 2, "intermediate_size": 128, "intermediate_size_mlp": 512, "vocab_size": 1000,
            "max_position_embeddings": 8192, "num_local_experts": 4, "num_experts_per_tok": 1,
            "interleave_moe_layer_step": 2, "attention_chunk_size": 1024, "head_dim": 32,
        },
    },
}


@st.composite
def mutated_configs(draw):
    name = draw(st.sampled_from(sorted(BASE_CONFIGS)))
    cfg = json.loads(json.dumps(BASE_CONFIGS[name]))
    target = cfg["text_config"] if "text_config" in cfg and draw(st.booleans()) else cfg
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["drop", "junk", "junk", "add"]))
        keys = sorted(target)
        if op == "drop" and keys:
            target.pop(draw(st.sampled_from(keys)))
        elif op == "junk" and keys:
            target[draw(st.sampled_from(keys))] = draw(JUNK)
        else:
            extra = ["num_local_experts", "num_experts_per_tok", "sliding_window", "head_dim", "layer_types",
                     "moe_layers", "tie_word_embeddings", "quantization_config", "text_config", "n_shared_experts",
                     "first_k_dense_replace", "decoder_sparse_step", "use_sliding_window", "max_window_layers"]
            target[draw(st.sampled_from(extra))] = draw(JUNK)
    return name, cfg


@FUZZ
@given(mutated_configs())
def test_mutated_config_json_imports_or_names_the_key(case):
    _name, cfg = case
    try:
        model = model_from_hf_config(cfg, "fuzzed-model")
    except CatalogError as exc:
        assert "config.json" in str(exc) and exc.field and exc.problem, exc
        return
    assert isinstance(model, ModelArchitecture)
    assert model.total_params() > 0 and model.active_params() > 0


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=100), st.sampled_from(["{", "[]", "null", "42", '{"a": NaN}', "[" * 500])))
def test_config_text_that_is_not_a_json_object_is_a_catalog_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogError) as err:
            model_from_hf_config(path, "x")
        assert str(path) in str(err.value)


def test_deeply_nested_yaml_is_a_catalog_error(tmp_path):
    """Regression (found here, fixed in b10751b): deeply nested YAML used to raise RecursionError."""
    path = _write(tmp_path, "gpu", "custom", "a: " + "[" * 10_000)
    with pytest.raises(CatalogError):
        load_entry_file(path, "gpu")


def test_deeply_nested_config_json_is_a_catalog_error(tmp_path):
    """Regression (found here, fixed in b10751b): a deeply nested config.json used to raise RecursionError."""
    path = tmp_path / "config.json"
    path.write_text("[" * 10_000)
    with pytest.raises(CatalogError):
        model_from_hf_config(path, "x")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_or_inf_in_config_json_is_a_catalog_error(value):
    """Regression (found here, fixed in b10751b): NaN/inf used to raise ValueError/OverflowError."""
    cfg = {**BASE_CONFIGS["llama"], "num_hidden_layers": value}
    with pytest.raises(CatalogError) as err:
        model_from_hf_config(cfg, "x")
    assert err.value.field == "num_hidden_layers"


_HUGE_LAYERS = """
import sys
from costmodel.errors import CatalogError
from costmodel.catalog.hf_import import model_from_hf_config
cfg = {"model_type": "llama4", "text_config": {"model_type": "llama4_text", "num_hidden_layers": 10**15,
       "hidden_size": 256, "num_attention_heads": 8, "num_key_value_heads": 2, "intermediate_size": 128,
       "vocab_size": 1000, "max_position_embeddings": 8192, "num_local_experts": 4, "num_experts_per_tok": 1,
       "interleave_moe_layer_step": 2}}
try:
    model_from_hf_config(cfg, "x")
except CatalogError as exc:
    print("CatalogError", exc.field)
"""


def test_a_huge_layer_count_in_config_json_fails_fast():
    """Regression (found here, fixed in d5846c8): 10**15 layers used to loop for days before the bound check."""
    try:
        proc = subprocess.run([sys.executable, "-c", _HUGE_LAYERS], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("model_from_hf_config did not finish within 10 s")
    assert "CatalogError num_layers" in proc.stdout, proc.stdout + proc.stderr
