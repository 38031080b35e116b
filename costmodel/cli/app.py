"""One error policy for every verb: bad input prints one line ``error: ...`` and exits with code 2.

Every verb's parser is a :class:`OneLineParser` (argparse's usage dump becomes a CostModelError) and every
handler runs inside :func:`run`, which turns any CostModelError (a bad flag, an unknown id, a catalog file
or usage log that does not validate) into that one line. A model that does not fit is a result, not an
error. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from costmodel.errors import CostModelError

EXIT_BAD_INPUT = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports errors as a CostModelError (one line, exit code 2), never a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CostModelError(message)


def one_line(message: str) -> str:
    """The message on one line whatever the user typed: line breaks in echoed values are shown escaped."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse ``argv`` and call the chosen verb's ``handler``; the exit code under the error policy."""
    try:
        args = parser.parse_args(argv)
        return args.handler(args)
    except CostModelError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        return 0
