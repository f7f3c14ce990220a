"""Each outcome's reference classes: what the anchored engine simulates, resolved from the scenario.

An outcome takes its named event's ``reference`` unless it gives its own (one or several; it happens at
the first hit of any). A reference without a subject takes it from the outcome: one source and one
target give the directed dyad ``SRC-TGT``, the same two actors as sources and targets the undirected
``A~B``, a single source with no targets the country. ``detente calibrate`` fits exactly these
``class|subject`` keys (:func:`scenario_references`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from detente.errors import ScenarioError
from detente.ontology import EventType
from detente.scenario.model import Outcome, Reference, Scenario


@dataclass(frozen=True)
class ResolvedReference:
    """A reference class applied to a subject, as the calibration keys it.

    Attributes:
        ref: ``FAMILY[:ARG…]``.
        subject: ``PRK``, ``USA-PRK`` or ``PRK~KOR``.
        state: The crisis-state dyad (sorted, ``PRK-USA``).
        accidents: The outcome's definition includes accidental clashes.
        note: Why this class is the right one.
        where: The scenario field that gave it (``outcomes[war].reference[0]``).
    """

    ref: str
    subject: str
    state: str
    accidents: bool
    note: str
    where: str

    @property
    def key(self) -> str:
        """``ref|subject``: the key of its fit in a calibration."""
        return f"{self.ref}|{self.subject}"


EXAMPLE = 'reference = { class = "missile-test:ICBM", subject = "PRK", state = "PRK-USA", note = "why this class" }'


def _missing(file: str | Path, path: str, what: str) -> ScenarioError:
    return ScenarioError(
        file, path, f"{what} has no reference class, which the anchored engine needs",
        f"add {EXAMPLE} (families: docs/model.md, 'Anchored engine: scenario'), then `detente calibrate SCENARIO`; "
        "or run it with --engine qre",
    )


def _subject_from(outcome: Outcome) -> str | None:
    src, tgt = tuple(outcome.sources), tuple(outcome.targets)
    if len(src) == 1 and len(tgt) == 1 and src != tgt:
        return f"{src[0]}-{tgt[0]}"
    if len(src) == 2 and set(src) == set(tgt):
        return "~".join(src)
    if len(src) == 1 and not tgt:
        return src[0]
    return None


def outcome_references(scenario: Scenario, outcome: Outcome, file: str | Path = "<scenario>") -> tuple[ResolvedReference, ...]:
    """The resolved references of one outcome.

    Raises:
        ScenarioError: The outcome (or its named event) has no reference, or a subject or state cannot
            be named.
    """
    index = next(i for i, o in enumerate(scenario.outcomes) if o.id == outcome.id)
    refs: tuple[Reference, ...] = outcome.reference
    base = f"outcomes[{outcome.id}].reference"
    if not refs:
        event = next((e for e in scenario.events if e.id == outcome.event), None)
        if event is None:
            kind = "PLOVER type" if outcome.event in EventType.__members__ else "event"
            raise _missing(file, base, f"outcome {outcome.id!r} (its event is the {kind} {outcome.event!r})")
        if event.reference is None:
            raise _missing(file, f"events[{event.id}].reference", f"named event {event.id!r} (used by outcomes[{index}] {outcome.id!r})")
        refs = (event.reference,)
        base = f"events[{event.id}].reference"
    out = []
    for k, r in enumerate(refs):
        where = base if len(refs) == 1 else f"{base}[{k}]"
        subject = r.subject or _subject_from(outcome)
        if subject is None:
            raise ScenarioError(
                file, f"{where}.subject", f"no subject, and outcome {outcome.id!r} does not name one pair or one actor",
                f"give subject = \"PRK\", \"USA-PRK\" or \"PRK~KOR\" in outcomes[{outcome.id}].reference",
            )
        state = Reference.model_validate({"class": r.class_, "subject": subject, "state": r.state, "note": r.note}).state_dyad
        if state is None:
            raise ScenarioError(
                file, f"{where}.state", f"subject {subject!r} is one actor, so the crisis state's dyad must be named",
                'give state = "PRK-USA" (the dyad whose confrontation drives it)',
            )
        out.append(ResolvedReference(r.class_, subject, state, r.accidents, r.note, where))
    return tuple(out)


def scenario_references(scenario: Scenario, file: str | Path = "<scenario>") -> dict[str, tuple[ResolvedReference, ...]]:
    """Every outcome's resolved references, by outcome id (the keys ``detente calibrate`` fits).

    Raises:
        ScenarioError: The first outcome without a usable reference.
    """
    return {o.id: outcome_references(scenario, o, file) for o in scenario.outcomes}
