"""Work-arounds for bugs in the Streamlit version we run on. Each one is small, idempotent and tested.

Streamlit 1.67: an integer ``st.number_input`` bound to the URL crashes the whole
script on ``?key=inf`` (also ``-inf``, ``1e309`` or 400 digits):
``NumberInputSerde.deserialize`` calls ``int(float('inf'))`` and the resulting
``OverflowError`` escapes ``SessionState._seed_widget_from_url``, which only treats
``ValueError``/``TypeError``/``IndexError`` as "invalid URL value, fall back to the
default". We turn that ``OverflowError`` into a ``ValueError`` so the bad parameter
is ignored and removed like any other invalid value.
"""

from __future__ import annotations

import functools

from streamlit.elements.widgets import number_input as _number_input

_MARK = "_tee_overflow_guard"


def guard_number_input_overflow() -> None:
    """Make an infinite URL value for an integer number_input invalid instead of fatal."""
    serde = _number_input.NumberInputSerde
    original = serde.deserialize
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def deserialize(self, ui_value):  # type: ignore[no-untyped-def]
        try:
            return original(self, ui_value)
        except OverflowError as exc:
            raise ValueError(f"number out of range: {ui_value!r}") from exc

    setattr(deserialize, _MARK, True)
    serde.deserialize = deserialize  # type: ignore[method-assign]


guard_number_input_overflow()

