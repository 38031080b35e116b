"""Importing a model from a Hugging Face config.json, saving it as YAML and loading it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costmodel.catalog.hf_import import model_from_hf_config, save_model, to_yaml
from costmodel.catalog.loader import clear_cache, load_catalog
from costmodel.cli import main
from costmodel.errors import CatalogError

# mistralai/Mixtral-8x7B-v0.1 config.json, as reproduced verbatim in a public test suite
# (scaleapi/llm-engine model-engine tests, "fake_llm_artifact_gateway.model_config").
MIXTRAL_8X7B_CONFIG_JSON = """
{
    "architectures": ["MixtralForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "model_type": "mixtral",
    "num_attention_heads": 32,
    "num_experts_per_tok": 2,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "num_local_experts": 8,
    "rms_norm_eps": 1e-05,
    "rope_theta": 1000000.0,
    "router_aux_loss_coef": 0.02,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.36.0.dev0",
    "vocab_size": 32000
}
"""

# meta-llama/Llama-4-Scout-17B-16E config.json (language part; vision_config left out), as printed
# by transformers' Llama4Config; the listing abbreviates "moe_layers" as 0..47, expanded here.
LLAMA4_SCOUT_CONFIG = {
    "architectures": ["Llama4ForConditionalGeneration"],
    "model_type": "llama4",
    "text_config": {
        "attention_bias": False,
        "attention_chunk_size": 8192,
        "head_dim": 128,
        "hidden_act": "silu",
        "hidden_size": 5120,
        "interleave_moe_layer_step": 1,
        "intermediate_size": 8192,
        "intermediate_size_mlp": 16384,
        "max_position_embeddings": 262144,
        "model_type": "llama4_text",
        "moe_layers": list(range(48)),
        "no_rope_layers": [1, 1, 1, 0] * 12,
        "num_attention_heads": 40,
        "num_experts_per_tok": 1,
        "num_hidden_layers": 48,
        "num_key_value_heads": 8,
        "num_local_experts": 16,
        "torch_dtype": "bfloat16",
        "use_qk_norm": True,
        "vocab_size": 202048,
    },
    "tie_word_embeddings": False,
}


def tiny_llama(**changes) -> dict:
    cfg = {
        "model_type": "llama",
        "num_hidden_layers": 2,
        "hidden_size": 64,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
        "vocab_size": 100,
        "max_position_embeddings": 512,
        "tie_word_embeddings": False,
    }
    cfg.update(changes)
    return cfg


@pytest.fixture(autouse=True)
def _fresh_catalog(monkeypatch):
    monkeypatch.delenv("COSTMODEL_DATA_DIRS", raising=False)
    clear_cache()
    yield
    clear_cache()


# ------------------------------------------------------------------ architectures
def test_tiny_llama_counts_by_hand():
    m = model_from_hf_config(tiny_llama(), "tiny")
    d, hd = 64, 16
    attn = d * 4 * hd * 2 + 2 * d * 2 * hd
    ffn = 3 * d * 128
    expected = 2 * (attn + ffn + 2 * d) + d + 2 * 100 * d
    assert float(m.total_params()) == expected
    assert (m.head_dim, m.num_kv_heads, m.max_context_tokens) == (16, 2, 512)
    assert m.published_total_params_b == pytest.approx(expected / 1e9, rel=1e-3)
    assert "not in config.json" in m.notes  # computed, and the notes say so
    assert float(m.kv_bytes_per_token(16)) == 2 * 2 * 2 * 16 * 2


def test_kv_heads_default_to_attention_heads():
    cfg = tiny_llama()
    del cfg["num_key_value_heads"]
    assert model_from_hf_config(cfg, "mha").num_kv_heads == 4


def test_tied_embeddings_count_once():
    untied = model_from_hf_config(tiny_llama(), "a")
    tied = model_from_hf_config(tiny_llama(tie_word_embeddings=True), "b")
    assert float(untied.total_params() - tied.total_params()) == 100 * 64


def test_tying_default_follows_the_model_type():
    cfg = tiny_llama(model_type="gpt2")
    del cfg["tie_word_embeddings"]
    assert model_from_hf_config(cfg, "g").tie_word_embeddings
    del cfg["model_type"]
    assert not model_from_hf_config(cfg, "l").tie_word_embeddings


def test_mistral_window_on_every_layer_and_qwen2_window_settings():
    mistral = model_from_hf_config(tiny_llama(model_type="mistral", sliding_window=32), "m")
    assert (mistral.sliding_window, mistral.sliding_window_layers) == (32, 2)
    off = model_from_hf_config(
        tiny_llama(model_type="qwen2", sliding_window=32, use_sliding_window=False), "q"
    )
    assert off.sliding_window_layers == 0
    on = model_from_hf_config(
        tiny_llama(
            model_type="qwen2",
            num_hidden_layers=4,
            sliding_window=32,
            use_sliding_window=True,
            max_window_layers=3,
        ),
        "q2",
    )
    assert on.sliding_window_layers == 1  # layers at or above max_window_layers use the window


def test_mixtral_real_config_matches_the_catalog():
    m = model_from_hf_config(
        MIXTRAL_8X7B_CONFIG_JSON,
        "mixtral-8x7b",
        published_total_params_b=46.7,
        published_active_params_b=12.9,
    )
    ref = load_catalog().model("mixtral-8x7b")
    assert (m.num_experts, m.experts_per_token, m.moe_layers, m.moe_intermediate_size) == (8, 2, 32, 14336)
    assert float(m.total_params()) == float(ref.total_params())
    assert float(m.active_params()) == float(ref.active_params())
    assert float(m.total_params()) / 1e9 == pytest.approx(46.7, rel=0.02)
    assert float(m.active_params()) / 1e9 == pytest.approx(12.9, rel=0.02)
    assert "not in config.json" not in m.notes  # both totals were given


def test_llama4_scout_real_config_reads_text_config_chunking_and_shared_expert():
    m = model_from_hf_config(LLAMA4_SCOUT_CONFIG, "scout")
    ref = load_catalog().model("llama-4-scout")
    assert (m.sliding_window, m.sliding_window_layers) == (8192, 36)
    assert (m.num_experts, m.num_shared_experts, m.moe_layers) == (16, 1, 48)
    assert (m.intermediate_size, m.moe_intermediate_size) == (16384, 8192)
    assert float(m.total_params()) == float(ref.total_params())
    assert float(m.active_params()) / 1e9 == pytest.approx(17, rel=0.02)


def test_llama4_maverick_interleaves_moe_layers():
    text = dict(LLAMA4_SCOUT_CONFIG["text_config"], num_local_experts=128, interleave_moe_layer_step=2)
    del text["moe_layers"], text["no_rope_layers"]
    m = model_from_hf_config({"model_type": "llama4", "text_config": text}, "maverick")
    assert (m.moe_layers, m.dense_layers, m.sliding_window_layers) == (24, 24, 36)
    assert float(m.total_params()) == float(load_catalog().model("llama-4-maverick").total_params())


def test_deepseek_v3_style_mla_and_dense_first_layers():
    cfg = {
        "model_type": "deepseek_v3",
        "num_hidden_layers": 61,
        "hidden_size": 7168,
        "intermediate_size": 18432,
        "num_attention_heads": 128,
        "num_key_value_heads": 128,
        "q_lora_rank": 1536,
        "kv_lora_rank": 512,
        "qk_rope_head_dim": 64,
        "qk_nope_head_dim": 128,
        "v_head_dim": 128,
        "n_routed_experts": 256,
        "n_shared_experts": 1,
        "num_experts_per_tok": 8,
        "moe_intermediate_size": 2048,
        "first_k_dense_replace": 3,
        "moe_layer_freq": 1,
        "vocab_size": 129280,
        "max_position_embeddings": 163840,
        "quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]},
    }
    m = model_from_hf_config(cfg, "dsv3", published_total_params_b=671, published_active_params_b=37)
    assert m.attention == "mla" and m.moe_layers == 58 and m.native_weight_bits == 8
    assert float(m.kv_bytes_per_token(16)) == 70_272
    assert float(m.total_params()) == float(load_catalog().model("deepseek-v3").total_params())


def test_qwen3_moe_counts_sparse_layers():
    cfg = {
        "model_type": "qwen3_moe",
        "num_hidden_layers": 48,
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "moe_intermediate_size": 768,
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "num_attention_heads": 32,
        "num_key_value_heads": 4,
        "head_dim": 128,
        "vocab_size": 151936,
        "max_position_embeddings": 40960,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "sliding_window": None,
        "use_sliding_window": False,
        "tie_word_embeddings": False,
    }
    m = model_from_hf_config(cfg, "q3", max_context_tokens=131072)
    assert m.moe_layers == 48 and m.max_context_tokens == 131072
    assert float(m.total_params()) == float(load_catalog().model("qwen3-30b-a3b").total_params())
    half = model_from_hf_config(dict(cfg, decoder_sparse_step=2, mlp_only_layers=[1]), "q3b")
    assert half.moe_layers == 23  # layers 1,3,...,47 less layer 1


def test_qwen2_moe_shared_expert_width():
    cfg = tiny_llama(
        model_type="qwen2_moe", num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32,
        shared_expert_intermediate_size=96,
    )  # fmt: skip
    m = model_from_hf_config(cfg, "qmoe")
    assert (m.num_shared_experts, m.shared_expert_intermediate_size) == (1, 96)
    assert m.shared_expert_params_per_layer == 3 * 64 * 96


def test_gpt_oss_window_layer_types_and_mxfp4():
    cfg = {
        "model_type": "gpt_oss",
        "num_hidden_layers": 24,
        "hidden_size": 2880,
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "head_dim": 64,
        "num_local_experts": 32,
        "num_experts_per_tok": 4,
        "intermediate_size": 2880,
        "vocab_size": 201088,
        "max_position_embeddings": 131072,
        "sliding_window": 128,
        "layer_types": ["sliding_attention", "full_attention"] * 12,
        "quantization_config": {"quant_method": "mxfp4"},
    }
    m = model_from_hf_config(cfg, "oss", published_active_excludes_embedding=True)
    assert (m.sliding_window, m.sliding_window_layers, m.native_weight_bits) == (128, 12, 4)
    assert float(m.total_params()) == float(load_catalog().model("gpt-oss-20b").total_params())
    assert m.published_active_params_b == pytest.approx(3.61, rel=0.01)  # computed without the input table


def test_gptj_defaults_n_inner_and_non_gated_ffn():
    cfg = {
        "model_type": "gptj",
        "n_layer": 28,
        "n_embd": 4096,
        "n_head": 16,
        "n_inner": None,
        "n_positions": 2048,
        "rotary_dim": 64,
        "vocab_size": 50400,
        "torch_dtype": "float32",
        "tie_word_embeddings": False,
    }
    m = model_from_hf_config(cfg, "gptj")
    assert (m.intermediate_size, m.ffn_gated, m.head_dim, m.native_weight_bits) == (16384, False, 256, 32)
    assert float(m.total_params()) == float(load_catalog().model("gpt-j-6b").total_params())


def test_config_from_a_file(tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text(MIXTRAL_8X7B_CONFIG_JSON)
    m = model_from_hf_config(path, "from-file")
    assert m.num_experts == 8 and str(path) in m.source
    assert model_from_hf_config(str(path), "from-str-path").num_experts == 8


# ------------------------------------------------------------------ YAML round trip
def test_to_yaml_round_trips_through_a_user_data_dir(tmp_path: Path):
    m = model_from_hf_config(
        MIXTRAL_8X7B_CONFIG_JSON, "my-mixtral", name="My Mixtral", published_total_params_b=46.7
    )
    path = save_model(m, tmp_path)
    assert path == tmp_path / "models" / "my-mixtral.yaml"
    assert "published_total_params_b: 46.7" in path.read_text()
    loaded = load_catalog(extra_dirs=[tmp_path]).model("my-mixtral")
    assert loaded == m
    assert to_yaml(loaded) == to_yaml(m)


def test_save_refuses_to_overwrite(tmp_path: Path):
    m = model_from_hf_config(tiny_llama(), "tiny")
    save_model(m, tmp_path)
    with pytest.raises(CatalogError, match="already exists"):
        save_model(m, tmp_path)
    save_model(m, tmp_path, overwrite=True)


def test_command_line(tmp_path: Path, capsys):
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(tiny_llama()))
    assert main(["import-hf", str(cfg), "--id", "tiny", "--total-b", "0.05"]) == 0
    assert "published_total_params_b: 0.05" in capsys.readouterr().out
    assert main(["import-hf", str(cfg), "--id", "tiny", "--out", str(tmp_path / "data")]) == 0
    assert (tmp_path / "data" / "models" / "tiny.yaml").exists()
    assert main(["import-hf", str(tmp_path / "missing.json"), "--id", "x"]) == 2
    assert "cannot be read" in capsys.readouterr().err


# ------------------------------------------------------------------ bad configs
@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        ({"num_hidden_layers": None}, "num_hidden_layers", "missing"),
        ({"hidden_size": None}, "hidden_size", "missing"),
        ({"vocab_size": None}, "vocab_size", "missing"),
        ({"hidden_size": 0}, "hidden_size", "positive"),
        ({"num_hidden_layers": -2}, "num_hidden_layers", "positive"),
        ({"num_attention_heads": 0}, "num_attention_heads", "positive"),
        ({"num_key_value_heads": 0}, "num_key_value_heads", "positive"),
        ({"intermediate_size": 0}, "intermediate_size", "positive"),
        ({"intermediate_size": None}, "intermediate_size", "missing"),
        ({"hidden_size": "4096"}, "hidden_size", "integer"),
        ({"num_hidden_layers": 2.5}, "num_hidden_layers", "integer"),
        ({"num_local_experts": 4}, "num_experts_per_tok", "missing"),
        ({"kv_lora_rank": 16}, "qk_rope_head_dim", "missing"),
        ({"sliding_window": 0, "layer_types": ["sliding_attention"] * 2}, "sliding_window", "positive"),
    ],
)
def test_bad_config_names_the_key(change: dict, key: str, problem: str):
    cfg = tiny_llama()
    for k, v in change.items():
        if v is None:
            cfg.pop(k, None)
        else:
            cfg[k] = v
    with pytest.raises(CatalogError) as info:
        model_from_hf_config(cfg, "bad")
    assert info.value.field == key and problem in info.value.problem
    assert repr(key) in str(info.value)


def test_unknown_override_names_the_key():
    with pytest.raises(CatalogError) as info:
        model_from_hf_config(tiny_llama(), "x", num_layer=3)
    assert info.value.field == "num_layer" and "unknown override" in info.value.problem


def test_invalid_override_value_names_the_field():
    with pytest.raises(CatalogError) as info:
        model_from_hf_config(tiny_llama(), "x", max_context_tokens=0)
    assert info.value.field == "max_context_tokens"


def test_bad_id_is_reported():
    with pytest.raises(CatalogError) as info:
        model_from_hf_config(tiny_llama(), "My Model")
    assert info.value.field == "id"


def test_inconsistent_heads_are_reported():
    with pytest.raises(CatalogError, match="multiple of num_kv_heads"):
        model_from_hf_config(tiny_llama(num_key_value_heads=3), "x")


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_not_a_json_object(text: str, tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(CatalogError) as info:
        model_from_hf_config(path, "x")
    assert info.value.path == str(path) and info.value.field == "(file)"


def test_text_config_must_be_an_object():
    with pytest.raises(CatalogError) as info:
        model_from_hf_config({"model_type": "llama4", "text_config": "oops"}, "x")
    assert info.value.field == "text_config"
