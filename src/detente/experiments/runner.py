"""Runners: picklable callables that turn one job (overrides, strategy, seed, runs) into indicators.

Every experiment (comparison, sweep, sensitivity) is a list of :class:`Job` values mapped over a runner by
a backend. A job carries its own seed, derived from the experiment's root seed before anything is sent
out, so a job gives the same numbers wherever and in whatever order it runs. The runner for real
scenarios is :class:`EscalationRunner`; tests use analytic runners with known answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from detente.scenario.model import Scenario, Strategy

REPORT_HORIZONS = (6, 12, 24)
"""Horizons (steps) that tables report, capped at the run's horizon, which is reported as well."""


def report_horizons(horizon: int) -> tuple[int, ...]:
    """The reported horizons for a run of ``horizon`` steps: 6, 12, 24 and ``horizon``, capped."""
    hs = {h for h in REPORT_HORIZONS if h <= horizon}
    hs.add(horizon)
    return tuple(sorted(hs))


@dataclass(frozen=True)
class Job:
    """One simulation to run: scenario overrides, a strategy (or some of its components), seed and size.

    Attributes:
        overrides: ``(engine override key, value)`` pairs, e.g. ``("actors[USA].doctrine", 0.3)``.
        strategy: A strategy id of the scenario, or ``None`` for no strategy.
        components: The ids of the strategy's components to apply; ``None`` applies all of them.
        seed: Root seed of the run; replicate ``i`` uses the stream derived from it for ``i``.
        runs: Number of replicates.
        horizon: Steps to simulate; ``None`` uses the scenario's horizon.
    """

    overrides: tuple[tuple[str, float], ...] = ()
    strategy: str | None = None
    components: tuple[str, ...] | None = None
    seed: int = 0
    runs: int = 1000
    horizon: int | None = None

    @property
    def overrides_dict(self) -> dict[str, float]:
        """The overrides as a dict."""
        return dict(self.overrides)


@dataclass(frozen=True)
class Indicators:
    """Per-replicate outcome indicators: for each tracked outcome, the first step it occurred, or -1.

    Steps are numbered from 1 (the first simulated month) to ``horizon``; an outcome has happened "by
    horizon ``h``" when its first step is between 1 and ``h``.
    """

    outcomes: tuple[str, ...]
    first_step: np.ndarray = field(repr=False)  # (outcomes, runs) int
    horizon: int

    @property
    def runs(self) -> int:
        """Number of replicates."""
        return int(self.first_step.shape[1])

    def index(self, outcome: str) -> int:
        """The row of ``outcome``; ``KeyError`` if it is not tracked."""
        return self.outcomes.index(outcome)

    def by(self, outcome: str, h: int) -> np.ndarray:
        """Boolean per replicate: did ``outcome`` happen by step ``h``?"""
        fs = self.first_step[self.index(outcome)]
        return (fs >= 1) & (fs <= h)

    def counts(self, horizons: Sequence[int]) -> np.ndarray:
        """Replicates in which each outcome happened by each horizon, shape ``(outcomes, horizons)``."""
        fs = self.first_step[:, :, None]
        hs = np.asarray(horizons)[None, None, :]
        return np.count_nonzero((fs >= 1) & (fs <= hs), axis=1)


@runtime_checkable
class Runner(Protocol):
    """Anything that runs a :class:`Job` and returns :class:`Indicators` (and pickles, for Dask)."""

    def __call__(self, job: Job) -> Indicators:
        """Run ``job``."""
        ...


def sub_strategy(scenario: Scenario, strategy_id: str, components: Sequence[str]) -> Strategy:
    """The strategy ``strategy_id`` reduced to ``components`` (kept in the strategy's own order)."""
    s = scenario.strategy(strategy_id)
    keep = tuple(c for c in s.components if c.id in set(components))
    suffix = "+".join(c.id for c in keep)
    return s.model_copy(update={"id": f"{s.id}.{suffix}", "name": f"{s.name}: {suffix}", "components": keep})


