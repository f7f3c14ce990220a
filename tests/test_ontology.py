"""The event ontology: PLOVER types, quad classes, scores (authored code) and the CAMEO mapping (data)."""

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


def test_cameo_codes_map_onto_plover_quads(data_root: Path) -> None:
    codes = cameo(data_root)
    assert len(codes) > 300
    assert codes["190"].plover_event is EventType.ASSAULT
    assert codes["190"].goldstein == -10.0
    assert codes["042"].plover_event is EventType.CONSULT and codes["042"].plover_mode == "visit"
    for code in codes.values():
        assert code.goldstein is None or -10 <= code.goldstein <= 10
        if code.plover_event is not None and code.code[:2] in {"18", "19", "20"}:
            assert quad_of(code.plover_event) is Quad.MATERIAL_CONFLICT


def test_authored_plover_table_is_the_manuals(data_root: Path) -> None:
    # The authored code reproduces every type, quad, recipient rule and (mode) score of the PLOVER table.
    import json

    raw = json.loads((data_root / "events" / "plover_ontology.json").read_text("utf-8"))["event_types"]
    ours = plover()
    assert {t.value for t in ours} == set(raw)
    for name, info in raw.items():
        mine = ours[EventType(name)]
        assert (mine.quad.value, mine.score, mine.requires_recipient) == (
            info["quad"], info["score"], info["requires_recipient"]
        ), name
        assert mine.modes == info["modes"], name


def test_cameo_table_missing_says_how_to_get_it(tmp_path: Path) -> None:
    from detente.datadir import DataMissingError

    with pytest.raises(DataMissingError, match="detente data download events"):
        cameo(tmp_path)


@pytest.mark.parametrize("bad", ["ATTACK", "assault"])
def test_unknown_event_type_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        event_score(bad)


def test_shipped_intensities_citing_goldstein_are_the_tables(data_root: Path) -> None:
    # A shipped named event that cites a CAMEO code's Goldstein value as its intensity carries that value.
    import re

    from detente.scenario import load_scenario, shipped_scenarios

    codes = cameo(data_root)
    checked = 0
    for name, path in shipped_scenarios().items():
        source = path.read_text("utf-8")
        for ev in load_scenario(name).events:
            if ev.cameo is None:
                continue
            assert ev.intensity is not None, (name, ev.id)
            if re.search(rf"intensity = {re.escape(str(ev.intensity))}\s+# Goldstein .* CAMEO {ev.cameo}\b", source):
                assert ev.intensity == codes[ev.cameo].goldstein, (name, ev.id)
                checked += 1
    assert checked >= 10
