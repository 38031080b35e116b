"""Memory: weight bytes, KV-cache bytes per request, and how many requests fit.

Sources:
- Weight bytes = parameters x bits / 8, plus quantisation scales: one 16-bit
  scale per group of 128 weights (GPTQ/AWQ-style group quantisation, Frantar et
  al. 2022 arXiv 2210.17323; Lin et al. 2023 arXiv 2306.00978): 16/(128 x bits)
  extra, about 3% at 4 bits. A model released in a block-scaled format states its own block and scale
  (``ModelArchitecture.native_scale_group`` / ``native_scale_bits``): MXFP4 keeps one 8-bit E8M0 scale per
  32 weights, 4.25 bits a weight (OCP Microscaling Formats (MX) v1.0, section 5; gpt-oss config.json
  ``quantization_config.quant_method: mxfp4``), which :func:`released_weight_bytes_per_param` applies when
  the released checkpoint is served.
- KV-cache bytes: see ``ModelArchitecture.kv_bytes_per_token``.
- Paged KV memory (Kwon et al., "Efficient Memory Management for Large Language
  Model Serving with PagedAttention", SOSP 2023, arXiv 2309.06180, section 2.3
  and Fig. 2): systems that reserve each request's maximum length use only
  20.4%-38.2% of KV memory for token state; paging wastes under 4%.
- Without FlashAttention the S x S score matrix is materialised: heads x S x C
  scores of 2 bytes per layer in flight, plus the softmax output of the same
  size (Dao et al. 2022, arXiv 2205.14135, section 2.2).
"""

from __future__ import annotations

import numpy as np

QUANT_GROUP_SIZE = 128
"""Weights per quantisation scale (GPTQ/AWQ default group size)."""
QUANT_SCALE_BITS = 16
"""Bits of one quantisation scale (fp16)."""


def weight_bytes_per_param(weight_bits: np.ndarray | float, group: int = QUANT_GROUP_SIZE,
                           scale_bits: int = QUANT_SCALE_BITS) -> np.ndarray:
    """Bytes per weight including group-quantisation scales: b/8 x (1 + s/(g b)) below 16 bits (one s-bit
    scale per g weights; the generic s = 16, g = 128)."""
    bits = np.asarray(weight_bits, dtype=float)
    overhead = np.where(bits < 16, scale_bits / (group * bits), 0.0)
    return bits / 8 * (1 + overhead)


def released_weight_bytes_per_param(weight_bits: np.ndarray | float, native_bits: int, scale_group: int,
                                    scale_bits: int) -> np.ndarray:
    """Bytes per weight where the released low-bit checkpoint is served (``weight_bits == native_bits``) in a
    format with its own scale block (``scale_group`` > 0): its block and scale bits (MXFP4: 4/8 x (1 + 8/(32 x
    4)) = 0.53125 bytes, 4.25 bits, against 0.515625 for the generic group 128); the generic group scales
    otherwise (another precision is a requantisation this engine does not know the format of)."""
    generic = weight_bytes_per_param(weight_bits)
    if scale_group <= 0:
        return generic
    released = weight_bytes_per_param(weight_bits, scale_group, scale_bits)
    return np.where(np.asarray(weight_bits, dtype=float) == native_bits, released, generic)


def kv_replication(
    num_kv_heads: int, tensor_parallel: np.ndarray, latent_attention: bool, data_parallel_attention: np.ndarray
) -> np.ndarray:
    """How many copies of each sequence's KV cache a group of GPUs keeps.

    Tensor parallelism splits KV heads across GPUs; with more GPUs than KV heads,
    heads are replicated (t / h_kv copies). A latent cache (MLA) has no heads to
    split: under tensor parallelism every GPU keeps the whole latent (t copies);
    data-parallel attention (DeepSeek's and SGLang's DP-attention) keeps one.
    """
    t = np.asarray(tensor_parallel, dtype=float)
    if latent_attention:
        return np.where(data_parallel_attention, 1.0, t)
    return np.maximum(1.0, t / num_kv_heads)


def attention_score_bytes(heads: int, new_tokens: np.ndarray, context_tokens: np.ndarray) -> np.ndarray:
    """Bytes of materialised attention scores for one prefill without FlashAttention (one layer in flight).

    heads x new x context scores at 2 bytes, and the softmax output of the same size.
    """
    return 2 * 2.0 * heads * np.asarray(new_tokens, dtype=float) * np.asarray(context_tokens, dtype=float)
