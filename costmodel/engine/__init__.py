"""The cost-to-serve engine: scenario in, memory plan, prefill and decode times and dollars out.

- ``scenario``: the inputs (one point, or arrays for a sweep).
- ``memory``: bytes of weights and KV cache.
- ``roofline``: the physics steps and ``evaluate``, which composes them.
- ``inference``: the public ``estimate``/``estimate_arrays``/``sweep`` and the planner.
- ``calibration``: predicted against published measurements.
"""

from costmodel.engine.inference import Estimate, estimate, estimate_arrays, sweep
from costmodel.engine.scenario import Scenario

__all__ = ["Estimate", "Scenario", "estimate", "estimate_arrays", "sweep"]
