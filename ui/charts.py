"""Figure builders: numbers in, ``plotly.graph_objects.Figure`` out. Pure: no Streamlit, no cost maths.

Every axis has a title with its unit; money axes use a dollar tick format.
Tested on ``fig.data`` and ``fig.layout`` in tests/test_ui_charts.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go

from ui import theme

COLORS = theme.SERIES
PRICE_COLOR, COST_COLOR, MARGIN_COLOR = theme.PRICE, theme.COST, theme.MARGIN
_MARGIN = MappingProxyType({"l": 10, "r": 10, "t": 60, "b": 10})
MONEY_TICKFORMAT = "$,.6~f"
"""Money ticks in plain dollars ($0.0001, $2.5, $1,200): never SI suffixes ("$100µ") or exponents. The "$" sits in
the d3 format, not in ``tickprefix``: plotly drops the prefix on a log axis's 2 and 5 ticks (it printed "$0.001"
above "0.0005"), while the format applies to every tick."""
LOG_TICKFORMAT = ",~r"
"""Other log axes: every tick in full (0.5, 2,000). Without a format plotly labels the 2 and 5 ticks by their
leading digit alone, so 0.5 J read "5" just below "1" on the Energy page."""


# ----------------------------------------------------------------------------- margins that hold the labels
# Plotly's automargin measures the drawn tick labels, legend and titles after the first draw and, when they need more
# room than ``margin`` gives, draws the whole figure again (plots.doAutoMargin -> _doPlot): a second layout pass in
# the browser on every chart of every rerun. ``fit_margins`` sizes the margins from the labels beforehand, so that
# push changes nothing. Sizes in px for the 12 px tick font of Streamlit's chart theme, measured in Chromium.
_CHAR_PX = {"narrow": 3.0, "digit": 6.0, "upper": 7.0, "other": 5.3}
_NARROW = set(",.:;'!|()[] ")
_TITLE_L, _NO_TITLE_L = 43, 24  # l = widest y tick label + this (tick gap, title line) + the pad
_B_TICKS_TITLE, _B_ONE = 55, 36  # b below the plot, less the pad: x ticks and title / one of them
_LEGEND_ROW_PX, _LEGEND_PX, _LEGEND_ITEM_PX, _LEGEND_Y = 19, 29, 40, -0.2
_ASSUMED_WIDTH = 940  # the main column at a 1400 px window; a narrower chart may wrap its legend (then redrawn)
_PAD_MAX = 12  # plotly adds min(12, l, r, t, b) to each push


def _text_px(text: str) -> float:
    """Approximate width of ``text`` in the chart's 12 px font."""
    return sum(_CHAR_PX["narrow" if c in _NARROW else "digit" if c.isdigit() else
                        "upper" if c.isupper() else "other"] for c in str(text))


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _nice_step(span: float, ticks: int = 8) -> float:
    raw = span / ticks
    mag = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9)))


def _format_tick(t: float, axis: Mapping, step: float | None) -> str:
    """``t`` as plotly prints it on ``axis``: money in plain dollars, other log ticks in full, linear ones by ``step``
    (SI ``k``/``M`` from 10,000 on)."""
    money = axis.get("tickformat") == MONEY_TICKFORMAT
    dec = max(0, -int(np.floor(np.log10(step if step else t) + 1e-9)))
    sign = "−" if t < 0 else ""
    if money:
        return sign + "$" + _trim(f"{abs(t):,.{min(dec, 6)}f}")
    if step and abs(t) >= 10_000:
        return f"{t / 1e6:g}M" if abs(t) >= 1e6 else f"{t / 1e3:g}k"
    return sign + _trim(f"{abs(t):,.{dec}f}")


