"""Plotly figures for reports: the relation network, outcome odds with intervals, fan charts, arms, ranks.

Every figure uses SVG traces only (``go.Scatter``, ``go.Bar``), never WebGL, so that a report renders in
any browser, headless ones included, and prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import plotly.graph_objects as go

from detente.scenario.graph import EDGE_STYLE, relation_graph
from detente.scenario.model import Scenario

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
"""Colours of arms and series, in order."""

HORIZON_BLUES = ("#9ecae1", "#4292c6", "#08519c", "#08306b")
"""Colours of successive horizons: light for the nearest, dark for the farthest."""

_DASH = {"solid": "solid", "dashed": "dash", "dotted": "dot", "dashdot": "dashdot"}


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={
            "text": title,
            "x": 0.0,
            "xanchor": "left",
            "xref": "container",
            "y": 1.0,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 10, "l": 8},
            "font": {"size": 15},
        },
        height=height,
        margin={"l": 60, "r": 20, "t": 80, "b": 45},
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        # Legend in the top margin, beside the title, so it never covers a panel or its title.
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 1.0,
            "yanchor": "top",
            "xanchor": "right",
            "x": 1.0,
        },
    )
    fig.update_xaxes(showline=True, linecolor="#999", gridcolor="#eee", zeroline=False)
    fig.update_yaxes(showline=True, linecolor="#999", gridcolor="#eee", zeroline=False)
    return fig


def relation_network(scenario: Scenario) -> go.Figure:
    """The actors and the ties their relations imply, coloured and dashed by relation kind."""
    g = relation_graph(scenario)
    simple = nx.Graph(g)
    pos = nx.kamada_kawai_layout(simple) if simple.number_of_edges() else nx.circular_layout(simple)
    traces: list[Any] = []
    for kind, (colour, style) in EDGE_STYLE.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b, d in g.edges(data=True):
            if d["kind"] == kind:
                xs += [float(pos[a][0]), float(pos[b][0]), None]
                ys += [float(pos[a][1]), float(pos[b][1]), None]
        if xs:
            traces.append(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=kind,
                    hoverinfo="skip",
                    line={"color": colour, "dash": _DASH[style], "width": 2},
                )
            )
    nodes = list(g.nodes)
    traces.append(
        go.Scatter(
            x=[float(pos[n][0]) for n in nodes],
            y=[float(pos[n][1]) for n in nodes],
            mode="markers+text",
            text=nodes,
            textposition="middle center",
            hovertext=[f"{g.nodes[n]['name']} ({g.nodes[n]['kind']})" for n in nodes],
            hoverinfo="text",
            marker={"size": 40, "color": "#f4f1e8", "line": {"color": "#333", "width": 1}},
            name="actors",
            showlegend=False,
        )
    )
    fig = go.Figure(traces)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return _layout(fig, f"Relations as of {scenario.scenario.as_of}", 460)


def _horizons(outcomes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    keys: set[str] = set()
    for by_h in outcomes.values():
        keys.update(str(h) for h in by_h)
    return sorted(keys, key=lambda h: (not h.isdigit(), int(h) if h.isdigit() else 0, h))


def outcome_odds(
    outcomes: Mapping[str, Mapping[str, Mapping[str, float]]], names: Mapping[str, str], unit: str,
    predictive: bool = False,
) -> go.Figure:
    """Each tracked outcome's probability by horizon, as bars with their 95% intervals.

    ``predictive``: the whiskers are the predictive interval (``pred_lo``–``pred_hi``: what the model
    does not know) rather than the Monte Carlo interval (``lo``–``hi``: what more runs would change).
    """
    lo_key, hi_key = ("pred_lo", "pred_hi") if predictive else ("lo", "hi")
    order = list(outcomes)
    horizons = _horizons(outcomes)
    fig = go.Figure()
    labels = [names.get(o, o) for o in order]
    for i, h in enumerate(horizons):
        ps, lo, hi = [], [], []
        for o in order:
            cell = outcomes[o].get(h, {})
            p = float(cell.get("p", math.nan))
            ps.append(p)
            lo.append(max(0.0, p - float(cell.get(lo_key, p))))
            hi.append(max(0.0, float(cell.get(hi_key, p)) - p))
        fig.add_trace(
            go.Bar(
                y=labels,
                x=ps,
                orientation="h",
                name=f"by {unit} {h}",
                marker={"color": HORIZON_BLUES[min(i + max(0, 3 - len(horizons)), 3)]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": hi,
                    "arrayminus": lo,
                    "thickness": 1.2,
                },
                hovertemplate="%{y}: %{x:.3f}<extra>" + f"by {unit} {h}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    whiskers = "95% predictive interval" if predictive else "95% interval"
    fig.update_xaxes(title=f"probability (whiskers: {whiskers})", range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return _layout(
        fig,
        "Tracked outcomes: probability of occurring by each horizon",
        120 + 34 * len(order) * max(1, len(horizons)) // 2 + 40,
    )


def fan_chart(
    blocks: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    title: str,
    y_title: str,
    unit: str,
    columns: int = 2,
    colours: Sequence[str] | None = None,
) -> go.Figure:
    """Fan charts: 5–95% and 25–75% bands around the median, one panel per series.

    Args:
        blocks: Series name → ``{"steps", "q05", "q25", "q50", "q75", "q95"}`` (``mean`` is drawn dotted).
        title: Figure title.
        y_title: Label of the value axis.
        unit: The time unit of one step (``month``).
        columns: Panels per row.
        colours: One colour per series (default: one colour for all).
    """
    from plotly.subplots import make_subplots

    names = list(blocks)
    rows = max(1, math.ceil(len(names) / columns))
    cols = min(columns, max(1, len(names)))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=names,
        horizontal_spacing=0.08,
        vertical_spacing=0.5 / rows,
    )
    for i, name in enumerate(names):
        b = blocks[name]
        colour = (colours or ["#1f77b4"])[i % len(colours or ["#1f77b4"])]
        r, c = i // cols + 1, i % cols + 1
        steps = list(b["steps"])
        first = i == 0
        for lo_key, hi_key, alpha, label in (
            ("q05", "q95", 0.18, "5–95%"),
            ("q25", "q75", 0.35, "25–75%"),
        ):
            if lo_key in b and hi_key in b:
                fig.add_trace(
                    go.Scatter(
                        x=steps + steps[::-1],
                        y=list(b[hi_key]) + list(b[lo_key])[::-1],
                        fill="toself",
                        fillcolor=_rgba(colour, alpha),
                        line={"width": 0},
                        hoverinfo="skip",
                        name=label,
                        legendgroup=label,
                        showlegend=first,
                    ),
                    row=r,
                    col=c,
                )
        if "q50" in b:
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=list(b["q50"]),
                    mode="lines",
                    line={"color": colour, "width": 2},
                    name="median",
                    legendgroup="median",
                    showlegend=first,
                ),
                row=r,
                col=c,
            )
        if "mean" in b:
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=list(b["mean"]),
                    mode="lines",
                    line={"color": colour, "width": 1, "dash": "dot"},
                    name="mean",
                    legendgroup="mean",
                    showlegend=first,
                ),
                row=r,
                col=c,
            )
    x_title = "round" if unit == "round" else f"{unit}s from the as-of date"
    fig.update_xaxes(title_text=x_title, row=rows)
    fig.update_yaxes(title_text=y_title, col=1)
    return _layout(fig, title, 90 + 260 * rows)


def actor_lines(
    by_issue: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    title: str,
    unit: str,
    columns: int = 2,
) -> go.Figure:
    """One panel per issue, one line per actor: each actor's (mean) position step by step."""
    from plotly.subplots import make_subplots

    names = list(by_issue)
    rows = max(1, math.ceil(len(names) / columns))
    cols = min(columns, max(1, len(names)))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=names,
        horizontal_spacing=0.08,
        vertical_spacing=min(0.12, 0.3 / rows),
    )
    actors = list(dict.fromkeys(a for lines in by_issue.values() for a in lines))
    for i, name in enumerate(names):
        r, c = i // cols + 1, i % cols + 1
        for j, actor in enumerate(actors):
            values = by_issue[name].get(actor)
            if not values:
                continue
            fig.add_trace(
                go.Scatter(
                    x=list(range(len(values))),
                    y=list(values),
                    mode="lines",
                    name=actor,
                    legendgroup=actor,
                    showlegend=i == 0,
                    line={"color": PALETTE[j % len(PALETTE)], "width": 1.6},
                ),
                row=r,
                col=c,
            )
    fig.update_xaxes(title_text=f"{unit}s from the as-of date", row=rows)
    fig.update_yaxes(title_text="position", col=1)
    return _layout(fig, title, 90 + 260 * rows)


