"""Import a model from a Hugging Face ``config.json`` and save it as a catalog YAML.

    from costmodel.catalog.hf_import import model_from_hf_config, to_yaml
    m = model_from_hf_config("config.json", "my-model", published_total_params_b=8.0)
    Path("my-data/models/my-model.yaml").write_text(to_yaml(m))

or from a shell::

    costmodel import-hf config.json --id my-model --out my-data
    python -m costmodel.catalog.hf_import config.json --id my-model --out my-data   # same

Understands the keys of Llama/Mistral/Mixtral, Qwen2/Qwen3 (dense and MoE),
DeepSeek-V2/V3 (multi-head latent attention), gpt-oss, Llama-4 (``text_config``,
chunked attention, interleaved MoE) and GPT-J style configs. ``config.json``
carries no parameter totals: the published totals are taken from the overrides,
or else set to the computed counts (and the notes say so). Nothing is fetched
from the network: the caller supplies the file or the dict.

Every problem raises :class:`~costmodel.errors.CatalogError` naming the config
key (``num_hidden_layers``: required key is missing / must be a positive integer).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.loader import validate_entry
from costmodel.errors import CatalogError

# Model types whose FFN is a plain up/down projection (2 matrices), not SwiGLU (3).
_NON_GATED_TYPES = {"gptj", "gpt2", "gpt_neox", "gpt_bigcode", "opt", "bloom", "falcon", "phi"}

# Model types whose configuration class ties the output projection to the input table by default.
_TIED_BY_DEFAULT = {"gpt2", "gpt_bigcode", "opt", "bloom", "falcon", "gemma", "gemma2", "gemma3_text"}

_ALIASES: dict[str, tuple[str, ...]] = {
    "num_layers": ("num_hidden_layers", "n_layer", "num_layers", "n_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model", "dim"),
    "num_attention_heads": ("num_attention_heads", "n_head", "n_heads"),
    "num_kv_heads": ("num_key_value_heads", "n_kv_heads", "num_kv_heads"),
    "vocab_size": ("vocab_size", "padded_vocab_size"),
    "max_context_tokens": ("max_position_embeddings", "n_positions", "seq_length", "max_seq_len", "n_ctx"),
    "num_experts": ("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts"),
    "experts_per_token": ("num_experts_per_tok", "experts_per_token", "moe_topk", "num_experts_per_token"),
    "num_shared_experts": ("n_shared_experts", "num_shared_experts"),
}


class _Config:
    """A config dict with key look-ups that raise CatalogError naming the key."""

    def __init__(self, data: Mapping[str, Any], origin: str):
        self.data, self.origin = data, origin

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def first_key(self, field: str) -> str | None:
        return next((k for k in _ALIASES[field] if self.has(k)), None)

    def int_of(self, key: str, *, allow_zero: bool = False) -> int:
        value = self.data.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value != int(value)
        ):
            raise CatalogError(self.origin, key, f"must be an integer (got {value!r})")
        if value < 0 or (value == 0 and not allow_zero):
            raise CatalogError(
                self.origin, key, f"must be {'non-negative' if allow_zero else 'positive'} (got {value!r})"
            )
        return int(value)

    def required(self, field: str) -> int:
        key = self.first_key(field)
        if key is None:
            raise CatalogError(self.origin, _ALIASES[field][0], "required key is missing from config.json")
        return self.int_of(key)

    def optional(self, field: str, default: int, *, allow_zero: bool = True) -> int:
        key = self.first_key(field)
        return default if key is None else self.int_of(key, allow_zero=allow_zero)

    def key_int(self, key: str, default: int, *, allow_zero: bool = True) -> int:
        return self.int_of(key, allow_zero=allow_zero) if self.has(key) else default


def _load(config: Mapping[str, Any] | str | Path) -> tuple[dict, str]:
    """The config as a dict and a name for messages (the file path, or 'config.json')."""
    if isinstance(config, Mapping):
        return dict(config), "config.json"
    if isinstance(config, str) and config.lstrip().startswith("{"):
        text, origin = config, "config.json"
    else:
        path = Path(config).expanduser()
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogError(origin, "(file)", f"cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(origin, "(file)", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise CatalogError(origin, "(file)", "nested too deeply to be a model config") from None
    if not isinstance(data, dict):
        raise CatalogError(origin, "(file)", "expected a JSON object of key: value")
    return data, origin


def _text_config(data: dict, origin: str) -> dict:
    """Multimodal configs (Llama-4) keep the language model under ``text_config``."""
    text = data.get("text_config")
    if text is None:
        return data
    if not isinstance(text, dict):
        raise CatalogError(origin, "text_config", "expected a JSON object")
    merged = {k: v for k, v in data.items() if k != "text_config"}
    merged.update(text)
    merged["_outer_model_type"] = data.get("model_type", "")
    return merged


def _moe_layers(cfg: _Config, num_layers: int, model_type: str) -> int:
    """How many layers use a mixture-of-experts FFN, from the config's layout keys."""
    d = cfg.data
    if isinstance(d.get("moe_layers"), list):  # Llama-4 text configs list them
        return len(d["moe_layers"])
    if isinstance(d.get("mlp_layer_types"), list):
        return sum(1 for t in d["mlp_layer_types"] if str(t) in ("moe", "sparse"))
    if cfg.has("first_k_dense_replace") or cfg.has("moe_layer_freq"):  # DeepSeek-V2/V3
        first_dense = cfg.key_int("first_k_dense_replace", 0)
        freq = cfg.key_int("moe_layer_freq", 1, allow_zero=False)
        return sum(1 for i in range(first_dense, num_layers) if i % freq == 0)
    if cfg.has("decoder_sparse_step") or cfg.has("mlp_only_layers"):  # Qwen2-MoE / Qwen3-MoE
        step = cfg.key_int("decoder_sparse_step", 1, allow_zero=False)
        dense = set(d.get("mlp_only_layers") or [])
        return sum(1 for i in range(num_layers) if i not in dense and (i + 1) % step == 0)
    if cfg.has("interleave_moe_layer_step"):  # Llama-4: every step-th layer is MoE
        step = cfg.key_int("interleave_moe_layer_step", 1, allow_zero=False)
        return sum(1 for i in range(num_layers) if (i + 1) % step == 0)
    return num_layers  # Mixtral, gpt-oss: every layer


