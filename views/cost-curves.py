"""Cost curves: cost per request and per token against context, batch and cache hit rate; marginal cost;
the roofline of prefill and decode."""

import pandas as pd
import streamlit as st

from costmodel.analysis import curves
from ui import tables
from ui.charts import line_chart, plan_change_lines
from ui.format import fmt_gpus, fmt_pct
from ui.learn_pictures import estimate_roofline
from ui.money import ALL_IN_OUTPUT, PHASE_INPUT, PHASE_OUTPUT
from ui.page import open_page
from ui.widgets import chart, formula, spec_table

page = open_page("Cost curves", "How the cost of a request moves when one thing changes and the rest of the "
                 "scenario stays put. The diamond marks your scenario.", about="Scenario", check_fit=True)
catalog, s, r, a = page.catalog, page.scenario, page.estimate, page.pinned
NO_FIT = "No point fits in memory: see the message above for what would make it fit."

tabs = st.tabs(["Context length", "Batch size", "Cache hit rate", "Marginal cost", "Roofline"], key="curves_tab",
               on_change="rerun")  # only the open tab is computed and drawn
tab_ctx, tab_batch, tab_cache, tab_marginal, tab_roof = tabs
if tab_ctx.open:
    with tab_ctx:
        x, v = curves.over_context(s, catalog, ("usd_per_request", "usd_per_million_input_tokens",
                                                "usd_per_million_output_tokens", "usd_per_million_output_tokens_all_in",
                                                "max_concurrency"))
        series = {"Cost per request": v["usd_per_request"]}
        if a is not None:  # the pinned scenario A on the same axis, for an A/B comparison
            series["Pinned scenario A"] = curves.on_grid(a, catalog, x, "usd_per_request")
        chart(line_chart(x, series, title="Cost per request vs prompt length", dashed=("Pinned scenario A",),
                         x_title="Prompt length (tokens, log)", y_title="USD per request (log)", log_x=True, log_y=True,
                         y_money=True, marker=(s.prompt_tokens, r.usd_per_request, "your scenario") if r.fits else None,
                         hover_y="$%{y:.4g}"), "ctx_request",
              "Notice: doubling the prompt more than doubles the cost once attention and the KV cache dominate.")
        chart(line_chart(x, {ALL_IN_OUTPUT: v["usd_per_million_output_tokens_all_in"],
                             PHASE_OUTPUT: v["usd_per_million_output_tokens"],
                             PHASE_INPUT: v["usd_per_million_input_tokens"]},
                         title="Cost per million tokens vs prompt length", x_title="Prompt length (tokens, log)",
                         y_title="USD per million tokens (log)", log_x=True, log_y=True, y_money=True,
                         dashed=(PHASE_OUTPUT,), hover_y="$%{y:.4g}"), "ctx_tokens",
              "Notice: a list price per token is flat across this axis; the cost per output token climbs because "
              "longer contexts leave room for fewer requests in each decode batch. All-in: the whole deployment's "
              "time over the output tokens (prefill included); phase split: each token class only its own phase.")
        with (ctx_box := st.expander("Data behind these charts", key="cc_ctx_data_open", on_change="rerun")):
            if ctx_box.open:  # built only while open: no table work on a sidebar change with it closed
                spec_table(tables.COST_VS_CONTEXT, pd.DataFrame({"prompt_tokens": x, **v}), "ctx_data")
        formula("attention FLOPs of a prefill",
                r"F_\text{prefill} = 2 P_\text{active} S + 4 L h d_h \, S\,(C + S/2)",
                "S new prompt tokens after C cached ones: the second term is quadratic in S.")
