"""Figure builders: numbers in, ``plotly.graph_objects.Figure`` out. Pure: no Streamlit, no cost maths.

Every axis has a title with its unit; money axes use a dollar tick format.
Tested on ``fig.data`` and ``fig.layout`` in tests/test_ui_charts.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

COLORS = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")
PRICE_COLOR, COST_COLOR, MARGIN_COLOR = "#2563eb", "#dc2626", "#16a34a"
_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, log_x: bool = False, log_y: bool = False,
            y_money: bool = False, x_money: bool = False, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        height=height,
        margin=_MARGIN,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=x_title, type="log" if log_x else "linear")
    fig.update_yaxes(title_text=y_title, type="log" if log_y else "linear")
    if y_money:
        fig.update_yaxes(tickprefix="$")
    if x_money:
        fig.update_xaxes(tickprefix="$")
    return fig


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
) -> go.Figure:
    """Several lines over one x axis; ``marker=(x, y, label)`` marks the scenario's own point."""
    fig = go.Figure()
    x = np.asarray(x, dtype=float)
    for i, (name, y) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=x, y=np.asarray(y, dtype=float), name=name, mode="lines",
                line={"color": COLORS[i % len(COLORS)], "dash": "dash" if name in dashed else "solid", "width": 2.5},
                hovertemplate=f"{name}: {hover_y}<extra></extra>",
            )
        )
    if marker is not None:
        mx, my, label = marker
        fig.add_trace(
            go.Scatter(
                x=[mx], y=[my], name=label, mode="markers",
                marker={"size": 12, "color": "#111827", "symbol": "diamond"},
                hovertemplate=f"{label}: {hover_y}<extra></extra>",
            )
        )
    return _layout(fig, title, x_title, y_title, log_x, log_y, y_money)