def _sliding_window(cfg: _Config, num_layers: int, model_type: str) -> tuple[int | None, int]:
    """(window, layers that use it) from layer_types, Llama-4 chunking or Mistral-style windows."""
    d = cfg.data
    if cfg.has("attention_chunk_size"):  # Llama-4 chunked attention on the RoPE layers
        window = cfg.int_of("attention_chunk_size")
        flags = d.get("no_rope_layers")
        if isinstance(flags, list) and len(flags) == num_layers:
            return window, sum(1 for f in flags if f)
        interval = cfg.key_int("no_rope_layer_interval", 4, allow_zero=False)
        return window, num_layers - num_layers // interval
    layer_types = d.get("layer_types")
    if isinstance(layer_types, list) and cfg.has("sliding_window"):
        count = sum(1 for t in layer_types if "sliding" in str(t))
        return (cfg.int_of("sliding_window"), count) if count else (None, 0)
    if cfg.has("sliding_window") and d.get("use_sliding_window", True):
        window = cfg.int_of("sliding_window")
        if model_type.startswith("qwen") and cfg.has("max_window_layers"):
            # Qwen2: layers below max_window_layers use full attention.
            return window, max(0, num_layers - cfg.int_of("max_window_layers", allow_zero=True))
        return window, num_layers
    return None, 0


def _weight_bits(d: dict) -> int:
    q = d.get("quantization_config")
    if isinstance(q, dict):
        method = str(q.get("quant_method", "")).lower()
        if method == "mxfp4" or "fp4" in method:
            return 4
        if method in ("fp8", "fbgemm_fp8") or "fp8" in method:
            return 8
        bits = q.get("bits") or q.get("w_bit")
        if isinstance(bits, int) and bits in (2, 3, 4, 8):
            return bits
    dtype = str(d.get("torch_dtype") or d.get("dtype") or "").lower()
    return 32 if dtype in ("float32", "fp32") else 16


