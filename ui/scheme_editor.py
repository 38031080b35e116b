"""Every parameter of a pricing scheme as a widget, generated from the scheme's pydantic fields.

The scheme classes (costmodel.pricing.*_schemes) declare each parameter with its type, bounds and
description; this module draws one widget per parameter with those bounds and that help text, so
a parameter added to a scheme appears on the Pricing page without touching it. Defaults are the
scheme's (data/prices/schemes.yaml). Numbers: ``st.number_input``; choices (``Literal``): a
select box; per-tier prices (``dict[str, float]``): one input per tier; an optional number whose
``None`` means "the deployment's" is 0 for None. Structured parameters (extra windows, size
bands, per-model multipliers) keep their defaults and are named in a caption.
"""

from __future__ import annotations

import contextlib
import hashlib
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

import streamlit as st

from costmodel.pricing.billing import make_scheme

_NO_BOUND = 1e9
AUTO = "auto"


def label_of(name: str) -> str:
    """A readable label: 'input_usd_per_m' -> 'Input, USD per million tokens'."""
    text = name.replace("_usd_per_m_per_b_active", ", USD per million tokens per billion active parameters")
    text = text.replace("_usd_per_m", ", USD per million tokens").replace("_usd_per_request", ", USD per request")
    text = text.replace("_usd_per_gpu_hour", ", USD per GPU-hour").replace("_usd", ", USD").replace("usd_per_", "USD per ")
    text = text.replace("_s", " (s)") if text.endswith("_s") else text
    text = text.replace("_", " ")
    return text[0].upper() + text[1:]


def _bounds(info) -> tuple[float, float]:
    lo, hi = 0.0, _NO_BOUND
    for m in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                lo = float(getattr(m, attr))
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                hi = float(getattr(m, attr))
    return lo, hi


def _kind(annotation) -> tuple[str, tuple]:
    """('number'|'int'|'choice'|'tiers'|'skip', extra) for a field's annotation; optional types unwrapped."""
    args = typing.get_args(annotation)
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        inner = [a for a in args if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else annotation
    if typing.get_origin(annotation) is Literal:
        return ("choice", (optional, typing.get_args(annotation)))
    if annotation is float:
        return ("number", (optional,))
    if annotation is int:
        return ("int", (optional,))
    if typing.get_origin(annotation) is dict and typing.get_args(annotation)[1] is float:
        return ("tiers", ())
    return ("skip", ())


def _number(label: str, key: str, value: float, lo: float, hi: float, integer: bool, help: str | None,
            draw: bool) -> float:
    if not draw:  # not on screen this run: the value the widget last had (persist_state keeps it), or its default
        kept = st.session_state.get(key, value)
        return int(kept) if integer else float(kept)
    if integer:
        return st.number_input(label, min_value=int(lo), max_value=int(min(hi, _NO_BOUND)), value=int(value),
                               step=max(1, int(value) // 10 or 1), key=key, help=help, persist_state="session")
    step = 0.01 if hi <= 10 else 0.1
    return st.number_input(label, min_value=lo, max_value=hi, value=float(value), step=step, format="%.4g", key=key,
                           help=help, persist_state="session")


def _choice(label: str, key: str, options: list, default: Any, help: str | None, draw: bool) -> Any:
    if not draw:
        kept = st.session_state.get(key, default)
        return kept if kept in options else default
    return st.selectbox(label, options, index=options.index(default), key=key, help=help, persist_state="session")


def scheme_parameters(scheme_id: str, base: Mapping[str, Any] | None = None, *, draw: bool = True) -> dict[str, Any]:
    """Draw the scheme's parameters and return the values set (for ``make_scheme(scheme_id, **values)``).

    ``base``: parameters that replace the scheme's defaults (the page's shared list prices); when they change,
    the widgets start again from them (their keys carry a digest of ``base``).
    ``draw=False``: draw nothing and return the values the widgets hold (kept in the session by
    ``persist_state`` while they are off screen, e.g. in a closed expander or another tab), or the defaults:
    the same values a drawn editor returns, without the ~0.3-1 ms of server time each widget costs per rerun.
    """
    base = dict(base or {})
    scheme = make_scheme(scheme_id, **base)
    tag = hashlib.sha256(repr(sorted(base.items())).encode()).hexdigest()[:8]
    values: dict[str, Any] = {}
    kept: list[str] = []
    cols = st.columns(3) if draw else None
    for i, (name, info) in enumerate(type(scheme).model_fields.items()):
        kind, extra = _kind(info.annotation)
        default = getattr(scheme, name)
        key, help_text = f"sp_{scheme_id}_{name}_{tag}", (info.description or None)
        with cols[i % 3] if cols else contextlib.nullcontext():
            if kind == "choice":
                optional, options = extra
                shown = ([AUTO] if optional else []) + list(options)
                pick = _choice(label_of(name), key, shown, AUTO if default is None else default, help_text, draw)
                values[name] = None if pick == AUTO else pick
            elif kind in ("number", "int"):
                optional = extra[0]
                lo, hi = _bounds(info)
                if optional:  # None = the deployment's value: 0 stands for it
                    v = _number(label_of(name) + " (0 = the deployment's)", key, default or 0, 0.0, hi,
                                kind == "int", help_text, draw)
                    values[name] = None if v == 0 else v
                else:
                    values[name] = _number(label_of(name), key, default, lo, hi, kind == "int", help_text, draw)
            elif kind == "tiers":
                values[name] = {tier: _number(f"{label_of(name)}: {tier}", f"{key}_{tier}", v, 0.0, _NO_BOUND, False,
                                              help_text, draw) for tier, v in default.items()}
            else:
                kept.append(label_of(name))
    if kept and draw:
        st.caption("Kept at their defaults (data/prices/schemes.yaml): "
                   + ", ".join(kept) + ".")
    return values


__all__ = ["AUTO", "label_of", "scheme_parameters"]
