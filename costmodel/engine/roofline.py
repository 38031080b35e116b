"""Physics of serving: memory, prefill and decode rooflines, continuous batching, money.

Everything is vectorised: every numeric Scenario field may be a numpy array
(``estimate_arrays``), and one pass computes all points without a Python loop
over scenarios. The only loop is over the ~12 candidate tensor-parallel sizes.

Physics, with sources (formulas also in docs/cost-model.md):

- FLOPs: 2 per matrix-product parameter per token (Kaplan et al. 2020, arXiv
  2001.08361, section 2.1), plus attention: 4 x h x d_h per layer per
  (query, key) pair for QK^T and AV (2 FLOPs per multiply-add). A causal
  prefill of n new tokens after C cached tokens forms n x C + n^2/2 pairs.
- Roofline per phase (Pope et al., "Efficiently Scaling Transformer
  Inference", MLSys 2023, arXiv 2211.05102): time = max(FLOPs / (peak x MFU),
  bytes / (bandwidth x MBU)) + communication + a fixed per-step overhead.
- Decode reads the weights once per step for the whole batch, plus each
  sequence's KV cache. For a mixture of experts with B tokens each routed to k
  of E experts, the expected number of distinct experts read per layer is
  E x (1 - (1 - k/E)^B) (uniform routing): k at B = 1, all E at large B.
- Grouped-GEMM efficiency: an expert that receives fewer tokens than a tile
  still computes a whole tile (``moe_gemm_min_tokens`` rows).
- Tensor parallelism: two all-reduces of tokens x d x 2 bytes per layer per
  step, ring algorithm 2 (t-1)/t x bytes per link, plus a fixed latency each
  (Shoeybi et al., Megatron-LM, arXiv 1909.08053, section 3). MoE layers
  exchange tokens with an all-to-all (dispatch and combine) of k x d x 2 bytes
  per token.
- Continuous batching (Yu et al., Orca, OSDI 2022): while B requests decode,
  finished ones are replaced and their prompts prefilled, so each output token
  costs step/B of decode plus prefill/S_out of prefill time.
- Speculative decoding (Leviathan et al., ICML 2023, arXiv 2211.17192, Eq. 1):
  with acceptance a and g drafted tokens a target pass yields
  (1 - a^(g+1)) / (1 - a) tokens; it verifies g + 1 tokens per sequence (more
  FLOPs, the same weight reads) and pays g draft passes.
- Money: GPU-seconds x $/GPU-hour / 3600.
"""

from __future__ import annotations

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.engine.memory import attention_score_bytes, kv_replication, weight_bytes_per_param
from costmodel.engine.scenario import Scenario

INTER_NODE_GB_S = 100.0
"""Bidirectional GB/s per GPU between scale-up domains: one 400 Gb/s NIC per GPU (ConnectX-7 in DGX H100)."""

ACTIVATION_BYTES = 2
"""Bytes per activation value exchanged between GPUs (bf16)."""

DTYPE_CODES = ("bf16", "fp8", "fp4")
"""Compute precisions by integer code (the engine keeps codes, the API returns names)."""