def arms_side_by_side(
    arms: Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]],
    names: Mapping[str, str],
    horizon: str,
    unit: str,
    baseline: str | None = None,
) -> go.Figure:
    """Each arm's probability of each outcome at one horizon, side by side, with 95% intervals.

    The baseline arm, if named, is grey; the others take the palette in order.
    """
    fig = go.Figure()
    order: list[str] = []
    for outcomes in arms.values():
        order += [o for o in outcomes if o not in order]
    labels = [names.get(o, o) for o in order]
    others = [a for a in arms if a != baseline]
    for arm, outcomes in arms.items():
        colour = "#9a9a9a" if arm == baseline else PALETTE[others.index(arm) % len(PALETTE)]
        ps, lo, hi = [], [], []
        for o in order:
            cell = outcomes.get(o, {}).get(horizon, {})
            p = float(cell.get("p", math.nan))
            ps.append(p)
            lo.append(max(0.0, p - float(cell.get("lo", p))))
            hi.append(max(0.0, float(cell.get("hi", p)) - p))
        fig.add_trace(
            go.Bar(
                y=labels,
                x=ps,
                orientation="h",
                name=arm,
                marker={"color": colour},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": hi,
                    "arrayminus": lo,
                    "thickness": 1.2,
                },
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=f"probability by {unit} {horizon} (bars: 95% interval)", range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return _layout(
        fig, f"Arms side by side, by {unit} {horizon}", 140 + 22 * len(order) * max(1, len(arms))
    )


def sweep_lines(
    points: Sequence[Mapping[str, Any]],
    params: Sequence[str],
    outcomes: Sequence[str],
    horizon: str,
    names: Mapping[str, str],
    unit: str,
) -> go.Figure:
    """One panel per outcome: its probability against the first varied parameter, with 95% bars.

    Points that share the other parameters' values are joined by a line (one line per combination);
    when there are more combinations than colours (a Latin hypercube), points are drawn unjoined.
    """
    from plotly.subplots import make_subplots

    first, rest = params[0], list(params[1:])
    columns = 2 if len(outcomes) > 1 else 1
    rows = max(1, math.ceil(len(outcomes) / columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[names.get(o, o) for o in outcomes],
        horizontal_spacing=0.08,
        vertical_spacing=min(0.12, 0.3 / rows),
    )
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for pt in points:
        label = ", ".join(f"{p}={float(pt['values'][p]):.3g}" for p in rest) or first
        groups.setdefault(label, []).append(pt)
    many = len(groups) > len(PALETTE)
    for i, o in enumerate(outcomes):
        r, c = i // columns + 1, i % columns + 1
        for j, (label, group) in enumerate(groups.items()):
            pts = sorted(group, key=lambda pt: float(pt["values"][first]))
            cells = [pt["outcomes"][o][horizon] for pt in pts]
            ps = [float(cell["p"]) for cell in cells]
            colour = PALETTE[j % len(PALETTE)]
            fig.add_trace(
                go.Scatter(
                    x=[float(pt["values"][first]) for pt in pts],
                    y=ps,
                    mode="markers" if many else "lines+markers",
                    name=label,
                    legendgroup=label,
                    showlegend=i == 0 and not many,
                    marker={"color": colour, "size": 6},
                    line={"color": colour, "width": 1.5},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [
                            max(0.0, float(x["hi"]) - p) for x, p in zip(cells, ps, strict=True)
                        ],
                        "arrayminus": [
                            max(0.0, p - float(x["lo"])) for x, p in zip(cells, ps, strict=True)
                        ],
                        "thickness": 1,
                    },
                ),
                row=r,
                col=c,
            )
    fig.update_xaxes(title_text=first, row=rows)
    fig.update_yaxes(title_text=f"P(by {unit} {horizon})", col=1)
    return _layout(
        fig, f"Outcome probabilities by {unit} {horizon} across the sweep", 90 + 280 * rows
    )


def ranking(
    rows: Sequence[Mapping[str, Any]], name_key: str, measures: Sequence[str], title: str
) -> go.Figure:
    """A horizontal bar chart of sensitivity indices, most influential parameter on top."""
    fig = go.Figure()
    labels = [str(r.get(name_key, "?")) for r in rows]
    for i, m in enumerate(measures):
        conf = [float(r.get(f"{m}_conf", 0.0) or 0.0) for r in rows]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[float(r.get(m, math.nan)) for r in rows],
                orientation="h",
                name=m,
                marker={"color": PALETTE[i % len(PALETTE)]},
                error_x={"type": "data", "array": conf, "visible": any(conf), "thickness": 1.2},
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="index")
    return _layout(fig, title, 140 + 28 * len(rows) * max(1, len(measures)))


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