def _ticks(values: np.ndarray, axis: Mapping, to_zero: bool = False) -> tuple[list[float], float | None]:
    """(the ticks plotly will probably put on a numeric ``axis`` spanning ``values``, their linear step or None on a
    log axis): the decades' 1-2-5 ticks on a log axis, a 1-2-5 step of about eight ticks on a linear one."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if axis.get("type") == "log":
        v = v[v > 0]
        if not v.size:
            return [], None
        lo, hi = float(v.min()) / 1.3, float(v.max()) * 1.3
        return [m * 10.0 ** k for k in range(int(np.floor(np.log10(lo))), int(np.floor(np.log10(hi))) + 1)
                for m in (1, 2, 5) if lo <= m * 10.0 ** k <= hi], None
    if to_zero or axis.get("rangemode") == "tozero":
        v = np.append(v, 0.0)
    if not v.size:
        return [], None
    lo, hi = float(v.min()), float(v.max())
    span = (hi - lo) or abs(hi) or 1.0
    step = _nice_step(span)
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    return [0.0 if abs(t) < step * 1e-9 else float(t)
            for t in np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)], step


def tick_labels(values: np.ndarray, axis: Mapping, to_zero: bool = False) -> list[str]:
    """The tick labels plotly will probably print on a numeric ``axis`` spanning ``values`` (close enough to size a
    margin: ``fit_margins``)."""
    if axis.get("ticktext") is not None:
        return [str(t) for t in axis["ticktext"]]
    ticks, step = _ticks(values, axis, to_zero)
    return [_format_tick(t, axis, step) for t in ticks]


_AUTORANGE_PAD = 0.05 / 0.9  # plotly pads markers' extremes by 5% of the final range on each side: of the data's span


def _edge_overhang_px(data: Sequence[Mapping], axis: Mapping, plot_px: float = _ASSUMED_WIDTH - 90) -> float:
    """How far the last x tick label reaches past the plot's right edge: half the label's width less the
    ``plot_px``-wide plot's px from that tick to the axis's end (lines end the axis at their last point, markers
    5% of the span and their radius further: plotly's autorange), so 0-100 % on a line ends on "100"."""
    if axis.get("showticklabels") is False or axis.get("ticktext") is not None or any(
            tr.get("type", "scatter") != "scatter" for tr in data):
        return 0.0
    log = axis.get("type") == "log"
    ends, lo_all, hi_all = [], np.inf, -np.inf
    for tr in data:
        v = tr.get("x")
        if v is None or (len(v) and isinstance(next(iter(v)), str)):
            return 0.0
        v = np.asarray(v, dtype=float)
        v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
        if not v.size:
            continue
        v = np.log10(v) if log else v
        lo_all, hi_all = min(lo_all, float(v.min())), max(hi_all, float(v.max()))
        mode = str(tr.get("mode", ""))
        marked = "markers" in mode or "text" in mode
        ends.append((float(v.max()), marked, float((tr.get("marker") or {}).get("size", 6)) / 2 + 1 if marked else 0.0))
    if not ends or hi_all <= lo_all:
        return 0.0
    span = hi_all - lo_all
    lo = lo_all - (_AUTORANGE_PAD * span if any(padded for _, padded, _ in ends) else 0.0)
    units_per_px = (span * (1 + 2 * _AUTORANGE_PAD)) / plot_px
    hi = max(e + (_AUTORANGE_PAD * span + px * units_per_px if padded else 0.0) for e, padded, px in ends)
    if log:
        decade = np.floor(hi + 1e-12)
        last = decade + np.log10(max(m for m in (1, 2, 5) if np.log10(m) <= hi - decade + 1e-12))
        label = _format_tick(10.0 ** last, axis, None)
    else:
        step = _nice_step(hi - lo)
        last = np.floor(hi / step + 1e-9) * step
        label = _format_tick(float(last), axis, step)
    return max(0.0, _text_px(label) / 2 - (hi - last) / (hi - lo) * plot_px)


def _axis_extent(data: Sequence[Mapping], letter: str) -> tuple[np.ndarray, list[str], bool]:
    """(numbers, categories, starts at zero) that the traces put on axis ``letter`` ('x' or 'y')."""
    nums, cats, zero = [], [], False
    for tr in data:
        kind = tr.get("type", "scatter")
        v = tr.get(letter)
        if kind == "histogram" and letter == "y":  # the counts (or summed weights): at most all of them in one bin
            total = float(np.sum(v)) if v is not None and tr.get("histfunc") == "sum" else float(np.size(tr["x"]))
            nums.append(np.array([0.0, total]))
            zero = True
            continue
        if v is None:
            continue
        if len(v) and isinstance(next(iter(v)), str):
            cats += [str(c) for c in v]
            continue
        arr = np.asarray(v, dtype=float).ravel()
        if kind == "waterfall" and letter == "y":
            measures, run, acc = list(tr.get("measure") or ["relative"] * arr.size), 0.0, []
            for val, m in zip(arr, measures, strict=False):
                run = val if m == "absolute" else run if m == "total" else run + val
                acc.append(run)
            arr = np.array(acc)
        if kind in ("bar", "waterfall"):
            zero = zero or (letter == "y") != (tr.get("orientation") == "h")
        nums.append(arr)
    return (np.concatenate(nums) if nums else np.array([])), cats, zero


def _label_px(data: Sequence[Mapping], axis: Mapping, letter: str) -> float:
    if axis.get("showticklabels") is False:
        return 0.0
    nums, cats, zero = _axis_extent(data, letter)
    labels = cats if cats or axis.get("type") == "category" else tick_labels(nums, axis, zero)
    return max((_text_px(t) for t in labels), default=0.0)


def _legend_rows(data: Sequence[Mapping], width: float) -> int:
    names = [tr.get("name", "") for tr in data if tr.get("showlegend", True) is not False]
    if len(names) < 2:
        return 0
    rows, used = 1, 0.0
    for n in names:
        w = _LEGEND_ITEM_PX + _text_px(n)
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def fit_margins(layout: dict, data: Sequence[Mapping]) -> dict:
    """``layout["margin"]`` (l, r, t, b) grown to hold the y tick labels and title on the left, the x tick labels,
    title and the horizontal legend below (``_LEGEND_Y`` of the plot's height under it): what plotly's automargin
    would push, so the figure is drawn once. Returns ``layout``."""
    m = dict(layout.get("margin") or _MARGIN)
    x, y = layout.get("xaxis", {}), layout.get("yaxis", {})
    overhang = _edge_overhang_px(data, x)
    if overhang:
        m["r"] = max(m["r"], int(np.ceil(overhang)) + _PAD_MAX)
    pad = min(_PAD_MAX, m["r"], m["t"], 36)
    has_title = {k: bool((a.get("title") or {}).get("text")) for k, a in (("x", x), ("y", y))}
    left = _label_px(data, y, "y")
    if left or has_title["y"]:
        m["l"] = max(m["l"], int(np.ceil(left)) + (_TITLE_L if has_title["y"] else _NO_TITLE_L) + pad)
    x_ticks = x.get("showticklabels") is not False
    b = pad + (_B_TICKS_TITLE if x_ticks and has_title["x"] else _B_ONE if x_ticks or has_title["x"] else 0)
    rows = _legend_rows(data, _ASSUMED_WIDTH - m["l"] - m["r"]) if layout.get("showlegend", True) else 0
    if rows:
        legend_px = _LEGEND_PX + _LEGEND_ROW_PX * (rows - 1)
        b = max(b, int(np.ceil((-_LEGEND_Y * (layout["height"] - m["t"]) + legend_px + pad)
                               / (1 - _LEGEND_Y))) + 1)
    m["b"] = max(m["b"], b)
    layout["margin"] = m
    return layout


def _axis(title: str, log: bool, money: bool) -> dict:
    # automargin stays on as a guard only: the figure's own margins (``fit_margins``) already hold the labels, so
    # plotly's push leaves them as they are and draws once; bigger text (presentation mode) still fits, redrawn
    axis: dict = {"title": {"text": title}, "automargin": True}
    if log:
        axis["type"] = "log"  # otherwise plotly picks linear or category from the data
        axis["minor"] = {"showgrid": True, "ticks": ""}  # the 2..9 gridlines without piling labels on them
        axis["dtick"] = "D2"  # labels at 1, 2 and 5 of each decade: more than the decades, never all nine
        axis["tickformat"] = LOG_TICKFORMAT
    if money:
        axis.update(tickformat=MONEY_TICKFORMAT, exponentformat="none")
        if not log:  # from $0: a 0.7% change (Agents' context-parallel cost, $0.5793 to $0.5834) drew as a cliff
            axis["rangemode"] = "tozero"
    return axis


def series_colors(names: Sequence[str], fixed: Mapping[str, str] | None = None) -> list[str]:
    """One colour per series by concept (``theme.concept_color``); a concept drawn twice gets the next free
    colour so two lines never look alike. ``fixed``: colours chosen by the caller, reserved first."""
    fixed = dict(fixed or {})
    out: list[str] = []
    taken = set(fixed.values())
    for i, name in enumerate(names):
        if name in fixed:
            out.append(fixed[name])
            continue
        c = theme.concept_color(name, i)
        if c in taken:
            c = next((x for x in theme.SERIES if x not in taken), c)
        taken.add(c)
        out.append(c)
    return out


def _figure(data: list, title: str, x_title: str, y_title: str, log_x: bool = False, log_y: bool = False,
            y_money: bool = False, x_money: bool = False, height: int = 420, hovermode: str = "x unified",
            vlines: Sequence[tuple[float, str, str]] = (), x_extra: Mapping | None = None,
            y_extra: Mapping | None = None, **layout: object) -> go.Figure:
    """One Figure built from plain dicts in a single validation pass (``update_*`` calls cost ~5x more).

    ``vlines``: (x, label, color) vertical reference lines, drawn as layout shapes with a label. Labels alternate
    between just above the plot and just inside its top edge: two plan changes at 2 and 4 requests (Cost curves'
    batch tab) printed "1 GPU/replica × 2" and "2 GPUs/replica × 1" into one unreadable run of text.
    ``x_extra``/``y_extra``: more axis settings (category type, reversed range, hidden or given tick labels), set
    before ``fit_margins`` sizes the margins from the labels.
    """
    shapes, notes = [], []
    for i, (x, label, color) in enumerate(vlines):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"dash": "dot", "color": color, "width": 1.5}})
        ax = float(np.log10(x)) if log_x and x > 0 else x
        notes.append({"x": ax, "xref": "x", "y": 1, "yref": "paper", "text": label, "showarrow": False,
                      "xanchor": "left", "yanchor": "bottom" if i % 2 == 0 else "top", "font": {"color": color}})
    base = {
        "title": {"text": title},
        "height": layout.pop("height", height + 40),
        "margin": dict(_MARGIN),
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0},
        "hovermode": hovermode,
        "xaxis": _axis(x_title, log_x, x_money) | dict(x_extra or {}),
        "yaxis": _axis(y_title, log_y, y_money) | dict(y_extra or {}),
        "shapes": shapes,
        "annotations": notes,
    }
    base.update(layout)
    return go.Figure(data=data, layout=fit_margins(base, data))


