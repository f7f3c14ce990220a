"""The scenario format: frozen pydantic models for a crisis system and the provenance of each value.

A scenario is read from TOML (see ``docs/scenario-format.md``). Every number that is an assumption is a
:class:`Value`: in the file either a bare number or an inline table
``{ value = 0.8, source = "valdai-2018", quote = "…", confidence = 0.6 }``. Objects (actors, issues,
relations, mechanisms, strategies, outcomes) carry the same ``source``/``quote``/``confidence`` fields.

Range checks live here; checks that need the whole scenario (unknown actors, duplicate ids) live in
:mod:`detente.scenario.validate`, and quote checks that need the source texts in
:mod:`detente.scenario.provenance`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from detente.mechanisms import SEED_INSTANCES, TYPES, type_list, type_of
from detente.ontology import EventType

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
"""An identifier: letters, digits, ``-``, ``_`` and ``.``; starts with a letter or digit."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Provenance(_Frozen):
    """Where an assumption comes from: a source id, the quote that supports it, and a confidence.

    ``source`` is the id of an entry of ``[[sources]]`` (an article or a data set), or ``"assumption"``
    for an explicit modelling assumption. A quote must occur in its source text (checked by
    ``detente validate``). ``confidence`` is the author's subjective probability that the value is right.
    """

    source: str | None = None
    quote: str | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    note: str | None = None


