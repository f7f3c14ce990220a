"""The backtest report: one self-contained HTML file (figures embedded as PNG) and the figures alone."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import InputError

if TYPE_CHECKING:
    from detente.backtest.run import BacktestResult

COLOURS = {
    "climatology": "#7f7f7f",
    "subject-rate": "#1f77b4",
    "persistence": "#ff7f0e",
    "time-since": "#2ca02c",
    "logistic": "#9467bd",
    "gbm": "#d62728",
}


def _colour(name: str, i: int) -> str:
    return COLOURS.get(name, f"C{i % 10}")


def reliability_points(p: np.ndarray, o: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean forecast, observed frequency and count per non-empty equal-width bin."""
    b = np.minimum((np.asarray(p) * bins).astype(int), bins - 1)
    n = np.bincount(b, minlength=bins)
    nz = n > 0
    mp = np.bincount(b, weights=p, minlength=bins)[nz] / n[nz]
    mo = np.bincount(b, weights=o.astype(float), minlength=bins)[nz] / n[nz]
    return mp, mo, n[nz]


def reliability_figure(result: BacktestResult, classes: list[str] | None = None, ncols: int = 3) -> Any:
    """A matplotlib figure: one reliability diagram per class, forecasters overlaid (marker size ∝ count)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = result.questions
    classes = classes or list(dict.fromkeys(q["class"]))
    nrows = int(np.ceil(len(classes) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 4.0 * nrows), squeeze=False)
    o_all = q["answer"].to_numpy().astype(bool)
    for k, cls in enumerate(classes):
        ax = axes[k // ncols][k % ncols]
        m = (q["class"] == cls).to_numpy()
        ax.plot([0, 1], [0, 1], color="#bbbbbb", lw=1, ls="--")
        for i, name in enumerate(result.forecasters):
            mp, mo, n = reliability_points(result.probs[name].to_numpy()[m], o_all[m])
            ax.plot(mp, mo, "-", color=_colour(name, i), lw=1.2, alpha=0.9, label=name)
            ax.scatter(mp, mo, s=8 + 60 * np.sqrt(n / n.max()), color=_colour(name, i), alpha=0.8)
        ax.set_title(f"{cls} (n={int(m.sum()):,}, rate {o_all[m].mean():.3f})", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("forecast probability")
        ax.set_ylabel("observed frequency")
        ax.grid(alpha=0.3)
    for k in range(len(classes), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    axes[0][0].legend(fontsize=8, loc="upper left")
    fig.suptitle("Reliability by question class (10 equal-width bins; marker area ∝ questions)", fontsize=12)
    fig.tight_layout()
    return fig


def sharpness_figure(result: BacktestResult) -> Any:
    """Histograms of the forecasts of each forecaster (log count), all questions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = result.forecasters
    fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names), 2.6), sharey=True, squeeze=False)
    for i, name in enumerate(names):
        ax = axes[0][i]
        ax.hist(result.probs[name].to_numpy(), bins=np.linspace(0, 1, 21), color=_colour(name, i), log=True)
        ax.set_title(f"{name}\nsd {result.scores[name]['sharpness']:.3f}", fontsize=9)
        ax.set_xlabel("p")
    axes[0][0].set_ylabel("questions (log)")
    fig.suptitle("Sharpness: how the forecasts spread", fontsize=11)
    fig.tight_layout()
    return fig


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _ci(v: list[float] | None, fmt: str = "{:.4f}") -> str:
    return "" if not v else f"[{fmt.format(v[0])}, {fmt.format(v[1])}]"


def _f(x: Any, fmt: str = "{:.4f}") -> str:
    try:
        return "—" if x is None or not np.isfinite(float(x)) else fmt.format(float(x))
    except (TypeError, ValueError):
        return "—"


def score_rows(result: BacktestResult, cls: str | None = None) -> list[list[str]]:
    """Rows of the score table (overall, or of one class)."""
    rows = []
    for name in result.forecasters:
        s = result.scores[name] if cls is None else result.scores[name]["by_class"][cls]
        rows.append([
            name, f"{s['n']:,}", _f(s["brier"]), _ci(s.get("brier_ci")), _f(s.get("brier_diff"), "{:+.4f}"),
            _ci(s.get("brier_diff_ci"), "{:+.4f}"), _f(s.get("bss"), "{:+.3f}"), _f(s["log"]), _ci(s.get("log_ci")),
            _f(s["reliability"], "{:.4f}"), _f(s["resolution"], "{:.4f}"), _f(s["uncertainty"], "{:.4f}"),
            _f(s["ece"]), _f(s["sharpness"], "{:.3f}"), _f(s["auc"], "{:.3f}"),
        ])
    return rows


HEAD = ["forecaster", "n", "Brier", "95% CI", "Δ vs clim.", "95% CI", "BSS", "log", "95% CI", "REL", "RES", "UNC", "ECE", "sharp.", "AUC"]


def _table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEAD)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(result: BacktestResult) -> str:
    """The whole report as one HTML string (no external files or scripts)."""
    counts = result.counts()
    s = result.settings
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>detente backtest</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1300px;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "th{background:#f3f3f3}img{max-width:100%}h2{margin-top:1.6em}.note{color:#555;font-size:13px}",
        "</style></head><body>",
        "<h1>detente backtest</h1>",
        f"<p>{s['n_questions']:,} questions from {len(counts)} classes; horizons {', '.join(map(str, s['horizons']))} months; "
        f"forecasters {', '.join(result.forecasters)}; seed {s['seed']}; {s['n_boot']} bootstrap resamples clustered by origin.</p>",
        "<p class='note'>Brier: mean squared error (lower is better). Δ vs clim.: paired Brier difference to climatology "
        "(negative = better), with its cluster-bootstrap 95% interval. BSS = 1 − Brier/Brier(climatology). log: mean "
        "negative log-likelihood, p clipped to [0.001, 0.999]. REL/RES/UNC: Murphy decomposition (Brier = REL − RES + UNC "
        "up to within-bin variance). ECE: expected calibration error, 10 bins. sharp.: standard deviation of the forecasts.</p>",
        "<h2>Scores, all questions</h2>",
        _table(score_rows(result)),
        "<h2>Questions per class</h2><table><thead><tr><th>class</th><th>questions</th><th>base rate</th></tr></thead><tbody>",
        *(f"<tr><td>{html.escape(c)}</td><td>{n:,}</td><td>{r:.4f}</td></tr>" for c, n, r in zip(counts["class"], counts["n"], counts["base_rate"], strict=True)),
        "</tbody></table>",
        "<h2>Reliability diagrams</h2>",
        f"<img alt='reliability diagrams' src='data:image/png;base64,{_png(reliability_figure(result))}'>",
        "<h2>Sharpness</h2>",
        f"<img alt='sharpness histograms' src='data:image/png;base64,{_png(sharpness_figure(result))}'>",
        "<h2>Scores by class</h2>",
    ]
    for cls in counts["class"]:
        parts += [f"<h3>{html.escape(cls)}</h3>", _table(score_rows(result, cls))]
    if result.skipped:
        parts.append("<h2>Classes left out</h2><ul>" + "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in result.skipped.items()) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: BacktestResult, path: str | Path) -> Path:
    """Write the HTML report.

    Raises:
        InputError: the file cannot be written.
    """
    p = Path(path)
    try:
        p.write_text(render_html(result), "utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot write the report ({exc.strerror or exc}) (fix: give a writable path)") from None
    return p
