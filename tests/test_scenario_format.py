"""The scenario format: parsing, round trips, shipped scenarios and their provenance."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from detente.mechanisms import SEED_INSTANCES
from detente.scenario import (
    Scenario,
    check_references,
    dumps_scenario,
    load_scenario,
    load_scenario_file,
    parse_scenario,
    quote_in_text,
    shipped_scenarios,
)
from detente.scenario.checks import check_quotes, walk
from detente.scenario.model import Provenance, Value
from tests.strategies import scenario_dicts

KOREA_2018 = tuple(k for k in SEED_INSTANCES if k.startswith("K"))
EURASIA_2023 = tuple(k for k in SEED_INSTANCES if k.startswith("E"))

DATA = Path(__file__).parent / "data"

KOREA_OUTCOMES = {
    "prk-nuclear-test", "prk-icbm-launch", "prk-slbm-test", "inter-korean-summit",
    "us-prk-leaders-meet", "putin-kim-meeting", "us-rok-exercises-suspended",
    "us-force-against-prk", "six-party-talks-resumed", "unsc-new-sanctions",
    "un-sanctions-eased", "inter-korean-military-agreement",
}  # fmt: skip
EURASIA_OUTCOMES = {
    "putin-kim-summit", "rus-prk-defence-treaty", "prk-arms-to-russia", "prk-troops-to-russia",
    "prk-nuclear-test", "prk-satellite-in-orbit", "inter-korean-military-agreement-collapse",
    "inter-korean-kinetic-incident", "inter-korean-war", "unsc-new-sanctions",
    "us-prk-leaders-meet", "russia-ukraine-ceasefire",
}  # fmt: skip


@given(scenario_dicts())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_scenario_round_trips_through_toml_unchanged(data: dict) -> None:
    scenario = Scenario.model_validate(data)
    check_references(scenario)
    text = dumps_scenario(scenario)
    again = parse_scenario(text)
    assert again == scenario
    # and the text itself is stable: writing the re-read scenario gives the same file
    assert dumps_scenario(again) == text


def test_bare_number_and_sourced_value_are_the_same_number() -> None:
    assert Value.model_validate(0.4) == Value(value=0.4)
    sourced = Value.model_validate({"value": 0.4, "source": "x", "quote": "q"})
    assert float(sourced) == 0.4 and sourced.has_provenance


def test_scenario_is_frozen() -> None:
    s = load_scenario(DATA / "tiny.toml")
    with pytest.raises(Exception, match="frozen"):
        s.actors[0].name = "Other"  # type: ignore[misc]


def test_shipped_scenarios_are_listed() -> None:
    assert {"korea-2018", "eurasia-2023"} <= set(shipped_scenarios())


@pytest.mark.parametrize(
    ("sid", "as_of", "mechanisms", "outcomes"),
    [
        ("korea-2018", "2018-02-26", KOREA_2018, KOREA_OUTCOMES),
        ("eurasia-2023", "2023-09-01", EURASIA_2023, EURASIA_OUTCOMES),
    ],
)
def test_shipped_scenario_covers_its_mechanisms_and_outcomes(
    sid: str, as_of: str, mechanisms: tuple[str, ...], outcomes: set[str]
) -> None:
    loaded = load_scenario_file(sid)  # checks every quote against the shipped article
    s = loaded.scenario
    assert str(s.scenario.as_of) == as_of
    assert s.scenario.horizon == 24
    modelled = {m.id for m in s.mechanisms}
    assert modelled >= set(mechanisms)
    for mid in mechanisms:
        mech = s.mechanism(mid)
        assert mech is not None and mech.quote, f"{mid} has no quote"
    assert outcomes <= {o.id for o in s.outcomes}


@pytest.mark.parametrize("sid", ["korea-2018", "eurasia-2023"])
def test_every_quote_in_shipped_scenarios_is_in_its_article(seeds_dir: Path, sid: str) -> None:
    loaded = load_scenario_file(sid, check_quotes=False)
    n = check_quotes(loaded.scenario, loaded.path)
    quotes = [o for _, o in walk(loaded.scenario) if isinstance(o, Provenance) and o.quote]
    assert n == len(quotes) > 19


def test_values_not_from_the_article_name_their_source() -> None:
    for sid in ("korea-2018", "eurasia-2023"):
        s = load_scenario(sid, check_quotes=False)
        for actor in s.actors:
            if actor.kind.value != "state":
                continue
            for name in ("military", "economic", "diplomatic"):
                v = getattr(actor.capabilities, name)
                assert v.source, f"{sid}: {actor.id}.capabilities.{name} has no source"


def test_shipped_file_parses_as_plain_toml() -> None:
    for path in shipped_scenarios().values():
        data = tomllib.loads(path.read_text("utf-8"))
        assert data["scenario"]["id"] == path.stem


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("Washington is not looking for compromises", True),
        ('the “Olympic truce,”', True),
        ('the "Olympic truce,"', True),  # straight quotes match typographic ones
        ("joint US-South Korea military manoeuvres", True),  # hyphen matches en dash
        ("The   North will not discuss\nthe nuclear process", True),  # whitespace folded
        ("The North will ... with the South", True),  # ellipsis stands for omitted words
        ("Washington is not looking for compromises ... The North will not discuss", False),  # in order
        ("Washington is looking for compromises", False),
    ],
)
def test_quote_matching_normalises_typography_but_not_words(seeds_dir: Path, quote: str, found: bool) -> None:
    text = (seeds_dir / "valdai-2018-korea.txt").read_text("utf-8")
    assert quote_in_text(quote, text) is found


@pytest.mark.parametrize("sid", ["korea-2018", "eurasia-2023"])
def test_shipped_scenario_uses_no_date_after_its_as_of(sid: str) -> None:
    import datetime as dt

    s = load_scenario(sid, check_quotes=False)
    as_of = s.scenario.as_of
    late = [
        (f"{path}.{name}", value)
        for path, obj in walk(s)
        for name, value in obj
        if isinstance(value, dt.date) and value > as_of
    ]
    assert not late, f"dates after the as-of date {as_of}: {late}"
    for src in s.sources:
        assert src.year is None or src.year <= as_of.year, src.id
