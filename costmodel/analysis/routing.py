"""Right-sizing and routing: send part of the traffic to a smaller model, or cascade small then large.

Two ways to use a smaller model beside a large one, both costed with the same engine:

- **Routing**: a rule sends each request to the small or the large model. The rule is a
  plain percentage of all traffic, a prompt-length threshold (prompts up to it go small),
  or a set of workload labels (requests whose label is in the set go small). Each request
  is paid once, on the model it went to.
- **Cascade** (FrugalGPT-style: Chen, Zaharia, Zou, "FrugalGPT", arXiv 2305.05176, 2023):
  every request is answered by the small model first, and a share of them is escalated
  to the large one, which serves the same request again: an escalated request pays for
  both models.

Blended cost per request is the traffic-weighted mean of the per-request costs:

    routing:  c = (1/n) sum_i [ r_i c_small(i) + (1 - r_i) c_large(i) ]
    cascade:  c = (1/n) sum_i [ c_small(i) + e c_large(i) ]

with r_i the share of request i routed small (0/1 for a threshold or a label, p for a
percentage) and e the escalation share. Each request's cost is the engine's
``usd_per_request`` for its prompt and output length on that model's deployment (the
deployment serving a stream of requests of that shape at its batch limit).

Distillation is the same lever with a student model: a smaller model trained on the
large one's outputs (e.g. DeepSeek-R1-Distill-Qwen-32B, distilled from DeepSeek-R1,
DeepSeek-AI arXiv 2501.12948, 2025). ``DISTILLATION_PAIRS`` lists the catalog pairs.

Price and margin: the customer pays list prices per million input and output tokens. By
default routed traffic is still billed at the large model's price (routing hidden behind
one product); give the small model's prices to bill what was routed at them instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.inference import estimate_arrays
from costmodel.engine.scenario import Scenario
from costmodel.errors import CostModelError
from costmodel.workloads.workload import synthesize

DISTILLATION_PAIRS: Mapping[str, str] = MappingProxyType(
    {
        "deepseek-v3": "deepseek-r1-distill-qwen-32b",
        "llama-3.1-70b": "llama-3.1-8b",
    }
)
"""Large model -> a smaller published model of the same family (a student or sibling) in the catalog.

