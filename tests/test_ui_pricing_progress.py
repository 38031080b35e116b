"""The Pricing page's progress bar while it bills a large upload or trace (ui.pricing.bill_with_progress)."""

from __future__ import annotations

import pytest

from costmodel import Scenario
from costmodel.pricing.billing import bill, make_scheme
from costmodel.workloads.workload import synthesize
from ui import pricing


class Bar:
    def __init__(self):
        self.values, self.texts = [], []

    def progress(self, value, text=""):
        self.values.append(value)
        self.texts.append(text)


def test_the_bar_moves_to_the_end_and_the_bill_is_unchanged():
    w = synthesize("chat", users=40, months=1, seed=3)
    s = Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1)
    schemes = [make_scheme("flat"), make_scheme("subscription")]
    bar = Bar()
    got = pricing.bill_with_progress(w, schemes, s, bar)
    want = bill(w, schemes, scenario=s)
    assert len(bar.values) >= 2 and bar.values == sorted(bar.values) and bar.values[-1] == pytest.approx(1.0)
    assert bar.texts[-1] == f"Billing requests: {len(w):,} of {len(w):,}"
    for a, b in zip(got.schemes, want.schemes, strict=True):
        assert a.revenue_usd == pytest.approx(b.revenue_usd, rel=1e-9) and a.cost_usd == pytest.approx(b.cost_usd)
    assert len(w) < pricing.PROGRESS_MIN_REQUESTS  # small workloads: no bar, only the spinner
