"""The Python API for notebooks and scripts: Python values in, results with ``to_frame()`` out.

The functions take Python values (a scenario object or id, ``runs=…``, a mapping of field paths to
values), never CLI strings, and their errors name arguments (``runs=0``), not command-line flags::

    import detente
    korea = detente.load_scenario("korea-2018")
    sim = detente.simulate(korea, runs=2000, seed=1)
    sim.to_frame()                       # one row per outcome and horizon: p, lo, hi
    cmp = detente.compare(korea, ["moon-engagement"], runs=2000, seed=1)
    cmp.to_frame()                       # effects in percentage points, as the CLI prints them
    sw = detente.sweep(korea, {"actors.USA.doctrine": [0.0, 0.5, 1.0]}, runs=500)
    sw.to_frame()

Every result also renders itself as an HTML table in Jupyter (``_repr_html_``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from detente.engines.anchored.result import AnchoredResult
from detente.engines.escalation.result import SimulationResult
from detente.errors import InputError
from detente.experiments.compare import Comparison
from detente.experiments.sweep import SweepResult
from detente.scenario import Scenario
from detente.scenario import load_scenario as _load_scenario

ScenarioLike = Scenario | str | Path
EngineChoice = Literal["auto", "anchored", "qre"]
"""The Monte Carlo engine of a run: as ``--engine`` on the command line."""
"""A scenario object, the id of a shipped scenario (``"korea-2018"``), or the path of a TOML file."""

# The library's messages were written for the CLI; these rewrite its flag names as argument names.
_FLAGS = (
    (re.compile(r"--vary/--params "), "field "),
    (re.compile(r"--vary "), "vary "),
    (re.compile(r"--set "), "overrides "),
    (re.compile(r"--runs (\S+?):"), r"runs=\1:"),
    (re.compile(r"--seed (\S+?):"), r"seed=\1:"),
    (re.compile(r"--strategy "), "strategy="),
    (re.compile(r"--outcome "), "outcome="),
    (re.compile(r"--design lhs needs --points N"), "design='lhs' needs points=N"),
    (re.compile(r"--design "), "design="),
    (re.compile(r"--points N"), "points=N"),
    (re.compile(r"e\.g\. --runs (\d+)"), r"e.g. runs=\1"),
    (re.compile(r"e\.g\. --seed (\d+)"), r"e.g. seed=\1"),
    (re.compile(r"add e\.g\. --points (\d+)"), r"pass e.g. points=\1"),
    (re.compile(r"--off "), "mechanisms_off="),
)


def _as_python(message: str) -> str:
    for pattern, repl in _FLAGS:
        message = pattern.sub(repl, message)
    return message


@contextmanager
def _python_errors() -> Iterator[None]:
    """Re-raise the library's input errors with argument names instead of CLI flags."""
    try:
        yield
    except InputError as exc:
        raise InputError(_as_python(str(exc))) from None


def load_scenario(scenario: ScenarioLike) -> Scenario:
    """Load and check a scenario: a shipped id (``"korea-2018"``), a TOML path, or a Scenario (returned).

    Raises:
        ScenarioError: The file is malformed or fails a check; the message names the field and the fix.
    """
    if isinstance(scenario, Scenario):
        return scenario
    return _load_scenario(scenario)


def _check_runs_seed(runs: object, seed: object) -> None:
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InputError(f"runs={runs!r}: not a positive whole number (fix: pass e.g. runs=10000)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed={seed!r}: not a non-negative whole number (fix: pass e.g. seed=7)")


def _check_strategy(sc: Scenario, strategy: str | None, what: str = "strategy") -> None:
    ids = [s.id for s in sc.strategies]
    if strategy is not None and strategy not in ids:
        raise InputError(f"{sc.id}: {what}={strategy!r}: no such strategy (fix: use one of {', '.join(ids)})")


