"""The ``import-hf`` verb: a Hugging Face ``config.json`` as a catalog model YAML.

    costmodel import-hf config.json --id my-model-8b --name "My Model 8B" --total-b 8.03 --out my-data

``python -m costmodel.catalog.hf_import ...`` (the older spelling) runs this verb.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from costmodel.catalog.hf_import import model_from_hf_config, save_model, to_yaml


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import-hf``."""
    p = subparsers.add_parser(
        "import-hf",
        help="turn a Hugging Face config.json into a catalog model YAML",
        description="Turn a Hugging Face config.json into a catalog model YAML (printed, or saved with --out).",
    )
    p.add_argument("config", help="path to config.json")
    p.add_argument("--id", required=True, help="catalog id, e.g. my-model-8b (lower case, digits, '.', '-')")
    p.add_argument("--name", help="display name")
    p.add_argument("--total-b", type=float, help="published total parameters, billions")
    p.add_argument("--active-b", type=float, help="published active parameters per token, billions")
    p.add_argument("--out", help="data directory to save into (writes OUT/models/<id>.yaml); default: print")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT/models/<id>.yaml")
    p.set_defaults(handler=run)


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Model-card figures given on the command line (they win over what config.json implies)."""
    overrides: dict[str, Any] = {}
    if args.name:
        overrides["name"] = args.name
    if args.total_b is not None:
        overrides["published_total_params_b"] = args.total_b
    if args.active_b is not None:
        overrides["published_active_params_b"] = args.active_b
    return overrides


def run(args: argparse.Namespace) -> int:
    model = model_from_hf_config(args.config, args.id, **overrides_from_args(args))
    if args.out:
        print(save_model(model, args.out, overwrite=args.overwrite))
    else:
        sys.stdout.write(to_yaml(model))
    return 0
