"""Experiment commands: ``compare``, ``sweep`` and ``sensitivity`` (thin wrappers over detente.experiments)."""

from __future__ import annotations

import time
from enum import StrEnum
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
    split_set,
    write_json,
)
from detente.cli._progress import ProgressBackend, progress_bar
from detente.cli.store_cmds import NoStoreOpt, StoreOpt, record_run
from detente.errors import InputError

ScenarioArg = Annotated[str, typer.Argument(help="A .toml scenario file, or a shipped scenario id.")]


class BackendName(StrEnum):
    """Where runs execute."""

    LOCAL = "local"
    DASK = "dask"


class ComponentsMode(StrEnum):
    """Which component arms a comparison adds."""

    ALONE = "alone"
    DROP = "drop"
    BOTH = "both"
    NONE = "none"


class DesignName(StrEnum):
    """Sweep designs."""

    GRID = "grid"
    LHS = "lhs"


class SeedingName(StrEnum):
    """Seeds of sweep points."""

    COMMON = "common"
    INDEPENDENT = "independent"


class MethodName(StrEnum):
    """Sensitivity methods."""

    SOBOL = "sobol"
    MORRIS = "morris"


HorizonOpt = Annotated[int | None, typer.Option("--horizon", min=1, max=600, help="Steps to simulate (default: the scenario's).")]
PlotOpt = Annotated[
    list[Path] | None,
    typer.Option("--plot", help="Write the figure: FILE.png, FILE.html, or a name without suffix for both."),
]
BackendOpt = Annotated[BackendName, typer.Option("--backend", help="local (this process) or dask.")]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (default: start a LocalCluster).")
]
OutcomeOpt = Annotated[list[str] | None, typer.Option("--outcome", help="Outcome id to report (repeatable; default all).")]


def _load_file(name: str) -> Any:
    from detente.scenario import load_scenario_file

    return load_scenario_file(name, check_quotes=False)



def _write_json(path: str | None, data: dict[str, Any]) -> None:
    write_json(path, data, echo=lambda text: console.print(text, highlight=False))


def _check_outputs(json_out: str | None, plots: list[Path] | None, csv_out: Path | None = None) -> None:
    """Refuse unwritable output files before any run."""
    if json_out not in (None, "-"):
        check_output(json_out, "--json")
    for p in plots or []:
        check_output(p, "--plot")
    if csv_out is not None:
        check_output(csv_out, "--csv")


def _write_plots(paths: list[Path] | None, figures: Any) -> None:
    if not paths:
        return
    from detente.experiments.plots import write_figures

    mpl, ply = figures()
    for p in paths:
        for written in write_figures(mpl, ply, p):
            console.print(f"wrote {written}", highlight=False)


