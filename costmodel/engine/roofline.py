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
   al., Orca, OSDI 2022), at the step-averaged batch of a finite burst where the
   scenario states one (:mod:`~costmodel.engine.burst`).
7. Money (:mod:`~costmodel.engine.money`): GPU-seconds x $/GPU-hour / 3600.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.efficiency import Efficiency
from costmodel.catalog.hardware import GPU
from costmodel.engine.arrays import is_scalar_value
from costmodel.engine.attention import (
    decode_attention_flops_per_token,
    padded_sparse_prefill_attention_flops,
    prefill_attention_flops,
    prefix_attention_flops_per_cached_token,
    sparse_prefill_head_padding,
)
from costmodel.engine.batching import Occupancy, Throughput, continuous_batching_throughput, occupancy
from costmodel.engine.burst import burst_occupancy
from costmodel.engine.communication import Interconnect, interconnect
from costmodel.engine.context_parallel import (
    exposed_ring_seconds,
    rank_gpus,
    replica_free_kv_bytes,
    ring_kv_bytes_per_gpu,
)
from costmodel.engine.decode import (
    DecodeStep,
    average_decode_context,
    decode_step,
    speculative_step_seconds,
    speculative_tokens_per_step,
)
from costmodel.engine.energy import all_in_watts, deployment_gpu_watts, replica_busy_share, token_energy
from costmodel.engine.kernels import KernelParams, kernel_params, precision_efficiency
from costmodel.engine.memory import attention_score_bytes
from costmodel.engine.memory_plan import (
    Layout,
    Weights,
    batch_limits,
    free_kv_bytes,
    model_weights,
    replica_layout,
    with_kept_precision,
)
from costmodel.engine.money import all_in_usd_per_million, request_cost, usd_per_million_tokens
from costmodel.engine.prefill import Prefill, new_prompt_tokens, prefill
from costmodel.engine.rates import (
    DTYPE_CODES,
    ReplicaRates,
    peak_flops_for,
    replica_rates,
    sustained_clock_share,
)
from costmodel.engine.scenario import Scenario
from costmodel.engine.service_level import meets_targets, service_level_batch, speed_and_ttft
from costmodel.engine.serving_runtime import ServingRuntime, runtime_kernel, runtime_memory, runtime_named

__all__ = ["DTYPE_CODES", "Capacity", "Replica", "Request", "Served", "evaluate", "replica_capacity", "replica_terms", "request_terms", "results", "serve",
           "service_level"]


@dataclass(frozen=True, slots=True)
class Request:
    """What serving a point's requests takes whatever the plan (per point): tokens, KV bytes, weights,
    precision, the attention FLOPs of one context rank (``context_parallel`` splits them)."""

    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    """Decoded (and billed) tokens: the answer plus any reasoning tokens."""
    context_parallel: np.ndarray | float
    draft_tokens: np.ndarray
    new_tokens: np.ndarray
    cached_tokens: np.ndarray
    tokens_per_step: np.ndarray
    verify_tokens: np.ndarray
    weights: Weights
    kv_bytes_per_token: np.ndarray
    kv_bytes_per_request: np.ndarray
    reserved_kv_bytes_per_copy: np.ndarray
    """KV bytes one request reserves per copy of its cache (paged or unpaged allocation)."""
    score_bytes: np.ndarray | float
    peak_flops: np.ndarray
    dtype_codes: np.ndarray
    prefill_mfu: np.ndarray
    decode_mfu: np.ndarray
    kernel: KernelParams
    step_overhead_s: np.ndarray
    decode_attention_flops_per_token: np.ndarray
    prefill_attention_flops: np.ndarray
    runtime: ServingRuntime | None = None  # Scenario.serving_runtime (None: the generic one)


