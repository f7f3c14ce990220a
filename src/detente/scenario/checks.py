"""Checks that need the whole scenario: references, unique ids, the ontology, and quotes in sources.

A quote must occur in its source text after normalising whitespace, typographic quotes and dashes; an
ellipsis (``...`` or ``…``) inside a quote stands for omitted text, and the pieces must occur in order.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from detente.errors import (
    DetenteError,
    DuplicateIdError,
    QuoteNotFoundError,
    ScenarioError,
    UnknownActorError,
)
from detente.ontology import EventType, plover
from detente.scenario.model import (
    ActionKind,
    Alliance,
    Provenance,
    Sanctions,
    Scenario,
)
from detente.scenario.sources import ArticleLookup, ArticleState, resolve_article

_COLLECT: ContextVar[list[ScenarioError] | None] = ContextVar("_COLLECT", default=None)


def _report(err: ScenarioError) -> None:
    """Raise ``err``, or, inside :func:`collecting`, note it and let the checks go on."""
    found = _COLLECT.get()
    if found is None:
        raise err
    if all(str(e) != str(err) for e in found):
        found.append(err)


@contextmanager
def collecting() -> Iterator[list[ScenarioError]]:
    """Gather every error the checks find instead of stopping at the first (``detente validate``)."""
    found: list[ScenarioError] = []
    token = _COLLECT.set(found)
    try:
        yield found
    finally:
        _COLLECT.reset(token)


ASSUMPTION = "assumption"
"""The source id for an explicit modelling assumption that cites no text or data set."""


def walk(obj: Any, path: str = "", *, by_id: bool = False) -> Iterator[tuple[str, Any]]:
    """Yield ``(field path, object)`` for every pydantic model inside ``obj``, depth first.

    List items are named by index (``actors[3]``, as in error messages), or with ``by_id`` by their
    ``id`` or ``actor`` field where they have one (``actors[USA]``, as in ``represented_by`` paths).
    """
    if isinstance(obj, BaseModel):
        yield path, obj
        for name, value in obj:
            yield from walk(value, f"{path}.{name}" if path else name, by_id=by_id)
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            label = _label(value, i) if by_id else str(i)
            yield from walk(value, f"{path}[{label}]", by_id=by_id)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from walk(value, f"{path}.{key}", by_id=by_id)


def _label(item: Any, index: int) -> str:
    for attr in ("id", "actor"):
        value = getattr(item, attr, None)
        if isinstance(value, str) and value:
            return value
    return str(index)


def check_references(scenario: Scenario, file: str | Path = "<scenario>") -> None:
    """Check ids are unique and every reference (actor, source, event, mechanism) resolves."""
    _check_unique(scenario, file)
    actors = set(scenario.actor_ids())
    known = ", ".join(scenario.actor_ids())

    def actor_ref(path: str, value: str) -> None:
        if value not in actors:
            _report(UnknownActorError(
                file, path, f"unknown actor {value!r}", f"use one of the actor ids: {known}"
            ))

    for i, actor in enumerate(scenario.actors):
        for j, m in enumerate(actor.members):
            actor_ref(f"actors[{i}].members[{j}]", m)
        for j, m in enumerate(actor.veto):
            actor_ref(f"actors[{i}].veto[{j}]", m)
    _check_blocs(scenario, file)
    for i, issue in enumerate(scenario.issues):
        for j, pos in enumerate(issue.positions):
            actor_ref(f"issues[{i}].positions[{j}].actor", pos.actor)
    for i, rel in enumerate(scenario.relations):
        base = f"relations[{i}]"
        if isinstance(rel, Alliance):
            actor_ref(f"{base}.senior", rel.senior)
            for j, m in enumerate(rel.junior):
                actor_ref(f"{base}.junior[{j}]", m)
            _distinct(file, base, [("senior", rel.senior), *((f"junior[{j}]", m) for j, m in enumerate(rel.junior))])
        elif isinstance(rel, Sanctions):
            for j, m in enumerate(rel.enforcers):
                actor_ref(f"{base}.enforcers[{j}]", m)
            actor_ref(f"{base}.target", rel.target)
            for j, m in enumerate(rel.pressured):
                actor_ref(f"{base}.pressured[{j}]", m)
            _distinct(file, base, [*((f"enforcers[{j}]", m) for j, m in enumerate(rel.enforcers)), ("target", rel.target)])
        else:
            for j, m in enumerate(rel.members):
                actor_ref(f"{base}.members[{j}]", m)
            _distinct(file, base, [(f"members[{j}]", m) for j, m in enumerate(rel.members)])
    enabled_types: dict[str, str] = {}
    for i, mech in enumerate(scenario.mechanisms):
        if mech.enabled and mech.type in enabled_types:
            _report(ScenarioError(
                file,
                f"mechanisms[{i}].type",
                f"{mech.id} is a second enabled instance of {mech.type!r} (after {enabled_types[mech.type]})",
                "the engine runs one instance of each type: merge them, or set enabled = false on one",
            ))
        if mech.enabled:
            enabled_types[mech.type] = mech.id
        for j, a in enumerate(mech.actors):
            actor_ref(f"mechanisms[{i}].actors[{j}]", a)
    mech_ids = [m.id for m in scenario.mechanisms]
    for i, strat in enumerate(scenario.strategies):
        for j, comp in enumerate(strat.components):
            if comp.mechanism is not None and comp.mechanism not in mech_ids:
                _report(ScenarioError(
                    file,
                    f"strategies[{i}].components[{j}].mechanism",
                    f"no mechanism {comp.mechanism!r} in this scenario",
                    f"use one of the [[mechanisms]] ids: {', '.join(mech_ids) or 'none declared'}",
                ))
    named = {e.id for e in scenario.events}
    for i, ev in enumerate(scenario.events):
        _check_mode(file, f"events[{i}].mode", ev.event, ev.mode)
        if ev.preconditions.no_veto_in is not None:
            actor_ref(f"events[{i}].preconditions.no_veto_in", ev.preconditions.no_veto_in)
    for i, strat in enumerate(scenario.strategies):
        actor_ref(f"strategies[{i}].actor", strat.actor)
        for j, comp in enumerate(strat.components):
            for k, act in enumerate(comp.actions):
                base = f"strategies[{i}].components[{j}].actions[{k}]"
                if act.kind is ActionKind.EVENT:
                    assert act.actor is not None and act.event is not None
                    actor_ref(f"{base}.actor", act.actor)
                    _check_event(file, f"{base}.event", act.event, named)
                    for t, target in enumerate(act.targets):
                        actor_ref(f"{base}.targets[{t}]", target)
    for i, out in enumerate(scenario.outcomes):
        _check_event(file, f"outcomes[{i}].event", out.event, named)
        if out.event in EventType.__members__:
            _check_mode(file, f"outcomes[{i}].mode", EventType(out.event), out.mode)
        for j, a in enumerate(out.sources):
            actor_ref(f"outcomes[{i}].sources[{j}]", a)
        for j, a in enumerate(out.targets):
            actor_ref(f"outcomes[{i}].targets[{j}]", a)
    sources = {s.id for s in scenario.sources} | {ASSUMPTION}
    for path, obj in walk(scenario):
        if isinstance(obj, Provenance) and obj.source is not None and obj.source not in sources:
            _report(ScenarioError(
                file,
                f"{path}.source",
                f"unknown source {obj.source!r}",
                f"use a [[sources]] id ({', '.join(sorted(sources))})",
            ))


def _distinct(file: str | Path, base: str, sides: list[tuple[str, str]]) -> None:
    """Refuse a relation that names one actor twice (a rivalry of an actor with itself, say)."""
    seen: dict[str, str] = {}
    for where, actor in sides:
        if actor in seen:
            _report(ScenarioError(
                file,
                f"{base}.{where}",
                f"actor {actor!r} is already in this relation (at {base}.{seen[actor]})",
                "a relation links different actors: name each actor once",
            ))
        seen[actor] = where


def _check_blocs(scenario: Scenario, file: str | Path) -> None:
    """Refuse a bloc that contains itself, directly or through other blocs."""
    members = {a.id: a.members for a in scenario.actors}
    index = {a.id: i for i, a in enumerate(scenario.actors)}
    cycles: set[frozenset[str]] = set()
    for start in scenario.actor_ids():
        stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
        while stack:
            node, trail = stack.pop()
            for j, m in enumerate(members.get(node, ())):
                if m == start and frozenset(trail) not in cycles:
                    cycles.add(frozenset(trail))
                    chain = " → ".join((*trail, m))
                    _report(ScenarioError(
                        file,
                        f"actors[{index[node]}].members[{j}]",
                        f"bloc {start!r} contains itself ({chain})",
                        "a bloc's members cannot include the bloc or a bloc that contains it",
                    ))
                if m not in trail and m in members:
                    stack.append((m, (*trail, m)))


def check_engine_inputs(scenario: Scenario, file: str | Path = "<scenario>") -> None:
    """Check what the escalation engine would refuse only when it runs.

    Mechanism ``params`` names the engine does not read, and strategy ``set`` actions
    whose path is unknown or whose value is not finite or of the wrong kind.
    """
    from detente.engines.escalation.compile import check_param_names, split_overrides

    try:
        check_param_names(scenario)
    except ScenarioError as exc:
        # Mechanism params belong to the engine; actor and relation params may serve other engines.
        if exc.path.startswith("mechanisms"):
            _report(ScenarioError(file, exc.path, exc.message, exc.fix))
    for i, strat in enumerate(scenario.strategies):
        for j, comp in enumerate(strat.components):
            for k, act in enumerate(comp.actions):
                if act.kind is not ActionKind.SET or act.path is None or act.value is None:
                    continue
                base = f"strategies[{i}].components[{j}].actions[{k}]"
                if isinstance(act.value, float) and not math.isfinite(act.value):
                    _report(ScenarioError(
                        file, f"{base}.value", f"{act.value!r} is not a finite number", "give a finite number"
                    ))
                    continue
                try:
                    split_overrides(scenario, {act.path: act.value})
                except DetenteError as exc:
                    text = str(exc).removeprefix("overrides: ")
                    if text.startswith("--set "):
                        head, _, rest = text.removeprefix("--set ").partition(": ")
                        text = " = ".join(head.split("=", 1)) + ": " + rest
                    message, _, fix = text.partition(" (fix: ")
                    _report(ScenarioError(
                        file,
                        f"{base}.path",
                        message,
                        fix.removesuffix(")") or "use a path such as actors[ID].doctrine with a value it accepts",
                    ))


def _check_unique(scenario: Scenario, file: str | Path) -> None:
    groups: dict[str, list[str | None]] = {
        "sources": [s.id for s in scenario.sources],
        "actors": [a.id for a in scenario.actors],
        "issues": [i.id for i in scenario.issues],
        "relations": [r.id for r in scenario.relations],
        "mechanisms": [m.id for m in scenario.mechanisms],
        "events": [e.id for e in scenario.events],
        "strategies": [s.id for s in scenario.strategies],
        "outcomes": [o.id for o in scenario.outcomes],
    }
    for i, issue in enumerate(scenario.issues):
        groups[f"issues[{i}].positions"] = [p.actor for p in issue.positions]
    for group, ids in groups.items():
        seen: dict[str, int] = {}
        for j, ident in enumerate(ids):
            if ident is None:
                continue
            if ident in seen:
                field = "actor" if group.endswith("positions") else "id"
                _report(DuplicateIdError(
                    file,
                    f"{group}[{j}].{field}",
                    f"duplicated id {ident!r} (also at {group}[{seen[ident]}])",
                    "give each entry its own id",
                ))
            seen[ident] = j


def _check_event(file: str | Path, path: str, event: str, named: set[str]) -> None:
    if event in named or event in EventType.__members__:
        return
    _report(ScenarioError(
        file,
        path,
        f"unknown event {event!r}",
        "use a PLOVER event type (" + ", ".join(EventType) + ") or the id of an [[events]] entry",
    ))


def _check_mode(file: str | Path, path: str, event: EventType, mode: str | None) -> None:
    if mode is None:
        return
    modes = plover()[event].modes
    if mode not in modes:
        allowed = ", ".join(modes) or "none: leave `mode` out"
        _report(ScenarioError(file, path, f"{event} has no mode {mode!r}", f"use one of: {allowed}"))


# ---------------------------------------------------------------------------------------------
# Quotes

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def normalise_text(text: str) -> str:
    """Fold what may differ between a quote and its source: Unicode form, quotes, dashes, spaces, case."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return re.sub(r"\s+", " ", text).strip().casefold()


