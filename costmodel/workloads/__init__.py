"""What is served: request mixes as columns of prompt, cached and output tokens.

- ``workload``: the ``Workload`` type and the shipped presets.
- ``traces``: the Azure 2023 and Mooncake request traces.
- ``usage_log``: a user's own CSV/JSONL/Parquet usage log.
"""