def request_terms(
    model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, scenario: Scenario, x: dict[str, np.ndarray]
) -> Request:
    """The plan-independent step: prefix-cache split, decode context, speculative tokens, weights, KV bytes,
    compute precision and its peak."""
    S = x["prompt_tokens"]
    O = x["output_tokens"] + x.get("reasoning_tokens", 0.0)  # noqa: E741 - thinking tokens decode (and bill) as output
    cp = x.get("context_parallel", 1.0)
    g = x["spec_draft_tokens"]
    new = new_prompt_tokens(S, x["cache_hit_rate"] if scenario.prefix_caching else 0.0)
    cached = S - new
    context = average_decode_context(S, O, x.get("output_tokens_cv", 0.0))
    kv_per_request = np.asarray(model.kv_bytes_for_context(context, x["kv_bits"]), dtype=float)
    paged_util = base_eff.paged_kv_utilization if scenario.paged_kv else base_eff.unpaged_kv_utilization
    peak, dtype_codes = peak_flops_for(gpu, scenario.compute_dtype, x["weight_bits"])
    runtime = runtime_named(scenario.serving_runtime)
    # The kernels' share of a precision's peak, times the clock a power-limited board holds under load.
    precision = precision_efficiency(base_eff.precision_efficiency, dtype_codes) * sustained_clock_share(gpu, dtype_codes)
    prefill_mfu, decode_mfu = (x["prefill_mfu"], x["decode_mfu"]) if is_scalar_value(precision, 1.0) \
        else (x["prefill_mfu"] * precision, x["decode_mfu"] * precision)
    return Request(
        prompt_tokens=S, output_tokens=O, context_parallel=cp, draft_tokens=g, new_tokens=new, cached_tokens=cached,
        tokens_per_step=speculative_tokens_per_step(g, x["spec_acceptance"]), verify_tokens=1 + g,
        weights=with_kept_precision(model, gpu, scenario.compute_dtype, x["weight_bits"],
                                    model_weights(model, x["experts_total"], x["experts_active"], x["weight_bits"])),
        kv_bytes_per_token=np.asarray(model.kv_bytes_per_token(x["kv_bits"]), dtype=float),
        kv_bytes_per_request=kv_per_request, reserved_kv_bytes_per_copy=kv_per_request / paged_util,
        score_bytes=0.0 if scenario.flash_attention else attention_score_bytes(model.num_attention_heads, new, S),
        peak_flops=peak, dtype_codes=dtype_codes, prefill_mfu=prefill_mfu, decode_mfu=decode_mfu,
        kernel=runtime_kernel(kernel_params(base_eff), runtime, model, gpu, x["weight_bits"]),
        step_overhead_s=x["step_overhead_ms"] / 1e3,
        decode_attention_flops_per_token=decode_attention_flops_per_token(model, context) / cp,
        prefill_attention_flops=prefill_attention_flops(model, new, cached) / cp,
        runtime=runtime,
    )


@dataclass(frozen=True, slots=True)
class Capacity:
    """How one plan's replica holds requests, per point: its layout and the batch that fits."""

    layout: Layout
    by_memory: np.ndarray
    by_engine: np.ndarray
    batch_cap: np.ndarray
    max_concurrency: np.ndarray


def replica_capacity(model: ModelArchitecture, gpu: GPU, x: dict[str, np.ndarray], req: Request) -> Capacity:
    """The plan's memory plan: replica layout, the KV memory left after the weights, and the batch that fits
    under memory and engine limits."""
    cp = req.context_parallel
    layout = replica_layout(model, rank_gpus(x["gpus"], cp), x["tensor_parallel"], x.get("attention_dp"))
    device, held = runtime_memory(req.runtime, model, gpu, layout, x, req.weights.bytes_per_param)
    free = replica_free_kv_bytes(free_kv_bytes(layout, req.weights, device, x["memory_utilization"], req.score_bytes,
                                               held), cp)
    reserved = req.reserved_kv_bytes_per_copy * layout.kv_copies
    # With data-parallel attention every rank schedules its own batch under the engine's limits
    # (SGLang/vLLM DP attention: one scheduler per rank), so a replica's limits scale with its ranks.
    ranks = layout.weight_copies if model.attention == "mla" else 1.0
    by_memory, by_engine = batch_limits(free, reserved, x["max_batch_size"] * ranks, x["max_num_tokens"] * ranks,
                                        req.verify_tokens)
    batch_cap = np.minimum(by_memory, by_engine)
    return Capacity(layout=layout, by_memory=by_memory, by_engine=by_engine, batch_cap=batch_cap,
                    max_concurrency=layout.replicas * np.maximum(batch_cap, 0))


