"""The scenario: everything one cost estimate depends on, validated in one pydantic model.

Field names are the public API: the CLI flags (``--prompt-tokens``), the URL query
parameters of the app (``?prompt_tokens=``) and the columns of ``sweep`` use them.
Bounds and descriptions here drive the app's widgets and help texts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from costmodel.catalog.efficiency import EFFICIENCY_FIELDS

WEIGHT_BITS = (4, 8, 16)
KV_BITS = (2, 3, 4, 8, 16)
COMPUTE_DTYPES = ("bf16", "fp8", "fp4")


class Scenario(BaseModel):
    """One deployment serving one request shape.

    Efficiency fields left at ``None`` take the calibrated default of the GPU's
    family (``data/efficiency.yaml``); set them to override.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(default="llama-3.1-70b", description="model id from the catalog")
    gpu: str = Field(default="h100-sxm", description="GPU id from the catalog")
    gpus: int = Field(default=8, ge=1, le=4096, description="GPUs in the deployment")
    tensor_parallel: int | None = Field(
        default=None,
        ge=1,
        le=4096,
        description="GPUs per model replica, count (tensor/expert parallel); None picks the power of two that "
        "serves the most concurrent requests",
    )
    attention_data_parallel: bool | None = Field(
        default=None,
        description="latent attention (MLA) inside a replica: data-parallel (True; experts expert-parallel) or "
        "tensor-parallel (False; experts tensor-parallel); None = the planner's choice (data-parallel when "
        "tensor_parallel is given). Ignored for other attention",
    )
    two_batch_overlap: bool | None = Field(
        default=None,
        description="a mixture-of-experts replica spanning scale-up domains (nodes) runs two micro-batches that "
        "hide the expert all-to-all behind compute (True; DeepSeek's and SGLang's large-scale expert parallelism) "
        "or none (False: the all-to-all sits on the step, beyond the engine's usual overlap); None = True",
    )
    serving_runtime: Literal["vllm-0.10", "vllm"] | None = Field(
        default=None,
        description="serving engine build whose memory accounting and MoE kernel apply "
        "(costmodel.engine.serving_runtime): 'vllm-0.10' (vLLM 0.10-0.11.0: memory in GiB less its profiled "
        "reserve, MXFP4 experts through Marlin on GPUs without FP4), 'vllm' (0.11.1 on); None = the generic "
        "runtime the efficiencies were fitted with (decimal memory x utilisation, no reserve)",
    )
    weight_bits: Literal[4, 8, 16] = Field(default=16, description="weight precision, bits per weight")
    kv_bits: Literal[2, 3, 4, 8, 16] = Field(
        default=16,
        description="KV-cache precision, bits per cached key/value (2 and 3: KIVI/KVQuant/TurboQuant-style methods)",
    )
    compute_dtype: Literal["bf16", "fp8", "fp4"] | None = Field(
        default=None,
        description="matrix-unit precision (a dtype); None = the weight precision where the GPU supports it",
    )
    prompt_tokens: int = Field(
        default=2048, ge=1, le=10_000_000, description="input (prompt) length, tokens per request"
    )
    output_tokens: int = Field(
        default=256, ge=1, le=1_000_000, description="output length, tokens per request"
    )
    output_tokens_cv: float = Field(
        default=0.0,
        ge=0.0,
        le=10.0,
        description="spread of the output length across requests: standard deviation / mean (ratio; 0 = every "
        "request decodes output_tokens). Long-output requests stay longer in the batch, so the mean context a "
        "decode step attends over is prompt + output x (1 + cv^2) / 2",
    )
    burst_requests: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="a finite benchmark: this many requests sent at once and timed to the last completion "
        "(count; None = a steady stream). The tail, where the batch drains, lowers the average throughput",
    )
    cache_hit_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="share of prompt tokens served from the prefix cache (fraction 0-1)",
    )
    concurrency: int | Literal["max"] = Field(
        default="max",
        description="requests decoded together across the deployment (count), or 'max' (largest that fits)",
    )
    experts_total: int | None = Field(
        default=None, ge=1, le=4096, description="routed experts per MoE layer, count (None = the model's)"
    )
    experts_active: int | None = Field(
        default=None, ge=1, le=4096, description="routed experts per token, top-k count (None = the model's)"
    )
    gpu_hourly_usd: float | None = Field(
        default=None, gt=0, le=1000, description="USD per GPU-hour (None = the catalog's dated default)"
    )
    flash_attention: bool = Field(default=True, description="fused attention (FlashAttention-2/3)")
    paged_kv: bool = Field(default=True, description="paged KV-cache memory (vLLM PagedAttention)")
    prefix_caching: bool = Field(default=True, description="reuse cached prompt prefixes")
    spec_draft_tokens: int = Field(
        default=0, ge=0, le=16, description="speculative decoding: tokens drafted per step (0 = off)"
    )
    spec_acceptance: float = Field(
        default=0.7, ge=0.0, le=0.99, description="probability a drafted token is accepted (fraction 0-1)"
    )
    spec_draft_cost_ratio: float = Field(
        default=0.05, ge=0.0, le=1.0, description="cost of one draft pass relative to one target pass (ratio)"
    )
    max_batch_size: int = Field(
        default=1024,
        ge=1,
        le=1_000_000,
        description="engine limit, sequences per replica (vLLM max_num_seqs)",
    )
    max_num_tokens: int = Field(
        default=16384,
        ge=16,
        le=10_000_000,
        description="engine limit, tokens per step per replica (vLLM max_num_batched_tokens)",
    )
    # Efficiency assumptions (None = calibrated default for the GPU family)
    prefill_mfu: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="share of peak FLOP/s reached in prefill (fraction; None = GPU family default)",
    )
    decode_mfu: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="share of peak FLOP/s reached in decode (fraction; None = GPU family default)",
    )
    decode_mbu: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="share of peak memory bandwidth reached in decode (fraction; None = GPU family default)",
    )
    memory_utilization: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="share of GPU memory the engine may use, fraction (vLLM gpu_memory_utilization)",
    )
    step_overhead_ms: float | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="fixed time per engine step (milliseconds): scheduling, launches",
    )
    comm_efficiency: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="share of interconnect bandwidth reached by collectives (fraction)",
    )
    reasoning_tokens: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="thinking tokens per request, decoded before the answer and billed as output (tokens)",
    )
    context_parallel: int = Field(
        default=1,
        ge=1,
        le=1024,
        description="GPU groups one request's prefill and KV cache are split over (ring attention), count; "
        "1 = off. A replica is tensor_parallel x context_parallel GPUs",
    )
    # Energy assumptions (costmodel.engine.energy)
    gpu_idle_power_fraction: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="board power with no kernel running, as a fraction of TDP (assumption)",
    )
    host_power_fraction: float = Field(
        default=0.5,
        ge=0,
        le=5,
        description="server power beyond the GPUs (CPUs, memory, NICs, fans) as a fraction of the GPUs' draw "
        "(assumption; DGX H100 at its 10.2 kW maximum: 0.82)",
    )
    pue: float = Field(
        default=1.2,
        ge=1,
        le=3,
        description="data-centre power usage effectiveness, facility power / IT power (ratio)",
    )
    electricity_usd_per_kwh: float = Field(
        default=0.08, ge=0, le=10, description="electricity price, USD per kWh"
    )
    # Service level and load (costmodel.engine.service_level, docs/cost-model.md "Service level and load")
    min_tokens_per_second_per_user: float = Field(
        default=0.0, ge=0.0, le=100_000,
        description="service-level target: minimum output speed each user sees (tokens per second per user, "
        "speculative decoding included; 0 = no target); with concurrency 'max' the engine picks the largest "
        "batch that meets it",
    )
    max_ttft_seconds: float = Field(
        default=0.0, ge=0.0, le=3600,
        description="service-level target: maximum p99 time to first token under load (seconds; 0 = no target)",
    )
    utilization: float = Field(
        default=1.0, gt=0.0, le=1.0,
        description="average busy share of the provisioned GPUs (fraction, 0 < u <= 1); every USD figure is "
        "at this utilization: the full-load cost / u",
    )

    @model_validator(mode="after")
    def _experts_consistent(self) -> Scenario:
        if self.experts_active is not None and self.experts_total is not None and self.experts_active > self.experts_total:
            raise ValueError(
                f"experts_active ({self.experts_active}) cannot exceed experts_total ({self.experts_total})"
            )
        if isinstance(self.concurrency, int) and not 1 <= self.concurrency <= 10_000_000:
            raise ValueError("concurrency must be 'max' or between 1 and 10,000,000")
        return self


NUMERIC_FIELDS: tuple[str, ...] = (
    "gpus",
    "tensor_parallel",
    "weight_bits",
    "kv_bits",
    "prompt_tokens",
    "output_tokens",
    "output_tokens_cv",
    "burst_requests",
    "cache_hit_rate",
    "concurrency",
    "experts_total",
    "experts_active",
    "gpu_hourly_usd",
    "spec_draft_tokens",
    "spec_acceptance",
    "spec_draft_cost_ratio",
    "max_batch_size",
    "max_num_tokens",
    *EFFICIENCY_FIELDS,
    "reasoning_tokens",
    "context_parallel",
    "gpu_idle_power_fraction",
    "host_power_fraction",
    "pue",
    "electricity_usd_per_kwh",
    "min_tokens_per_second_per_user",
    "max_ttft_seconds",
    "utilization",
)
"""Scenario fields that ``sweep`` accepts as axes (``concurrency`` takes 'max' or 0 for max)."""
