"""Money: what the deployment's GPU time costs per request and per million tokens of each class.

- Cost = GPU-seconds x $/GPU-hour / 3600 (the rental price in the GPU's
  catalog entry, or the scenario's). It includes GPU rental only: no
  networking, storage, staff or margin.
- Per token class the deployment's time is split the way the engine spends
  it: a prefill's time goes to its new input tokens, except the share of
  attention FLOPs that attends to cached prefix tokens, which goes to the
  cached tokens; decode time goes to output tokens. The three classes add up
  to the cost of a request (a test holds this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def usd_per_gpu_second(gpu_hourly_usd: np.ndarray) -> np.ndarray:
    """$/GPU-hour / 3600."""
    return gpu_hourly_usd / 3600


@dataclass(frozen=True, slots=True)
class RequestCost:
    gpu_seconds_per_request: np.ndarray
    usd_per_request: np.ndarray


def request_cost(gpus: np.ndarray, gpu_hourly_usd: np.ndarray, requests_per_second: np.ndarray) -> RequestCost:
    """GPU-seconds per request = N / (requests/s); dollars = GPU-seconds x $/GPU-second."""
    gpu_seconds = gpus / requests_per_second
    return RequestCost(gpu_seconds, gpu_seconds * usd_per_gpu_second(gpu_hourly_usd))


@dataclass(frozen=True, slots=True)
class TokenPrices:
    usd_per_million_input_tokens: np.ndarray
    usd_per_million_cached_input_tokens: np.ndarray
    usd_per_million_output_tokens: np.ndarray
    deployment_seconds_per_input_token: np.ndarray
    """Deployment seconds charged to one new input token (the energy split uses the same time)."""
    deployment_seconds_per_output_token: np.ndarray


def usd_per_million_tokens(
    gpus: np.ndarray,
    gpu_hourly_usd: np.ndarray,
    busy_replicas: np.ndarray,
    prefill_seconds_per_request: np.ndarray,
    prefill_flops: np.ndarray,
    prefix_attention_flops_per_cached_token: np.ndarray,
    cached_tokens: np.ndarray,
    new_tokens: np.ndarray,
    decode_seconds_per_output_token: np.ndarray,
) -> TokenPrices:
    """Dollars per million input, cached-input and output tokens.

    Deployment seconds per token = replica seconds per token / busy replicas; a cached token costs
    its share of the prefill's FLOPs (the new tokens' attention to it), an input token the rest of
    the prefill spread over the new tokens, an output token step / (B x tokens per step).
    """
    deployment_usd_per_second = gpus * usd_per_gpu_second(gpu_hourly_usd)
    prefix_flops = prefix_attention_flops_per_cached_token * cached_tokens
    prefix_share = np.where(prefill_flops > 0, prefix_flops / prefill_flops, 0.0)
    seconds_per_input = prefill_seconds_per_request * (1 - prefix_share) / new_tokens / busy_replicas
    seconds_per_cached = (
        prefill_seconds_per_request * prefix_attention_flops_per_cached_token
        / np.maximum(prefill_flops, 1e-30) / busy_replicas
    )
    seconds_per_output = decode_seconds_per_output_token / busy_replicas
    return TokenPrices(
        usd_per_million_input_tokens=deployment_usd_per_second * seconds_per_input * 1e6,
        usd_per_million_cached_input_tokens=deployment_usd_per_second * seconds_per_cached * 1e6,
        usd_per_million_output_tokens=deployment_usd_per_second * seconds_per_output * 1e6,
        deployment_seconds_per_input_token=seconds_per_input,
        deployment_seconds_per_output_token=seconds_per_output,
    )


def all_in_usd_per_million(
    gpus: np.ndarray, gpu_hourly_usd: np.ndarray, tokens_per_second: np.ndarray, utilization: np.ndarray
) -> np.ndarray:
    """All-in dollars per million tokens: the whole deployment's cost over the tokens it delivers,
    GPUs x $/GPU-hour / 3600 / (tokens/s) x 1e6, at the average ``utilization`` (busy share) of the
    provisioned GPUs, i.e. / u.

    With output tokens/s this is the all-in price of an output token (prefill time included, as
    AIConfigurator and InferenceX quote it); with input + output tokens/s, the blended price. The
    phase split (:func:`usd_per_million_tokens`) instead charges each token class only its own phase.
    """
    return gpus * usd_per_gpu_second(gpu_hourly_usd) / tokens_per_second * 1e6 / utilization