def _line(x, y, name: str, color: str, dash: str = "solid", width: float = 2.5, hover: str = "%{y:.4g}") -> dict:
    return {"type": "scatter", "x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float), "name": name,
            "mode": "lines", "line": {"color": color, "dash": dash, "width": width},
            "hovertemplate": f"{name}: {hover}<extra></extra>"}


def line_chart(
    x: Sequence[float] | np.ndarray,
    series: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str,
    x_title: str,
    y_title: str,
    log_x: bool = False,
    log_y: bool = False,
    y_money: bool = False,
    marker: tuple[float, float, str] | None = None,
    dashed: Sequence[str] = (),
    hover_y: str = "%{y:.4g}",
    vlines: Sequence[tuple[float, str, str]] = (),
    colors: Mapping[str, str] | None = None,
    empty_reason: str | None = None,
) -> go.Figure:
    """Several lines over one x axis; ``marker=(x, y, label)`` marks the scenario's own point. Colours follow
    the concept each series names (``ui.theme``) unless ``colors`` gives them. ``empty_reason``: the text shown
    in the plot area when no series has a finite point (an empty chart always says why)."""
    palette = dict(zip(series, series_colors(list(series), colors), strict=True))
    data = [_line(x, y, name, palette[name], "dash" if name in dashed else "solid", hover=hover_y)
            for name, y in series.items()]
    if marker is not None:
        mx, my, label = marker
        data.append({"type": "scatter", "x": [float(mx)], "y": [float(my)], "name": label, "mode": "markers",
                     "marker": {"size": 12, "color": theme.SCENARIO, "symbol": "diamond"},
                     "hovertemplate": f"{label}: {hover_y}<extra></extra>"})
    fig = _figure(data, title, x_title, y_title, log_x, log_y, y_money, vlines=vlines)
    if not any(np.isfinite(np.asarray(y, dtype=float)).any() for y in series.values()):
        note_empty(fig, empty_reason or "No point of this curve is valid at these settings.")
    return fig


