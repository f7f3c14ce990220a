"""Sweeps: outcome probabilities over a grid or a Latin hypercube of numeric scenario fields.

``--vary actors.USA.doctrine=0:1:11`` gives eleven values from 0 to 1; several ``--vary`` options make a
full grid (their product), or, with ``design="lhs"``, ``points`` Latin hypercube points over the ranges.
Every point runs ``runs`` replicates. By default all points share the root seed (common random numbers),
so a parameter that the outcome does not depend on gives *identical* probabilities at every point and a
real effect is not buried in run-to-run noise; ``seeding="independent"`` gives each point its own seed
derived from the root with ``SeedSequence.spawn``.

References:
    - McKay, Beckman & Conover (1979). A comparison of three methods for selecting values of input
      variables in the analysis of output from a computer code. Technometrics 21:239-245.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from detente.errors import InputError
from detente.experiments.backends import Backend, LocalBackend
from detente.experiments.overrides import FieldPath, parse_range, resolve_path
from detente.experiments.runner import CountTask, EscalationRunner, Job, Runner, derive_seeds
from detente.experiments.stats import Interval, ols_slopes, wilson
from detente.scenario.model import Scenario

Design = Literal["grid", "lhs"]
Seeding = Literal["common", "independent"]
MAX_POINTS = 100_000


@dataclass(frozen=True)
class Dimension:
    """One varied field: its path and either explicit grid values or ``(lo, hi)`` bounds."""

    path: FieldPath
    values: tuple[float, ...]

    @property
    def lo(self) -> float:
        """Smallest value."""
        return min(self.values)

    @property
    def hi(self) -> float:
        """Largest value."""
        return max(self.values)


def parse_dimensions(scenario: Scenario, specs: Sequence[str | Dimension], *, design: Design) -> list[Dimension]:
    """Parse ``PATH=lo:hi:n`` (grid) or ``PATH=lo:hi`` (lhs) specs and resolve their paths.

    A :class:`Dimension` (as the Python API builds) is taken as it is.

    Raises:
        InputError: A malformed spec, an unknown path, or a path given twice.
    """
    if not specs:
        raise InputError("sweep: no --vary given (fix: add e.g. --vary actors.USA.doctrine=0:1:11)")
    dims: list[Dimension] = []
    for spec in specs:
        if isinstance(spec, Dimension):
            dims.append(spec)
            continue
        path, rng = parse_range(spec, need_count=(design == "grid"))
        if rng is None:
            form = "lo:hi:n" if design == "grid" else "lo:hi"
            raise InputError(f"--vary {spec!r}: no range (fix: write {path}={form}, e.g. {path}=0:1:11)")
        fp = resolve_path(scenario, path)
        if len(rng) == 3 and isinstance(rng[2], int) and ":" in spec:
            lo, hi, n = float(rng[0]), float(rng[1]), int(rng[2])
            values = tuple(float(v) for v in np.linspace(lo, hi, n))
        else:
            values = tuple(float(v) for v in rng)
        dims.append(Dimension(fp, values))
    keys = [d.path.key for d in dims]
    if len(set(keys)) != len(keys):
        raise InputError(f"--vary names one field twice: {', '.join(d.path.user for d in dims)} (fix: vary each field once)")
    return dims


def design_points(dims: Sequence[Dimension], *, design: Design, points: int | None, seed: int) -> np.ndarray:
    """The sweep's points, shape ``(n, len(dims))``.

    ``grid``: the product of every dimension's values. ``lhs``: ``points`` Latin hypercube points over
    each dimension's ``[lo, hi]``, drawn with a generator seeded from ``seed`` (so the design is
    reproducible).

    Raises:
        InputError: ``lhs`` without ``points``, or a design too large to run.
    """
    if design == "grid":
        grid = np.array(list(itertools.product(*(d.values for d in dims))), dtype=float)
        if len(grid) > MAX_POINTS:
            raise InputError(f"sweep: the grid has {len(grid)} points (fix: use fewer values or --design lhs --points N)")
        return grid
    if design == "lhs":
        if not points or points < 2:
            raise InputError("--design lhs needs --points N with N >= 2 (fix: add e.g. --points 64)")
        if points > MAX_POINTS:
            raise InputError(f"--points {points}: more than {MAX_POINTS:,} points (fix: use fewer points, e.g. --points 64)")
        for d in dims:
            if not d.lo < d.hi:
                raise InputError(f"--vary {d.path.user}: lo must be below hi for a Latin hypercube (fix: give lo:hi)")
        # Imported on use: scipy.stats costs ~0.6 s of import on every CLI command.
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(d=len(dims), rng=np.random.default_rng(np.random.SeedSequence([seed, 1])))
        unit = sampler.random(points)
        return np.asarray(qmc.scale(unit, [d.lo for d in dims], [d.hi for d in dims]), dtype=float)
    raise InputError(f"--design {design!r}: unknown design (fix: use grid or lhs)")


@dataclass(frozen=True)
class SweepResult:
    """Outcome probabilities at each point of a sweep.

    Attributes:
        params: The user's paths, one per column of ``points``.
        keys: The engine override keys of ``params``.
        points: Parameter values, shape ``(n, k)``.
        outcomes: Outcome ids.
        horizons: Horizons (steps).
        counts: Replicates in which each outcome happened by each horizon, ``(n, outcomes, horizons)``.
        runs: Replicates per point.
        seeds: The seed each point ran with.
    """

    scenario: str
    design: str
    params: tuple[str, ...]
    keys: tuple[str, ...]
    points: np.ndarray = field(repr=False)
    outcomes: tuple[str, ...] = ()
    horizons: tuple[int, ...] = ()
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)), repr=False)
    runs: int = 0
    seed: int = 0
    seeding: str = "common"
    seeds: tuple[int, ...] = ()
    strategy: str | None = None
    backend: str = "local"

    @property
    def probabilities(self) -> np.ndarray:
        """``counts / runs``, shape ``(n, outcomes, horizons)``."""
        return self.counts / float(self.runs)

    def probability(self, outcome: str, horizon: int | None = None) -> np.ndarray:
        """Probability of ``outcome`` by ``horizon`` (default: the last) at every point, shape ``(n,)``."""
        h = self.horizons.index(horizon) if horizon is not None else len(self.horizons) - 1
        return self.probabilities[:, self.outcomes.index(outcome), h]

    def interval(self, point: int, outcome: str, horizon: int) -> Interval:
        """Wilson interval of one cell."""
        c = int(self.counts[point, self.outcomes.index(outcome), self.horizons.index(horizon)])
        return wilson(c, self.runs)

    def trend(self, outcome: str, horizon: int | None = None) -> dict[str, Interval]:
        """Least-squares slope of the probability on each parameter (per unit of the parameter).

        With common random numbers the points' errors are correlated, so the interval is a rough guide;
        an interval containing zero means no detectable linear trend.
        """
        slopes = ols_slopes(self.points, self.probability(outcome, horizon))
        return dict(zip(self.params, slopes, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: settings, one entry per point with its probabilities, and the trends."""
        pts = []
        for i, row in enumerate(self.points):
            pts.append(
                {
                    "values": {p: float(v) for p, v in zip(self.params, row, strict=True)},
                    "seed": self.seeds[i] if self.seeds else self.seed,
                    "outcomes": {
                        o: {str(h): self.interval(i, o, h).to_dict() for h in self.horizons} for o in self.outcomes
                    },
                }
            )
        return {
            "kind": "sweep",
            "scenario": self.scenario,
            "design": self.design,
            "params": list(self.params),
            "keys": list(self.keys),
            "runs": self.runs,
            "seed": self.seed,
            "seeding": self.seeding,
            "strategy": self.strategy,
            "backend": self.backend,
            "horizons": list(self.horizons),
            "points": pts,
            "trend": {
                o: {p: iv.to_dict() for p, iv in self.trend(o).items()} for o in self.outcomes
            },
        }

    def to_frame(self) -> Any:
        """A long pandas DataFrame: one row per point, outcome and horizon."""
        import pandas as pd

        recs = []
        for i, row in enumerate(self.points):
            for o in self.outcomes:
                for h in self.horizons:
                    iv = self.interval(i, o, h)
                    recs.append({**dict(zip(self.params, row, strict=True)), "outcome": o, "horizon": h, "p": iv.p, "lo": iv.lo, "hi": iv.hi})
        return pd.DataFrame.from_records(recs)

    def _repr_html_(self) -> str:
        from detente.report.notebook import frame_html

        return frame_html(
            f"{self.scenario}: {self.design} sweep of {', '.join(self.params)}, {len(self.points)} points × {self.runs:,} runs",
            self.to_frame(),
            "p: share of runs with the outcome by the horizon; lo–hi: Wilson 95% interval.",
        )


