"""Which Monte Carlo engine runs a scenario: the rule behind ``--engine`` and the API's ``engine=``.

``auto`` runs the anchored engine (:mod:`detente.engines.anchored`) when every tracked outcome of the
scenario has a reference class and a fitted calibration is at hand (one given, or the one shipped for
the scenario's id); otherwise the quantal-response escalation engine (:mod:`detente.engines.escalation`),
and the reason says why, so that a run never changes engine silently.
"""

from __future__ import annotations

from pathlib import Path

from detente.errors import DetenteError, InputError
from detente.scenario.model import Scenario

ENGINES = ("auto", "anchored", "qre")
"""The engine names a run command or API call accepts."""


def choose_engine(engine: str, scenario: Scenario, calibration: str | Path | None, file: str | Path) -> tuple[str, Path | None, str]:
    """The engine to run, its calibration path, and why (one line).

    Args:
        engine: ``auto``, ``anchored`` or ``qre``.
        scenario: The scenario to run.
        calibration: A fitted calibration file for the anchored engine, or ``None`` for the shipped one.
        file: The scenario's file, for messages.

    Raises:
        InputError: An unknown engine name.
        ScenarioError: ``anchored`` on a scenario whose outcome lacks a reference.
    """
    from detente.engines.anchored.backbone import shipped_calibration_path
    from detente.engines.anchored.references import scenario_references

    name = str(engine)
    if name not in ENGINES:
        raise InputError(f"engine {name!r}: unknown engine (fix: use one of {', '.join(ENGINES)})")
    if name == "qre":
        return "qre", None, "--engine qre"
    cal = Path(calibration) if calibration is not None else shipped_calibration_path(scenario.id)
    if name == "anchored":
        scenario_references(scenario, file)
        return "anchored", cal, "--engine anchored"
    try:
        scenario_references(scenario, file)
    except DetenteError as exc:
        return "qre", None, f"qre engine: not every outcome has a reference class ({exc})"
    if not cal.is_file():
        return "qre", None, f"qre engine: no fitted calibration for {scenario.id} (fit one with `detente calibrate`)"
    return "anchored", cal, "anchored engine"
