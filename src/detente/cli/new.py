"""``detente new``: a scenario for any countries, built from the history data as of a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli._app import app, console, err_console
from detente.cli.data import DataOpt, use_data
from detente.errors import InputError


def _as_of(value: str | None) -> dt.date:
    if value is None:
        raise InputError("--as-of: missing (fix: give the scenario's date, e.g. --as-of 2019-02-14)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of {value!r}: not a date (fix: use YYYY-MM-DD, e.g. --as-of 2019-02-14)") from None


@app.command()
def new(
    countries: Annotated[
        str | None, typer.Option("--countries", help="ISO3 codes, comma-separated: IND,PAK,CHN.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date the scenario knows up to (YYYY-MM-DD).")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write the scenario (TOML) here.")] = None,
    data: DataOpt = None,
    template: Annotated[
        bool, typer.Option("--template", help="Write an annotated blank scenario with the scale of every field.")
    ] = False,
    runs: Annotated[int, typer.Option("-n", "--runs", help="Replicates per fitting simulation.", min=100)] = 2000,
    seed: Annotated[int, typer.Option("-s", "--seed", help="Seed of the fitting simulations.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Write a commented, runnable scenario for COUNTRIES as of a date, from the history data.

    Capabilities (COW NMC), alliances (ATOP), rivalries (Thompson et al.) with their starting tension
    (GDELT/ICEWS), nuclear status, and standard outcomes (use of force, agreement, visits) with their
    reference classes and base rates; every row read is dated before the as-of date, and every value
    to check carries a note starting with CHECK.

    Example: detente new --countries IND,PAK,CHN --as-of 2019-02-14 -o india.toml
    """
    from detente.scenario.build import build, render_toml, template_toml

    use_data(data)
    if template:
        if out is None:
            console.print(template_toml(), markup=False, highlight=False, soft_wrap=True)
            return
        _write(out, template_toml())
        console.print(f"wrote {out}: a blank scenario; every field says its scale", highlight=False)
        return
    if countries is None:
        raise InputError("--countries: missing (fix: e.g. --countries IND,PAK,CHN, or --template for a blank)")
    day = _as_of(as_of)
    if out is None:
        raise InputError("-o/--out: missing (fix: e.g. -o india.toml)")
    if quiet or not err_console.is_terminal:
        built = build(countries, day, data, runs=runs, seed=seed)
    else:
        with err_console.status("reading the history data and fitting the dyad propensities…"):
            built = build(countries, day, data, runs=runs, seed=seed)
    text = render_toml(built)
    # The file must read back and validate before it is written.
    from detente.scenario import check_references, parse_scenario

    check_references(parse_scenario(text, out), out)
    _write(out, text)
    s = built.scenario
    console.print(
        f"wrote {out}: {len(s.actors)} actors, {len(s.relations)} relations, {len(s.outcomes)} standard "
        f"outcomes; every row read is dated before {day}",
        highlight=False,
    )
    table = Table(title="Standard outcomes: base rate and the engine with every mechanism off (12 months)")
    table.add_column("outcome")
    table.add_column("base rate", justify="right")
    table.add_column("engine", justify="right")
    table.add_column("reference class")
    for o in s.outcomes:
        base, got = built.fit.get(o.id, (o.base_rate.value if o.base_rate else float("nan"), float("nan")))
        note = (o.base_rate.note or "") if o.base_rate else ""
        ref = note.removeprefix("reference class: ").split(";")[0]
        table.add_row(o.id, f"{base:.3f}", f"{got:.3f}", ref)
    console.print(table)
    checks = text.count("CHECK:")
    console.print(f"{checks} values carry a note starting with CHECK: review them before you rely on the file.")


def _write(path: Path, text: str) -> None:
    if path.parent and not path.parent.exists():
        raise InputError(f"{path}: folder {path.parent} does not exist (fix: create it or choose another path)")
    try:
        path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}) (fix: give a writable path)") from None
