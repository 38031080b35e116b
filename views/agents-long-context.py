"""Agents and long context: a persistent agent session turn by turn, and why long-context tiers exist."""

import pandas as pd
import streamlit as st

from costmodel import CostModelError
from costmodel.analysis import curves
from costmodel.analysis.long_context import context_parallel_curve, reasoning_comparison
from costmodel.analysis.unit_economics import MarginAtPrice, cost_multiple
from costmodel.pricing.billing import LongContextTierScheme
from ui import scenario_cache, tables, theme
from ui.charts import line_chart
from ui.format import fmt_bytes, fmt_multiplier, fmt_seconds, fmt_tokens, fmt_usd
from ui.money import PHASE_INPUT, PHASE_OUTPUT, margin_pcts, margins_text, money_caption
from ui.page import open_page
from ui.scenario_cache import figure as cached_figure
from ui.widgets import chart, formula, spec_table

page = open_page("Agents and long context", "An agent resends its whole conversation every turn. Without a prefix "
                 "cache every turn pays again for everything before it; with one, only the new tokens are computed.",
                 about="Deployment")
catalog, s = page.catalog, page.scenario

c = st.columns(5)
turns = c[0].number_input("Turns", 1, 500, 40, 5, key="ag_turns", persist_state="session")
system = c[1].number_input("System prompt + tools (tokens)", 0, 200_000, 4000, 500, key="ag_system",
                           persist_state="session")
user = c[2].number_input("User tokens per turn", 0, 100_000, 200, 50, key="ag_user", persist_state="session")
tool = c[3].number_input("Tool output per turn (tokens)", 0, 100_000, 1500, 100, key="ag_tool",
                         persist_state="session")
out = c[4].number_input("Answer per turn (tokens)", 1, 100_000, 400, 50, key="ag_out", persist_state="session")
try:
    df = scenario_cache.computed(scenario_cache.agent_session, s, int(turns), int(system), int(user), int(tool),
                                 int(out))
except CostModelError as exc:
    st.error(f"Cannot cost this session on this deployment: {exc}", icon=":material/memory:")
    st.stop()
last = df.iloc[-1]
m = st.columns(4)
m[0].metric("Session cost with prefix caching", fmt_usd(last["cum_cost_usd_cached"]))
m[1].metric("Without caching", fmt_usd(last["cum_cost_usd_uncached"]),
            delta=fmt_multiplier(cost_multiple(last["cum_cost_usd_uncached"], last["cum_cost_usd_cached"])),
            delta_color="inverse")
m[2].metric("Context at the last turn", f"{fmt_tokens(last['prompt_tokens'])} tokens")
m[3].metric("Revenue at flat per-token prices", fmt_usd(last["cum_revenue_usd_flat"]))
session = MarginAtPrice(float(last["cum_revenue_usd_flat"]), float(last["cum_cost_usd_cached"]))
st.caption("At flat per-token prices, with prefix caching, the session earns "
           + margins_text(*margin_pcts(session))
           + f". {money_caption(s.utilization, page.estimate.gpu_hourly_usd)}")

chart(cached_figure(line_chart, df["turn"], {"Cost without prefix caching": df["cum_cost_usd_uncached"],
                                             "Cost with prefix caching": df["cum_cost_usd_cached"],
                                             "Revenue, flat per-token price": df["cum_revenue_usd_flat"],
                                             "Revenue, cached-input pricing": df["cum_revenue_usd_cached_input"]},
                                title="Cumulative cost and revenue of one agent session", x_title="Turn",
                                y_title="Cumulative USD", y_money=True, dashed=("Revenue, flat per-token price",
                                                                                "Revenue, cached-input pricing"),
                                hover_y="$%{y:.4g}", colors={"Cost with prefix caching": theme.CACHED,
                                                             "Revenue, cached-input pricing": theme.PRICE_ALT}), "agent_cum",
      "Notice: without caching the session's cost grows with the square of the number of turns, because turn t "
      "re-reads t turns of history; with caching it grows far more slowly, since only attention over the history "
      "and reading its KV cache still grow with it.")
formula("prompt at turn t", r"S_t = S_\text{system} + (t-1)(u + a + o) + (u + a), \qquad "
        r"\sum_{t=1}^{T} S_t = O(T^2)", "u user tokens, a tool tokens, o answer tokens per turn. With prefix caching "
        "only u + a tokens of each prompt are new.")
with (turns_box := st.expander("Turn by turn", key="ag_turns_open", on_change="rerun")):
    if turns_box.open:  # built only while open
        spec_table(tables.AGENT_SESSION, df, "agent_table")

st.subheader("Why long-context tiers exist")
tier = LongContextTierScheme()
keys = ("usd_per_million_input_tokens", "usd_per_million_output_tokens")
x, v = scenario_cache.computed(curves.over_context, s, keys=keys)
rel = curves.relative_to_first(v)
top = page.model.max_context_tokens
vlines = [(float(tier.threshold_tokens), f"{fmt_tokens(tier.threshold_tokens)} tier", theme.REFERENCE)]
chart(cached_figure(line_chart, x, {PHASE_OUTPUT: rel["usd_per_million_output_tokens"],
                                    PHASE_INPUT: rel["usd_per_million_input_tokens"]},
                                title="Cost per token relative to a short prompt", x_title="Prompt length (tokens, log)",
                                y_title="Cost per token ÷ cost at the shortest prompt", log_x=True, log_y=True,
                                vlines=vlines if tier.threshold_tokens <= top else ()), "tier_curve",
      "Notice: a flat price per token assumes this line is flat. It is not: past a few tens of thousands of tokens "
      "every token costs several times more, which is why providers bill a whole request at higher rates above a "
      f"threshold ({fmt_tokens(tier.threshold_tokens)} tokens by default here)."
      + ("" if tier.threshold_tokens <= top else f" This model's window ({fmt_tokens(top)}) ends before it."))
