"""Command line: ``costmodel estimate|list|calibrate|price|worked-example|import-hf`` (or ``python -m costmodel ...``).

One module per verb; each adds its subparser with ``register``. The error policy (costmodel.cli.app):
bad input exits with code 2 and one line naming the problem (and the valid choices); a model that does
not fit is a result (``fits: false``), not an error.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from costmodel.cli import calibrate, estimate, hf_import, listing, price, worked_example
from costmodel.cli.app import OneLineParser, run

VERBS = (estimate, listing, calibrate, price, worked_example, hf_import)


def build_parser() -> argparse.ArgumentParser:
    """The ``costmodel`` parser with one subcommand per verb module."""
    parser = OneLineParser(prog="costmodel", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for verb in VERBS:
        verb.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; the exit code (0, or 2 for bad input)."""
    return run(build_parser(), argv)
