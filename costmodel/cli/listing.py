"""The ``list`` verb: the catalog's GPUs or models, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from costmodel.catalog.loader import load_catalog
from costmodel.cli.formatting import format_value

GPU_COLUMNS = ("id", "memory_gb", "memory_bandwidth_tb_s", "hourly_usd", "price_date", "name")
MODEL_COLUMNS = ("id", "total_params_b", "active_params_b", "kv_bytes_per_token_16bit", "experts", "name")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``list gpus|models``."""
    p = subparsers.add_parser("list", help="list catalog entries", description="List the catalog's GPUs or models.")
    p.add_argument("what", choices=["gpus", "models"])
    p.add_argument("--json", action="store_true", help="print a JSON list with every field")
    p.set_defaults(handler=run)


def gpu_rows() -> list[dict[str, Any]]:
    """One row per catalog GPU: memory (GB), bandwidth (TB/s), dense TFLOP/s per dtype, dated price."""
    return [
        {"id": g.id, "name": g.name, "memory_gb": g.memory_gb, "memory_bandwidth_tb_s": g.memory_bandwidth_tb_s,
         "dense_tflops": dict(g.dense_tflops), "hourly_usd": g.hourly_usd, "price_date": str(g.price_date),
         "price_source": g.price_source}
        for g in load_catalog().gpus.values()
    ]


def model_rows() -> list[dict[str, Any]]:
    """One row per catalog model: parameters (billions), KV bytes per token at 16 bits, experts."""
    return [
        {"id": m.id, "name": m.name, "total_params_b": round(float(m.total_params()) / 1e9, 2),
         "active_params_b": round(float(m.active_params()) / 1e9, 2),
         "kv_bytes_per_token_16bit": int(m.kv_bytes_per_token(16)), "attention": m.attention,
         "experts": m.num_experts, "experts_per_token": m.experts_per_token, "source": m.source}
        for m in load_catalog().models.values()
    ]


def table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Rows as left-aligned columns under a header line."""
    widths = {c: max(len(c), *(len(format_value(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(format_value(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    rows, columns = (gpu_rows(), GPU_COLUMNS) if args.what == "gpus" else (model_rows(), MODEL_COLUMNS)
    print(json.dumps(rows) if args.json else table(rows, columns))
    return 0
