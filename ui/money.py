"""How every page names and explains money: one set of labels, help texts and margin formats.

Two ways to price a token, always shown side by side and always called the same:

- **all-in**: the whole deployment's GPU-hours over the tokens it delivers (what an operator pays per
  token, what AIConfigurator and InferenceX quote): all-in $/M output tokens = fleet cost / output
  tokens; blended $/M tokens = fleet cost / (input + output tokens);
- **phase split**: each token class charged only the GPU time of its own phase: input tokens the
  prefill, cached input tokens their share of it, output tokens the decode. The three add up to the cost
  of a request; the phase-split output price is therefore lower than the all-in one.

Margins are shown both ways: gross margin (R - C) / R and cost-profit margin (R - C) / C (DeepSeek's
545 %). The numbers come from the library; this module only labels and formats them.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.format import fmt_pct, fmt_usd

ALL_IN_OUTPUT = "All-in $/M output tokens"
BLENDED = "Blended $/M tokens"
PHASE_INPUT = "Phase-split $/M input"
PHASE_CACHED = "Phase-split $/M cached"
PHASE_OUTPUT = "Phase-split $/M output"
GROSS_MARGIN = "Gross margin (R−C)/R"
COST_PROFIT_MARGIN = "Cost-profit margin (R−C)/C"

HELP = {
    ALL_IN_OUTPUT: "All-in USD per million output tokens: the whole deployment's cost over the output tokens it delivers: GPUs × $/GPU-hour ÷ 3600 ÷ "
                   "output tokens/s × 10⁶, at the fleet's average utilization. Prefill time is included. This is "
                   "the figure AIConfigurator and InferenceX quote.",
    BLENDED: "Blended USD per million tokens: the whole deployment's cost over every token it reads or writes: GPUs × $/GPU-hour ÷ 3600 ÷ "
             "(input + output tokens/s) × 10⁶, at the fleet's average utilization.",
    PHASE_INPUT: "Phase split, USD per million new (uncached) input tokens: only the prefill GPU time.",
    PHASE_CACHED: "Phase split, USD per million cached input tokens: a prompt token served from the prefix cache "
                  "pays only the attention over it.",
    PHASE_OUTPUT: "Phase split, USD per million output tokens: only the decode GPU time; the prefill is charged "
                  "to the input tokens. "
                  "Lower than the all-in figure, which carries the whole deployment.",
    GROSS_MARGIN: "The share of revenue left after the cost to serve: (revenue − cost) ÷ revenue.",
    COST_PROFIT_MARGIN: "Profit as a markup on the cost to serve: (revenue − cost) ÷ cost. DeepSeek's published "
                        "545% is this one.",
}

PHASE_SPLIT_NOTE = ("Phase split: each token class is charged only its own phase's GPU time (prefill for input, "
                    "decode for output); all-in: the whole deployment's time over the tokens it delivers.")


def utilization_note(utilization: float) -> str:
    """How the money on a page treats idle GPUs."""
    if utilization >= 1:
        return "at full load (every GPU busy all the time; set the utilization to include idle time)"
    return f"at {fmt_pct(utilization, 0)} average utilization (cost of the idle GPUs included)"


def money_caption(utilization: float, gpu_hourly_usd: float) -> str:
    """The one sentence under a money figure or chart: the GPU price and the load it is at."""
    return (f"Money is GPU rental at {fmt_usd(gpu_hourly_usd)} per GPU-hour {utilization_note(utilization)}; "
            "no networking, storage or staff.")


def fmt_margin_pct(pct: float | None, digits: int = 1) -> str:
    """A margin given in percent ('84.5%'), 'n/a' where it is undefined (no revenue or no cost)."""
    return "n/a" if pct is None else fmt_pct(pct / 100, digits)


def margin_pcts(m) -> tuple[float | None, float | None]:
    """(gross, cost-profit) margin in percent of a ``MarginAtPrice`` (shares x 100; None where undefined)."""
    return (None if m.margin_share is None else 100 * m.margin_share,
            None if m.cost_profit_share is None else 100 * m.cost_profit_share)


def margins_text(gross_pct: float | None, cost_profit_pct: float | None) -> str:
    """Both margins in one phrase: 'gross margin 84.5%, cost-profit margin 545%'."""
    return (f"gross margin (R − C)/R {fmt_margin_pct(gross_pct)}, "
            f"cost-profit margin (R − C)/C {fmt_margin_pct(cost_profit_pct, 0)}")


def money_metrics(all_in_output: float, blended: float, phase: Sequence[float], *, utilization: float) -> None:
    """One row: all-in $/M output and blended $/M beside the phase split (input, cached input, output)."""
    c = st.columns(5)
    note = f" ({utilization_note(utilization)})"
    c[0].metric(ALL_IN_OUTPUT, fmt_usd(all_in_output), help=HELP[ALL_IN_OUTPUT] + note)
    c[1].metric(BLENDED, fmt_usd(blended), help=HELP[BLENDED] + note)
    for col, label, value in zip(c[2:], (PHASE_INPUT, PHASE_CACHED, PHASE_OUTPUT), phase, strict=True):
        col.metric(label, fmt_usd(value), help=HELP[label])


def margin_metrics(cols: Sequence, gross_pct: float | None, cost_profit_pct: float | None) -> None:
    """Gross and cost-profit margin as two metrics in ``cols``."""
    cols[0].metric(GROSS_MARGIN, fmt_margin_pct(gross_pct), help=HELP[GROSS_MARGIN])
    cols[1].metric(COST_PROFIT_MARGIN, fmt_margin_pct(cost_profit_pct, 0), help=HELP[COST_PROFIT_MARGIN])


BINDING_WORDS = {
    "memory": "memory (the KV cache of one more request does not fit)",
    "engine": "the engine's limits (max sequences or tokens per step)",
    "tpot": "the speed target (one more request per replica would be too slow for each user)",
    "ttft": "the time-to-first-token target (one more request per replica would queue prefills too long)",
}
"""What binds the batch, in words (``Estimate.binding_constraint``)."""


def service_level_value(s, r) -> str:
    """The service-level metric's value: no target, met, or missed."""
    if s.min_tokens_per_second_per_user <= 0 and s.max_ttft_seconds <= 0:
        return "no target"
    return "met" if r.meets_slo else "missed"


def service_level_help(s, r) -> str:
    """The targets, whether they are met, and what limits the batch."""
    targets = ([f"at least {s.min_tokens_per_second_per_user:g} output tokens/s per user"]
               if s.min_tokens_per_second_per_user > 0 else [])
    targets += [f"a first token within {s.max_ttft_seconds:g} s at p99"] if s.max_ttft_seconds > 0 else []
    what = "Targets: " + " and ".join(targets) + "." if targets else "No service-level target set (sidebar)."
    if targets and not r.meets_slo:
        return f"{what} Missed even at one request per replica: more or faster GPUs, or a looser target."
    return f"{what} What limits the batch: {BINDING_WORDS.get(r.binding_constraint, r.binding_constraint)}."
