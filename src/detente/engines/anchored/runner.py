"""The anchored engine as an experiment runner (compare, sweep): a job in, per-run indicators out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.experiments.runner import Indicators, Job, sub_strategy
from detente.scenario.model import Scenario


@dataclass(frozen=True)
class AnchoredRunner:
    """Runs jobs on :func:`detente.engines.anchored.simulate` (one process per job).

    Args:
        scenario: The scenario every job runs.
        calibration: The fitted calibration (an object, pickled with the runner, or a path).
        outcomes: The outcomes to report; empty means all.
        mechanisms_off: Mechanism ids switched off in every job.
        kernel: ``auto``, ``compiled`` or ``numpy`` (:func:`detente.engines.anchored.simulate`); every
            worker (local or Dask) runs the same kernel, so the backend does not change the numbers.
    """

    scenario: Scenario
    calibration: Any = None
    outcomes: tuple[str, ...] = ()
    mechanisms_off: tuple[str, ...] = ()
    kernel: str = "auto"

    def outcome_ids(self) -> tuple[str, ...]:
        """The outcomes this runner reports."""
        return self.outcomes or tuple(o.id for o in self.scenario.outcomes)

    def __call__(self, job: Job) -> Indicators:
        """Simulate ``job`` and collect each outcome's first month per run."""
        from .simulate import simulate

        strategy: Any = job.strategy
        if job.strategy is not None and job.components is not None:
            strategy = sub_strategy(self.scenario, job.strategy, job.components)
        result = simulate(
            self.scenario, calibration=self.calibration, runs=job.runs, horizon=job.horizon, seed=job.seed,
            strategy=strategy, overrides=job.overrides_dict or None, mechanisms_off=self.mechanisms_off, workers=1,
            kernel=self.kernel,
        )
        ids = self.outcomes or result.outcomes
        first = np.stack([np.asarray(result.outcome_first_step(o), dtype=np.int32) for o in ids])
        return Indicators(tuple(ids), first, int(result.horizon))
