"""Policy experiments: compare strategies, sweep assumptions, rank what matters, on one core or a cluster.

- :func:`compare`: strategies (and each of their components) against a baseline with common random
  numbers and paired intervals;
- :func:`sweep`: outcome probabilities over a grid or Latin hypercube of numeric scenario fields;
- :func:`sensitivity`: Sobol (first and total order) or Morris indices of one outcome, via SALib;
- backends: :class:`LocalBackend` and :class:`DaskBackend` give identical numbers for one seed.

Everything is generic over a :class:`Runner` (a picklable callable from a :class:`Job` to per-replicate
:class:`Indicators`); the default is :class:`EscalationRunner` over the escalation engine.
"""

from detente.experiments.backends import Backend, DaskBackend, LocalBackend, make_backend
from detente.experiments.compare import Arm, Comparison, Row, compare, plan_arms
from detente.experiments.overrides import FieldPath, resolve_path
from detente.experiments.runner import (
    BernoulliRunner,
    CountTask,
    EscalationRunner,
    Indicators,
    Job,
    Runner,
    derive_seeds,
    report_horizons,
)
from detente.experiments.sensitivity import (
    OutcomeModel,
    Problem,
    SensitivityResult,
    ishigami,
    ishigami_indices,
    morris_indices,
    sensitivity,
    sobol_indices,
)
from detente.experiments.stats import Interval, PairedCounts, paired_difference, wilson
from detente.experiments.sweep import SweepResult, sweep

__all__ = [
    "Arm",
    "Backend",
    "BernoulliRunner",
    "Comparison",
    "CountTask",
    "DaskBackend",
    "EscalationRunner",
    "FieldPath",
    "Indicators",
    "Interval",
    "Job",
    "LocalBackend",
    "OutcomeModel",
    "PairedCounts",
    "Problem",
    "Row",
    "Runner",
    "SensitivityResult",
    "SweepResult",
    "compare",
    "derive_seeds",
    "ishigami",
    "ishigami_indices",
    "make_backend",
    "morris_indices",
    "paired_difference",
    "plan_arms",
    "report_horizons",
    "resolve_path",
    "sensitivity",
    "sobol_indices",
    "sweep",
    "wilson",
]