def _overrides(sets: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for path, value in split_set(sets):
        if not isinstance(value, float):
            raise InputError(f"--set {path}={value}: not a number (fix: compare fixes numeric fields, e.g. --set actors.USA.doctrine=0.3)")
        out[path] = value
    return out


def _runner(engine: EngineName, s: Any, calibration: Path | None, file: Any, outcomes: Any, kernel: str = "auto") -> tuple[str, Any]:
    """The engine a command runs on and its runner (``None``: the escalation engine's default)."""
    chosen, cal_path, why = choose_engine(engine, s, calibration, file)
    if chosen != "anchored":
        return chosen, None
    from detente.engines.anchored import backbone
    from detente.engines.anchored.kernel import choose_kernel
    from detente.engines.anchored.runner import AnchoredRunner

    choose_kernel(kernel)  # refuse `--kernel compiled` without Numba here, not in every worker
    return chosen, AnchoredRunner(s, backbone.load(cal_path) if cal_path else None, tuple(outcomes), kernel=kernel)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


@app.command()
def compare(
    scenario: ScenarioArg,
    strategy: Annotated[list[str], typer.Option("--strategy", help="Strategy id to compare (repeatable).")],
    baseline: Annotated[str, typer.Option("--baseline", help="Baseline: `none` (no strategy) or a strategy id.")] = "none",
    runs: RunsOpt = DEFAULT_RUNS,
    seed: SeedOpt = 0,
    horizon: HorizonOpt = None,
    components: Annotated[
        ComponentsMode, typer.Option("--components", help="Component arms: alone, drop, both or none.")
    ] = ComponentsMode.ALONE,
    outcome: OutcomeOpt = None,
    at: Annotated[int | None, typer.Option("--at", help="Horizon shown in the table and figure (default: the run's).")] = None,
    set_: SetOpt = None,
    json_out: JsonFileOpt = None,
    plot: PlotOpt = None,
    backend: BackendOpt = BackendName.LOCAL,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    quiet: QuietOpt = False,
    engine: EngineOpt = EngineName.AUTO,
    calibration: CalibrationOpt = None,
    kernel: KernelOpt = KernelName.AUTO,
) -> None:
    """Compare strategies against a baseline with common random numbers, component by component.

    Every arm runs the same seeds replicate by replicate, so differences are paired (Newcombe 95 %
    intervals; * marks an interval that excludes zero).

    Example: detente compare korea-2018 --strategy russia-five-countermeasures --strategy us-maximum-pressure --baseline none --runs 20000 --json cmp.json --plot cmp
    """
    from detente.experiments import compare as run_compare
    from detente.experiments import make_backend
    from detente.experiments.plots import comparison_figures

    started = time.perf_counter()
    _check_outputs(json_out, plot)
    loaded = _load_file(scenario)
    s = loaded.scenario
    chosen, runner = _runner(engine, s, calibration, loaded.path, outcome or (), kernel.value)
    with make_backend(backend.value, scheduler, workers) as inner, progress_bar("compare", quiet=quiet) as bar:
        be = ProgressBackend(inner, bar)
        result = run_compare(
            s,
            strategy,
            baseline=None if baseline == "none" else baseline,
            runs=runs,
            seed=seed,
            horizon=horizon,
            components=components.value,
            overrides=_overrides(set_),
            outcomes=outcome or (),
            backend=be,
            runner=runner,
        )
    h = at or result.horizon
    if h not in result.horizons:
        raise InputError(f"--at {h}: not a reported horizon (fix: use one of {', '.join(map(str, result.horizons))})")
    main = [a for a in result.arms if a.kind in ("baseline", "strategy")]
    table = Table(
        title=f"{result.scenario}: P(outcome by step {h}) in %, {result.runs} runs per arm, seed {result.seed}; "
        f"Δ = arm − {result.baseline} in points, * = 95% interval excludes 0"
    )
    # One name column (the outcome on its own row, its arms indented beneath) keeps the table within
    # 80 columns with names unbroken: outcome and strategy ids are up to ~30 characters each.
    table.add_column("outcome / arm", overflow="fold", ratio=1)
    table.add_column("P %", justify="right", no_wrap=True, min_width=5)
    table.add_column("95%", justify="right", no_wrap=True, min_width=9)
    table.add_column("Δ", justify="right", no_wrap=True, min_width=6)
    table.add_column("95%", justify="right", no_wrap=True, min_width=11)
    for o in result.outcomes:
        table.add_row(f"[bold]{o}[/bold]", "", "", "", "")
        for k, a in enumerate(main):
            r = result.row(o, h, a.id)
            e = r.effect
            table.add_row(
                f"  {a.id}",
                _pct(r.probability.p),
                f"{_pct(r.probability.lo)}–{_pct(r.probability.hi)}",
                f"{e.p * 100:+.1f}{'*' if r.significant else ''}" if e else "",
                f"{e.lo * 100:+.1f}…{e.hi * 100:+.1f}" if e else "",
                end_section=k == len(main) - 1,
            )
    console.print(table)
    for sid in dict.fromkeys(a.strategy for a in result.arms if a.kind in ("alone", "drop")):
        comps = [a for a in result.arms if a.kind in ("alone", "drop") and a.strategy == sid]
        ct = Table(
            title=f"{sid}: effect of each component by step {h}, in points (alone: component − {result.baseline}; "
            "drop: full − full without it); * = 95% interval excludes 0"
        )
        ct.add_column("outcome", overflow="fold", ratio=1)
        for a in comps:
            ct.add_column(f"{a.component}" + (" (drop)" if a.kind == "drop" else ""), justify="right", overflow="fold", min_width=6)
        for o in result.outcomes:
            cells = [o]
            for a in comps:
                r = result.row(o, h, a.id)
                e = r.effect
                cells.append(f"{e.p * 100:+.1f}{'*' if r.significant else ''}" if e else "")
            ct.add_row(*cells)
        console.print(ct)
    summary = {"engine": chosen, **result.to_dict()}
    _write_json(json_out, summary)
    if not no_store:
        params = {"engine": chosen, "strategies": list(strategy), "baseline": baseline, "runs": runs, "horizon": horizon,
                  "components": components.value, "outcomes": list(outcome or []), "set": list(set_ or []),
                  "backend": backend.value}
        record_run("compare", loaded, params=params, seed=seed, result=summary, started=started, store=store)
    _write_plots(plot, lambda: comparison_figures(result, h))


@app.command()
def sweep(
    scenario: ScenarioArg,
    vary: Annotated[
        list[str],
        typer.Option("--vary", help="PATH=lo:hi:n (grid), PATH=a,b,c, or PATH=lo:hi (lhs); repeatable."),
    ],
    design: Annotated[DesignName, typer.Option("--design", help="grid (product of values) or lhs (Latin hypercube).")] = DesignName.GRID,
    points: Annotated[int | None, typer.Option("--points", help="Latin hypercube points.")] = None,
    runs: RunsOpt = DEFAULT_RUNS,
    seed: SeedOpt = 0,
    seeding: Annotated[
        SeedingName, typer.Option("--seeding", help="common (every point uses --seed) or independent (derived per point).")
    ] = SeedingName.COMMON,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Strategy applied at every point.")] = None,
    horizon: HorizonOpt = None,
    outcome: OutcomeOpt = None,
    json_out: JsonFileOpt = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write a long table (point, outcome, horizon) as CSV.")] = None,
    plot: PlotOpt = None,
    backend: BackendOpt = BackendName.LOCAL,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Tabulate outcome probabilities over a grid or Latin hypercube of numeric scenario fields.

    Paths: actors.USA.doctrine, actors.USA.resolve, mechanisms.K11.rate, relations.us-prk-rivalry.tension,
    issues.ISSUE.positions.ACTOR.salience, engine.rationality.

    Example: detente sweep korea-2018 --vary actors.USA.doctrine=0:1:11 --vary mechanisms.K11.rate=0:0.1:3 --runs 2000 --plot sweep
    """
    from detente.experiments import make_backend
    from detente.experiments import sweep as run_sweep
    from detente.experiments.plots import sweep_figures

    started = time.perf_counter()
    _check_outputs(json_out, plot, csv_out)
    loaded = _load_file(scenario)
    s = loaded.scenario
    with make_backend(backend.value, scheduler, workers) as inner, progress_bar("sweep", quiet=quiet) as bar:
        be = ProgressBackend(inner, bar)
        result = run_sweep(
            s,
            vary,
            design=design.value,
            points=points,
            runs=runs,
            seed=seed,
            seeding=seeding.value,
            strategy=strategy,
            horizon=horizon,
            outcomes=outcome or (),
            backend=be,
        )
    h = result.horizons[-1]
    shown = list(outcome or result.outcomes)
    _print_sweep_points(result, shown, h)
    trend = Table(title=f"Linear trend of P(by step {h}) per unit of each parameter, 95% (* excludes 0)")
    trend.add_column("outcome", overflow="fold", ratio=1)
    for p in result.params:
        trend.add_column(p, justify="right", overflow="fold", min_width=24)
    for o in shown:
        t = result.trend(o)
        trend.add_row(o, *(f"{t[p].p:+.3f} [{t[p].lo:+.3f}, {t[p].hi:+.3f}]{'*' if t[p].excludes_zero() else ''}" for p in result.params))
    console.print(trend)
    _write_json(json_out, result.to_dict())
    if not no_store:
        params = {"vary": list(vary), "design": design.value, "points": points, "runs": runs,
                  "seeding": seeding.value, "strategy": strategy, "horizon": horizon,
                  "outcomes": list(outcome or []), "backend": backend.value}
        record_run("sweep", loaded, params=params, seed=seed, result=result.to_dict(), started=started, store=store)
    if csv_out is not None:
        if not csv_out.parent.exists():
            raise InputError(f"--csv {str(csv_out)!r}: folder does not exist (fix: create it or choose another path)")
        result.to_frame().to_csv(csv_out, index=False)
        console.print(f"wrote {csv_out}", highlight=False)
    _write_plots(plot, lambda: sweep_figures(result, outcome or ()))


def _print_sweep_points(result: Any, shown: list[str], h: int) -> None:
    """Outcomes as rows, points as columns, in as many tables as the terminal width needs.

    A point's header stacks its parameter values; probabilities are never cut.
    """
    width = console.width
    name_w = min(max([len(o) for o in shown] + [7]), 24)
    per = max(1, (width - name_w - 4) // 9)
    n = len(result.points)
    keys = "; ".join(f"{p}" for p in result.params)
    for start in range(0, n, per):
        idx = list(range(start, min(n, start + per)))
        table = Table(
            title=f"{result.scenario}: P(outcome by step {h}) in %, {result.runs} runs a point "
            f"({result.seeding} seeds); columns: points {idx[0] + 1}–{idx[-1] + 1} of {n} ({keys})"
        )
        table.add_column("outcome", overflow="fold", max_width=name_w)
        for i in idx:
            table.add_column("\n".join(f"{v:.4g}" for v in result.points[i]), justify="right", no_wrap=True, min_width=5)
        for o in shown:
            table.add_row(o, *(_pct(result.interval(i, o, h).p) for i in idx))
        console.print(table)


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    outcome: Annotated[str, typer.Option("--outcome", help="The tracked outcome whose probability is analysed.")],
    params: Annotated[
        list[str],
        typer.Option("--params", "-p", help="PATH=lo:hi, comma-separated or repeated; PATH alone means ±25 %."),
    ],
    method: Annotated[MethodName, typer.Option("--method", help="sobol (first/total order) or morris (screen).")] = MethodName.SOBOL,
    samples: Annotated[
        int | None, typer.Option("--samples", help="Sobol base sample N (power of 2; default 256) or Morris trajectories (default 20).")
    ] = None,
    runs: RunsOpt = DEFAULT_RUNS,
    seed: SeedOpt = 0,
    horizon: HorizonOpt = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Strategy applied at every point.")] = None,
    json_out: JsonFileOpt = None,
    plot: PlotOpt = None,
    backend: BackendOpt = BackendName.LOCAL,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Rank parameters by their influence on one outcome: Sobol indices or the Morris screen (SALib).

    Sobol costs N·(k+2) points, Morris r·(k+1); every point runs --runs replicates with the same seed.

    Example: detente sensitivity korea-2018 --outcome war --params actors.USA.doctrine=0:1,actors.PRK.doctrine=0:1,mechanisms.K11.rate=0:0.1 --samples 64 --runs 500 --plot sens
    """
    from detente.experiments import make_backend
    from detente.experiments import sensitivity as run_sensitivity
    from detente.experiments.plots import sensitivity_figures

    started = time.perf_counter()
    _check_outputs(json_out, plot)
    loaded = _load_file(scenario)
    s = loaded.scenario
    with make_backend(backend.value, scheduler, workers) as inner, progress_bar("sensitivity", quiet=quiet) as bar:
        be = ProgressBackend(inner, bar)
        result = run_sensitivity(
            s,
            outcome,
            params,
            method=method.value,
            samples=samples,
            runs=runs,
            horizon=horizon,
            seed=seed,
            strategy=strategy,
            backend=be,
        )
    table = Table(title=f"{result.method.title()} sensitivity of {result.output}: {result.evaluations} points × {runs} runs")
    table.add_column("rank", justify="right")
    table.add_column("parameter")
    keys = ["ST", "ST_conf", "S1", "S1_conf"] if result.method == "sobol" else ["mu_star", "mu_star_conf", "mu", "sigma"]
    for k in keys:
        table.add_column(k, justify="right")
    for i, idx in enumerate(result.indices, 1):
        table.add_row(str(i), idx.name, *(f"{idx[k]:.3f}" for k in keys))
    console.print(table)
    share = result.settings.get("noise_share")
    if share is not None:
        console.print(
            f"output mean {result.y_mean:.3f}, variance {result.y_var:.3g}; Monte Carlo noise is at most "
            f"{100 * share:.0f}% of that variance (raise --runs if it is large)",
            highlight=False,
        )
    _write_json(json_out, result.to_dict())
    if not no_store:
        settings = {"outcome": outcome, "params": list(params), "method": method.value, "samples": samples,
                    "runs": runs, "horizon": horizon, "strategy": strategy, "backend": backend.value}
        record_run("sensitivity", loaded, params=settings, seed=seed, result=result.to_dict(), started=started,
                   store=store)
    _write_plots(plot, lambda: sensitivity_figures(result))
