"""Who did (or threatens, or should do) what to whom: a rule-based event coder over PLOVER.

Each sentence is tokenised by a blank spaCy pipeline. Actor mentions come from the
:class:`~detente.ingest.gazetteer.Gazetteer`; event words from the PETRARCH-2 verb dictionary (every
inflection of its ~2,000 verbs, each with a CAMEO code, refined by the words that follow it); CAMEO
codes map to PLOVER types, modes, quad classes and scores through :mod:`detente.ontology`. The source is
the nearest actor phrase before the event word (the phrase after "by" in the passive), the target the
nearest after it; conjoined actors ("Russia and China") are taken together. Words before the event mark
it negated, hypothetical, future or recommended ("Russian diplomacy must be deployed …" is a
recommendation, not an event).

References:
    - Schrodt, P. A. (2012). CAMEO Conflict and Mediation Event Observations codebook, v1.1b3.
    - Norris, Schrodt & Beieler (2017). PETRARCH2: another event coding program. JOSS 2(9), 133.
    - Halterman et al. (2023). PLOVER and POLECAT: a new political event ontology and dataset.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from detente.ingest._nlp import blank_english
from detente.ingest.gazetteer import Gazetteer, Mention
from detente.ontology import EventType, Quad, cameo, event_score, plover, quad_of

FALLBACK_SHARE = 0.5

MARKERS = ("negated", "hypothetical", "future", "recommended")
"""The markers an event can carry; an event with none is asserted as having happened (or happening)."""

CLASS_NAMES = ("neutral", "verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")
"""The Phoenix pentaclass of a sentence: 0 neutral (CAMEO 01–02), 1–4 the quad classes."""

_NEGATION = {"not", "n't", "never", "no", "neither", "nor", "without", "cannot", "hardly"}
_HYPOTHETICAL = {"if", "would", "could", "might", "may", "unless", "possible", "possibility", "perhaps", "whether", "likely", "probably", "potential", "risk"}
_FUTURE = {"will", "'ll", "shall", "going", "plans", "plan", "intends", "intend", "expected", "tomorrow", "next", "soon", "upcoming", "set"}
_RECOMMEND = {"must", "should", "ought", "need", "needs", "necessary", "essential", "recommend", "recommends", "imperative"}
_PASSIVE = {"was", "were", "been", "being", "is", "are", "be", "got"}
_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those", "some", "several", "two", "three", "both"}
_BOUNDARY = {";", ":", "(", ")", "—", "–", "who", "which", "that", "whose", "while", "whereas", "although", "because"}
_CONJ = {"and", ",", "&", "as well as"}
# Fixed phrases whose words are in the verb dictionary but name no event.
_IDIOMS = (
    "in order to", "that being said", "thanks to", "on the other hand", "in this regard", "for this reason",
    "for example", "in addition", "in line with", "in terms of", "as well as", "at the insistence",
    "by accident", "in the eyes of", "on the table", "of course", "in fact", "in other words",
)  # fmt: skip
# After a determiner a dictionary word is a noun; only these nouns name an event by themselves.
_EVENT_NOUNS = frozenset(
    "attack attacks assault strike strikes airstrike airstrikes bombing bombings raid raids ambush clash "
    "clashes offensive invasion shelling killing killings talks meeting meetings summit visit visits "
    "negotiations agreement accord deal treaty sanctions embargo blockade protest protests demonstration "
    "demonstrations boycott threat threats warning ultimatum accusation accusations condemnation criticism "
    "aid assistance support cooperation ceasefire truce withdrawal release arrest arrests detention "
    "expulsion veto appeal request demand demands rejection apology invitation pledge promise "
    "mobilisation mobilization deployment exercises manoeuvres maneuvers drills test tests launch".split()
)
_NOUN_MARKERS = frozenset(
    "the a an its their his her our your this that these those such any some no each every another "
    "more most own 's ’s".split()
)


@dataclass(frozen=True)
class Phrase:
    """An actor phrase: a token span, the actor ids it names, and a sector agent ("troops") if any."""

    start: int
    end: int
    actors: tuple[str, ...]
    agent: str | None = None


@dataclass(frozen=True)
class Event:
    """One coded event: who did what to whom, in PLOVER terms, with its CAMEO code and markers."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    event: EventType
    mode: str | None
    quad: Quad
    score: float
    cameo: str
    markers: tuple[str, ...]
    trigger: str
    trigger_index: int
    source_span: tuple[int, int] | None = None
    target_span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict (the ``code-events`` output format)."""
        return {
            "source": list(self.source),
            "target": list(self.target),
            "event": self.event.value,
            "mode": self.mode,
            "quad": self.quad.value,
            "score": self.score,
            "markers": list(self.markers),
            "cameo": self.cameo,
            "trigger": self.trigger,
        }


@dataclass
class CodedSentence:
    """A sentence's coding: its events, actor mentions and phrases, and its Phoenix pentaclass."""

    text: str
    events: list[Event] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    phrases: list[Phrase] = field(default_factory=list)
    pentaclass: int = 0
    cameo_codes: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    @property
    def actors(self) -> list[str]:
        """The distinct actors mentioned, in order of first mention."""
        return list(dict.fromkeys(m.actor for m in self.mentions))


