"""Energy: the deployment's power draw, joules per token, tokens per kWh and the electricity bill.

The model (every input a changeable Scenario field; defaults are assumptions, stated here and in
docs/cost-model.md):

- **GPU power against busy share.** A board draws ``idle`` when no kernel runs and its datasheet
  TDP (the catalog's ``tdp_w``) when it runs flat out; in between, linearly in the share of time
  its kernels run: P(u) = TDP x (f_idle + (1 - f_idle) x u). A linear utilisation-to-power model
  is the one used for servers by Barroso & Hoelzle ("The Case for Energy-Proportional Computing",
  IEEE Computer 2007, Fig. 2) and by Fan, Weber & Barroso ("Power Provisioning for a
  Warehouse-sized Computer", ISCA 2007, section 4.1).
- **Busy share u of a replica**: its time per output token is decode, step / (B x tokens per step),
  plus prefill, prefill / S_out (Orca's continuous batching, :mod:`~costmodel.engine.batching`).
  In decode the kernels run for max(compute, memory) seconds of each step (the roofline: the
  rest is communication, step and per-sequence overhead); a packed prefill step is taken as busy
  throughout (its overhead is amortised over ``max_num_tokens``). u is the time-weighted mean.
  Replicas without requests, and GPUs outside any replica, draw idle power.
- **Host and facility.** The server around the GPUs (CPUs, memory, NICs, fans) adds
  ``host_power_fraction`` of the GPUs' draw; the data centre multiplies the IT power by its PUE.
- **Per token.** The all-in power is split over token classes exactly as the money is
  (:mod:`~costmodel.engine.money`): joules per token = all-in watts x the deployment seconds the
  engine charges that token, so energy and dollars per token share one time split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

JOULES_PER_KWH = 3.6e6

ENERGY_RESULT_KEYS: tuple[str, ...] = (
    "all_in_power_watts", "joules_per_output_token", "joules_per_input_token", "joules_per_request",
    "output_tokens_per_kwh", "usd_energy_per_million_output_tokens",
)
"""Results that need the GPU's datasheet TDP: NaN for a catalog entry without ``tdp_w``."""


def replica_busy_share(decode_seconds_per_token: np.ndarray, decode_kernel_share: np.ndarray,
                       prefill_seconds_per_token: np.ndarray) -> np.ndarray:
    """Time-weighted share of a busy replica's time its kernels run (0-1): decode at its kernel share,
    prefill busy throughout."""
    total = decode_seconds_per_token + prefill_seconds_per_token
    busy = decode_seconds_per_token * np.clip(decode_kernel_share, 0.0, 1.0) + prefill_seconds_per_token
    return np.where(total > 0, busy / np.maximum(total, 1e-300), 0.0)


def gpu_power_watts(tdp_w: np.ndarray | float, idle_fraction: np.ndarray, busy_share: np.ndarray) -> np.ndarray:
    """One board's draw: TDP x (f_idle + (1 - f_idle) x u)."""
    return tdp_w * (idle_fraction + (1 - idle_fraction) * busy_share)


def deployment_gpu_watts(tdp_w: np.ndarray | float, idle_fraction: np.ndarray, busy_share: np.ndarray,
                         gpus: np.ndarray, busy_gpus: np.ndarray) -> np.ndarray:
    """The deployment's GPUs: ``busy_gpus`` at the replica busy share, the rest idle."""
    return (busy_gpus * gpu_power_watts(tdp_w, idle_fraction, busy_share)
            + (gpus - busy_gpus) * gpu_power_watts(tdp_w, idle_fraction, 0.0))


def all_in_watts(gpu_watts: np.ndarray, host_power_fraction: np.ndarray, pue: np.ndarray) -> np.ndarray:
    """Facility power: GPUs x (1 + host share) x PUE."""
    return gpu_watts * (1 + host_power_fraction) * pue


@dataclass(frozen=True, slots=True)
class Energy:
    all_in_watts: np.ndarray
    """Facility power of the deployment while serving, W."""
    joules_per_output_token: np.ndarray
    joules_per_input_token: np.ndarray
    joules_per_request: np.ndarray
    output_tokens_per_kwh: np.ndarray
    """Output tokens per all-in kWh (prefill energy included)."""
    usd_energy_per_million_output_tokens: np.ndarray


def token_energy(watts: np.ndarray, deployment_seconds_per_output_token: np.ndarray,
                 deployment_seconds_per_input_token: np.ndarray, requests_per_second: np.ndarray,
                 output_tokens_per_second: np.ndarray, usd_per_kwh: np.ndarray) -> Energy:
    """Joules per token = watts x deployment seconds per token; per request = watts / (requests/s);
    tokens per kWh = output tokens/s / watts x 3.6e6; the bill = kWh x $/kWh."""
    j_out = watts * deployment_seconds_per_output_token
    return Energy(
        all_in_watts=watts,
        joules_per_output_token=j_out,
        joules_per_input_token=watts * deployment_seconds_per_input_token,
        joules_per_request=watts / requests_per_second,
        output_tokens_per_kwh=output_tokens_per_second / watts * JOULES_PER_KWH,
        usd_energy_per_million_output_tokens=j_out * 1e6 / JOULES_PER_KWH * usd_per_kwh,
    )


def grams_co2(joules: np.ndarray | float, grid_gco2_per_kwh: np.ndarray | float) -> np.ndarray:
    """Emissions of ``joules`` at a grid intensity in gCO2e per kWh (location-based accounting)."""
    return np.asarray(joules) / JOULES_PER_KWH * grid_gco2_per_kwh
