"""ICEWS 2005–2015 events with every actor resolved to a country where the dictionaries allow.

The ICEWS05-15 release names each side by its ICEWS actor ("Government (Russia)", "Mahmoud Abbas",
"Associated Press"); the file carries ISO3 codes only where a rule on the name gives one. Actors without a
code are resolved in steps, each using a public dictionary of the data directory's ``events/`` folder:

1. ``file``: the codes the file carries (a country name, or a name ending in "(Country)").
2. ``phoenix-persons``: persons and office holders of the PETRARCH/Phoenix country dictionary
   (``events/phoenix/Phoenix.Countries.actors.txt``: ``TONY_BLAIR_ [GBRGOV …]``), names and ``+`` synonyms,
   where every code a name carries points to one country.
3. ``leaders-after-2014``: office holders the 2014 dictionary lacks (Kim Jong-un, Park Geun-hye…), the
   public-record table of :data:`detente.ingest.build_tables.EXTRA_LEADERS`.
4. ``nationality-words``: a name holding exactly one country name, capital or nationality adjective from
   CountryInfo/NGEC ("Israeli Defense Forces" → ISR, "Kabul" → AFG).

Organisations of the Phoenix international dictionary (the UN, NATO, the IMF) stay without a country.
:func:`resolution_report` counts how many events each step makes usable (both sides a country).

References:
    - Boschee et al. (2015). ICEWS Coded Event Data. doi:10.7910/DVN/28075.
    - García-Durán, Dumančić & Niepert (2018). Learning sequence encoders for temporal knowledge graph
      completion (the ICEWS05-15 release).
    - Open Event Data Alliance (2014). PETRARCH/Phoenix actor dictionaries (MIT).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from detente.datadir import require
from detente.history._io import DateLike, cut
from detente.history.countries import Crosswalk, crosswalk, normalise

EVENTS = "history/icews0515/events_2005-01-01_2015-12-31.csv.gz"
ENTITY_MAP = "history/icews0515/entity_country_map.csv"
PHOENIX_COUNTRIES = "events/phoenix/Phoenix.Countries.actors.txt"
PHOENIX_INTERNATIONAL = "events/phoenix/Phoenix.International.actors.txt"
STEPS = ("file", "phoenix-persons", "leaders-after-2014", "nationality-words")
"""The resolution steps, in the order they are tried."""

Data = str | Path | None


def _entries(text: str) -> Iterable[tuple[list[str], list[str]]]:
    """(names, codes) of each entry of a TABARI/PETRARCH ``.actors`` dictionary."""
    names: list[str] = []
    codes: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if line[0] in "\t [":
            codes += re.findall(r"\[([A-Z]{3,})[^\]]*\]", line)
            continue
        head = line.split("[", 1)
        name = head[0].strip().lstrip("+").strip()
        if line[0] != "+" and names:
            yield names, codes
            names, codes = [], []
        if name:
            names.append(name)
        if len(head) > 1:
            codes += re.findall(r"\[?([A-Z]{3,})[^\]]*\]", "[" + head[1])
    if names:
        yield names, codes


@lru_cache(maxsize=4)
def _phoenix_persons(path: Path, cw: Crosswalk) -> dict[str, str]:
    countries = set(cw.names)
    seen: dict[str, set[str]] = {}
    for names, codes in _entries(path.read_text("utf-8", errors="replace")):
        found = {c[:3] for c in codes if c[:3] in countries}
        if len(found) != 1:
            continue
        for n in names:
            key = normalise(n)
            if len(key) >= 5:
                seen.setdefault(key, set()).update(found)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


@lru_cache(maxsize=4)
def _organisations(path: Path) -> frozenset[str]:
    out: set[str] = set()
    for names, codes in _entries(path.read_text("utf-8", errors="replace")):
        if any(c.startswith("IGO") or c.startswith("NGO") for c in codes):
            out.update(normalise(n) for n in names)
    return frozenset(out)


def _leaders() -> dict[str, str]:
    from detente.ingest.build_tables import EXTRA_LEADERS

    out: dict[str, str] = {}
    for name, aliases, actor, *_rest in EXTRA_LEADERS:
        for n in [name, *aliases.split("|")]:
            if n and " " in n.strip():  # surnames alone ("Moon", "Abe") are too ambiguous for ICEWS actors
                out[normalise(n)] = actor
    return out


def _by_words(name: str, cw: Crosswalk) -> str | None:
    words = re.findall(r"[A-Z']+", normalise(name))
    found: set[str] = set()
    for n in (4, 3, 2, 1):
        for i in range(len(words) - n + 1):
            code = cw.name(" ".join(words[i : i + n]))
            if code:
                found.add(code)
    return next(iter(found)) if len(found) == 1 else None


@dataclass(frozen=True)
class ActorResolver:
    """Maps an ICEWS actor name to (ISO3, step), following :data:`STEPS` after the file's own code."""

    persons: dict[str, str]
    leaders: dict[str, str]
    organisations: frozenset[str]
    cw: Crosswalk

    def resolve(self, name: str) -> tuple[str | None, str | None]:
        """The country of an actor without a code in the file, and the step that found it."""
        key = normalise(name)
        words = key.split(" ")
        short = f"{words[0]} {words[-1]}"  # "Dmitry Anatolyevich Medvedev" → "DMITRY MEDVEDEV"
        for k in (key, short) if len(words) > 2 else (key,):
            if k in self.persons:
                return self.persons[k], "phoenix-persons"
        if key in self.leaders:
            return self.leaders[key], "leaders-after-2014"
        if key in self.organisations:
            return None, None
        code = _by_words(name, self.cw)
        if code:
            return code, "nationality-words"
        return None, None


