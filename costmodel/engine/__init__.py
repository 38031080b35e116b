"""The cost-to-serve engine: scenario in, memory plan, prefill and decode times and dollars out.

- ``scenario``: the inputs (one point, or arrays for a sweep).
- ``memory``: bytes of weights and KV cache.
- ``memory_plan``: weights, the replica layout, the batch that fits.
- ``rates``: peak FLOP/s at the compute precision, attained rates, the roofline.
- ``communication``: tensor-parallel all-reduces, expert-parallel all-to-alls.
- ``attention``: attention FLOPs per pair, per decoded token, per prefill.
- ``decode``: the decode step, speculative decoding.
- ``prefill``: prefill packed (throughput) and alone (TTFT).
- ``batching``: continuous-batching occupancy and throughput.
- ``money``: dollars per request and per million tokens of each class.
- ``roofline``: ``evaluate``, which composes the steps for one plan.
- ``planner``: each point's cheapest plan, in blocks.
- ``inputs``: axes validated through the Scenario, defaults from the catalog.
- ``inference``: the public ``estimate``/``estimate_arrays``/``sweep``.
- ``calibration``: predicted against published measurements.
"""

from costmodel.engine.inference import Estimate, estimate, estimate_arrays, sweep
from costmodel.engine.scenario import Scenario

__all__ = ["Estimate", "Scenario", "estimate", "estimate_arrays", "sweep"]
