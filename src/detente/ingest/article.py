"""One article from file to findings: cleaned sentences, actors, coded events, stances, recommendations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from detente.ingest.coder import CodedSentence, Event, EventCoder
from detente.ingest.gazetteer import Mention
from detente.ingest.text import CleanText, Sentence, clean, is_ordinal_item, read_article

MAX_IMPLIED_MEMBERS = 8
"""Groupings up to this size (AUKUS, AP4, the Quad, G7, the Security Council's five) imply their members."""

# The author's evaluative words (a small hand-made lexicon; stances are drafts for review).
NEGATIVE = frozenset(
    "arrogance arrogant aggressive aggression shameless blackmail blackmailed provocation provocations "
    "provoke draconian hegemonic bluffing suffocate repressive intimidate twisting unacceptable violate "
    "violating discredit dismissed illegitimate delusion dangerous reckless capitulation blockade "
    "catastrophe disaster abyss ultimatums hamper undermine".split()
)
POSITIVE = frozenset(
    "legitimate constructive friendly co-operative cooperative patience flexibility reconciliation "
    "rapprochement progress trust partnership warming peace détente detente dialogue compromises "
    "cooperation guarantees".split()
)
# A modal right after the subject: "Russian diplomacy must be deployed", "Seoul should …"; not "must be
# recalled" (a figure of speech) nor "should probably" (a forecast).
_MODAL = re.compile(
    r"^(?:\s+[\w’'\-]+){0,2}?\s+(must|should|ought to|needs? to|has to|have to)\b"
    r"(?!\s+(probably|not|never|be\s+(recalled|noted|said|admitted|remembered|acknowledged|emphasi[sz]ed|stressed|understood|seen)))",
    re.IGNORECASE,
)
_IMPERSONAL = re.compile(r"\bit is (necessary|essential|important|vital|imperative) (for ([\w\s]+?) )?to\b", re.IGNORECASE)


@dataclass(frozen=True)
class Recommendation:
    """An author's recommendation: the lead sentence, its actor, and the items that spell it out."""

    lead: int
    actor: str | None
    items: tuple[int, ...]


@dataclass(frozen=True)
class Stance:
    """The author's stance toward an actor in [-1, 1], from evaluative words in sentences naming it."""

    actor: str
    value: float
    sentences: int
    quote: str


@dataclass
class Ingested:
    """An ingested article: its cleaning record, and per kept sentence, the coding."""

    path: Path
    clean: CleanText
    coded: list[CodedSentence]
    date: dt.date | None = None
    recommendations: list[Recommendation] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        """The kept sentences, in order."""
        return self.clean.sentences

    def actor_mentions(self) -> dict[str, list[tuple[int, Mention]]]:
        """Each actor's mentions as ``(sentence index, mention)``, actors in order of first mention."""
        out: dict[str, list[tuple[int, Mention]]] = {}
        for i, coded in enumerate(self.coded):
            for m in coded.mentions:
                out.setdefault(m.actor, []).append((i, m))
        return out

    def implied_members(self, max_members: int = MAX_IMPLIED_MEMBERS) -> dict[str, tuple[str, int]]:
        """States the article names only through a small grouping it names ("AUKUS" → Australia).

        Returns ``{state: (grouping, sentence index of the grouping's first mention)}`` for member
        states of groupings with at most ``max_members`` members (not NATO's 32) that the article
        does not name itself.
        """
        from detente.ingest.gazetteer import Gazetteer

        gaz = Gazetteer.load()
        named = self.actor_mentions()
        out: dict[str, tuple[str, int]] = {}
        for actor_id, found in named.items():
            members = gaz.actor(actor_id).members
            if not members or len(members) > max_members:
                continue
            for member in members:
                if member not in named and member not in out:
                    out[member] = (actor_id, found[0][0])
        return out

    def events(self) -> list[tuple[int, Event]]:
        """Every coded event as ``(sentence index, event)``."""
        return [(i, e) for i, c in enumerate(self.coded) for e in c.events]

    def stances(self) -> dict[str, Stance]:
        """The author's stance toward each actor, from evaluative words in sentences it is the subject of.

        The subject is the sentence's first actor mention, unless a passive follows it ("are being
        blackmailed"): then the words describe what is done to the actor, not the actor, and the
        sentence is left out. A draft for review: a small lexicon, not a sentiment model.
        """
        tally: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for i, (sent, coded) in enumerate(zip(self.sentences, self.coded, strict=True)):
            if sent.kind == "heading" or not coded.mentions:
                continue
            words = Counter(re.findall(r"[\w\-é]+", sent.text.lower()))
            neg = sum(words[w] for w in NEGATIVE)
            pos = sum(words[w] for w in POSITIVE)
            if neg + pos == 0:
                continue
            subject = coded.mentions[0]
            after = sent.text[subject.end_char : subject.end_char + 40].lower()
            if re.match(r"^(\s+and\s+[\w\s]+?)?\s+(is|are|was|were|has been|have been)\s+(being\s+)?\w+ed\b", after):
                continue
            subjects = {m.actor for m in coded.mentions if m.start_char <= subject.end_char + 15}
            for actor in subjects:
                tally[actor].append(((pos - neg) / (pos + neg), i))
        out = {}
        for actor, rows in tally.items():
            value = sum(v for v, _ in rows) / len(rows)
            strongest = max(rows, key=lambda r: (abs(r[0]), -r[1]))[1]
            out[actor] = Stance(actor, round(value, 3), len(rows), self.sentences[strongest].text)
        return out


def find_recommendations(sentences: list[Sentence], coded: list[CodedSentence]) -> list[Recommendation]:
    """Recommendation leads ("Russian diplomacy must be deployed …") and the items or points after them."""
    out: list[Recommendation] = []
    i = 0
    n = len(sentences)
    while i < n:
        sent = sentences[i]
        actor = None
        if sent.kind != "heading":
            for m in coded[i].mentions:
                if _MODAL.match(sent.text[m.end_char :]):
                    actor = m.actor
                    break
            imp = _IMPERSONAL.search(sent.text)
            if actor is None and imp is not None:
                inside = [m for m in coded[i].mentions if imp.start() <= m.start_char < imp.end()]
                actor = inside[0].actor if inside else (coded[i].mentions[0].actor if coded[i].mentions else None)
        if actor is None:
            i += 1
            continue
        items: list[int] = []
        j = i + 1
        while j < n and (sentences[j].kind == "item" or is_ordinal_item(sentences[j].text)):
            items.append(j)
            j += 1
        out.append(Recommendation(lead=i, actor=actor, items=tuple(items)))
        i = j
    return out


def ingest_article(path: str | Path, date: dt.date | None = None, coder: EventCoder | None = None) -> Ingested:
    """Read, clean and code an article.

    Args:
        path: A plain-text, HTML or Markdown article.
        date: The article's date, for leaders' tenures (optional).
        coder: An event coder (the packaged one by default).

    Returns:
        The cleaned sentences with their actors and events; events in a recommendation's lead or items
        carry the ``recommended`` marker.
    """
    text, fmt = read_article(path)
    cleaned = clean(text, fmt)
    coder = coder or EventCoder.load()
    coded = coder.code_many([s.text for s in cleaned.sentences], date)
    recs = find_recommendations(cleaned.sentences, coded)
    for rec in recs:
        for k in (rec.lead, *rec.items):
            coded[k].events = [
                e if "recommended" in e.markers else dataclasses.replace(e, markers=(*e.markers, "recommended"))
                for e in coded[k].events
            ]
    return Ingested(path=Path(path), clean=cleaned, coded=coded, date=date, recommendations=recs)