def sweep(
    scenario: Scenario,
    vary: Sequence[str | Dimension],
    *,
    design: Design = "grid",
    points: int | None = None,
    runs: int = 10000,
    seed: int = 0,
    seeding: Seeding = "common",
    strategy: str | None = None,
    horizon: int | None = None,
    outcomes: Sequence[str] = (),
    runner: Runner | None = None,
    backend: Backend | None = None,
) -> SweepResult:
    """Run a grid or Latin hypercube sweep of numeric fields and tabulate outcome probabilities.

    Args:
        scenario: The scenario.
        vary: ``PATH=lo:hi:n`` (grid) or ``PATH=lo:hi`` (lhs) specs; paths as ``actors.USA.doctrine``;
            or :class:`Dimension` objects.
        design: ``grid`` or ``lhs``.
        points: Number of Latin hypercube points.
        runs: Replicates per point.
        seed: Root seed.
        seeding: ``common`` (every point uses ``seed``) or ``independent`` (derived per point).
        strategy: A strategy id applied at every point, or ``None``.
        horizon: Steps; defaults to the scenario's.
        outcomes: Outcome ids to report; empty means all.
        runner: What runs a job; defaults to the escalation engine.
        backend: Where jobs run; defaults to this process.

    Returns:
        The :class:`SweepResult`.

    Raises:
        InputError: Bad specs, paths, strategy or run counts.
    """
    if runs < 1:
        raise InputError(f"--runs {runs}: must be at least 1 (fix: give a positive number of runs)")
    if strategy is not None and strategy not in [s.id for s in scenario.strategies]:
        raise InputError(
            f"{scenario.id}: --strategy {strategy!r}: no such strategy "
            f"(fix: use one of {', '.join(s.id for s in scenario.strategies)})"
        )
    dims = parse_dimensions(scenario, vary, design=design)
    x = design_points(dims, design=design, points=points, seed=seed)
    seeds = [seed] * len(x) if seeding == "common" else derive_seeds(seed, len(x))
    keys = tuple(d.path.key for d in dims)
    jobs = [
        Job(
            overrides=tuple(zip(keys, (float(v) for v in row), strict=True)),
            strategy=strategy,
            seed=s,
            runs=runs,
            horizon=horizon,
        )
        for row, s in zip(x, seeds, strict=True)
    ]
    runner = runner or EscalationRunner(scenario, tuple(outcomes))
    backend = backend or LocalBackend()
    out = backend.map(CountTask(runner), jobs)
    ids, hs = out[0][0], out[0][1]
    counts = np.stack([c for _, _, c, _ in out])
    if outcomes:
        counts = counts[:, [ids.index(o) for o in outcomes], :]
        ids = tuple(outcomes)
    return SweepResult(
        scenario=scenario.id,
        design=design,
        params=tuple(d.path.user for d in dims),
        keys=keys,
        points=x,
        outcomes=ids,
        horizons=hs,
        counts=counts,
        runs=runs,
        seed=seed,
        seeding=seeding,
        seeds=tuple(seeds),
        strategy=strategy,
        backend=backend.name,
    )
