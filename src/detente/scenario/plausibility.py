"""Plausibility checks: warnings (never errors) when a scenario's numbers look implausible.

Three kinds, one line each (``warning: FILE: PATH: what (why)``):

- **Base rates.** A tracked outcome with a ``base_rate`` whose simulated probability within
  ``base_rate_months`` differs from it by more than :data:`FACTOR` (the whole 95% Wilson interval
  beyond the factor, so Monte Carlo noise alone never warns), when no declared mechanism and no applied
  strategy explains it. A mechanism explains an outcome when it is enabled and names the outcome (or
  its event) in ``represented_by``, or acts on one of the outcome's actors.
- **Historical ranges.** A value outside the range its field has taken in the historical record
  (:data:`RANGES`).
- **Strategies that change nothing.** Every action of a strategy has weight 0, sets a value to what it
  already is, or starts after the horizon.

``detente validate`` runs the static checks; ``detente simulate`` runs all three.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from detente.scenario.model import ActionKind, Rivalry, Scenario, TimeStep

FACTOR = 3.0
"""An outcome's probability may differ from its base rate by up to this factor before a warning."""

STEPS_PER_MONTH: dict[TimeStep, float] = {
    TimeStep.DAY: 365.25 / 12,
    TimeStep.WEEK: 365.25 / 7 / 12,
    TimeStep.MONTH: 1.0,
    TimeStep.QUARTER: 1 / 3,
    TimeStep.YEAR: 1 / 12,
}


@dataclass(frozen=True)
class Range:
    """The historical range of a field, and where it comes from."""

    lo: float
    hi: float
    source: str


RANGES: dict[str, Range] = {
    "capabilities.military": Range(
        0.0, 0.541, "COW NMC v7: the largest share of world military spending of any state in 1946-2021 is 0.541 "
        "(United States, 1946)",
    ),
    "capabilities.warheads": Range(
        0.0, 40159.0, "FAS Status of World Nuclear Forces: the largest arsenal ever, the Soviet Union's in 1986",
    ),
    "tension": Range(
        0.0, 3.0, "event data: 3 = every month of a dyad's record conflictual (GDELT 2018-2023, ICEWS 2005-2015; "
        "the calibrated Korea-2018 dyads reach 2.6)",
    ),
    "reaction": Range(
        0.0, 0.25, "Richardson stability: a rivalry's reaction must stay below the decay (0.25) or tension "
        "grows without bound (docs/model.md)",
    ),
}  # fmt: skip
"""Fields checked against their historical range."""


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def range_warnings(scenario: Scenario) -> list[tuple[str, str]]:
    """Values outside the historical range of their field, as ``(path, message)``."""
    out: list[tuple[str, str]] = []

    def check(path: str, key: str, value: float) -> None:
        r = RANGES[key]
        if not r.lo <= value <= r.hi:
            side = "above" if value > r.hi else "below"
            bound = r.hi if value > r.hi else r.lo
            out.append((path, f"{_fmt(value)} is {side} the historical {_fmt(bound)} ({r.source})"))

    for i, a in enumerate(scenario.actors):
        check(f"actors[{i}].capabilities.military", "capabilities.military", a.capabilities.military.value)
        if a.capabilities.warheads is not None:
            check(f"actors[{i}].capabilities.warheads", "capabilities.warheads", a.capabilities.warheads.value)
    for i, rel in enumerate(scenario.relations):
        if isinstance(rel, Rivalry):
            if rel.tension is not None:
                check(f"relations[{i}].tension", "tension", rel.tension.value)
            for name in ("reaction", "reaction_12", "reaction_21"):
                if name in rel.params:
                    check(f"relations[{i}].params.{name}", "reaction", rel.params[name].value)
    return out