if tab_batch.open:
    with tab_batch:
        xb, vb = curves.over_concurrency(s, catalog, ("usd_per_million_output_tokens",
                                                      "usd_per_million_output_tokens_all_in", "tpot_seconds",
                                                      "tensor_parallel", "replicas"),
                                         include=r.concurrency if r.fits else None)
        plans = [f"{fmt_gpus(tp)}/replica × {n:.0f}" if tp == tp else ""
                 for tp, n in zip(vb["tensor_parallel"], vb["replicas"], strict=True)]
        changes = plan_change_lines(xb, plans)
        chart(line_chart(xb, {ALL_IN_OUTPUT: vb["usd_per_million_output_tokens_all_in"],
                              PHASE_OUTPUT: vb["usd_per_million_output_tokens"]},
                         title="Cost per output token vs requests decoded together", x_title="Concurrent requests (log)",
                         y_title="USD per million output tokens (log)", log_x=True, log_y=True, y_money=True,
                         dashed=(PHASE_OUTPUT,),
                         marker=(r.concurrency, r.usd_per_million_output_tokens_all_in, "your scenario")
                         if r.fits else None,
                         hover_y="$%{y:.4g}", vlines=changes, empty_reason=NO_FIT), "batch_cost",
              "Notice: batching shares each read of the weights across requests, so cost falls steeply until "
              "decode turns compute-bound or memory runs out (the line stops where the batch no longer fits)."
              + (" Dotted lines mark where the planner changes the GPU split (" + "; ".join(
                  f"from {x:,.0f} requests: {p}" for x, p, _ in changes) + "), so the curve can kink there."
                 if changes else f" One plan over the whole curve: {plans[0] if plans else ''}."))
        chart(line_chart(xb, {"Time per output token": vb["tpot_seconds"] * 1e3}, title="Latency vs batch",
                         x_title="Concurrent requests (log)", y_title="Milliseconds per output token", log_x=True,
                         hover_y="%{y:.3g} ms"), "batch_latency",
              "Notice: the price of a cheaper token is a slower one; each user waits longer per token as the batch grows.")
        formula("decode step time", r"t_\text{step} = \max\left(\frac{F_\text{step}}{N\,\text{peak}\cdot\text{MFU}},"
                r"\ \frac{\text{weights} + B\,c\,\text{KV}_\text{token}}{N\,\text{BW}\cdot\text{MBU}}\right)")
if tab_cache.open:
    with tab_cache:
        xc, vc = curves.over_cache_hit(s, catalog, ("usd_per_request", "usd_per_million_input_tokens"))
        chart(line_chart(xc * 100, {"Cost per request": vc["usd_per_request"]}, title="Cost per request vs cache hits",
                         x_title="Prefix-cache hit rate (%)", y_title="USD per request", y_money=True,
                         marker=(s.cache_hit_rate * 100, r.usd_per_request, "your scenario") if r.fits else None,
                         hover_y="$%{y:.4g}"),
              "cache_cost", "Notice: every cached prompt token skips its prefill compute, so the request gets cheaper "
              f"in proportion; at your {fmt_pct(s.cache_hit_rate)} the prompt costs what the dot shows.")
        formula("cost per request with prefix-cache hits",
                r"\text{cost}(h) = \frac{N \cdot \$_\text{GPU-hour}}{3600} \left("
                r"\frac{\max\big((1-h)\,S,\ 1\big)}{\text{prefill tokens/s}} + "
                r"\frac{O}{\text{decode tokens/s}}\right)",
                "N GPUs at their hourly price; h: the share of the prompt's S tokens found in the prefix cache; only the rest is prefilled (at "
                "least one token, whose logits start the answer; `costmodel.engine.prefill.new_prompt_tokens`). "
                "The O output tokens cost the same at any h: a cached token is still attended to and still held "
                "in the KV cache, so the batch and each decode step do not change. Prefill's tokens/s falls a "
                "little as h grows (each new token attends over a longer cached context), so the line is nearly, "
                "not exactly, straight.")
if tab_marginal.open:
    with tab_marginal:
        xm, d_in, d_out = curves.marginal_cost(s, catalog)
        chart(line_chart(xm, {"Next prompt token": d_in, "Next output token": d_out},
                         title="Marginal cost of the next token", x_title="Prompt length (tokens, log)",
                         y_title="USD per million extra tokens (log)", log_x=True, log_y=True, y_money=True,
                         hover_y="$%{y:.4g}"), "marginal",
              "Notice: a token's price is the same at any position, but the next token of a long context costs more "
              "than the first: it attends to everything before it and holds the batch smaller.")
        formula("marginal cost", r"\frac{\partial\,\text{cost per request}}{\partial S} \approx "
                r"\frac{\text{cost}(S + \Delta) - \text{cost}(S)}{\Delta}")
if tab_roof.open:
    with tab_roof:
        chart(estimate_roofline(r)[0], "roofline",
              f"Notice: prefill sits at {r.prefill_arithmetic_intensity:,.0f} FLOP/byte ({r.prefill_bound}-bound), "
              f"decode at {r.decode_arithmetic_intensity:,.0f} FLOP/byte ({r.decode_bound}-bound); left of the "
              "ridge a GPU waits on memory, right of it on arithmetic.")
        formula("roofline", r"\text{attainable FLOP/s} = \min(\text{peak},\ I \times \text{bandwidth}),\quad "
                r"I = \frac{\text{FLOPs}}{\text{bytes moved}}", "Williams, Waterman, Patterson (2009); "
                "Pope et al., MLSys 2023 apply it to prefill and decode.")