def actor_resolver(data: Data = None) -> ActorResolver:
    """The resolver built from the data directory's ``events/`` dictionaries."""
    cw = crosswalk(data)
    return ActorResolver(
        persons=_phoenix_persons(require(PHOENIX_COUNTRIES, data).resolve(), cw),
        leaders=_leaders(),
        organisations=_organisations(require(PHOENIX_INTERNATIONAL, data).resolve()),
        cw=cw,
    )


@lru_cache(maxsize=2)
def _load(path: Path, data: str | None) -> pd.DataFrame:
    raw = pd.read_csv(
        path,
        usecols=["date", "source", "cameo_code", "target", "source_iso3", "target_iso3"],
        dtype=str,
        keep_default_na=False,
    )
    resolver = actor_resolver(data)
    names = pd.unique(pd.concat([raw.loc[raw["source_iso3"] == "", "source"], raw.loc[raw["target_iso3"] == "", "target"]]))
    found = {n: resolver.resolve(n) for n in names}
    out = pd.DataFrame({"date": pd.to_datetime(raw["date"], errors="coerce"), "cameo_code": raw["cameo_code"]})
    for side in ("source", "target"):
        given = raw[f"{side}_iso3"].map(lambda c: {"ROK": "KOR"}.get(c, c))
        looked = raw[side].map(lambda n: found.get(n, (None, None)))
        code = given.where(given != "", looked.str[0])
        step = pd.Series("file", index=raw.index).where(given != "", looked.str[1])
        out[side] = code
        out[f"{side}_actor"] = raw[side]
        out[f"{side}_step"] = step
    return out


def load_icews(before: DateLike, data: Data = None, resolve: bool = True) -> pd.DataFrame:
    """ICEWS 2005–2015 events dated before ``before``, in detente's event-table layout.

    Args:
        before: Keep events dated strictly before this day (None: all).
        data: The data directory (None: ``$DETENTE_DATA`` or the user's data folder).
        resolve: Resolve actors without a code in the file (the steps of :data:`STEPS`); False keeps
            only the file's own codes.

    Returns:
        ``date, source, target, cameo_code`` (ISO3 codes, None when unresolved) plus ``source_actor``,
        ``target_actor`` (ICEWS names) and ``source_step``, ``target_step`` (which step resolved them).
    """
    path = require(EVENTS, data).resolve()
    frame = _load(path, None if data is None else str(data)).copy()
    if not resolve:
        for side in ("source", "target"):
            mask = frame[f"{side}_step"] != "file"
            frame.loc[mask, side] = None
            frame.loc[mask, f"{side}_step"] = None
    return cut(frame, before)


def resolution_report(data: Data = None) -> pd.DataFrame:
    """How many events each resolution step makes usable: both sides a country after that step.

    Returns:
        One row per step: ``step, actors`` (distinct actor names it resolves), ``events_usable``
        (events whose two sides are countries after this step) and ``events_recovered`` (added by the step).
    """
    frame = load_icews(None, data)
    rows = []
    prev = 0
    for i, step in enumerate(STEPS):
        allowed = set(STEPS[: i + 1])
        ok = frame["source_step"].isin(allowed) & frame["target_step"].isin(allowed)
        usable = int(ok.sum())
        actors = pd.concat(
            [frame.loc[frame["source_step"] == step, "source_actor"], frame.loc[frame["target_step"] == step, "target_actor"]]
        ).nunique()
        rows.append({"step": step, "actors": int(actors), "events_usable": usable, "events_recovered": usable - prev})
        prev = usable
    out = pd.DataFrame(rows)
    out.attrs["events_total"] = len(frame)
    return out
