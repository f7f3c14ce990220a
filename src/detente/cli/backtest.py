"""``detente backtest``: score forecasters on thousands of historical questions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, cast

import typer
from rich.table import Table

from detente.cli._app import app, console
from detente.cli.store_cmds import NoStoreOpt, StoreOpt, record_run
from detente.errors import InputError


def _split(items: list[str] | None) -> list[str]:
    return [p.strip() for item in items or [] for p in item.split(",") if p.strip()]


def _horizons(text: str) -> list[int]:
    try:
        out = [int(h) for h in text.split(",") if h.strip()]
    except ValueError:
        raise InputError(f"--horizons: {text!r} is not a list of months (fix: e.g. --horizons 3,6,12,24)") from None
    if not out:
        raise InputError("--horizons: no horizon given (fix: e.g. --horizons 3,6,12,24)")
    return out


def _cell(v: float, fmt: str) -> str:
    return "—" if v is None or v != v else fmt.format(v)


@app.command()
def backtest(
    classes: Annotated[list[str] | None, typer.Option("--classes", help="Question classes, comma-separated or repeated (default: all of the default run; `--list` shows them).")] = None,
    horizons: Annotated[str, typer.Option(help="Horizons in months, comma-separated.")] = "3,6,12,24",
    origins: Annotated[str | None, typer.Option(help="Origins for every class, e.g. 2016-01-01:2019-12-31:3 (start, end, step in months; default: each class's own grid).")] = None,
    events: Annotated[list[Path] | None, typer.Option("--events", help="An extra event table (date,source,target,cameo_code; .csv or .csv.gz); repeatable.")] = None,
    forecaster: Annotated[list[str] | None, typer.Option("--forecaster", help="Forecasters, comma-separated or repeated, or `all`.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write scores and every question's forecasts as JSON (`-` = stdout).")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write a self-contained HTML report here.")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="The data directory (default: $DETENTE_DATA or the user's data folder).")] = None,
    seed: Annotated[int, typer.Option("-s", "--seed", help="Seed of the learned models' samples and of the bootstrap.")] = 0,
    boot: Annotated[int, typer.Option(help="Bootstrap resamples (clustered by origin).")] = 1000,
    no_icews: Annotated[bool, typer.Option("--no-icews", help="Use only the --events tables, not the data directory's ICEWS 2005–2015.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the question classes and forecasters, then stop.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Score forecasters on historical questions: Brier, log score, calibration, AUC, by class.

    Example: detente backtest --classes missile-test,icbm-test --forecaster all --report bt.html
    """
    from detente.backtest import BASELINES, class_names, get_class
    from detente.backtest.classes import DEFAULT_CLASSES, Inputs
    from detente.backtest.run import Origins
    from detente.backtest.run import backtest as run_backtest

    if list_:
        t = Table(title="Question classes (default run marked *)")
        t.add_column("class")
        t.add_column("what is asked", overflow="fold")
        for name in class_names():
            g = get_class(name)
            star = "*" if name in DEFAULT_CLASSES else ""
            t.add_row(name + star, g.title)
        console.print(t)
        console.print("forecasters: " + ", ".join(BASELINES) + " (or all)", highlight=False)
        return
    started = time.perf_counter()
    hs = _horizons(horizons)
    org = Origins.parse(origins) if origins else None
    if boot < 10:
        raise InputError(f"--boot: {boot} resamples are too few (fix: use at least 10, e.g. 1000)")
    if boot > 100_000:  # each resample holds a weight per origin: 1e5 × a few hundred origins is ~0.5 GB
        raise InputError(f"--boot: {boot} resamples are more than 100,000 (fix: use e.g. 1000; 10,000 for a third digit)")
    inputs = Inputs(data=data, event_files=tuple(events or ()), use_default_events=not no_icews)
    for name in _split(classes):
        get_class(name)  # an unknown class fails before any data is read
    names = _split(forecaster) or ["all"]
    from detente.backtest.forecasters import get_forecasters

    get_forecasters(names)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=quiet, transient=True)
    with bar:
        task = bar.add_task("reading data, building questions", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description="forecasting (class × origin)", completed=done, total=total)

        result = run_backtest(_split(classes) or None, hs, org, names, events=list(events or ()), data=data,
                              seed=seed, n_boot=boot, progress=progress, inputs=inputs,
                              covariates=_covariates(data, optional=no_icews))
    print_result(result)
    summary = result.to_dict(with_questions=False)
    if not no_store:
        record_run("backtest", cast(Any, _record_target(result)), params=result.settings, seed=seed,
                   result={"forecasters": _store_scores(result.scores)}, started=started,
                   timings=result.timings, store=store)
    if json_out is not None:
        text = json.dumps(result.to_dict(), indent=None, allow_nan=True)
        if str(json_out) == "-":
            typer.echo(text)
        else:
            try:
                json_out.write_text(text, "utf-8")
            except OSError as exc:
                raise InputError(f"{json_out}: cannot write JSON ({exc.strerror or exc}) (fix: give a writable path)") from None
            console.print(f"wrote {json_out}", highlight=False)
    if report is not None:
        from detente.backtest.report import write_report

        write_report(result, report)
        console.print(f"wrote {report}", highlight=False)
    del summary


