"""``--engine`` and ``--calibration``: which engine a run command uses, and the choice of the default.

``auto`` (the default) runs the anchored engine when every tracked outcome of the scenario has a
reference class and a fitted calibration is at hand (``--calibration FILE``, or the one shipped for
the scenario's id); otherwise the quantal-response (``qre``) escalation engine (``simulate`` says why
on its last line; the stored run and ``--json`` name the engine).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from detente.scenario.model import Scenario


class EngineName(StrEnum):
    """The Monte Carlo engines a scenario can run on."""

    AUTO = "auto"
    ANCHORED = "anchored"
    QRE = "qre"


EngineOpt = Annotated[
    EngineName,
    typer.Option(
        "--engine",
        help="anchored (fitted base rates, shared crisis state), qre (quantal-response escalation), or auto: "
        "anchored when every outcome has a reference class and a calibration is at hand.",
    ),
]
class KernelName(StrEnum):
    """How the anchored engine runs a block of runs (the same numbers either way)."""

    AUTO = "auto"
    COMPILED = "compiled"
    NUMPY = "numpy"


KernelOpt = Annotated[
    KernelName,
    typer.Option(
        "--kernel",
        help="The anchored engine's inner step: compiled (Numba), numpy (the reference path), or auto: "
        "compiled when Numba imports. Both give the same numbers.",
    ),
]
CalibrationOpt = Annotated[
    Path | None,
    typer.Option("--calibration", metavar="FILE", help="A fitted calibration for the anchored engine (default: the shipped one)."),
]


def choose_engine(engine: EngineName, scenario: Scenario, calibration: Path | None, file: str | Path) -> tuple[str, Path | None, str]:
    """The engine to run, its calibration path, and why (one line): :func:`detente.engines.choice.choose_engine`.

    Raises:
        ScenarioError: ``--engine anchored`` on a scenario whose outcome lacks a reference.
    """
    from detente.engines.choice import choose_engine as choose

    return choose(engine.value, scenario, calibration, file)