def _current(scenario: Scenario, path: str) -> Any:
    """The value at a strategy ``set`` path (``actors[USA].doctrine``), or ``None`` if it cannot be read."""
    node: Any = scenario
    for part in path.split("."):
        m = re.match(r"^(\w+)(?:\[([^\]]+)\])?$", part)
        if not m:
            return None
        node = getattr(node, m[1], None) if not isinstance(node, dict) else node.get(m[1])
        if m[2] is not None:
            if not isinstance(node, tuple | list):
                return None
            node = next((x for x in node if m[2] in (getattr(x, "id", None), getattr(x, "name", None))), None)
        if node is None:
            return None
    return getattr(node, "value", node)


def strategy_warnings(scenario: Scenario) -> list[tuple[str, str]]:
    """Strategies none of whose actions can change a run, as ``(path, message)``."""
    out: list[tuple[str, str]] = []
    horizon = scenario.scenario.horizon
    for k, strat in enumerate(scenario.strategies):
        reasons: list[str] = []
        for comp in strat.components:
            for act in comp.actions:
                if act.start >= horizon:
                    reasons.append(f"{comp.id}: starts at step {act.start}, after the horizon {horizon}")
                elif act.kind is ActionKind.EVENT and (act.weight is None or act.weight.value == 0):
                    reasons.append(f"{comp.id}: weight 0")
                elif act.kind is ActionKind.SET and act.path is not None:
                    now = _current(scenario, act.path)
                    if now is not None and now == act.value:
                        reasons.append(f"{comp.id}: sets {act.path} to {act.value!r}, its value already")
                    else:
                        reasons = []
                        break
                else:
                    reasons = []
                    break
            else:
                continue
            break
        if reasons:
            out.append((f"strategies[{k}]", f"strategy {strat.id!r} changes nothing ({'; '.join(reasons)})"))
    return out


def static_warnings(scenario: Scenario) -> list[tuple[str, str]]:
    """Every check that needs no simulation."""
    return range_warnings(scenario) + strategy_warnings(scenario)


def _explained(scenario: Scenario, index: int) -> bool:
    o = scenario.outcomes[index]
    people = set(o.sources) | set(o.targets)
    for m in scenario.mechanisms:
        if not m.enabled:
            continue
        refs = " ".join(m.represented_by)
        if f"outcomes[{o.id}]" in refs or f"events[{o.event}]" in refs or people & set(m.actors):
            return True
    return False


def base_rate_warnings(
    scenario: Scenario, result: Any, *, strategy: str | None = None, mechanisms_off: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Outcomes whose simulated probability strays from their base rate with nothing to explain it.

    Args:
        scenario: The scenario as run.
        result: The engine's :class:`~detente.engines.escalation.result.SimulationResult`.
        strategy: The strategy applied, if any: a strategy explains any difference.
        mechanisms_off: Mechanisms switched off for the run (they explain nothing).
    """
    if strategy:
        return []
    off = set(mechanisms_off)
    out: list[tuple[str, str]] = []
    per_month = STEPS_PER_MONTH[scenario.scenario.time_step]
    for i, o in enumerate(scenario.outcomes):
        if o.base_rate is None:
            continue
        steps = max(1, round(o.base_rate_months * per_month))
        if steps > result.horizon:
            continue
        p, lo, hi = result.probability(result.outcome_first_step(o.id), steps)
        base = o.base_rate.value
        if lo > FACTOR * base or hi < base / FACTOR:
            declared = [m for m in scenario.mechanisms if m.id not in off]
            if _explained(scenario.model_copy(update={"mechanisms": tuple(declared)}), i):
                continue
            word = "above" if lo > FACTOR * base else "below"
            ratio = p / base if base > 0 else float("inf")
            shown = f"{ratio:.1f}×" if word == "above" else f"1/{(base / p):.0f} of" if p > 0 else "0×"
            out.append(
                (
                    f"outcomes[{i}]",
                    f"{o.id}: {p:.3f} within {o.base_rate_months} months is {shown} its base rate {base:.3g}, "
                    f"more than {FACTOR:g}× {word}, and no declared mechanism explains it (check the inputs, or "
                    "declare the mechanism that moves it)",
                )
            )
    return out


def format_warning(file: str, path: str, message: str) -> str:
    """``warning: FILE: PATH: message`` on one line."""
    return f"warning: {file}: {path}: {message}"