def _inflections(base: str) -> set[str]:
    """Regular inflections of an English verb: -s, -ed, -ing, with the usual spelling rules."""
    forms = {base}
    if base.endswith("e"):
        forms |= {base + "s", base + "d", base[:-1] + "ing"}
    elif base.endswith("y") and len(base) > 2 and base[-2] not in "aeiou":
        forms |= {base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    elif base.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {base + "es", base + "ed", base + "ing"}
    else:
        forms |= {base + "s", base + "ed", base + "ing"}
        if len(base) >= 3 and base[-1] in "bdgklmnprt" and base[-2] in "aeiou" and base[-3] not in "aeiou":
            forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


def _table(folder: Path, name: str) -> list[dict[str, str]]:
    text = (folder / name).read_text("utf-8")
    return list(csv.DictReader([x for x in text.splitlines() if not x.startswith("#")], delimiter="\t"))


def _cameo_code(code: str) -> str | None:
    """The nearest CAMEO code the ontology knows: the code itself, else its 3- or 2-digit root."""
    table = cameo()
    for candidate in (code, code[:3], code[:2] + "0", code[:2]):
        if candidate in table:
            return candidate
    return None


class _Tokens:
    """A sentence's tokens as plain lists: spaCy builds a Token object on every ``doc[i]``."""

    __slots__ = ("cuts", "last_boundary", "lower", "punct", "text")

    def __init__(self, doc: Any) -> None:
        self.text: list[str] = []
        self.lower: list[str] = []
        self.punct: list[bool] = []
        for tok in doc:  # one pass: each iteration builds a Token
            self.text.append(tok.text)
            self.lower.append(tok.lower_)
            self.punct.append(tok.is_punct)
        # Computed once so that each event word costs no scan of the sentence (linear in its length).
        self.cuts = [k for k, x in enumerate(self.text) if x in {",", ";", ":"}]
        """Token indices of commas, semicolons and colons."""
        self.last_boundary: list[int] = []
        """``last_boundary[i]``: the last clause boundary before token ``i`` (-1 if none)."""
        last = -1
        for k, low in enumerate(self.lower):
            self.last_boundary.append(last)
            if low in _BOUNDARY:
                last = k
        self.last_boundary.append(last)


@dataclass(frozen=True)
class _Verb:
    synset: str
    code: str | None


class EventCoder:
    """Codes sentences into PLOVER events; build once (:meth:`load`) and reuse: construction takes ~1 s."""

    def __init__(self, gazetteer: Gazetteer | None = None, tables: Path | None = None) -> None:
        """Build the coder from the tables in ``tables`` (default: the data directory's built ones)."""
        from spacy.matcher import PhraseMatcher

        from detente.datasets import gazetteer_dir
        from detente.ingest.gazetteer import _load as load_gazetteer

        folder = (tables if tables is not None else gazetteer_dir()).resolve()
        self.gazetteer = gazetteer or load_gazetteer(folder)
        self.nlp = blank_english()
        self.forms: dict[str, list[_Verb]] = {}
        patterns: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for row in _table(folder, "verb_patterns.tsv"):
            patterns.setdefault(row["synset"], []).append((tuple(row["keywords"].split()), row["code"]))
        self.patterns = patterns
        # Patterns by their first keyword, which must come within four words of the verb.
        self.patterns_by_first: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        for synset, rows in patterns.items():
            table = self.patterns_by_first.setdefault(synset, {})
            for keywords, pattern_code in rows:
                table.setdefault(keywords[0], []).append((keywords, pattern_code))
        fallback = self._fallback_codes(patterns)
        phrases: dict[str, list[_Verb]] = {}
        self.base_forms: set[str] = set()
        for row in _table(folder, "verbs.tsv"):
            if row["regular"] != "-" and " " not in row["form"]:
                self.base_forms.add(row["form"])
            code = row["code"].split(":")[0] or fallback.get(row["synset"])
            verb = _Verb(row["synset"], _cameo_code(code) if code else None)
            forms = _inflections(row["form"]) if row["regular"] == "1" else {row["form"]}
            for form in forms:
                target = phrases if " " in form else self.forms
                entries = target.setdefault(form, [])
                if all(v.synset != verb.synset for v in entries):
                    entries.append(verb)
        self.phrase_verbs = phrases
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for form in phrases:
            self.phrase_matcher.add(form, [self.nlp.make_doc(form)])
        self.idiom_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.idiom_matcher.add("IDIOM", [self.nlp.make_doc(p) for p in _IDIOMS])
        agents = _table(folder, "agents.tsv")
        self.agents = {r["noun"]: r["sector"] for r in agents if " " not in r["noun"]}
        for noun, sector in list(self.agents.items()):
            self.agents.setdefault(noun + "s", sector)

    @staticmethod
    def _fallback_codes(patterns: dict[str, list[tuple[tuple[str, ...], str]]]) -> dict[str, str]:
        """For a synset with no code of its own: the root most of its patterns share (if most do)."""
        out = {}
        for synset, rows in patterns.items():
            roots = Counter(code[:2] for _, code in rows)
            root, count = roots.most_common(1)[0]
            if count / len(rows) >= FALLBACK_SHARE and count >= 3:
                out[synset] = root + "0"
        return out

    @classmethod
    def load(cls, data: str | Path | None = None) -> EventCoder:
        """The coder built from the data directory's tables (``detente data build``), once per process.

        Raises:
            DataMissingError: the tables are not built; the message says how to build them.
        """
        from detente.datasets import gazetteer_dir

        return _load(gazetteer_dir(data).resolve())

    # -----------------------------------------------------------------------------------------

    def code(self, text: str, date: dt.date | None = None) -> CodedSentence:
        """Code one sentence."""
        return self.code_doc(self.nlp.make_doc(text), date)

    def code_words(self, words: list[str], date: dt.date | None = None) -> CodedSentence:
        """Code a sentence given as tokens (so spans align with a gold token file)."""
        from spacy.tokens import Doc

        return self.code_doc(Doc(self.nlp.vocab, words=words), date)

    def code_many(self, texts: list[str], date: dt.date | None = None) -> list[CodedSentence]:
        """Code many sentences (tokenised in one batch)."""
        return [self.code_doc(doc, date) for doc in self.nlp.tokenizer.pipe(texts, batch_size=256)]

    def code_doc(self, doc: Any, date: dt.date | None = None) -> CodedSentence:
        """Code a spaCy doc made by this coder's pipeline."""
        t = _Tokens(doc)
        out = CodedSentence(text=doc.text, tokens=t.text)
        out.mentions = self.gazetteer.mentions(doc, date)
        out.phrases = self._phrases(t, out.mentions)
        mention_tokens = {i for m in out.mentions for i in range(m.start, m.end)}
        hits = self._verb_hits(doc, t, mention_tokens)
        for index, end, code in hits:
            info = cameo()[code]
            out.cameo_codes.append(code)
            if info.plover_event is None:
                continue
            event = info.plover_event
            mode = info.plover_mode if info.plover_mode in plover()[event].modes else None
            source, target = self._roles(t, index, end, out.phrases)
            infinitive = t.lower[index] in self.base_forms and (
                (index > 0 and t.lower[index - 1] == "to")
                or (index > 2 and t.lower[index - 1] in {"and", "or"} and t.lower[index - 3] == "to")
            )
            markers = self._markers(t, index, infinitive)
            passive = index > 0 and t.lower[index - 1] in _PASSIVE
            out.events.append(
                Event(
                    source=source[0] if source else (),
                    target=target[0] if target else (),
                    event=event,
                    mode=mode,
                    quad=quad_of(event),
                    score=event_score(event, mode),
                    cameo=code,
                    markers=markers,
                    trigger=doc[index:end].text,
                    trigger_index=index,
                    source_span=(source[1] if source else None) if passive else (
                        _subject_span(t, index) or (source[1] if source else None)
                    ),
                    target_span=self._noun_phrase(t, target[1]) if target else None,
                )
            )
        # The sentence's class is that of its first event word (statements included): news sentences
        # lead with their main event, and a later one is usually reported or subordinate.
        out.pentaclass = cameo()[out.cameo_codes[0]].pentaclass if out.cameo_codes else 0
        return out

    # -----------------------------------------------------------------------------------------

    def _verb_hits(self, doc: Any, t: _Tokens, skip: set[int]) -> list[tuple[int, int, str]]:
        """Event words with their CAMEO code, in text order: ``(start, end, code)``."""
        hits: list[tuple[int, int, str]] = []
        covered: set[int] = set(self._idiom_tokens(doc))
        for match_id, start, end in self.phrase_matcher(doc):
            form = self.nlp.vocab.strings[match_id]
            for verb in self.phrase_verbs.get(form, []):
                code = self._refine(t, end, verb)
                if code:
                    hits.append((start, end, code))
                    covered.update(range(start, end))
                    break
        for i, lower in enumerate(t.lower):
            if i in covered or i in skip or t.punct[i]:
                continue
            verbs = self.forms.get(lower)
            if not verbs or t.text[i][:1].isupper() and i > 0:
                continue  # a capitalised word inside a sentence is a name, not a verb
            if i > 0 and t.lower[i - 1] in _NOUN_MARKERS and lower not in _EVENT_NOUNS:
                continue  # "the reason", "its plans": a noun that names no event
            for verb in verbs:
                code = self._refine(t, i + 1, verb)
                if code:
                    hits.append((i, i + 1, code))
                    break
        hits.sort()
        return hits

    def _idiom_tokens(self, doc: Any) -> list[int]:
        out: list[int] = []
        for match_id, start, end in self.idiom_matcher(doc):
            del match_id
            out.extend(range(start, end))
        return out

    def _refine(self, t: _Tokens, after: int, verb: _Verb) -> str | None:
        """The code of the best pattern of the verb's synset matching the words after it, else its own."""
        window = t.lower[after : after + 8]
        best: tuple[int, str] | None = None
        by_first = self.patterns_by_first.get(verb.synset)
        if not by_first:
            return verb.code
        candidates = [p for w in dict.fromkeys(window[:4]) for p in by_first.get(w, ())]
        for keywords, code in candidates:
            pos = 0
            ok = True
            for k, word in enumerate(keywords):
                limit = 4 if k == 0 else len(window)
                try:
                    found = window.index(word, pos, min(len(window), pos + limit))
                except ValueError:
                    ok = False
                    break
                pos = found + 1
            if ok and (best is None or len(keywords) > best[0]):
                best = (len(keywords), code)
        if best is not None and len(best[1]) >= 2:
            resolved = _cameo_code(best[1])
            if resolved:
                return resolved
        return verb.code

    def _phrases(self, t: _Tokens, mentions: list[Mention]) -> list[Phrase]:
        """Actor phrases: a mention or a sector noun, widened over titles, names and determiners."""
        n = len(t.text)
        owner: dict[int, str] = {}
        for m in mentions:
            for i in range(m.start, m.end):
                owner[i] = m.actor
        seeds = sorted({m.start for m in mentions} | {i for i, w in enumerate(t.lower) if w in self.agents})
        phrases: list[Phrase] = []
        used: set[int] = set()
        for seed in seeds:
            if seed in used:
                continue
            start = end = seed
            end = seed + 1
            while end < n and end not in used and (
                t.text[end][:1].isupper() or t.lower[end] in self.agents or end in owner
                or (t.lower[end] == "of" and end + 1 < n and t.text[end + 1][:1].isupper())
                or t.text[end] in {"-", "–"}
            ):
                end += 1
            while start > 0 and start - 1 not in used and (
                (t.text[start - 1][:1].isupper() and start - 1 > 0)
                or t.lower[start - 1] in _DETERMINERS
                or (start - 1 == 0 and t.text[0][:1].isupper())
            ):
                start -= 1
                if t.lower[start] in _DETERMINERS:
                    break
            actors = tuple(dict.fromkeys(owner[i] for i in range(start, end) if i in owner))
            agent = next((self.agents[t.lower[i]] for i in range(start, end) if t.lower[i] in self.agents), None)
            phrases.append(Phrase(start, end, actors, agent))
            used.update(range(start, end))
        return phrases

    def _roles(
        self, t: _Tokens, index: int, end: int, phrases: list[Phrase]
    ) -> tuple[tuple[tuple[str, ...], tuple[int, int]] | None, tuple[tuple[str, ...], tuple[int, int]] | None]:
        """Source and target of the event word at ``index``: ``((actors, span), (actors, span))``."""
        boundary = t.last_boundary[index]  # no clause boundary may lie between the phrase and the word
        before = [p for p in phrases if boundary < p.end <= index]
        after = [p for p in phrases if p.start >= end and p.start - end <= 10]
        passive = index > 0 and t.lower[index - 1] in _PASSIVE
        by = next((p for p in after if p.start > 0 and t.lower[p.start - 1] == "by"), None)
        src_group = _group(t, before[::-1]) if before else None
        tgt_group = _group(t, after) if after else None
        if passive and by is not None:
            src_group = _group(t, [p for p in after if p.start >= by.start])
            tgt_group = _group(t, before[::-1]) if before else None
        return src_group, tgt_group

    def _noun_phrase(self, t: _Tokens, span: tuple[int, int]) -> tuple[int, int]:
        """Widen an actor phrase to the noun phrase it heads or possesses.

        "the UN" → "the UN 's findings", "an Afghan army" → "an Afghan army base": past a possessive,
        and over up to three lower-case words that are neither function words nor in the verb table.
        """
        start, end = span
        n = len(t.text)
        if end < n and t.lower[end] in {"'s", "’s"}:
            end += 1
        elif end + 1 < n and t.text[end] in {"’", "'"} and t.lower[end + 1] == "s":
            end += 2
        extra = 0
        while (
            end < n and extra < 3 and t.text[end][:1].islower() and not t.punct[end]
            and t.lower[end] not in _CHUNK_STOP and t.lower[end] not in _STOP_WORDS
            and t.lower[end] not in self.forms
        ):
            end += 1
            extra += 1
        return (start, end)

    @staticmethod
    def _markers(t: _Tokens, index: int, infinitive: bool = False) -> tuple[str, ...]:
        """Markers from the words before the event word in its clause (and any "if" before it).

        An infinitive ("to force Moscow …", "in order to develop …") states an aim, not a deed: it is
        marked ``future``.
        """
        found: set[str] = {"future"} if infinitive else set()
        window: list[str] = []
        for k in range(index - 1, max(-1, index - 7), -1):
            word = t.lower[k]
            if word in {";", ":", "(", "."} or (word == "," and k < index - 3):
                break
            window.append(word)
        words = set(window)
        if words & _NEGATION:
            found.add("negated")
        if words & _HYPOTHETICAL or "if" in t.lower[:index]:
            found.add("hypothetical")
        if words & _FUTURE or ("to" in words and "going" in words):
            found.add("future")
        if words & _RECOMMEND or {"have", "to"} <= words or {"has", "to"} <= words:
            found.add("recommended")
        return tuple(m for m in MARKERS if m in found)


def _group(t: _Tokens, ordered: list[Phrase]) -> tuple[tuple[str, ...], tuple[int, int]] | None:
    """The first phrase of ``ordered`` and those conjoined to it ("Russia and China"), as actors and span.

    A comma alone joins phrases only in a list that an "and" closes ("Russia, China and Iran"); else it
    separates clauses ("If Russia attacks Ukraine, NATO will respond").
    """
    first = ordered[0]
    group = [first]
    joined_by_and = False
    pending: list[Phrase] = []
    for p in ordered[1:]:
        prev = (pending or group)[-1]
        lo, hi = sorted(((prev.start, prev.end), (p.start, p.end)))
        between = t.lower[lo[1] : hi[0]]
        if not between or not all(w in _CONJ or w in _DETERMINERS for w in between):
            break
        if "and" in between or "&" in between:
            group.extend(pending)
            group.append(p)
            pending = []
            joined_by_and = True
        elif joined_by_and and not pending:
            group.append(p)  # reading a list backwards: "Russia, China and Iran" from "Iran"
        else:
            pending.append(p)
    actors = tuple(dict.fromkeys(a for p in sorted(group, key=lambda p: p.start) for a in p.actors))
    return actors, (first.start, first.end)


_CHUNK_STOP = frozenset(
    "in on at for to from with by against over after before during into about near since under amid "
    "has have had was were is are be been will would could should may might can did does do said says "
    "who which that whose when while as after also reportedly".split()
)
_STOP_WORDS = frozenset("and or but the a an of to in on at by for with as than then".split())
_LEAD_SKIP = frozenset("meanwhile also however then reportedly earlier later separately still yet".split())


def _subject_span(t: _Tokens, index: int) -> tuple[int, int] | None:
    """The subject of an event word that names no known actor: the first chunk of its clause.

    The clause starts after the last comma or semicolon before the event word that leaves a chunk
    (so "In September, a car bomb in Kiev killed …" gives "a car bomb"); the chunk runs until a
    preposition, auxiliary, punctuation or the event word.
    """
    cuts = t.cuts[: bisect.bisect_left(t.cuts, index)]
    for begin in [c + 1 for c in reversed(cuts)] + [0]:
        start = begin
        while start < index and t.lower[start] in _LEAD_SKIP:
            start += 1
        end = start
        while end < index and not (
            (t.punct[end] and t.text[end] not in {"-", "'s", "’s"}) or t.lower[end] in _CHUNK_STOP
        ):
            end += 1
        if end > start:
            return (start, end)
    return None


@cache
def _load(folder: Path) -> EventCoder:
    from detente.ingest.gazetteer import _load as load_gazetteer

    return EventCoder(load_gazetteer(folder), folder)
