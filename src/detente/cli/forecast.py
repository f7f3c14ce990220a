"""``detente forecast``: forecast contested issues from a scenario or a bargaining table."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from detente.cli._app import app, console, err_console
from detente.cli._grammar import JsonFileOpt, SeedOpt, check_output, write_json, write_text
from detente.cli._progress import progress_bar
from detente.cli.store_cmds import NoStoreOpt, StoreOpt, record_run
from detente.engines.bargaining import (
    MODELS,
    EUOptions,
    ForecastResult,
    forecast_scenario,
    forecast_table,
    read_table,
)
from detente.errors import InputError

__all__ = ["forecast"]

_MAX_RELATIONS = 40  # pairwise relations printed per issue; --out/JSON keep them all


@app.command(
    epilog=(
        "Examples:\n\n"
        "  detente forecast korea-2018\n\n"
        "  detente forecast deu3-dev.csv --model all --out forecasts.csv\n\n"
        "  detente forecast bdm1994_emission_standards.csv --model expected-utility --rounds 8"
    )
)
def forecast(
    target: Annotated[
        str,
        typer.Argument(
            help="A scenario (shipped id or .toml path) or a CSV table "
            "(columns issue, actor, position, salience, capability[, status_quo, outcome]; "
            "KTAB's layout and the Actor/Capability/Position/Salience layout are also read)."
        ),
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help=f"Model: {', '.join(MODELS)} or all.")
    ] = "all",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write issue, model, forecast[, outcome, abs_error] as CSV.")
    ] = None,
    rounds: Annotated[int, typer.Option(min=1, max=1000, help="Rounds of the expected-utility model.")] = 10,
    q: Annotated[
        float, typer.Option(help="Expected-utility model: probability Q that the status quo holds.")
    ] = 1.0,
    seed: SeedOpt = 0,
    eu: Annotated[
        list[str] | None,
        typer.Option(
            "--eu",
            help="Expected-utility option KEY=VALUE, repeatable: probability=pair|all-pairs, "
            "perspective=receiver|proposer, choice=priority|closest, "
            "responder_salience=target|challenger, conflict_moves=true|false, t=0..1, "
            "forecast=median|mean.",
        ),
    ] = None,
    json_out: JsonFileOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    # No -q here: it would read like the --q option of the expected-utility model.
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Forecast where each contested issue ends up, with one bargaining model or all of them.

    With outcomes in the table, prints each model's mean absolute error and its bootstrap 95%
    interval. Example: detente forecast korea-2018
    """
    started = time.perf_counter()
    if out is not None:
        check_output(out, "--out")
    if json_out not in (None, "-"):
        check_output(json_out, "--json")
    eo = EUOptions(rounds=rounds, q=q, **_eu_options(eu or []))
    path = Path(target)
    if path.suffix.lower() in {".csv", ".tsv", ".txt"}:
        if not path.exists():
            raise InputError(f"{target}: no such table (fix: give the path of a CSV file)")
        df = read_table(path)
        with progress_bar("forecast", quiet=quiet) as bar:
            task = bar.add_task("forecast", total=None)
            result = forecast_table(df, model, file=str(path), eu_options=eo, seed=seed,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
        _print_table_result(result)
    else:
        from detente.scenario import load_scenario_file

        loaded = load_scenario_file(target)
        with progress_bar("forecast", quiet=quiet) as bar:
            task = bar.add_task("forecast", total=None)
            result = forecast_scenario(loaded.scenario, model, eu_options=eo, seed=seed,
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))
        _print_scenario_result(result)
        if not no_store:
            params = {"model": model, **dataclasses.asdict(eo)}
            record_run("forecast", loaded, params=params, seed=seed, result=result.to_dict(),
                       started=started, store=store)
    _warn_oscillation(result)
    if out is not None:
        write_text(out, result.frame().to_csv(index=False, float_format="%.6g"), "--out")
        console.print(f"wrote {out}")
    write_json(json_out, result.to_dict(), echo=console.print)


