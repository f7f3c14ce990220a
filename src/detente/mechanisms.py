"""The mechanism library: generic, documented mechanism types that any scenario instantiates.

A type (``accidental-escalation``, ``secondary-sanctions``, …) is what the escalation engine knows how to
run: it has a lever, parameters with defaults and equations (``docs/model.md``, "Mechanism types"). A
scenario declares *instances* under its own ids (``K11``, ``P01``, ``india-pak-accidents``), each naming
its type and carrying the quote of the article that claims it::

    [[mechanisms]]
    id = "P01"
    type = "accidental-escalation"
    quote = "…"

Only the instances a scenario declares (and leaves enabled) act in a run. The two seed scenarios'
instances, K01–K19 (korea-2018) and E01–E15 (eurasia-2023), are listed with their quotes in
``docs/mechanisms.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MechanismType:
    """A generic mechanism: its id, a title, what it does, and what its instance's ``actors`` stand for.

    ``roles`` is empty for types that act on what the scenario's relations, events or actors say
    (every alliance, every sanctions regime, every actor's doctrine); otherwise the instance lists its
    actors in the order of ``roles``.
    """

    id: str
    title: str
    summary: str
    roles: tuple[str, ...] = ()


_TYPES: tuple[MechanismType, ...] = (
    MechanismType("rapprochement", "Rapprochement between two parties",
                  "two parties' cooperation with each other is worth more and relieves more tension",
                  ("party", "party")),
    MechanismType("de-facto-recognition", "De facto recognition through agreements",
                  "each agreement with an unrecognised nuclear actor moves the nuclear issue's status quo "
                  "towards its position", ("nuclear actor",)),
    MechanismType("guarantor-monopoly", "Only one power can give security guarantees",
                  "the nuclear actor's concessions to anyone but the guarantor cost it utility",
                  ("nuclear actor", "guarantor")),
    MechanismType("alliance-discipline", "Senior ally disciplines junior allies",
                  "a senior ally presses junior allies who cooperate with its rivals"),
    MechanismType("multilateral-sanctions", "Multilateral sanctions pressure",
                  "multilateral sanctions erode the target's economy and raise its hostility towards the "
                  "enforcers"),
    MechanismType("secondary-sanctions", "Unilateral and secondary sanctions",
                  "unilateral and secondary sanctions cost the target, the enforcers and the pressured third "
                  "parties, who resent the enforcer"),
    MechanismType("coercion-limit", "Limits of coercion",
                  "coercion moves a target's positions only so far from where they started"),
    MechanismType("evasion-accusations", "Accusations of sanctions evasion",
                  "enforcers accuse pressured third parties of evasion, costing them standing"),
    MechanismType("coercive-signalling", "Coercive signalling (demonstrative military pressure)",
                  "allies make demonstrative military moves towards a sanctions target"),
    MechanismType("bluff-credibility", "Threats taken seriously (bluff credibility)",
                  "a threat alarms its target whatever the threatener's true resolve"),
    MechanismType("accidental-escalation", "Accidental escalation",
                  "concurrent military activity in a dyad causes accidental clashes"),
    MechanismType("provocation-cycle", "Provocation cycle",
                  "pressure on a nuclear actor raises its propensity to test weapons"),
    MechanismType("engineered-pretext", "Engineered casus belli (spoiler)",
                  "an actor fabricates incidents against a target in proportion to tension",
                  ("engineer", "target")),
    MechanismType("reputation-trap", "Reputation trap",
                  "a patron loses standing whether it supports its client or acts against it",
                  ("trapped", "client")),
    MechanismType("coordination", "Coordination between partners",
                  "two partners consult and mirror each other's actions towards third parties",
                  ("partner", "partner")),
    MechanismType("back-channel", "Back-channel contacts that counsel restraint",
                  "an actor's contacts with a client make the client's hostility fade faster",
                  ("contact", "client")),
    MechanismType("counter-pressure", "Warnings to a pressuring power",
                  "an actor's warnings raise a pressuring power's perceived cost of force",
                  ("warner", "pressured power")),
    MechanismType("mediation", "Mediation between two parties",
                  "a mediator's contacts with two parties warm their mutual cooperation",
                  ("mediator", "party", "party")),
    MechanismType("talks-activation", "Opening talks (an institutional channel)",
                  "proposed talks open while promoted; open talks damp tension and move positions to the "
                  "status quo", ("promoter", "promoter")),
    MechanismType("standing-grievance", "Standing grievance",
                  "one actor holds a constant grievance towards another", ("aggrieved", "object")),
    MechanismType("contested-alignment", "Contested alignment of a state between blocs",
                  "aid pulls a contested state towards a bloc, alarming the rival bloc",
                  ("bloc leader", "…", "contested state (last)")),
    MechanismType("red-line", "Red line",
                  "once the status quo crosses the holder's red line, force gains utility for it",
                  ("holder", "crosser")),
    MechanismType("channel-erosion", "Institutional channels erode",
                  "active channels are suspended with a probability that grows with tension"),
    MechanismType("autonomy", "Autonomous (case-by-case) states",
                  "listed actors weigh alliances less and issues more", ("autonomous", "…")),
    MechanismType("extended-deterrence", "Extended deterrence",
                  "a senior ally's power and nuclear status deter attacks on its junior allies"),
    MechanismType("alignment-support", "Support among partners (aid, arms transfers)",
                  "partners support and aid each other; aid restores the recipient's economy"),
    MechanismType("military-buildup", "Military build-up",
                  "an actor's military capability grows each step", ("builder",)),
    MechanismType("mutual-grievance", "Mutual grievance",
                  "a constant grievance in both directions of a dyad", ("party", "party")),
    MechanismType("hair-trigger", "Hair-trigger dyad",
                  "a dyad reacts more strongly to each other's hostility", ("party", "party")),
    MechanismType("theatre-linkage", "Linkage between theatres",
                  "an actor takes on part of its partners' and allies' hostility towards a rival"),
    MechanismType("rear-security", "Rear security",
                  "a calm rear lowers an actor's cost of force elsewhere", ("actor", "rear partner")),
    MechanismType("relief-spillover", "Relief spillover between crises",
                  "cooperation in one dyad relieves tension in the others, unless the crises are decoupled"),
    MechanismType("power-transition", "Power transition",
                  "a challenger gains on a declining hegemon; their hostility rises near parity",
                  ("hegemon", "challenger")),
    MechanismType("doctrine", "Doctrine: peace through force vs. peace through trust",
                  "each actor's doctrine shifts its drives from cooperation to hostility"),
)

TYPES: dict[str, MechanismType] = {t.id: t for t in _TYPES}
"""Every mechanism type the engine implements, by id."""

SEED_INSTANCES: dict[str, tuple[str, str]] = {
    "K01": ("rapprochement", "Inter-Korean rapprochement"),
    "K02": ("de-facto-recognition", "Denuclearisation vs. recognised nuclear status"),
    "K03": ("guarantor-monopoly", "Who can give security guarantees"),
    "K04": ("alliance-discipline", "Senior ally coerces junior ally"),
    "K05": ("multilateral-sanctions", "Multilateral sanctions"),
    "K06": ("secondary-sanctions", "Unilateral and secondary sanctions"),
    "K07": ("coercion-limit", "Blockade and its limits"),
    "K08": ("evasion-accusations", "Accusations of sanctions violations"),
    "K09": ("coercive-signalling", "Demonstrative military pressure"),
    "K10": ("bluff-credibility", "Bluff credibility"),
    "K11": ("accidental-escalation", "Accidental escalation"),
    "K12": ("provocation-cycle", "Provocation to test"),
    "K13": ("engineered-pretext", "Engineered casus belli"),
    "K14": ("reputation-trap", "Reputation trap for China"),
    "K15": ("coordination", "Russia–China coordination"),
    "K16": ("back-channel", "Contacts with Pyongyang (incl. Track II)"),
    "K17": ("counter-pressure", "Pressure on Washington"),
    "K18": ("mediation", "Work with the Korean leadership"),
    "K19": ("talks-activation", "Road map and six-party talks"),
    "E01": ("standing-grievance", "Rejected security-guarantee treaties"),
    "E02": ("contested-alignment", "NATO expansion vs. post-Soviet integration"),
    "E03": ("red-line", "Red lines dismissed"),
    "E04": ("channel-erosion", "Partnership institutions erode"),
    "E05": ("autonomy", "Unipolar to multipolar order"),
    "E06": ("extended-deterrence", "US–ROK–Japan trilateral and extended deterrence"),
    "E07": ("alignment-support", "Russia–China and Russia–North Korea alignment"),
    "E08": ("military-buildup", "North Korean build-up"),
    "E09": ("mutual-grievance", "Taiwan Strait tension"),
    "E10": ("hair-trigger", "Inter-Korean armed-conflict risk"),
    "E11": ("theatre-linkage", "Theatre linkage"),
    "E12": ("rear-security", "Rear security"),
    "E13": ("relief-spillover", "Crises don't resolve together"),
    "E14": ("power-transition", "Power transition"),
    "E15": ("doctrine", "Peace through trust vs. peace through force"),
}
"""The seed scenarios' instances (id → type, name), for files written before instances named their type.

The full catalogue, with each instance's quote, is ``docs/mechanisms.md``.
"""


def type_of(instance_id: str, declared: str | None) -> str | None:
    """The type an instance names, else the type of a seed id or of an id that is itself a type name."""
    if declared is not None:
        return declared
    if instance_id in SEED_INSTANCES:
        return SEED_INSTANCES[instance_id][0]
    return instance_id if instance_id in TYPES else None


def type_list() -> str:
    """The type ids, comma-separated (for error messages)."""
    return ", ".join(TYPES)