def quote_in_text(quote: str, text: str) -> bool:
    """Whether ``quote`` occurs in ``text`` (normalised; ``...`` matches omitted text, in order)."""
    haystack = normalise_text(text)
    pos = 0
    for piece in _ELLIPSIS.split(quote):
        piece = normalise_text(piece)
        if not piece:
            continue
        found = haystack.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def source_texts(scenario: Scenario, file: str | Path) -> dict[str, str]:
    """The texts of the scenario's sources that have a ``path`` and were found, keyed by source id."""
    return _source_texts(scenario, file)[0]


def _source_texts(scenario: Scenario, file: str | Path) -> tuple[dict[str, str], list[ArticleLookup]]:
    """The texts found, and the lookups of the articles that are missing from every article folder."""
    texts: dict[str, str] = {}
    missing: list[ArticleLookup] = []
    for i, src in enumerate(scenario.sources):
        if src.path is None:
            continue
        found = resolve_article(src, file)
        if found.state is ArticleState.MISMATCH:
            _report(ScenarioError(
                file,
                f"sources[{i}].sha256",
                f"article {src.id!r} found at {found.path} has SHA-256 {found.digest}, not the one cited "
                "(an edited or different copy)",
                "save the article's text exactly as published, or correct `sha256` if you changed the source",
            ))
            continue
        if found.state is ArticleState.MISSING:
            if src.sha256 is not None:
                missing.append(found)
                continue
            _report(ScenarioError(
                file,
                f"sources[{i}].path",
                f"cannot read source text {src.path!r} (no such file)",
                "give a path to a UTF-8 text file, relative to the scenario file",
            ))
            continue
        assert found.path is not None
        try:
            texts[src.id] = found.path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _report(ScenarioError(
                file,
                f"sources[{i}].path",
                f"cannot read source text {src.path!r} ({exc.__class__.__name__})",
                "give a path to a UTF-8 text file, relative to the scenario file",
            ))
    return texts, missing