def note_empty(fig: go.Figure, reason: str) -> None:
    """Write why a chart has no data in the middle of its plot area."""
    fig.add_annotation(text=reason, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"size": 16, "color": theme.REFERENCE})


def plan_change_lines(x: Sequence[float], plans: Sequence[str]) -> list[tuple[float, str, str]]:
    """``vlines`` marking where the serving plan changes along a curve: at the first x of each new plan
    (``plans[i]`` a label such as "8 GPUs/replica"; empty strings, e.g. points that do not fit, are skipped)."""
    out, last = [], None
    for xi, p in zip(x, plans, strict=True):
        if not p:
            continue
        if last is not None and p != last:
            out.append((float(xi), p, theme.PLAN_CHANGE))
        last = p
    return out


def illusion_chart(
    prompt_tokens: np.ndarray, price: np.ndarray, cost: np.ndarray, scenario_prompt: float | None = None
) -> go.Figure:
    """Price per request (linear in tokens) vs cost per request (not linear) as the context grows."""
    x = np.asarray(prompt_tokens, dtype=float)
    price, cost = np.asarray(price, dtype=float), np.asarray(cost, dtype=float)
    data = [_line(x, price, "Price per request (list price × tokens)", PRICE_COLOR, width=3, hover="$%{y:.4g}"),
            _line(x, cost, "Cost to serve per request", COST_COLOR, width=3, hover="$%{y:.4g}")]
    loss = cost > price
    if loss.any():
        data.append({"type": "scatter", "x": x[loss], "y": cost[loss], "mode": "markers", "name": "Served at a loss",
                     "marker": {"color": COST_COLOR, "size": 7, "symbol": "x"},
                     "hovertemplate": "loss<extra></extra>"})
    vlines = [(float(scenario_prompt), "this scenario", theme.REFERENCE)] if scenario_prompt is not None else []
    return _figure(data, "The token illusion: price is linear, cost is not", "Prompt length (tokens, log scale)",
                   "USD per request (log scale)", log_x=True, log_y=True, y_money=True, vlines=vlines)


