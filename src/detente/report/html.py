"""One self-contained HTML file per run: the scenario, its sources, the results as plots, the assumptions.

plotly.js is inlined once (from the plotly package, no CDN) and every figure is SVG, so the file opens
with no network, in any browser, and prints. The same run always gives the same bytes.

The sections follow the result's shape, so any engine's ``to_dict()`` gets a report:

- ``outcomes`` ``{id: {"6": {"p", "lo", "hi"}, …}}``, ``tension`` / ``positions`` fan blocks
  ``{key: {"steps", "q05", "q25", "q50", "q75", "q95", "mean"}}``, ``actor_positions``, ``paths``, ``pairs``,
  ``mechanisms``: the escalation engine (``simulate``).
- ``issues`` ``[{"issue", "forecasts": {model: x}, "status_quo", "path": {"medians", "means"}}]``: forecasts.
- ``arms`` (a list) with ``rows`` ``[{"arm", "outcome", "horizon", "p", "lo", "hi", "effect", "effect_lo",
  "effect_hi"}]``, or ``arms`` as ``{arm: simulate result}`` with ``differences``: comparisons.
- ``points`` ``[{"values": {param: x}, "outcomes": {…}}]`` with ``params`` and ``trend``: sweeps.
- ``indices`` (or ``ranking``) ``[{"name", "ST", "S1", …}]`` or ``[{"name", "mu_star", …}]``: sensitivity.

Every numeric leaf of any result is also listed in an appendix, so nothing is lost for an unknown shape.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from detente.errors import DetenteError
from detente.report import figures
from detente.scenario.checks import walk
from detente.scenario.model import Provenance, Scenario, Value
from detente.store.runstore import StoredRun, flatten_result

MAX_FAN_PANELS = 8
"""Tension fan charts shown (the pairs with the highest final median); the rest are tabulated."""


@dataclass(frozen=True)
class ReportInput:
    """What a report is drawn from: a scenario, a run's kind, parameters and result dict."""

    scenario: Scenario
    kind: str
    result: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    run_id: str | None = None
    created_at: dt.datetime | None = None
    detente_version: str | None = None
    scenario_sha256: str | None = None
    timings: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    @classmethod
    def from_run(cls, run: StoredRun) -> ReportInput:
        """The report input of a stored run (its scenario parsed from the stored text)."""
        return cls(
            scenario=run.loaded_scenario().scenario,
            kind=run.kind,
            result=run.result,
            params=run.params,
            seed=run.seed,
            run_id=run.id,
            created_at=run.created_at,
            detente_version=run.detente_version,
            scenario_sha256=run.scenario_sha256,
            timings=run.timings,
            label=run.label,
        )


# ---------------------------------------------------------------------------------------------
# Assumptions and quotes


@dataclass(frozen=True)
class Assumption:
    """One value or claim of the scenario with its provenance, by field path."""

    path: str
    value: float | None
    source: str | None
    quote: str | None
    confidence: float | None
    note: str | None


def assumptions(scenario: Scenario) -> list[Assumption]:
    """Every number of the scenario (with or without provenance) and every claim that cites a source."""
    out: list[Assumption] = []
    for path, node in walk(scenario, by_id=True):
        if isinstance(node, Value):
            out.append(
                Assumption(path, node.value, node.source, node.quote, node.confidence, node.note)
            )
        elif isinstance(node, Provenance) and (node.source or node.quote):
            out.append(Assumption(path, None, node.source, node.quote, node.confidence, node.note))
    return out


def quotes_by_source(scenario: Scenario) -> dict[str, list[tuple[str, list[str]]]]:
    """For each source id, its distinct quotes in file order with the field paths that cite each."""
    out: dict[str, dict[str, list[str]]] = {}
    for a in assumptions(scenario):
        if a.source and a.quote:
            out.setdefault(a.source, {}).setdefault(a.quote, []).append(a.path)
    return {s: list(q.items()) for s, q in out.items()}


# ---------------------------------------------------------------------------------------------
# HTML helpers


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 10 ** (-digits)):
            return f"{value:.{digits}g}"
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") or "0"
    return _e(value)


