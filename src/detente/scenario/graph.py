"""The relation network of a scenario: alliances, partnerships, rivalries, sanctions and channels.

Edges carry a sign for structural-balance analysis (Heider 1946; Cartwright & Harary 1956): alliances,
partnerships and active channels are positive, rivalries and sanctions negative.
"""

from __future__ import annotations

import html
import itertools
from pathlib import Path
from typing import Any

import networkx as nx

from detente.errors import DetenteError
from detente.scenario.model import (
    Alliance,
    Channel,
    ChannelState,
    Partnership,
    Rivalry,
    Sanctions,
    Scenario,
)

EDGE_STYLE: dict[str, tuple[str, Any]] = {
    "alliance": ("#1f77b4", "solid"),
    "partnership": ("#2ca02c", "solid"),
    "rivalry": ("#d62728", "dashed"),
    "sanctions": ("#ff7f0e", "dotted"),
    "channel": ("#7f7f7f", "dashdot"),
}
"""Colour and line style of each relation kind in pictures."""


def relation_graph(scenario: Scenario) -> nx.MultiGraph:
    """A multigraph with one node per actor and one edge per pairwise tie a relation implies.

    Each edge has ``kind``, ``relation`` (the relation's id or index), ``sign`` (+1 or −1) and
    ``strength``. A sanctions regime links each enforcer to the target (−1) and to each pressured third
    party (−1, the pressure of secondary sanctions); an alliance links the senior to each junior partner.
    """
    g = nx.MultiGraph()
    for actor in scenario.actors:
        g.add_node(actor.id, name=actor.name, kind=actor.kind.value)
    for i, rel in enumerate(scenario.relations):
        rid = rel.id or f"relations[{i}]"
        strength = rel.strength.value
        if isinstance(rel, Alliance):
            pairs = [(rel.senior, j, 1) for j in rel.junior]
        elif isinstance(rel, Sanctions):
            pairs = [(e, rel.target, -1) for e in rel.enforcers]
            pairs += [(e, p, -1) for e in rel.enforcers for p in rel.pressured if p != e]
        elif isinstance(rel, Partnership | Rivalry):
            sign = 1 if isinstance(rel, Partnership) else -1
            pairs = [(a, b, sign) for a, b in itertools.combinations(rel.members, 2)]
        elif isinstance(rel, Channel):
            if rel.state is not ChannelState.ACTIVE:
                continue
            pairs = [(a, b, 1) for a, b in itertools.combinations(rel.members, 2)]
        else:  # pragma: no cover - the union is closed
            continue
        for a, b, sign in pairs:
            g.add_edge(a, b, kind=rel.kind, relation=rid, sign=sign, strength=strength)
    return g


def write_graph(scenario: Scenario, out: str | Path) -> Path:
    """Draw the relation network to ``out``: a PNG (matplotlib) or a self-contained HTML file (plotly).

    Raises:
        DetenteError: The suffix is neither ``.png`` nor ``.html``.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in {".png", ".html"}:
        raise DetenteError(f"{out}: unknown picture format {out.suffix!r} (fix: use .png or .html)")
    g = relation_graph(scenario)
    pos = nx.kamada_kawai_layout(nx.Graph(g)) if g.number_of_edges() else nx.circular_layout(g)
    if suffix == ".png":
        _write_png(scenario, g, pos, out)
    else:
        _write_html(scenario, g, pos, out)
    return out


def _write_png(scenario: Scenario, g: nx.MultiGraph, pos: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(9, 7), dpi=120)
    # Parallel ties between one pair are drawn as arcs of different curvature so none hides another.
    seen: dict[frozenset[str], int] = {}
    for a, b, d in g.edges(data=True):
        key = frozenset((a, b))
        k = seen.get(key, 0)
        seen[key] = k + 1
        rad = 0.0 if k == 0 else 0.18 * ((k + 1) // 2) * (1 if k % 2 else -1)
        colour, style = EDGE_STYLE[d["kind"]]
        nx.draw_networkx_edges(
            g,
            pos,
            edgelist=[(a, b)],
            edge_color=colour,
            style=style,
            width=2.0,
            alpha=0.85,
            arrows=True,
            arrowstyle="-",
            connectionstyle=f"arc3,rad={rad}",
            node_size=1300,
            ax=ax,
        )
    nx.draw_networkx_nodes(g, pos, node_color="#f4f1e8", edgecolors="#333333", node_size=1300, ax=ax)
    nx.draw_networkx_labels(g, pos, font_size=9, ax=ax)
    handles = [
        Line2D([0], [0], color=c, linestyle=s, lw=2, label=k) for k, (c, s) in EDGE_STYLE.items()
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    ax.set_title(f"{scenario.scenario.title} — relations as of {scenario.scenario.as_of}", fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _write_html(scenario: Scenario, g: nx.MultiGraph, pos: dict, out: Path) -> None:
    import plotly.graph_objects as go

    traces = []
    for kind, (colour, style) in EDGE_STYLE.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b, d in g.edges(data=True):
            if d["kind"] != kind:
                continue
            xs += [pos[a][0], pos[b][0], None]
            ys += [pos[a][1], pos[b][1], None]
        dash = {"solid": "solid", "dashed": "dash", "dotted": "dot", "dashdot": "dashdot"}[style]
        traces.append(
            go.Scatter(x=xs, y=ys, mode="lines", name=kind, line={"color": colour, "dash": dash})
        )
    nodes = list(g.nodes)
    traces.append(
        go.Scatter(
            x=[pos[n][0] for n in nodes],
            y=[pos[n][1] for n in nodes],
            mode="markers+text",
            text=nodes,
            textposition="middle center",
            hovertext=[html.escape(g.nodes[n]["name"]) for n in nodes],
            marker={"size": 34, "color": "#f4f1e8", "line": {"color": "#333", "width": 1}},
            name="actors",
        )
    )
    fig = go.Figure(traces)
    fig.update_layout(
        title=f"{scenario.scenario.title}: relations as of {scenario.scenario.as_of}",
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="white",
    )
    fig.write_html(out, include_plotlyjs=True, full_html=True)


def is_balanced(g: nx.Graph | nx.MultiGraph) -> bool:
    """Whether a signed graph is structurally balanced (Cartwright & Harary 1956).

    Balanced ⇔ the nodes split into two camps with positive edges inside and negative edges across;
    checked as a two-colouring where positive edges keep a colour and negative edges flip it.
    """
    colour: dict[object, int] = {}
    for start in g.nodes:
        if start in colour:
            continue
        colour[start] = 0
        stack = [start]
        while stack:
            u = stack.pop()
            for v in g.neighbors(u):
                data = g.get_edge_data(u, v)
                signs = {d["sign"] for d in data.values()} if isinstance(g, nx.MultiGraph) else {data["sign"]}
                for sign in signs:
                    want = colour[u] if sign > 0 else 1 - colour[u]
                    if v not in colour:
                        colour[v] = want
                        stack.append(v)
                    elif colour[v] != want:
                        return False
    return True
