"""The GPU and model catalogs: every file validates, the specs follow the stated conventions,
user directories extend the catalog, and a bad file names the file, the field and the problem."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.catalog.loader import DATA_DIR, ENV_VAR, clear_cache, data_dirs, load_catalog, load_entry_file
from costmodel.errors import CatalogError, UnknownIdError

GPU_FILES = sorted((DATA_DIR / "gpus").glob("*.yaml"))
MODEL_FILES = sorted((DATA_DIR / "models").glob("*.yaml"))

REQUIRED_GPUS = {
    "a100-sxm-80gb", "h100-sxm", "h100-pcie", "h200", "h800", "b200", "gb200",
    "l40s", "l4", "mi300x", "mi325x", "tpu-v5e", "tpu-v6e",
}  # fmt: skip
REQUIRED_MODELS = {
    "llama-3.1-8b", "llama-3.1-70b", "llama-3.3-70b", "llama-3.1-405b", "llama-2-70b", "llama-2-13b",
    "gpt-j-6b", "mixtral-8x7b", "mixtral-8x22b", "deepseek-v3", "qwen3-235b-a22b", "qwen3-30b-a3b",
    "llama-4-scout", "llama-4-maverick", "gpt-oss-120b", "gpt-oss-20b",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_catalog(monkeypatch):
    """Each test sees the files as they are now, without a user's COSTMODEL_DATA_DIRS."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    clear_cache()
    yield
    clear_cache()


# ------------------------------------------------------------------ every file validates
@pytest.mark.parametrize("path", GPU_FILES, ids=lambda p: p.stem)
def test_gpu_file_validates(path: Path):
    gpu = load_entry_file(path, "gpu")
    assert isinstance(gpu, GPU) and gpu.id == path.stem


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_model_file_validates(path: Path):
    model = load_entry_file(path, "model")
    assert isinstance(model, ModelArchitecture) and model.id == path.stem


def test_catalog_holds_the_required_entries():
    cat = load_catalog()
    assert set(cat.gpus) >= REQUIRED_GPUS
    assert set(cat.models) >= REQUIRED_MODELS
    assert cat.file_of("gpu", "h100-sxm").endswith("h100-sxm.yaml")
    assert cat.file_of("model", "deepseek-v3").endswith("deepseek-v3.yaml")


def test_unknown_ids_list_the_valid_choices():
    cat = load_catalog()
    with pytest.raises(UnknownIdError, match="h100-sxm"):
        cat.gpu("h1000")
    with pytest.raises(UnknownIdError, match="llama-3.1-8b"):
        cat.model("llama-9")


def test_efficiency_for_falls_back_to_defaults():
    cat = load_catalog()
    eff = cat.efficiency_for(cat.gpu("tpu-v6e"))
    assert isinstance(eff, Efficiency)


# ------------------------------------------------------------------ GPU conventions
@pytest.mark.parametrize("path", GPU_FILES, ids=lambda p: p.stem)
def test_gpu_entry_is_sourced_priced_and_checked(path: Path):
    gpu = load_entry_file(path, "gpu")
    assert gpu.hourly_usd > 0 and len(gpu.price_source) > 10 and len(gpu.source) > 10
    assert dt.date(2024, 1, 1) <= gpu.price_date <= dt.date.today()
    assert re.search(r"[Cc]heck level\b.*\b(V|V2|K)\b", gpu.notes), "notes must record the check level"
    # fp8 runs at about twice bf16 (L40S: 733 vs 362.05 in its datasheet)
    assert gpu.dense_tflops.get("fp8", 0) <= 2.05 * gpu.dense_tflops["bf16"]


def test_precisions_follow_the_hardware():
    cat = load_catalog()
    for gpu in cat.gpus.values():
        assert ("fp4" in gpu.dense_tflops) == (gpu.family in ("blackwell", "cdna4")), gpu.id
        if gpu.family in ("hopper", "blackwell", "ada", "cdna3", "cdna4"):
            assert gpu.supports("fp8"), gpu.id
    assert not cat.gpu("a100-sxm-80gb").supports("fp8")
    assert cat.gpu("a100-sxm-80gb").best_dtype_for_bits(4) == "bf16"
    assert cat.gpu("h100-sxm").best_dtype_for_bits(4) == "fp8"
    assert cat.gpu("b200").best_dtype_for_bits(4) == "fp4"


