"""The scenario's command line, generated from ``Scenario``'s pydantic fields.

Every field of :class:`costmodel.engine.scenario.Scenario` becomes one flag (``prompt_tokens`` ->
``--prompt-tokens``; a boolean -> ``--flash-attention/--no-flash-attention``), with its type, choices,
bounds, unit (from the field's description) and default in ``--help``. ``estimate`` and ``price`` add the
same group, so a field added to ``Scenario`` later gets its flag in both verbs without an edit here.

Flags default to "not given" (``None``): the scenario's own default applies, so the command line and
``Scenario()`` cannot drift apart.
"""

from __future__ import annotations

import argparse
import math
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from costmodel.catalog.loader import load_catalog
from costmodel.engine.scenario import Scenario
from costmodel.errors import CostModelError

ID_FIELDS = ("model", "gpu")
"""Fields whose value is a catalog id: required on the command line and checked against the catalog."""
ID_HINTS = {"model": "see `list models`", "gpu": "see `list gpus`"}


def flag_name(field: str) -> str:
    """``prompt_tokens`` -> ``--prompt-tokens``."""
    return "--" + field.replace("_", "-")


def finite_float(text: str) -> float:
    """A float that is neither NaN nor infinite (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def whole_number_or(words: tuple[str, ...]) -> Callable[[str], int | str]:
    """An argparse type for ``int | Literal[...]`` fields such as ``concurrency`` (a number or 'max')."""
    spelled = " or ".join(repr(w) for w in words)

    def parse(text: str) -> int | str:
        if text in words:
            return text
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number or {spelled}, got {text!r}") from None

    parse.__name__ = "whole number or " + spelled  # argparse names the type in some messages
    return parse


def _without_none(annotation: Any) -> list[Any]:
    """The members of an annotation's union other than ``None`` (one member for a plain type)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _literal_values(members: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """Split union members into the values of its ``Literal`` parts and the other (plain) types."""
    values, plain = [], []
    for member in members:
        if typing.get_origin(member) is Literal:
            values.extend(typing.get_args(member))
        else:
            plain.append(member)
    return values, plain


def argument_kind(name: str, field: FieldInfo) -> dict[str, Any]:
    """``add_argument`` keywords for the field's type: type and metavar (choices in braces), or a boolean action.

    Raises TypeError for a type the generator does not know, so a new Scenario field with an unusual type
    fails the tests (tests/test_cli_args.py) instead of silently lacking a flag.
    """
    values, plain = _literal_values(_without_none(field.annotation))
    if plain == [bool] and not values:
        return {"action": argparse.BooleanOptionalAction}
    # Choices are shown, not enforced by argparse: Scenario validates them, so the error names the flag
    # and the value the same way for every field ("--weight-bits 3: Input should be 4, 8 or 16").
    if not plain and values and all(isinstance(v, int) for v in values):
        return {"type": int, "metavar": "{" + ",".join(map(str, values)) + "}"}
    if not plain and values and all(isinstance(v, str) for v in values):
        return {"type": str, "metavar": "{" + ",".join(values) + "}"}
    if plain == [int] and values and all(isinstance(v, str) for v in values):
        return {"type": whole_number_or(tuple(values)), "metavar": "N|" + "|".join(values)}
    if plain == [int] and not values:
        return {"type": int, "metavar": "N"}
    if plain == [float] and not values:
        return {"type": finite_float, "metavar": "X"}
    if plain == [str] and not values:
        return {"type": str, "metavar": "ID" if name in ID_FIELDS else "TEXT"}
    raise TypeError(f"Scenario.{name}: no command-line type for {field.annotation!r}")


def _bounds(field: FieldInfo) -> str:
    """The field's numeric bounds as text, e.g. ``1 <= N <= 4096``; empty when it has none."""
    low = high = ""
    for m in field.metadata:
        if isinstance(m, Ge):
            low = f"{m.ge:,} <= "
        elif isinstance(m, Gt):
            low = f"{m.gt:,} < "
        elif isinstance(m, Le):
            high = f" <= {m.le:,}"
        elif isinstance(m, Lt):
            high = f" < {m.lt:,}"
    return f"{low}value{high}" if low or high else ""


def help_text(name: str, field: FieldInfo, *, required: bool) -> str:
    """The flag's ``--help`` line: description (with its unit), bounds and default."""
    parts = [field.description or name.replace("_", " ")]
    if name in ID_HINTS:
        parts[0] += f" ({ID_HINTS[name]})"
    bounds = _bounds(field)
    if bounds:
        parts.append(bounds)
    parts.append("required" if required else f"default: {field.default}")
    return "; ".join(parts).replace("%", "%%")


def add_scenario_flags(parser: argparse.ArgumentParser, *, ids_required: bool = True) -> None:
    """Add one flag per Scenario field (an argument group titled "scenario") to a verb's parser.

    ``ids_required=False`` leaves ``--model``/``--gpu`` optional (``price`` takes them from a workload that
    brings its own deployment, such as ``deepseek-day``; the verb checks they are there otherwise).
    """
    group = parser.add_argument_group("scenario", "what the deployment serves (Scenario fields; see docs)")
    for name, field in Scenario.model_fields.items():
        required = ids_required and name in ID_FIELDS
        unless = "" if required or name not in ID_FIELDS else " (unless the workload brings its deployment: deepseek-day)"
        group.add_argument(
            flag_name(name),
            dest=name,
            default=None,
            required=required,
            help=help_text(name, field, required=name in ID_FIELDS) + unless,
            **argument_kind(name, field),
        )


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The Scenario the generated flags describe (flags not given keep the Scenario default)."""
    given = {name: getattr(args, name, None) for name in Scenario.model_fields}
    if given.get("spec_acceptance") is not None and not given.get("spec_draft_tokens"):
        raise CostModelError("--spec-acceptance needs --spec-draft-tokens G (G >= 1)")
    return scenario_from_fields(given)


def scenario_from_fields(fields: dict[str, Any]) -> Scenario:
    """Validate scenario fields given on the command line (``None`` values left out).

    An unknown model or GPU id, or the first invalid field, becomes one CostModelError line that
    names the flag and the valid choices.
    """
    fields = {k: v for k, v in fields.items() if v is not None}
    for name in ID_FIELDS:
        if name not in fields:
            raise CostModelError(f"the following arguments are required: {flag_name(name)}")
    catalog = load_catalog()
    catalog.model(fields["model"])
    catalog.gpu(fields["gpu"])
    try:
        return Scenario.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "scenario"
        given = fields.get(name, "")
        raise CostModelError(f"{flag_name(name)} {given}: {err['msg']}".replace("Value error, ", "")) from None
