"""Shared hypothesis generators: random but valid scenarios as plain TOML-able dicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
)
ident = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1))


def value(numbers: st.SearchStrategy[float] = unit) -> st.SearchStrategy[Any]:
    """A bare number or a number with provenance (no source, so no quote check applies)."""
    with_prov = st.fixed_dictionaries(
        {"value": numbers},
        optional={"note": text, "confidence": unit, "quote": text},
    )
    return st.one_of(numbers, with_prov)


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario with 2-5 actors, some issues, relations, mechanisms and outcomes."""
    ids = draw(st.lists(ident, min_size=2, max_size=5, unique=True))
    actors = []
    for aid in ids:
        actors.append(
            {
                "id": aid,
                "name": draw(text),
                "kind": draw(st.sampled_from(["state", "bloc", "organisation", "audience"])),
                "aliases": draw(st.lists(text, max_size=2)),
                "doctrine": draw(value()),
                "capabilities": {
                    "military": draw(value()),
                    "economic": draw(value()),
                    "diplomatic": draw(value()),
                    "nuclear_status": draw(
                        st.sampled_from(["none", "threshold", "unofficial", "recognised"])
                    ),
                },
                "leaders": draw(
                    st.lists(st.fixed_dictionaries({"name": text}, optional={"start": dates}), max_size=2)
                ),
            }
        )
    pos = st.floats(min_value=0, max_value=100, allow_nan=False)
    issues = []
    for k in range(draw(st.integers(0, 2))):
        members = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        issues.append(
            {
                "id": f"issue-{k}",
                "name": draw(text),
                "low_means": draw(text),
                "high_means": draw(text),
                "status_quo": draw(value(pos)),
                "positions": [
                    {"actor": a, "position": draw(value(pos)), "salience": draw(value())}
                    for a in members
                ],
            }
        )
    pair = st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)
    relations = []
    for k in range(draw(st.integers(0, 4))):
        a, b = draw(pair)
        kind = draw(st.sampled_from(["alliance", "partnership", "rivalry", "sanctions", "channel"]))
        rel: dict[str, Any] = {"kind": kind, "id": f"rel-{k}", "strength": draw(value())}
        if kind == "alliance":
            rel |= {"senior": a, "junior": [b], "extended_deterrence": draw(st.booleans())}
        elif kind == "sanctions":
            rel |= {
                "regime": draw(st.sampled_from(["multilateral", "unilateral", "secondary"])),
                "enforcers": [a],
                "target": b,
                "intensity": draw(value()),
            }
        elif kind == "channel":
            rel |= {
                "name": draw(text),
                "members": [a, b],
                "state": draw(st.sampled_from(["active", "suspended", "defunct", "proposed"])),
            }
        else:
            rel |= {"members": [a, b]}
        relations.append(rel)
    mechanisms = [
        {"id": m, "name": draw(text), "params": {"rate": draw(value())}}
        for m in draw(st.lists(st.sampled_from(["K01", "K11", "E15"]), unique=True))
    ]
    outcomes = [
        {
            "id": f"out-{k}",
            "name": draw(text),
            "event": draw(st.sampled_from(["ASSAULT", "CONSULT", "SANCTION"])),
            "sources": draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
        }
        for k in range(draw(st.integers(0, 2)))
    ]
    return {
        "scenario": {
            "id": draw(ident),
            "title": draw(text),
            "as_of": draw(dates),
            "horizon": draw(st.integers(1, 60)),
            "time_step": draw(st.sampled_from(["day", "week", "month", "quarter", "year"])),
        },
        "sources": [{"id": "src", "title": draw(text), "kind": "dataset"}],
        "actors": actors,
        "issues": issues,
        "relations": relations,
        "mechanisms": mechanisms,
        "outcomes": outcomes,
    }