@dataclass(frozen=True, slots=True)
class Replica:
    """One plan's replica, per point: layout, the batch that fits, rates, links and the prefill."""

    layout: Layout
    by_memory: np.ndarray
    by_engine: np.ndarray
    batch_cap: np.ndarray
    max_concurrency: np.ndarray
    rates: ReplicaRates
    net: Interconnect
    prefill: Prefill
    prefill_seconds: np.ndarray
    """Replica seconds per request in a packed prefill batch, the exposed context-parallel ring included."""
    ttft_seconds: np.ndarray
    """Time to first token: the request prefilled alone, the exposed ring included."""


def replica_terms(model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, scenario: Scenario,
                  x: dict[str, np.ndarray], req: Request, capacity: Capacity | None = None) -> Replica:
    """The plan's capacity (``replica_capacity``, unless the caller has it), its rates and links, and the
    prefill packed and alone."""
    cap = replica_capacity(model, gpu, x, req) if capacity is None else capacity
    cp, layout = req.context_parallel, cap.layout
    attn_eff = 1.0 if scenario.flash_attention else base_eff.attention_efficiency_no_flash
    tp = layout.tensor_parallel
    rates = replica_rates(tp, req.peak_flops, gpu.peak_flops("bf16"), gpu.memory_bandwidth_bytes_s,
                          req.prefill_mfu, req.decode_mfu, x["decode_mbu"], attn_eff)
    net = interconnect(gpu, tp, x["comm_efficiency"], base_eff.collective_latency_us,
                       layout.attention_data_parallel, req.dtype_codes, scenario.two_batch_overlap is not False)
    attention_flops = req.prefill_attention_flops
    if req.kernel.sparse_prefill_head_multiple and model.sparse_attention_top_k:  # FlashMLA's padded sparse prefill
        pad = sparse_prefill_head_padding(model.num_attention_heads, tp, layout.attention_data_parallel,
                                          req.kernel.sparse_prefill_head_multiple)
        attention_flops = padded_sparse_prefill_attention_flops(model, req.new_tokens, req.cached_tokens, pad) / cp
    pre = prefill(model, req.weights, layout, rates, net, new_tokens=req.new_tokens / cp,
                  attention_flops=attention_flops, kv_bytes_per_token=req.kv_bytes_per_token,
                  experts_total=x["experts_total"], experts_active=x["experts_active"],
                  max_num_tokens=x["max_num_tokens"], step_overhead_s=req.step_overhead_s, kernel=req.kernel)
    prefill_seconds, ttft = pre.seconds_per_request, pre.ttft_seconds
    if np.any(np.asarray(cp) != 1):  # the ring's time beyond the prefill's compute (none without context ranks)
        ring_link = interconnect(gpu, tp * cp, x["comm_efficiency"], base_eff.collective_latency_us,
                                 layout.attention_data_parallel, req.dtype_codes).link_bytes_s
        exposed_ring = exposed_ring_seconds(ring_bytes_per_gpu(req, layout), ring_link, pre.seconds_per_request)
        prefill_seconds = prefill_seconds + exposed_ring
        ttft = ttft + exposed_ring
    return Replica(layout=layout, by_memory=cap.by_memory, by_engine=cap.by_engine, batch_cap=cap.batch_cap,
                   max_concurrency=cap.max_concurrency, rates=rates, net=net, prefill=pre,
                   prefill_seconds=prefill_seconds, ttft_seconds=ttft)


def ring_bytes_per_gpu(req: Request, layout: Layout) -> np.ndarray:
    """Bytes each GPU sends around the context-parallel ring in one prefill (0 without context ranks)."""
    return ring_kv_bytes_per_gpu(req.prompt_tokens, req.kv_bytes_per_token, layout.kv_copies, layout.tensor_parallel,
                                 req.context_parallel)