DeepSeek-R1 shares DeepSeek-V3's architecture (``deepseek-v3`` in the catalog); its distilled
student DeepSeek-R1-Distill-Qwen-32B has the Qwen2.5-32B architecture. Llama 3.1 8B is the
small sibling of Llama 3.1 70B (same tokenizer and training recipe, Meta 2024-07-23)."""

RuleKind = Literal["share", "prompt_length", "label"]


@dataclass(frozen=True)
class RouteRule:
    """Which requests go to the small model.

    ``kind="share"``: ``share`` (0-1) of every request; ``"prompt_length"``: requests whose prompt is at
    most ``max_prompt_tokens``; ``"label"``: requests whose label is in ``labels``.
    """

    kind: RuleKind = "share"
    share: float = 0.0
    max_prompt_tokens: int = 0
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("share", "prompt_length", "label"):
            raise CostModelError(f"routing rule must be share, prompt_length or label, got {self.kind!r}")
        if not 0.0 <= self.share <= 1.0:
            raise CostModelError(f"routed share must be between 0 and 1, got {self.share}")
        if self.max_prompt_tokens < 0:
            raise CostModelError(f"max_prompt_tokens must be at least 0, got {self.max_prompt_tokens}")

    def routed(self, prompt_tokens: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """Share of each request sent to the small model (0 or 1, or ``share`` for a percentage rule)."""
        prompt = np.asarray(prompt_tokens, dtype=float)
        if self.kind == "share":
            return np.full(prompt.shape, self.share)
        if self.kind == "prompt_length":
            return (prompt <= self.max_prompt_tokens).astype(float)
        if labels is None:
            raise CostModelError("a label rule needs a label per request")
        return np.isin(np.asarray(labels, dtype=str), list(self.labels)).astype(float)


@dataclass(frozen=True)
class Requests:
    """Request shapes with their traffic weights (requests of each shape) and optional labels."""

    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    weight: np.ndarray
    labels: np.ndarray | None = None

    @classmethod
    def of(cls, prompt_tokens: Sequence[float] | np.ndarray, output_tokens: Sequence[float] | np.ndarray,
           weight: Sequence[float] | np.ndarray | None = None, labels: Sequence[str] | None = None) -> Requests:
        p = np.atleast_1d(np.asarray(prompt_tokens, dtype=float))
        o = np.broadcast_to(np.asarray(output_tokens, dtype=float), p.shape).copy()
        w = np.ones(p.shape) if weight is None else np.broadcast_to(np.asarray(weight, dtype=float), p.shape).copy()
        if p.size == 0 or np.any(w < 0) or w.sum() <= 0:
            raise CostModelError("requests need at least one shape and positive traffic weights")
        lab = None if labels is None else np.asarray(labels, dtype=str)
        if lab is not None and lab.shape != p.shape:
            raise CostModelError(f"{lab.size} labels for {p.size} request shapes")
        return cls(p, o, w, lab)

    def subset(self, keep: np.ndarray) -> Requests:
        """The request shapes where ``keep`` is True."""
        return Requests(self.prompt_tokens[keep], self.output_tokens[keep], self.weight[keep],
                        None if self.labels is None else self.labels[keep])

    def mean(self, per_request: np.ndarray) -> float:
        """Traffic-weighted mean of a per-request quantity."""
        return float(np.sum(per_request * self.weight) / np.sum(self.weight))


def requests_from_presets(preset_ids: Sequence[str], per_preset: int = 500) -> Requests:
    """A traffic mix: the first ``per_preset`` requests of each synthetic workload preset, labelled by preset id
    (a label rule can then send, say, every ``chat`` request to the small model)."""
    if per_preset < 1:
        raise CostModelError(f"per_preset must be at least 1, got {per_preset}")
    prompts, outputs, labels = [], [], []
    for pid in preset_ids:
        w = synthesize(pid)
        n = min(per_preset, len(w))
        prompts.append(w.prompt_tokens[:n])
        outputs.append(w.output_tokens[:n])
        labels.append(np.full(n, pid))
    if not prompts:
        raise CostModelError("name at least one workload preset")
    return Requests.of(np.concatenate(prompts), np.concatenate(outputs), labels=list(np.concatenate(labels)))


@dataclass(frozen=True)
class ListPrice:
    """USD per million input and output tokens."""

    input: float
    output: float

    def per_request(self, requests: Requests) -> np.ndarray:
        return (requests.prompt_tokens * self.input + requests.output_tokens * self.output) / 1e6


def small_scenario(large: Scenario, small_model: str, gpus: int | None = None) -> Scenario:
    """The small model on the large scenario's GPU type (and ``gpus`` of them, default the same count),
    with the parallelism left to the planner."""
    return large.model_copy(update={"model": small_model, "gpus": gpus or large.gpus, "tensor_parallel": None,
                                    "experts_total": None, "experts_active": None})


def per_request_costs(scenario: Scenario, requests: Requests, catalog: Catalog | None = None) -> np.ndarray:
    """USD per request of each request shape on ``scenario``'s deployment (NaN where it does not fit)."""
    out = estimate_arrays(scenario, catalog, prompt_tokens=requests.prompt_tokens.astype(int),
                          output_tokens=requests.output_tokens.astype(int))
    return np.where(out["fits"], out["usd_per_request"], np.nan)


def pair_costs(large: Scenario, small_model: str, requests: Requests, small_gpus: int | None = None,
               catalog: Catalog | None = None) -> tuple[np.ndarray, np.ndarray]:
    """USD per request of each shape on the large scenario and on the small model (one engine pass each)."""
    cat = catalog or load_catalog()
    return (per_request_costs(large, requests, cat),
            per_request_costs(small_scenario(large, small_model, small_gpus), requests, cat))


def both_fit(requests: Requests, cost_large: np.ndarray, cost_small: np.ndarray
             ) -> tuple[Requests, np.ndarray, np.ndarray]:
    """Only the request shapes that fit both deployments (their costs are not NaN)."""
    keep = ~(np.isnan(cost_large) | np.isnan(cost_small))
    return requests.subset(keep), cost_large[keep], cost_small[keep]


@dataclass(frozen=True)
class Blend:
    """One routing or cascade outcome, per request on average (USD)."""

    mode: Literal["route", "cascade"]
    small_share: float
    """Share of traffic answered by the small model alone (routing) or escalated to the large (cascade)."""
    usd_per_request: float
    usd_per_request_large_only: float
    usd_per_request_small_only: float
    price_per_request: float
    """What the customer pays on average (NaN when no price is given)."""

    @property
    def saving(self) -> float:
        """1 - blended cost / large-only cost."""
        return 1.0 - self.usd_per_request / self.usd_per_request_large_only

    @property
    def margin(self) -> float:
        """(price - cost) / price."""
        return 1.0 - self.usd_per_request / self.price_per_request

    @property
    def large_only_margin(self) -> float:
        """The margin at the same price with every request served by the large model."""
        return 1.0 - self.usd_per_request_large_only / self.price_per_request

    def to_dict(self) -> dict[str, float | str]:
        return {"mode": self.mode, "small_share": self.small_share, "usd_per_request": self.usd_per_request,
                "usd_per_request_large_only": self.usd_per_request_large_only,
                "usd_per_request_small_only": self.usd_per_request_small_only,
                "price_per_request": self.price_per_request, "saving": self.saving, "margin": self.margin}


