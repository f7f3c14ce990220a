"""The packaged event ontology: PLOVER types, quad classes, scores and the CAMEO mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.ontology import EventType, Quad, cameo, event_score, plover, quad_of


def test_plover_has_sixteen_types_in_four_quads() -> None:
    types = plover()
    assert set(types) == set(EventType)
    assert {info.quad for info in types.values()} == set(Quad)


def test_scores_run_from_cooperation_to_conflict() -> None:
    for etype, info in plover().items():
        assert -10 <= info.score <= 10, etype
        cooperative = info.quad in (Quad.VERBAL_COOPERATION, Quad.MATERIAL_COOPERATION)
        # cooperative types score >= 0, conflictual ones <= 0 (REQUEST sits at 0)
        assert (info.score >= 0) if cooperative else (info.score <= 0), etype
    assert event_score("ASSAULT") == min(i.score for i in plover().values())


def test_accuse_is_read_as_negative() -> None:
    # the manual prints 3 but every ACCUSE mode is negative: the packaged table reads it as -3
    assert event_score(EventType.ACCUSE) == -3.0
    assert all(v is not None and v < 0 for v in plover()[EventType.ACCUSE].modes.values())


def test_mode_scores_override_type_scores() -> None:
    assert event_score("ASSAULT", "unconventional") == -10.0
    assert event_score("ASSAULT", None) == -9.0
    assert event_score("PROTEST", "vandalize") == event_score("PROTEST")  # unscored mode


def test_cameo_codes_map_onto_plover_quads() -> None:
    codes = cameo()
    assert len(codes) > 300
    assert codes["190"].plover_event is EventType.ASSAULT
    assert codes["190"].goldstein == -10.0
    assert codes["042"].plover_event is EventType.CONSULT and codes["042"].plover_mode == "visit"
    for code in codes.values():
        assert code.goldstein is None or -10 <= code.goldstein <= 10
        if code.plover_event is not None and code.code[:2] in {"18", "19", "20"}:
            assert quad_of(code.plover_event) is Quad.MATERIAL_CONFLICT


def test_packaged_table_matches_the_shared_source(shared_dir: Path) -> None:
    from importlib import resources

    ours = resources.files("detente").joinpath("data", "ontology", "plover_ontology.json").read_text()
    assert ours == (shared_dir / "data" / "events" / "plover_ontology.json").read_text()


@pytest.mark.parametrize("bad", ["ATTACK", "assault"])
def test_unknown_event_type_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        event_score(bad)
