"""Mechanisms and strategies as levers: log-hazard multipliers and shifts of the crisis state's mean.

Each mechanism type has a sign on the classes it touches (conflictual or cooperative, or only weapons
tests, kinetic classes, or outcomes whose definition includes accidents) and on the crisis state of the
dyads it touches, read from what the type claims (``docs/mechanisms.md``; the instance's quote says it of
the scenario). A claim about tension moves the state only (its effect on each class is then the fitted
state coefficient); a claim about an event class multiplies that class's hazard. The strength is drawn
once per run from a half-normal prior centred on no effect, ``|N(0, s)|`` with the sign of the claim:
``s = 0.5`` on the log hazard (a median multiplier of 1.4, 95 % below 3.1) and ``s = 0.25`` standard
deviations of the hostility index on the state's long-run mean (added to the transition's intercept as
``(1 - rho) delta``). Both scales are assumptions; an instance may set its own
with ``params.lever_scale`` and ``params.state_scale``. The one size from history is the rising test
rate of a military build-up (E08): the yearly trend of the log rate of North Korea's test days over the
ten years before the as-of date (:func:`detente.calibrate.trend.prk_test_trend`, fitted once into the
calibration by ``detente calibrate``), drawn from its sampling distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.ontology import EventType, event_score

HAZARD_SCALE = 0.5
"""Prior scale of a mechanism's log-hazard multiplier (half-normal; assumption)."""
STATE_SCALE = 0.25
"""Prior scale of a mechanism's shift of the crisis state's long-run mean, in standard deviations of the
hostility index (half-normal; assumption)."""
STRATEGY_SCALE = 0.5
"""Prior scale of one unit of strategy weight on the log hazard (half-normal; assumption)."""
STRATEGY_STATE_SCALE = 0.25
"""Prior scale of one unit of strategy weight on the state's long-run mean (half-normal; assumption)."""


@dataclass(frozen=True)
class LeverType:
    """What a mechanism type does in the anchored engine.

    Attributes:
        conflict: Sign of its log-hazard multiplier on conflictual classes it touches (0: none).
        cooperative: Sign on cooperative classes.
        state: Sign of its shift of the touched dyads' crisis-state mean.
        only: Restrict the hazard lever to ``tests`` (missile and nuclear tests), ``kinetic`` (uses of
            force, conflict onsets) or ``accidents`` (classes of outcomes whose definition includes
            accidental clashes: the extra events count only there).
        ramp: The multiplier grows linearly in time (per year), as a build-up's rising rate.
        why: One line: what the claim is, or why the type has no lever here.
    """

    conflict: int = 0
    cooperative: int = 0
    state: int = 0
    only: str | None = None
    ramp: bool = False
    why: str = ""

    @property
    def acts(self) -> bool:
        """Whether the type has any lever in this engine."""
        return bool(self.conflict or self.cooperative or self.state)


