"""Learn: token economics step by step, from one bill to the physics behind it."""

import streamlit as st

from costmodel.analysis.unit_economics import deployment_usd_per_hour
from costmodel.engine.money import all_in_usd_per_million
from ui import learn_pictures
from ui.format import fmt_count, fmt_pct, fmt_tokens, fmt_usd, fmt_usd_per_mtok
from ui.learn import FORMULAS, GLOSSARY, SEED_EXAMPLE, list_price_bill
from ui.page import open_page

page = open_page("Learn: token economics step by step")
s, r, gpu = page.scenario, page.estimate, page.gpu

st.header("1. What you pay: a bill is linear in tokens")
st.markdown("A provider lists two prices per million tokens, one for what you send and one for what the model "
            "writes. Your bill is tokens times price, added up. Try it with the example from our seed article: "
            f"{SEED_EXAMPLE['model']}, a long prompt and a short answer.")
c = st.columns(4)
p = c[0].number_input("Prompt tokens", 0, 10_000_000, SEED_EXAMPLE["prompt_tokens"], 1000, key="learn_p",
                      persist_state="session")
o = c[1].number_input("Answer tokens", 0, 1_000_000, SEED_EXAMPLE["output_tokens"], 100, key="learn_o",
                      persist_state="session")
pi = c[2].number_input("USD per M input", 0.0, 1000.0, SEED_EXAMPLE["input_usd_per_m"], 0.1, key="learn_pi",
                       persist_state="session")
po = c[3].number_input("USD per M output", 0.0, 1000.0, SEED_EXAMPLE["output_usd_per_m"], 0.1, key="learn_po",
                       persist_state="session")
bill_in, bill_out, bill = list_price_bill(p, o, pi, po)
st.latex(rf"\frac{{{p:,}\times \${pi:g}}}{{10^6}} + \frac{{{o:,}\times \${po:g}}}{{10^6}} = "
         + " + ".join(fmt_usd(x).replace("$", r"\$") for x in (bill_in, bill_out)) + " = " + fmt_usd(bill).replace("$", r"\$"))
st.markdown(f"**{fmt_usd(bill)} for this request.** Double the prompt and the input part doubles. That linearity "
            "is what the price promises; the rest of this page is about why the cost behind it does not behave "
            "that way.")

st.header("2. What it costs: GPU time")
hourly = deployment_usd_per_hour(s.gpus, r.gpu_hourly_usd)
u = s.utilization
full_load = float(all_in_usd_per_million(s.gpus, r.gpu_hourly_usd, r.output_tokens_per_second, 1.0))
load = "" if u >= 1 else (f" Busy only {fmt_pct(u, 0)} of the time on average, the same GPUs cost 1 ÷ {u:g} = "
                          f"{1 / u:.3g} times as much per token: {fmt_usd(r.usd_per_million_output_tokens_all_in, 3)}.")
st.markdown(
    f"A provider rents GPUs by the hour. Your sidebar deployment, {s.gpus} × {gpu.name} at "
    f"{fmt_usd(r.gpu_hourly_usd)} per GPU-hour, costs {fmt_usd(hourly)} an hour whether it is busy or not. When "
    f"full it produces {fmt_count(r.output_tokens_per_second)} output tokens per second, "
    f"{fmt_count(r.output_tokens_per_second * 3600)} an hour, so a million output tokens cost "
    f"{fmt_usd(hourly)} ÷ {fmt_count(r.output_tokens_per_second * 3600)} × 10⁶ = "
    f"**{fmt_usd(full_load, 3)} all-in**: the "
    f"whole deployment's time, prefill included, over the tokens it delivers.{load} Cost per token is GPU price "
    "divided by throughput, and throughput is where the physics is.")
st.markdown(
    "A price list splits the same GPU time by phase instead. Charged only their own phase, output tokens cost "
    f"{fmt_usd_per_mtok(r.usd_per_million_output_tokens)} (decode), new input tokens "
    f"{fmt_usd_per_mtok(r.usd_per_million_input_tokens)} (prefill) and cached input tokens "
    f"{fmt_usd_per_mtok(r.usd_per_million_cached_input_tokens)}; a request's tokens at these prices add up to its "
    f"cost, {fmt_usd(r.usd_per_request)}. The phase-split output price is lower than the all-in one because "
    "the prefill is charged to the input tokens.")

st.header("3. Two phases: prefill and decode")
st.markdown(
    "**Prefill** reads the whole prompt in one go. It is a large matrix product, so the GPU's arithmetic units "
    f"are the limit (your prefill is {r.prefill_bound}-bound). **Decode** then writes one token per step, and "
    "every step must read all the weights and every past token's keys and values from memory. One request alone "
    "would leave the arithmetic idle, so servers decode many requests together: one read of the weights serves "
    f"the whole batch (your decode is {r.decode_bound}-bound at {r.concurrency:,.0f} requests at once).")

st.header("4. Why cost is not linear in tokens")
st.markdown(
    "- **Attention grows with the square of the prompt**: each new token is compared with every earlier one.\n"
    "- **The KV cache grows with the context** and takes memory the batch needs: the longer each prompt "
    f"(yours: {fmt_tokens(s.prompt_tokens)} tokens), the fewer requests fit at once, and the fewer requests "
    "share each read of the weights.\n"
    "- **Sharing changes everything**: cached prefixes skip their prefill, mixtures of experts use a fraction "
    "of their parameters per token, a bigger batch splits the weight reads further.\n\n"
    "A price per token is a straight line; the cost per token bends. Where they cross, requests lose money.")
st.page_link("views/overview.py", label="See the token illusion on the Overview", icon=":material/dashboard:")
st.page_link("views/optimization-levers.py", label="Walk through the optimization levers", icon=":material/waterfall_chart:")
st.page_link("views/pricing-schemes.py", label="Bill a real workload under nine schemes", icon=":material/receipt_long:")

st.header("5. Five pictures of the physics")
learn_pictures.draw(page)

st.header("6. Glossary")
st.markdown("\n".join(f"- **{term}**: {meaning}" for term, meaning in GLOSSARY))

st.header("7. The formulas behind the charts")
for title, latex, note in FORMULAS:
    st.markdown(f"**{title}.** {note}")
    st.latex(latex)
