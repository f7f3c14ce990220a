"""``detente simulate`` and ``detente calibrate``: thin wrappers over the escalation engine."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from detente.cli._app import app, console
from detente.cli._engine import (
    CalibrationOpt,
    EngineName,
    EngineOpt,
    KernelName,
    KernelOpt,
    choose_engine,
)
from detente.cli._grammar import (
    DEFAULT_RUNS,
    JsonFileOpt,
    QuietOpt,
    RunsOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    check_output,
    parse_set,
    write_json,
)
from detente.cli.store_cmds import NoStoreOpt, StoreOpt, record_run
from detente.engines.escalation.result import ENGINE_STATES
from detente.errors import InputError


@app.command()
def simulate(
    scenario: Annotated[str, typer.Argument(help="A shipped scenario id (korea-2018) or a .toml path.")],
    runs: RunsOpt = DEFAULT_RUNS,
    horizon: Annotated[int | None, typer.Option(min=1, max=600, help="Steps to run (default: the scenario's horizon).")] = None,
    seed: SeedOpt = 0,
    strategy: Annotated[str | None, typer.Option(help="A strategy id of the scenario to apply.")] = None,
    off: Annotated[list[str] | None, typer.Option("--off", metavar="ID", help="Switch a mechanism instance off, by its id or its type (repeatable): --off K11.")] = None,
    set_: SetOpt = None,
    workers: WorkersOpt = None,
    json_out: JsonFileOpt = None,
    quiet: QuietOpt = False,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    engine: EngineOpt = EngineName.AUTO,
    calibration: CalibrationOpt = None,
    kernel: KernelOpt = KernelName.AUTO,
    keep_paths: Annotated[
        Path | None,
        typer.Option("--keep-paths", metavar="FILE", help="Also write every run's arrays (first hits, conditional "
                     "probabilities, crisis states) to FILE as compressed .npz, for numpy.load."),
    ] = None,
) -> None:
    """Run a Monte Carlo engine and print outcome odds (anchored: with both intervals and base rates).

    Quotes are not checked here (`detente validate` does that); fields and references are.

    The anchored engine (the default when every outcome has a reference class and a calibration is at
    hand) runs the scenario on hazards fitted to history; `--engine qre` runs the quantal-response
    escalation engine (tension, positions and paths as well).

    Without `--keep-paths` the anchored engine keeps each run's first hits
    and summaries of the rest (means exact, quantiles within a stated
    resolution), so memory stays small at any `--runs`.

    Example: detente simulate korea-2018 -n 2000 --horizon 24 -s 7 --json out.json
    """
    from detente.engines.escalation import simulate as run_simulation
    from detente.scenario.io import load_scenario_file

    started = time.perf_counter()
    if json_out not in (None, "-"):
        check_output(json_out, "--json")
    if keep_paths is not None:
        check_output(keep_paths, "--keep-paths")
    loaded = load_scenario_file(scenario, check_quotes=False)
    scen = loaded.scenario
    overrides = parse_set(set_, scen)
    chosen, cal_path, why = choose_engine(engine, scen, calibration, loaded.path)
    if chosen == "anchored":
        _simulate_anchored(loaded, cal_path, runs=runs, horizon=horizon, seed=seed, strategy=strategy, off=off,
                           overrides=overrides, workers=workers, quiet=quiet, json_out=json_out, store=store,
                           no_store=no_store, started=started, kernel=kernel.value,
                           keep_paths=keep_paths)
        return
    result = run_simulation(
        scen,
        runs=runs,
        horizon=horizon,
        seed=seed,
        strategy=strategy,
        overrides=overrides,
        mechanisms_off=tuple(off or ()),
        progress=not quiet,
        workers=workers,
    )
    run_seconds = time.perf_counter() - started
    summary = result.to_dict()
    print_summary(summary)
    _plausibility(loaded, result, strategy, tuple(off or ()))
    console.print(f"simulated in {run_seconds:.1f} s; {why}", style="dim", highlight=False)
    if keep_paths is not None:
        _write_paths(keep_paths, result)
    if not no_store:
        params = {"engine": "qre", "runs": runs, "horizon": horizon, "strategy": strategy, "mechanisms_off": sorted(off or []),
                  "overrides": overrides}
        record_run("simulate", loaded, params=params, seed=seed, result=summary, started=started,
                   timings={"run": run_seconds}, store=store)
    write_json(json_out, summary, echo=console.print)


def _simulate_anchored(loaded: Any, cal_path: Any, *, runs: int, horizon: int | None, seed: int, strategy: str | None,
                       off: list[str] | None, overrides: Any, workers: int | None, quiet: bool, json_out: str | None,
                       store: Any, no_store: bool, started: float, kernel: str = "auto",
                       keep_paths: Path | None = None) -> None:
    from detente.cli.anchored_output import print_anchored
    from detente.engines.anchored import simulate as run_anchored

    result = run_anchored(
        loaded.scenario, calibration=cal_path, runs=runs, horizon=horizon, seed=seed, strategy=strategy,
        overrides=overrides, mechanisms_off=tuple(off or ()), workers=workers, progress=not quiet, file=loaded.path,
        kernel=kernel,
        keep_paths=keep_paths is not None,
    )
    run_seconds = time.perf_counter() - started
    summary = result.to_dict()
    print_anchored(summary)
    console.print(f"simulated in {run_seconds:.1f} s", style="dim")
    if keep_paths is not None:
        _write_paths(keep_paths, result)
    if not no_store:
        params = {"engine": "anchored", "calibration": str(cal_path), "runs": runs, "horizon": horizon,
                  "strategy": strategy, "mechanisms_off": sorted(off or []), "overrides": overrides}
        record_run("simulate", loaded, params=params, seed=seed, result=summary, started=started,
                   timings={"run": run_seconds}, store=store)
    write_json(json_out, summary, echo=console.print)


def _write_paths(path: Path, result: Any) -> None:
    """``--keep-paths FILE``: the run's per-run arrays and their names, as compressed .npz (one line says where)."""
    result.save_paths(path)
    console.print(f"wrote {result.runs:,} runs' arrays to {path} (numpy.load)", highlight=False, soft_wrap=True)


