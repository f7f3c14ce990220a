"""detente: make an international crisis executable.

A scenario file encodes a crisis (actors, issues, relations, mechanisms, strategies) with the quote
behind every assumption; engines forecast bargaining outcomes and simulate escalation; experiments
compare strategies; results are stored and reported.

For notebooks and scripts (see :mod:`detente.api`)::

    import detente
    sim = detente.simulate("korea-2018", runs=2000, seed=1)
    sim.to_frame()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.datadir import DataMissingError, data_dir
from detente.errors import DetenteError, InputError, ScenarioError
from detente.scenario import Scenario, shipped_scenarios

if TYPE_CHECKING:
    from detente.api import compare, load_scenario, simulate, sweep
    from detente.engines.anchored.result import AnchoredResult
    from detente.engines.escalation.result import SimulationResult
    from detente.experiments.compare import Comparison
    from detente.experiments.sweep import SweepResult

__version__ = "0.1.0"

__all__ = [
    "AnchoredResult",
    "Comparison",
    "DataMissingError",
    "DetenteError",
    "InputError",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "SweepResult",
    "__version__",
    "compare",
    "data_dir",
    "load_scenario",
    "shipped_scenarios",
    "simulate",
    "sweep",
]

# The API functions and result types import the engines (numpy, scipy, dask): loaded on first use so
# that `import detente` (and every CLI command) stays fast.
_LAZY = {
    "compare": "detente.api",
    "load_scenario": "detente.api",
    "simulate": "detente.api",
    "sweep": "detente.api",
    "SimulationResult": "detente.engines.escalation.result",
    "AnchoredResult": "detente.engines.anchored.result",
    "Comparison": "detente.experiments.compare",
    "SweepResult": "detente.experiments.sweep",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'detente' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
