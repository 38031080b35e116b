"""The ``costmodel`` command line: ``python -m costmodel VERB ...``."""

from costmodel.cli.main import main

__all__ = ["main"]