@dataclass(frozen=True)
class QuoteCheck:
    """What :func:`quote_check` did: quotes found in their sources, and quotes of missing articles.

    Attributes:
        checked: Quotes found in their source's text.
        unchecked: Quotes not checked because their article is in no article folder, by source id.
        missing: The lookups of those missing articles (for the message saying how to supply them).
    """

    checked: int
    unchecked: dict[str, int]
    missing: list[ArticleLookup]


def check_quotes(scenario: Scenario, file: str | Path = "<scenario>") -> int:
    """Check that every quote occurs in its source's text; return how many quotes were checked.

    A quote whose ``source`` has no text (a data set, or an explicit assumption) is not checked; a
    quote with no ``source`` is checked against the scenario's first article. The quotes of an article
    pinned by ``sha256`` that is in no article folder are not checked (see :func:`quote_check`).
    """
    return quote_check(scenario, file).checked


def quote_check(scenario: Scenario, file: str | Path = "<scenario>") -> QuoteCheck:
    """Like :func:`check_quotes`, also counting the quotes left unchecked because their article is missing."""
    texts, missing = _source_texts(scenario, file)
    default = next((s.id for s in scenario.sources if s.path is not None), None)
    absent = {m.source.id for m in missing}
    checked = 0
    unchecked: dict[str, int] = {}
    for path, obj in walk(scenario):
        if not isinstance(obj, Provenance) or obj.quote is None:
            continue
        if not obj.quote.strip():
            _report(QuoteNotFoundError(
                file, f"{path}.quote", "the quote is empty", "copy the supporting sentence, or remove `quote`"
            ))
            continue
        src = obj.source or default
        if src in absent:
            unchecked[src] = unchecked.get(src, 0) + 1
            continue
        if src is None or src not in texts:
            continue
        if not quote_in_text(obj.quote, texts[src]):
            shown = obj.quote if len(obj.quote) <= 70 else obj.quote[:67] + "..."
            _report(QuoteNotFoundError(
                file,
                f"{path}.quote",
                f"quote {shown!r} is not in source {src!r}",
                "copy the sentence exactly from the source text (use ... for omitted words)",
            ))
            continue
        checked += 1
    return QuoteCheck(checked, unchecked, missing)
