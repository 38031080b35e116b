"""Teaching material for the Learn page: the worked example, a glossary and the formulas behind the charts.

Written for this app from the seed articles (shared/seeds) and the physics notes; the
arithmetic of the worked example is costmodel.pricing.billing's flat scheme, not re-implemented here.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from costmodel.pricing.billing import CostContext, FlatScheme

SEED_EXAMPLE = MappingProxyType({"model": "Gemini 3.1 Pro Preview", "prompt_tokens": 50_000, "output_tokens": 2_000,
                                 "input_usd_per_m": 2.0, "output_usd_per_m": 12.0})
"""Seed 004's worked example: a 50,000-token prompt and a 2,000-token answer at $2/M in and $12/M out."""


def list_price_bill(prompt_tokens: int, output_tokens: int, input_usd_per_m: float,
                    output_usd_per_m: float) -> tuple[float, float, float]:
    """(input part, output part, total) in USD of one request under flat per-token prices."""
    scheme = FlatScheme(input_usd_per_m=input_usd_per_m, output_usd_per_m=output_usd_per_m)

    def one(p: int, o: int) -> float:
        chunk = {"prompt_tokens": np.array([float(p)]), "output_tokens": np.array([float(o)]),
                 "cached_tokens": np.zeros(1), "cache_write_tokens": np.zeros(1)}
        return float(scheme.revenue(chunk, CostContext(), {})[0][0])

    return one(prompt_tokens, 0), one(0, output_tokens), one(prompt_tokens, output_tokens)


GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Token", "The unit a model reads and writes: a word, part of a word or a punctuation mark. Prices are quoted "
              "per million tokens."),
    ("Prompt (input) tokens", "Everything sent to the model for one request: instructions, documents, the "
                              "conversation so far."),
    ("Output tokens", "What the model generates, including hidden reasoning tokens; usually priced several times "
                      "higher than input."),
    ("Prefill", "The first phase of a request: all prompt tokens are processed at once. Arithmetic-heavy "
                "(compute-bound)."),
    ("Decode", "The second phase: one token at a time, each step re-reading the model's weights and the KV cache. "
               "Memory-bound unless many requests share the step."),
    ("KV cache", "The keys and values each past token leaves in every attention layer, kept so they are not "
                 "recomputed. It grows with the context and limits how many requests fit in memory."),
    ("Batch / concurrency", "Requests decoded together. One read of the weights serves the whole batch, so "
                            "larger batches make each token cheaper but each user's tokens slower."),
    ("TTFT", "Time to first token: how long the prefill of one prompt takes."),
    ("TPOT", "Time per output token: the duration of one decode step."),
    ("MFU / MBU", "Model FLOP utilisation / memory bandwidth utilisation: the share of a GPU's peak arithmetic or "
                  "memory speed that serving actually reaches."),
    ("Arithmetic intensity", "FLOPs done per byte moved from memory. Below the GPU's ridge point a kernel waits "
                             "on memory; above it, on arithmetic."),
    ("Mixture of experts (MoE)", "A model whose feed-forward layers are split into experts; a router sends each "
                                 "token to a few, so only a fraction of the parameters work per token."),
    ("Quantization", "Storing weights (and the KV cache) in 8 or 4 bits instead of 16: less memory to hold and "
                     "to read per token."),
    ("FlashAttention", "An attention kernel that never writes the full score matrix to memory: faster, and "
                       "memory grows with the context instead of its square."),
    ("Paged KV cache", "Allocating the KV cache in small blocks as it grows (vLLM's PagedAttention) instead of "
                       "reserving each request's maximum: far more requests fit."),
    ("Prefix caching", "Keeping the KV cache of a prompt prefix (a system prompt, a document, an agent's "
                       "history) so the next request that starts with it skips its prefill."),
    ("Speculative decoding", "A small draft model proposes several tokens and the large model checks them in "
                             "one step; accepted tokens come almost for free."),
    ("Long-context tier", "A higher price for every token of a request whose prompt exceeds a threshold, "
                          "because such requests cost more per token to serve."),
    ("Margin", "Revenue minus cost to serve. As a share of revenue it is the gross margin, (R − C) / R; as a "
               "share of cost, the cost-profit margin or markup, (R − C) / C (DeepSeek's published 545%). The app "
               "shows both."),
    ("All-in vs phase split", "All-in: the whole deployment's GPU time over the tokens it delivers (fleet cost ÷ "
                              "output tokens). Phase split: each token class charged only its own phase, prefill "
                              "for input, decode for output; the three add up to a request's cost."),
)

FORMULAS: tuple[tuple[str, str, str], ...] = (
    ("Bill of one request (flat per-token price)",
     r"\text{bill} = \frac{S_\text{in}\,p_\text{in} + S_\text{out}\,p_\text{out}}{10^6}",
     "S in tokens, p in USD per million tokens."),
    ("Weights in memory", r"M_\text{weights} = P_\text{total} \cdot \frac{b_w}{8}",
     "P parameters at b_w bits each (plus a few percent of scales when quantized)."),
    ("KV cache per token", r"\text{KV}_\text{token} = 2\,L\,h_\text{kv}\,d_h\,\frac{b_\text{kv}}{8}",
     "K and V for each of L layers and h_kv key/value heads of width d_h; Llama 3.1 70B at 16 bits: 320 KiB."),
    ("Most requests that fit", r"B_\text{max} = \frac{N\,M_\text{GPU}\,u - M_\text{weights}}"
                               r"{\text{KV}_\text{token} \cdot (S_\text{in} + S_\text{out})}",
     "N GPUs of memory M_GPU, of which a share u is usable."),
    ("FLOPs of a forward pass", r"F = 2\,P_\text{active}\,S + 4\,L\,h\,d_h\,S\,(C + S/2)",
     "2 FLOPs per active parameter per token, plus attention over C cached and S new tokens."),
    ("Time of a phase (roofline)", r"t = \max\left(\frac{F}{N\,\text{peak}\,\text{MFU}},\ "
                                   r"\frac{\text{bytes}}{N\,\text{BW}\,\text{MBU}}\right) + t_\text{overhead}",
     "Whichever is slower, arithmetic or memory traffic, sets the time."),
    ("All-in cost per million output tokens", r"\frac{\$}{10^6\ \text{tok}} = \frac{N\,\$_\text{GPU-h}/3600}"
                                               r"{\text{output tokens/s} \cdot u} \times 10^6",
     "GPU time is the only cost modelled; u is the fleet's average utilization (1 = always busy)."),
    ("Speculative decoding", r"\mathbb{E}[\text{tokens per step}] = \frac{1 - a^{g+1}}{1 - a}",
     "g drafted tokens accepted with probability a each (Leviathan et al., 2023)."),
    ("Mixture of experts: experts read per layer", r"E\left(1 - \left(1 - \frac{k}{E}\right)^{B}\right)",
     "B tokens each routed to k of E experts: k at B = 1, nearly all E at large B."),
)