def simulate(
    scenario: ScenarioLike,
    *,
    runs: int = 10000,
    seed: int = 0,
    horizon: int | None = None,
    strategy: str | None = None,
    overrides: Mapping[str, float | str | bool] | None = None,
    mechanisms_off: Sequence[str] = (),
    progress: bool = False,
    engine: EngineChoice = "auto",
    calibration: str | Path | None = None,
    keep_paths: bool = False,
) -> SimulationResult | AnchoredResult:
    """Simulate a scenario ``runs`` times on the engine ``detente simulate`` would choose.

    Args:
        scenario: A scenario, a shipped id or a TOML path.
        runs: Replicates.
        seed: Root seed; the same seed gives the same numbers (serial or parallel).
        horizon: Steps (months); default the scenario's horizon.
        strategy: A strategy id of the scenario to apply, or None.
        overrides: Field paths to values, e.g. ``{"actors.USA.doctrine": 0.3}``.
        mechanisms_off: Mechanism ids to switch off, e.g. ``["K11"]``.
        progress: Show a progress bar on stderr.
        engine: ``"auto"`` (as the CLI: the anchored engine when every outcome has a reference class
            and a calibration is at hand, else the quantal-response one), ``"anchored"`` or ``"qre"``.
        calibration: A fitted calibration file for the anchored engine (default: the shipped one).
        keep_paths: The anchored engine: keep every run's conditional probabilities and crisis states
            (``result.cond``, ``result.z``, ``result.save_paths(file)``) beside the summaries. The
            quantal-response engine keeps its per-run arrays always.

    Returns:
        The result (:class:`AnchoredResult` or the quantal-response :class:`SimulationResult`; its
        ``engine`` attribute says which): ``to_frame()`` for the outcome odds, ``to_dict()`` for everything.

    Raises:
        InputError: A bad argument; the message names it and the fix.
    """
    from detente.experiments.overrides import resolve_path

    sc = load_scenario(scenario)
    _check_runs_seed(runs, seed)
    _check_strategy(sc, strategy)
    chosen, cal_path = _engine(engine, sc, calibration)
    with _python_errors():
        resolved: dict[str, float | str | bool] = {}
        for path, value in (overrides or {}).items():
            # Numbers take either path form (actors.USA.doctrine or actors[USA].doctrine), as in compare.
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            resolved[resolve_path(sc, path).key if numeric else path] = value
        if chosen == "anchored":
            from detente.engines.anchored import simulate as _anchored

            return _anchored(
                sc, calibration=cal_path, runs=runs, seed=seed, horizon=horizon, strategy=strategy,
                overrides=resolved, mechanisms_off=tuple(mechanisms_off), progress=progress, keep_paths=bool(keep_paths),
            )  # fmt: skip
        from detente.engines.escalation import simulate as _simulate

        return _simulate(
            sc, runs=runs, seed=seed, horizon=horizon, strategy=strategy,
            overrides=resolved, mechanisms_off=tuple(mechanisms_off), progress=progress,
        )  # fmt: skip


def _engine(engine: object, sc: Scenario, calibration: str | Path | None) -> tuple[str, Path | None]:
    """The engine an API call runs on (:func:`detente.engines.choice.choose_engine`) and its calibration."""
    from detente.engines.choice import ENGINES, choose_engine

    if not isinstance(engine, str) or engine not in ENGINES:
        raise InputError(f"engine={engine!r}: unknown engine (fix: pass one of {', '.join(repr(e) for e in ENGINES)})")
    chosen, cal_path, _why = choose_engine(engine, sc, calibration, sc.id)
    return chosen, cal_path


