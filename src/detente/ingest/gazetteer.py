"""Actor resolution: country names and adjectives, capitals as metonyms, leaders by name and date, groupings.

The tables are derived by ``detente data build`` (:mod:`detente.ingest.build_tables`) from the
CountryInfo, NGEC and Phoenix/PETRARCH dictionaries (MIT) into the data directory's ``cache/gazetteer/``. Matching is a spaCy ``PhraseMatcher`` on
lower-cased tokens, keeping a match only when its first word is capitalised in the text (so "us" is not
the United States and "moon" is not Moon Jae-in), and the longest match where matches overlap (so the
"Sea of Japan" is a place, not Japan).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from detente.ingest._nlp import blank_english


@dataclass(frozen=True)
class ActorInfo:
    """A state (with its ISO 3166 alpha-3 code) or an organisation or grouping (with member states)."""

    id: str
    name: str
    kind: str
    iso3: str | None = None
    members: tuple[str, ...] = ()
    veto: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeaderInfo:
    """An office holder: the actor they speak for, their role and tenure (``end`` None while in office)."""

    name: str
    actor: str
    role: str
    start: dt.date | None
    end: dt.date | None
    source: str

    def in_office(self, day: dt.date) -> bool:
        """Whether the leader held the office on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Mention:
    """A mention of an actor in a sentence: token span, character span, and how it was recognised.

    ``via`` is ``name`` (a country name or adjective), ``capital`` (a metonym such as "Pyongyang"),
    ``leader`` or ``organisation``.
    """

    actor: str
    text: str
    start: int
    end: int
    start_char: int
    end_char: int
    via: str
    leader: str | None = None
    in_office: bool | None = None


def _table(folder: Path, name: str) -> list[dict[str, str]]:
    text = (folder / name).read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


class Gazetteer:
    """Resolves actor mentions in spaCy docs; build once with :meth:`load` (cached per process)."""

    def __init__(
        self,
        actors: dict[str, ActorInfo],
        aliases: dict[str, list[tuple[str, str]]],
        leaders: list[LeaderInfo],
        leader_aliases: dict[str, list[int]],
        places: list[str],
        exact: set[str],
    ) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = blank_english()
        self.actors = actors
        self.leaders = leaders
        self._aliases = aliases
        self._leader_aliases = leader_aliases
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        # Short aliases ("US", "UN", "Xi") must match in exactly the case the table gives.
        self._exact = exact
        make = self.nlp.make_doc
        for key in aliases:
            self.matcher.add("A|" + key, [make(key)])
        for key in leader_aliases:
            self.matcher.add("L|" + key, [make(key)])
        self.matcher.add("P|", [make(p) for p in places])
        self.special = Matcher(self.nlp.vocab)
        both: list[list[dict[str, Any]]] = [
            [{"LOWER": "north"}, {"LOWER": "and"}, {"LOWER": "south"}, {"LOWER": {"IN": ["korea", "koreas"]}}],
            [{"LOWER": "inter"}, {"ORTH": "-"}, {"LOWER": "korean"}],
            [{"LOWER": "two"}, {"LOWER": "koreas"}],
        ]
        self.special.add("PRK+KOR", both)
        self.special.add("CHN", [[{"LOWER": "sino"}, {"ORTH": "-"}]])

    @classmethod
    def load(cls, data: str | Path | None = None) -> Gazetteer:
        """The gazetteer built by ``detente data build`` in the data directory (loaded once per process).

        Args:
            data: An explicit data directory; default: see :func:`detente.datadir.data_dir`.

        Raises:
            DataMissingError: the tables are not built; the message says how to build them.
        """
        from detente.datasets import gazetteer_dir

        return _load(gazetteer_dir(data).resolve())

    def actor(self, actor_id: str) -> ActorInfo:
        """The actor with ``actor_id``; ``KeyError`` if unknown."""
        return self.actors[actor_id]

    def mentions(self, doc: Any, date: dt.date | None = None) -> list[Mention]:
        """The actor mentions in a spaCy doc, in text order, longest match first where they overlap.

        Args:
            doc: A spaCy ``Doc`` made with :func:`~detente.ingest._nlp.blank_english`.
            date: The text's date: a leader named in it resolves to their actor, and is marked in
                office or not on that date (a name shared by two office holders picks the one in office).
        """
        from spacy.util import filter_spans

        spans = []
        for match_id, start, end in self.matcher(doc):
            key = self.nlp.vocab.strings[match_id]
            first = doc[start]
            if not (first.text[:1].isupper() or first.text[:1].isdigit()):
                continue
            if end - start == 1 and len(first.text) <= 4 and first.text not in self._exact:
                continue
            span = doc[start:end]
            span.label_ = key
            spans.append(span)
        for match_id, start, end in self.special(doc):
            span = doc[start:end]
            span.label_ = "S|" + self.nlp.vocab.strings[match_id]
            spans.append(span)
        out: list[Mention] = []
        for span in filter_spans(spans):
            kind, _, key = span.label_.partition("|")
            base = {
                "text": span.text,
                "start": span.start,
                "end": span.end,
                "start_char": span.start_char,
                "end_char": span.end_char,
            }
            if kind == "P":
                continue
            if kind == "S":
                for actor in key.split("+"):
                    out.append(Mention(actor=actor, via="name", **base))  # type: ignore[arg-type]
            elif kind == "A":
                entries = self._aliases.get(key, [])
                if entries:
                    actor, via = entries[0][1], entries[0][0]
                    out.append(Mention(actor=actor, via=via, **base))  # type: ignore[arg-type]
            elif kind == "L":
                leader = self._pick_leader(key, date)
                if leader is None:
                    continue
                in_office = leader.in_office(date) if date else None
                out.append(
                    Mention(actor=leader.actor, via="leader", leader=leader.name, in_office=in_office, **base)  # type: ignore[arg-type]
                )
        return out

    def _pick_leader(self, key: str, date: dt.date | None) -> LeaderInfo | None:
        candidates = [self.leaders[i] for i in self._leader_aliases.get(key, [])]
        if not candidates:
            return None
        if date is not None:
            current = [c for c in candidates if c.in_office(date)]
            if current:
                candidates = current
        # Otherwise the most recent office holder of that name.
        return max(candidates, key=lambda c: (c.start or dt.date.min, c.source == "detente"))


