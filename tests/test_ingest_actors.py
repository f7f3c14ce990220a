"""Actor resolution: names, adjectives, capitals as metonyms, leaders by name and date, groupings."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("spacy")

from detente.ingest.article import ingest_article  # noqa: E402
from detente.ingest.gazetteer import Gazetteer, Mention  # noqa: E402
from detente.scenario import shipped_scenarios  # noqa: E402

pytestmark = pytest.mark.usefixtures("event_tables")


def mentions(text: str, date: dt.date | None = None) -> list[Mention]:
    gaz = Gazetteer.load()
    return gaz.mentions(gaz.nlp.make_doc(text), date)


def actors(text: str, date: dt.date | None = None) -> list[str]:
    return [m.actor for m in mentions(text, date)]


@pytest.mark.parametrize(
    ("capital", "iso3"),
    [("Washington", "USA"), ("Pyongyang", "PRK"), ("Seoul", "KOR"), ("Moscow", "RUS"), ("Beijing", "CHN"), ("Tokyo", "JPN")],
)
def test_capitals_resolve_as_metonyms(capital: str, iso3: str) -> None:
    found = mentions(f"Yesterday {capital} rejected the proposal.")
    assert [(m.actor, m.via, m.text) for m in found] == [(iso3, "capital", capital)]


@pytest.mark.parametrize(
    ("text", "iso3"),
    [("North Korean", "PRK"), ("South Korean", "KOR"), ("Russian", "RUS"), ("Chinese", "CHN"), ("American", "USA"), ("Japanese", "JPN"), ("British", "GBR")],
)
def test_nationality_adjectives_resolve_to_states(text: str, iso3: str) -> None:
    assert actors(f"The {text} delegation left.") == [iso3]


@pytest.mark.parametrize(
    ("leader", "iso3", "in_2018"),
    [("Kim Jong-un", "PRK", True), ("Moon Jae-in", "KOR", True), ("Donald Trump", "USA", True), ("Joe Biden", "USA", False)],
)
def test_leaders_resolve_by_name_and_date(leader: str, iso3: str, in_2018: bool) -> None:
    [m] = mentions(f"On Monday {leader} spoke.", dt.date(2018, 3, 1))
    assert (m.actor, m.via, m.in_office) == (iso3, "leader", in_2018)
    # Without a date the leader still resolves, with tenure unknown.
    [m] = mentions(f"On Monday {leader} spoke.")
    assert (m.actor, m.in_office) == (iso3, None)


def test_surname_alone_resolves_for_recent_leaders() -> None:
    assert actors("Trump met Putin and Xi.", dt.date(2019, 6, 1)) == ["USA", "RUS", "CHN"]


@pytest.mark.parametrize(
    ("text", "actor"),
    [("the UN Security Council", "UNSC"), ("NATO", "NATO"), ("AUKUS", "AUKUS"), ("the AP4", "AP4"), ("the United Nations", "UN")],
)
def test_organisations_and_groupings(text: str, actor: str) -> None:
    assert actors(f"Officials of {text} met.") == [actor]
    assert Gazetteer.load().actor(actor).kind in {"organisation", "bloc"}


def test_security_council_lists_its_veto_members() -> None:
    assert set(Gazetteer.load().actor("UNSC").veto) == {"USA", "RUS", "CHN", "GBR", "FRA"}


@pytest.mark.parametrize(
    "text",
    ["Let us go to the moon.", "He sailed the Sea of Japan.", "Tension on the Korean Peninsula rose.", "The Taiwan Strait is narrow."],
)
def test_lower_case_words_and_places_are_not_actors(text: str) -> None:
    assert actors(text) == []


def test_north_and_south_korea_name_both_states() -> None:
    assert actors("Talks between North and South Korea resumed.") == ["PRK", "KOR"]
    assert set(actors("The inter-Korean summit was held.")) == {"PRK", "KOR"}


def test_states_have_iso3_codes() -> None:
    gaz = Gazetteer.load()
    states = [a for a in gaz.actors.values() if a.kind == "state"]
    assert len(states) > 190
    assert all(a.iso3 == a.id and len(a.id) == 3 and a.id.isupper() for a in states)


SEEDS = {"valdai-2018-korea.txt": {"USA", "PRK", "KOR", "CHN", "RUS"},
         "valdai-2023-jeh.txt": {"USA", "RUS", "CHN", "PRK", "KOR", "JPN", "UKR", "GBR"}}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_articles_yield_every_state_they_name(seeds_dir: Path, name: str) -> None:
    found = set(ingest_article(seeds_dir / name).actor_mentions())
    assert SEEDS[name] <= found


def _article_of(scenario: Path) -> Path | None:
    """The scenario's first article, found by the resolver (the shipped ones are not shipped texts)."""
    from detente.scenario import parse_scenario
    from detente.scenario.sources import ArticleState, default_article_dir, resolve_article

    for src in parse_scenario(scenario.read_text("utf-8"), scenario).sources:
        if src.kind.value == "article" and src.path:
            found = resolve_article(src, scenario)
            if found.state is not ArticleState.FOUND:
                pytest.skip(
                    f"needs the article {found.file_name!r} (not shipped: save it as "
                    f"{default_article_dir() / found.file_name}, or set DETENTE_ARTICLES)"
                )
            return found.path
    return None


@pytest.mark.parametrize("scenario_id", sorted(shipped_scenarios()))
def test_ingest_finds_every_state_a_shipped_scenario_names_in_its_article(scenario_id: str) -> None:
    path = shipped_scenarios()[scenario_id]
    article = _article_of(path)
    if article is None:
        pytest.skip(f"{scenario_id} cites no article text")
    text = article.read_text("utf-8")
    ingested = ingest_article(article)
    found = set(ingested.actor_mentions())
    implied = set(ingested.implied_members())
    data = tomllib.loads(path.read_text("utf-8"))
    for actor in data["actors"]:
        if actor.get("kind", "state") != "state":
            continue
        names = [actor["name"], *actor.get("aliases", []), *(ld["name"] for ld in actor.get("leaders", []))]
        if any(n in text for n in names):
            assert actor["iso3"] in found, (scenario_id, actor["id"])
        elif actor["iso3"] not in found:
            # Named only through a grouping (Australia via AUKUS), or added from outside the article
            # (Japan in korea-2018, which the article never names): the latter is not required.
            assert actor["iso3"] in implied or not any(
                actor["iso3"] in g.get("members", []) for g in data["actors"] if g.get("kind") in {"bloc", "organisation"}
                and g["id"] in found
            ), (scenario_id, actor["id"])


def test_small_groupings_imply_their_members(seeds_dir: Path) -> None:
    implied = ingest_article(seeds_dir / "valdai-2023-jeh.txt").implied_members()
    assert implied["AUS"][0] in {"AUKUS", "AP4"}
    assert implied["NZL"][0] == "AP4"
    assert "USA" not in implied  # named in its own right
    assert "FRA" not in implied  # NATO is too large to imply its members


def test_every_state_resolves_by_its_own_name() -> None:
    gaz = Gazetteer.load()
    for info in gaz.actors.values():
        if info.kind == "state":
            found = [m.actor for m in mentions(f"Officials from {info.name} arrived.")]
            assert found == [info.id], (info.id, info.name, found)
