"""The event ontology every engine and the event coder share: PLOVER types and modes, CAMEO codes.

PLOVER (the Political Language Ontology for Verifiable Event Records) has 16 event types in four quad
classes (verbal/material × cooperation/conflict), each with a conflict–cooperation score on −10…+10, per
type and per mode. CAMEO codes map onto PLOVER types and carry Goldstein (1992) intensities.

The PLOVER types, quads and scores (what the engines use) are authored here as code; the CAMEO table
(what the event coder uses) is read from the data directory (``events/cameo_codes.csv``).

References:
    - PLOVER 2.0 draft manual, openeventdata/PLOVER (CC BY-SA 4.0).
    - Goldstein, J. S. (1992). A conflict–cooperation scale for WEIS events data. JCR 36(2), 369–385.
    - Gerner, Schrodt, Yilmaz & Abu-Jabr (2002). CAMEO: Conflict and Mediation Event Observations.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path


class Quad(StrEnum):
    """The four quad classes of event data."""

    VERBAL_COOPERATION = "verbal_cooperation"
    MATERIAL_COOPERATION = "material_cooperation"
    VERBAL_CONFLICT = "verbal_conflict"
    MATERIAL_CONFLICT = "material_conflict"


class EventType(StrEnum):
    """The 16 PLOVER event types, ordered from cooperation to conflict as in the manual."""

    AGREE = "AGREE"
    CONSULT = "CONSULT"
    SUPPORT = "SUPPORT"
    CONCEDE = "CONCEDE"
    COOPERATE = "COOPERATE"
    AID = "AID"
    RETREAT = "RETREAT"
    REQUEST = "REQUEST"
    ACCUSE = "ACCUSE"
    REJECT = "REJECT"
    THREATEN = "THREATEN"
    PROTEST = "PROTEST"
    SANCTION = "SANCTION"
    MOBILIZE = "MOBILIZE"
    COERCE = "COERCE"
    ASSAULT = "ASSAULT"


@dataclass(frozen=True)
class EventTypeInfo:
    """What the ontology says of one PLOVER event type."""

    type: EventType
    quad: Quad
    score: float
    requires_recipient: bool
    modes: dict[str, float | None]

    def mode_score(self, mode: str | None) -> float:
        """The conflict–cooperation score of this type in ``mode`` (the type's score if unscored)."""
        if mode is None:
            return self.score
        value = self.modes.get(mode)
        return self.score if value is None else value


@dataclass(frozen=True)
class CameoCode:
    """One CAMEO code with its Goldstein value and PLOVER mapping."""

    code: str
    name: str
    goldstein: float | None
    quad: Quad
    pentaclass: int
    plover_event: EventType | None
    plover_mode: str | None


# The engine's event types and intensities, authored here as code (no table is read at run time).
# Quad classes, recipient rules and conflict–cooperation scores per type and mode are those of the PLOVER
# 2.0 draft manual (openeventdata/PLOVER, ``PLOVER_MANUAL.tex``, commit 5e0c24f, 2024-02-04; CC BY-SA
# 4.0), one chapter per quad class. ACCUSE's base score is printed as 3 in the manual but every ACCUSE
# mode is negative (−2 … −3.5): read as −3. A mode the manual leaves unscored is ``None`` (the type's
# score applies). Quads follow each type's chapter (SANCTION is material conflict; the repository README
# lists it under verbal conflict, an older draft).
_VC, _MC = Quad.VERBAL_COOPERATION, Quad.MATERIAL_COOPERATION
_VX, _MX = Quad.VERBAL_CONFLICT, Quad.MATERIAL_CONFLICT
_E = EventType
_PLOVER: tuple[tuple[EventType, Quad, bool, float, dict[str, float | None]], ...] = (
    # type, quad, requires a recipient, score, {mode: score}
    (_E.AGREE, _VC, False, 2.5, {}),
    (_E.CONSULT, _VC, False, 2.5, {"visit": 4.0, "third-party": 1.0, "multilateral": 4.0, "phone": 1.5}),
    (_E.SUPPORT, _VC, False, 5.0, {}),
    (_E.CONCEDE, _VC, False, 4.5, {}),
    (_E.COOPERATE, _MC, True, 9.5, {}),
    (_E.AID, _MC, True, 10.0, {}),
    (_E.RETREAT, _MC, False, 6.5, {
        "withdraw": 8.0, "release": 6.5, "disarm": 10.0, "ceasefire": 7.5, "access": 6.5, "resign": 4.5,
    }),
    (_E.REQUEST, _VX, False, 0.0, {"assist": 0.5, "change": -1.0, "yield": -1.0, "meet": 0.0}),
    (_E.ACCUSE, _VX, False, -3.0, {"disapprove": -2.0, "investigate": -3.5, "allege": -3.5}),
    (_E.REJECT, _VX, False, -2.0, {"assist": -1.5, "change": -2.0, "yield": -2.0, "meet": -2.0}),
    (_E.THREATEN, _VX, False, -3.5, {
        "restrict": -3.0, "arrest": -3.5, "relations": -3.5, "expel": -3.5, "territory": -4.0,
        "violence": -3.5,
    }),
    (_E.PROTEST, _MX, False, -5.0, {
        "demo": -5.0, "riot": -7.0, "strike": -5.0, "hunger": -4.5, "boycott": -4.5, "obstruct": -4.5,
        "vandalize": None,
    }),
    (_E.SANCTION, _MX, True, -6.0, {"convict": -6.0, "expel": -5.5, "withdraw": -6.0, "discontinue": -6.0}),
    (_E.MOBILIZE, _MX, False, -5.5, {"troops": -6.5, "weapons": -6.5, "police": -5.5, "militia": -6.0}),
    (_E.COERCE, _MX, False, -7.0, {
        "seize": -7.0, "restrict": -7.0, "censor": -6.5, "curfew": -6.5, "martial-law": -7.5,
        "arrest": -7.0, "deport": -7.0, "withhold": -7.0, "misinformation": -6.5, "cyber": -7.0,
    }),
    (_E.ASSAULT, _MX, False, -9.0, {
        "abduct": -8.5, "beat": -7.5, "torture": -8.5, "sexual": -8.5, "targeted": -9.5, "destroy": -8.5,
        "primitive": -8.0, "firearms": -9.0, "explosives": -9.0, "suicide-attack": -9.5, "aerial": -9.5,
        "drone": -9.5, "heavy-weapons": -9.5, "crowd-control": -7.5, "unconventional": -10.0,
    }),
)


@cache
def plover() -> dict[EventType, EventTypeInfo]:
    """The PLOVER event types with quad class, recipient rule, score and modes (authored above)."""
    return {
        etype: EventTypeInfo(type=etype, quad=quad, score=score, requires_recipient=rec, modes=dict(modes))
        for etype, quad, rec, score, modes in _PLOVER
    }


CAMEO_FILE = "events/cameo_codes.csv"


@cache
def _cameo(path: Path) -> dict[str, CameoCode]:
    out: dict[str, CameoCode] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            event = row["plover_event"]
            out[row["code"]] = CameoCode(
                code=row["code"],
                name=row["name"],
                goldstein=float(row["goldstein_gdelt"]) if row["goldstein_gdelt"] else None,
                quad=Quad(row["quad_class_01to05_verbal"]),
                pentaclass=int(row["phoenix_pentaclass"]),
                plover_event=EventType(event) if event in EventType.__members__ else None,
                plover_mode=row["plover_mode"] or None,
            )
    return out


def cameo(data: str | Path | None = None) -> dict[str, CameoCode]:
    """CAMEO codes keyed by code string (``"150"``), with GDELT Goldstein values and PLOVER mapping.

    Read from ``events/cameo_codes.csv`` in the data directory (the event coder needs it; the engine
    does not).

    Args:
        data: An explicit data directory; default: see :func:`detente.datadir.data_dir`.

    Raises:
        DataMissingError: the file is not in the data directory.
    """
    from detente.datadir import require

    return _cameo(require(CAMEO_FILE, data).resolve())


def event_score(event: EventType | str, mode: str | None = None) -> float:
    """The PLOVER conflict–cooperation score of an event type (and mode)."""
    return plover()[EventType(event)].mode_score(mode)


def quad_of(event: EventType | str) -> Quad:
    """The quad class of a PLOVER event type."""
    return plover()[EventType(event)].quad