def roofline_chart(
    intensity: np.ndarray, attainable: np.ndarray, ridge: float, points: Mapping[str, tuple[float, float]],
) -> go.Figure:
    """The roofline (``costmodel.analysis.curves.roofline``: FLOP/byte -> attainable FLOP/s) with operating
    points (intensity, achieved FLOP/s) and the ridge (FLOP/byte) marked."""
    ai, attainable = np.asarray(intensity, dtype=float), np.asarray(attainable, dtype=float)
    data = [{"type": "scatter", "x": ai, "y": attainable / 1e12, "name": "Roofline (peak)", "mode": "lines",
             "line": {"color": theme.SCENARIO, "width": 3},
             "hovertemplate": "%{x:.3g} FLOP/B → %{y:.4g} TFLOP/s<extra></extra>"}]
    for i, (name, (x, y)) in enumerate(points.items()):
        data.append({"type": "scatter", "x": [float(x)], "y": [float(y) / 1e12], "name": name,
                     "mode": "markers+text", "text": [name], "textposition": "top center",
                     "marker": {"size": 14, "color": theme.concept_color(name, i + 1)},
                     "hovertemplate": f"{name}: %{{x:.3g}} FLOP/B, %{{y:.4g}} TFLOP/s<extra></extra>"})
    return _figure(data, "Roofline: where prefill and decode sit", "Arithmetic intensity (FLOP per byte moved, log)",
                   "Attainable compute (TFLOP/s per GPU, log)", log_x=True, log_y=True, hovermode="closest",
                   vlines=[(ridge, f"ridge {ridge:.0f} FLOP/byte", theme.REFERENCE)])


