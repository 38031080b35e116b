"""Figure builders: traces, axis titles with units, log axes, money ticks (checked on fig.data / fig.layout)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from costmodel.analysis.curves import roofline
from ui import charts, theme


def _axis_titles(fig: go.Figure) -> tuple[str, str]:
    return fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def test_line_chart_series_marker_and_axes():
    x = np.array([1, 10, 100])
    fig = charts.line_chart(x, {"a": [1, 2, 3], "b": [3, 2, 1]}, title="T", x_title="Prompt (tokens)",
                            y_title="USD per request", log_x=True, y_money=True, marker=(10, 2, "you"), dashed=("b",))
    assert [t.name for t in fig.data] == ["a", "b", "you"]
    assert list(fig.data[0].x) == [1, 10, 100] and list(fig.data[1].y) == [3, 2, 1]
    assert fig.data[1].line.dash == "dash" and fig.data[0].line.dash == "solid"
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type is None  # linear, chosen by plotly
    assert fig.layout.yaxis.tickformat == charts.MONEY_TICKFORMAT
    assert _axis_titles(fig) == ("Prompt (tokens)", "USD per request")


def test_illusion_chart_marks_loss_points():
    x = np.array([100, 1000, 10000])
    price = np.array([1.0, 2.0, 3.0])
    cost = np.array([0.5, 2.5, 4.0])
    fig = charts.illusion_chart(x, price, cost, scenario_prompt=1000)
    names = [t.name for t in fig.data]
    assert names[0].startswith("Price") and names[1].startswith("Cost") and names[2] == "Served at a loss"
    assert list(fig.data[2].x) == [1000, 10000]
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "tokens" in fig.layout.xaxis.title.text and "USD" in fig.layout.yaxis.title.text
    assert len(fig.layout.shapes) == 1  # the scenario's prompt length


def test_illusion_chart_without_losses_has_two_traces():
    fig = charts.illusion_chart(np.array([1, 2]), np.array([2.0, 3.0]), np.array([1.0, 1.0]))
    assert len(fig.data) == 2 and not fig.layout.shapes


def test_roofline_chart_draws_the_library_roofline_in_tflops():
    peak, bw = 989e12, 3.35e12
    ai, attainable, ridge = roofline(peak, bw)
    fig = charts.roofline_chart(ai, attainable, ridge, {"prefill": (500.0, 500e12), "decode": (20.0, 60e12)})
    roof = fig.data[0]
    assert np.allclose(np.asarray(roof.x), ai) and np.allclose(np.asarray(roof.y), attainable / 1e12)
    assert [t.name for t in fig.data[1:]] == ["prefill", "decode"]
    assert fig.data[2].y[0] == 60.0
    assert "FLOP per byte" in fig.layout.xaxis.title.text and "TFLOP/s" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"


def test_waterfall():
    fig = charts.waterfall_chart(["naive", "lever", "yours"], [10.0, -6.0, 4.0], ["absolute", "relative", "total"],
                                 title="W", y_title="USD per million output tokens")
    w = fig.data[0]
    assert isinstance(w, go.Waterfall)
    assert list(w.measure) == ["absolute", "relative", "total"] and list(w.y) == [10.0, -6.0, 4.0]
    assert fig.layout.yaxis.title.text == "USD per million output tokens" and fig.layout.yaxis.tickformat == charts.MONEY_TICKFORMAT


def test_bar_chart_highlight_and_orientation():
    fig = charts.bar_chart(["h100", "h200"], {"cost": [2.0, 1.0]}, title="B", x_title="GPU",
                           y_title="USD per M tokens", y_money=True, highlight="h200")
    assert list(fig.data[0].x) == ["h100", "h200"]
    assert list(fig.data[0].marker.line.width) == [0, 3]
    assert fig.layout.yaxis.tickformat == charts.MONEY_TICKFORMAT
    h = charts.bar_chart(["a", "b"], {"v": [1, 2]}, title="H", x_title="Scheme", y_title="USD", horizontal=True)
    assert h.data[0].orientation == "h" and h.layout.xaxis.title.text == "USD"


def test_histogram_and_scatter():
    h = charts.histogram_chart({"flat": np.array([1.0, 2.0, 2.5])}, title="H", x_title="Bill (USD per month)")
    assert isinstance(h.data[0], go.Histogram) and h.layout.xaxis.tickformat == charts.MONEY_TICKFORMAT
    s = charts.scatter_chart([1, 2], [1.5, 2.5], ["p", "q"], title="S", x_title="Measured (tok/s)",
                             y_title="Predicted (tok/s)", log_x=True, log_y=True, diagonal=True, groups=["g1", "g2"])
    assert [t.name for t in s.data] == ["g1", "g2", "y = x"]
    assert list(s.data[0].text) == ["p"]


def test_vlines_are_shapes_with_labels():
    fig = charts.line_chart([1e3, 1e6], {"a": [1, 2]}, title="T", x_title="x", y_title="y", log_x=True,
                            vlines=[(200_000, "200k tier", "#7c3aed")])
    assert fig.layout.shapes[0].x0 == 200_000 and fig.layout.annotations[0].text == "200k tier"
    assert fig.layout.annotations[0].x == pytest.approx(np.log10(200_000))  # log axes place notes in log10


def test_categorical_axes_are_not_forced_linear():
    """A forced 'linear' x axis hides bars and waterfalls whose x values are labels."""
    w = charts.waterfall_chart(["a", "b"], [1.0, -0.5], ["absolute", "relative"], title="W", y_title="USD")
    b = charts.bar_chart(["h100", "h200"], {"cost": [2.0, 1.0]}, title="B", x_title="GPU", y_title="USD")
    for fig in (w, b):
        assert fig.layout.xaxis.type in (None, "category")


def test_log_histogram_labels_decades_in_dollars():
    h = charts.histogram_chart({"bills": np.array([0.02, 0.5, 3.0, 20.0, 0.0])}, title="H",
                               x_title="Bill (USD, log scale)", log_x=True)
    assert np.allclose(np.asarray(h.data[0].x), np.log10([0.02, 0.5, 3.0, 20.0]))  # zero bills dropped
    assert list(h.layout.xaxis.tickvals) == [-2, -1, 0, 1, 2]
    assert list(h.layout.xaxis.ticktext) == ["$0.01", "$0.1", "$1", "$10", "$100"]


def test_bar_chart_can_hide_unreadable_category_labels():
    fig = charts.bar_chart([f"case{i}" for i in range(80)], {"error": list(range(80))}, title="E",
                           x_title="Cases", y_title="%", category_labels=False)
    assert fig.layout.xaxis.showticklabels is False and len(fig.data[0].x) == 80


def test_frontier_chart_plans_envelope_published_point_and_target():
    fig = charts.frontier_chart({"4 GPUs per replica": (np.array([50.0, 20.0]), np.array([100.0, 300.0]))},
                                (np.array([20.0, 50.0]), np.array([300.0, 100.0])), title="T",
                                y_title="Output tokens/s per GPU (log)", log_y=True, current=(20, 300, "you"),
                                published={"Published: MLPerf": (np.array([15.0]), np.array([250.0]), ["run"])},
                                target=30)
    assert [t.name for t in fig.data] == ["4 GPUs per replica", "Frontier (best plan at each speed)",
                                          "Published: MLPerf", "you"]
    assert list(fig.data[1].x) == [20.0, 50.0]  # the envelope is drawn left to right
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.type is None
    assert _axis_titles(fig) == ("Output tokens/s per user (interactivity)", "Output tokens/s per GPU (log)")
    assert fig.layout.shapes[0].x0 == 30 and "30" in fig.layout.annotations[0].text
    assert not charts.frontier_chart({}, (np.array([1.0]), np.array([1.0])), title="T", y_title="y").layout.shapes


def test_money_ticks_are_plain_dollars_and_log_axes_have_minor_grid():
    fig = charts.line_chart([1, 10], {"Cost per request": [1e-4, 1e2]}, title="T", x_title="x", y_title="USD",
                            log_y=True, y_money=True)
    y = fig.layout.yaxis
    assert y.tickformat == charts.MONEY_TICKFORMAT and y.exponentformat == "none"
    assert y.minor.showgrid is True
    # plotly drops a tickprefix on a log axis's 2 and 5 ticks ("$0.001" above "0.0005"): the "$" is in the format
    assert charts.MONEY_TICKFORMAT.startswith("$") and not y.tickprefix
    # and a log axis that is not money labels those ticks in full (0.5, not a bare "5" below "1")
    x = fig.layout.xaxis
    assert x.type is None and not x.tickformat  # linear: plotly's own labels
    e = charts.line_chart([1, 10], {"J": [0.4, 12]}, title="E", x_title="Requests", y_title="J", log_x=True, log_y=True)
    assert e.layout.xaxis.tickformat == e.layout.yaxis.tickformat == charts.LOG_TICKFORMAT


def test_linear_money_axes_start_at_zero():
    """A cost that moves 0.7% (Agents' context-parallel chart) must not fill the plot as if it had doubled."""
    fig = charts.line_chart([2, 4, 8], {"Cost": [0.5793, 0.5834, 0.5828]}, title="T", x_title="ranks",
                            y_title="USD per request", log_x=True, y_money=True)
    assert fig.layout.yaxis.rangemode == "tozero"
    assert charts.line_chart([1, 10], {"c": [1e-4, 1e2]}, title="T", x_title="x", y_title="USD", log_y=True,
                             y_money=True).layout.yaxis.rangemode is None  # a log axis has no zero


def test_series_take_their_concept_colour_and_never_share_one():
    assert charts.series_colors(["Input tokens", "Output tokens", "List price", "Modeled cost"]) == [
        theme.INPUT, theme.OUTPUT, theme.PRICE, theme.COST]
    a, b = charts.series_colors(["Cost with caching", "Cost without"])
    assert a == theme.COST and b != a


def test_dot_chart_is_dots_on_a_log_axis_with_vendor_colours():
    fig = charts.dot_chart(["L4", "GB200"], {"Output": [9.0, 1.0]}, title="D", value_title="USD per M", category_title="GPU",
                           money=True, point_colors=[theme.vendor_color("nvidia"), theme.vendor_color("amd")],
                           highlight="GB200")
    assert fig.data[0].type == "scatter" and fig.data[0].mode == "markers"
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.tickformat == charts.MONEY_TICKFORMAT
    assert list(fig.data[0].marker.color) == [theme.VENDOR["nvidia"], theme.VENDOR["amd"]]
    assert list(fig.data[0].marker.line.width) == [1, 3]


def test_bar_chart_has_no_log_option():
    import inspect

    assert "log_y" not in inspect.signature(charts.bar_chart).parameters


def test_plan_changes_become_labelled_vlines():
    lines = charts.plan_change_lines([1, 2, 4, 8], ["8 GPUs", "8 GPUs", "4 GPUs", ""])
    assert lines == [(4.0, "4 GPUs", theme.PLAN_CHANGE)]
    assert charts.plan_change_lines([1, 2], ["8", "8"]) == []


def test_neighbouring_vline_labels_take_two_rows():
    """Plan changes at 2 and 4 requests (Mixtral on 2 H100s): both labels on one row ran into each other."""
    fig = charts.line_chart([1, 2, 4, 8], {"c": [4.0, 3.0, 2.0, 1.0]}, title="T", x_title="x", y_title="y",
                            log_x=True, vlines=[(2.0, "1 GPU/replica × 2", "grey"), (4.0, "2 GPUs/replica × 1", "grey")])
    a, b = fig.layout.annotations
    assert (a.yanchor, b.yanchor) == ("bottom", "top") and a.y == b.y == 1


def test_an_empty_line_chart_says_why():
    fig = charts.line_chart([1, 2], {"Cost": [float("nan")] * 2}, title="E", x_title="x", y_title="y",
                            empty_reason="Does not fit")
    assert any(a.text == "Does not fit" for a in fig.layout.annotations)


def test_caller_colours_are_reserved_before_concepts_are_assigned():
    got = charts.series_colors(["Cost without", "Cost with caching", "Revenue, flat"], {"Cost with caching": theme.CACHED})
    assert got == [theme.COST, theme.CACHED, theme.PRICE]


def test_revenue_and_cost_go_on_a_log_axis_only_when_they_span_more_than_ten_fold():
    """A $10M subscription beside an $18k compute-time bill flattened every other bar to a sliver (seen on the
    Pricing page at 500,000 users): beyond 10x the values go on a log axis as dots, and the caption says so."""
    from ui.pricing import revenue_and_cost_figure, revenue_and_cost_note, spans_decades

    assert not spans_decades(np.array([42_330.0, 18_487.0, 22_982.0]))
    assert spans_decades(np.array([10_000_000.0, 18_487.0, 22_982.0]))
    assert not spans_decades(np.array([0.0, np.nan, 5.0]))  # zeros and gaps do not count
    near = revenue_and_cost_figure(["Flat", "Compute"], np.array([42_330.0, 18_487.0]), np.array([22_982.0] * 2))
    assert [t.type for t in near.data] == ["bar", "bar"] and near.layout.xaxis.type != "log"
    wide = revenue_and_cost_figure(["Flat", "Subscription"], np.array([42_330.0, 1e7]), np.array([22_982.0] * 2))
    assert {t.type for t in wide.data} == {"scatter"} and wide.layout.xaxis.type == "log"
    assert [t.name for t in wide.data] == ["Revenue", "Cost to serve"]
    assert "Log scale" in revenue_and_cost_note(np.array([42_330.0, 1e7]), np.array([22_982.0] * 2))
    assert "Log scale" not in revenue_and_cost_note(np.array([42_330.0]), np.array([22_982.0]))


def test_margins_hold_the_labels_so_plotly_draws_once():
    """Explicit margins sized like plotly's automargin (checked in Chromium: the drawn margins equal these on every
    page at the default scenario), automargin kept only as a guard; a legend and long category names widen them."""
    x = np.array([100, 1000, 8000])  # not ending on a tick (see the next test)
    one = charts.line_chart(x, {"a": [1e-4, 1e-3, 1e-2]}, title="T", x_title="X", y_title="Y", log_x=True,
                            log_y=True, y_money=True)
    two = charts.line_chart(x, {"a": [1e-4, 1e-3, 1e-2], "b": [2e-4, 2e-3, 2e-2]}, title="T", x_title="X",
                            y_title="Y", log_x=True, log_y=True, y_money=True)
    assert one.layout.xaxis.automargin and one.layout.yaxis.automargin
    assert (one.layout.margin.l, one.layout.margin.t, one.layout.margin.b) == (92, 60, 65)  # "$0.0001": 39 px
    assert two.layout.margin.b == 101  # a one-row legend 0.2 of the plot's height below it
    gpus = charts.dot_chart(["NVIDIA GB300 NVL72 (per Blackwell Ultra GPU)", "L4"], {"a": [1, 2]}, title="T",
                            value_title="V", category_title="GPU")
    assert gpus.layout.margin.l > 250 and gpus.layout.yaxis.type == "category"
    assert gpus.layout.yaxis.autorange == "reversed"
    hidden = charts.bar_chart(["a", "b"], {"s": [1, 2]}, title="T", x_title="X", y_title="Y", category_labels=False)
    assert hidden.layout.margin.b == 46 and hidden.layout.xaxis.showticklabels is False


def test_a_line_ending_on_a_tick_gets_room_for_its_label_on_the_right():
    fig = charts.line_chart(np.array([0, 50, 100]), {"a": [1, 2, 3]}, title="T", x_title="Share (%)", y_title="Y")
    assert fig.layout.margin.r == 21  # half of "100" past the edge, plus plotly's pad (12 once every margin has it)
    padded = charts.scatter_chart([0, 50, 100], [1, 2, 3], ["p", "q", "r"], title="T", x_title="X", y_title="Y")
    assert padded.layout.margin.r == 10  # markers pad the range: no label at the edge


def test_tick_label_estimates():
    money = {"tickformat": charts.MONEY_TICKFORMAT}
    assert charts.tick_labels(np.array([0.0, 0.003]), money) == [
        "$0", "$0.0005", "$0.001", "$0.0015", "$0.002", "$0.0025", "$0.003"]
    assert charts.tick_labels(np.array([2e-4, 0.1]), money | {"type": "log"})[:2] == ["$0.0002", "$0.0005"]
    assert charts.tick_labels(np.array([0, 70_000]), {})[-1].endswith("k")
    assert charts.tick_labels(np.array([1.0]), {"ticktext": ["$1", "$10"]}) == ["$1", "$10"]
