"""costmodel: first-principles cost to serve LLM tokens, and what they earn under many pricing schemes.

    from costmodel import Scenario, estimate, sweep
    r = estimate(Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8))
    r.usd_per_million_output_tokens

The library never imports Streamlit; the app (``app.py``, ``views/``, ``ui/``) is built on it.
"""

from costmodel.catalog.loader import Catalog, load_catalog
from costmodel.engine.inference import Estimate, estimate, estimate_arrays, sweep
from costmodel.engine.scenario import Scenario
from costmodel.errors import CatalogError, CostModelError, UnknownIdError

__all__ = [
    "Catalog",
    "Estimate",
    "estimate",
    "estimate_arrays",
    "sweep",
    "CatalogError",
    "CostModelError",
    "Scenario",
    "UnknownIdError",
    "load_catalog",
]