def _eu_options(items: list[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs into :class:`EUOptions` fields."""
    fields = [f.name for f in dataclasses.fields(EUOptions)]
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in fields or key in {"rounds", "q"}:
            known = ", ".join(k for k in fields if k not in {"rounds", "q"})
            raise InputError(
                f"--eu {item!r}: expected KEY=VALUE with KEY one of {known} "
                "(fix: e.g. --eu probability=pair; use --rounds and --q for those)"
            )
        value: Any = raw.strip()
        if key == "conflict_moves":
            if value.lower() not in {"true", "false"}:
                raise InputError(
                    f"--eu {item!r}: conflict_moves is true or false "
                    "(fix: --eu conflict_moves=false)"
                )
            value = value.lower() == "true"
        elif key == "t":
            try:
                value = float(value)
            except ValueError:
                raise InputError(
                    f"--eu {item!r}: t {value!r} is not a number (fix: --eu t=0.5)"
                ) from None
        out[key] = value
    return out


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _print_table_result(result: ForecastResult) -> None:
    many = len(result.issues) > 20
    if not many:
        tab = Table(title="Forecasts")
        tab.add_column("issue")
        for m in result.models:
            tab.add_column(m, justify="right")
        if any(i.outcome is not None for i in result.issues):
            tab.add_column("outcome", justify="right")
        for itm in result.issues:
            cells = [itm.issue, *(_fmt(itm.forecasts[m]) for m in result.models)]
            if len(tab.columns) > len(result.models) + 1:
                cells.append(_fmt(itm.outcome))
            tab.add_row(*cells)
        console.print(tab)
        for itm in result.issues:
            if itm.path is not None and len(result.issues) <= 3:
                _print_path(itm.issue, itm.path)
    else:
        console.print(f"forecast {len(result.issues)} issues with {', '.join(result.models)}")
    if result.scores:
        tab = Table(title=f"Mean absolute error over {result.scores[0].n} issues (bootstrap 95% interval)")
        tab.add_column("model")
        tab.add_column("MAE", justify="right")
        tab.add_column("95% interval", justify="right")
        paired = any(s.delta is not None for s in result.scores)
        if paired:
            tab.add_column("vs compromise (paired 95%)", justify="right")
        for s in sorted(result.scores, key=lambda s: s.mae):
            cells = [s.model, f"{s.mae:.2f}", f"{s.low:.2f} – {s.high:.2f}"]
            if paired:
                cells.append(
                    "" if s.delta is None
                    else f"{s.delta:+.2f} ({s.delta_low:+.2f} – {s.delta_high:+.2f})"
                )
            tab.add_row(*cells)
        console.print(tab)
        console.print(_verdict(result.scores), highlight=False, soft_wrap=True)


def _verdict(scores: Sequence[Any]) -> str:
    """Which model the record supports: the lowest error, and whether its paired interval excludes zero."""
    best = min(scores, key=lambda s: s.mae)
    if len(scores) == 1:
        return f"The record scores only {best.model} (MAE {best.mae:.2f})."
    if best.delta is not None and best.delta_high is not None and best.delta_high < 0:
        return (
            f"The record supports {best.model}: lowest error (MAE {best.mae:.2f}), and its paired 95% "
            f"interval against the compromise model excludes 0 ({best.delta_low:+.2f} – {best.delta_high:+.2f})."
        )
    if best.model == "compromise" or best.delta is None:
        return f"The record cannot tell the models apart: {best.model} has the lowest error (MAE {best.mae:.2f})."
    return (
        f"The record cannot tell the models apart: {best.model} has the lowest error (MAE {best.mae:.2f}), "
        f"but its paired 95% interval against the compromise model includes 0 "
        f"({best.delta_low:+.2f} – {best.delta_high:+.2f})."
    )


def oscillates(medians: Any, tol: float = 1e-9) -> bool:
    """Whether a round-by-round series keeps changing direction: the last four steps alternate in sign."""
    steps = [b - a for a, b in zip(medians[:-1], medians[1:], strict=True)]
    steps = [d for d in steps[-4:] if abs(d) > tol]
    if len(steps) < 3:
        return False
    return all(x * y < 0 for x, y in zip(steps[:-1], steps[1:], strict=True))


def _warn_oscillation(result: ForecastResult) -> None:
    swings = []
    for itm in result.issues:
        medians = list(getattr(itm.path, "medians", []))
        if itm.path is not None and oscillates(medians):
            swings.append((itm.issue, min(medians[-4:]), max(medians[-4:])))
    if not swings:
        return
    if len(swings) <= 3:
        where = "; ".join(f"{i} between {_fmt(lo)} and {_fmt(hi)}" for i, lo, hi in swings)
    else:
        where = f"{len(swings)} of {len(result.issues)} issues ({', '.join(i for i, _, _ in swings[:5])}, …)"
    err_console.print(
        f"warning: the expected-utility model oscillates in its last rounds on {where}; "
        "its forecast there depends on --rounds (compare --rounds 10 and 11)",
        highlight=False, soft_wrap=True, markup=False,
    )


def _print_scenario_result(result: ForecastResult) -> None:
    for itm in result.issues:
        console.print(f"Issue {itm.issue}", style="bold", markup=False, soft_wrap=True)
        tab = Table()
        tab.add_column("model")
        tab.add_column("forecast", justify="right")
        for m in result.models:
            tab.add_row(m, _fmt(itm.forecasts[m]))
        if itm.status_quo is not None:
            tab.add_row("(status quo)", _fmt(itm.status_quo))
        console.print(tab)
        if itm.path is not None:
            _print_path(itm.issue, itm.path)


def _print_path(issue: str, path: object) -> None:
    from detente.engines.bargaining import EUPath

    assert isinstance(path, EUPath)
    n = len(path.positions)
    name_w = min(max([len(a) for a in path.actors] + [6]), 12)
    fits = max(2, (console.width - name_w - 4) // 8)
    shown = sorted({int(round(x)) for x in np.linspace(0, n - 1, min(n, fits))})
    note = "" if len(shown) == n else f" (rounds {', '.join(map(str, shown))} of 0–{n - 1}; all in --json)"
    tab = Table(title=f"{issue}: expected-utility model, positions by round{note}")
    tab.add_column("", overflow="fold", max_width=name_w)
    for k in shown:
        tab.add_column(f"r{k}", justify="right", no_wrap=True, min_width=5)
    tab.add_row("median", *(_fmt(path.medians[k]) for k in shown), style="bold")
    tab.add_row("mean", *(_fmt(path.means[k]) for k in shown), end_section=True)
    for j, a in enumerate(path.actors):
        tab.add_row(a, *(_fmt(path.positions[k, j]) for k in shown))
    console.print(tab)
    moves = [r for r in path.relations if r.kind in {"conflict", "compromise", "capitulation"}]
    if not moves:
        return
    rel = Table(title=f"{issue}: predicted relations in round 1 (challenger → target)")
    for col in ("challenger", "target", "relation", "offer", "target moves", "accepted"):
        rel.add_column(col)
    moves.sort(key=lambda r: (not r.accepted, -r.move))
    for r in moves[:_MAX_RELATIONS]:
        rel.add_row(r.challenger, r.target, r.kind, _fmt(r.offer), _fmt(r.move),
                    "yes" if r.accepted else "")
    if len(moves) > _MAX_RELATIONS:
        rel.caption = f"{len(moves) - _MAX_RELATIONS} more in the JSON record"
    console.print(rel)
