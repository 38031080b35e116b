"""The ``price`` subcommand (pricing engine): registered by costmodel.cli."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``price`` subcommand (filled in by the pricing engine)."""
