"""The worked price example of the seed article (shared/seeds/004): Gemini 3.1 Pro Preview, a 50,000-token
prompt and a 2,000-token answer at $2 per million input and $12 per million output tokens:
50,000 x 2 / 1e6 + 2,000 x 12 / 1e6 = $0.10 + $0.024 = $0.124."""

import pytest

from costmodel.pricing.billing import bill, make_scheme
from costmodel.pricing.prices import provider_scheme

REQUEST = {"prompt_tokens": [50_000], "output_tokens": [2_000]}


def test_flat_price_of_the_seed_request():
    flat = make_scheme("flat", input_usd_per_m=2.0, output_usd_per_m=12.0)
    report = bill(REQUEST, [flat], costs=([0.05], [1.0]))
    assert report.to_dict()["schemes"][0]["revenue_usd"] == pytest.approx(0.124)


def test_the_catalog_list_price_gives_the_same_bill():
    scheme = provider_scheme("google/gemini-3.1-pro-preview")
    report = bill(REQUEST, [scheme], costs=([0.05], [1.0]))
    revenue = report.to_dict()["schemes"][0]["revenue_usd"]
    assert revenue == pytest.approx(0.10 + 0.024)
    assert report.to_dict()["schemes"][0]["margin_usd"] == pytest.approx(0.124 - 0.05)