def blend_routed(requests: Requests, cost_large: np.ndarray, cost_small: np.ndarray, routed: np.ndarray,
                 price_large: ListPrice | None = None, price_small: ListPrice | None = None) -> Blend:
    """Routing: each request paid once, on the model the rule sent it to."""
    cost = routed * cost_small + (1 - routed) * cost_large
    return Blend("route", requests.mean(routed), requests.mean(cost), requests.mean(cost_large),
                 requests.mean(cost_small), _price(requests, routed, price_large, price_small))


def blend_cascade(requests: Requests, cost_large: np.ndarray, cost_small: np.ndarray, escalated: np.ndarray,
                  price_large: ListPrice | None = None) -> Blend:
    """Cascade: the small model answers every request; the escalated share pays the large model too.

    The customer pays the large model's price once per request (the cascade is behind one product).
    """
    cost = cost_small + escalated * cost_large
    price = float("nan") if price_large is None else requests.mean(price_large.per_request(requests))
    return Blend("cascade", requests.mean(escalated), requests.mean(cost), requests.mean(cost_large),
                 requests.mean(cost_small), price)


def _price(requests: Requests, routed: np.ndarray, large: ListPrice | None, small: ListPrice | None) -> float:
    if large is None:
        return float("nan")
    p_large = large.per_request(requests)
    p_small = p_large if small is None else small.per_request(requests)
    return requests.mean(routed * p_small + (1 - routed) * p_large)


def route(large: Scenario, small_model: str, requests: Requests, rule: RouteRule, *,
          small_gpus: int | None = None, price_large: ListPrice | None = None,
          price_small: ListPrice | None = None, catalog: Catalog | None = None) -> Blend:
    """Blended cost (and price) of routing ``requests`` between ``large`` and ``small_model`` by ``rule``."""
    c_large, c_small = pair_costs(large, small_model, requests, small_gpus, catalog)
    return blend_routed(requests, c_large, c_small, rule.routed(requests.prompt_tokens, requests.labels),
                        price_large, price_small)


def cost_vs_share(large: Scenario, small_model: str, requests: Requests, shares: Sequence[float] | np.ndarray, *,
                  small_gpus: int | None = None, price_large: ListPrice | None = None,
                  catalog: Catalog | None = None) -> pd.DataFrame:
    """Blended USD per request against the share routed small (routing) and escalated (cascade).

    Columns: ``share``, ``routed_usd_per_request``, ``cascade_usd_per_request``, ``large_only_usd_per_request``,
    ``price_per_request`` and the two margins. The engine runs once per model; the shares only re-weight.
    """
    c_large, c_small = pair_costs(large, small_model, requests, small_gpus, catalog)
    rows = []
    for share in np.asarray(shares, dtype=float):
        routed = blend_routed(requests, c_large, c_small, np.full(c_large.shape, share), price_large)
        cascade = blend_cascade(requests, c_large, c_small, np.full(c_large.shape, share), price_large)
        rows.append({"share": share, "routed_usd_per_request": routed.usd_per_request,
                     "cascade_usd_per_request": cascade.usd_per_request,
                     "large_only_usd_per_request": routed.usd_per_request_large_only,
                     "price_per_request": routed.price_per_request,
                     "routed_margin": routed.margin, "cascade_margin": cascade.margin})
    return pd.DataFrame(rows)


def prompt_threshold_curve(large: Scenario, small_model: str, requests: Requests,
                           thresholds: Sequence[int] | np.ndarray, *, small_gpus: int | None = None,
                           catalog: Catalog | None = None) -> pd.DataFrame:
    """Routing by prompt length: for each threshold, the share of traffic it sends small and the blended cost.

    Columns: ``max_prompt_tokens``, ``share``, ``usd_per_request``.
    """
    c_large, c_small = pair_costs(large, small_model, requests, small_gpus, catalog)
    rows = []
    for t in np.asarray(thresholds, dtype=int):
        b = blend_routed(requests, c_large, c_small, RouteRule("prompt_length", max_prompt_tokens=int(t))
                         .routed(requests.prompt_tokens))
        rows.append({"max_prompt_tokens": int(t), "share": b.small_share, "usd_per_request": b.usd_per_request})
    return pd.DataFrame(rows)
