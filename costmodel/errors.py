"""Errors the library raises for bad input: each message names the problem and the valid choices."""

from __future__ import annotations

from collections.abc import Iterable


class CostModelError(ValueError):
    """Base class: bad input that the caller can fix (the CLI exits 2 with the message)."""


class UnknownIdError(CostModelError):
    """An id that is not in the catalog."""

    def __init__(self, kind: str, given: str, valid: Iterable[str]):
        self.kind, self.given, self.valid = kind, given, sorted(valid)
        super().__init__(f"unknown {kind} {given!r}; valid choices: {', '.join(self.valid)}")


class CatalogError(CostModelError):
    """A catalog file that does not validate: names the file, the field and the problem."""

    def __init__(self, path: str, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: field {field!r}: {problem}")
