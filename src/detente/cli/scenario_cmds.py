"""Scenario commands: ``scenarios``, ``validate``, ``show`` and ``graph``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from detente.cli._app import app, console
from detente.scenario import load_scenario, load_scenario_file, shipped_scenarios
from detente.scenario.checks import quote_check, walk
from detente.scenario.model import (
    Alliance,
    Channel,
    Partnership,
    Provenance,
    Rivalry,
    Sanctions,
    Scenario,
)
from detente.scenario.plausibility import format_warning, static_warnings

ScenarioArg = Annotated[str, typer.Argument(help="A .toml scenario file, or a shipped scenario id.")]


@app.command()
def scenarios() -> None:
    """List the scenarios that ship with detente.

    Example: detente scenarios
    """
    table = Table(title="Shipped scenarios")
    for col in ("id", "title", "as of", "actors", "mechanisms", "outcomes"):
        table.add_column(col)
    for sid in shipped_scenarios():
        s = load_scenario(sid, check_quotes=False)
        table.add_row(
            sid,
            s.scenario.title,
            str(s.scenario.as_of),
            str(len(s.actors)),
            str(len(s.mechanisms)),
            str(len(s.outcomes)),
        )
    console.print(table)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Validate a scenario: its fields, references between them, and every quote against its source.

    Every problem of the file is listed at once.

    Example: detente validate korea-2018
    """
    from detente.errors import DetenteError
    from detente.scenario.io import validation_errors

    problems = validation_errors(scenario)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        from detente.cli._app import err_console

        for p in problems:
            err_console.print(str(p), markup=False, highlight=False, soft_wrap=True)
        raise DetenteError(
            f"{problems[0].file}: {len(problems)} problems, listed above "
            "(fix: correct each, then run detente validate again)"
        )
    loaded = load_scenario_file(scenario, check_quotes=False)
    quotes = quote_check(loaded.scenario, loaded.path)
    s = loaded.scenario
    n_unchecked = sum(quotes.unchecked.values())
    console.print(
        f"[green]ok[/green] {loaded.path}: scenario {s.id!r} as of {s.scenario.as_of}: "
        f"{len(s.actors)} actors, {len(s.issues)} issues, {len(s.relations)} relations, "
        f"{len(s.mechanisms)} mechanisms, {len(s.strategies)} strategies, {len(s.outcomes)} "
        f"outcomes; {quotes.checked} quotes found in their sources"
        + (f", {n_unchecked} not checked" if n_unchecked else ""),
        highlight=False,
        soft_wrap=True,
    )
    from detente.cli._app import err_console
    from detente.scenario.sources import missing_fix

    for m in quotes.missing:
        err_console.print(
            f"note: {loaded.path}: {quotes.unchecked.get(m.source.id, 0)} quotes not checked: article "
            f"{m.source.id!r} is not in the article folders (fix: {missing_fix(m)})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    print_warnings(str(loaded.path), static_warnings(s))


def print_warnings(file: str, warnings: list[tuple[str, str]]) -> None:
    """Plausibility warnings, one line each on stderr (they never change the exit status)."""
    from detente.cli._app import err_console

    for path, message in warnings:
        err_console.print(format_warning(file, path, message), markup=False, highlight=False, soft_wrap=True)


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def provenance_text(p: Provenance) -> str:
    """A short account of where a value comes from: its quote, or its source and note."""
    if p.quote:
        return f"“{p.quote}” ({p.source})" if p.source else f"“{p.quote}”"
    parts = [x for x in (p.source, p.note) if x]
    return ": ".join(parts)


def _cell(text: str, limit: int = 0) -> Text:
    """A table cell shown literally (square brackets are field paths, not markup), maybe shortened."""
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return Text(text)


def _relation_row(rel: object) -> tuple[str, str, str]:
    if isinstance(rel, Alliance):
        ed = ", extended deterrence" if rel.extended_deterrence else ""
        return "alliance", f"{rel.senior} (senior) → {', '.join(rel.junior)}", f"{rel.obligation}{ed}"
    if isinstance(rel, Sanctions):
        pressed = f"; pressed: {', '.join(rel.pressured)}" if rel.pressured else ""
        return (
            f"sanctions ({rel.regime.value})",
            f"{', '.join(rel.enforcers)} → {rel.target}{pressed}",
            f"intensity {_fmt(rel.intensity.value)}",
        )
    if isinstance(rel, Channel):
        return f"channel (track {rel.track})", " · ".join(rel.members), f"{rel.name}: {rel.state.value}"
    if isinstance(rel, Partnership | Rivalry):
        return rel.kind, " · ".join(rel.members), ""
    return "?", "", ""  # pragma: no cover


def mechanism_coverage(s: Scenario) -> list[tuple[str, str, str, str]]:
    """Rows ``(id, name and type, where represented, quote or assumption)`` for every declared instance."""
    rows = []
    for m in s.mechanisms:
        where = ", ".join(m.represented_by) or "(mechanism entry)"
        if not m.enabled:
            where = f"disabled: {where}"
        why = m.quote or (f"assumption: {m.note}" if m.source == "assumption" and m.note else m.source or "")
        rows.append((m.id, f"{m.name} ({m.type})", where, why))
    return rows


@app.command()
def show(scenario: ScenarioArg) -> None:
    """Show a scenario: actors, issues with positions, relations, and mechanism coverage.

    Example: detente show korea-2018
    """
    s = load_scenario(scenario)
    meta = s.scenario
    console.print(
        f"[bold]{meta.title}[/bold] ({meta.id}), as of {meta.as_of}; step = {meta.time_step.value}, "
        f"horizon = {meta.horizon}",
        highlight=False,
    )
    for src in s.sources:
        who = ", ".join(x for x in (src.author, src.publisher) if x)
        console.print(f"  source {src.id}: {src.title}" + (f" — {who}" if who else ""), highlight=False)

    actors = Table(title="Actors")
    for col in ("id", "name", "kind", "leader", "mil", "econ", "dipl", "nuclear", "doctrine"):
        actors.add_column(col)
    for a in s.actors:
        leader = a.leader_on(meta.as_of)
        c = a.capabilities
        actors.add_row(
            a.id,
            a.name,
            a.kind.value,
            leader.name if leader else "",
            _fmt(c.military.value),
            _fmt(c.economic.value),
            _fmt(c.diplomatic.value),
            c.nuclear_status.value,
            _fmt(a.doctrine.value),
        )
    console.print(actors)

    for issue in s.issues:
        t = Table(
            title=f"Issue {issue.id}: {issue.name} — {issue.low:g} = {issue.low_means}; "
            f"{issue.high:g} = {issue.high_means}; status quo {issue.status_quo.value:g}"
        )
        for col in ("actor", "position", "salience", "where the position comes from"):
            t.add_column(col)
        for p in issue.positions:
            t.add_row(
                p.actor,
                _fmt(p.position.value),
                _fmt(p.salience.value),
                _cell(provenance_text(p.position), 100),
            )
        console.print(t)

    rels = Table(title="Relations")
    for col in ("id", "kind", "who", "detail"):
        rels.add_column(col)
    for i, rel in enumerate(s.relations):
        kind, who, detail = _relation_row(rel)
        rels.add_row(_cell(rel.id or f"[{i}]"), kind, _cell(who), _cell(detail))
    console.print(rels)

    cov = Table(title="Mechanism coverage")
    for col in ("id", "mechanism (type)", "represented by", "quote or assumption"):
        cov.add_column(col)
    rows = mechanism_coverage(s)
    for mid, name, where, quote in rows:
        cov.add_row(mid, name, _cell(where), _cell(quote, 110))
    console.print(cov)
    quoted = sum(1 for m in s.mechanisms if m.quote)
    sourced = sum(1 for _, o in walk(s) if isinstance(o, Provenance) and o.quote)
    console.print(
        f"{len(rows)} mechanisms declared ({quoted} with a quote, {len(rows) - quoted} assumptions); "
        f"{sourced} values carry a quote.",
        highlight=False,
    )
    from detente.cli.anchored_output import print_references

    print_references(s)


@app.command()
def graph(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output file: .png or .html.")],
) -> None:
    """Draw the alliance/rivalry/sanctions/channel network as a PNG or a self-contained HTML file.

    Example: detente graph korea-2018 -o korea.png
    """
    from detente.scenario.graph import write_graph

    s = load_scenario(scenario, check_quotes=False)
    path = write_graph(s, out)
    console.print(f"wrote {path}", highlight=False)
