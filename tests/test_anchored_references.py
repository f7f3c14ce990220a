"""Reference classes on named events and outcomes: the schema, the shipped scenarios, the refusals."""

from __future__ import annotations

import pytest

from detente.engines.anchored.references import scenario_references
from detente.errors import ScenarioError
from detente.scenario.io import dumps_scenario, load_scenario, parse_scenario
from detente.scenario.model import Reference


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_every_shipped_outcome_has_a_reference_with_a_note_and_a_state(name: str) -> None:
    scen = load_scenario(name, check_quotes=False)
    refs = scenario_references(scen)
    assert set(refs) == {o.id for o in scen.outcomes}
    for rs in refs.values():
        assert rs
        for r in rs:
            assert len(r.note) > 30 and "-" in r.state and r.subject


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_references_survive_a_round_trip_through_toml(name: str) -> None:
    scen = load_scenario(name, check_quotes=False)
    text = dumps_scenario(scen)
    assert 'class = "' in text or "class =" in text
    assert parse_scenario(text) == scen


def test_outcomes_whose_definition_includes_accidents_say_so() -> None:
    eur = scenario_references(load_scenario("eurasia-2023", check_quotes=False))
    kor = scenario_references(load_scenario("korea-2018", check_quotes=False))
    assert all(r.accidents for r in eur["inter-korean-kinetic-incident"])
    assert all(r.accidents for r in kor["armed-clash"])
    assert not any(r.accidents for r in kor["war"])  # "a deliberate decision for all-out war"


def test_ceasefire_class_is_wars_with_great_power_involvement() -> None:
    (ref,) = scenario_references(load_scenario("eurasia-2023", check_quotes=False))["russia-ukraine-ceasefire"]
    assert ref.ref.startswith("conflict-termination:war") and ref.ref.endswith(":gp")


def test_unknown_family_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown reference family 'missle-test'.*did you mean 'missile-test'"):
        Reference.model_validate({"class": "missle-test:ICBM", "subject": "PRK", "note": "x"})


def test_state_defaults_to_the_subjects_sorted_pair() -> None:
    r = Reference.model_validate({"class": "mid-onset:4", "subject": "USA-PRK", "note": "x"})
    assert r.state_dyad == "PRK-USA"
    assert Reference.model_validate({"class": "nuclear-test", "subject": "PRK", "note": "x"}).state_dyad is None


def _without_reference(text: str, line_start: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(line_start))


def test_an_outcome_event_without_reference_is_refused_naming_field_and_fix() -> None:
    text = dumps_scenario(load_scenario("korea-2018", check_quotes=False))
    scen = parse_scenario(text)
    events = tuple(e.model_copy(update={"reference": None}) if e.id == "nuclear-test" else e for e in scen.events)
    broken = scen.model_copy(update={"events": events})
    with pytest.raises(ScenarioError) as err:
        scenario_references(broken, "korea.toml")
    msg = str(err.value)
    assert msg.startswith("korea.toml: events[nuclear-test].reference: named event 'nuclear-test'")
    assert "reference = { class =" in msg and "detente calibrate" in msg


def test_a_plover_outcome_without_reference_is_refused() -> None:
    scen = load_scenario("korea-2018", check_quotes=False)
    outcomes = tuple(o.model_copy(update={"reference": ()}) if o.id == "armed-clash" else o for o in scen.outcomes)
    with pytest.raises(ScenarioError, match=r"outcomes\[armed-clash\]\.reference: outcome 'armed-clash' \(its event is the PLOVER type 'ASSAULT'\)"):
        scenario_references(scen.model_copy(update={"outcomes": outcomes}))