def test_dense_peaks_are_half_the_sparse_datasheet_figures():
    cat = load_catalog()
    assert cat.gpu("h100-sxm").dense_tflops["bf16"] == 989  # 1,979 sparse
    assert cat.gpu("h100-pcie").dense_tflops["fp8"] == 1513  # 3,026 sparse
    assert cat.gpu("b200").dense_tflops["fp4"] == 9000  # 18,000 sparse
    assert cat.gpu("l4").dense_tflops["bf16"] == 121  # 242 sparse
    assert cat.gpu("a100-sxm-80gb").dense_tflops["bf16"] == 312  # 624 sparse


def test_h800_is_an_h100_with_a_narrower_link_and_deepseeks_price():
    cat = load_catalog()
    h100, h800 = cat.gpu("h100-sxm"), cat.gpu("h800")
    assert h800.dense_tflops == h100.dense_tflops
    assert (h800.memory_gb, h800.memory_bandwidth_tb_s) == (h100.memory_gb, h100.memory_bandwidth_tb_s)
    assert h800.interconnect_gb_s == 400 and h100.interconnect_gb_s == 900
    assert h800.hourly_usd == 2.0 and h800.price_date == dt.date(2025, 3, 1)


def test_scale_up_domains():
    cat = load_catalog()
    for gid in ("a100-sxm-80gb", "h100-sxm", "h200", "h800", "b200", "mi300x", "mi325x"):
        assert cat.gpu(gid).scale_up_domain_gpus == 8, gid
    assert cat.gpu("gb200").scale_up_domain_gpus == 72
    for gid in ("h100-pcie", "l40s", "l4"):
        assert cat.gpu(gid).scale_up_domain_gpus == 1, gid
    for gid in ("tpu-v5e", "tpu-v6e"):
        assert cat.gpu(gid).scale_up_domain_gpus == 256 and cat.gpu(gid).family == "tpu"


def test_memory_and_bandwidth_spot_checks():
    cat = load_catalog()
    assert (cat.gpu("h200").memory_gb, cat.gpu("h200").memory_bandwidth_tb_s) == (141, 4.8)
    assert (cat.gpu("mi300x").memory_gb, cat.gpu("mi325x").memory_gb) == (192, 256)
    assert cat.gpu("tpu-v6e").memory_bandwidth_bytes_s == pytest.approx(1.638e12)
    assert cat.gpu("h100-sxm").link_bytes_s_one_way == pytest.approx(450e9)


# ------------------------------------------------------------------ user directories
def _write(path: Path, data: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8"
    )
    return path


def _gpu_dict(**changes) -> dict:
    base = yaml.safe_load((DATA_DIR / "gpus" / "h100-sxm.yaml").read_text())
    base.update(id="my-gpu", name="My GPU")
    base.update(changes)
    return base


def _model_dict(**changes) -> dict:
    base = yaml.safe_load((DATA_DIR / "models" / "llama-3.1-8b.yaml").read_text())
    base.update(id="my-model", name="My model")
    base.update(changes)
    return base


def test_user_directory_adds_and_overrides_entries(tmp_path: Path):
    _write(tmp_path / "gpus" / "my-gpu.yaml", _gpu_dict(hourly_usd=1.23))
    _write(tmp_path / "models" / "my-model.yaml", _model_dict())
    _write(tmp_path / "gpus" / "h100-sxm.yaml", {**_gpu_dict(), "id": "h100-sxm", "hourly_usd": 9.99})
    cat = load_catalog(extra_dirs=[tmp_path])
    assert cat.gpu("my-gpu").hourly_usd == 1.23
    assert cat.model("my-model").num_layers == 32
    assert cat.gpu("h100-sxm").hourly_usd == 9.99  # the user's file wins
    assert cat.file_of("gpu", "h100-sxm") == str(tmp_path / "gpus" / "h100-sxm.yaml")
    assert "my-gpu" not in load_catalog().gpus  # the built-in catalog is unchanged


def test_environment_variable_adds_directories(tmp_path: Path, monkeypatch):
    _write(tmp_path / "models" / "my-model.yaml", _model_dict())
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert str(tmp_path) in data_dirs()
    assert "my-model" in load_catalog(reload=True).models


def test_reload_sees_a_file_saved_after_the_first_load(tmp_path: Path):
    (tmp_path / "models").mkdir()
    assert "my-model" not in load_catalog(extra_dirs=[tmp_path]).models
    _write(tmp_path / "models" / "my-model.yaml", _model_dict())
    assert "my-model" in load_catalog(extra_dirs=[tmp_path], reload=True).models


def test_missing_extra_directory_is_an_error(tmp_path: Path):
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog(extra_dirs=[tmp_path / "nope"])


# ------------------------------------------------------------------ bad files
def _error_for(tmp_path: Path, kind: str, filename: str, content: dict | str) -> CatalogError:
    sub = "gpus" if kind == "gpu" else "models"
    path = _write(tmp_path / sub / filename, content)
    with pytest.raises(CatalogError) as info:
        load_catalog(extra_dirs=[tmp_path])
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err)  # the message names the file
    return err


