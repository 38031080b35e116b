"""The Learn page's pictures: the roofline with this scenario on it, the KV cache crowding the batch, MoE expert
coverage against the batch, the MLA cache formula, and why cached input still costs at long context.

Draws only: every number comes from the engine or costmodel.analysis (curves, teaching).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from costmodel.analysis import curves, teaching
from ui import scenario_cache
from ui.charts import line_chart, roofline_chart
from ui.format import fmt_count, fmt_pct, fmt_tokens, fmt_usd_per_mtok
from ui.page import PageContext
from ui.widgets import chart

BATCHES = np.unique(np.geomspace(1, 4096, 40).astype(int))
EXAMPLE_MOE = "deepseek-v3"  # drawn when the scenario's model is dense


def estimate_roofline(r) -> tuple:
    """(figure, ridge FLOP/byte) of an estimate's roofline with its prefill and decode points (Cost curves too)."""
    points = {"prefill": (r.prefill_arithmetic_intensity, curves.achieved_flops(r, "prefill")),
              "decode": (r.decode_arithmetic_intensity, curves.achieved_flops(r, "decode"))}
    ai, attainable, ridge = curves.roofline(r.peak_flops_per_second, r.memory_bandwidth_bytes_per_second)
    return scenario_cache.figure(roofline_chart, ai, attainable, ridge, points), ridge


def draw(page: PageContext) -> None:
    s, r, cat, model = page.scenario, page.estimate, page.catalog, page.model
    st.subheader("The roofline, with your scenario on it")
    fig, ridge = estimate_roofline(r)
    chart(fig, "learn_roofline",
          f"Notice: on {page.gpu.name} prefill sits at {r.prefill_arithmetic_intensity:,.0f} FLOP per byte "
          f"({r.prefill_bound}-bound) and decode at {r.decode_arithmetic_intensity:,.0f} ({r.decode_bound}-bound); "
          f"left of the ridge at {ridge:,.0f} FLOP/byte the GPU waits on memory, right of it on arithmetic.")

    st.subheader("The KV cache crowds out the batch")
    x, v = scenario_cache.computed(curves.over_context, s, keys=("max_concurrency",))
    kv_fig = scenario_cache.figure(
        line_chart, x, {"Requests that fit in memory at once": v["max_concurrency"]},
        title="Longer prompts leave room for fewer requests", x_title="Prompt length (tokens, log)",
        y_title="Requests that fit (log)", log_x=True, log_y=True, hover_y="%{y:,.0f}",
        marker=(s.prompt_tokens, r.max_concurrency, "your scenario"),
        empty_reason="Not even one request fits at these settings.")
    chart(kv_fig, "learn_kv",
          f"Notice: each token of context holds {r.kv_bytes_per_token:,.0f} bytes of KV cache in every replica, so "
          f"doubling the prompt roughly halves the batch: at {fmt_tokens(s.prompt_tokens)} tokens "
          f"{fmt_count(r.max_concurrency)} requests fit, and each read of the weights is shared by fewer tokens.")

    st.subheader("Mixture of experts: a bigger batch reads more experts")
    moe = model if model.is_moe else cat.model(EXAMPLE_MOE)
    cover = teaching.expert_coverage(moe, BATCHES, s.experts_total if model.is_moe else None,
                                     s.experts_active if model.is_moe else None) * 100
    per_replica = r.concurrency / max(r.replicas, 1)
    here = (per_replica, float(teaching.expert_coverage(moe, np.array([per_replica]),
                                                        s.experts_total if model.is_moe else None,
                                                        s.experts_active if model.is_moe else None)[0] * 100),
            "your batch") if model.is_moe else None
    moe_fig = scenario_cache.figure(
        line_chart, BATCHES, {"Share of experts read per decode step": cover},
        title=f"{moe.name}: experts read per layer against the batch",
        x_title="Tokens decoded together per replica (log)", y_title="Experts read (% of the layer's)", log_x=True,
        hover_y="%{y:.1f}%", marker=here)
    chart(moe_fig,
          "learn_moe",
          f"Notice: one token reads {moe.experts_per_token} of {moe.num_experts} experts; a batch of B tokens routed "
          "independently reads E(1 − (1 − k/E)^B) of them, so by a few hundred tokens nearly every expert's weights "
          "are read each step and a MoE's memory traffic approaches a dense model of its total size."
          + ("" if model.is_moe else f" {model.name} is dense: drawn for {moe.name}."))

    st.subheader("The KV cache, term by term")
    for m in dict.fromkeys((model, cat.model(EXAMPLE_MOE))):
        t = teaching.kv_terms(m, s.kv_bits if m is model else 16)
        what = ("MLA caches one compressed latent (d_c) and one RoPE key (d_r) per layer instead of K and V per head"
                if t.attention == "mla" else "K and V for each key/value head of width d_h")
        st.markdown(f"**{m.name}** ({what}): {t.layers} layers × ({t.terms}) values × {t.bytes_per_value:g} bytes "
                    f"= **{t.bytes_per_token:,.0f} bytes per token**.")
        terms = t.terms.replace("×", r"\times")
        st.latex(rf"{t.layers} \times ({terms}) \times {t.bytes_per_value:g} = "
                 rf"{t.bytes_per_token:,.0f}".replace(",", "{,}"))

    st.subheader("Why cached input still costs at long context")
    n = min(100_000, curves.prompt_limit(model) - s.output_tokens)
    if n < 4096:
        st.markdown(f"{model.name}'s window leaves no room for a long prompt beside {fmt_tokens(s.output_tokens)} "
                    "output tokens; pick a longer-context model to see this.")
        return
    cv = scenario_cache.computed(teaching.cached_vs_uncached, s, prompt_tokens=n)
    short = teaching.attention_share_of_prefill(model, 2048)
    st.markdown(
        f"At a {fmt_tokens(n)}-token prompt on your deployment, a prompt token costs "
        f"{fmt_usd_per_mtok(cv.uncached_usd_per_m)} and one served from the prefix cache "
        f"{fmt_usd_per_mtok(cv.cached_usd_per_m)} (half the prompt cached): {fmt_pct(cv.cached_over_uncached)} of "
        "the uncached price. A cached token skips its own pass through the weights (2 × active parameters FLOPs), "
        f"but every one of the {cv.new_tokens:,} new tokens still attends to it, and that attention is billed to "
        f"the cached token. At this length attention is {fmt_pct(cv.attention_share)} of a prefill's FLOPs "
        f"(at 2k tokens: {fmt_pct(short)}), so the cache removes little of the cost.")
