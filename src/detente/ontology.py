"""The event ontology every engine and the event coder share: PLOVER types and modes, CAMEO codes.

PLOVER (the Political Language Ontology for Verifiable Event Records) has 16 event types in four quad
classes (verbal/material × cooperation/conflict), each with a conflict–cooperation score on −10…+10, per
type and per mode. CAMEO codes map onto PLOVER types and carry Goldstein (1992) intensities.

References:
    - PLOVER 2.0 draft manual, openeventdata/PLOVER (CC BY-SA 4.0).
    - Goldstein, J. S. (1992). A conflict–cooperation scale for WEIS events data. JCR 36(2), 369–385.
    - Gerner, Schrodt, Yilmaz & Abu-Jabr (2002). CAMEO: Conflict and Mediation Event Observations.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


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


def _data(name: str) -> str:
    return resources.files("detente").joinpath("data", "ontology", name).read_text("utf-8")


@cache
def plover() -> dict[EventType, EventTypeInfo]:
    """The PLOVER event types with quad class, score and modes, from the packaged table."""
    raw = json.loads(_data("plover_ontology.json"))
    out: dict[EventType, EventTypeInfo] = {}
    for name, info in raw["event_types"].items():
        etype = EventType(name)
        out[etype] = EventTypeInfo(
            type=etype,
            quad=Quad(info["quad"]),
            score=float(info["score"]),
            requires_recipient=bool(info["requires_recipient"]),
            modes={k: (None if v is None else float(v)) for k, v in info["modes"].items()},
        )
    return out


@cache
def cameo() -> dict[str, CameoCode]:
    """CAMEO codes keyed by code string (``"150"``), with GDELT Goldstein values."""
    text = _data("cameo_codes.csv")
    out: dict[str, CameoCode] = {}
    for row in csv.DictReader(text.splitlines()):
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


def event_score(event: EventType | str, mode: str | None = None) -> float:
    """The PLOVER conflict–cooperation score of an event type (and mode)."""
    return plover()[EventType(event)].mode_score(mode)


def quad_of(event: EventType | str) -> Quad:
    """The quad class of a PLOVER event type."""
    return plover()[EventType(event)].quad
