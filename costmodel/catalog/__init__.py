"""What the engine runs on: GPUs, model architectures and efficiency assumptions, each from dated YAML.

- ``hardware``: the GPU schema (peak FLOP/s per precision, memory, links, rental price).
- ``architecture``: the model schema (layers, attention kind, experts) and its parameter counts.
- ``efficiency``: the calibrated efficiency factors (MFU, bandwidth utilisation, overheads).
- ``loader``: reads and validates ``data/gpus``, ``data/models`` and ``COSTMODEL_DATA_DIRS``.
- ``hf_import``: a model entry from a Hugging Face ``config.json``.
"""

from costmodel.catalog.loader import Catalog, load_catalog

__all__ = ["Catalog", "load_catalog"]