def illusion_chart(
    prompt_tokens: np.ndarray, price: np.ndarray, cost: np.ndarray, scenario_prompt: float | None = None
) -> go.Figure:
    """Price per request (linear in tokens) vs cost per request (not linear) as the context grows."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=prompt_tokens, y=price, name="Price per request (list price × tokens)",
                             mode="lines", line={"color": PRICE_COLOR, "width": 3},
                             hovertemplate="price $%{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=prompt_tokens, y=cost, name="Cost to serve per request", mode="lines",
                             line={"color": COST_COLOR, "width": 3},
                             hovertemplate="cost $%{y:.4g}<extra></extra>"))
    loss = np.asarray(cost) > np.asarray(price)
    if loss.any():
        fig.add_trace(go.Scatter(x=np.asarray(prompt_tokens)[loss], y=np.asarray(cost)[loss], mode="markers",
                                 name="Served at a loss", marker={"color": COST_COLOR, "size": 7, "symbol": "x"},
                                 hovertemplate="loss<extra></extra>"))
    if scenario_prompt is not None:
        fig.add_vline(x=scenario_prompt, line_dash="dot", line_color="#6b7280",
                      annotation_text="this scenario", annotation_position="top left")
    return _layout(fig, "The token illusion: price is linear, cost is not", "Prompt length (tokens, log scale)",
                   "USD per request (log scale)", log_x=True, log_y=True, y_money=True)


def roofline_chart(
    peak_flops: float, bandwidth: float, points: Mapping[str, tuple[float, float]], ai_range: tuple[float, float] = (0.1, 1e5)
) -> go.Figure:
    """Attainable FLOP/s = min(peak, intensity × bandwidth) with operating points (intensity, achieved FLOP/s)."""
    lo, hi = ai_range
    ai = np.geomspace(lo, hi, 200)
    attainable = np.minimum(peak_flops, ai * bandwidth)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ai, y=attainable / 1e12, name="Roofline (peak)", mode="lines",
                             line={"color": "#111827", "width": 3},
                             hovertemplate="%{x:.3g} FLOP/B → %{y:.4g} TFLOP/s<extra></extra>"))
    ridge = peak_flops / bandwidth
    fig.add_vline(x=ridge, line_dash="dot", line_color="#6b7280",
                  annotation_text=f"ridge {ridge:.0f} FLOP/byte", annotation_position="bottom right")
    for i, (name, (x, y)) in enumerate(points.items()):
        fig.add_trace(go.Scatter(x=[x], y=[y / 1e12], name=name, mode="markers+text", text=[name],
                                 textposition="top center",
                                 marker={"size": 14, "color": COLORS[(i + 1) % len(COLORS)]},
                                 hovertemplate=f"{name}: %{{x:.3g}} FLOP/B, %{{y:.4g}} TFLOP/s<extra></extra>"))
    fig = _layout(fig, "Roofline: where prefill and decode sit", "Arithmetic intensity (FLOP per byte moved, log)",
                  "Attainable compute (TFLOP/s per GPU, log)", log_x=True, log_y=True)
    fig.update_layout(hovermode="closest")
    return fig


def waterfall_chart(labels: Sequence[str], values: Sequence[float], measures: Sequence[str],
                    title: str, y_title: str, text: Sequence[str] | None = None) -> go.Figure:
    """A waterfall: ``measures`` are 'absolute' (start/end bars) or 'relative' (a lever's change)."""
    fig = go.Figure(go.Waterfall(
        x=list(labels), y=list(values), measure=list(measures), text=list(text) if text else None,
        textposition="outside", connector={"line": {"color": "#9ca3af"}},
        decreasing={"marker": {"color": MARGIN_COLOR}}, increasing={"marker": {"color": COST_COLOR}},
        totals={"marker": {"color": PRICE_COLOR}},
        hovertemplate="%{x}: %{y:$.4g}<extra></extra>",
    ))
    fig = _layout(fig, title, "Lever (applied left to right)", y_title, y_money=True, height=480)
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def bar_chart(categories: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, x_title: str,
              y_title: str, y_money: bool = False, log_y: bool = False, horizontal: bool = False,
              highlight: str | None = None, text_fmt: str | None = None) -> go.Figure:
    """Grouped bars; ``highlight`` outlines one category (e.g. the cheapest GPU)."""
    fig = go.Figure()
    for i, (name, y) in enumerate(series.items()):
        colors = [COLORS[i % len(COLORS)]] * len(categories)
        line_w = [3 if c == highlight else 0 for c in categories]
        kw = {"y": list(categories), "x": list(y), "orientation": "h"} if horizontal else {
            "x": list(categories), "y": list(y)}
        fig.add_trace(go.Bar(name=name, marker={"color": colors, "line": {"width": line_w, "color": "#111827"}},
                             texttemplate=text_fmt, **kw))
    if horizontal:
        fig = _layout(fig, title, y_title, x_title, log_x=log_y, x_money=y_money)
        fig.update_yaxes(autorange="reversed")
    else:
        fig = _layout(fig, title, x_title, y_title, log_y=log_y, y_money=y_money)
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def histogram_chart(samples: Mapping[str, np.ndarray], *, title: str, x_title: str, y_title: str = "Requests",
                    x_money: bool = True, nbins: int = 40, log_x: bool = False) -> go.Figure:
    """Overlaid histograms (bill or margin distributions)."""
    fig = go.Figure()
    for i, (name, v) in enumerate(samples.items()):
        v = np.asarray(v, dtype=float)
        if log_x:
            v = np.log10(np.maximum(v, 1e-12))
        fig.add_trace(go.Histogram(x=v, name=name, nbinsx=nbins, opacity=0.6,
                                   marker={"color": COLORS[i % len(COLORS)]}))
    fig = _layout(fig, title, x_title, y_title)
    fig.update_layout(barmode="overlay", hovermode="closest")
    if x_money and not log_x:
        fig.update_xaxes(tickprefix="$")
    return fig


def scatter_chart(x: Sequence[float], y: Sequence[float], labels: Sequence[str], *, title: str, x_title: str,
                  y_title: str, log_x: bool = False, log_y: bool = False, x_money: bool = False,
                  y_money: bool = False, diagonal: bool = False, groups: Sequence[str] | None = None,
                  diagonal_label: str = "y = x") -> go.Figure:
    """Labelled points, optionally coloured by group and with a y = x reference line."""
    fig = go.Figure()
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    labels = list(labels)
    keys = list(groups) if groups is not None else ["points"] * len(x)
    for i, g in enumerate(dict.fromkeys(keys)):
        sel = np.array([k == g for k in keys])
        fig.add_trace(go.Scatter(x=x[sel], y=y[sel], mode="markers", name=g,
                                 text=[labels[j] for j in np.flatnonzero(sel)],
                                 marker={"size": 11, "color": COLORS[i % len(COLORS)]},
                                 hovertemplate="%{text}<br>x %{x:.4g}, y %{y:.4g}<extra></extra>"))
    if diagonal and len(x):
        finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]])
        finite = finite[finite > 0] if (log_x or log_y) else finite
        if finite.size:
            lo, hi = float(finite.min()) * 0.8, float(finite.max()) * 1.25
            fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name=diagonal_label,
                                     line={"color": "#6b7280", "dash": "dash"}, hoverinfo="skip"))
    fig = _layout(fig, title, x_title, y_title, log_x, log_y, y_money, x_money)
    fig.update_layout(hovermode="closest")
    return fig


def tier_overlay(fig: go.Figure, threshold: float, label: str) -> go.Figure:
    """Mark a long-context pricing tier threshold on a context-length chart."""
    fig.add_vline(x=threshold, line_dash="dash", line_color="#7c3aed", annotation_text=label,
                  annotation_position="top right")
    return fig
