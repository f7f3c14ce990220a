"""Article → draft → validate → simulate → report, on the shipped articles and the three examples."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from detente.cli import main
from detente.ingest.article import ingest_article
from detente.ingest.draft import article_date, draft_scenario, signed_event
from detente.ontology import EventType
from detente.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = [
    ("valdai-2018-korea.txt", "2018-02-26"),  # not shipped: from the article folders (seeds_dir)
    ("valdai-2023-jeh.txt", "2023-09-01"),
    ("examples/articles/india-pakistan-2019.txt", None),
    ("examples/articles/armenia-azerbaijan-2020.txt", None),
    ("examples/articles/taiwan-strait-2022.txt", None),
]


@pytest.mark.parametrize(("name", "date"), ARTICLES, ids=lambda v: Path(str(v)).stem if v else "dated")
def test_article_draft_validates_simulates_and_reports(
    data_root: Path,
    tmp_path: Path,
    name: str,
    date: str | None,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    article = ROOT / name if "/" in name else request.getfixturevalue("seeds_dir") / name
    draft = tmp_path / "draft.toml"
    args = ["ingest", str(article), "--draft", str(draft), "--data", str(data_root)]
    main([*args, "--date", date] if date else args)
    text = draft.read_text(encoding="utf-8")
    assert "author_stance" not in text  # the author's stance is an annotation, not an engine parameter
    data = tomllib.loads(text)
    # States carry capabilities from the history data; the draft tracks standard outcomes.
    states = [a for a in data["actors"] if a.get("kind", "state") == "state"]
    assert any(a.get("capabilities", {}).get("military", {}).get("value", 0) > 0 for a in states)
    assert data.get("outcomes"), "the draft tracks the standard outcomes of its states"
    main(["validate", str(draft)])
    main(["simulate", str(draft), "--runs", "200", "--quiet"])
    html = tmp_path / "report.html"
    main(["report", "latest", "-o", str(html)])
    assert html.stat().st_size > 1000
    assert data["scenario"]["id"] in html.read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert "Scenario outcomes" in out


def test_india_pakistan_draft_has_the_record_and_the_right_signs(data_root: Path, tmp_path: Path) -> None:
    art = ROOT / "examples/articles/india-pakistan-2019.txt"
    found = ingest_article(art)
    s = draft_scenario(found, tmp_path / "d.toml", data=data_root)
    assert s.scenario.as_of == dt.date(2019, 2, 20)  # the article's own date line
    ind, pak = s.actor("IND"), s.actor("PAK")
    assert ind.capabilities.nuclear_status.value == "unofficial" == pak.capabilities.nuclear_status.value
    assert ind.capabilities.military.value > pak.capabilities.military.value > 0
    pair = {"IND", "PAK"}
    kinds = {r.kind for r in s.relations if set(r.members) >= pair and len(set(r.members)) == 2 or (
        r.kind == "sanctions" and {*r.enforcers, r.target} == pair)}  # type: ignore[union-attr]
    assert "partnership" not in kinds
    assert {"sanctions", "rivalry"} <= kinds
    sanction = next(r for r in s.relations if r.kind == "sanctions")
    assert "most-favoured-nation" in (sanction.quote or "")  # the claim's own sentence is its quote


def test_draft_of_a_sanctions_article_has_sanctions_never_a_partnership(data_root: Path, tmp_path: Path) -> None:
    found = ingest_article(ROOT / "tests/data/sanctions-article.txt")
    s = draft_scenario(found, tmp_path / "d.toml", data=data_root)
    pair = {"USA", "IRN"}
    rels = [r for r in s.relations if set(getattr(r, "members", ())) == pair]
    assert any(r.kind in ("sanctions", "rivalry") for r in rels)
    assert not any(r.kind == "partnership" for r in rels)
    assert any(r.kind == "sanctions" and r.target == "IRN" for r in s.relations)  # type: ignore[union-attr]


def test_withdrawing_a_trade_status_is_a_sanction_not_cooperation(event_tables: Path) -> None:
    found = ingest_article(ROOT / "examples/articles/india-pakistan-2019.txt")
    i = next(k for k, sent in enumerate(found.sentences) if "most-favoured-nation" in sent.text)
    coded = found.coded[i].events
    assert any(e.score > 0 for e in coded)  # what the coder alone makes of it
    signed = [signed_event(e, found.sentences[i].text) for e in coded]
    assert all(e.score < 0 for e in signed)
    assert {e.event for e in signed} == {EventType.SANCTION}


def test_draft_without_data_still_runs(event_tables: Path, tmp_path: Path) -> None:
    found = ingest_article(ROOT / "examples/articles/taiwan-strait-2022.txt")
    s = draft_scenario(found, tmp_path / "d.toml", data=tmp_path / "nothing-here")
    assert "No history data" in s.scenario.description
    assert all(not a.params for a in s.actors)


def test_article_date_reads_the_date_line() -> None:
    assert article_date("Title\n\nAn analysis, 20 July 2020\n\nBody") == dt.date(2020, 7, 20)
    assert article_date("Title\nno date here") is None


def test_written_draft_reads_back(data_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.toml"
    main(["ingest", str(ROOT / "examples/articles/taiwan-strait-2022.txt"), "--draft", str(out), "--data", str(data_root)])
    s = load_scenario(out)
    assert any(r.kind == "sanctions" for r in s.relations)
