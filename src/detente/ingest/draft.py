"""A scenario draft from an ingested article: actors, relations, stances and candidate strategies, quoted.

The draft is a starting point for an analyst, not a finished scenario: every item quotes the sentence it
came from and carries a low confidence. Relations aggregate the coded events of each pair of actors into
net cooperation (the sum of PLOVER scores of events asserted as fact: not negated, hypothetical, future
or recommended); a positive sum drafts a partnership, a negative one a rivalry. Recommendations become
candidate strategies, one component per recommended point.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from pathlib import Path

from detente.errors import InputError
from detente.ingest.article import Ingested
from detente.ingest.gazetteer import Gazetteer
from detente.ontology import EventType
from detente.scenario import (
    Actor,
    ActorKind,
    Partnership,
    Rivalry,
    Scenario,
    Source,
    Strategy,
    StrategyAction,
    StrategyComponent,
    Value,
    check_quotes,
    check_references,
    dumps_scenario,
    parse_scenario,
)
from detente.scenario.model import Leader, Meta

SOURCE_ID = "article"
_FACTUAL_EXCLUDES = {"negated", "hypothetical", "future", "recommended"}


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return (slug or "draft")[:60]


def _short(text: str, words: int = 8) -> str:
    parts = re.sub(r"^(First|Second|Third|Fourth|Fifth|Sixth|Finally|Lastly),\s*", "", text).split()
    name = " ".join(parts[:words]).rstrip(",;:.")
    return (name[:1].upper() + name[1:]) if name else "Recommended point"


def draft_scenario(ingested: Ingested, out: str | Path, *, source_path: str | None = None) -> Scenario:
    """Build a scenario draft from an ingested article.

    Args:
        ingested: The article's findings (:func:`~detente.ingest.article.ingest_article`).
        out: Where the draft will be written: the source's ``path`` is relative to its folder.
        source_path: The text quotes are checked against, if not the article itself (for HTML or
            Markdown, the cleaned text written beside the draft).

    Returns:
        A scenario that passes ``parse_scenario``, ``check_references`` and ``check_quotes``.
    """
    out = Path(out)
    article = Path(source_path) if source_path else ingested.path
    try:
        rel = os.path.relpath(article.resolve(), out.resolve().parent)
    except ValueError:  # another drive on Windows
        rel = str(article.resolve())
    sentences = ingested.sentences
    title = next((s.text for s in sentences if s.kind == "heading"), ingested.path.stem)
    as_of = ingested.date or dt.date.fromtimestamp(ingested.path.stat().st_mtime)
    gaz = Gazetteer.load()
    mentions = ingested.actor_mentions()

    actors: list[Actor] = []
    ids = set()
    for actor_id, found in mentions.items():
        info = gaz.actor(actor_id)
        first_i, first = found[0]
        named = next(((i, m) for i, m in found if m.via in {"name", "organisation"}), (first_i, first))
        quote = sentences[named[0]].text
        aliases = sorted({m.text for _, m in found if m.text != info.name and m.via != "leader"})
        leaders = []
        seen_leaders = set()
        for _, m in found:
            if m.leader and m.leader not in seen_leaders:
                seen_leaders.add(m.leader)
                li = next((x for x in gaz.leaders if x.name == m.leader and x.actor == actor_id), None)
                if li is not None:
                    leaders.append(Leader(name=li.name, title=li.role, start=li.start, end=li.end))
        kind = ActorKind.STATE if info.kind == "state" else (
            ActorKind.BLOC if info.kind == "bloc" else ActorKind.ORGANISATION
        )
        actors.append(
            Actor(
                id=actor_id,
                name=info.name,
                kind=kind,
                iso3=info.iso3,
                aliases=tuple(aliases),
                leaders=tuple(leaders),
                source=SOURCE_ID,
                quote=quote,
                confidence=0.9 if named[1].via in {"name", "organisation"} else 0.6,
                note=f"{len(found)} mention(s): " + ", ".join(sorted({m.via for _, m in found})),
            )
        )
        ids.add(actor_id)
    for member, (group, index) in ingested.implied_members().items():
        info = gaz.actor(member)
        actors.append(
            Actor(
                id=member,
                name=info.name,
                iso3=info.iso3,
                source=SOURCE_ID,
                quote=sentences[index].text,
                confidence=0.5,
                note=f"not named in the article: a member of {gaz.actor(group).name}, which it names",
            )
        )
        ids.add(member)
    # Organisations list only the members the draft has as actors.
    actors = [
        a.model_copy(
            update={
                "members": tuple(m for m in gaz.actor(a.id).members if m in ids),
                "veto": tuple(m for m in gaz.actor(a.id).veto if m in ids),
            }
        )
        if a.kind is not ActorKind.STATE
        else a
        for a in actors
    ]
    stances = ingested.stances()
    actors = [
        a.model_copy(
            update={
                "params": {
                    "author_stance": Value(
                        value=stances[a.id].value,
                        source=SOURCE_ID,
                        quote=stances[a.id].quote,
                        confidence=0.3,
                        note=(
                            f"the author's stance toward {a.name} in [-1, 1], from evaluative words in "
                            f"{stances[a.id].sentences} sentence(s) with it as subject; review it"
                        ),
                    )
                }
            }
        )
        if a.id in stances
        else a
        for a in actors
    ]

    relations: list[Partnership | Rivalry] = []
    net: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[tuple[str, str], int] = defaultdict(int)
    strongest: dict[tuple[str, str], tuple[float, int]] = {}
    for i, event in ingested.events():
        if set(event.markers) & _FACTUAL_EXCLUDES:
            continue
        for s in event.source:
            for t in event.target:
                if s == t or s not in ids or t not in ids:
                    continue
                a, b = sorted((s, t))
                pair = (a, b)
                net[pair] += event.score
                count[pair] += 1
                if pair not in strongest or abs(event.score) > strongest[pair][0]:
                    strongest[pair] = (abs(event.score), i)
    for (a, b), total in sorted(net.items()):
        if total == 0:
            continue
        quote = sentences[strongest[(a, b)][1]].text
        level = Value(
            value=round(min(1.0, abs(total) / 10.0), 3),
            source=SOURCE_ID,
            quote=quote,
            confidence=0.3,
            note=f"net cooperation {total:+.1f} (PLOVER scores) from {count[(a, b)]} coded event(s); |net|/10, capped at 1",
        )
        common = {"id": f"{a}-{b}".lower(), "source": SOURCE_ID, "quote": quote, "confidence": 0.3}
        if total > 0:
            relations.append(Partnership(members=(a, b), strength=level, **common))
        else:
            relations.append(Rivalry(members=(a, b), strength=level, tension=level, **common))

    strategies: list[Strategy] = []
    for k, rec in enumerate(ingested.recommendations, start=1):
        if rec.actor is None or rec.actor not in ids:
            continue
        points = rec.items or (rec.lead,)
        components = []
        for j, idx in enumerate(points, start=1):
            sent = sentences[idx]
            coded = ingested.coded[idx]
            point_event = next((e for e in coded.events if e.event is not EventType.REQUEST), None)
            others = tuple(a for a in coded.actors if a != rec.actor and a in ids)
            targets = tuple(
                t for t in (point_event.target if point_event else ()) if t != rec.actor and t in ids
            ) or others
            action = StrategyAction(
                actor=rec.actor,
                event=(point_event.event.value if point_event else EventType.CONSULT.value),
                targets=targets,
                weight=Value(
                    value=1.0,
                    source=SOURCE_ID,
                    quote=sent.text,
                    confidence=0.3,
                    note=(
                        f"coded from {point_event.trigger!r}"
                        if point_event
                        else "no event coded in this point: CONSULT is a placeholder"
                    ),
                ),
                source=SOURCE_ID,
                quote=sent.text,
            )
            components.append(
                StrategyComponent(
                    id=f"rec{k}-{j}", name=_short(sent.text), actions=(action,), source=SOURCE_ID, quote=sent.text
                )
            )
        lead = sentences[rec.lead].text
        strategies.append(
            Strategy(
                id=f"recommendation-{k}",
                name=f"{gaz.actor(rec.actor).name}: {_short(lead, 10)}",
                actor=rec.actor,
                description="A candidate strategy drafted from the author's recommendation.",
                components=tuple(components),
                source=SOURCE_ID,
                quote=lead,
                confidence=0.5,
            )
        )

    if not actors:
        raise InputError(
            f"{ingested.path}: no state or organisation was recognised, so there is nothing to draft "
            "(fix: check that the article names its actors; `detente ingest` lists what it found)"
        )
    scenario = Scenario(
        scenario=Meta(
            id=_slug(ingested.path.stem),
            title=title if len(title) <= 200 else title[:197] + "...",
            as_of=as_of,
            description=(
                f"Draft from {ingested.path.name} by `detente ingest`: review every value; confidences are low "
                "on purpose."
            ),
        ),
        sources=(
            Source(
                id=SOURCE_ID,
                title=title,
                path=rel,
                note="The article as ingested; quotes below are its sentences.",
            ),
        ),
        actors=tuple(actors),
        relations=tuple(relations),
        strategies=tuple(strategies),
    )
    return scenario


def write_draft(ingested: Ingested, out: str | Path) -> tuple[Scenario, Path]:
    """Write a validated scenario draft to ``out`` (TOML) and return it with the quoted text's path.

    For HTML and Markdown articles, the cleaned text is written beside the draft (``OUT.source.txt``) so
    the quotes can be checked against it.
    """
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise InputError(f"{out}: folder {out.parent} does not exist (fix: create it or choose another path)")
    source_path = None
    if ingested.clean.format != "text":
        source = out.with_suffix(".source.txt")
        source.write_text(ingested.clean.text, encoding="utf-8")
        source_path = str(source)
    scenario = draft_scenario(ingested, out, source_path=source_path)
    text = dumps_scenario(scenario)
    # The draft must read back and pass every check before it is written.
    parsed = parse_scenario(text, out)
    check_references(parsed, out)
    check_quotes(parsed, out)  # source paths resolve from out's folder, which exists
    out.write_text(text, encoding="utf-8")
    return parsed, Path(source_path) if source_path else ingested.path