@cache
def _load(folder: Path) -> Gazetteer:
    actors: dict[str, ActorInfo] = {}
    aliases: dict[str, list[tuple[str, str]]] = {}
    exact: set[str] = set()

    def add(alias: str, actor: str, via: str) -> None:
        key = alias.strip().lower()
        if len(alias.strip()) <= 4 and " " not in alias.strip():
            exact.add(alias.strip())
        if key:
            entries = aliases.setdefault(key, [])
            if all(a != actor for _, a in entries):
                entries.append((via, actor))

    for row in _table(folder, "countries.tsv"):
        iso3 = row["iso3"]
        actors[iso3] = ActorInfo(id=iso3, name=row["name"], kind="state", iso3=iso3)
        add(row["name"], iso3, "name")
        for alias in filter(None, row["aliases"].split("|")):
            add(alias, iso3, "name")
        for cap in filter(None, row["capitals"].split("|")):
            add(cap, iso3, "capital")
    for row in _table(folder, "organisations.tsv"):
        actors[row["id"]] = ActorInfo(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            members=tuple(filter(None, row["members"].split("|"))),
            veto=tuple(filter(None, row["veto"].split("|"))),
        )
        add(row["name"], row["id"], "organisation")
        for alias in filter(None, row["aliases"].split("|")):
            add(alias, row["id"], "organisation")
    # An alias two actors claim resolves to the first (countries come before organisations).
    fixed = {key: entries[:1] for key, entries in aliases.items()}
    leaders: list[LeaderInfo] = []
    leader_aliases: dict[str, list[int]] = {}
    for row in _table(folder, "leaders.tsv"):
        if row["actor"] not in actors:
            continue
        leaders.append(
            LeaderInfo(
                name=row["name"],
                actor=row["actor"],
                role=row["role"],
                start=_date(row["start"]),
                end=_date(row["end"]),
                source=row["source"],
            )
        )
        idx = len(leaders) - 1
        for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
            key = alias.strip().lower()
            if key in fixed:
                continue  # a country word wins over a person's name
            if len(alias.strip()) <= 4 and " " not in alias.strip():
                exact.add(alias.strip())
            leader_aliases.setdefault(key, [])
            if idx not in leader_aliases[key]:
                leader_aliases[key].append(idx)
    places = [row["phrase"] for row in _table(folder, "places.tsv")]
    return Gazetteer(actors, fixed, leaders, leader_aliases, places, exact)