def _fields_from_config(cfg: _Config) -> dict[str, Any]:
    d = cfg.data
    model_type = str(d.get("model_type") or "").lower()
    outer_type = str(d.get("_outer_model_type") or "").lower()
    is_llama4 = model_type.startswith("llama4") or outer_type.startswith("llama4")

    num_layers = cfg.required("num_layers")
    layer_limit = ModelArchitecture.model_fields["num_layers"].metadata[-1].le
    if num_layers > layer_limit:  # fail before anything walks the layers one by one
        raise CatalogError(cfg.origin, "num_layers", f"must be at most {layer_limit} (got {num_layers})")
    hidden = cfg.required("hidden_size")
    heads = cfg.required("num_attention_heads")
    kv_heads = cfg.optional("num_kv_heads", heads, allow_zero=False)
    if cfg.has("multi_query") and d.get("multi_query"):
        kv_heads = 1
    vocab = cfg.required("vocab_size")
    head_dim = cfg.key_int("head_dim", 0) or (hidden // heads if hidden % heads == 0 else 0)
    if head_dim <= 0:
        raise CatalogError(
            cfg.origin, "head_dim", f"missing, and hidden_size {hidden} is not a multiple of {heads} heads"
        )

    fields: dict[str, Any] = {
        "family": model_type or outer_type,
        "num_layers": num_layers,
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "num_kv_heads": kv_heads,
        "head_dim": head_dim,
        "vocab_size": vocab,
        "tie_word_embeddings": bool(d.get("tie_word_embeddings", model_type in _TIED_BY_DEFAULT)),
        "max_context_tokens": cfg.optional("max_context_tokens", 4096, allow_zero=False),
        "ffn_gated": model_type not in _NON_GATED_TYPES,
        "native_weight_bits": _weight_bits(d),
    }

    # Attention: multi-head latent attention when the config has a KV latent rank.
    if cfg.has("kv_lora_rank"):
        mla = {"kv_lora_rank": cfg.int_of("kv_lora_rank")}
        for key in ("qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"):
            if not cfg.has(key):
                raise CatalogError(cfg.origin, key, "required key is missing for multi-head latent attention")
            mla[key] = cfg.int_of(key)
        fields.update(attention="mla", q_lora_rank=cfg.key_int("q_lora_rank", 0), **mla)
        fields["head_dim"] = mla["qk_nope_head_dim"] + mla["qk_rope_head_dim"]
        fields["num_kv_heads"] = heads  # MLA expands the latent to one K and V per head

    window, window_layers = _sliding_window(cfg, num_layers, model_type)
    if window_layers:
        fields.update(sliding_window=window, sliding_window_layers=window_layers)

    # Feed-forward: dense width, experts, shared experts.
    n_experts = cfg.optional("num_experts", 0)
    ffn_key = next(
        (k for k in ("intermediate_size", "n_inner", "ffn_hidden_size", "ffn_dim") if cfg.has(k)), None
    )
    dense_width = cfg.int_of(ffn_key, allow_zero=bool(n_experts)) if ffn_key else 0
    if ffn_key is None and model_type in _NON_GATED_TYPES:
        dense_width = 4 * hidden  # GPT-J/GPT-2: n_inner null means 4 * n_embd
    if n_experts:
        top_k_key = cfg.first_key("experts_per_token")
        if top_k_key is None:
            raise CatalogError(
                cfg.origin, "num_experts_per_tok", "required key is missing for a mixture-of-experts config"
            )
        moe_width_key = "moe_intermediate_size" if cfg.has("moe_intermediate_size") else ffn_key
        if moe_width_key is None:
            raise CatalogError(
                cfg.origin, "moe_intermediate_size", "required key is missing for a mixture-of-experts config"
            )
        moe_width = cfg.int_of(moe_width_key)
        if is_llama4 and cfg.has("intermediate_size_mlp"):
            dense_width = cfg.int_of("intermediate_size_mlp")  # dense layers are wider than an expert
        shared = cfg.optional("num_shared_experts", 0)
        shared_width = 0
        if cfg.has("shared_expert_intermediate_size"):  # Qwen2-MoE: one shared expert of its own width
            shared, shared_width = (
                max(shared, 1),
                cfg.int_of("shared_expert_intermediate_size", allow_zero=True),
            )
            shared = shared if shared_width else 0
        if is_llama4 and shared == 0:
            shared = 1  # every Llama-4 MoE layer has one shared expert (not a config key)
        fields.update(
            num_experts=n_experts,
            experts_per_token=cfg.int_of(top_k_key),
            moe_intermediate_size=moe_width,
            num_shared_experts=shared,
            shared_expert_intermediate_size=shared_width if shared_width != moe_width else 0,
            moe_layers=_moe_layers(cfg, num_layers, model_type),
        )
    elif dense_width <= 0:
        raise CatalogError(
            cfg.origin, ffn_key or "intermediate_size", "required key is missing from config.json"
        )
    fields["intermediate_size"] = dense_width
    return fields


def model_from_hf_config(
    config: Mapping[str, Any] | str | Path, model_id: str, **overrides: Any
) -> ModelArchitecture:
    """Build a :class:`ModelArchitecture` from a Hugging Face ``config.json``.

    ``config`` is the parsed dict, a path to the file, or its JSON text.
    ``overrides`` set any ModelArchitecture field (``name``, ``max_context_tokens``,
    ``published_total_params_b``, ...) after the config is read. Published
    totals missing from the overrides are set to the computed counts, and the
    notes say so.
    """
    data, origin = _load(config)
    cfg = _Config(_text_config(data, origin), origin)
    fields = _fields_from_config(cfg)

    unknown = sorted(set(overrides) - set(ModelArchitecture.model_fields))
    if unknown:
        valid = ", ".join(ModelArchitecture.model_fields)
        raise CatalogError(origin, unknown[0], f"unknown override (valid fields: {valid})")

    notes = [
        f"Imported from {Path(origin).name if origin != 'config.json' else 'config.json'} by costmodel.hf_import."
    ]
    fields.update(
        id=model_id,
        name=model_id,
        source=f"Hugging Face config.json ({origin})",
        checked=dt.date.today(),
        # placeholders until the computed counts are known
        published_total_params_b=1.0,
        published_active_params_b=1.0,
    )
    fields.update({k: v for k, v in overrides.items() if k != "notes"})
    provisional = validate_entry(ModelArchitecture, fields, origin)

    computed = []
    if "published_total_params_b" not in overrides:
        fields["published_total_params_b"] = _billions(float(provisional.total_params()))
        computed.append("published_total_params_b")
    if "published_active_params_b" not in overrides:
        fields["published_active_params_b"] = _billions(provisional.active_params_as_published())
        computed.append("published_active_params_b")
    if computed:
        notes.append(
            f"{' and '.join(computed)} not in config.json: set to the computed count(s); "
            "replace with the model card's figures."
        )
    if overrides.get("notes"):
        notes.append(str(overrides["notes"]))
    fields["notes"] = " ".join(notes)
    return validate_entry(ModelArchitecture, fields, origin)


def _billions(count: float) -> float:
    """A parameter count in billions, to 4 significant digits (tiny test models stay above zero)."""
    return float(f"{count / 1e9:.4g}")


def to_yaml(model: ModelArchitecture) -> str:
    """The model as catalog YAML (fields at their defaults are left out), ready for ``<data dir>/models/<id>.yaml``."""
    data = model.model_dump(exclude_defaults=True)
    for required in ("id", "name", "source", "checked"):
        data.setdefault(required, getattr(model, required))
    ordered = {k: data[k] for k in ModelArchitecture.model_fields if k in data}
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def save_model(model: ModelArchitecture, data_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``<data_dir>/models/<id>.yaml`` (a directory for ``COSTMODEL_DATA_DIRS``) and return its path."""
    path = Path(data_dir).expanduser() / "models" / f"{model.id}.yaml"
    if path.exists() and not overwrite:
        raise CatalogError(
            str(path), "(file)", "already exists; pass overwrite=True (or --overwrite) to replace it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(model), encoding="utf-8")
    return path


if __name__ == "__main__":
    # The older spelling of `costmodel import-hf ...`: the command line lives in costmodel.cli (run here as a
    # module by name, so the library does not import the CLI).
    import runpy

    sys.argv[1:1] = ["import-hf"]
    runpy.run_module("costmodel", run_name="__main__", alter_sys=True)
