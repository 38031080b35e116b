"""What it earns: one workload billed under many schemes, the way providers bill.

- ``schemes``: the pricing schemes and their defaults (``data/prices/schemes.yaml``).
- ``billing``: bills, break-even prices and agent sessions.
- ``prices``: dated provider list prices (``data/prices/providers.yaml``) and a LiteLLM importer.
- ``scale``: streaming and Dask billing of logs too large for memory.
"""
