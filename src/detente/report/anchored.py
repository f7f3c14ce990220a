"""The report's section for an anchored run: each outcome's reference classes beside the engine's answer."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from detente.scenario.model import Scenario


def _n(x: Any, digits: int = 3) -> str:
    return "—" if x is None else f"{float(x):.{digits}f}"


def references_section(scenario: Scenario, result: Mapping[str, Any]) -> str:
    """An HTML table: outcome, reference class and subject, window, events, monthly rate, base rate, P."""
    names = {o.id: o.name for o in scenario.outcomes}
    h = str(result.get("horizon"))
    rows = []
    for o, refs in result["references"].items():
        cell = result.get("outcomes", {}).get(o, {}).get(h, {})
        base = result.get("base_rates", {}).get(o, {}).get(h)
        for k, r in enumerate(refs):
            first = k == 0
            rows.append(
                "<tr>"
                + (f"<td rowspan='{len(refs)}'>{escape(names.get(o, o))}<br><code>{escape(o)}</code></td>" if first else "")
                + f"<td><code>{escape(r['class'])}</code> | <code>{escape(r['subject'])}</code>"
                + f"<br><span class='note'>{escape(r.get('note', ''))}</span></td>"
                + f"<td>{escape(str(r['window'][0]))}…{escape(str(r['window'][1]))}</td>"
                + f"<td class='num'>{int(r['n_events'])} / {int(r['n_subject_months'])}</td>"
                + f"<td class='num'>{_n(r['subject_rate'], 4)}</td>"
                + (
                    f"<td class='num' rowspan='{len(refs)}'>{_n(base)}</td>"
                    f"<td class='num' rowspan='{len(refs)}'>{_n(cell.get('p'))}<br><span class='ci'>"
                    f"{_n(cell.get('pred_lo'))}–{_n(cell.get('pred_hi'))}</span></td>"
                    if first else ""
                )
                + "</tr>"
            )
    head = ("<tr><th>outcome</th><th>reference class | subject</th><th>data window</th><th>events / subject-months</th>"
            f"<th>rate a month</th><th>base rate by {escape(h)}</th><th>engine P (predictive)</th></tr>")
    return (
        "<section id='references'><h2>Reference classes</h2>"
        "<p class='note'>Each outcome's data-defined reference class, fitted on data dated before the as-of date: its "
        "window, counts and monthly rate, the base rate those rates give over the horizon, and the engine's "
        "probability with its predictive interval.</p>"
        f"<table class='numbers'>{head}{''.join(rows)}</table></section>"
    )
