"""Run-store commands: ``runs list/show/diff/export/rm`` and ``report``.

Wherever a run id is taken, ``latest`` names the newest run and a unique prefix of an id is enough.
The store is ``--store``, else ``$DETENTE_STORE``, else ``~/.local/share/detente/runs.duckdb``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from detente.cli._app import app, console
from detente.cli._grammar import write_json
from detente.scenario.io import LoadedScenario
from detente.store import RunStore, StoredRun, default_store_path, diff_runs
from detente.store.runstore import StoreError

runs_app = typer.Typer(
    name="runs",
    help="List, show, compare, export and remove recorded runs. Example: detente runs list",
    no_args_is_help=True,
)
app.add_typer(runs_app, name="runs")

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="DETENTE_STORE",
        help="The run store file (default: $DETENTE_STORE or ~/.local/share/detente/runs.duckdb).",
        show_default=False,
    ),
]
NoStoreOpt = Annotated[
    bool, typer.Option("--no-store", help="Do not record this run in the run store.")
]
RunArg = Annotated[str, typer.Argument(help="A run id, a unique prefix of one, or `latest`.")]
JsonOpt = Annotated[
    str | None, typer.Option("--json", metavar="FILE", help="Write JSON to FILE instead of a table (`-`: standard output).")
]


def open_store(store: Path | None) -> RunStore:
    """The run store at ``store``, or the default one."""
    return RunStore(store if store is not None else default_store_path())


def record_run(
    kind: str,
    loaded: LoadedScenario,
    *,
    params: Mapping[str, Any],
    seed: int | None,
    result: Mapping[str, Any],
    started: float,
    timings: Mapping[str, float] | None = None,
    store: Path | None = None,
    argv: Sequence[str] | None = None,
) -> str:
    """Record a finished run for a command and print its id; the one call the run commands make.

    Args:
        kind: ``simulate``, ``forecast``, ``compare``, ``sweep`` or ``sensitivity``.
        loaded: The scenario as run.
        params: The command's parameters.
        seed: The seed (``None`` for a deterministic engine).
        result: The result's ``to_dict()``.
        started: ``time.perf_counter()`` when the command started (for the total wall time).
        timings: Further wall times in seconds (``{"run": …}``).
        store: ``--store`` (``None`` for the default).
        argv: The command line; by default ``sys.argv`` when run as the ``detente`` program.

    Returns:
        The run id.
    """
    if argv is None:
        program = Path(sys.argv[0]).name if sys.argv else ""
        argv = sys.argv[1:] if program in {"detente", "__main__.py"} else []
    all_timings = {**(timings or {}), "total": time.perf_counter() - started}
    rs = open_store(store)
    run_id = rs.record(
        kind, loaded, params=params, seed=seed, result=result, timings=all_timings, argv=list(argv)
    )
    console.print(f"run {run_id} recorded in {rs.path}", highlight=False, soft_wrap=True)
    console.print(f"  report: detente report {run_id} -o report.html", highlight=False, soft_wrap=True)
    return run_id


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _run_json(run: StoredRun, *, steps: bool = False) -> dict[str, Any]:
    out = {
        "id": run.id,
        "seq": run.seq,
        "kind": run.kind,
        "created_at": run.created_at.isoformat(),
        "scenario": run.scenario_id,
        "scenario_sha256": run.scenario_sha256,
        "scenario_path": run.scenario_path,
        "params": run.params,
        "seed": run.seed,
        "detente_version": run.detente_version,
        "timings": run.timings,
        "argv": run.argv,
        "label": run.label,
        "result": run.result,
    }
    if steps:
        out["steps"] = run.steps
    return out


@runs_app.command("list")
def list_runs(
    store: StoreOpt = None,
    kind: Annotated[
        str | None, typer.Option(help="Only runs of this kind (simulate, forecast, …).")
    ] = None,
    scenario: Annotated[str | None, typer.Option(help="Only runs of this scenario id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many runs, newest first.")] = 50,
    as_json: JsonOpt = None,
) -> None:
    """List recorded runs, newest first.

    Example: detente runs list --kind simulate --limit 10
    """
    rs = open_store(store)
    rows = rs.runs(kind=kind, scenario=scenario, limit=limit)
    if as_json is not None:
        write_json(
            as_json,
                [
                    {
                        "id": r.id,
                        "kind": r.kind,
                        "created_at": r.created_at.isoformat(),
                        "scenario": r.scenario_id,
                        "scenario_sha256": r.scenario_sha256,
                        "seed": r.seed,
                        "detente_version": r.detente_version,
                        "total_seconds": r.total_seconds,
                        "label": r.label,
                    }
                    for r in rows
                ],
        )
        return
    if not rows:
        console.print(f"no runs in {rs.path}", highlight=False)
        return
    table = Table(title=f"Runs in {rs.path}", box=box.SIMPLE_HEAD)
    for col in ("id", "kind", "scenario", "seed", "seconds", "label"):
        table.add_column(col, no_wrap=col in {"id", "kind", "scenario"})
    for r in rows:
        table.add_row(
            r.id,
            r.kind,
            r.scenario_id,
            _fmt(r.seed),
            f"{r.total_seconds:.1f}" if r.total_seconds is not None else "—",
            r.label,
        )
    console.print(table)


@runs_app.command("show")
def show_run(run: RunArg, store: StoreOpt = None, as_json: JsonOpt = None) -> None:
    """Show a run: its inputs, timings and summary results.

    Example: detente runs show latest
    """
    r = open_store(store).get(run, with_steps=as_json is not None)
    if as_json is not None:
        write_json(as_json, _run_json(r, steps=True))
        return
    console.print(
        f"[bold]run {r.id}[/bold]: {r.kind} of {r.scenario_id} ({r.scenario_path}), "
        f"recorded {r.created_at:%Y-%m-%d %H:%M:%S} UTC by detente {r.detente_version}",
        highlight=False,
        soft_wrap=True,
    )
    facts = Table(show_header=False, box=None)
    facts.add_column(style="dim")
    facts.add_column()
    facts.add_row("scenario sha256", r.scenario_sha256)
    facts.add_row("seed", _fmt(r.seed))
    for k, v in r.params.items():
        facts.add_row(f"params.{k}", _fmt(v))
    for k, v in r.timings.items():
        facts.add_row(f"timings.{k}", f"{v:.3f} s" if isinstance(v, int | float) else _fmt(v))
    if r.argv:
        facts.add_row("command", "detente " + " ".join(r.argv))
    console.print(facts)
    outcomes = r.result.get("outcomes")
    if isinstance(outcomes, Mapping) and outcomes:
        horizons: list[str] = []
        for by_h in outcomes.values():
            horizons += [h for h in by_h if h not in horizons]
        table = Table(
            title="Tracked outcomes: probability by horizon (95% interval)", box=box.SIMPLE_HEAD
        )
        table.add_column("outcome", no_wrap=True)
        for h in horizons:
            table.add_column(f"by {h}", justify="right")
        for oid, by_h in outcomes.items():
            cells = []
            for h in horizons:
                c = by_h.get(h)
                cells.append(
                    f"{c['p']:.3f} ({c['lo']:.3f}–{c['hi']:.3f})"
                    if isinstance(c, Mapping) and {"p", "lo", "hi"} <= set(c)
                    else "—"
                )
            table.add_row(oid, *cells)
        console.print(table)
    else:
        values = r.summary_values()
        table = Table(title=f"Summary results ({len(values)} numbers; first 40)")
        table.add_column("path")
        table.add_column("value", justify="right")
        for path, value in list(values.items())[:40]:
            table.add_row(path, f"{value:.4g}")
        console.print(table)


@runs_app.command("diff")
def diff(
    run_a: RunArg,
    run_b: RunArg,
    store: StoreOpt = None,
    tolerance: Annotated[
        float, typer.Option(min=0.0, help="Ignore result changes of at most this size.")
    ] = 0.0,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many changed results.")] = 40,
    outcome: Annotated[
        list[str] | None, typer.Option("--outcome", help="Only these outcomes (repeatable; default all).")
    ] = None,
    as_json: JsonOpt = None,
) -> None:
    """Show what changed between two runs: outcome probabilities first, then inputs and other results.

    Example: detente runs diff latest latest
    """
    rs = open_store(store)
    d = diff_runs(
        rs.get(run_a, with_steps=False), rs.get(run_b, with_steps=False), tolerance=tolerance
    )
    changes = outcome_changes(d.a.result, d.b.result, outcome)
    if as_json is not None:
        write_json(
            as_json,
            {
                "a": d.a.id,
                "b": d.b.id,
                "outcomes": changes,
                "inputs": [{"name": n, "a": x, "b": y} for n, x, y in d.inputs],
                "scenario_diff": d.scenario_diff,
                "results": [{"path": p, "a": x, "b": y} for p, x, y in d.results],
            },
        )
        return
    console.print(f"[bold]{d.a.id}[/bold] → [bold]{d.b.id}[/bold]", highlight=False)
    if changes:
        h = changes[0]["horizon"]
        table = Table(
            title=f"Outcome probabilities by step {h} in %, 95% intervals; Δ = B − A in points "
            "(Newcombe interval of two independent proportions; * excludes 0)"
        )
        table.add_column("outcome", overflow="fold", ratio=1)
        for col, w in (("A", 16), ("B", 16), ("Δ (95%)", 20)):
            table.add_column(col, justify="right", no_wrap=True, min_width=w)
        for c in changes:
            star = "*" if c["change_lo"] > 0 or c["change_hi"] < 0 else ""
            table.add_row(
                c["outcome"],
                f"{100 * c['a']:.1f} ({100 * c['a_lo']:.1f}–{100 * c['a_hi']:.1f})",
                f"{100 * c['b']:.1f} ({100 * c['b_lo']:.1f}–{100 * c['b_hi']:.1f})",
                f"{100 * c['change']:+.1f}{star} ({100 * c['change_lo']:+.1f}…{100 * c['change_hi']:+.1f})",
            )
        console.print(table)
    elif outcome:
        raise StoreError(
            f"--outcome {', '.join(outcome)}: not an outcome both runs report "
            "(fix: see `detente runs show` for the outcome ids)"
        )
    if not d.inputs:
        console.print("inputs: the same", highlight=False)
    else:
        table = Table(title="Inputs that changed")
        for col in ("input", d.a.id, d.b.id):
            table.add_column(col)
        for name, x, y in d.inputs:
            table.add_row(name, _fmt(x), _fmt(y))
        console.print(table)
    if d.scenario_diff:
        console.print("scenario text:", highlight=False)
        for line in d.scenario_diff[:60]:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
        if len(d.scenario_diff) > 60:
            console.print(f"… {len(d.scenario_diff) - 60} more diff lines", highlight=False)
    if not d.results:
        console.print("results: the same", highlight=False)
        return
    table = Table(title=f"Results that changed ({len(d.results)}; largest first)")
    for col in ("result", d.a.id, d.b.id, "change"):
        table.add_column(col, justify="left" if col == "result" else "right")
    for path, x, y in d.results[:limit]:
        change = _fmt(y - x) if x is not None and y is not None else "only in one"
        change = change if change.startswith(("-", "only")) else f"+{change}"
        table.add_row(path, _fmt(x), _fmt(y), change)
    console.print(table)


def outcome_changes(
    a: Mapping[str, Any], b: Mapping[str, Any], only: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Each outcome both results report, at their last common horizon: A, B and B − A with intervals.

    The difference's interval is Newcombe's hybrid score interval (method 10 of Newcombe 1998) from the
    two Wilson intervals the runs stored, treating the runs as independent samples.
    """
    oa, ob = a.get("outcomes"), b.get("outcomes")
    if not isinstance(oa, Mapping) or not isinstance(ob, Mapping):
        return []
    rows = []
    for oid in oa:
        if oid not in ob or (only and oid not in only):
            continue
        common = [h for h in oa[oid] if h in ob[oid]]
        cells = [(oa[oid][h], ob[oid][h]) for h in common]
        cells = [(x, y) for x, y in cells if isinstance(x, Mapping) and isinstance(y, Mapping) and {"p", "lo", "hi"} <= set(x) & set(y)]
        if not cells:
            continue
        h = common[-1]
        x, y = oa[oid][h], ob[oid][h]
        delta = y["p"] - x["p"]
        lo = delta - math.sqrt((y["p"] - y["lo"]) ** 2 + (x["hi"] - x["p"]) ** 2)
        hi = delta + math.sqrt((y["hi"] - y["p"]) ** 2 + (x["p"] - x["lo"]) ** 2)
        rows.append({
            "outcome": oid, "horizon": h, "a": x["p"], "a_lo": x["lo"], "a_hi": x["hi"],
            "b": y["p"], "b_lo": y["lo"], "b_hi": y["hi"], "change": delta, "change_lo": lo, "change_hi": hi,
        })
    return rows