class Value(Provenance):
    """A number with provenance. In TOML, a bare number or ``{ value = …, source = …, quote = … }``."""

    value: float = Field(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _wrap_bare(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError(f"expected a number, got {str(data).lower()}")
        if isinstance(data, int | float):
            return {"value": data}
        if not isinstance(data, dict | Value):
            raise ValueError(
                f"expected a number or {{ value = …, source = …, quote = … }}, got {data!r}"
            )
        return data

    def __float__(self) -> float:
        return float(self.value)

    @property
    def has_provenance(self) -> bool:
        """Whether anything beyond the bare number is recorded."""
        return any(v is not None for v in (self.source, self.quote, self.confidence, self.note))


def _in_range(lo: float, hi: float, what: str) -> AfterValidator:
    def check(v: Value) -> Value:
        if not lo <= v.value <= hi:
            side = "below" if v.value < lo else "above"
            bound = lo if v.value < lo else hi
            raise ValueError(f"{v.value:g} is {side} {bound:g} ({what} lie in [{lo:g}, {hi:g}])")
        return v

    return AfterValidator(check)


Share = Annotated[Value, _in_range(0.0, 1.0, "capabilities are shares of the world total and")]
"""A capability share of the world (or system) total, in [0, 1]."""
Salience = Annotated[Value, _in_range(0.0, 1.0, "saliences")]
"""How much an issue matters to an actor relative to everything else it cares about, in [0, 1]."""
Probability = Annotated[Value, _in_range(0.0, 1.0, "probabilities")]
"""A probability (per time step where it is a rate), in [0, 1]."""
Unit = Annotated[Value, _in_range(0.0, 1.0, "these weights")]
"""A weight or strength in [0, 1]."""
Doctrine = Annotated[Value, _in_range(0.0, 1.0, "doctrines (0 = peace through trust, 1 = peace through force)")]
"""Where an actor stands between "peace through trust" (0) and "peace through force" (1) (E15)."""


# ---------------------------------------------------------------------------------------------
# Metadata and sources


class TimeStep(StrEnum):
    """The length of one engine step (a month is a twelfth of a Julian year, 30.4375 days)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> float:
        """The step's length in months: the engine's rates are per month and converted by it."""
        return {"day": 12 / 365.25, "week": 7 * 12 / 365.25, "month": 1.0, "quarter": 3.0, "year": 12.0}[self.value]


class Meta(_Frozen):
    """Scenario metadata: what it is, as of when, and at which time resolution engines run it."""

    id: Id
    title: str = Field(min_length=1)
    as_of: dt.date
    time_step: TimeStep = TimeStep.MONTH
    horizon: int = Field(default=24, ge=1, le=600)
    description: str = ""
    version: str = "1"


class SourceKind(StrEnum):
    """What a source is."""

    ARTICLE = "article"
    DATASET = "dataset"
    REFERENCE = "reference"


class Source(_Frozen):
    """A text or data set that values cite by ``id``.

    ``path`` is relative to the scenario file; an article's path is what quotes are checked against.
    ``sha256`` pins an article's exact bytes: when ``path`` does not exist, a file with that hash in the
    article folders is used (see :mod:`detente.scenario.sources`).
    """

    id: Id
    kind: SourceKind = SourceKind.ARTICLE
    title: str = Field(min_length=1)
    author: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    year: int | None = Field(default=None, ge=1800, le=2100)
    path: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    url: str | None = None
    licence: str | None = None
    note: str | None = None


# ---------------------------------------------------------------------------------------------
# Actors


class ActorKind(StrEnum):
    """Kinds of actor: a state, a bloc or alliance, an international organisation, an audience."""

    STATE = "state"
    BLOC = "bloc"
    ORGANISATION = "organisation"
    AUDIENCE = "audience"


class NuclearStatus(StrEnum):
    """Nuclear status: none, threshold (latent), unofficial (tested, unrecognised), recognised (NPT)."""

    NONE = "none"
    THRESHOLD = "threshold"
    UNOFFICIAL = "unofficial"
    RECOGNISED = "recognised"


class Leader(_Frozen):
    """A leader in office over a date range (``end`` empty while in office on the as-of date)."""

    name: str = Field(min_length=1)
    title: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Leader:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Capabilities(_Frozen):
    """Shares of the system's military, economic and diplomatic power, and nuclear status.

    Shares are of the world total (or of the modelled system, as the scenario's notes say), each in
    [0, 1]. Values not from the article name their public source and year.
    """

    military: Share = Field(default_factory=lambda: Value(value=0.0))
    economic: Share = Field(default_factory=lambda: Value(value=0.0))
    diplomatic: Share = Field(default_factory=lambda: Value(value=0.0))
    nuclear_status: NuclearStatus = NuclearStatus.NONE
    warheads: Value | None = None

    def total(self) -> float:
        """The unweighted mean of the three shares: a single power index for engines that need one."""
        return (self.military.value + self.economic.value + self.diplomatic.value) / 3.0


class Actor(Provenance):
    """A state, bloc, organisation or audience.

    ``doctrine`` places the actor between "peace through trust" (0) and "peace through force" (1)
    (mechanism E15). ``members`` lists member actors of a bloc or organisation; ``veto`` the members
    whose veto blocks a decision (the permanent members of the UN Security Council).
    ``params`` holds engine-specific numbers (e.g. resolve), each with provenance.
    """

    id: Id
    name: str = Field(min_length=1)
    kind: ActorKind = ActorKind.STATE
    aliases: tuple[str, ...] = ()
    iso3: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    leaders: tuple[Leader, ...] = ()
    capabilities: Capabilities = Field(default_factory=Capabilities)
    doctrine: Doctrine = Field(default_factory=lambda: Value(value=0.5))
    members: tuple[str, ...] = ()
    veto: tuple[str, ...] = ()
    params: dict[str, Value] = Field(default_factory=dict)

    def leader_on(self, day: dt.date) -> Leader | None:
        """The leader in office on ``day``, if the scenario records one."""
        for leader in self.leaders:
            if (leader.start is None or leader.start <= day) and (
                leader.end is None or day <= leader.end
            ):
                return leader
        return None


# ---------------------------------------------------------------------------------------------
# Issues


class Position(Provenance):
    """One actor's stand on an issue: its ideal point on the issue scale and its salience."""

    actor: str
    position: Value
    salience: Salience


class Issue(Provenance):
    """A contested issue: a named scale with meaning at both ends, a status quo, and positions.

    Positions and the status quo lie on ``[low, high]`` (by default 0…100). ``low_means`` and
    ``high_means`` say what the ends of the scale mean.
    """

    id: Id
    name: str = Field(min_length=1)
    low: float = Field(default=0.0, allow_inf_nan=False)
    high: float = Field(default=100.0, allow_inf_nan=False)
    low_means: str = Field(min_length=1)
    high_means: str = Field(min_length=1)
    status_quo: Value
    positions: tuple[Position, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _on_scale(self) -> Issue:
        if not self.low < self.high:
            raise ValueError(f"low {self.low:g} must be below high {self.high:g}")
        if not self.low <= self.status_quo.value <= self.high:
            raise ValueError(
                f"status_quo {self.status_quo.value:g} is off the scale [{self.low:g}, {self.high:g}]"
            )
        for i, p in enumerate(self.positions):
            if not self.low <= p.position.value <= self.high:
                raise ValueError(
                    f"positions[{i}].position {p.position.value:g} is off the scale "
                    f"[{self.low:g}, {self.high:g}]"
                )
        return self


# ---------------------------------------------------------------------------------------------
# Relations


class RelationBase(Provenance):
    """Fields shared by every relation: an optional id, a strength in [0, 1] and free params."""

    id: Id | None = None
    strength: Unit = Field(default_factory=lambda: Value(value=1.0))
    since: dt.date | None = None
    params: dict[str, Value] = Field(default_factory=dict)


class Alliance(RelationBase):
    """An alliance with a senior partner and junior partners (K04), possibly with extended deterrence."""

    kind: Literal["alliance"] = "alliance"
    senior: str
    junior: tuple[str, ...] = Field(min_length=1)
    extended_deterrence: bool = False
    obligation: Literal["defence", "offence", "neutrality", "non-aggression", "consultation"] = (
        "defence"
    )

    @property
    def members(self) -> tuple[str, ...]:
        """Senior partner first, then the junior partners."""
        return (self.senior, *self.junior)


class Partnership(RelationBase):
    """An alignment short of alliance (e.g. "friendship without boundaries")."""

    kind: Literal["partnership"] = "partnership"
    members: tuple[str, ...] = Field(min_length=2)


class Rivalry(RelationBase):
    """A strategic rivalry; ``tension`` is the dyad's tension on the as-of date (0 = none)."""

    kind: Literal["rivalry"] = "rivalry"
    members: tuple[str, ...] = Field(min_length=2, max_length=2)
    tension: Value | None = None


class SanctionRegime(StrEnum):
    """Multilateral (UN), unilateral, or secondary (against third parties that trade with the target)."""

    MULTILATERAL = "multilateral"
    UNILATERAL = "unilateral"
    SECONDARY = "secondary"


class Sanctions(RelationBase):
    """A sanctions regime: who enforces it against whom, and which third parties are pressed to comply."""

    kind: Literal["sanctions"] = "sanctions"
    regime: SanctionRegime
    enforcers: tuple[str, ...] = Field(min_length=1)
    target: str
    pressured: tuple[str, ...] = ()
    intensity: Unit = Field(default_factory=lambda: Value(value=0.5))

    @property
    def members(self) -> tuple[str, ...]:
        """Enforcers, then target, then pressured third parties."""
        return (*self.enforcers, self.target, *self.pressured)


class ChannelState(StrEnum):
    """State of an institutional channel on the as-of date."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEFUNCT = "defunct"
    PROPOSED = "proposed"


class Channel(RelationBase):
    """An institutional channel (NATO–Russia Council, six-party talks, Track II) and its state."""

    kind: Literal["channel"] = "channel"
    name: str = Field(min_length=1)
    members: tuple[str, ...] = Field(min_length=2)
    state: ChannelState = ChannelState.ACTIVE
    track: Literal["I", "II"] = "I"


Relation = Annotated[
    Alliance | Partnership | Rivalry | Sanctions | Channel, Field(discriminator="kind")
]


# ---------------------------------------------------------------------------------------------
# Reference classes (the anchored engine)

REFERENCE_FAMILIES: dict[str, str] = {
    "icews": "an ICEWS event whose CAMEO code starts with ARG (icews:19, icews:046, icews:087)",
    "icews-leaders": "an ICEWS event with CAMEO prefix ARG between heads of state or government",
    "plover": "any ICEWS event mapped to the PLOVER type ARG",
    "mid-onset": "a Correlates of War MID onset at hostility level ARG or above (mid-onset:5 = war)",
    "missile-test": "a CNS North Korea missile test, optionally of type ARG (ICBM, SLBM, SLV, IRBM) and outcome",
    "nuclear-test": "a nuclear explosive test (authored table of tests since 1990, CTBTO/SIPRI)",
    "leader-visit": "an in-person meeting or visit of heads of state or government",
    "unsc-resolution": "a UN Security Council resolution, optionally on topic ARG (sanctions)",
    "unsc-meeting": "a UN Security Council meeting, optionally on topic ARG",
    "new-alliance": "a new alliance treaty (ATOP), optionally with a defence obligation",
    "conflict-onset": "a UCDP/PRIO armed-conflict onset (25 battle deaths in a year)",
    "conflict-termination": "the end of an armed conflict of size ARG, optionally with great-power involvement",
}
"""The reference-class families the contract names (``detente.anchor.refclass`` fits them)."""


def _reference_families() -> dict[str, str]:
    """The families :mod:`detente.anchor.refclass` knows, or the contract's list before it exists."""
    import importlib

    try:
        refclass = importlib.import_module("detente.anchor.refclass")  # the backbone package (issue 11)
    except ImportError:
        return REFERENCE_FAMILIES
    known = getattr(refclass, "FAMILIES", None)
    if isinstance(known, dict) and known:
        return {str(k): str(v) for k, v in known.items()}
    if isinstance(known, tuple | list) and known:
        return {str(f): REFERENCE_FAMILIES.get(str(f), str(f)) for f in known}
    return REFERENCE_FAMILIES


_SUBJECT = r"^[A-Za-z0-9][A-Za-z0-9_.]*(?:[-~][A-Za-z0-9][A-Za-z0-9_.]*)?$"


class Reference(_Frozen):
    """The data-defined reference class of a named event or an outcome (the anchored engine's anchor).

    In TOML: ``reference = { class = "missile-test:ICBM", subject = "PRK", state = "PRK-USA",
    note = "…" }``. ``class`` is ``FAMILY[:ARG…]`` (families in :data:`REFERENCE_FAMILIES`);
    ``subject`` the country (``PRK``), directed dyad (``USA-PRK``) or undirected dyad (``PRK~KOR``) whose
    history gives the rate (an event's reference may leave it to each outcome: derived from the
    outcome's ``sources``/``targets`` when they name one pair or one actor); ``state`` the dyad whose
    crisis state the hazard depends on (default: the subject's pair). ``accidents`` says the outcome's
    definition includes accidental clashes, so an accidental-escalation mechanism acts on it. ``note``
    says why this class is the right one: what the outcome means and what the data count.
    """

    class_: str = Field(alias="class", min_length=1, pattern=r"^[a-z][a-z0-9-]*(?::[A-Za-z0-9_.-]+)*$")
    subject: str | None = Field(default=None, pattern=_SUBJECT)
    state: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.]*-[A-Za-z0-9][A-Za-z0-9_.]*$")
    accidents: bool = False
    note: str = Field(min_length=1)

    @field_validator("class_")
    @classmethod
    def _known_family(cls, value: str) -> str:
        family = value.split(":", 1)[0]
        known = _reference_families()
        if family not in known:
            close = difflib.get_close_matches(family, known, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown reference family {family!r} (fix: {hint}use one of: {', '.join(known)})")
        return value

    @property
    def family(self) -> str:
        """The family name (``missile-test`` of ``missile-test:ICBM``)."""
        return self.class_.split(":", 1)[0]

    @property
    def state_dyad(self) -> str | None:
        """The crisis-state dyad, its two actors sorted (``PRK-USA``), or ``None`` if none can be named."""
        pair = self.state or (self.subject.replace("~", "-") if self.subject and ("-" in self.subject or "~" in self.subject) else None)
        if pair is None:
            return None
        return "-".join(sorted(pair.split("-")))


def _references(value: Any) -> Any:
    """An outcome's ``reference``: one inline table or an array of them (the outcome is the first hit)."""
    if isinstance(value, dict | Reference):
        return (value,)
    return value



# ---------------------------------------------------------------------------------------------
# Mechanisms, events, strategies, outcomes


class Mechanism(Provenance):
    """An instance of a mechanism type of the library (:mod:`detente.mechanisms`), with its parameters.

    ``id`` is the scenario's own id (``K11``, ``P01``, ``india-pak-accidents``); ``type`` names the
    generic type whose lever runs it (``accidental-escalation``; see ``docs/mechanisms.md``). A file may
    omit ``type`` for a seed id (K01–K19, E01–E15) or an id that is itself a type name. ``actors`` fills
    the type's roles in order. ``represented_by`` says where else the scenario represents it (field paths
    such as ``relations[us-rok-alliance]``), so that ``detente show`` can print a coverage table.
    """

    id: Id
    type: str = ""
    name: str = Field(default="", min_length=0)
    enabled: bool = True
    represented_by: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    params: dict[str, Value] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _resolve_type(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return data
        declared = data.get("type") or None
        if declared is not None and not isinstance(declared, str):
            raise ValueError(f"type: expected a type name, got {declared!r}")
        kind = type_of(data["id"], declared)
        if kind is None:
            raise ValueError(
                f"mechanism {data['id']!r} names no `type` (fix: add type = one of: {type_list()})"
            )
        if kind not in TYPES:
            close = difflib.get_close_matches(kind, TYPES, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown mechanism type {kind!r} (fix: {hint}use one of: {type_list()})")
        name = data.get("name") or (
            SEED_INSTANCES[data["id"]][1] if data["id"] in SEED_INSTANCES and declared is None else TYPES[kind].title
        )
        return {**data, "type": kind, "name": name}


class Preconditions(_Frozen):
    """What must hold for an actor to be able to perform a named event."""

    nuclear_status: tuple[NuclearStatus, ...] = ()
    actor_kind: tuple[ActorKind, ...] = ()
    no_veto_in: str | None = None
    requires_channel: str | None = None


class NamedEvent(Provenance):
    """A scenario-defined event: a specialisation of a PLOVER type (and mode), e.g. a nuclear test.

    ``cameo`` is the closest CAMEO code; ``intensity`` overrides the PLOVER score on the −10…+10 scale.
    ``reference`` is its data-defined reference class (:class:`Reference`), which the anchored engine
    needs for every named event an outcome uses.
    """

    id: Id
    name: str = Field(min_length=1)
    event: EventType
    mode: str | None = None
    cameo: str | None = Field(default=None, pattern=r"^\d{2,4}$")
    intensity: float | None = Field(default=None, ge=-10.0, le=10.0)
    preconditions: Preconditions = Field(default_factory=Preconditions)
    reference: Reference | None = None


class ActionKind(StrEnum):
    """What a strategy action does: make an event more likely, or change a scenario value."""

    EVENT = "event"
    SET = "set"


class StrategyAction(Provenance):
    """One action of a strategy component over steps ``[start, end)``.

    ``kind = "event"``: ``actor`` performs ``event`` towards ``targets`` with added propensity
    ``weight`` (utility units of the choice model). ``kind = "set"``: the scenario value at ``path``
    (e.g. ``relations[six-party-talks].state`` or ``actors[RUS].doctrine``) becomes ``value``.
    """

    kind: ActionKind = ActionKind.EVENT
    actor: str | None = None
    event: str | None = None
    mode: str | None = None
    targets: tuple[str, ...] = ()
    weight: Value | None = None
    path: str | None = None
    value: float | str | bool | None = None
    start: int = Field(default=0, ge=0)
    end: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _complete(self) -> StrategyAction:
        if self.kind is ActionKind.EVENT and (self.actor is None or self.event is None):
            raise ValueError("an event action needs `actor` and `event`")
        if self.kind is ActionKind.SET and (self.path is None or self.value is None):
            raise ValueError("a set action needs `path` and `value`")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class StrategyComponent(Provenance):
    """One separable part of a strategy (e.g. one of the five Russian countermeasures)."""

    id: Id
    name: str = Field(min_length=1)
    mechanism: Id | None = None
    actions: tuple[StrategyAction, ...] = Field(min_length=1)


class Strategy(Provenance):
    """A named bundle of actions or policy changes by an actor over time, for experiments to compare."""

    id: Id
    name: str = Field(min_length=1)
    actor: str
    description: str = ""
    components: tuple[StrategyComponent, ...] = Field(min_length=1)


class Outcome(Provenance):
    """A tracked outcome: who does what to whom, in the event ontology, that a user wants odds for.

    ``event`` is a PLOVER type (``ASSAULT``) or the id of a named event (``nuclear-test``). Empty
    ``sources``/``targets`` mean any actor. The outcome happens when at least ``min_count`` matching
    events occur (by the horizon being asked about).

    ``base_rate`` is the probability of the outcome within ``base_rate_months`` months in its reference
    class (its ``note`` names the class and the data); ``detente simulate`` warns when the engine's
    probability strays far from it with no mechanism to explain why.

    ``reference`` (one inline table or an array of them) overrides the named event's reference for the
    anchored engine; with several, the outcome happens at the first hit of any of them.
    """

    id: Id
    name: str = Field(min_length=1)
    event: str = Field(min_length=1)
    mode: str | None = None
    sources: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    min_count: int = Field(default=1, ge=1)
    description: str = ""
    base_rate: Probability | None = None
    base_rate_months: int = Field(default=12, ge=1, le=600)
    reference: Annotated[tuple[Reference, ...], BeforeValidator(_references)] = ()


# ---------------------------------------------------------------------------------------------
# The scenario


class Scenario(_Frozen):
    """A crisis system: metadata, sources, actors, issues, relations, mechanisms, strategies, outcomes."""

    scenario: Meta
    sources: tuple[Source, ...] = Field(min_length=1)
    actors: tuple[Actor, ...] = Field(min_length=1)
    issues: tuple[Issue, ...] = ()
    relations: tuple[Relation, ...] = ()
    mechanisms: tuple[Mechanism, ...] = ()
    events: tuple[NamedEvent, ...] = ()
    strategies: tuple[Strategy, ...] = ()
    outcomes: tuple[Outcome, ...] = ()

    @field_validator("relations", mode="before")
    @classmethod
    def _relations_need_kind(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, dict) and "kind" not in item:
                    raise ValueError(
                        "every relation needs `kind` (alliance, partnership, rivalry, sanctions, "
                        "channel)"
                    )
        return value

    # Convenience look-ups ------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The scenario id."""
        return self.scenario.id

    def _repr_html_(self) -> str:
        """A summary for notebooks: title, date, and the outcomes and strategies one can ask about."""
        from html import escape

        def items(pairs: Any) -> str:
            return "".join(f"<li><code>{escape(i)}</code> {escape(n)}</li>" for i, n in pairs)

        return (
            f"<div class='detente-scenario'><p><strong>{escape(self.scenario.title)}</strong> "
            f"(<code>{escape(self.id)}</code>, as of {self.scenario.as_of}, {len(self.actors)} actors, "
            f"{self.scenario.horizon} {self.scenario.time_step.value}s)</p>"
            f"<p>Outcomes:</p><ul>{items((o.id, o.name) for o in self.outcomes)}</ul>"
            f"<p>Strategies:</p><ul>{items((s.id, s.name) for s in self.strategies)}</ul></div>"
        )

    def actor_ids(self) -> tuple[str, ...]:
        """Actor ids in file order."""
        return tuple(a.id for a in self.actors)

    def actor(self, actor_id: str) -> Actor:
        """The actor with ``actor_id``; ``KeyError`` if absent."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        """The issue with ``issue_id``; ``KeyError`` if absent."""
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def mechanism(self, mech_id: str) -> Mechanism | None:
        """The mechanism entry with ``mech_id``, or ``None`` if the scenario does not model it."""
        for m in self.mechanisms:
            if m.id == mech_id:
                return m
        return None

    def strategy(self, strategy_id: str) -> Strategy:
        """The strategy with ``strategy_id``; ``KeyError`` if absent."""
        for s in self.strategies:
            if s.id == strategy_id:
                return s
        raise KeyError(strategy_id)

    def source(self, source_id: str) -> Source:
        """The source with ``source_id``; ``KeyError`` if absent."""
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)
