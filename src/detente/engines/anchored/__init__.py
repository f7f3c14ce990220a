"""The anchored engine: a scenario run on the fitted statistical backbone (issue 11).

Every tracked outcome has a data-defined reference class (:mod:`.references`); its monthly hazard is
the backbone's discrete-time logistic hazard (:mod:`detente.anchor`), driven by a crisis state per dyad
that every outcome on that dyad shares, with the scenario's mechanisms and strategies as log-hazard
multipliers and state shifts whose strengths are drawn per run. ``docs/model.md`` (section *Anchored
engine: scenario*) states the equations.
"""

from .compile import Compiled, compile_scenario
from .levers import LEVER_TYPES
from .model import BLOCK
from .references import ResolvedReference, outcome_references, scenario_references
from .result import AnchoredResult
from .simulate import simulate

__all__ = [
    "BLOCK",
    "LEVER_TYPES",
    "AnchoredResult",
    "Compiled",
    "ResolvedReference",
    "compile_scenario",
    "outcome_references",
    "scenario_references",
    "simulate",
]