@runs_app.command("export")
def export(
    run: RunArg,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet", metavar="DIR", help="Folder to write run/values/steps .parquet and scenario.toml into."
        ),
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option("--csv", metavar="DIR", help="Folder to write run/values/steps .csv and scenario.toml into."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Export a run as Parquet and/or CSV files (for pandas, R, DuckDB, a spreadsheet) with the scenario text.

    Example: detente runs export latest --parquet out/run --csv out/run-csv
    """
    if parquet is None and csv is None:
        raise StoreError("runs export: nothing to write (fix: give --parquet DIR and/or --csv DIR)")
    rs = open_store(store)
    files: list[Path] = []
    if parquet is not None:
        files += rs.export_parquet(run, parquet)
    if csv is not None:
        import tempfile

        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if csv.exists() and not csv.is_dir():
            raise StoreError(f"{csv}: exists and is not a folder (fix: give a folder path for --csv)")
        with tempfile.TemporaryDirectory() as tmp:
            written = rs.export_parquet(run, tmp)
            csv.mkdir(parents=True, exist_ok=True)
            for f in written:
                if f.suffix == ".parquet":
                    target = csv / f"{f.stem}.csv"
                    pacsv.write_csv(_csv_ready(pq.read_table(f)), target)
                else:
                    target = csv / f.name
                    target.write_bytes(f.read_bytes())
                files.append(target)
    for f in files:
        console.print(str(f), highlight=False, soft_wrap=True)


def _csv_ready(table: Any) -> Any:
    """Nested columns (lists, maps, structs) as JSON text: CSV holds flat values only."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = [json.dumps(v, ensure_ascii=False, default=str) for v in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(values, pa.string()))
    return table


@runs_app.command("rm")
def remove(run: RunArg, store: StoreOpt = None) -> None:
    """Remove a run from the store.

    Example: detente runs rm 20261123-101500-ab12
    """
    rs = open_store(store)
    removed = rs.remove(run)
    console.print(f"removed run {removed} from {rs.path}", highlight=False, soft_wrap=True)


@app.command()
def report(
    run: RunArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    store: StoreOpt = None,
) -> None:
    """Write a self-contained HTML report of a run (opens without network).

    Example: detente report latest -o report.html
    """
    from detente.report import write_report

    path = write_report(open_store(store).get(run, with_steps=False), out)
    console.print(str(path.resolve()), highlight=False, soft_wrap=True)
