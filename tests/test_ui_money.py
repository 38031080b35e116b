"""ui.money: one wording for all-in vs phase-split money and for both margins."""

from ui import money


def test_margins_both_ways():
    # DeepSeek's published day: R = 562,027, C = 87,072 -> (R-C)/R = 84.5%, (R-C)/C = 545%
    gross = 100 * (562_027 - 87_072) / 562_027
    markup = 100 * (562_027 - 87_072) / 87_072
    assert money.margins_text(gross, markup) == "gross margin (R − C)/R 84.5%, cost-profit margin (R − C)/C 545%"
    assert money.fmt_margin_pct(None) == "n/a"


def test_utilization_is_said():
    assert "full load" in money.utilization_note(1.0)
    assert money.utilization_note(0.6).startswith("at 60% average utilization")
    assert "$3.99 per GPU-hour" in money.money_caption(1.0, 3.99)


def test_every_label_has_help():
    for label in (money.ALL_IN_OUTPUT, money.BLENDED, money.PHASE_INPUT, money.PHASE_CACHED, money.PHASE_OUTPUT,
                  money.GROSS_MARGIN, money.COST_PROFIT_MARGIN):
        assert money.HELP[label]
