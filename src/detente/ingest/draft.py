"""A scenario draft from an ingested article: actors, relations, stances and candidate strategies, quoted.

The draft is a starting point for an analyst, not a finished scenario: every item quotes the sentence it
came from and carries a low confidence. Relations aggregate the coded events of each pair of actors into
net cooperation (the sum of PLOVER scores of events asserted as fact: not negated, hypothetical, future
or recommended); a positive sum drafts a partnership, a negative one a rivalry. A cooperative event in a
sentence that withdraws, suspends or cancels something ("withdrew the most-favoured-nation trade status"),
or that speaks of sanctions, tariffs, expulsions or threats, is read as a SANCTION or a THREAT; every
asserted SANCTION drafts a sanctions relation, and a pair under sanctions is never drafted as a
partnership. Recommendations become candidate strategies, one component per recommended point. The
author's stance toward an actor is an annotation (the actor's ``note``), which the engines ignore.

With the history data at hand (the data directory), the states' capabilities, nuclear status,
alliances, rivalries and standard outcomes with their base rates come from
:func:`detente.scenario.build.build` as of the article's date, so the draft runs as it is written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from pathlib import Path

from detente.datadir import DataMissingError
from detente.errors import InputError
from detente.ingest.article import Ingested
from detente.ingest.coder import Event
from detente.ingest.gazetteer import Gazetteer
from detente.ontology import EventType
from detente.scenario import (
    Actor,
    ActorKind,
    Partnership,
    Rivalry,
    Sanctions,
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
from detente.scenario.model import Leader, Meta, NamedEvent, Outcome, SanctionRegime

SOURCE_ID = "article"
_FACTUAL_EXCLUDES = {"negated", "hypothetical", "future", "recommended"}
# Words that turn the cooperation a sentence names into its withdrawal: "withdrew MFN status",
# "suspend cooperation", "cancel talks", "halted exports".
_REVERSAL = re.compile(
    r"\b(withdr[ae]w\w*|revok\w*|revoc\w*|suspend\w*|suspension|cancel\w*|halt\w*|terminat\w*|scrap\w*|"
    r"downgrad\w*|recall\w*|cut off|cuts off|stopp?\w*|freez\w*|froze\w*|expel\w*|expuls\w*)\b",
    re.IGNORECASE,
)
_SANCTION_WORDS = re.compile(
    r"\b(sanction\w*|embargo\w*|tariff\w*|customs dut\w*|boycott\w*|blockade\w*|expel\w*|expuls\w*|"
    r"ban(?:s|ned)? (?:on )?(?:imports|exports)|suspended imports|halted exports)\b",
    re.IGNORECASE,
)
_THREAT_WORDS = re.compile(r"\b(threat\w*|ultimat\w*)\b", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) "
    r"(\d{4})\b"
)
_MONTHS = ("January February March April May June July August September October November December").split()


def signed_event(event: Event, sentence: str) -> Event:
    """The event with the sign its sentence gives it.

    A cooperative event in a sentence that withdraws, suspends or cancels cooperation, or that speaks of
    sanctions, tariffs or expulsions, becomes a SANCTION (PLOVER: reducing or stopping cooperation); one
    in a sentence about threats becomes a THREATEN. Conflictual events are left as coded.
    """
    import dataclasses

    from detente.ontology import Quad, event_score

    if event.score <= 0:
        return event
    if _SANCTION_WORDS.search(sentence) or _REVERSAL.search(sentence):
        new, mode = EventType.SANCTION, "withdraw"
    elif _THREAT_WORDS.search(sentence):
        new, mode = EventType.THREATEN, None
    else:
        return event
    return dataclasses.replace(
        event, event=new, mode=mode, score=event_score(new, mode),
        quad=Quad.MATERIAL_CONFLICT if new is EventType.SANCTION else Quad.VERBAL_CONFLICT,
    )  # fmt: skip


def article_date(text: str) -> dt.date | None:
    """The first date written out in the article's first lines ("20 February 2019"), if any."""
    for line in text.splitlines()[:6]:
        m = _DATE_LINE.search(line)
        if m:
            try:
                return dt.date(int(m[3]), _MONTHS.index(m[2]) + 1, int(m[1]))
            except ValueError:
                return None
    return None


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return (slug or "draft")[:60]


def _short(text: str, words: int = 8) -> str:
    parts = re.sub(r"^(First|Second|Third|Fourth|Fifth|Sixth|Finally|Lastly),\s*", "", text).split()
    name = " ".join(parts[:words]).rstrip(",;:.")
    return (name[:1].upper() + name[1:]) if name else "Recommended point"