def compare(
    scenario: ScenarioLike,
    strategies: Sequence[str],
    *,
    baseline: str | None = None,
    runs: int = 10000,
    seed: int = 0,
    horizon: int | None = None,
    components: Literal["alone", "drop", "both", "none"] = "alone",
    overrides: Mapping[str, float] | None = None,
    outcomes: Sequence[str] = (),
    engine: EngineChoice = "auto",
    calibration: str | Path | None = None,
) -> Comparison:
    """Compare strategies (and their components) against a baseline with common random numbers.

    Args:
        scenario: A scenario, a shipped id or a TOML path.
        strategies: Strategy ids of the scenario.
        baseline: A strategy id as the baseline, or None for no strategy.
        runs: Replicates per arm.
        seed: Root seed shared by every arm.
        horizon: Steps; default the scenario's horizon.
        components: Component arms to add: ``"alone"``, ``"drop"``, ``"both"`` or ``"none"``.
        overrides: Field paths to values applied to every arm.
        outcomes: Outcome ids to report (default: all tracked outcomes).
        engine: ``"auto"`` (as ``detente compare``), ``"anchored"`` or ``"qre"``; see :func:`simulate`.
        calibration: A fitted calibration file for the anchored engine (default: the shipped one).

    Returns:
        The comparison: ``to_frame()`` gives one row per outcome, horizon and arm, with the effect in
        percentage points and its 95 % interval.

    Raises:
        InputError: A bad argument; the message names it and the fix.
    """
    from detente.experiments import compare as _compare

    sc = load_scenario(scenario)
    _check_runs_seed(runs, seed)
    if isinstance(strategies, str):
        strategies = [strategies]
    if not strategies:
        raise InputError("strategies=[]: nothing to compare (fix: pass strategy ids of the scenario)")
    for s in strategies:
        _check_strategy(sc, s, "strategies")
    _check_strategy(sc, baseline, "baseline")
    known = [o.id for o in sc.outcomes]
    for o in outcomes:
        if o not in known:
            raise InputError(f"{sc.id}: outcomes={o!r}: not a tracked outcome (fix: use one of {', '.join(known)})")
    chosen, cal_path = _engine(engine, sc, calibration)
    runner = None
    if chosen == "anchored":
        from detente.engines.anchored import backbone
        from detente.engines.anchored.runner import AnchoredRunner

        runner = AnchoredRunner(sc, backbone.load(cal_path) if cal_path else None, tuple(outcomes))
    with _python_errors():
        return _compare(
            sc, list(strategies), baseline=baseline, runs=runs, seed=seed, horizon=horizon,
            components=components, overrides={k: float(v) for k, v in (overrides or {}).items()},
            outcomes=tuple(outcomes), runner=runner,
        )  # fmt: skip


def sweep(
    scenario: ScenarioLike,
    vary: Mapping[str, Sequence[float]],
    *,
    design: Literal["grid", "lhs"] = "grid",
    points: int | None = None,
    runs: int = 10000,
    seed: int = 0,
    seeding: Literal["common", "independent"] = "common",
    strategy: str | None = None,
    horizon: int | None = None,
    outcomes: Sequence[str] = (),
) -> SweepResult:
    """Run a grid or Latin hypercube sweep over numeric scenario fields, on the quantal-response engine.

    Sweeps run the quantal-response engine (``engine="qre"`` in :func:`simulate`): the anchored engine's
    levers are not sweepable fields yet.

    Args:
        scenario: A scenario, a shipped id or a TOML path.
        vary: Field paths to values: for ``design="grid"`` the values to try
            (``{"actors.USA.doctrine": [0, 0.5, 1]}``), for ``"lhs"`` the bounds ``(lo, hi)``.
        design: ``"grid"`` (every combination) or ``"lhs"`` (``points`` Latin hypercube points).
        points: Latin hypercube points.
        runs: Replicates per point.
        seed: Root seed.
        seeding: ``"common"`` (every point uses ``seed``) or ``"independent"``.
        strategy: A strategy id applied at every point, or None.
        horizon: Steps; default the scenario's horizon.
        outcomes: Outcome ids to report (default: all).

    Returns:
        The sweep: ``to_frame()`` gives one row per point, outcome and horizon.

    Raises:
        InputError: A bad argument; the message names it and the fix.
    """
    from detente.experiments import sweep as _sweep
    from detente.experiments.overrides import resolve_path
    from detente.experiments.sweep import Dimension

    sc = load_scenario(scenario)
    _check_runs_seed(runs, seed)
    _check_strategy(sc, strategy)
    if not isinstance(vary, Mapping) or not vary:
        raise InputError("vary: give a mapping of field paths to values (fix: e.g. vary={'actors.USA.doctrine': [0, 0.5, 1]})")
    if design not in ("grid", "lhs"):
        raise InputError(f"design={design!r}: unknown design (fix: use 'grid' or 'lhs')")
    dims = []
    with _python_errors():
        for path, values in vary.items():
            vals = tuple(float(v) for v in values)
            if design == "lhs" and len(vals) != 2:
                raise InputError(f"vary[{path!r}]: give the bounds (lo, hi) for design='lhs' (fix: e.g. (0.0, 1.0))")
            if not vals:
                raise InputError(f"vary[{path!r}]: no values (fix: give at least one value)")
            dims.append(Dimension(resolve_path(sc, path), vals))
        return _sweep(
            sc, dims, design=design, points=points, runs=runs, seed=seed, seeding=seeding,
            strategy=strategy, horizon=horizon, outcomes=tuple(outcomes),
        )  # fmt: skip