@cache
def _env() -> jinja2.Environment:
    """The report's Jinja2 templates (``detente/report/templates/``), HTML-escaped by default."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("detente.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = lambda value, digits=3: Markup(_num(value, digits))
    return env


def _render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """A table (the ``table`` macro); ``rows`` hold cells already built as HTML, headers are text."""
    macro = _env().get_template("macros.html.j2").module.table  # type: ignore[attr-defined]
    return str(macro(list(headers), [[Markup(c) for c in row] for row in rows], cls))


class _Figures:
    """Turns plotly figures into divs with stable ids (plotly.js itself is inlined once)."""

    def __init__(self) -> None:
        self.count = 0

    def div(self, fig: Any, name: str) -> str:
        import plotly.io as pio

        self.count += 1
        return (
            '<div class="figure">'
            + pio.to_html(
                fig,
                full_html=False,
                include_plotlyjs=False,
                div_id=f"fig-{self.count}-{name}",
                config={"displaylogo": False, "responsive": True, "displayModeBar": False},
                default_height=f"{fig.layout.height or 450}px",
            )
            + "</div>"
        )


def _points(value: Any) -> str:
    """A difference of probabilities in percentage points, signed, as the CLI prints it (+5.0)."""
    return f"{100 * float(value):+.1f}" if isinstance(value, int | float) else "—"


def _unit(scenario: Scenario) -> str:
    return scenario.scenario.time_step.value


# ---------------------------------------------------------------------------------------------
# Sections


def _facts(inp: ReportInput) -> list[tuple[str, Markup]]:
    sc = inp.scenario.scenario
    result = inp.result
    facts: list[tuple[str, str]] = [
        ("run", _e(inp.run_id or "(not stored)")),
        ("kind", _e(inp.kind)),
    ]
    if inp.created_at:
        facts.append(("recorded", _e(f"{inp.created_at:%Y-%m-%d %H:%M} UTC")))
    facts.append(("scenario", f"<code>{_e(sc.id)}</code> as of {_e(sc.as_of)}"))
    if inp.scenario_sha256:
        facts.append(("scenario sha256", f"<code>{_e(inp.scenario_sha256[:16])}…</code>"))
    if inp.seed is not None:
        facts.append(("seed", _e(inp.seed)))
    runs = result.get("runs", inp.params.get("runs"))
    if runs is not None:
        facts.append(("replicates", _num(runs)))
    horizon = result.get("horizon", inp.params.get("horizon", sc.horizon))
    facts.append(("horizon", f"{_e(horizon)} {_e(sc.time_step.value)}s"))
    strategy = result.get("strategy", inp.params.get("strategy"))
    if strategy:
        facts.append(("strategy", _e(strategy)))
    if inp.detente_version:
        facts.append(("detente", _e(inp.detente_version)))
    total = inp.timings.get("total")
    if isinstance(total, int | float):
        facts.append(("wall time", f"{total:.1f} s"))
    return [(k, Markup(v)) for k, v in facts]


def _summary(inp: ReportInput) -> str:
    s = inp.scenario
    kinds: dict[str, int] = {}
    for r in s.relations:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    relations = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"
    enabled = [m for m in s.mechanisms if m.enabled]
    return _render("summary.html.j2", s=s, relations=relations, enabled=enabled)


def _sources(inp: ReportInput) -> str:
    quotes = quotes_by_source(inp.scenario)
    sources = [
        {
            "id": src.id,
            "title": src.title,
            "url": src.url,
            "meta": ", ".join(
                str(x) for x in (src.author, src.publisher, src.date or src.year, src.kind.value) if x is not None
            ),
            "quotes": quotes.get(src.id, []),
        }
        for src in inp.scenario.sources
    ]
    return _render("sources.html.j2", sources=sources)


def _network(inp: ReportInput, figs: _Figures) -> str:
    return (
        "<section id='network'><h2>Relation network</h2>"
        + figs.div(figures.relation_network(inp.scenario), "network")
        + "<p class='note'>Alliances link the senior partner to each junior partner; sanctions link each "
        "enforcer to the target and to the third parties it presses; channels are drawn when active.</p>"
        "</section>"
    )


def _outcome_names(scenario: Scenario) -> dict[str, str]:
    return {o.id: o.name for o in scenario.outcomes}


def _ordered(outcomes: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Outcome ids, likeliest first at the last horizon, and the horizons."""
    horizons = figures._horizons(outcomes)
    last = horizons[-1] if horizons else None
    order = sorted(
        outcomes, key=lambda o: -float(outcomes[o].get(last, {}).get("p", 0.0)) if last else 0.0
    )
    return order, horizons