def decode_at(model: ModelArchitecture, base_eff: Efficiency, x: dict[str, np.ndarray], req: Request,
              rep: Replica, batch: np.ndarray) -> tuple[DecodeStep, np.ndarray]:
    """One decode step at a per-replica batch, and its seconds with speculative drafts included."""
    step_of = partial(
        decode_step, model, req.weights, rep.layout, rep.rates, rep.net, batch=batch,
        experts_total=x["experts_total"], experts_active=x["experts_active"],
        attention_flops_per_token=req.decode_attention_flops_per_token,
        kv_bytes_per_request=req.kv_bytes_per_request / req.context_parallel,
        moe_gemm_min_tokens=base_eff.moe_gemm_min_tokens, step_overhead_s=req.step_overhead_s,
        per_sequence_overhead_s=base_eff.per_sequence_overhead_us / 1e6, kernel=req.kernel,
    )
    g = req.draft_tokens
    dec = step_of(tokens_per_sequence=req.verify_tokens)
    plain = step_of(tokens_per_sequence=1.0).seconds if np.any(g > 0) else None
    return dec, speculative_step_seconds(dec.seconds, plain, g, x["spec_draft_cost_ratio"])


def service_level_search(model: ModelArchitecture, base_eff: Efficiency, x: dict[str, np.ndarray], req: Request,
                         rep: Replica) -> tuple[np.ndarray, np.ndarray]:
    """(largest batch per replica meeting the service-level targets, code of what binds) for the plan."""
    return service_level_batch(
        lambda b: decode_at(model, base_eff, x, req, rep, b)[1], req.tokens_per_step, rep.prefill_seconds,
        rep.ttft_seconds, req.output_tokens, rep.by_memory, rep.by_engine,
        x["min_tokens_per_second_per_user"], x["max_ttft_seconds"],
    )


@dataclass(frozen=True, slots=True)
class Served:
    """One plan serving its concurrency, per point: occupancy, the decode step there, throughput, cost."""

    binding: np.ndarray | None
    """Code of what stops the concurrency growing (service_level.BINDING); None where not asked for."""
    occupancy: Occupancy
    decode: DecodeStep
    step_seconds: np.ndarray
    throughput: Throughput
    gpu_seconds_per_request: np.ndarray
    usd_per_request: np.ndarray
    """At the utilization."""


def serve(model: ModelArchitecture, base_eff: Efficiency, x: dict[str, np.ndarray], req: Request, rep: Replica,
          with_binding: bool = True) -> Served:
    """The concurrency a plan serves (for 'max': the largest batch per replica meeting the service level), its
    decode step, continuous-batching throughput and cost per request."""
    binding, limit = None, rep.max_concurrency
    # The service-level search sets the concurrency only where a point asks for 'max' (0); elsewhere it only
    # names what binds, so a caller that does not want that name skips it.
    if with_binding or np.any(x["concurrency"] <= 0):
        slo_batch, binding = service_level_search(model, base_eff, x, req, rep)
        limit = np.where((x["concurrency"] > 0) | (rep.batch_cap < 1), rep.max_concurrency,
                         rep.layout.replicas * slo_batch)
    occ = burst_occupancy(occupancy(x["concurrency"], limit, rep.layout.replicas), x.get("burst_requests", 0.0),
                          x.get("output_tokens_cv", 0.0))
    dec, step = decode_at(model, base_eff, x, req, rep, occ.batch)
    thr = continuous_batching_throughput(occ, rep.layout.replicas, step, req.tokens_per_step, rep.prefill_seconds,
                                         req.new_tokens, req.output_tokens)
    cost = request_cost(x["gpus"], x["gpu_hourly_usd"], thr.requests_per_second)
    return Served(binding=binding, occupancy=occ, decode=dec, step_seconds=step, throughput=thr,
                  gpu_seconds_per_request=cost.gpu_seconds_per_request,
                  usd_per_request=at_utilization(cost.usd_per_request, x["utilization"]))


