"""Physics of serving one parallelism plan: ``evaluate`` composes the named steps below.

Everything is vectorised: every numeric Scenario field may be a numpy array
(``estimate_arrays``), and one pass computes all points without a Python loop
over scenarios. The planner (:mod:`costmodel.engine.planner`) stacks its
candidate plans on a leading axis of the same arrays.

The steps, each a pure function with its sources in its module's docstring
(formulas also in docs/cost-model.md):

1. Memory plan (:mod:`~costmodel.engine.memory_plan`, :mod:`~costmodel.engine.memory`):
   weights, replica layout (tensor parallel, data-parallel attention for MLA),
   KV bytes per request, the batch that fits (memory vs engine limits).
2. Rates and the roofline (:mod:`~costmodel.engine.rates`; Pope et al., MLSys
   2023, arXiv 2211.05102): time = max(FLOPs / (peak x MFU), bytes /
   (bandwidth x MBU)) + communication + a fixed per-step overhead.
3. Communication (:mod:`~costmodel.engine.communication`; Megatron-LM, arXiv
   1909.08053; DeepSeek-V3 report and open-infra-index day 6): ring
   all-reduces, MoE all-to-alls.
4. Attention FLOPs (:mod:`~costmodel.engine.attention`; DeepSeek-V2 report for
   latent attention) and the decode step (:mod:`~costmodel.engine.decode`;
   Kaplan et al. 2020, arXiv 2001.08361; speculative decoding, Leviathan et al., ICML 2023, arXiv
   2211.17192, Eq. 1).
5. Prefill, packed and alone (TTFT) (:mod:`~costmodel.engine.prefill`).
6. Continuous-batching throughput (:mod:`~costmodel.engine.batching`; Yu et
   al., Orca, OSDI 2022).
7. Money (:mod:`~costmodel.engine.money`): GPU-seconds x $/GPU-hour / 3600.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.engine.attention import (
    decode_attention_flops_per_token,
    prefill_attention_flops,
    prefix_attention_flops_per_cached_token,
)
from costmodel.engine.batching import continuous_batching_throughput, occupancy
from costmodel.engine.communication import interconnect
from costmodel.engine.context_parallel import (
    exposed_ring_seconds,
    rank_gpus,
    replica_free_kv_bytes,
    ring_kv_bytes_per_gpu,
)
from costmodel.engine.decode import (
    average_decode_context,
    decode_step,
    speculative_step_seconds,
    speculative_tokens_per_step,
)
from costmodel.engine.energy import all_in_watts, deployment_gpu_watts, replica_busy_share, token_energy
from costmodel.engine.kernels import kernel_params, precision_efficiency
from costmodel.engine.memory import attention_score_bytes
from costmodel.engine.memory_plan import batch_limits, free_kv_bytes, model_weights, replica_layout
from costmodel.engine.money import all_in_usd_per_million, request_cost, usd_per_million_tokens
from costmodel.engine.prefill import new_prompt_tokens, prefill
from costmodel.engine.rates import DTYPE_CODES, peak_flops_for, replica_rates
from costmodel.engine.scenario import Scenario
from costmodel.engine.service_level import meets_targets, service_level_batch, speed_and_ttft

__all__ = ["DTYPE_CODES", "evaluate"]


def evaluate(
    model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, scenario: Scenario, x: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Every result of one plan for arrays of points: memory plan, decode, prefill, throughput, money.

    ``x`` holds the engine inputs by Scenario field name (arrays broadcast together), the plan's
    ``tensor_parallel`` and optionally ``attention_dp`` (1/0); ``base_eff`` supplies the efficiency
    constants that are not Scenario fields. Returns arrays keyed like ``inference.RESULT_KEYS``, with
    codes for the bounds and the compute precision (``*_compute_bound``, ``compute_dtype_code``).
    """
    S, E, k = x["prompt_tokens"], x["experts_total"], x["experts_active"]
    O = x["output_tokens"] + x.get("reasoning_tokens", 0.0)  # noqa: E741 - thinking tokens decode (and bill) as output
    cp = x.get("context_parallel", 1.0)
    g = x["spec_draft_tokens"]
    new = new_prompt_tokens(S, x["cache_hit_rate"] if scenario.prefix_caching else 0.0)
    cached = S - new
    context = average_decode_context(S, O)
    tokens_per_step = speculative_tokens_per_step(g, x["spec_acceptance"])
    verify_tokens = 1 + g

    # ---- memory plan of one replica
    weights = model_weights(model, E, k, x["weight_bits"])
    kv_per_token = np.asarray(model.kv_bytes_per_token(x["kv_bits"]), dtype=float)
    kv_per_request = np.asarray(model.kv_bytes_for_context(context, x["kv_bits"]), dtype=float)
    paged_util = base_eff.paged_kv_utilization if scenario.paged_kv else base_eff.unpaged_kv_utilization
    scores = 0.0 if scenario.flash_attention else attention_score_bytes(model.num_attention_heads, new, S)
    layout = replica_layout(model, rank_gpus(x["gpus"], cp), x["tensor_parallel"], x.get("attention_dp"))
    free = replica_free_kv_bytes(free_kv_bytes(layout, weights, gpu.memory_bytes, x["memory_utilization"], scores), cp)
    reserved = kv_per_request / paged_util * layout.kv_copies
    # With data-parallel attention every rank schedules its own batch under the engine's limits
    # (SGLang/vLLM DP attention: one scheduler per rank), so a replica's limits scale with its ranks.
    ranks = layout.weight_copies if model.attention == "mla" else 1.0
    by_memory, by_engine = batch_limits(free, reserved, x["max_batch_size"] * ranks, x["max_num_tokens"] * ranks,
                                        verify_tokens)
    batch_cap = np.minimum(by_memory, by_engine)
    max_concurrency = layout.replicas * np.maximum(batch_cap, 0)

    # ---- rates and links
    peak, dtype_codes = peak_flops_for(gpu, scenario.compute_dtype, x["weight_bits"])
    attn_eff = 1.0 if scenario.flash_attention else base_eff.attention_efficiency_no_flash
    tp = layout.tensor_parallel
    precision = precision_efficiency(base_eff.precision_efficiency, dtype_codes)
    prefill_mfu, decode_mfu = (x["prefill_mfu"], x["decode_mfu"]) if np.isscalar(precision) and precision == 1.0 \
        else (x["prefill_mfu"] * precision, x["decode_mfu"] * precision)
    rates = replica_rates(tp, peak, gpu.peak_flops("bf16"), gpu.memory_bandwidth_bytes_s,
                          prefill_mfu, decode_mfu, x["decode_mbu"], attn_eff)
    kernel = kernel_params(base_eff)
    net = interconnect(gpu, tp, x["comm_efficiency"], base_eff.collective_latency_us,
                       layout.attention_data_parallel, dtype_codes)
    overhead = x["step_overhead_ms"] / 1e3

    # ---- decode (with speculative drafts) and prefill
    step_of = partial(
        decode_step, model, weights, layout, rates, net, experts_total=E, experts_active=k,
        attention_flops_per_token=decode_attention_flops_per_token(model, context) / cp,
        kv_bytes_per_request=kv_per_request / cp, moe_gemm_min_tokens=base_eff.moe_gemm_min_tokens,
        step_overhead_s=overhead, per_sequence_overhead_s=base_eff.per_sequence_overhead_us / 1e6, kernel=kernel,
    )

    def step_at(batch: np.ndarray):  # one decode step at a per-replica batch, speculative drafts included
        dec = step_of(batch=batch, tokens_per_sequence=verify_tokens)
        plain = step_of(batch=batch, tokens_per_sequence=1.0).seconds if np.any(g > 0) else None
        return dec, speculative_step_seconds(dec.seconds, plain, g, x["spec_draft_cost_ratio"])

    pre = prefill(model, weights, layout, rates, net, new_tokens=new / cp,
                  attention_flops=prefill_attention_flops(model, new, cached) / cp, kv_bytes_per_token=kv_per_token,
                  experts_total=E, experts_active=k, max_num_tokens=x["max_num_tokens"], step_overhead_s=overhead,
                  kernel=kernel)
    ring_bytes = ring_kv_bytes_per_gpu(S, kv_per_token, layout.kv_copies, tp, cp)
    ring_link = interconnect(gpu, tp * cp, x["comm_efficiency"], base_eff.collective_latency_us,
                             layout.attention_data_parallel, dtype_codes).link_bytes_s
    exposed_ring = exposed_ring_seconds(ring_bytes, ring_link, pre.seconds_per_request)
    prefill_seconds, ttft = pre.seconds_per_request + exposed_ring, pre.ttft_seconds + exposed_ring

    # ---- service level: the largest batch per replica meeting the speed and TTFT targets ('max' only)
    min_speed, max_ttft = x["min_tokens_per_second_per_user"], x["max_ttft_seconds"]
    slo_batch, binding = service_level_batch(
        lambda b: step_at(b)[1], tokens_per_step, prefill_seconds, ttft, O, by_memory, by_engine, min_speed, max_ttft,
    )
    limit = np.where((x["concurrency"] > 0) | (batch_cap < 1), max_concurrency, layout.replicas * slo_batch)
    occ = occupancy(x["concurrency"], limit, layout.replicas)
    dec, step = step_at(occ.batch)
    speed, ttft_p99 = speed_and_ttft(occ.batch, step, tokens_per_step, prefill_seconds, ttft, O)
    speed_ok, ttft_ok = meets_targets(speed, ttft_p99, min_speed, max_ttft)

    # ---- throughput and money
    thr = continuous_batching_throughput(occ, layout.replicas, step, tokens_per_step, prefill_seconds, new, O)
    u = x["utilization"]
    at_u = (lambda usd: usd) if np.ndim(u) == 0 and u == 1 else (lambda usd: usd / u)  # full load: no copy
    cost = request_cost(x["gpus"], x["gpu_hourly_usd"], thr.requests_per_second)
    prices = usd_per_million_tokens(
        x["gpus"], x["gpu_hourly_usd"], occ.busy_replicas, prefill_seconds, pre.flops,
        prefix_attention_flops_per_cached_token(model, new) / cp, cached, new,
        thr.decode_seconds_per_output_token,
    )
    all_in = all_in_usd_per_million(x["gpus"], x["gpu_hourly_usd"], thr.output_tokens_per_second, u)
    blended = all_in_usd_per_million(x["gpus"], x["gpu_hourly_usd"], thr.output_tokens_per_second * (S + O) / O, u)
    busy = replica_busy_share(thr.decode_seconds_per_output_token,
                              np.maximum(dec.compute_seconds, dec.memory_seconds) / step, prefill_seconds / O)
    gpu_watts = deployment_gpu_watts(np.nan if gpu.tdp_w is None else gpu.tdp_w,
                                     x.get("gpu_idle_power_fraction", 0.15), busy, x["gpus"],
                                     occ.busy_replicas * tp * cp)
    watts = all_in_watts(gpu_watts, x.get("host_power_fraction", 0.5), x.get("pue", 1.2))
    energy = token_energy(watts, prices.deployment_seconds_per_output_token, prices.deployment_seconds_per_input_token,
                          thr.requests_per_second, thr.output_tokens_per_second, x.get("electricity_usd_per_kwh", 0.08))
    return {
        "weights_bytes": weights.weights_bytes,
        "kv_bytes_per_token": kv_per_token,
        "kv_bytes_per_request": kv_per_request,
        "max_concurrency": max_concurrency,
        "concurrency": occ.concurrency,
        "fits": batch_cap >= 1,
        "tensor_parallel": tp,
        "attention_data_parallel": layout.attention_data_parallel,
        "replicas": layout.replicas,
        "ttft_seconds": ttft,
        "tpot_seconds": step / tokens_per_step,
        "prefill_seconds_per_request": prefill_seconds,
        "decode_step_seconds": step,
        "prefill_tokens_per_second": thr.prefill_tokens_per_second,
        "decode_tokens_per_second": thr.decode_tokens_per_second,
        "output_tokens_per_second": thr.output_tokens_per_second,
        "requests_per_second": thr.requests_per_second,
        "usd_per_million_input_tokens": at_u(prices.usd_per_million_input_tokens),
        "usd_per_million_cached_input_tokens": at_u(prices.usd_per_million_cached_input_tokens),
        "usd_per_million_output_tokens": at_u(prices.usd_per_million_output_tokens),
        "usd_per_request": at_u(cost.usd_per_request),
        "gpu_seconds_per_request": cost.gpu_seconds_per_request,
        "prefill_compute_bound": pre.compute_bound,
        "decode_compute_bound": dec.compute_seconds >= dec.memory_seconds,
        "total_params": weights.total_params,
        "active_params": weights.active_params,
        "experts_touched_per_layer": dec.experts_touched,
        "gpu_hourly_usd": x["gpu_hourly_usd"],
        "compute_dtype_code": dtype_codes,
        "prefill_arithmetic_intensity": pre.flops / np.maximum(pre.bytes_per_request, 1.0),
        "decode_arithmetic_intensity": dec.flops / np.maximum(dec.bytes, 1.0),
        "peak_flops_per_second": peak,
        "memory_bandwidth_bytes_per_second": np.asarray(gpu.memory_bandwidth_bytes_s),
        "prefill_flops_per_request": pre.flops,
        "decode_flops_per_step": dec.flops,
        "decode_bytes_per_step": dec.bytes,
        "spec_tokens_per_step": tokens_per_step,
        "context_parallel": np.asarray(cp, dtype=float),
        "ring_kv_bytes_per_gpu": ring_bytes,
        "gpu_busy_share": busy,
        "all_in_power_watts": energy.all_in_watts,
        "joules_per_output_token": energy.joules_per_output_token,
        "joules_per_input_token": energy.joules_per_input_token,
        "joules_per_request": energy.joules_per_request,
        "output_tokens_per_kwh": energy.output_tokens_per_kwh,
        "usd_energy_per_million_output_tokens": energy.usd_energy_per_million_output_tokens,
        "tokens_per_second_per_user": speed,
        "ttft_p99_seconds": ttft_p99,
        "meets_slo": speed_ok & ttft_ok & (batch_cap >= 1),
        "binding_constraint_code": binding,
        "usd_per_million_output_tokens_all_in": all_in,
        "usd_per_million_tokens_blended": blended,
        "gpus_provisioned": x["gpus"],
        "utilization": u,
    }
