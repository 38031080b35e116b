"""Serving engines' default batch and token limits: what caps a step when nobody tunes them.

A published "max throughput" figure is measured under the engine's limits, not
under the memory bound alone. The defaults per engine (sequences per step,
tokens per step):

- TensorRT-LLM (trtllm-bench / trtllm-serve, PyTorch backend, v1.0): ``max_batch_size``
  2048, ``max_num_tokens`` 8192 (TensorRT-LLM docs, "Tuning max batch size and max
  num tokens"; docs/source/performance/perf-overview.md).
- vLLM V1 (>= 0.8) on GPUs with >= 70 GiB: ``max_num_seqs`` 1024 and
  ``max_num_batched_tokens`` 8192 for ``vllm serve`` (16384 for the offline ``LLM``
  class); smaller GPUs 256 and 2048 (vllm/engine/arg_utils.py ``_set_default_args``).
- SGLang: ``chunked_prefill_size`` by GPU memory (8192 up to 160 GB, 16384 above);
  ``max_running_requests`` follows the KV pool; CUDA graphs cover up to 160-512
  sequences (sglang/srt/server_args.py). 2048 sequences stands in for "the pool".
- AMD ATOM (ROCm): vLLM-like defaults (``max_num_seqs`` 1024, 16384 tokens per step).
"""

from __future__ import annotations

ENGINE_LIMITS: dict[str, tuple[int, int]] = {
    "trtllm": (2048, 8192),
    "vllm": (1024, 8192),
    "sglang": (2048, 8192),
    "atom": (1024, 16384),
    "pytorch": (1024, 16384),
}
"""Engine id -> (max sequences per replica, max tokens per step per replica)."""


def engine_limits(engine: str, gpu_memory_gb: float) -> tuple[int, int]:
    """(max_batch_size, max_num_tokens) an engine uses by default on a GPU of ``gpu_memory_gb``.

    Unknown engines get the Scenario defaults (1024 sequences, 16384 tokens).
    """
    seqs, tokens = ENGINE_LIMITS.get(engine, (1024, 16384))
    if engine == "vllm" and gpu_memory_gb < 70:
        return 256, 2048
    if engine == "sglang" and gpu_memory_gb > 160:
        return seqs, 16384
    return seqs, tokens