def test_missing_field_names_the_field(tmp_path: Path):
    data = _gpu_dict()
    del data["memory_gb"]
    err = _error_for(tmp_path, "gpu", "my-gpu.yaml", data)
    assert err.field == "memory_gb" and "missing" in err.problem
    assert "'memory_gb'" in str(err)


def test_zero_bandwidth_names_the_field_and_value(tmp_path: Path):
    err = _error_for(tmp_path, "gpu", "my-gpu.yaml", _gpu_dict(memory_bandwidth_tb_s=0))
    assert err.field == "memory_bandwidth_tb_s"
    assert "greater than 0" in err.problem and "got 0" in err.problem


def test_wrong_type_names_the_field(tmp_path: Path):
    err = _error_for(tmp_path, "model", "my-model.yaml", _model_dict(num_layers="eighty"))
    assert err.field == "num_layers" and "integer" in err.problem and "eighty" in err.problem


def test_nested_field_error_names_the_path(tmp_path: Path):
    err = _error_for(tmp_path, "gpu", "my-gpu.yaml", _gpu_dict(dense_tflops={"bf16": 100, "fp6": 1}))
    assert err.field == "dense_tflops" and "fp6" in err.problem


def test_unknown_field_is_rejected(tmp_path: Path):
    err = _error_for(tmp_path, "model", "my-model.yaml", _model_dict(num_layer=3))
    assert err.field == "num_layer" and "unknown field" in err.problem


def test_inconsistent_entry_is_reported(tmp_path: Path):
    err = _error_for(tmp_path, "model", "my-model.yaml", _model_dict(num_kv_heads=5))
    assert err.field == "(entry)" and "multiple of num_kv_heads" in err.problem


def test_not_yaml(tmp_path: Path):
    err = _error_for(tmp_path, "gpu", "my-gpu.yaml", "id: [unclosed\nname: x: y\n")
    assert err.field == "(file)" and "not valid YAML" in err.problem


@pytest.mark.parametrize("content", ["", "- just\n- a list\n", "42\n"])
def test_not_a_mapping(tmp_path: Path, content: str):
    err = _error_for(tmp_path, "model", "my-model.yaml", content)
    assert err.field == "(file)" and "mapping" in err.problem


def test_not_utf8(tmp_path: Path):
    path = tmp_path / "gpus" / "my-gpu.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"id: \xff\xfe\n")
    with pytest.raises(CatalogError, match="UTF-8"):
        load_catalog(extra_dirs=[tmp_path])


def test_id_must_match_file_name(tmp_path: Path):
    err = _error_for(tmp_path, "gpu", "other-name.yaml", _gpu_dict())
    assert err.field == "id" and "other-name" in err.problem and "my-gpu" in err.problem


def test_same_id_twice_in_one_directory(tmp_path: Path):
    _write(tmp_path / "models" / "my-model.yaml", _model_dict())
    path = _write(tmp_path / "models" / "my-model.yml", _model_dict())
    with pytest.raises(CatalogError) as info:
        load_catalog(extra_dirs=[tmp_path])
    assert info.value.field == "id" and "also defined" in info.value.problem
    assert info.value.path == str(path)


def test_price_date_in_the_future_is_rejected(tmp_path: Path):
    err = _error_for(
        tmp_path, "gpu", "my-gpu.yaml", _gpu_dict(price_date=dt.date.today() + dt.timedelta(days=30))
    )
    assert "future" in err.problem


def test_load_entry_file_checks_kind_and_id(tmp_path: Path):
    path = _write(tmp_path / "x.yaml", _gpu_dict())
    with pytest.raises(CatalogError, match="does not match the file name"):
        load_entry_file(path, "gpu")
    with pytest.raises(CatalogError, match="unknown kind"):
        load_entry_file(path, "tpu")  # type: ignore[arg-type]


def test_with_efficiency_replaces_one_familys_figures_and_leaves_the_catalog_as_it_was():
    cat = load_catalog()
    before = cat.efficiency["cdna3"]
    other = cat.with_efficiency("cdna3", kernel_latency_us=3.0, decode_mbu=0.5)
    assert (other.efficiency["cdna3"].kernel_latency_us, other.efficiency["cdna3"].decode_mbu) == (3.0, 0.5)
    assert other.efficiency["cdna3"].prefill_mfu == before.prefill_mfu
    assert other.efficiency["hopper"] is cat.efficiency["hopper"] and cat.efficiency["cdna3"] is before
