"""Efficiency assumptions: how far real serving stays below datasheet peaks.

Datasheet peaks are never reached. Measured here (Nov 2026, docs/cost-model.md):
an 8192^3 bf16 GEMM ran at 81% of the H100's dense peak and a device copy moved
90% of its bandwidth. Serving lands lower (prefill MFU typically 40-60%, decode
bandwidth utilisation 50-80%). The defaults per GPU family in
``data/efficiency.yaml`` were calibrated against the published measurements in
``data/calibration/public-calibration.csv`` (``python -m costmodel calibrate``).
Every one is a visible, overridable Scenario field.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

EFFICIENCY_FIELDS: tuple[str, ...] = (
    "prefill_mfu",
    "decode_mfu",
    "decode_mbu",
    "memory_utilization",
    "step_overhead_ms",
    "comm_efficiency",
)


class Efficiency(BaseModel):
    """Resolved efficiency assumptions for one GPU family (all fields set)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefill_mfu: float = Field(default=0.50, gt=0, le=1, description="share of peak FLOP/s in prefill")
    decode_mfu: float = Field(default=0.50, gt=0, le=1, description="share of peak FLOP/s in decode GEMMs")
    decode_mbu: float = Field(default=0.80, gt=0, le=1, description="share of peak bandwidth in decode")
    memory_utilization: float = Field(default=0.90, gt=0, le=1, description="usable share of GPU memory")
    step_overhead_ms: float = Field(default=1.0, ge=0, le=1000, description="fixed time per engine step, ms")
    per_sequence_overhead_us: float = Field(
        default=10.0, ge=0, le=10_000, description="host time per sequence per step (scheduling, sampling), microseconds"
    )
    comm_efficiency: float = Field(default=0.70, gt=0, le=1, description="share of link bandwidth in collectives")
    collective_latency_us: float = Field(
        default=8.0, ge=0, le=10_000, description="fixed latency of one all-reduce or all-to-all, microseconds"
    )
    attention_efficiency_no_flash: float = Field(
        default=0.35,
        gt=0,
        le=1,
        description="attention speed without FlashAttention relative to with it "
        "(FA2 reports about 2x over FA1 and more over unfused kernels, arXiv 2307.08691)",
    )
    moe_gemm_min_tokens: float = Field(
        default=16.0,
        ge=1,
        description="rows a grouped-GEMM tile computes per expert even when fewer tokens are routed to it",
    )
    paged_kv_utilization: float = Field(
        default=0.96, gt=0, le=1, description="share of KV memory holding real tokens with paging (vLLM: waste < 4%)"
    )
    unpaged_kv_utilization: float = Field(
        default=0.30,
        gt=0,
        le=1,
        description="share of KV memory holding real tokens when each request reserves its maximum "
        "(Kwon et al., SOSP 2023, section 2.3: 20.4%-38.2%)",
    )

    # Kernel mechanisms (costmodel.engine.kernels, costmodel.engine.expert_parallel). The defaults
    # here are neutral (the plain roofline); data/efficiency.yaml sets the fitted values.
    gemm_half_rows: float = Field(
        default=0.0, ge=0, le=100_000,
        description="GEMM rows at which a matrix product reaches half its attained throughput (tile/wave quantisation)",
    )
    kernel_latency_us: float = Field(
        default=0.0, ge=0, le=1000, description="fixed time per kernel (ramp-up, last wave), microseconds"
    )
    kernels_per_layer: float = Field(
        default=8.0, ge=0, le=1000, description="kernels one layer launches per step (GEMMs, attention, norms)"
    )
    moe_layer_latency_us: float = Field(
        default=0.0, ge=0, le=1000,
        description="fixed time per MoE layer per step beyond its GEMMs' (routing, permute, unpermute), microseconds",
    )
    moe_half_rows: float = Field(
        default=0.0, ge=0, le=100_000, description="tokens per expert at which a grouped expert GEMM reaches half speed"
    )
    moe_compute_efficiency: float = Field(
        default=1.0, gt=0, le=1, description="share of a dense GEMM's compute rate that grouped expert GEMMs reach"
    )
    moe_bandwidth_efficiency: float = Field(
        default=1.0, gt=0, le=1, description="share of a dense GEMM's bandwidth that grouped expert GEMMs reach"
    )
    ep_random_imbalance: float = Field(
        default=0.0, ge=0, le=1, description="share of random routing's Poisson spread the busiest EP GPU carries"
    )
    ep_skew: float = Field(
        default=0.0, ge=0, le=10, description="extra load of the busiest GPU from skewed expert popularity"
    )
    ep_eplb: float = Field(
        default=0.0, ge=0, le=1, description="share of that skew removed by redundant experts / EPLB"
    )
    ep_alltoall_latency_us: float | None = Field(
        default=None, ge=0, le=10_000,
        description="fixed latency of one MoE dispatch or combine, microseconds (None = collective_latency_us)",
    )
    ep_decode_overlap: float = Field(
        default=1.0, ge=0, le=1, description="share of decode dispatch/combine hidden behind compute (attention-DP)"
    )
    ep_prefill_overlap: float = Field(
        default=1.0, ge=0, le=1, description="share of prefill dispatch/combine hidden behind compute (attention-DP)"
    )
    precision_efficiency: dict[str, float] = Field(
        default_factory=dict,
        description="multiplier on the MFU per compute precision (bf16, fp8, fp4): share of the bf16-calibrated "
        "efficiency that kernels reach at that precision",
    )
    mla_prefill_attention_efficiency: float = Field(
        default=1.0, gt=0, le=1, description="latent-attention prefill kernels' rate relative to standard attention"
    )
    mla_decode_attention_efficiency: float = Field(
        default=1.0, gt=0, le=1, description="latent-attention decode kernels' rate relative to standard attention"
    )
    narrow_head_prefill_attention_efficiency: float = Field(
        default=1.0, gt=0, le=1, description="prefill attention at head dim 64 relative to head dim 128 (fraction)"
    )
    narrow_head_decode_attention_efficiency: float = Field(
        default=1.0, gt=0, le=1, description="decode attention at head dim 64 relative to head dim 128 (fraction)"
    )
    sparse_prefill_head_multiple: int = Field(
        default=0, ge=0, le=1024,
        description="DeepSeek Sparse Attention prefill: heads per rank FlashMLA's sparse kernel pads to, computing "
        "all top-k slots per query (0 = the plain sparse attention FLOPs; attention.padded_sparse_prefill_attention_flops)",
    )

    def with_overrides(self, **overrides: float | None) -> Efficiency:
        """A copy with every non-None override applied (validated)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        return Efficiency.model_validate({**self.model_dump(), **given})
