"""What is served: request mixes as columns of prompt, cached and output tokens.

- ``workload``: the ``Workload`` type and the shipped synthetic presets.
- ``traces``: the Azure 2023 and Mooncake request traces.
- ``usage_log``: a user's own CSV/JSONL/Parquet usage log, built from ``columns`` (lenient
  column names), ``readers`` (formats, chunked reading) and ``parsing`` (row validation,
  skipped-row counts).
- ``loading``: a workload by id or path (``list_workloads``, ``load_workload``, ``load_workload_bytes``).
"""