@dataclass(frozen=True)
class EscalationRunner:
    """Runs jobs on the escalation engine (:func:`detente.engines.escalation.simulate`).

    Args:
        scenario: The scenario every job runs (pickled once per task when sent to Dask workers).
        outcomes: The tracked outcomes to report; empty means all of the scenario's outcomes.
        mechanisms_off: Mechanism ids switched off in every job.
    """

    scenario: Scenario
    outcomes: tuple[str, ...] = ()
    mechanisms_off: tuple[str, ...] = ()

    def outcome_ids(self) -> tuple[str, ...]:
        """The outcomes this runner reports."""
        return self.outcomes or tuple(o.id for o in self.scenario.outcomes)

    def __call__(self, job: Job) -> Indicators:
        """Simulate ``job`` and collect each outcome's first step per replicate."""
        from detente.engines.escalation import simulate

        strategy: Any = job.strategy
        if job.strategy is not None and job.components is not None:
            strategy = sub_strategy(self.scenario, job.strategy, job.components)
        extra: dict[str, Any] = {}
        if "workers" in inspect.signature(simulate).parameters:
            # One process per job: experiments parallelise over jobs (and Dask workers are daemonic,
            # so they cannot start a process pool of their own).
            extra["workers"] = 1
        result = simulate(
            self.scenario,
            runs=job.runs,
            horizon=job.horizon,
            seed=job.seed,
            strategy=strategy,
            overrides=job.overrides_dict or None,
            mechanisms_off=self.mechanisms_off,
            **extra,
        )
        ids = self.outcomes or tuple(result.outcomes)
        first = np.stack([np.asarray(result.outcome_first_step(o), dtype=np.int32) for o in ids])
        return Indicators(ids, first, int(result.horizon))


@dataclass(frozen=True)
class CountTask:
    """Wraps a runner so that a worker returns only the counts per outcome and horizon, not replicates.

    Sweeps and sensitivity runs need probabilities, not per-replicate arrays; reducing on the worker keeps
    what travels back over the network small.
    """

    runner: Runner
    horizons: tuple[int, ...] | None = None

    def __call__(self, job: Job) -> tuple[tuple[str, ...], tuple[int, ...], np.ndarray, int]:
        """Run ``job``; return outcome ids, horizons, counts ``(outcomes, horizons)`` and runs."""
        ind = self.runner(job)
        hs = self.horizons or report_horizons(ind.horizon)
        hs = tuple(h for h in hs if h <= ind.horizon) or (ind.horizon,)
        return ind.outcomes, hs, ind.counts(hs), ind.runs


def derive_seeds(root: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds derived from ``root`` with ``SeedSequence.spawn`` (never from state).

    Used when sweep points should have independent rather than common random numbers.
    """
    children = np.random.SeedSequence(root).spawn(n)
    return [int(c.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


@dataclass(frozen=True)
class BernoulliRunner:
    """An analytic runner for tests and examples: outcome ``k`` happens with probability ``p_k(overrides)``.

    Replicate ``i`` gets the ``i``-th uniform of one generator seeded by ``seed``, so two jobs with the same
    seed share their random numbers, as the escalation engine's replicates do. Every outcome of a
    replicate happens at step 1 when that uniform is below the outcome's probability.

    Args:
        probabilities: Outcome id → base probability.
        slopes: ``(outcome id, override key) → d p / d value``: how an override moves the probability.
        strategy_effects: ``(strategy id, component id) → added probability`` for every outcome; a full
            strategy adds the effects of all its components.
        horizon: Steps (every outcome that happens, happens at step 1).
    """

    probabilities: Mapping[str, float]
    slopes: Mapping[tuple[str, str], float] = field(default_factory=dict)
    strategy_effects: Mapping[tuple[str, str], float] = field(default_factory=dict)
    horizon: int = 24

    def __call__(self, job: Job) -> Indicators:
        """Draw the indicators of ``job``."""
        rng = np.random.default_rng(np.random.SeedSequence(job.seed))
        u = rng.random(job.runs)
        ids = tuple(self.probabilities)
        first = np.full((len(ids), job.runs), -1, dtype=np.int32)
        ov = job.overrides_dict
        for k, o in enumerate(ids):
            p = self.probabilities[o]
            p += sum(self.slopes.get((o, key), 0.0) * v for key, v in ov.items())
            if job.strategy is not None:
                p += sum(
                    v
                    for (sid, comp), v in self.strategy_effects.items()
                    if sid == job.strategy and (job.components is None or comp in job.components)
                )
            first[k, u < min(max(p, 0.0), 1.0)] = 1
        return Indicators(ids, first, job.horizon or self.horizon)