def _peak_for(gpu: GPU, scenario: Scenario, weight_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Peak FLOP/s of the matrix units and the precision code (index into DTYPE_CODES), per point."""
    if scenario.compute_dtype is not None:
        dtype = gpu.best_dtype_for_bits({"bf16": 16, "fp8": 8, "fp4": 4}[scenario.compute_dtype])
        return np.asarray(gpu.peak_flops(dtype)), np.asarray(DTYPE_CODES.index(dtype))
    dtypes = [gpu.best_dtype_for_bits(bits) for bits in (4, 8, 16)]
    peaks = np.array([gpu.peak_flops(d) for d in dtypes])
    codes = np.array([DTYPE_CODES.index(d) for d in dtypes])
    slot = np.where(weight_bits <= 4, 0, np.where(weight_bits <= 8, 1, 2))
    return peaks[slot], codes[slot]


def plan_candidates(max_gpus: float) -> list[int]:
    """Tensor-parallel sizes the planner tries: powers of two up to the deployment (the deployment itself too)."""
    out, t = [], 1
    while t <= max_gpus:
        out.append(t)
        t *= 2
    return out


def evaluate(
    model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, scenario: Scenario, x: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    N = x["gpus"]
    S = x["prompt_tokens"]
    O = x["output_tokens"]  # noqa: E741 - the paper's symbol
    E = x["experts_total"]
    k = x["experts_active"]
    hit = x["cache_hit_rate"] if scenario.prefix_caching else 0.0
    w_bytes_per_param = weight_bytes_per_param(x["weight_bits"])
    kv_bits = x["kv_bits"]
    mem_util, mbu, mfu_prefill, mfu_decode = (
        x["memory_utilization"], x["decode_mbu"], x["prefill_mfu"], x["decode_mfu"],
    )
    overhead = x["step_overhead_ms"] / 1e3
    per_sequence_overhead = base_eff.per_sequence_overhead_us / 1e6
    comm_eff = x["comm_efficiency"]
    paged_util = base_eff.paged_kv_utilization if scenario.paged_kv else base_eff.unpaged_kv_utilization
    attn_eff = 1.0 if scenario.flash_attention else base_eff.attention_efficiency_no_flash

    # ---- parameters (arrays when experts vary)
    total_params = np.asarray(model.total_params(E), dtype=float)
    active_params = np.asarray(model.active_params(k, E), dtype=float)
    matmul_params = np.asarray(model.matmul_params_per_token(k, E), dtype=float)
    expert_params_layer = model.params_per_expert if model.is_moe else 0.0
    routed_matmul = model.moe_layers * k * expert_params_layer if model.is_moe else 0.0
    always_read = np.asarray(model._always_read_params(E), dtype=float)
    weights_bytes = total_params * w_bytes_per_param

    # ---- token shapes
    new_tokens = np.maximum(S * (1 - hit), np.minimum(S, 1.0))  # at least one token is computed for logits
    cached_tokens = S - new_tokens
    decode_context = S + O / 2  # average context over a request's decode
    kv_per_token = np.asarray(model.kv_bytes_per_token(kv_bits), dtype=float)
    kv_actual = np.asarray(model.kv_bytes_for_context(decode_context, kv_bits), dtype=float)
    kv_reserved = kv_actual / paged_util

    spec_g = x["spec_draft_tokens"]
    spec_a = x["spec_acceptance"]
    spec_on = spec_g > 0
    tokens_per_step = np.where(
        spec_on, (1 - spec_a ** (spec_g + 1)) / (1 - spec_a), 1.0
    )  # Leviathan et al. Eq. 1 (a < 1 by validation)
    verify_tokens = 1 + spec_g

    peak, dtype_codes = _peak_for(gpu, scenario, x["weight_bits"])
    peak_attn = gpu.peak_flops("bf16")
    bw = gpu.memory_bandwidth_bytes_s
    hbm = gpu.memory_bytes

    score_bytes = (
        0.0 if scenario.flash_attention else attention_score_bytes(model.num_attention_heads, new_tokens, S)
    )

    # ---- memory of one replica of tp GPUs (the plan; the planner in costmodel.engine.inference picks tp)
    tp = np.minimum(x["tensor_parallel"], N)
    usable = tp * hbm * mem_util
    attention_dp = attention_data_parallel(model, tp, x.get("attention_dp"))
    extra_copies = np.where(attention_dp, tp - 1, 0.0)
    resident = weights_bytes + extra_copies * always_read * w_bytes_per_param
    free = usable - resident - score_bytes  # the scores of one prefill in flight, split over the group's heads
    repl_tp = kv_replication(model.num_kv_heads, tp, model.attention == "mla", attention_dp)
    per_request = kv_reserved * repl_tp
    b_mem = np.floor(np.maximum(free, 0) / per_request)
    b_cap = np.minimum(b_mem, np.minimum(x["max_batch_size"], np.floor(x["max_num_tokens"] / verify_tokens)))
    replicas = np.floor(N / tp)
    copies = np.where(attention_dp, tp, 1.0)
    fits = b_cap >= 1
    max_concurrency = replicas * np.maximum(b_cap, 0)

    requested = x["concurrency"]
    total_conc = np.where(requested > 0, np.minimum(requested, np.maximum(max_concurrency, 1)), max_concurrency)
    total_conc = np.maximum(total_conc, 1.0)
    active_replicas = np.minimum(replicas, total_conc)
    B = total_conc / active_replicas  # sequences per busy replica

    # ---- links
    # Beyond the scale-up domain traffic takes the network, or the card's own link if that is slower (PCIe).
    across = min(INTER_NODE_GB_S * 1e9 / 2, gpu.link_bytes_s_one_way)
    link = np.where(tp > gpu.scale_up_domain_gpus, across, gpu.link_bytes_s_one_way) * comm_eff
    lat = base_eff.collective_latency_us / 1e6
    multi = tp > 1
    ring = np.where(multi, 2 * (tp - 1) / tp, 0.0)
    attn_layers_comm = model.num_layers
    dense_ffn_layers = model.dense_layers

    dispatch_bytes = np.where(dtype_codes == 0, float(ACTIVATION_BYTES), 1.0)

    def comm_seconds(tokens: np.ndarray, chunks: np.ndarray | float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Communication per step of ``tokens``: (serial seconds, seconds that overlap with compute).

        All-reduces after attention and dense FFNs are serial. MoE layers move
        tokens with an all-to-all: dispatch in the compute precision (fp8 where
        the matrices run in fp8) and combine in bf16, as DeepSeek's system does;
        with data-parallel attention two micro-batches overlap it with compute.
        """
        bytes_ar = tokens * model.hidden_size * ACTIVATION_BYTES
        allreduce = (attn_layers_comm + dense_ffn_layers) * (ring * bytes_ar / link + lat * chunks)
        allreduce = np.where(attention_dp | ~multi, 0.0, allreduce)  # data-parallel attention: no all-reduce
        if not model.is_moe:
            return allreduce, 0.0
        leaving = np.where(multi, (tp - 1) / tp, 0.0)
        # Across nodes, node-limited routing sends one copy per target node and forwards over NVLink inside it.
        copies_out = np.where(tp > gpu.scale_up_domain_gpus, np.minimum(k, model.max_routed_nodes or k), k)
        a2a_bytes = tokens * copies_out * model.hidden_size * (dispatch_bytes + ACTIVATION_BYTES) * leaving
        alltoall = np.where(multi, model.moe_layers * (a2a_bytes / (tp * link) + 2 * lat * chunks), 0.0)
        return allreduce + np.where(attention_dp, 0.0, alltoall), np.where(attention_dp, alltoall, 0.0)

    attn_pair_decode = _attention_flops_per_pair(model, decode=True)
    attn_pair_prefill = _attention_flops_per_pair(model, decode=False)

    # ---- decode step for one replica at batch B
    def decode_step(q: np.ndarray | float) -> tuple[np.ndarray, ...]:
        tokens = B * q
        if model.is_moe:
            touched = E * (1 - (1 - k / E) ** tokens)
            expert_rows = np.maximum(tokens * k, touched * base_eff.moe_gemm_min_tokens)
            expert_flops = 2 * model.moe_layers * expert_params_layer * expert_rows
            expert_bytes = model.moe_layers * touched * expert_params_layer * w_bytes_per_param
        else:
            touched = 0.0
            expert_flops = 0.0
            expert_bytes = 0.0
        dense_flops = 2 * (matmul_params - routed_matmul) * tokens
        attn_flops = attn_pair_decode * model.num_layers * np.asarray(model.attended_context(decode_context)) * tokens
        weight_read = always_read * w_bytes_per_param * copies + expert_bytes
        kv_read = B * kv_actual * repl_tp
        # A roofline per kernel class, run one after the other: dense GEMMs (non-expert weights),
        # expert GEMMs (touched experts) and attention (the KV cache).
        dense_time = np.maximum(dense_flops / (tp * peak * mfu_decode),
                                always_read * w_bytes_per_param * copies / (tp * bw * mbu))
        expert_time = np.maximum(expert_flops / (tp * peak * mfu_decode), expert_bytes / (tp * bw * mbu))
        attn_compute = attn_flops / (tp * peak_attn * mfu_decode * attn_eff)
        attn_memory = kv_read / (tp * bw * mbu * attn_eff)
        compute_time = (dense_flops + expert_flops) / (tp * peak * mfu_decode) + attn_compute
        mem_time = weight_read / (tp * bw * mbu) + attn_memory
        kernels = dense_time + expert_time + np.maximum(attn_compute, attn_memory)
        serial, overlapped = comm_seconds(tokens)
        step = (
            np.maximum(kernels, overlapped)
            + serial
            + overhead
            + B / copies * per_sequence_overhead
        )
        flops = dense_flops + expert_flops + attn_flops
        return step, compute_time, mem_time, flops, weight_read + kv_read, touched

    step_verify, dec_compute, dec_mem, dec_flops, dec_bytes, touched = decode_step(verify_tokens)
    if np.any(spec_on):  # g draft passes, each a fraction of a plain target step
        step_plain = decode_step(1.0)[0]
        step = np.where(spec_on, step_verify + spec_g * x["spec_draft_cost_ratio"] * step_plain, step_verify)
    else:
        step = step_verify
    tpot = step / tokens_per_step
    decode_compute_bound = dec_compute >= dec_mem

    # ---- prefill of one request (throughput setting: weight reads shared by a packed step)
    mnt = x["max_num_tokens"]
    full_layers = model.full_attention_layers
    win_layers = model.sliding_window_layers
    pairs_full = new_tokens * cached_tokens + new_tokens * new_tokens / 2
    if win_layers:
        window = float(model.sliding_window)
        pairs_win = new_tokens * np.minimum(window, cached_tokens + new_tokens / 2)
    else:
        pairs_win = 0.0
    attn_prefill_flops = attn_pair_prefill * (full_layers * pairs_full + win_layers * pairs_win)
    prefix_attn_flops = attn_pair_prefill * full_layers * new_tokens * cached_tokens
    gemm_prefill_flops = 2 * matmul_params * new_tokens
    prefill_flops = gemm_prefill_flops + attn_prefill_flops
    prefill_compute = gemm_prefill_flops / (tp * peak * mfu_prefill) + attn_prefill_flops / (
        tp * peak_attn * mfu_prefill * attn_eff
    )
    kv_write = new_tokens * kv_per_token * repl_tp
    if model.is_moe:
        prefill_weight_bytes = (always_read * copies + model.moe_layers * E * expert_params_layer) * w_bytes_per_param
    else:
        prefill_weight_bytes = always_read * w_bytes_per_param
    share = new_tokens / mnt  # share of packed steps' weight reads (a step carries max_num_tokens)
    prefill_mem = (prefill_weight_bytes * share + kv_write) / (tp * bw * mbu)
    chunks = np.ceil(new_tokens / mnt)
    serial, overlapped = comm_seconds(new_tokens, share)
    prefill_req = np.maximum(np.maximum(prefill_compute, prefill_mem), overlapped) + serial + overhead * share
    prefill_compute_bound = prefill_compute >= prefill_mem
    # TTFT: the request prefilled alone (its own weight reads, every chunk its own step)
    ttft_mem = (prefill_weight_bytes * chunks + kv_write) / (tp * bw * mbu)
    serial, overlapped = comm_seconds(new_tokens, chunks)
    ttft = np.maximum(np.maximum(prefill_compute, ttft_mem), overlapped) + serial + overhead * chunks

    # ---- throughput under continuous batching
    seconds_per_output_token = step / (B * tokens_per_step) + prefill_req / O  # per busy replica
    output_tps = active_replicas / seconds_per_output_token
    decode_tps = active_replicas * B * tokens_per_step / step
    prefill_tps = replicas * new_tokens / prefill_req
    requests_per_second = output_tps / O

    # ---- money
    usd_per_gpu_second = x["gpu_hourly_usd"] / 3600
    deployment_usd_per_second = N * usd_per_gpu_second
    gpu_seconds_per_request = N / requests_per_second
    usd_per_request = gpu_seconds_per_request * usd_per_gpu_second
    prefix_share = np.where(prefill_flops > 0, prefix_attn_flops / prefill_flops, 0.0)
    per_cached_token_flops = attn_pair_prefill * full_layers * new_tokens
    seconds_per_input = prefill_req * (1 - prefix_share) / new_tokens / active_replicas
    seconds_per_cached = prefill_req * per_cached_token_flops / np.maximum(prefill_flops, 1e-30) / active_replicas
    seconds_per_output = step / (B * tokens_per_step) / active_replicas
    usd_in = deployment_usd_per_second * seconds_per_input * 1e6
    usd_cached = deployment_usd_per_second * seconds_per_cached * 1e6
    usd_out = deployment_usd_per_second * seconds_per_output * 1e6

    decode_ai = dec_flops / np.maximum(dec_bytes, 1.0)
    prefill_bytes = prefill_weight_bytes * share + kv_write
    prefill_ai = prefill_flops / np.maximum(prefill_bytes, 1.0)

    return {
        "weights_bytes": weights_bytes,
        "kv_bytes_per_token": kv_per_token,
        "kv_bytes_per_request": kv_actual,
        "max_concurrency": max_concurrency,
        "concurrency": total_conc,
        "fits": fits,
        "tensor_parallel": tp,
        "attention_data_parallel": attention_dp,
        "replicas": replicas,
        "ttft_seconds": ttft,
        "tpot_seconds": tpot,
        "prefill_seconds_per_request": prefill_req,
        "decode_step_seconds": step,
        "prefill_tokens_per_second": prefill_tps,
        "decode_tokens_per_second": decode_tps,
        "output_tokens_per_second": output_tps,
        "requests_per_second": requests_per_second,
        "usd_per_million_input_tokens": usd_in,
        "usd_per_million_cached_input_tokens": usd_cached,
        "usd_per_million_output_tokens": usd_out,
        "usd_per_request": usd_per_request,
        "gpu_seconds_per_request": gpu_seconds_per_request,
        "prefill_compute_bound": prefill_compute_bound,
        "decode_compute_bound": decode_compute_bound,
        "total_params": total_params,
        "active_params": active_params,
        "experts_touched_per_layer": touched,
        "gpu_hourly_usd": x["gpu_hourly_usd"],
        "compute_dtype_code": dtype_codes,
        "prefill_arithmetic_intensity": prefill_ai,
        "decode_arithmetic_intensity": decode_ai,
        "peak_flops_per_second": peak,
        "memory_bandwidth_bytes_per_second": np.asarray(bw),
        "prefill_flops_per_request": prefill_flops,
        "decode_flops_per_step": dec_flops,
        "decode_bytes_per_step": dec_bytes,
        "spec_tokens_per_step": tokens_per_step,
    }


def attention_data_parallel(
    model: ModelArchitecture, tensor_parallel: np.ndarray, requested: np.ndarray | None = None
) -> np.ndarray:
    """Whether attention runs data-parallel inside a group of more than one GPU.

    ``requested`` (1/0 per point) is the planner's choice; without it latent attention (MLA) runs
    data-parallel and grouped-query attention tensor-parallel. Only MLA models are offered the
    data-parallel plan: its latent cache cannot be split by heads, so under tensor parallelism every GPU
    holds a copy, while data-parallel attention keeps one copy but replicates the non-expert weights.

    DeepSeek's inference system and SGLang's DP-attention keep a full copy of the
    attention (and other non-expert) weights on every GPU, give each GPU its own
    sequences and shard only the routed experts (expert parallelism): no
    all-reduce, no replicated latent cache (DeepSeek open-infra-index, day 6
    overview; LMSYS blog 2025-05-05 "large-scale EP").
    """
    multi = np.asarray(tensor_parallel) > 1
    if requested is None:
        return multi & (model.attention == "mla")
    return multi & (np.asarray(requested) > 0) & (model.attention == "mla")


def _attention_flops_per_pair(model: ModelArchitecture, decode: bool) -> float:
    """FLOPs per layer for one (query, key) pair: QK^T plus AV, 2 FLOPs per multiply-add.

    GQA/MHA: 2 h d_h + 2 h d_h = 4 h d_h. MLA at decode runs in the absorbed form
    over the latent (2 h (d_c + d_r) + 2 h d_c); at prefill in the expanded form
    (2 h (d_nope + d_r) + 2 h d_v) (DeepSeek-V2 report, arXiv 2405.04434, section 2.1.3).
    """
    h = model.num_attention_heads
    if model.attention == "mla":
        if decode:
            return 2.0 * h * (model.kv_lora_rank + model.qk_rope_head_dim) + 2.0 * h * model.kv_lora_rank
        return 2.0 * h * (model.qk_nope_head_dim + model.qk_rope_head_dim) + 2.0 * h * model.v_head_dim
    return 4.0 * h * model.head_dim


