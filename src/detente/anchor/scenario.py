"""A scenario's calibration: the references its outcomes name and the dyads of their crisis states."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from detente.anchor.calibration import Calibration, fit_calibration
from detente.anchor.refclass import Reference


def scenario_refs(scenario: object, file: str | Path = "<scenario>") -> tuple[list[Reference], list[str]]:
    """Every reference (class, subject, state) the scenario's outcomes name, and their state dyads.

    Raises:
        ScenarioError: an outcome without a usable reference (the message says how to give one).
    """
    from detente.engines.anchored.references import scenario_references

    refs: dict[str, Reference] = {}
    dyads: list[str] = []
    for resolved in scenario_references(scenario, file).values():  # type: ignore[arg-type]
        for r in resolved:
            refs.setdefault(r.key, Reference(r.ref, r.subject, r.state))
            if r.state not in dyads:
                dyads.append(r.state)
    return list(refs.values()), dyads


def calibrate_scenario(
    scenario: object,
    data: str | Path | None = None,
    file: str | Path = "<scenario>",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """Fit every reference and state a scenario names, with data dated before its as-of date."""
    refs, dyads = scenario_refs(scenario, file)
    return fit_calibration(scenario.scenario.as_of, refs, dyads, data=data, seed=seed, progress=progress)  # type: ignore[attr-defined]


def shipped_calibration(scenario_id: str) -> Path | None:
    """The calibration shipped with the package for a scenario id (``anchor-<id>.json``), if any."""
    path = Path(str(resources.files("detente.data").joinpath(f"calibration/anchor-{scenario_id}.json")))
    return path if path.is_file() else None


__all__ = ["calibrate_scenario", "scenario_refs", "shipped_calibration"]
