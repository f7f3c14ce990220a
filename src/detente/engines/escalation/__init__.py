"""Monte Carlo escalation engine: a quantal-response event model over the PLOVER ontology.

``simulate(scenario, runs=…, seed=…)`` runs replicates vectorised across runs and returns a
:class:`SimulationResult`; ``docs/model.md`` (section *Escalation dynamics*) states the equations.
"""

from .model import BLOCK, EscalationModel
from .params import engine_params, lever_summary, mechanism_levers
from .result import SimulationResult, wilson
from .simulate import simulate

__all__ = [
    "BLOCK",
    "EscalationModel",
    "SimulationResult",
    "engine_params",
    "lever_summary",
    "mechanism_levers",
    "simulate",
    "wilson",
]
