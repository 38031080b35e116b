"""What every page opens with: the shared scenario, its estimate, the title, the intro and the scenario sentence.

A page starts with one call, ``p = open_page(title, intro)``, then reads ``p.scenario``,
calls the library and draws. The scenario is the one the entrypoint's sidebar built
this run (``ui.sidebar``); the estimate is computed on first use, so pages that do
not need it (Validation, Hardware) do not pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from costmodel import Catalog, Estimate, Scenario, estimate
from costmodel.analysis.fit import fit_advice
from costmodel.catalog.architecture import ModelArchitecture
from costmodel.catalog.hardware import GPU
from ui import scenario_cache
from ui.money import ALL_IN_OUTPUT
from ui.state import describe
from ui.widgets import apply_presentation_style, get_catalog, pinned, presenting, scenario


@dataclass(frozen=True)
class PageContext:
    """The inputs of one page run: catalog, the sidebar's scenario and the pinned scenario A (or None)."""

    catalog: Catalog
    scenario: Scenario
    pinned: Scenario | None

    @functools.cached_property
    def estimate(self) -> Estimate:
        """The scenario's estimate, on first use; shared by every session that has the same scenario
        (``scenario_cache.computed``: a control moved back and forth, a link or preset many people open)."""
        return scenario_cache.computed(estimate, self.scenario)

    @property
    def model(self) -> ModelArchitecture:
        return self.catalog.model(self.scenario.model)

    @property
    def gpu(self) -> GPU:
        return self.catalog.gpu(self.scenario.gpu)


def page_context() -> PageContext:
    """The catalog and scenarios of this run, without drawing anything."""
    return PageContext(get_catalog(), scenario(), pinned())


def open_page(title: str, intro: str | Callable[[PageContext], str] | None = None, *, about: str | None = None,
              note: str = "", check_fit: bool = True) -> PageContext:
    """Draw a page's opening and return its context.

    ``intro``: a paragraph under the title (hidden when presenting), or a function of the context for an intro
    that names the model or GPU. ``about``: the label of the scenario sentence (``"Scenario"``,
    ``"Deployment"``...), ``None`` for no sentence; ``note`` follows the sentence.
    ``check_fit``: when the model and one request do not fit, show a dash for the headline, the reason and what would make it fit, and stop the page
    (its costs, speeds and margins would be meaningless); ``False`` for pages that cost other deployments
    (every GPU at its own count, open models at their cheapest plan) or none.
    """
    ctx = page_context()
    apply_presentation_style()
    st.title(title)
    if intro is not None and not presenting():
        st.markdown(intro(ctx) if callable(intro) else intro)
    if about is not None:
        st.markdown(f"**{about}.** {describe(ctx.scenario, ctx.catalog)}" + (f" {note}" if note else ""))
    if check_fit and not ctx.estimate.fits:
        does_not_fit(ctx)
        st.stop()
    return ctx


NO_FIT_DASH = "—"


def does_not_fit(ctx: PageContext) -> None:
    """The one message every page shows when the model and one request do not fit in memory: a dash where the
    headline numbers would be, the reason, and the changes that would make it fit (costmodel.analysis.fit)."""
    advice = fit_advice(ctx.scenario, ctx.catalog, ctx.estimate)
    c = st.columns(3)
    for col, label in zip(c, (ALL_IN_OUTPUT, "Output throughput", "Margin per request"),
                          strict=True):
        col.metric(label, NO_FIT_DASH, help="Not meaningful: the scenario does not fit in memory.")
    st.error("**Does not fit in memory.** " + advice.summary(), icon=":material/memory:")