def waterfall_chart(labels: Sequence[str], values: Sequence[float], measures: Sequence[str],
                    title: str, y_title: str, text: Sequence[str] | None = None) -> go.Figure:
    """A waterfall: ``measures`` are 'absolute' (start bar), 'relative' (a lever's change) or 'total'."""
    trace = {"type": "waterfall", "x": list(labels), "y": [float(v) for v in values], "measure": list(measures),
             "textposition": "outside", "connector": {"line": {"color": "#9ca3af"}},
             "decreasing": {"marker": {"color": MARGIN_COLOR}}, "increasing": {"marker": {"color": COST_COLOR}},
             "totals": {"marker": {"color": PRICE_COLOR}}, "hovertemplate": "%{x}: %{y:$.4g}<extra></extra>"}
    if text:
        trace["text"] = list(text)
    return _figure([trace], title, "Lever (applied left to right)", y_title, y_money=True, height=480,
                   hovermode="closest", showlegend=False)


def bar_chart(categories: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, x_title: str,
              y_title: str, y_money: bool = False, horizontal: bool = False,
              highlight: str | None = None, text_fmt: str | None = None,
              category_labels: bool = True, colors: Mapping[str, str] | None = None) -> go.Figure:
    """Grouped bars on a linear axis (a bar's length is its value; values spanning decades go in ``dot_chart``).
    ``highlight`` outlines one category (e.g. the cheapest GPU). ``category_labels=False`` hides the category
    ticks (too many to read; hover still names each bar)."""
    cats = list(categories)
    palette = dict(zip(series, series_colors(list(series), colors), strict=True))
    data = []
    for name, y in series.items():
        vals = [float(v) for v in y]
        trace: dict = {"type": "bar", "name": name,
                       "marker": {"color": palette[name], "line": {"width": [3 if c == highlight else 0 for c in cats],
                                                                  "color": theme.SCENARIO}}}
        trace.update({"y": cats, "x": vals, "orientation": "h"} if horizontal else {"x": cats, "y": vals})
        if text_fmt:
            trace["texttemplate"] = text_fmt
        data.append(trace)
    if horizontal:
        return _figure(data, title, y_title, x_title, x_money=y_money, hovermode="closest",
                       barmode="group", height=_rows_height(len(cats), len(data)), y_extra={"autorange": "reversed"})
    return _figure(data, title, x_title, y_title, y_money=y_money, hovermode="closest", barmode="group",
                   x_extra=None if category_labels else {"showticklabels": False})


def _rows_height(rows: int, series: int = 1) -> int:
    return max(420, 22 * rows * max(series, 1) + 120)  # room for every category label


