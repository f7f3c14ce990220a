"""Plausibility warnings: base rates, historical ranges, strategies that change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.cli import main
from detente.engines.escalation import simulate
from detente.scenario import Mechanism, Value, load_scenario
from detente.scenario.plausibility import (
    base_rate_warnings,
    range_warnings,
    static_warnings,
    strategy_warnings,
)

TEMPLATE = Path(__file__).resolve().parents[1] / "src/detente/data/templates/scenario-template.toml"
OFF: tuple[str, ...] = ()  # the template declares no mechanism: none acts


def _with_base_rate(value: float):  # type: ignore[no-untyped-def]
    s = load_scenario(TEMPLATE)
    o = s.outcomes[0].model_copy(update={"base_rate": Value(value=value, source="assumption")})
    return s.model_copy(update={"outcomes": (o,)})


def test_an_outcome_near_its_base_rate_draws_no_warning() -> None:
    s = _with_base_rate(0.5)
    result = simulate(s, runs=2000, seed=1, mechanisms_off=OFF, progress=False)
    p = result.probability(result.outcome_first_step("force"), 12)[0]
    near = _with_base_rate(p)
    assert base_rate_warnings(near, result, mechanisms_off=OFF) == []


def test_an_outcome_far_from_its_base_rate_warns_unless_a_mechanism_explains_it() -> None:
    s = _with_base_rate(0.5)
    result = simulate(s, runs=2000, seed=1, mechanisms_off=OFF, progress=False)
    p = result.probability(result.outcome_first_step("force"), 12)[0]
    far = _with_base_rate(min(1.0, p * 10))
    [(path, message)] = base_rate_warnings(far, result, mechanisms_off=OFF)
    assert path == "outcomes[0]" and "below" in message and "no declared mechanism" in message
    explained = far.model_copy(
        update={"mechanisms": (Mechanism(id="P01", type="accidental-escalation", actors=("ALPHA", "BRAVO")),)}
    )
    assert base_rate_warnings(explained, result) == []
    assert base_rate_warnings(explained, result, mechanisms_off=("P01",)) != []  # switched off: explains nothing
    assert base_rate_warnings(far, result, strategy="talks") == []


def test_values_outside_their_historical_range_warn() -> None:
    s = load_scenario(TEMPLATE)
    assert range_warnings(s) == []
    a = s.actors[0]
    caps = a.capabilities.model_copy(update={"military": Value(value=0.7)})
    rel = s.relations[0].model_copy(update={"tension": Value(value=5.0)})
    bad = s.model_copy(update={"actors": (a.model_copy(update={"capabilities": caps}), s.actors[1]), "relations": (rel,)})
    found = dict(range_warnings(bad))
    assert "above the historical 0.541" in found["actors[0].capabilities.military"]
    assert "above the historical 3" in found["relations[0].tension"]


def test_a_strategy_that_changes_nothing_warns() -> None:
    s = load_scenario(TEMPLATE)
    assert strategy_warnings(s) == []
    strat = s.strategies[0]
    comp = strat.components[0]
    idle = comp.actions[0].model_copy(update={"weight": Value(value=0.0)})
    s0 = s.model_copy(
        update={"strategies": (strat.model_copy(update={"components": (comp.model_copy(update={"actions": (idle,)}),)}),)}
    )
    [(path, message)] = strategy_warnings(s0)
    assert path == "strategies[0]" and "changes nothing" in message and "weight 0" in message
    late = comp.actions[0].model_copy(update={"start": 99})
    s1 = s.model_copy(
        update={"strategies": (strat.model_copy(update={"components": (comp.model_copy(update={"actions": (late,)}),)}),)}
    )
    assert "after the horizon" in strategy_warnings(s1)[0][1]


def test_validate_prints_one_warning_line_and_still_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = TEMPLATE.read_text(encoding="utf-8").replace("military = 0.03 ", "military = 0.9 ")
    path = tmp_path / "big.toml"
    path.write_text(text, encoding="utf-8")
    main(["validate", str(path)])  # no SystemExit: a warning is not an error
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"warning: {path}: actors[0].capabilities.military: 0.9 is above the historical 0.541 (COW NMC v7: the "
        "largest share of world military spending of any state in 1946-2021 is 0.541 (United States, 1946))"
    ]
    assert static_warnings(load_scenario(path))