def _split(outcomes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario's tracked outcomes, and the engine's own states (``engine:…``)."""
    tracked = {k: v for k, v in outcomes.items() if not str(k).startswith("engine:")}
    engine = {k: v for k, v in outcomes.items() if str(k).startswith("engine:")}
    return tracked, engine


def _odds_rows(outcomes: Mapping[str, Any], order: Sequence[str], horizons: Sequence[str], label: Any) -> list[list[str]]:
    rows = []
    for o in order:
        cells = [label(o)]
        for h in horizons:
            c = outcomes[o].get(h)
            cells.append(
                f"{_num(c.get('p'))} <span class='ci'>[{_num(c.get('lo'))}, {_num(c.get('hi'))}]</span>"
                + (f"<br><span class='ci'>predictive {_num(c['pred_lo'])}–{_num(c['pred_hi'])}</span>" if "pred_lo" in c else "")
                if c
                else "—"
            )
        rows.append(cells)
    return rows


def _outcomes_section(inp: ReportInput, outcomes: Mapping[str, Any], figs: _Figures) -> str:
    from detente.engines.escalation.result import ENGINE_STATES

    unit = _unit(inp.scenario)
    names = _outcome_names(inp.scenario)
    tracked, engine = _split(outcomes)
    parts = ["<section id='outcomes'><h2>Tracked outcomes</h2>"]
    if tracked:
        order, horizons = _ordered(tracked)
        parts.append(
            _table(
                ["outcome", *[f"by {unit} {h}" for h in horizons]],
                _odds_rows(tracked, order, horizons, lambda o: f"{_e(names.get(o, o))}<br><code>{_e(o)}</code>"),
                "numbers",
            )
        )
        parts.append(
            "<p class='note'>Probability that each outcome the scenario tracks has occurred by each "
            "horizon, with Wilson 95% intervals over the replicates (chart at the top)."
            + (" Anchored engine: the second line is the predictive interval, 95% of the runs' probabilities "
               "given their drawn parameters, lever strengths and crisis-state paths (what we do not know); the "
               "bracket is the Monte Carlo error (what more runs would change)." if inp.result.get("engine") == "anchored" else "")
            + "</p>"
        )
    if engine:
        order, horizons = _ordered(engine)
        parts.append(
            "<h3>Engine states</h3><p class='note'>The engine's own states, not outcomes the scenario "
            "tracks: defined the same way for every scenario.</p>"
            + _table(
                ["state", "definition", *[f"by {unit} {h}" for h in horizons]],
                [
                    [row[0], _e(ENGINE_STATES.get(o, "")), *row[1:]]
                    for o, row in zip(order, _odds_rows(engine, order, horizons, lambda o: f"<code>{_e(o)}</code>"), strict=True)
                ],
                "numbers engine",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _baseline_name(baseline: Any) -> str:
    return "the baseline (no strategy)" if baseline in (None, "none", "") else f"the baseline {baseline}"


def _answer(inp: ReportInput, figs: _Figures) -> dict[str, Any] | None:
    """The answer first: a one-line summary and the outcome chart, before any detail."""
    result = inp.result
    sc = inp.scenario
    unit = _unit(sc)
    names = _outcome_names(sc)
    outcomes = result.get("outcomes")
    if isinstance(outcomes, Mapping) and outcomes and not isinstance(result.get("arms"), list | Mapping):
        tracked, engine = _split(outcomes)
        if not tracked:
            return None
        order, horizons = _ordered(tracked)
        h = horizons[-1]
        runs = result.get("runs", inp.params.get("runs"))
        top = tracked[order[0]][h]

        anchored = result.get("engine") == "anchored"
        got = result.get("base_rates")
        base_rates: Mapping[str, Any] = got if isinstance(got, Mapping) else {}

        def odds(c: Mapping[str, Any], outcome: str | None = None) -> str:
            text = f"{_num(c.get('p'))} [{_num(c.get('lo'))}, {_num(c.get('hi'))}]"
            if anchored and "pred_lo" in c:
                # The predictive interval is the honest width of what the model does not know; the
                # bracket only says how much more runs would change the share.
                text = f"{_num(c.get('p'))} (predictive {_num(c.get('pred_lo'))}–{_num(c.get('pred_hi'))})"
                base = (base_rates.get(outcome) or {}).get(h) if outcome is not None else None
                if base is not None:
                    text += f", base rate {_num(base)}"
            return text

        engine_name = " on the anchored engine" if anchored else ""
        lead = (
            f"In {_num(runs)} simulated runs of {sc.scenario.id}{engine_name}"
            f"{' under ' + str(result['strategy']) if result.get('strategy') else ''}, the likeliest "
            f"tracked outcome by {unit} {h} is {names.get(order[0], order[0])}: probability {odds(top, order[0])}."
        )
        points = [f"{names.get(o, o)}: {odds(tracked[o][h], o)}" for o in order[1:4]]
        if anchored:
            points.append(
                "predictive: 95% of the runs' own probabilities, given their drawn parameters, lever strengths "
                "and crisis-state paths (what the model does not know); base rate: the reference classes alone; "
                "the Monte Carlo error of each share is in the table below"
            )
        if "engine:war" in engine and h in engine["engine:war"]:
            points.append(f"Engine state engine:war (first use of force between rivals): {odds(engine['engine:war'][h])}")
        fig = figures.outcome_odds({o: tracked[o] for o in order}, names, unit, predictive=anchored)
        return {"lead": lead, "points": points, "figure": Markup(figs.div(fig, "outcomes"))}
    if isinstance(result.get("arms"), list) and isinstance(result.get("rows"), list):
        rows = [r for r in result["rows"] if isinstance(r, Mapping) and r.get("effect") is not None]
        if not rows:
            return None
        last = max(int(r["horizon"]) for r in rows)
        at = [r for r in rows if int(r["horizon"]) == last and r.get("kind") == "strategy"] or [
            r for r in rows if int(r["horizon"]) == last
        ]
        best = max(at, key=lambda r: abs(float(r["effect"])))

        def effect(r: Mapping[str, Any]) -> str:
            return (
                f"{100 * float(r['effect']):+.1f} points [{100 * float(r['effect_lo']):+.1f}, "
                f"{100 * float(r['effect_hi']):+.1f}]"
            )

        lead = (
            f"Against {_baseline_name(result.get('baseline'))}, the largest effect by {unit} "
            f"{last} is {best['arm']} on {names.get(best['outcome'], best['outcome'])}: {effect(best)}."
        )
        significant = sorted((r for r in at if r.get("significant")), key=lambda r: -abs(float(r["effect"])))
        points = [
            f"{r['arm']}: {names.get(r['outcome'], r['outcome'])} {effect(r)}" for r in significant[:4] if r is not best
        ]
        points.append(
            "Effects are the arm minus the baseline in percentage points, with paired 95% intervals, "
            "as detente compare prints them."
        )
        return {"lead": lead, "points": points, "figure": ""}
    return None


def _final(block: Mapping[str, Any], key: str = "q50") -> float:
    values = block.get(key) or block.get("mean") or [0.0]
    v = values[-1]
    return float(v) if v is not None else 0.0


def _peak(block: Mapping[str, Any]) -> float:
    values = [v for v in (block.get("q50") or block.get("mean") or []) if v is not None]
    return float(max(values)) if values else 0.0


def _tension_section(inp: ReportInput, tension: Mapping[str, Any], figs: _Figures) -> str:
    order = sorted(tension, key=lambda k: (-_peak(tension[k]), k))
    shown = {k: tension[k] for k in order[:MAX_FAN_PANELS]}
    fig = figures.fan_chart(
        shown,
        title=f"Tension trajectories (the {len(shown)} pairs with the highest median at any step)",
        y_title="tension",
        unit=_unit(inp.scenario),
        colours=["#d62728"],
    )
    rows = [
        [
            f"<code>{_e(k)}</code>",
            _num(tension[k].get("q50", [None])[0] if tension[k].get("q50") else None),
            _num(_final(tension[k], "q05")),
            _num(_final(tension[k])),
            _num(_final(tension[k], "q95")),
        ]
        for k in order
    ]
    table = _table(["pair", "start (median)", "end 5%", "end median", "end 95%"], rows, "numbers")
    more = f" All {len(order)} pairs:" if len(order) > len(shown) else ""
    return (
        "<section id='tension'><h2>Tension</h2>"
        + figs.div(fig, "tension")
        + f"<details><summary>Tension at the end of the horizon, by pair.{_e(more)}</summary>{table}</details>"
        + "</section>"
    )


def _positions_section(inp: ReportInput, positions: Mapping[str, Any], figs: _Figures) -> str:
    titled: dict[str, Mapping[str, Any]] = {}
    for key, block in positions.items():
        try:
            issue = inp.scenario.issue(key)
            title = f"{issue.name} ({_num(issue.low)} {issue.low_means} … {_num(issue.high)} {issue.high_means})"
            title = title if len(title) <= 90 else f"{issue.name} ({issue.id})"
        except KeyError:
            title = key
        titled[title] = block
    fig = figures.fan_chart(
        titled,
        title="Issue positions (the state of each issue over time)",
        y_title="position",
        unit=_unit(inp.scenario),
        columns=1 if len(titled) <= 1 else 2,
        colours=list(figures.PALETTE),
    )
    return (
        "<section id='positions'><h2>Issue positions</h2>"
        + figs.div(fig, "positions")
        + "</section>"
    )


def _actor_positions_section(
    inp: ReportInput, actor_positions: Mapping[str, Any], figs: _Figures
) -> str:
    names = {i.id: i.name for i in inp.scenario.issues}
    fig = figures.actor_lines(
        {names.get(k, k): v for k, v in actor_positions.items() if isinstance(v, Mapping)},
        title="Actors' positions on each issue (mean over replicates)",
        unit=_unit(inp.scenario),
    )
    return figs.div(fig, "actor-positions")


def _paths_section(paths: Mapping[str, Any]) -> str:
    blocks = []
    definition = paths.get("definition")
    if isinstance(definition, str):
        blocks.append(f"<p class='note'>{_e(definition)}</p>")
    for name, items in paths.items():
        if not isinstance(items, list) or not items:
            continue
        rows = [
            [
                f"<code>{_e(str(it.get('path', '')).replace('>', ' → '))}</code>",
                _num(it.get("share")),
            ]
            for it in items[:10]
            if isinstance(it, Mapping)
        ]
        blocks.append(
            f"<h3>Paths to {_e(name)}</h3>" + _table(["event sequence", "share"], rows, "numbers")
        )
    if len(blocks) <= (1 if isinstance(definition, str) else 0):
        return ""
    return "<section id='paths'><h2>Typical paths</h2>" + "".join(blocks) + "</section>"


def _pairs_section(inp: ReportInput, pairs: Mapping[str, Any]) -> str:
    from detente.ontology import event_score

    cells: list[tuple[float, str, str]] = []
    horizon = ""
    for pair, by_event in pairs.items():
        if not isinstance(by_event, Mapping):
            continue
        for event, by_h in by_event.items():
            if not isinstance(by_h, Mapping) or not by_h:
                continue
            h = figures._horizons({"x": by_h})[-1]
            horizon = h
            p = by_h[h]
            p = p.get("p") if isinstance(p, Mapping) else p
            if isinstance(p, int | float):
                cells.append((float(p), pair, event))
    if not cells:
        return ""

    def score(event: str) -> float | None:
        try:
            return event_score(event)
        except (KeyError, ValueError):
            return None

    unit = _unit(inp.scenario)
    parts = ["<section id='pairs'><h2>Most likely events between pairs</h2>"]
    for title, keep in (
        ("Conflict", lambda e: (score(e) or 0.0) < 0),
        ("Cooperation", lambda e: (score(e) or 0.0) >= 0),
    ):
        chosen = sorted((c for c in cells if keep(c[2])), key=lambda c: (-c[0], c[1], c[2]))
        if not chosen:
            continue
        rows = [[f"<code>{_e(pair)}</code>", _e(event), _num(p)] for p, pair, event in chosen[:12]]
        parts.append(
            f"<h3>{title}</h3>"
            + _table(["pair", "event", f"p by {unit} {horizon}"], rows, "numbers")
            + f"<p class='note'>The {min(12, len(chosen))} most likely of {len(chosen)} "
            f"(pair, {title.lower()} event) combinations.</p>"
        )
    parts.append("</section>")
    return "".join(parts)


def _mechanisms_section(inp: ReportInput, mechanisms: Mapping[str, Any]) -> str:
    rows = []
    for mid, info in mechanisms.items():
        m = inp.scenario.mechanism(mid)
        info = info if isinstance(info, Mapping) else {}
        rows.append(
            [
                f"<code>{_e(mid)}</code>",
                _e(m.name if m else ""),
                "on" if info.get("enabled", True) else "<b>off</b>",
                _e(info.get("lever", "")),
            ]
        )
    return (
        "<section id='mechanisms'><h2>Mechanisms</h2><details><summary>"
        f"{len(rows)} mechanism{'' if len(rows) == 1 else 's'} and the lever each acts through</summary>"
        + _table(["id", "name", "state", "lever"], rows)
        + "</details></section>"
    )


def _simulation_sections(inp: ReportInput, result: Mapping[str, Any], figs: _Figures) -> list[str]:
    out = []
    if isinstance(result.get("outcomes"), Mapping) and result["outcomes"]:
        out.append(_outcomes_section(inp, result["outcomes"], figs))
    if isinstance(result.get("tension"), Mapping) and result["tension"]:
        out.append(_tension_section(inp, result["tension"], figs))
    if isinstance(result.get("positions"), Mapping) and result["positions"]:
        out.append(_positions_section(inp, result["positions"], figs))
    if isinstance(result.get("actor_positions"), Mapping) and result["actor_positions"]:
        out.append(_actor_positions_section(inp, result["actor_positions"], figs))
    if isinstance(result.get("paths"), Mapping):
        out.append(_paths_section(result["paths"]))
    if isinstance(result.get("pairs"), Mapping):
        out.append(_pairs_section(inp, result["pairs"]))
    if isinstance(result.get("references"), Mapping) and result["references"]:
        from detente.report.anchored import references_section

        out.append(references_section(inp.scenario, result))
    if isinstance(result.get("mechanisms"), Mapping) and result["mechanisms"]:
        out.append(_mechanisms_section(inp, result["mechanisms"]))
    return out


def _arm_outcomes(arm: Any) -> Mapping[str, Any]:
    if isinstance(arm, Mapping):
        got = arm.get("outcomes", arm)
        return got if isinstance(got, Mapping) else {}
    return {}


def _compare_sections(inp: ReportInput, result: Mapping[str, Any], figs: _Figures) -> list[str]:
    arms = {str(k): _arm_outcomes(v) for k, v in result["arms"].items()}
    unit = _unit(inp.scenario)
    names = _outcome_names(inp.scenario)
    common: set[str] | None = None
    for outcomes in arms.values():
        hs = set(figures._horizons(outcomes))
        common = hs if common is None else common & hs
    horizons = sorted(common or set(), key=lambda h: int(h) if h.isdigit() else 10**9)
    parts = ["<section id='arms'><h2>Arms side by side</h2>"]
    baseline = result.get("baseline")
    if baseline is not None:
        parts.append(
            f"<p>Baseline arm: <b>{_e(baseline)}</b>. Arms share common random numbers per replicate.</p>"
        )
    for h in horizons[-2:]:
        parts.append(
            figs.div(
                figures.arms_side_by_side(
                    arms, names, h, unit, baseline=None if baseline is None else str(baseline)
                ),
                f"arms-{h}",
            )
        )
    diffs = result.get("differences")
    if isinstance(diffs, Mapping):
        rows = []
        for arm, by_outcome in diffs.items():
            if not isinstance(by_outcome, Mapping):
                continue
            for o, by_h in by_outcome.items():
                if not isinstance(by_h, Mapping):
                    continue
                for h, d in by_h.items():
                    if not isinstance(d, Mapping):
                        continue
                    diff = d.get("diff", d.get("delta"))
                    lo, hi = d.get("lo"), d.get("hi")
                    flag = (
                        isinstance(lo, int | float)
                        and isinstance(hi, int | float)
                        and (lo > 0 or hi < 0)
                    )
                    rows.append(
                        [
                            _e(arm),
                            _e(names.get(o, o)),
                            _e(h),
                            ("<b>" if flag else "") + _points(diff) + ("</b>" if flag else ""),
                            f"[{_points(lo)}, {_points(hi)}]",
                            "yes" if flag else "",
                        ]
                    )
        if rows:
            parts.append(
                "<h3>Differences from the baseline</h3>"
                + _table(
                    ["arm", "outcome", unit, "difference (points)", "95% interval", "excludes 0"],
                    rows,
                    "numbers",
                )
            )
    # Tension of the most tense pair, arm by arm.
    tension_by_arm = {
        arm: v["tension"]
        for arm, v in result["arms"].items()
        if isinstance(v, Mapping) and isinstance(v.get("tension"), Mapping) and v["tension"]
    }
    if tension_by_arm:
        first = next(iter(tension_by_arm.values()))
        pair = max(first, key=lambda k: _final(first[k]))
        panels = {f"{arm}: {pair}": t[pair] for arm, t in tension_by_arm.items() if pair in t}
        parts.append(
            figs.div(
                figures.fan_chart(
                    panels,
                    title=f"Tension {pair}, arm by arm",
                    y_title="tension",
                    unit=unit,
                    columns=min(3, len(panels)),
                    colours=list(figures.PALETTE),
                ),
                "arms-tension",
            )
        )
    parts.append("</section>")
    return ["".join(parts)]


def _comparison_from_rows(result: Mapping[str, Any]) -> dict[str, Any]:
    """The experiments engine's comparison (``arms`` list, ``rows`` table) as arms and differences.

    Baseline and strategy arms go side by side; every arm with an effect (components too) goes into the
    differences, with its kind in the arm label.
    """
    kinds = {
        str(a.get("id")): str(a.get("kind", ""))
        for a in result.get("arms", [])
        if isinstance(a, Mapping)
    }
    arms: dict[str, dict[str, Any]] = {}
    differences: dict[str, dict[str, Any]] = {}
    for row in result.get("rows", []):
        if not isinstance(row, Mapping):
            continue
        arm, outcome, h = str(row.get("arm")), str(row.get("outcome")), str(row.get("horizon"))
        kind = kinds.get(arm, str(row.get("kind", "")))
        if kind in ("baseline", "strategy", ""):
            cell = {k: row.get(k) for k in ("p", "lo", "hi")}
            arms.setdefault(arm, {"outcomes": {}})["outcomes"].setdefault(outcome, {})[h] = cell
        if row.get("effect") is not None:
            label = arm if kind in ("strategy", "") else f"{arm} ({kind})"
            differences.setdefault(label, {}).setdefault(outcome, {})[h] = {
                "diff": row.get("effect"),
                "lo": row.get("effect_lo"),
                "hi": row.get("effect_hi"),
            }
    return {"arms": arms, "differences": differences, "baseline": result.get("baseline")}


def _sweep_sections(inp: ReportInput, result: Mapping[str, Any], figs: _Figures) -> list[str]:
    """A sweep: outcome probabilities against the varied parameters, as lines and a table, and trends."""
    points = [
        p
        for p in result.get("points", [])
        if isinstance(p, Mapping) and isinstance(p.get("values"), Mapping)
    ]
    if not points:
        return []
    params = [str(p) for p in result.get("params", points[0]["values"].keys())]
    outcomes = list(points[0].get("outcomes", {}))
    horizons = figures._horizons(points[0].get("outcomes", {}))
    h = horizons[-1] if horizons else ""
    names = _outcome_names(inp.scenario)
    unit = _unit(inp.scenario)

    def spread(o: str) -> float:
        ps = [float(pt["outcomes"][o][h]["p"]) for pt in points if o in pt.get("outcomes", {})]
        return max(ps) - min(ps) if ps else 0.0

    # The outcomes that vary most across the points come first.
    ranked = sorted(outcomes, key=lambda o: (-spread(o), o))
    fig = figures.sweep_lines(points, params, ranked[:6], h, names, unit)
    rows = []
    for pt in points:
        cells = [_num(pt["values"].get(p), 4) for p in params]
        for o in ranked:
            c = pt.get("outcomes", {}).get(o, {}).get(h, {})
            cells.append(_num(c.get("p")) if c else "—")
        rows.append(cells)
    parts = [
        "<section id='sweep'><h2>Sweep</h2>",
        f"<p>{_e(result.get('design', ''))} design over {len(points)} points, "
        f"{_e(result.get('runs', ''))} replicates a point ({_e(result.get('seeding', ''))} seeds).</p>",
        figs.div(fig, "sweep"),
        "<details><summary>Every point</summary>"
        + _table([*params, *[names.get(o, o) for o in ranked]], rows[:500], "numbers")
        + "</details>",
    ]
    trend = result.get("trend")
    if isinstance(trend, Mapping) and trend:
        trows = []
        for o in ranked:
            by_p = trend.get(o, {})
            cells = [_e(names.get(o, o))]
            for p in params:
                t = by_p.get(p) if isinstance(by_p, Mapping) else None
                if isinstance(t, Mapping):
                    flag = (t.get("lo") or 0) > 0 or (t.get("hi") or 0) < 0
                    text = (
                        f"{_num(t.get('p'), 4)} <span class='ci'>[{_num(t.get('lo'), 4)}, "
                        f"{_num(t.get('hi'), 4)}]</span>"
                    )
                    cells.append(f"<b>{text}</b>" if flag else text)
                else:
                    cells.append("—")
            trows.append(cells)
        parts.append(
            f"<h3>Linear trend of P(by {unit} {_e(h)}) per unit of each parameter "
            "(bold: 95% interval excludes 0)</h3>" + _table(["outcome", *params], trows, "numbers")
        )
    parts.append("</section>")
    return ["".join(parts)]


def _ranking_rows(result: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str]:
    rows: Any = result.get("ranking") or []
    if not (isinstance(rows, list) and rows and isinstance(rows[0], Mapping)):
        rows = result.get("indices") or []
    if isinstance(rows, Mapping):  # {param: {S1:…, ST:…}}
        rows = [{"param": k, **v} for k, v in rows.items() if isinstance(v, Mapping)]
    rows = [r for r in rows if isinstance(r, Mapping)]
    name_key = next(
        (k for k in ("param", "parameter", "name", "id") if rows and k in rows[0]), "param"
    )
    return rows, name_key


def _sensitivity_sections(inp: ReportInput, result: Mapping[str, Any], figs: _Figures) -> list[str]:
    rows, name_key = _ranking_rows(result)
    if not rows:
        return []
    measures = [m for m in ("ST", "S1", "mu_star", "sigma") if any(m in r for r in rows)]
    outcome = result.get("output") or result.get("outcome", "")
    fig = figures.ranking(
        rows, name_key, measures, f"What matters for {outcome or 'the outcome'}: parameters ranked"
    )
    cols = [name_key, *measures]
    extra = [k for k in rows[0] if k not in cols and isinstance(rows[0][k], int | float)]
    table = _table(
        ["rank", *cols[:1], *cols[1:], *extra],
        [
            [
                str(i + 1),
                f"<code>{_e(r.get(name_key))}</code>",
                *[_num(r.get(m)) for m in [*measures, *extra]],
            ]
            for i, r in enumerate(rows)
        ],
        "numbers",
    )
    method = result.get("method", "")
    return [
        "<section id='ranking'><h2>Sensitivity ranking</h2>"
        + (f"<p>Method: {_e(method)}.</p>" if method else "")
        + figs.div(fig, "ranking")
        + table
        + "</section>"
    ]


def _table_sections(result: Mapping[str, Any], key: str, title: str) -> list[str]:
    rows = result.get(key)
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], Mapping):
        return []
    cols = list(dict.fromkeys(k for r in rows[:200] if isinstance(r, Mapping) for k in r))
    body = [
        [
            _num(r.get(c))
            if not isinstance(r.get(c), Mapping | list)
            else _e(json.dumps(r.get(c))[:80])
            for c in cols
        ]
        for r in rows[:200]
    ]
    more = f"<p class='note'>First 200 of {len(rows)} rows.</p>" if len(rows) > 200 else ""
    return [
        f"<section id='{_e(key)}'><h2>{_e(title)}</h2>"
        + _table(cols, body, "numbers")
        + more
        + "</section>"
    ]


def _forecast_sections(inp: ReportInput, result: Mapping[str, Any], figs: _Figures) -> list[str]:
    """Bargaining forecasts: each model's forecast per issue, and the expected-utility path by round."""
    issues = [
        i
        for i in result.get("issues", [])
        if isinstance(i, Mapping) and isinstance(i.get("forecasts"), Mapping)
    ]
    if not issues:
        return []
    models = list(dict.fromkeys(m for i in issues for m in i["forecasts"]))
    rows = []
    for item in issues:
        iid = str(item.get("issue", ""))
        try:
            issue = inp.scenario.issue(iid)
            name = f"{_e(issue.name)}<br><span class='meta'>{_num(issue.low)} = {_e(issue.low_means)}; {_num(issue.high)} = {_e(issue.high_means)}</span>"
        except KeyError:
            name = f"<code>{_e(iid)}</code>"
        rows.append(
            [name, _num(item.get("status_quo")), *[_num(item["forecasts"].get(m)) for m in models]]
        )
    parts = [
        "<section id='forecasts'><h2>Bargaining forecasts</h2>",
        _table(["issue", "status quo", *models], rows, "numbers"),
    ]
    paths: dict[str, dict[str, list[Any]]] = {}
    for item in issues:
        path = item.get("path")
        if isinstance(path, Mapping) and isinstance(path.get("medians"), list) and path["medians"]:
            rounds = list(range(len(path["medians"])))
            paths[str(item.get("issue"))] = {
                "steps": rounds,
                "q50": path["medians"],
                "mean": path.get("means") or path["medians"],
            }
    if paths:
        fig = figures.fan_chart(
            paths,
            title="Expected-utility model: median (solid) and mean (dotted) position by round",
            y_title="position",
            unit="round",
            colours=list(figures.PALETTE),
        )
        parts.append(figs.div(fig, "forecast-paths"))
    parts.append("</section>")
    return ["".join(parts)]


def _all_values(result: Mapping[str, Any]) -> str:
    values = list(flatten_result(result))
    if not values:
        return ""
    rows = [[f"<code>{_e(p)}</code>", _num(v, 4)] for p, v in values[:3000]]
    more = f" (first 3000 of {len(values)})" if len(values) > 3000 else ""
    return (
        "<section id='values'><h2>Appendix B: every number of the result</h2><details><summary>"
        f"{len(values)} values{more}</summary>"
        + _table(["path", "value"], rows, "numbers")
        + "</details></section>"
    )


def _parameters(inp: ReportInput) -> str:
    rows = [
        [f"<code>{_e(k)}</code>", _e(json.dumps(v, ensure_ascii=False))]
        for k, v in inp.params.items()
    ]
    rows += [
        [f"<code>timings.{_e(k)}</code>", _e(f"{v:.3f} s" if isinstance(v, int | float) else v)]
        for k, v in inp.timings.items()
    ]
    if not rows:
        return ""
    return (
        "<section id='parameters'><h2>Run parameters</h2>"
        + _table(["parameter", "value"], rows)
        + "</section>"
    )


def _appendix(inp: ReportInput) -> str:
    items = assumptions(inp.scenario)
    titles = {s.id: s.title for s in inp.scenario.sources}
    rows = []
    n_quoted = n_assumed = n_bare = 0
    for a in items:
        if a.quote:
            n_quoted += 1
        if a.source == "assumption":
            n_assumed += 1
        if not (a.source or a.quote or a.note):
            n_bare += 1
        source = (
            f"<span title='{_e(titles.get(a.source, ''))}'>{_e(a.source)}</span>"
            if a.source
            else "<span class='none'>none recorded</span>"
        )
        rows.append(
            [
                f"<code>{_e(a.path)}</code>",
                f"{a.value:g}" if a.value is not None else "<i>claim</i>",
                source,
                f"“{_e(a.quote)}”" if a.quote else "",
                _num(a.confidence) if a.confidence is not None else "",
                _e(a.note or ""),
            ]
        )
    summary = (
        f"{len(items)} values and claims: {n_quoted} with a quote, {n_assumed} marked as explicit "
        f"modelling assumptions, {n_bare} with no provenance recorded."
    )
    return (
        "<section id='assumptions'><h2>Appendix A: every assumption and its provenance</h2>"
        f"<p>{_e(summary)}</p>"
        + _table(["field", "value", "source", "quote", "confidence", "note"], rows, "assumptions")
        + "</section>"
    )


def render(inp: ReportInput) -> str:
    """The report as one self-contained HTML document (plotly.js inlined, no network needed)."""
    from plotly.offline import get_plotlyjs

    figs = _Figures()
    result = inp.result
    sections = [_summary(inp), _sources(inp), _network(inp, figs)]
    if isinstance(result.get("arms"), list) and isinstance(result.get("rows"), list):
        sections += _compare_sections(inp, _comparison_from_rows(result), figs)
    elif isinstance(result.get("arms"), Mapping) and result["arms"]:
        sections += _compare_sections(inp, result, figs)
    if inp.kind == "sweep" or result.get("kind") == "sweep":
        sections += _sweep_sections(inp, result, figs)
    if inp.kind == "sensitivity" or "ranking" in result or "indices" in result:
        sections += _sensitivity_sections(inp, result, figs)
    sections += _forecast_sections(inp, result, figs)
    sections += _simulation_sections(inp, result, figs)
    if not any(s.startswith(("<section id='sweep'>", "<section id='arms'>")) for s in sections):
        for key, title in (
            ("points", "Sweep points"),
            ("table", "Results table"),
            ("rows", "Results table"),
        ):
            sections += _table_sections(result, key, title)
    sections += [_parameters(inp), _appendix(inp), _all_values(result)]
    body = "".join(x for x in sections if x)
    nav_items = [
        (sid, title)
        for sid, title in (
            ("summary", "Scenario"),
            ("sources", "Sources"),
            ("network", "Network"),
            ("arms", "Arms"),
            ("ranking", "Ranking"),
            ("sweep", "Sweep"),
            ("forecasts", "Forecasts"),
            ("outcomes", "Outcomes"),
            ("tension", "Tension"),
            ("positions", "Positions"),
            ("paths", "Paths"),
            ("assumptions", "Assumptions"),
        )
        if f"id='{sid}'" in body or f'id="{sid}"' in body
    ]
    from detente import __version__

    answer = _answer(inp, figs)
    css = (Path(__file__).parent / "templates" / "style.css").read_text("utf-8")
    return _render(
        "report.html.j2",
        generator=inp.detente_version or "",
        title=f"{inp.scenario.scenario.title} — detente {inp.kind} report",
        css=Markup(css),
        plotlyjs=Markup(get_plotlyjs()),
        scenario_title=inp.scenario.scenario.title,
        label=inp.label,
        facts=_facts(inp),
        answer=answer,
        nav=(([("answer", "Answer")] if answer else []) + nav_items),
        sections=[Markup(x) for x in sections if x],
        version=__version__,
        origin=f"run {inp.run_id}" if inp.run_id else "an unstored result",
    ) + "\n"


def write_report(run: StoredRun | ReportInput, out: str | Path) -> Path:
    """Write the report of a stored run (or of a :class:`ReportInput`) to ``out`` and return its path.

    Raises:
        DetenteError: ``out`` is a folder, or its folder cannot be written.
    """
    path = Path(out)
    if path.is_dir():
        raise DetenteError(
            f"{path}: is a folder (fix: give a file name such as {path / 'report.html'})"
        )
    if not isinstance(run, ReportInput) and run.kind == "backtest":
        # A stored backtest keeps its scores, not its questions: its report is written as it runs.
        raise DetenteError(
            f"run {run.id}: is a backtest, whose report is written when it runs "
            f"(fix: rerun it with `detente backtest … --report {path}`; "
            f"`detente runs show {run.id}` prints its stored scores)"
        )
    inp = run if isinstance(run, ReportInput) else ReportInput.from_run(run)
    text = render(inp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise DetenteError(
            f"{path}: cannot write the report: {exc.strerror} (fix: choose a writable -o path)"
        ) from None
    return path