LEVER_TYPES: dict[str, LeverType] = {
    "rapprochement": LeverType(0, +1, -1, why="the parties cooperate more and confront less"),
    "de-facto-recognition": LeverType(0, +1, 0, why="agreements with the nuclear actor become more likely"),
    "guarantor-monopoly": LeverType(0, -1, 0, why="deals without the guarantor are less likely"),
    "alliance-discipline": LeverType(0, -1, 0, why="junior allies' cooperation with the senior ally's rivals is held back"),
    "multilateral-sanctions": LeverType(0, 0, +1, why="sanctions raise the target's hostility towards the enforcers"),
    "secondary-sanctions": LeverType(0, 0, +1, why="the target and pressured parties resent the enforcer"),
    "coercion-limit": LeverType(why="acts on issue positions (bargaining), not on event hazards"),
    "evasion-accusations": LeverType(+1, 0, 0, why="accusations between enforcers and third parties"),
    "coercive-signalling": LeverType(0, 0, +1, why="demonstrative military moves raise confrontation"),
    "bluff-credibility": LeverType(0, 0, +1, why="threats alarm their target"),
    "accidental-escalation": LeverType(+1, 0, 0, only="accidents", why="concurrent military activity adds accidental clashes"),
    "provocation-cycle": LeverType(+1, 0, 0, only="tests", why="pressure provokes weapons tests"),
    "engineered-pretext": LeverType(+1, 0, 0, only="kinetic", why="an engineered incident is a use of force"),
    "reputation-trap": LeverType(why="acts on a patron's standing, not on event hazards"),
    "coordination": LeverType(0, +1, 0, why="the partners consult and act together"),
    "back-channel": LeverType(0, 0, -1, why="contacts make the client's hostility fade"),
    "counter-pressure": LeverType(-1, 0, 0, only="kinetic", why="warnings restrain the pressuring power's use of force"),
    "mediation": LeverType(0, +1, -1, why="the mediator warms the parties' relations"),
    "talks-activation": LeverType(0, +1, 0, why="talks and meetings become more likely"),
    "standing-grievance": LeverType(0, 0, +1, why="the grievance keeps the dyad confrontational"),
    "contested-alignment": LeverType(0, 0, +1, why="the contest raises confrontation"),
    "red-line": LeverType(+1, 0, 0, only="kinetic", why="dismissed red lines are enforced by force"),
    "channel-erosion": LeverType(0, -1, 0, why="eroded institutions meet less"),
    "autonomy": LeverType(why="acts on alignments issue by issue, not on event hazards"),
    "extended-deterrence": LeverType(-1, 0, 0, only="kinetic", why="deterrence holds back attacks on the protected"),
    "alignment-support": LeverType(0, +1, 0, why="partners give aid, arms and support"),
    "military-buildup": LeverType(+1, 0, 0, only="tests", ramp=True, why="a build-up raises the test rate year by year (E08)"),
    "mutual-grievance": LeverType(0, 0, +1, why="tension rises in the dyad"),
    "hair-trigger": LeverType(+1, 0, 0, only="kinetic", why="a hair-trigger dyad turns incidents into clashes"),
    "theatre-linkage": LeverType(why="the backbone's fitted common shock between dyads sharing an actor carries it"),
    "rear-security": LeverType(why="acts on a war's conduct, not on the event hazards tracked"),
    "relief-spillover": LeverType(why="the backbone's state model does not couple resolution across theatres beyond its common shock"),
    "power-transition": LeverType(0, 0, +1, why="the rising and declining powers' rivalry sharpens"),
    "doctrine": LeverType(0, 0, +1, why="peace through force raises confrontation, through trust lowers it (sign per dyad from the actors' doctrines)"),
}
"""Each mechanism type's lever (``docs/model.md``, "Anchored engine: scenario", lists them)."""

_COOP_FAMILIES = {"leader-visit", "new-alliance", "conflict-termination", "unsc-meeting"}
_CONFLICT_FAMILIES = {"mid-onset", "conflict-onset", "missile-test", "nuclear-test"}
_KINETIC_ICEWS = ("18", "19", "20")


def polarity(ref: str) -> int:
    """``+1`` for a conflictual class, ``-1`` for a cooperative one (``ref`` is ``FAMILY[:ARG…]``)."""
    family, _, arg = ref.partition(":")
    if family in _COOP_FAMILIES:
        return -1
    if family in _CONFLICT_FAMILIES:
        return +1
    if family == "unsc-resolution":
        return -1 if "eas" in arg or "lift" in arg else +1
    if family in ("icews", "icews-leaders"):
        code = arg.split(":")[0]
        return +1 if code[:2].isdigit() and int(code[:2]) >= 10 else -1
    if family == "plover":
        kind = EventType(arg.split(":")[0].upper())
        return +1 if event_score(kind) < 0 else -1
    return +1


def is_test(ref: str) -> bool:
    """Whether the class counts weapons tests."""
    return ref.split(":")[0] in ("missile-test", "nuclear-test")


def is_kinetic(ref: str) -> bool:
    """Whether the class counts uses of force (MIDs at hostility 4+, conflict onsets, CAMEO 18-20)."""
    family, _, arg = ref.partition(":")
    if family in ("mid-onset", "conflict-onset"):
        return True
    if family in ("icews", "icews-leaders"):
        return arg[:2] in _KINETIC_ICEWS
    return family == "plover" and arg.upper().startswith("ASSAULT")


def event_polarity(event: EventType) -> int:
    """``+1`` for a conflictual PLOVER type, ``-1`` for a cooperative one."""
    return +1 if event_score(event) < 0 else -1