def dot_chart(categories: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, value_title: str,
              category_title: str, money: bool = False, log: bool = True, highlight: str | None = None,
              colors: Mapping[str, str] | None = None, symbols: Mapping[str, str] | None = None,
              point_colors: Sequence[str] | None = None) -> go.Figure:
    """One row per category, one dot per series, values on a (log) x axis: the honest form of values that span
    decades (a bar on a log axis makes 9x look like 2x). ``point_colors``: one colour per category for every
    series (e.g. the GPU's vendor), the series then told apart by ``symbols``; ``highlight`` rings a category."""
    cats = list(categories)
    palette = dict(zip(series, series_colors(list(series), colors), strict=True))
    data = []
    for name, v in series.items():
        color = list(point_colors) if point_colors is not None else palette[name]
        data.append({"type": "scatter", "mode": "markers", "name": name, "y": cats, "x": [float(x) for x in v],
                     "marker": {"size": 13, "color": color, "symbol": (symbols or {}).get(name, "circle"),
                                "line": {"width": [3 if c == highlight else 1 for c in cats],
                                         "color": theme.SCENARIO}},
                     "hovertemplate": f"%{{y}}<br>{name}: " + ("$%{x:.4g}" if money else "%{x:.4g}") + "<extra></extra>"})
    return _figure(data, title, value_title, category_title, log_x=log, x_money=money, hovermode="closest",
                   height=_rows_height(len(cats)), y_extra={"autorange": "reversed", "type": "category"})


def histogram_chart(samples: Mapping[str, np.ndarray], *, title: str, x_title: str, y_title: str = "Requests",
                    x_money: bool = True, nbins: int = 40, log_x: bool = False, weight: float = 1.0) -> go.Figure:
    """Overlaid histograms (bill or margin distributions). ``log_x`` bins log10 of the positive values and
    labels the decades in the original unit (bills span orders of magnitude). ``weight``: what each sample
    counts for (a scaled workload's user-month bill stands for that many users)."""
    data = []
    for i, (name, v) in enumerate(samples.items()):
        v = np.asarray(v, dtype=float)
        if log_x:
            v = np.log10(v[v > 0])
        trace = {"type": "histogram", "x": v, "name": name, "nbinsx": nbins, "opacity": 0.6,
                 "marker": {"color": COLORS[i % len(COLORS)]}}
        if weight != 1:  # plotly sums the y of each bin's samples
            trace |= {"y": np.full(v.size, float(weight)), "histfunc": "sum"}
        data.append(trace)
    x_extra = None
    if log_x:
        finite = np.concatenate([np.asarray(d["x"]) for d in data]) if data else np.array([])
        if finite.size:
            lo, hi = int(np.floor(finite.min())), int(np.ceil(finite.max()))
            ticks = list(range(lo, hi + 1))
            x_extra = {"tickvals": ticks, "ticktext": [_decade_label(t, x_money) for t in ticks]}
    return _figure(data, title, x_title, y_title, x_money=x_money and not log_x, hovermode="closest",
                   barmode="overlay", x_extra=x_extra)


def _decade_label(exp: int, money: bool) -> str:
    v = 10.0 ** exp
    text = f"{v:,.0f}" if v >= 1 else f"{v:.{-exp}f}"
    return f"${text}" if money else text