def print_summary(d: dict[str, Any]) -> None:
    """Print a simulation summary (the dict of ``SimulationResult.to_dict()``)."""
    hs = [str(h) for h in d["horizons"]]
    strat = f", strategy {d['strategy']}" if d.get("strategy") else ""
    console.print(f"[bold]{d['scenario']}[/bold]: {d['runs']} runs × {d['horizon']} steps, seed {d['seed']}{strat}")
    tracked = {k: v for k, v in d["outcomes"].items() if not k.startswith("engine:")}
    engine = {k: v for k, v in d["outcomes"].items() if k.startswith("engine:")}

    def cells(by: dict[str, dict[str, float]]) -> list[str]:
        return [f"{by[h]['p']:.3f} [{by[h]['lo']:.3f}, {by[h]['hi']:.3f}]" for h in hs]

    t = Table(title="Scenario outcomes: probability by step (95% Wilson interval)")
    t.add_column("scenario outcome")
    for h in hs:
        t.add_column(f"by {h}", justify="right")
    for oid, by in tracked.items():
        t.add_row(oid, *cells(by))
    console.print(t)
    if engine:
        t = Table(title="The engine's own states, over every rival dyad (not scenario outcomes)")
        t.add_column("state")
        for h in hs:
            t.add_column(f"by {h}", justify="right")
        for oid, by in engine.items():
            t.add_row(oid, *cells(by))
        console.print(t)
        for oid in engine:
            console.print(f"  {oid}: {ENGINE_STATES.get(oid, '')}", style="dim", highlight=False)
    steps = sorted({0, *[int(h) for h in hs]})
    t = Table(title="Expected tension of each pair (mean; 0 = none) — the 12 highest at the end")
    t.add_column("pair")
    for s in steps:
        t.add_column(f"step {s}", justify="right")
    ranked = sorted(d["tension"].items(), key=lambda kv: -kv[1]["mean"][-1])[:12]
    for pair, band in ranked:
        t.add_row(pair, *[f"{band['mean'][s]:.2f}" for s in steps])
    console.print(t)
    if d["positions"]:
        t = Table(title="Status quo of each issue (mean [5%, 95%])")
        t.add_column("issue")
        for s in steps:
            t.add_column(f"step {s}", justify="right")
        for iss, band in d["positions"].items():
            t.add_row(iss, *[f"{band['mean'][s]:.1f} [{band['q05'][s]:.0f}, {band['q95'][s]:.0f}]" for s in steps])
        console.print(t)
    for kind in ("war", "settlement"):
        paths = d["paths"][kind]
        t = Table(title=f"Most common paths to {kind}")
        t.add_column("path")
        t.add_column("share", justify="right")
        for row in paths:
            t.add_row(row["path"] or "(none before)", f"{row['share']:.3f}")
        if not paths:
            t.add_row(f"(no {kind} in any run)", "")
        console.print(t)
    console.print(d["paths"]["definition"], style="dim")