# The "data behind" tables are built only while their expander is open (on_change="rerun"): less server time
# per sidebar change.
with (tier_box := st.expander("Data behind this chart", key="ag_tier_data_open", on_change="rerun")):
    if tier_box.open:
        spec_table(tables.TOKEN_COST_VS_CONTEXT, pd.DataFrame({"prompt_tokens": x, **v}), "tier_data")

st.subheader("A reasoning-heavy task beside a plain one")
thinking = st.number_input("Thinking tokens per request", 0, 1_000_000, 4000, 500, key="ag_reasoning",
                           help="Reasoning models decode hidden thinking tokens before the answer; they are billed "
                           "as output and decoded over a context that keeps growing.", persist_state="session")
pair = scenario_cache.computed(reasoning_comparison, s, int(thinking))
plain_row, think_row = pair.iloc[0], pair.iloc[1]
r = st.columns(4)
r[0].metric("Plain request", fmt_usd(plain_row["usd_per_request"]),
            help=f"{fmt_tokens(plain_row['billed_output_tokens'])} output tokens billed")
r[1].metric("Same request with thinking", fmt_usd(think_row["usd_per_request"]),
            delta=fmt_multiplier(cost_multiple(think_row["usd_per_request"], plain_row["usd_per_request"])),
            delta_color="inverse", help=f"{fmt_tokens(think_row['billed_output_tokens'])} output tokens billed")
r[2].metric("KV cache, with thinking", fmt_bytes(think_row["kv_bytes_per_request"]),
            help=f"Plain: {fmt_bytes(plain_row['kv_bytes_per_request'])} (average over the decode).")
r[3].metric("Whole answer, with thinking", fmt_seconds(think_row["seconds_to_answer"]),
            help=f"Plain: {fmt_seconds(plain_row['seconds_to_answer'])}. TTFT plus every decoded token at the "
            "scenario's time per output token.")
formula("thinking tokens", r"c = c_\text{prefill}(S) + (O + R)\,c_\text{decode}\!\left(S + \tfrac{O+R}{2}\right)",
        "R thinking tokens decode like O answer tokens, over an average context S + (O+R)/2 that they lengthen; "
        "both are billed as output. The 'reasoning density' of a task is how many R it needs per answer.")

st.subheader("Contexts beyond one replica: context parallelism")
long_prompt = st.number_input("Prompt length (tokens)", 1, 10_000_000, 1_000_000, 100_000, key="ag_cp_prompt",
                              persist_state="session")
cp = scenario_cache.computed(context_parallel_curve, s, int(long_prompt))
rank = int(cp["gpus"].iloc[0])
first_fit = cp[cp["fits"]]
if first_fit.empty:
    st.warning(f"Even 16 context-parallel ranks of {rank} GPUs cannot hold one {fmt_tokens(long_prompt)}-token "
               "request: the weights alone may not fit one rank, or add KV bits.")
else:
    n0 = int(first_fit["context_parallel"].iloc[0])
    price = fmt_usd(first_fit["usd_per_request"].iloc[0])
    if n0 == 1:
        st.markdown(f"One rank of **{rank} GPUs** already holds a {fmt_tokens(long_prompt)}-token request "
                    f"({price} per request); more ranks buy a shorter time to first token.")
    else:
        st.markdown(f"One rank of **{rank} GPUs** cannot hold a {fmt_tokens(long_prompt)}-token request; "
                    f"**{n0} ranks** ({n0 * rank} GPUs) can, at {price} per request.")
chart(cached_figure(line_chart, cp["context_parallel"], {"USD per request": cp["usd_per_request"]},
                                title=f"Cost of one {fmt_tokens(long_prompt)}-token request against context-parallel size",
                                x_title="Context-parallel ranks (log)", y_title="USD per request", log_x=True, y_money=True),
      "cp_cost",
      "Notice: below the first size that fits there is no price; above it the cost per request stays nearly "
      "flat (more GPUs, proportionally faster prefill) while time to first token falls with the rank count, until "
      "the ring's KV traffic outlasts the compute it hides behind.")
chart(cached_figure(line_chart, cp["context_parallel"], {"Time to first token (s)": cp["ttft_seconds"]},
                                title="Time to first token against context-parallel size", x_title="Context-parallel ranks (log)",
                                y_title="Seconds", log_x=True, log_y=True), "cp_ttft",
      "Ring attention (Liu et al., arXiv 2310.01889) passes each rank's KV block around the ring while the next "
      "block's attention runs: only ring time beyond the compute shows.")
formula("ring traffic per GPU", r"B_\text{ring} = \frac{c-1}{c}\, S\, b_\text{KV}\, \frac{k}{t}",
        "c context-parallel ranks of t GPUs, S context tokens, b_KV KV bytes per token, k KV copies under "
        "tensor parallelism.")
with (cp_box := st.expander("Data behind these charts", key="ag_cp_data_open", on_change="rerun")):
    if cp_box.open:
        spec_table(tables.CONTEXT_PARALLEL, cp.assign(ring_kv_gb_per_gpu=cp["ring_kv_bytes_per_gpu"] / 1e9,
                                                      kv_gb_per_request=cp["kv_bytes_per_request"] / 1e9), "cp_table")