def draft_scenario(
    ingested: Ingested,
    out: str | Path,
    *,
    source_path: str | None = None,
    data: str | Path | None = None,
    use_data: bool = True,
) -> Scenario:
    """Build a scenario draft from an ingested article.

    Args:
        ingested: The article's findings (:func:`~detente.ingest.article.ingest_article`).
        out: Where the draft will be written: the source's ``path`` is relative to its folder.
        source_path: The text quotes are checked against, if not the article itself (for HTML or
            Markdown, the cleaned text written beside the draft).
        data: The data directory (``--data``) for capabilities, alliances and base rates.
        use_data: Fill the states' values from the history data when it is there.

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
    as_of = (
        ingested.date
        or article_date(ingested.clean.text)
        or dt.date.fromtimestamp(ingested.path.stat().st_mtime)
    )
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
                "note": (
                    f"{a.note}; the author's stance toward {a.name}: {stances[a.id].value:+.2f} on [-1, 1], from "
                    f"evaluative words in {stances[a.id].sentences} sentence(s) with it as subject, e.g. "
                    f"\u201c{stances[a.id].quote}\u201d (an annotation: the engines ignore it)"
                )
            }
        )
        if a.id in stances
        else a
        for a in actors
    ]

    relations: list[Partnership | Rivalry | Sanctions] = []
    net: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[tuple[str, str], int] = defaultdict(int)
    strongest: dict[tuple[str, str], tuple[float, int]] = {}
    sanctioned: dict[tuple[str, str], int] = {}  # (enforcer, target) → sentence
    for i, raw in ingested.events():
        if set(raw.markers) & _FACTUAL_EXCLUDES:
            continue
        event = signed_event(raw, sentences[i].text)
        # A sanction, or a coercive restriction in a sentence about sanctions ("imposed new sanctions").
        if event.event is EventType.SANCTION or (
            event.event is EventType.COERCE and _SANCTION_WORDS.search(sentences[i].text)
        ):
            for s in event.source:
                for t in event.target:
                    if s != t and s in ids and t in ids:
                        sanctioned.setdefault((s, t), i)
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
        if total > 0 and ((a, b) in sanctioned or (b, a) in sanctioned):
            continue  # a pair under sanctions is no partnership, whatever else the article says of it
        if total > 0:
            relations.append(Partnership(members=(a, b), strength=level, **common))
        else:
            relations.append(Rivalry(members=(a, b), strength=level, tension=level, **common))

    for (enf, tgt), i in sorted(sanctioned.items()):
        relations.append(
            Sanctions(
                id=f"{enf}-sanctions-{tgt}".lower(), regime=SanctionRegime.UNILATERAL, enforcers=(enf,), target=tgt,
                intensity=Value(value=0.5, source="assumption", note="CHECK: the article does not say how hard they bite"),
                source=SOURCE_ID, quote=sentences[i].text, confidence=0.5,
            )
        )  # fmt: skip

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
    sources_extra: tuple[Source, ...] = ()
    events_built: tuple[NamedEvent, ...] = ()
    outcomes_built: tuple[Outcome, ...] = ()
    data_note = ""
    states = [a.iso3 for a in actors if a.kind is ActorKind.STATE and a.iso3 and a.iso3 == a.id]
    # The crisis's own states: named in the article (not only implied by an organisation), the most
    # mentioned first; relations and standard outcomes are built for at most six of them.
    principal = sorted((s for s in states if s in mentions), key=lambda s: -len(mentions[s]))[:6]
    if use_data and len(principal) >= 2:
        from detente.scenario.build import build

        try:
            built = build(principal, as_of, data).scenario
            every = build(states, as_of, data, fit=False).scenario if len(states) > len(principal) else built
        except DataMissingError as exc:
            data_note = f" No history data ({exc}): capabilities, nuclear status and alliances are left at 0/none."
        else:
            by_id = {a.id: a for a in every.actors}
            actors = [
                a.model_copy(update={"capabilities": by_id[a.id].capabilities, "doctrine": by_id[a.id].doctrine,
                                     "note": f"{a.note}; {by_id[a.id].note}"})
                if a.id in by_id else a
                for a in actors
            ]  # fmt: skip
            covered = {frozenset(r.members): k for k, r in enumerate(built.relations)}
            merged = list(built.relations)
            for drafted in relations:
                key = frozenset(drafted.members)
                if isinstance(drafted, Sanctions) or key not in covered or len(key) != 2:
                    merged.append(drafted)
                    continue
                k = covered[key]
                merged[k] = merged[k].model_copy(
                    update={"note": f"{merged[k].note}; the article ({drafted.kind}): \u201c{drafted.quote}\u201d"}
                )
            relations = merged  # type: ignore[assignment]
            sources_extra = built.sources
            events_built = built.events
            outcomes_built = built.outcomes
            data_note = (
                f" States' capabilities, nuclear status, alliances, rivalries and the standard outcomes with their "
                f"base rates come from the history data as of {as_of} (`detente new`)."
            )
    scenario = Scenario(
        scenario=Meta(
            id=_slug(ingested.path.stem),
            title=title if len(title) <= 200 else title[:197] + "...",
            as_of=as_of,
            description=(
                f"Draft from {ingested.path.name} by `detente ingest`: review every value; confidences are low "
                "on purpose." + data_note
            ),
        ),
        sources=(
            Source(
                id=SOURCE_ID,
                title=title,
                path=rel,
                note="The article as ingested; quotes below are its sentences.",
            ),
            *sources_extra,
        ),
        actors=tuple(actors),
        relations=tuple(relations),
        events=events_built,
        strategies=tuple(strategies),
        outcomes=outcomes_built,
    )
    return scenario


def write_draft(
    ingested: Ingested, out: str | Path, *, data: str | Path | None = None, use_data: bool = True
) -> tuple[Scenario, Path]:
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
    scenario = draft_scenario(ingested, out, source_path=source_path, data=data, use_data=use_data)
    text = dumps_scenario(scenario)
    # The draft must read back and pass every check before it is written.
    parsed = parse_scenario(text, out)
    check_references(parsed, out)
    check_quotes(parsed, out)  # source paths resolve from out's folder, which exists
    out.write_text(text, encoding="utf-8")
    return parsed, Path(source_path) if source_path else ingested.path
