"""Figures for experiments, as PNG (matplotlib) and self-contained HTML (plotly).

- comparison: each arm's probability with its interval, side by side per outcome; the effect of each
  strategy with its paired interval (filled when it excludes zero); and a heat map of component effects;
- sweep: a line with Wilson bands for one parameter, a heat map for a two-parameter grid, or scatter
  panels for a Latin hypercube;
- sensitivity: a tornado of Sobol first/total indices or Morris mu* (with sigma).

Matplotlib figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state), so they
work headless and in threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from detente.errors import InputError
from detente.experiments.compare import Comparison
from detente.experiments.sensitivity import SensitivityResult
from detente.experiments.sweep import SweepResult

_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")


def figure_paths(out: Path) -> list[Path]:
    """The files to write for ``out``: itself if it ends in .png or .html, else both ``.png`` and ``.html``."""
    suffix = out.suffix.lower()
    if suffix in (".png", ".html"):
        return [out]
    return [out.with_name(out.name + ".png"), out.with_name(out.name + ".html")]


def write_figures(mpl: Figure, ply: Any, out: Path) -> list[Path]:
    """Write the PNG and/or HTML for ``out`` (see :func:`figure_paths`); returns the paths written.

    Raises:
        InputError: The folder does not exist or the file cannot be written.
    """
    written = []
    for path in figure_paths(Path(out)):
        if not path.parent.exists():
            raise InputError(f"--plot {str(out)!r}: folder {str(path.parent)!r} does not exist (fix: create it or choose another path)")
        try:
            if path.suffix.lower() == ".png":
                mpl.savefig(path, dpi=130, bbox_inches="tight")
            else:
                ply.write_html(path, include_plotlyjs=True, full_html=True)
        except OSError as exc:
            raise InputError(f"--plot {str(path)!r}: cannot write ({exc.strerror}) (fix: choose a writable path)") from None
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Comparison


def _label(o: str, width: int = 28) -> str:
    return o if len(o) <= width else o[: width - 1] + "…"


def comparison_figures(result: Comparison, horizon: int | None = None, outcomes: Sequence[str] = ()) -> tuple[Figure, Any]:
    """Arms side by side with intervals, strategy effects, and component effects, at one horizon."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    h = horizon or result.horizon
    outs = list(outcomes) or list(result.outcomes)
    main = [a for a in result.arms if a.kind in ("baseline", "strategy")]
    comps = [a for a in result.arms if a.kind in ("alone", "drop")]
    ncols = 3 if comps else 2
    height = max(3.0, 0.32 * len(outs) + 1.2)
    fig = Figure(figsize=(5.2 * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, sharey=False)
    y = np.arange(len(outs))
    ax = axes[0]
    step = 0.8 / max(len(main), 1)
    for k, arm in enumerate(main):
        rows = [result.row(o, h, arm.id) for o in outs]
        p = np.array([r.probability.p for r in rows])
        lo = np.array([r.probability.lo for r in rows])
        hi = np.array([r.probability.hi for r in rows])
        off = (k - (len(main) - 1) / 2) * step
        ax.errorbar(p, y + off, xerr=[p - lo, hi - p], fmt="o", ms=4, capsize=2, color=_COLOURS[k % 8], label=arm.id)
    ax.set_yticks(y, [_label(o) for o in outs])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(f"P(outcome by step {h}), 95% Wilson interval")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax = axes[1]
    strategies = [a for a in main if a.kind == "strategy"]
    step = 0.8 / max(len(strategies), 1)
    for k, arm in enumerate(strategies):
        rows = [result.row(o, h, arm.id) for o in outs]
        d = np.array([r.effect.p if r.effect else 0.0 for r in rows])
        lo = np.array([r.effect.lo if r.effect else 0.0 for r in rows])
        hi = np.array([r.effect.hi if r.effect else 0.0 for r in rows])
        sig = np.array([r.significant for r in rows])
        off = (k - (len(strategies) - 1) / 2) * step
        colour = _COLOURS[(k + 1) % 8]
        ax.errorbar(d, y + off, xerr=[d - lo, hi - d], fmt="none", capsize=2, color=colour)
        ax.scatter(d[sig], (y + off)[sig], color=colour, s=18, zorder=3, label=f"{arm.id} (interval excludes 0)")
        ax.scatter(d[~sig], (y + off)[~sig], facecolors="white", edgecolors=colour, s=18, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [])
    ax.invert_yaxis()
    ax.set_xlabel(f"difference from {result.baseline} (paired, 95%)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    heat = None
    if comps:
        ax = axes[2]
        heat = 100 * np.array([[_effect(result, o, h, a.id) for a in comps] for o in outs])  # points
        # Clip the colours at a robust maximum so one huge effect does not wash out the rest.
        finite = np.abs(heat[np.isfinite(heat)])
        lim = max(float(np.percentile(finite, 95)) if finite.size else 0.0, 1.0)
        im = ax.imshow(heat, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        for i, o in enumerate(outs):
            for j, a in enumerate(comps):
                if result.row(o, h, a.id).significant:
                    ax.text(j, i, f"{heat[i, j]:+.1f}*", ha="center", va="center", fontsize=5.5)
        ax.set_xticks(range(len(comps)), [a.component or a.id for a in comps], rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(outs)), [])
        kinds = {a.kind for a in comps}
        ax.set_title("component effect (" + " / ".join(sorted(kinds)) + "), in points where * = interval excludes 0", fontsize=8)
        fig.colorbar(im, ax=ax, shrink=0.8, extend="both", label="percentage points")
    fig.suptitle(f"{result.scenario}: {result.runs} runs per arm, common random numbers (seed {result.seed})", fontsize=10)

    ply = make_subplots(rows=1, cols=ncols, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[f"P(by step {h})", f"difference from {result.baseline}", "component effects"][:ncols])
    for k, arm in enumerate(main):
        rows = [result.row(o, h, arm.id) for o in outs]
        ply.add_trace(go.Scatter(
            x=[r.probability.p for r in rows], y=outs, mode="markers", name=arm.id, marker={"color": _COLOURS[k % 8]},
            error_x={"type": "data", "symmetric": False, "array": [r.probability.hi - r.probability.p for r in rows],
                     "arrayminus": [r.probability.p - r.probability.lo for r in rows]},
        ), row=1, col=1)
    for k, arm in enumerate(strategies):
        rows = [result.row(o, h, arm.id) for o in outs]
        ply.add_trace(go.Scatter(
            x=[r.effect.p if r.effect else 0 for r in rows], y=outs, mode="markers", name=f"{arm.id} − {result.baseline}",
            marker={"color": _COLOURS[(k + 1) % 8], "symbol": ["circle" if r.significant else "circle-open" for r in rows]},
            error_x={"type": "data", "symmetric": False,
                     "array": [(r.effect.hi - r.effect.p) if r.effect else 0 for r in rows],
                     "arrayminus": [(r.effect.p - r.effect.lo) if r.effect else 0 for r in rows]},
        ), row=1, col=2)
    if comps and heat is not None:
        ply.add_trace(go.Heatmap(z=heat, x=[a.id for a in comps], y=outs, colorscale="RdBu_r", zmid=0,
                                 colorbar={"title": "points"}), row=1, col=3)
    ply.update_yaxes(autorange="reversed")
    ply.update_layout(title=f"{result.scenario}: comparison by step {h} ({result.runs} runs per arm, seed {result.seed})",
                      height=max(400, 28 * len(outs) + 160))
    return fig, ply


def _effect(result: Comparison, o: str, h: int, arm: str) -> float:
    e = result.row(o, h, arm).effect
    return e.p if e is not None else np.nan


# ---------------------------------------------------------------------------------------------
# Sweep


def sweep_figures(result: SweepResult, outcomes: Sequence[str] = (), horizon: int | None = None) -> tuple[Figure, Any]:
    """A line (one parameter), heat map (two-parameter grid) or scatter panels (otherwise)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    h = horizon or result.horizons[-1]
    outs = list(outcomes) or _varying(result, h)
    x = result.points
    k = len(result.params)
    title = f"{result.scenario}: {result.design} sweep, {result.runs} runs a point (seed {result.seed}, {result.seeding} seeds)"
    if k == 1:
        order = np.argsort(x[:, 0])
        fig = Figure(figsize=(7, 4.2), layout="constrained")
        ax = fig.subplots()
        ply = go.Figure()
        for i, o in enumerate(outs):
            iv = [result.interval(int(j), o, h) for j in order]
            xs = x[order, 0]
            colour = _COLOURS[i % 8]
            ax.plot(xs, [v.p for v in iv], "-o", ms=3, color=colour, label=o)
            ax.fill_between(xs, [v.lo for v in iv], [v.hi for v in iv], color=colour, alpha=0.2)
            ply.add_trace(go.Scatter(x=xs, y=[v.p for v in iv], mode="lines+markers", name=o, line={"color": colour},
                                     error_y={"type": "data", "symmetric": False, "array": [v.hi - v.p for v in iv],
                                              "arrayminus": [v.p - v.lo for v in iv]}))
        ax.set_xlabel(result.params[0])
        ax.set_ylabel(f"P(by step {h})")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        fig.suptitle(title, fontsize=9)
        ply.update_layout(title=title, xaxis_title=result.params[0], yaxis_title=f"P(by step {h})")
        return fig, ply
    if k == 2 and result.design == "grid":
        o = outs[0]
        xs, ys = np.unique(x[:, 0]), np.unique(x[:, 1])
        z = np.full((len(ys), len(xs)), np.nan)
        p = result.probability(o, h)
        for (a, b), v in zip(x, p, strict=True):
            z[np.searchsorted(ys, b), np.searchsorted(xs, a)] = v
        fig = Figure(figsize=(6.5, 5), layout="constrained")
        ax = fig.subplots()
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1, extent=_cells(xs) + _cells(ys))
        fig.colorbar(im, ax=ax, label=f"P({o} by step {h})")
        ax.set_xlabel(result.params[0])
        ax.set_ylabel(result.params[1])
        fig.suptitle(title, fontsize=9)
        ply = go.Figure(go.Heatmap(z=z, x=xs, y=ys, colorscale="Viridis", zmin=0, zmax=1, colorbar={"title": f"P({o})"}))
        ply.update_layout(title=f"{title}: {o} by step {h}", xaxis_title=result.params[0], yaxis_title=result.params[1])
        return fig, ply
    o = outs[0]
    p = result.probability(o, h)
    fig = Figure(figsize=(3.2 * k, 3.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, k, sharey=True))
    ply = make_subplots(rows=1, cols=k, shared_yaxes=True, subplot_titles=list(result.params))
    for j, name in enumerate(result.params):
        axes[j].scatter(x[:, j], p, s=10, color=_COLOURS[0])
        axes[j].set_xlabel(name, fontsize=8)
        axes[j].grid(alpha=0.3)
        ply.add_trace(go.Scatter(x=x[:, j], y=p, mode="markers", showlegend=False), row=1, col=j + 1)
    axes[0].set_ylabel(f"P({o} by step {h})")
    fig.suptitle(title, fontsize=9)
    ply.update_layout(title=f"{title}: {o} by step {h}")
    return fig, ply


def _cells(v: np.ndarray) -> tuple[float, float]:
    """Image extent along one axis so that each cell is centred on its grid value."""
    half = (v[-1] - v[0]) / (2 * (len(v) - 1)) if len(v) > 1 else 0.5
    return (float(v[0] - half), float(v[-1] + half))


def _varying(result: SweepResult, h: int, limit: int = 6) -> list[str]:
    spread = [(float(np.ptp(result.probability(o, h))), o) for o in result.outcomes]
    spread.sort(key=lambda t: -t[0])
    return [o for _, o in spread[:limit]]


# ---------------------------------------------------------------------------------------------
# Sensitivity


def sensitivity_figures(result: SensitivityResult) -> tuple[Figure, Any]:
    """A tornado of indices, most influential parameter on top."""
    import plotly.graph_objects as go

    names = result.ranking()
    y = np.arange(len(names))
    fig = Figure(figsize=(7, max(2.5, 0.4 * len(names) + 1.2)), layout="constrained")
    ax = fig.subplots()
    ply = go.Figure()
    if result.method == "sobol":
        series = [("ST", "total order", _COLOURS[0]), ("S1", "first order", _COLOURS[1])]
        xlabel = "Sobol index"
    else:
        series = [("mu_star", "mu*", _COLOURS[0]), ("sigma", "sigma", _COLOURS[1])]
        xlabel = "elementary effect (per parameter range)"
    for k, (key, label, colour) in enumerate(series):
        vals = np.array([result.index(n)[key] for n in names])
        conf_key = f"{key}_conf"
        err = np.array([result.index(n).values.get(conf_key, 0.0) for n in names])
        off = (k - 0.5) * 0.38
        ax.barh(y + off, vals, height=0.36, xerr=err, color=colour, label=label, capsize=2)
        ply.add_trace(go.Bar(x=vals, y=names, orientation="h", name=label, marker={"color": colour},
                             error_x={"type": "data", "array": err}))
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    title = f"{result.method.title()} sensitivity of {result.output} ({result.evaluations} evaluations)"
    fig.suptitle(title, fontsize=9)
    ply.update_layout(title=title, barmode="group", yaxis={"autorange": "reversed"}, xaxis_title=xlabel)
    return fig, ply