def scatter_chart(x: Sequence[float], y: Sequence[float], labels: Sequence[str], *, title: str, x_title: str,
                  y_title: str, log_x: bool = False, log_y: bool = False, x_money: bool = False,
                  y_money: bool = False, diagonal: bool = False, groups: Sequence[str] | None = None,
                  diagonal_label: str = "y = x") -> go.Figure:
    """Labelled points, optionally coloured by group and with a y = x reference line."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    labels = list(labels)
    keys = list(groups) if groups is not None else ["points"] * len(x)
    data = []
    for i, g in enumerate(dict.fromkeys(keys)):
        sel = np.array([k == g for k in keys])
        data.append({"type": "scatter", "x": x[sel], "y": y[sel], "mode": "markers", "name": str(g),
                     "text": [labels[j] for j in np.flatnonzero(sel)],
                     "marker": {"size": 11, "color": COLORS[i % len(COLORS)]},
                     "hovertemplate": "%{text}<br>x %{x:.4g}, y %{y:.4g}<extra></extra>"})
    if diagonal and len(x):
        finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]])
        finite = finite[finite > 0] if (log_x or log_y) else finite
        if finite.size:
            lo, hi = float(finite.min()) * 0.8, float(finite.max()) * 1.25
            data.append({"type": "scatter", "x": [lo, hi], "y": [lo, hi], "mode": "lines", "name": diagonal_label,
                         "line": {"color": "#6b7280", "dash": "dash"}, "hoverinfo": "skip"})
    return _figure(data, title, x_title, y_title, log_x, log_y, y_money, x_money, hovermode="closest")


def frontier_chart(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    envelope: tuple[np.ndarray, np.ndarray],
    *,
    title: str,
    y_title: str,
    y_money: bool = False,
    log_y: bool = False,
    current: tuple[float, float, str] | None = None,
    published: Mapping[str, tuple[np.ndarray, np.ndarray, Sequence[str]]] = MappingProxyType({}),
    target: float | None = None,
    hover_y: str = "%{y:.4g}",
    color: str = theme.OUTPUT,
) -> go.Figure:
    """The throughput-interactivity plane (``costmodel.analysis.frontier``): x = tokens/s per user.

    ``curves``: one thin line per plan (x, y); ``envelope``: the frontier (best of all plans), drawn thick;
    ``current``: the scenario's point; ``published``: measured points by source group (x, y, hover labels);
    ``target``: the per-user speed target as a vertical line.
    """
    data = [{"type": "scatter", "x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float), "name": name,
             "mode": "lines+markers", "marker": {"size": 4}, "opacity": 0.55,
             "line": {"color": theme.PLAN_CHANGE, "width": 1.5},
             "hovertemplate": f"{name}: %{{x:.3g}} tok/s per user, {hover_y}<extra></extra>"}
            for i, (name, (x, y)) in enumerate(curves.items())]
    ex, ey = (np.asarray(v, dtype=float) for v in envelope)
    order = np.argsort(ex)
    data.append({"type": "scatter", "x": ex[order], "y": ey[order], "name": "Frontier (best plan at each speed)",
                 "mode": "lines", "line": {"color": color, "width": 3.5},
                 "hovertemplate": f"frontier: %{{x:.3g}} tok/s per user, {hover_y}<extra></extra>"})
    symbols = ("x", "circle-open", "triangle-up-open", "square-open")
    for i, (group, (x, y, labels)) in enumerate(published.items()):
        data.append({"type": "scatter", "x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float),
                     "name": group, "mode": "markers", "text": list(labels),
                     "marker": {"size": 10, "symbol": symbols[i % len(symbols)], "color": theme.REFERENCE if i == 0 else COLORS[(i + 5) % len(COLORS)],
                                "line": {"width": 2}},
                     "hovertemplate": f"%{{text}}<br>%{{x:.3g}} tok/s per user, {hover_y}<extra></extra>"})
    if current is not None:
        cx, cy, label = current
        data.append({"type": "scatter", "x": [float(cx)], "y": [float(cy)], "name": label, "mode": "markers",
                     "marker": {"size": 15, "color": theme.SCENARIO, "symbol": "diamond"},
                     "hovertemplate": f"{label}: %{{x:.3g}} tok/s per user, {hover_y}<extra></extra>"})
    vlines = [(float(target), f"target {target:g} tok/s per user", theme.REFERENCE)] if target else []
    return _figure(data, title, "Output tokens/s per user (interactivity)", y_title, log_y=log_y, y_money=y_money,
                   hovermode="closest", vlines=vlines)
