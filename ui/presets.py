"""Named scenarios that set every sidebar control at once (for demos and first visits).

Data only: each preset is a dict of Scenario fields. A preset whose model or GPU
is not in the catalog is hidden (``available_presets``), so a trimmed catalog
never breaks the sidebar.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from costmodel import Catalog, Scenario


def _p(**kw: object) -> Mapping[str, object]:
    return MappingProxyType(kw)


PRESETS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        "Chat on H100 (Llama 3.1 70B)": _p(
            model="llama-3.1-70b", gpu="h100-sxm", gpus=8, prompt_tokens=2048, output_tokens=512,
            cache_hit_rate=0.3, weight_bits=16, kv_bits=16,
        ),
        "DeepSeek-V3 on H800, 56.3% cache hits (DeepSeek's published day)": _p(
            model="deepseek-v3", gpu="h800", gpus=32, prompt_tokens=4096, output_tokens=1024,
            cache_hit_rate=0.563, weight_bits=8, kv_bits=16,
        ),
        "Long-document RAG (100k-token prompts)": _p(
            model="llama-3.1-70b", gpu="h200", gpus=8, prompt_tokens=100_000, output_tokens=500,
            cache_hit_rate=0.0, weight_bits=8, kv_bits=8,
        ),
        "Coding agent (60k context, 85% cached)": _p(
            model="deepseek-v3", gpu="h200", gpus=16, prompt_tokens=60_000, output_tokens=1500,
            cache_hit_rate=0.85, weight_bits=8, kv_bits=16,
        ),
        "Small model on one L4 (Llama 3.1 8B, 8-bit)": _p(
            model="llama-3.1-8b", gpu="l4", gpus=1, prompt_tokens=1024, output_tokens=256,
            cache_hit_rate=0.0, weight_bits=8, kv_bits=8,
        ),
        "Mixtral 8x7B on two A100s": _p(
            model="mixtral-8x7b", gpu="a100-sxm-80gb", gpus=2, prompt_tokens=2048, output_tokens=512,
            cache_hit_rate=0.0, weight_bits=16, kv_bits=16,
        ),
        "Llama 3.1 70B at FP4 on B200": _p(
            model="llama-3.1-70b", gpu="b200", gpus=4, prompt_tokens=2048, output_tokens=512,
            cache_hit_rate=0.3, weight_bits=4, kv_bits=8,
        ),
        "Naive baseline (16-bit, no FlashAttention, no paging, no cache)": _p(
            model="llama-3.1-70b", gpu="h100-sxm", gpus=8, prompt_tokens=2048, output_tokens=512,
            cache_hit_rate=0.0, weight_bits=16, kv_bits=16, flash_attention=False, paged_kv=False,
            prefix_caching=False,
        ),
    }
)


def preset_scenario(name: str) -> Scenario:
    """The Scenario of a preset (raises KeyError for an unknown name)."""
    return Scenario(**PRESETS[name])


def available_presets(catalog: Catalog) -> tuple[str, ...]:
    """Names of the presets whose model and GPU are in ``catalog``, in display order."""
    return tuple(
        name for name, kw in PRESETS.items() if kw["model"] in catalog.models and kw["gpu"] in catalog.gpus
    )