def _covariates(data: Path | None, *, optional: bool) -> Any:
    """Rivalry, alliance and capability covariates; without a data directory an events-only run goes on without them."""
    from detente.backtest.covariates import build_covariates, empty_covariates
    from detente.datadir import DataMissingError

    try:
        return build_covariates(data)
    except DataMissingError:
        if optional:
            return empty_covariates()
        raise


def _store_scores(scores: dict[str, Any]) -> dict[str, Any]:
    keep = ("n", "brier", "log", "ece", "auc", "sharpness", "bss", "reliability", "resolution", "uncertainty")
    return {n: {**{k: s.get(k) for k in keep}, "by_class": {c: {k: e.get(k) for k in keep} for c, e in s["by_class"].items()}} for n, s in scores.items()}


def _record_target(result: Any) -> SimpleNamespace:
    """What the run store records as the run's input: the backtest's settings, in place of a scenario."""
    import hashlib

    text = json.dumps(result.settings, indent=1, sort_keys=True)
    return SimpleNamespace(
        scenario=SimpleNamespace(id="backtest", scenario=SimpleNamespace(title="detente backtest")),
        path=Path("backtest"),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def print_result(result: Any) -> None:
    """Print the class counts, the overall score table and Brier skill by class (fits 80 columns)."""
    counts = result.counts()
    t = Table(title=f"{len(result.questions):,} questions")
    t.add_column("class")
    t.add_column("questions", justify="right")
    t.add_column("base rate", justify="right")
    for c, n, r in zip(counts["class"], counts["n"], counts["base_rate"], strict=True):
        t.add_row(c, f"{n:,}", f"{r:.4f}")
    console.print(t)
    for k, v in result.skipped.items():
        console.print(f"left out {k}: {v}", style="dim", highlight=False)
    t = Table(title="Scores, all questions (Brier 95% CI: bootstrap by origin)")
    for col, just in (("forecaster", "left"), ("Brier", "right"), ("95% CI", "right"), ("BSS", "right"),
                      ("log", "right"), ("ECE", "right"), ("AUC", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for name in result.forecasters:
        s = result.scores[name]
        ci = s.get("brier_ci")
        t.add_row(name, f"{s['brier']:.4f}", f"{ci[0]:.4f}–{ci[1]:.4f}" if ci else "", _cell(s.get("bss"), "{:+.3f}"),
                  f"{s['log']:.4f}", f"{s['ece']:.4f}", _cell(s["auc"], "{:.3f}"))
    console.print(t)
    names = result.forecasters
    short = {"climatology": "clim", "subject-rate": "subj", "persistence": "pers", "time-since": "KM", "logistic": "logit", "gbm": "gbm"}
    t = Table(title="Brier skill vs climatology by class (+ = better)")
    t.add_column("class")
    for n in names:
        if n != "climatology":
            t.add_column(short.get(n, n[:6]), justify="right")
    for cls in counts["class"]:
        row = [cls]
        for n in names:
            if n == "climatology":
                continue
            e = result.scores[n]["by_class"][cls]
            lo, hi = e.get("brier_diff_ci") or (0.0, 0.0)
            mark = "*" if hi < 0 else ""
            row.append(_cell(e.get("bss"), "{:+.3f}") + mark)
        t.add_row(*row)
    console.print(t)
    console.print("* the paired Brier difference's 95% interval lies below 0 (beats climatology).", style="dim")
    for n in names:
        if n == "climatology":
            continue
        s = result.scores[n]
        lo, hi = s.get("brier_diff_ci") or (float("nan"), float("nan"))
        verdict = "beats climatology" if hi < 0 else "worse than climatology" if lo > 0 else "no better than climatology"
        console.print(f"{n}: {verdict} (Brier Δ {s.get('brier_diff', float('nan')):+.4f} [{lo:+.4f}, {hi:+.4f}])", highlight=False)
