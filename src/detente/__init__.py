"""detente: make an international crisis executable.

A scenario file encodes a crisis (actors, issues, relations, mechanisms, strategies) with the quote
behind every assumption; engines forecast bargaining outcomes and simulate escalation; experiments
compare strategies; results are stored and reported.
"""

from detente.errors import DetenteError, ScenarioError
from detente.scenario import Scenario, load_scenario, shipped_scenarios

__version__ = "0.1.0"

__all__ = [
    "DetenteError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "shipped_scenarios",
]