def at_utilization(usd: np.ndarray, utilization: np.ndarray) -> np.ndarray:
    """A full-load dollar figure at the provisioned GPUs' busy share: usd / u (no copy at full load)."""
    return usd if is_scalar_value(utilization, 1) else usd / utilization


def service_level(x: dict[str, np.ndarray], req: Request, rep: Replica, srv: Served):
    """(tokens/s per user, p99 TTFT, speed target met, TTFT target met) at the served batch."""
    speed, ttft_p99 = speed_and_ttft(srv.occupancy.batch, srv.step_seconds, req.tokens_per_step, rep.prefill_seconds,
                                     rep.ttft_seconds, req.output_tokens)
    return speed, ttft_p99, *meets_targets(speed, ttft_p99, x["min_tokens_per_second_per_user"],
                                           x["max_ttft_seconds"])


def evaluate(
    model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, scenario: Scenario, x: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Every result of one plan for arrays of points: memory plan, decode, prefill, throughput, money.

    ``x`` holds the engine inputs by Scenario field name (arrays broadcast together), the plan's
    ``tensor_parallel`` and optionally ``attention_dp`` (1/0); ``base_eff`` supplies the efficiency
    constants that are not Scenario fields. Returns arrays keyed like ``inference.RESULT_KEYS``, with
    codes for the bounds and the compute precision (``*_compute_bound``, ``compute_dtype_code``).
    """
    req = request_terms(model, gpu, base_eff, scenario, x)
    rep = replica_terms(model, gpu, base_eff, scenario, x, req)
    return results(model, gpu, base_eff, x, req, rep, serve(model, base_eff, x, req, rep))


def results(model: ModelArchitecture, gpu: GPU, base_eff: Efficiency, x: dict[str, np.ndarray], req: Request,
            rep: Replica, srv: Served) -> dict[str, np.ndarray]:
    """The results of a served plan, keyed like ``inference.RESULT_KEYS`` (the planner passes each point's chosen
    plan); what binds is searched for here where ``serve`` was not asked for it."""
    if srv.binding is None:
        srv = replace(srv, binding=service_level_search(model, base_eff, x, req, rep)[1])
    speed, ttft_p99, speed_ok, ttft_ok = service_level(x, req, rep, srv)
    return {
        **plan_results(gpu, x, req, rep, srv),
        **money_and_energy(model, gpu, x, req, rep, srv),
        "tokens_per_second_per_user": speed,
        "ttft_p99_seconds": ttft_p99,
        "meets_slo": speed_ok & ttft_ok & (rep.batch_cap >= 1),
    }


def plan_results(gpu: GPU, x: dict[str, np.ndarray], req: Request, rep: Replica, srv: Served) -> dict[str, np.ndarray]:
    """The memory plan, timings, throughput, bounds and work per step, keyed like ``inference.RESULT_KEYS``."""
    layout, pre, dec, thr, w = rep.layout, rep.prefill, srv.decode, srv.throughput, req.weights
    return {
        "weights_bytes": w.weights_bytes,
        "kv_bytes_per_token": req.kv_bytes_per_token,
        "kv_bytes_per_request": req.kv_bytes_per_request,
        "max_concurrency": rep.max_concurrency,
        "concurrency": srv.occupancy.concurrency,
        "fits": rep.batch_cap >= 1,
        "tensor_parallel": layout.tensor_parallel,
        "attention_data_parallel": layout.attention_data_parallel,
        "replicas": layout.replicas,
        "ttft_seconds": rep.ttft_seconds,
        "tpot_seconds": srv.step_seconds / req.tokens_per_step,
        "prefill_seconds_per_request": rep.prefill_seconds,
        "decode_step_seconds": srv.step_seconds,
        "prefill_tokens_per_second": thr.prefill_tokens_per_second,
        "decode_tokens_per_second": thr.decode_tokens_per_second,
        "output_tokens_per_second": thr.output_tokens_per_second,
        "requests_per_second": thr.requests_per_second,
        "usd_per_request": srv.usd_per_request,
        "gpu_seconds_per_request": srv.gpu_seconds_per_request,
        "prefill_compute_bound": pre.compute_bound,
        "decode_compute_bound": dec.compute_seconds >= dec.memory_seconds,
        "total_params": w.total_params,
        "active_params": w.active_params,
        "experts_touched_per_layer": dec.experts_touched,
        "gpu_hourly_usd": x["gpu_hourly_usd"],
        "compute_dtype_code": req.dtype_codes,
        "prefill_arithmetic_intensity": pre.flops / np.maximum(pre.bytes_per_request, 1.0),
        "decode_arithmetic_intensity": dec.flops / np.maximum(dec.bytes, 1.0),
        "peak_flops_per_second": req.peak_flops,
        "memory_bandwidth_bytes_per_second": np.asarray(gpu.memory_bandwidth_bytes_s),
        "prefill_flops_per_request": pre.flops,
        "decode_flops_per_step": dec.flops,
        "decode_bytes_per_step": dec.bytes,
        "spec_tokens_per_step": req.tokens_per_step,
        "context_parallel": np.asarray(req.context_parallel, dtype=float),
        "ring_kv_bytes_per_gpu": ring_bytes_per_gpu(req, layout),
        "binding_constraint_code": srv.binding,
        "gpus_provisioned": x["gpus"],
        "utilization": x["utilization"],
    }


def money_and_energy(model: ModelArchitecture, gpu: GPU, x: dict[str, np.ndarray], req: Request, rep: Replica,
                     srv: Served) -> dict[str, np.ndarray]:
    """Dollars per million tokens of each class (phase split and all-in), power and energy per token."""
    S, O, cp, u = req.prompt_tokens, req.output_tokens, req.context_parallel, x["utilization"]  # noqa: E741
    occ, thr, dec = srv.occupancy, srv.throughput, srv.decode
    prices = usd_per_million_tokens(
        x["gpus"], x["gpu_hourly_usd"], occ.busy_replicas, rep.prefill_seconds, rep.prefill.flops,
        prefix_attention_flops_per_cached_token(model, req.new_tokens, req.cached_tokens) / cp, req.cached_tokens, req.new_tokens,
        thr.decode_seconds_per_output_token,
    )
    busy = replica_busy_share(thr.decode_seconds_per_output_token,
                              np.maximum(dec.compute_seconds, dec.memory_seconds) / srv.step_seconds,
                              rep.prefill_seconds / O)
    gpu_watts = deployment_gpu_watts(np.nan if gpu.tdp_w is None else gpu.tdp_w,
                                     x.get("gpu_idle_power_fraction", 0.15), busy, x["gpus"],
                                     occ.busy_replicas * rep.layout.tensor_parallel * cp)
    watts = all_in_watts(gpu_watts, x.get("host_power_fraction", 0.5), x.get("pue", 1.2))
    energy = token_energy(watts, prices.deployment_seconds_per_output_token, prices.deployment_seconds_per_input_token,
                          thr.requests_per_second, thr.output_tokens_per_second, x.get("electricity_usd_per_kwh", 0.08))
    return {
        "usd_per_million_input_tokens": at_utilization(prices.usd_per_million_input_tokens, u),
        "usd_per_million_cached_input_tokens": at_utilization(prices.usd_per_million_cached_input_tokens, u),
        "usd_per_million_output_tokens": at_utilization(prices.usd_per_million_output_tokens, u),
        "gpu_busy_share": busy,
        "all_in_power_watts": energy.all_in_watts,
        "joules_per_output_token": energy.joules_per_output_token,
        "joules_per_input_token": energy.joules_per_input_token,
        "joules_per_request": energy.joules_per_request,
        "output_tokens_per_kwh": energy.output_tokens_per_kwh,
        "usd_energy_per_million_output_tokens": energy.usd_energy_per_million_output_tokens,
        "usd_per_million_output_tokens_all_in": all_in_usd_per_million(x["gpus"], x["gpu_hourly_usd"],
                                                                       thr.output_tokens_per_second, u),
        "usd_per_million_tokens_blended": all_in_usd_per_million(x["gpus"], x["gpu_hourly_usd"],
                                                                 thr.output_tokens_per_second * (S + O) / O, u),
    }
