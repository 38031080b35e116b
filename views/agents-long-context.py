"""Agents and long context: a persistent agent session turn by turn, and why long-context tiers exist."""

import pandas as pd
import streamlit as st

from costmodel import CostModelError
from costmodel.analysis import curves
from costmodel.analysis.unit_economics import cost_multiple
from costmodel.pricing.billing import LongContextTierScheme, agent_session_cost
from ui import theme
from ui.charts import line_chart
from ui.format import fmt_multiplier, fmt_tokens, fmt_usd
from ui.page import open_page
from ui.widgets import chart, formula, table

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
    df = agent_session_cost(int(turns), system_tokens=int(system), user_tokens_per_turn=int(user),
                            tool_tokens_per_turn=int(tool), output_tokens_per_turn=int(out), scenario=s)
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

chart(line_chart(df["turn"], {"Cost without prefix caching": df["cum_cost_usd_uncached"],
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
with st.expander("Turn by turn"):
    table(df, "agent-session", "agent_table")

st.subheader("Why long-context tiers exist")
tier = LongContextTierScheme()
keys = ("usd_per_million_input_tokens", "usd_per_million_output_tokens")
x, v = curves.over_context(s, catalog, keys)
rel = curves.relative_to_first(v)
top = page.model.max_context_tokens
vlines = [(float(tier.threshold_tokens), f"{fmt_tokens(tier.threshold_tokens)} tier", theme.REFERENCE)]
chart(line_chart(x, {"Output tokens": rel["usd_per_million_output_tokens"],
                     "Input tokens": rel["usd_per_million_input_tokens"]},
                 title="Cost per token relative to a short prompt", x_title="Prompt length (tokens, log)",
                 y_title="Cost per token ÷ cost at the shortest prompt", log_x=True, log_y=True,
                 vlines=vlines if tier.threshold_tokens <= top else ()), "tier_curve",
      "Notice: a flat price per token assumes this line is flat. It is not: past a few tens of thousands of tokens "
      "every token costs several times more, which is why providers bill a whole request at higher rates above a "
      f"threshold ({fmt_tokens(tier.threshold_tokens)} tokens by default here)."
      + ("" if tier.threshold_tokens <= top else f" This model's window ({fmt_tokens(top)}) ends before it."))
with st.expander("Data behind this chart"):
    table(pd.DataFrame({"prompt_tokens": x, **v}), "cost-per-token-vs-context", "tier_data")
