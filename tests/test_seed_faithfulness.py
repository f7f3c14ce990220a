"""The seed scenarios say only what their articles say: the rest is labelled assumption or question."""

from __future__ import annotations

import pytest

from detente.scenario import load_scenario
from detente.scenario.model import Scenario, Value


def position(s: Scenario, issue: str, actor: str) -> Value:
    return next(p.position for p in s.issue(issue).positions if p.actor == actor)


def test_korea_values_the_article_does_not_state_are_assumptions() -> None:
    s = load_scenario("korea-2018")
    for value in (
        position(s, "prk-nuclear-status", "CHN"),
        position(s, "prk-nuclear-status", "RUS"),
        s.actor("KOR").doctrine,
        position(s, "inter-korean-rapprochement", "KOR"),
        s.issue("sanctions-pressure").status_quo,
        position(s, "sanctions-pressure", "RUS"),
    ):
        assert value.source == "assumption" and value.quote is None and value.note


def test_eurasia_values_the_article_does_not_state_are_assumptions() -> None:
    s = load_scenario("eurasia-2023")
    assert s.actor("RUS").doctrine.source == "assumption"
    for issue, actor in (("prk-nuclear-status", "RUS"), ("inter-korean-military-posture", "RUS")):
        v = position(s, issue, actor)
        assert v.source == "assumption" and v.quote is None, (issue, actor)


def test_missing_claims_are_represented() -> None:
    korea = load_scenario("korea-2018")
    assert "toppling the entire regime" in (korea.actor("USA").quote or "")
    un = next(r for r in korea.relations if r.id == "un-sanctions")
    assert "force Moscow and Beijing" in (un.quote or "") and set(un.pressured) == {"CHN", "RUS"}  # type: ignore[union-attr]
    eurasia = load_scenario("eurasia-2023")
    e05 = eurasia.mechanism("E05")
    assert e05 is not None and "PRK" in e05.actors
    wmd = eurasia.issue("ukraine-wmd")
    assert position(eurasia, "ukraine-wmd", "RUS").value == 0 and "WMD" in (wmd.quote or "")


@pytest.mark.parametrize("sid", ["korea-2018", "eurasia-2023"])
def test_outcomes_the_article_does_not_name_are_questions_outside_every_mechanism(sid: str) -> None:
    s = load_scenario(sid)
    represented = {ref for m in s.mechanisms for ref in m.represented_by}
    questions = [o for o in s.outcomes if o.quote is None]
    assert questions
    for o in questions:
        assert o.description.startswith("As of ") and "?" in o.description, o.id
        assert f"As of {s.scenario.as_of.day} " in o.description, o.id
        assert o.note and "evaluation question" in o.note, o.id
        assert f"outcomes[{o.id}]" not in represented, o.id
    for o in s.outcomes:
        if o.quote is not None:
            assert o.source != "assumption"