@app.command()
def calibrate(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A shipped scenario id or .toml path: fit the anchored engine's calibration for it (every reference its outcomes name)."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="The data directory (default: $DETENTE_DATA, else the user's data folder); its history/ tables are read."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the fitted values as JSON here (with SCENARIO: default anchor-<id>.json).")] = None,
    runs: RunsOpt = DEFAULT_RUNS,
    seed: SeedOpt = 0,
    json_out: JsonFileOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Fit data-based values: the anchored engine's calibration of a scenario, or the escalation engine's defaults.

    With SCENARIO: fit, with data dated before its as-of date only, the backbone hazard of every reference
    class its outcomes name and the crisis state of their dyads, and write the calibration JSON.
    Without: fit the escalation engine's defaults and show how well korea-2018 then matches history.
    Needs the history data set (`detente data status` shows it; `detente data download history` gets it).

    Example: detente calibrate korea-2018 -o anchor-korea-2018.json
    """
    if scenario is not None:
        _calibrate_anchor(scenario, data, out, json_out, seed, quiet)
        return
    from detente.calibrate import fit
    from detente.calibrate.check import fit_check
    from detente.datadir import dataset_dir
    from detente.engines.escalation.params import calibration

    history = dataset_dir("history", data)
    fitted = fit(history)
    shipped = calibration().get("values", {})
    t = Table(title="Fitted values (data up to 2018-02-25)")
    t.add_column("value")
    t.add_column("fitted", justify="right")
    t.add_column("shipped", justify="right")
    t.add_column("source")
    for name, entry in fitted["values"].items():
        value = entry["value"]
        if isinstance(value, dict):
            shown = f"{len(value)} entries"
            same = "same" if shipped.get(name, {}).get("value") == value else "differs"
        else:
            shown = f"{value:g}"
            same = f"{shipped.get(name, {}).get('value', float('nan')):g}"
        t.add_row(name, shown, same, entry["source"])
    console.print(t)
    wt = fitted["values"].get("war_termination_hazard")
    if wt:
        fits = ", ".join(f"data to {y}: {v:g}" for y, v in wt["value"].items())
        console.print(f"war_termination_hazard (monthly; {fits}): {wt['method']}")
    wb = fitted["values"].get("war_termination_weibull")
    if wb:
        fits = ", ".join(f"data to {y}: first month {v['first_month']:g}, shape k {v['shape']:g}" for y, v in wb["value"].items())
        console.print(f"war_termination_weibull (the engine's default; {fits}): {wb['method']}")
    rows = fit_check(history, runs=runs, seed=seed)
    t = Table(title="Fit check: korea-2018 simulated vs. the history it was fitted on")
    for col in ("quantity", "history", "model", "tolerance", "note"):
        t.add_column(col, justify="right" if col in ("history", "model") else "left")
    for row in rows:
        within = row["tolerance"] + ("" if row["ok"] else " (outside)")
        t.add_row(row["quantity"], f"{row['history']:.3f}", f"{row['model']:.3f}", within, row["note"])
    console.print(t)
    if out is not None:
        try:
            out.write_text(json.dumps(fitted, indent=1, ensure_ascii=False), "utf-8")
        except OSError as exc:
            raise InputError(f"{out}: cannot write JSON ({exc.strerror}) (fix: give a writable path)") from None
        console.print(f"wrote {out}")


def _calibrate_anchor(scenario: str, data: Path | None, out: Path | None, json_out: str | None, seed: int, quiet: bool) -> None:
    """``detente calibrate SCENARIO``: fit and write the anchored engine's calibration."""
    from detente.anchor.scenario import calibrate_scenario, scenario_refs
    from detente.cli._progress import progress_bar
    from detente.scenario.io import load_scenario_file

    loaded = load_scenario_file(scenario, check_quotes=False)
    scen = loaded.scenario
    target = check_output(out or Path(f"anchor-{scen.scenario.id}.json"), "--out")
    if json_out not in (None, "-"):
        check_output(json_out, "--json")
    refs, _ = scenario_refs(scen, loaded.path)
    with progress_bar(f"fitting {scen.scenario.id}", quiet=quiet) as bar:
        task = bar.add_task("fit", total=len(refs) + 1)
        cal = calibrate_scenario(scen, data, loaded.path, seed=seed, progress=lambda _k: bar.advance(task))
    cal.check(scen.scenario.as_of)
    cal.save(target)
    if json_out == "-":
        write_json(json_out, cal.to_dict())
        return
    t = Table(title=f"{scen.scenario.id}: reference classes fitted on data before {scen.scenario.as_of}")
    for col in ("class | subject", "window", "events", "rate/mo", "subject"):
        t.add_column(col, justify="left" if col in ("class | subject", "window") else "right", overflow="fold")
    for key, c in cal.classes.items():
        sr = "—" if c.subject_rate is None else f"{c.subject_rate:.4f}"
        t.add_row(key, f"{c.window[0]}…{c.window[1]}", str(c.n_events), f"{c.base_rate:.4f}", sr)
    console.print(t)
    s = Table(title="Crisis states (standardised hostility index; AR(1) fitted)")
    for col in ("dyad", "start", "rho", "sigma", "w", "how the start was estimated"):
        s.add_column(col, justify="left" if col in ("dyad", "how the start was estimated") else "right", overflow="fold")
    for key, st in cal.states.items():
        s.add_row(key, f"{st.z0:+.2f}", f"{st.rho:.2f}", f"{st.sigma:.2f}", f"{st.w:.2f}", st.z0_method)
    console.print(s)
    tt = cal.test_trend
    if tt is not None:
        fitted = f"{tt.mean:+.3f}/yr (se {tt.se:.3f})" if tt.mean is not None and tt.se is not None else tt.note
        console.print(f"E08 trend ({tt.actor} test days, {tt.window[0]}…{tt.window[1]}, n {tt.n}): {fitted}")
    write_json(json_out, cal.to_dict())
    console.print(f"wrote {target} (as of {cal.as_of}; every source's last row is before it)")


def _plausibility(loaded: Any, result: Any, strategy: str | None, off: tuple[str, ...]) -> None:
    """Warn (one line each, stderr) about implausible values, idle strategies and outcomes far from base rates."""
    from detente.cli.scenario_cmds import print_warnings
    from detente.scenario.plausibility import base_rate_warnings, static_warnings

    scen = loaded.scenario
    print_warnings(
        str(loaded.path),
        static_warnings(scen) + base_rate_warnings(scen, result, strategy=strategy, mechanisms_off=off),
    )
