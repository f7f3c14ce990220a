"""The event coder: who did what to whom, PLOVER types and scores, markers, and its dev-file figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("spacy")

from detente.ingest.coder import EventCoder  # noqa: E402
from detente.ingest.evaluate import evaluate, read_class_gold, spans_of  # noqa: E402
from detente.ontology import EventType, Quad, event_score, plover, quad_of  # noqa: E402

pytestmark = pytest.mark.usefixtures("event_tables")


@pytest.fixture(scope="module")
def coder(event_tables: Path) -> EventCoder:
    return EventCoder.load()


def first(coder: EventCoder, text: str):  # type: ignore[no-untyped-def]
    events = coder.code(text).events
    assert events, text
    return events[0]


def test_sanctions_are_material_conflict_from_source_to_target(coder: EventCoder) -> None:
    e = first(coder, "The United States imposed sanctions on North Korea.")
    assert (e.source, e.target, e.quad, e.markers) == (("USA",), ("PRK",), Quad.MATERIAL_CONFLICT, ())
    assert e.score < 0


def test_meeting_is_verbal_cooperation(coder: EventCoder) -> None:
    e = first(coder, "Moon Jae-in met Kim Jong-un in Panmunjom.")
    assert (e.event, e.source, e.target) == (EventType.CONSULT, ("KOR",), ("PRK",))
    assert e.quad is Quad.VERBAL_COOPERATION and e.score > 0


def test_conjoined_actors_act_together(coder: EventCoder) -> None:
    e = first(coder, "Russia, China and Iran condemned the United States.")
    assert (e.event, e.source, e.target) == (EventType.ACCUSE, ("RUS", "CHN", "IRN"), ("USA",))
    e = first(coder, "The United States condemned Russia and China.")
    assert (e.source, e.target) == (("USA",), ("RUS", "CHN"))


def test_passive_voice_swaps_source_and_target(coder: EventCoder) -> None:
    e = first(coder, "North Korea was attacked by the United States.")
    assert (e.event, e.source, e.target) == (EventType.ASSAULT, ("USA",), ("PRK",))


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Russian diplomacy must be deployed to persuade Pyongyang.", "recommended"),
        ("Seoul should negotiate with Pyongyang.", "recommended"),
        ("Russia did not attack Ukraine.", "negated"),
        ("If Russia attacks Ukraine, NATO will respond.", "hypothetical"),
        ("Russia will attack Ukraine next year.", "future"),
    ],
)
def test_markers_set_apart_what_did_not_happen(coder: EventCoder, text: str, marker: str) -> None:
    assert marker in first(coder, text).markers


def test_plain_past_event_carries_no_marker(coder: EventCoder) -> None:
    assert first(coder, "Beijing condemned Tokyo.").markers == ()


def test_to_dict_has_the_code_events_fields(coder: EventCoder) -> None:
    d = first(coder, "Beijing condemned Tokyo.").to_dict()
    assert {"source", "target", "event", "mode", "quad", "score", "markers"} <= set(d)
    assert d["source"] == ["CHN"] and d["target"] == ["JPN"] and d["quad"] == "verbal_conflict"


def dev_sentences(root: Path) -> list[str]:
    return [s for s, _ in read_class_gold(root / "events" / "news" / "cameo_class_train.tsv")]


def test_every_coded_event_agrees_with_the_ontology(coder: EventCoder, data_root: Path) -> None:
    coded = coder.code_many(dev_sentences(data_root)[:400])
    events = [e for c in coded for e in c.events]
    assert len(events) > 400
    for e in events:
        assert e.quad is quad_of(e.event)
        assert e.score == event_score(e.event, e.mode)
        assert e.mode is None or e.mode in plover()[e.event].modes
        assert -10 <= e.score <= 10


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["Russia", "attacked", "the", "US", "talks", "not", "will", ",", "and", "China", "sanctions", "by", "was"]), max_size=15))
def test_coder_never_fails_and_spans_stay_inside_the_sentence(coder: EventCoder, words: list[str]) -> None:
    coded = coder.code_words(words) if words else coder.code("")
    for e in coded.events:
        for span in (e.source_span, e.target_span):
            assert span is None or 0 <= span[0] < span[1] <= len(words)
        assert set(e.markers) <= {"negated", "hypothetical", "future", "recommended"}
    assert 0 <= coded.pentaclass <= 4


def test_bio_tags_become_spans() -> None:
    tags = ["B-S", "I-S", "O", "B-T", "O", "B-R", "I-R", "I-T"]
    assert spans_of(tags) == {"source": {(0, 2), (5, 7)}, "target": {(3, 4), (5, 7), (7, 8)}}


def test_coder_beats_the_majority_baseline_by_a_wide_margin(data_root: Path) -> None:
    scores = evaluate(data_root / "events" / "news" / "cameo_class_train.tsv")
    assert scores.n > 1300  # type: ignore[union-attr]
    assert scores.accuracy >= scores.baseline_accuracy + 0.25  # type: ignore[union-attr]
    assert scores.macro_f1 >= 2 * scores.baseline_macro_f1  # type: ignore[union-attr]


def test_span_scores_are_reported_for_source_and_target(data_root: Path) -> None:
    scores = evaluate(data_root / "events" / "news" / "cameo_ner_train.txt")
    assert scores.n > 1100  # type: ignore[union-attr]
    table = scores.scores  # type: ignore[union-attr]
    for role in ("source", "target"):
        for match in ("exact", "overlap"):
            s = table[f"coder.{role}.{match}"]
            assert 0 < s["f1"] <= 1
            assert table[f"coder.{role}.overlap"]["f1"] >= table[f"coder.{role}.exact"]["f1"]
