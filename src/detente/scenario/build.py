"""Build a runnable scenario for any set of countries from the history data, as of a date.

:func:`build_scenario` reads the history tables of the data directory (each row dated before the as-of
date, :mod:`detente.scenario.history_data`) and returns a :class:`~detente.scenario.model.Scenario`:

- **actors**: capabilities from COW NMC v7 for the latest year before the as-of date (military =
  share of world military spending; economic = mean share of world iron-and-steel production and primary
  energy consumption, COW's industrial dimension; diplomatic = CINC, an assumption), nuclear status from
  a public-record table authored here (:data:`NUCLEAR`, with sources);
- **relations**: alliances from ATOP 5.1 (the strongest obligation in the latest year before the as-of
  date), strategic rivalries from Thompson, Sakuwa & Suhas (2022), a rivalry's starting tension from the
  latest event data before the date (GDELT 2.0 monthly dyad scores from 2018, else ICEWS 2005–2015);
- **standard outcomes** for every pair joined by a relation: use of force (ASSAULT), agreement (AGREE)
  and, for pairs with the United States, a leader or secretary-of-state visit, each with its
  reference class and base rate within 12 months;
- **dyad propensities** (relation params ``logodds_<TYPE>``): fitted by simulation so that, with every
  mechanism off, each standard outcome's probability within 12 months matches its base rate (a
  method-of-simulated-moments fit on data before the as-of date; :func:`fit_propensities`).

Every value the user should check says so in its ``note`` (``CHECK:``). :func:`render_toml` writes the
scenario with comments; :func:`template_toml` writes an annotated blank with the scale of every field.

References:
    - Singer, Bremer & Stuckey (1972); COW National Material Capabilities v7.0.
    - Leeds, Ritter, Mitchell & Long (2002). Alliance Treaty Obligations and Provisions. *Int. Interactions*.
    - Thompson, Sakuwa & Suhas (2022). *Analyzing Strategic Rivalries in World Politics*. Springer.
    - Palmer et al. (2021). The MID5 dataset, 2011–2014. *CMPS* 39(4).
    - Boschee et al. (2015). ICEWS coded event data. Harvard Dataverse, doi:10.7910/DVN/28075.
    - Leetaru & Schrodt (2013). GDELT. ISA annual convention.
    - Kahneman & Tversky (1979); Flyvbjerg (2006): reference-class forecasting.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import InputError
from detente.ontology import EventType, cameo
from detente.scenario.history_data import History, ReadLog
from detente.scenario.model import (
    Actor,
    Alliance,
    Capabilities,
    Meta,
    NamedEvent,
    NuclearStatus,
    Outcome,
    Rivalry,
    Scenario,
    Source,
    Value,
)

CHECK = "CHECK: "
"""Prefix of every note that asks the user to check a value."""

# ---------------------------------------------------------------------------------------------
# Public-record tables authored here (no data set in the data directory holds them)

NUCLEAR: dict[str, tuple[NuclearStatus, dt.date, str]] = {
    "USA": (NuclearStatus.RECOGNISED, dt.date(1945, 7, 16), "first test 16 July 1945; NPT nuclear-weapon state"),
    "RUS": (NuclearStatus.RECOGNISED, dt.date(1949, 8, 29), "Soviet first test 29 August 1949; NPT nuclear-weapon state"),
    "GBR": (NuclearStatus.RECOGNISED, dt.date(1952, 10, 3), "first test 3 October 1952; NPT nuclear-weapon state"),
    "FRA": (NuclearStatus.RECOGNISED, dt.date(1960, 2, 13), "first test 13 February 1960; NPT nuclear-weapon state"),
    "CHN": (NuclearStatus.RECOGNISED, dt.date(1964, 10, 16), "first test 16 October 1964; NPT nuclear-weapon state"),
    "IND": (NuclearStatus.UNOFFICIAL, dt.date(1974, 5, 18), "tests of 18 May 1974 and May 1998; outside the NPT"),
    "PAK": (NuclearStatus.UNOFFICIAL, dt.date(1998, 5, 28), "tests of 28 and 30 May 1998; outside the NPT"),
    "PRK": (NuclearStatus.UNOFFICIAL, dt.date(2006, 10, 9), "first test 9 October 2006; left the NPT in 2003"),
    "ISR": (NuclearStatus.UNOFFICIAL, dt.date(1967, 1, 1), "undeclared arsenal, estimated from the late 1960s; outside the NPT"),
    "IRN": (NuclearStatus.THRESHOLD, dt.date(2006, 4, 11), "announced uranium enrichment 11 April 2006; no weapon (IAEA reports)"),
}
"""Nuclear status by ISO3 code from a date: public record (FAS, Status of World Nuclear Forces; SIPRI
Yearbook; CTBTO). States not listed have none."""

NUCLEAR_SOURCE = "FAS Status of World Nuclear Forces; SIPRI Yearbook; CTBTO record of nuclear tests"

LAND_BORDERS: frozenset[frozenset[str]] = frozenset(
    frozenset(p.split("-"))
    for p in (
        "IND-PAK IND-CHN PAK-CHN IND-BGD IND-NPL CHN-NPL IND-BTN CHN-BTN PAK-AFG PAK-IRN CHN-AFG "
        "ARM-AZE ARM-TUR AZE-TUR ARM-IRN AZE-IRN ARM-GEO AZE-GEO AZE-RUS GEO-RUS GEO-TUR TUR-IRN TUR-IRQ "
        "TUR-SYR TUR-GRC TUR-BGR RUS-UKR RUS-BLR UKR-BLR UKR-POL UKR-MDA UKR-ROU UKR-HUN UKR-SVK RUS-POL "
        "RUS-LTU RUS-LVA RUS-EST RUS-FIN RUS-NOR RUS-KAZ RUS-CHN RUS-MNG RUS-PRK CHN-PRK KOR-PRK CHN-VNM "
        "CHN-MNG CHN-KAZ CHN-MMR CHN-LAO USA-CAN USA-MEX ISR-LBN ISR-SYR ISR-JOR ISR-EGY IRN-IRQ IRN-AFG "
        "IRQ-SYR IRQ-SAU SAU-YEM"
    ).split()
)
"""Land borders (CIA World Factbook). The data directory holds no COW Direct Contiguity table, so
contiguity is read from this authored list; pairs separated only by sea (China–Taiwan, Japan–Korea)
are not contiguous here (COW would code them contiguous by water up to 400 miles)."""

TENSION_SCALE = 3.0
"""Tension of a dyad whose event record is entirely conflictual: the scale of the shipped calibration
(``tension0`` = 3 × the conflictual share of a dyad's Goldstein mass; an assumption of scale)."""

TEMPLATE_SCALES: dict[str, str] = {
    "tension": "0 = no hostility; 1 = a tense dyad (hostile statements most months); 2 = a hostile dyad "
    "(threats, sanctions, sporadic incidents); 3 = every month of the record conflictual (e.g. Russia–"
    "Ukraine in 2018-21 GDELT). The engine's hostility drive halves at 4 (tension_saturation).",
}


@dataclass(frozen=True)
class BaseRate:
    """A reference class and its base rate: the probability of an outcome within ``months`` months."""

    probability: float
    months: int
    reference_class: str
    source: str
    events: int
    trials: int
    unit: str

    def note(self) -> str:
        """One line for the outcome's ``note``."""
        return (
            f"reference class: {self.reference_class}; {self.events} of {self.trials} {self.unit} "
            f"(Jeffreys-smoothed); {self.source}"
        )


@dataclass
class Built:
    """A built scenario with what the build read and the notes it wrote into the file's comments."""

    scenario: Scenario
    log: ReadLog
    comments: dict[str, list[str]] = field(default_factory=dict)
    fit: dict[str, tuple[float, float]] = field(default_factory=dict)  # outcome → (base rate, fitted p)


def _jeffreys(k: int, n: int) -> float:
    return (k + 0.5) / (n + 1.0)


def _v(value: float, source: str, note: str | None = None, confidence: float | None = None) -> Value:
    return Value(value=value, source=source, note=note, confidence=confidence)


# ---------------------------------------------------------------------------------------------
# Pieces


def _capabilities(h: History, codes: dict[str, tuple[int, str]]) -> tuple[dict[str, Capabilities], int]:
    nmc = h.nmc()
    year = int(nmc.year.max())
    cur = nmc[nmc.year == year]
    tot = {c: float(cur[c].clip(lower=0).sum()) for c in ("milex", "irst", "pec", "cinc")}
    out: dict[str, Capabilities] = {}
    for iso, (cow, name) in codes.items():
        row = cur[cur.ccode == cow]
        status, since, why = NUCLEAR.get(iso, (NuclearStatus.NONE, dt.date.min, ""))
        nuclear = status if since < h.as_of else NuclearStatus.NONE
        if row.empty:
            mil = eco = dip = 0.0
            note = f"{CHECK}{name} has no COW NMC row for {year}: set its shares by hand"
            out[iso] = Capabilities(
                military=_v(0.0, "cow-nmc-v7", note), economic=_v(0.0, "cow-nmc-v7", note),
                diplomatic=_v(0.0, "assumption", note), nuclear_status=nuclear,
            )  # fmt: skip
            continue
        r = row.iloc[0]
        share = {
            c: max(float(r[c]), 0.0) / tot[c] if tot[c] > 0 and not math.isnan(float(r[c])) else 0.0
            for c in ("milex", "irst", "pec")
        }
        mil = round(share["milex"], 5)
        missing = [c for c in ("milex", "irst", "pec", "cinc") if math.isnan(float(r[c])) or float(r[c]) < 0]
        eco = round((share["irst"] + share["pec"]) / 2, 5)
        dip = 0.0 if math.isnan(float(r["cinc"])) else round(float(r["cinc"]), 5)
        out[iso] = Capabilities(
            military=_v(
                mil, "cow-nmc-v7",
                f"share of world military expenditure, {year}"
                + (f"; {CHECK}COW NMC leaves {', '.join(missing)} missing (0 here): take an estimate (e.g. "
                   "SIPRI's) over the same world total" if missing else ""),
            ),
            economic=_v(
                eco, "cow-nmc-v7",
                f"{CHECK}mean share of world iron-and-steel production and energy consumption, {year} (COW's "
                "industrial dimension; a GDP share is the usual measure but is not in the data directory)",
            ),
            diplomatic=_v(
                dip, "assumption",
                f"{CHECK}no standard measure: CINC {year} as a stand-in; raise it for a permanent UNSC seat or "
                "a wide alliance network",
            ),
            nuclear_status=nuclear,
        )  # fmt: skip
    return out, year


def _alliances(h: History, codes: dict[str, tuple[int, str]], caps: dict[str, Capabilities]) -> tuple[list[Alliance], int | None]:
    atop = h.atop()
    if atop.empty:
        return [], None
    year = int(atop.year.max())
    cur = atop[atop.year == year]
    out: list[Alliance] = []
    for a, b in combinations(codes, 2):
        ca, cb = codes[a][0], codes[b][0]
        rows = cur[((cur.ccode1 == ca) & (cur.ccode2 == cb)) | ((cur.ccode1 == cb) & (cur.ccode2 == ca))]
        if rows.empty:
            continue
        kinds = [
            (k, name)
            for k, name in (
                ("atop_defense", "defence"), ("atop_offense", "offence"), ("atop_consul", "consultation"),
                ("atop_neutral", "neutrality"), ("atop_nonagg", "non-aggression"),
            )
            if (rows[k] > 0).any()
        ]  # fmt: skip
        if not kinds:
            continue
        obligation = kinds[0][1]
        senior, junior = (a, b) if caps[a].total() >= caps[b].total() else (b, a)
        nuclear_senior = caps[senior].nuclear_status in (NuclearStatus.RECOGNISED, NuclearStatus.UNOFFICIAL)
        out.append(
            Alliance(
                id=f"{senior}-{junior}-alliance".lower(),
                senior=senior,
                junior=(junior,),
                obligation=obligation,
                extended_deterrence=bool(nuclear_senior and obligation == "defence"),
                source="atop-5.1",
                note=(
                    f"ATOP 5.1, {year}: obligations {', '.join(n for _, n in kinds)}; senior = the larger "
                    "capability. "
                    + (f"{CHECK}extended deterrence is assumed for a nuclear senior with a defence obligation"
                       if obligation in ("defence", "offence") else
                       f"{CHECK}a {obligation} obligation, often from a multilateral charter (e.g. the SCO's): "
                       "drop it if it does not bind these two") + (f"; ATOP ends in {year}, {h.as_of.year - 1 - year} year(s) before the "
                                    "as-of year" if year < h.as_of.year - 1 else "")
                ),
            )
        )
    return out, year


def _rival_pairs(h: History, codes: dict[str, tuple[int, str]]) -> dict[frozenset[str], str]:
    riv = h.rivalries()
    by_cow = {cow: iso for iso, (cow, _) in codes.items()}
    out: dict[frozenset[str], str] = {}
    # An end year from the year before the as-of date on (or the table's last year, where it marks a
    # rivalry ongoing when the table was made) was not known as an end then: the rivalry was ongoing.
    ongoing_from = min(h.as_of.year - 1, int(riv.end.max()))
    for r in riv.itertuples(index=False):
        a, b = by_cow.get(int(r.ccode1)), by_cow.get(int(r.ccode2))
        if a and b and int(r.end) >= ongoing_from:
            kinds = [k for k in ("positional", "spatial", "ideological", "interventionary") if getattr(r, k) == 1]
            principal = " (principal)" if r.principal == 1 else ""
            out[frozenset((a, b))] = f"{r.rivalry}, since {int(r.start)}: {', '.join(kinds)}{principal}"
    return out


def _tension(h: History, a: str, b: str) -> tuple[float, str]:
    """A dyad's starting tension from the latest event data before the as-of date, and how it was got."""
    first_of = h.as_of.replace(day=1)
    if h.as_of >= dt.date(2018, 2, 1):
        g = h.gdelt()
        x, y = sorted((a, b))
        rows = g[(g.iso3_a == x) & (g.iso3_b == y)].sort_values("month").tail(12)
        if len(rows):
            neg = int((rows.composite_score_sum < 0).sum())
            share = neg / len(rows)
            gap = (first_of.year - int(rows.month.iloc[-1][:4])) * 12 + first_of.month - int(rows.month.iloc[-1][5:]) - 1
            return round(TENSION_SCALE * share, 3), (
                f"GDELT 2.0 monthly dyad score, {rows.month.iloc[0]} to {rows.month.iloc[-1]}: {neg} of {len(rows)} "
                f"months net conflictual; tension = {TENSION_SCALE:g} × that share"
                + (f"; the data end {gap} month(s) before the as-of month" if gap > 0 else "")
            )
    ic = h.icews_roots()
    rows = ic[((ic.source_iso3 == a) & (ic.target_iso3 == b)) | ((ic.source_iso3 == b) & (ic.target_iso3 == a))]
    if rows.empty:
        return 0.0, f"{CHECK}no event data for this dyad before the as-of date: tension 0"
    months = sorted(rows.month.unique())[-12:]
    rows = rows[rows.month.isin(months)]
    gold = cameo(h.data)
    weight = rows.cameo_root.map(lambda r: gold[f"{int(r):02d}0"].goldstein or 0.0)
    mass = (weight.abs() * rows.n_events).sum()
    conflict = (weight.clip(upper=0).abs() * rows.n_events).sum()
    share = float(conflict / mass) if mass > 0 else 0.0
    last = months[-1]
    gap = (h.as_of.year - int(last[:4])) * 12 + h.as_of.month - int(last[5:])
    return round(TENSION_SCALE * share, 3), (
        f"ICEWS monthly CAMEO root counts, {months[0]} to {last} ({int(rows.n_events.sum())} events): "
        f"conflictual share of the Goldstein mass {share:.2f}; tension = {TENSION_SCALE:g} × that share"
        + (f"; {CHECK}the data end {gap} month(s) before the as-of date (ICEWS here stops in 2015, GDELT "
           "starts in 2018)" if gap > 3 else "")
    )


def regime(tension: float) -> str:
    """A word for a starting tension: cooperative (< 0.5), mixed (< 1.5) or hostile."""
    return "cooperative" if tension < 0.5 else "mixed" if tension < 1.5 else "hostile"


@dataclass
class _Classes:
    """Force base rates per dyad-year of rival and other dyads (COW MID 5.0 × TSS rivalries)."""

    rival: BaseRate
    other: BaseRate
    own: dict[frozenset[int], tuple[int, int]]


def _force_classes(h: History) -> _Classes:
    mid = h.mid()
    # Whole years only: a year the as-of date falls in is known only in part.
    last = min(int(mid.year.max()), h.as_of.year - 1)
    first = 1946
    mid = mid[(mid.year >= first) & (mid.year <= last)]
    force = mid[mid.onset & (mid.hostlev >= 4)]
    onsets = {(min(a, b), max(a, b), y) for a, b, y in zip(force.ccode1, force.ccode2, force.year, strict=True)}
    riv = h.rivalries()
    rival_years: set[tuple[int, int, int]] = set()
    for r in riv.itertuples(index=False):
        a, b = sorted((int(r.ccode1), int(r.ccode2)))
        for y in range(max(int(r.start), first), min(int(r.end), last) + 1):
            rival_years.add((a, b, y))
    states = h.state_years()
    total = 0
    for y in range(first, last + 1):
        n = int(((states.styear <= y) & (states.endyear >= y)).sum())
        total += n * (n - 1) // 2
    k_r = len(onsets & rival_years)
    k_o = len(onsets) - k_r
    n_r = len(rival_years)
    n_o = max(total - n_r, 1)
    src = f"COW MID 5.0 × Thompson–Sakuwa–Suhas rivalries, {first}–{last}"
    own: dict[frozenset[int], tuple[int, int]] = {}
    for a, b, _y in onsets:
        key = frozenset((a, b))
        own[key] = (own.get(key, (0, 0))[0] + 1, 0)
    return _Classes(
        rival=BaseRate(round(_jeffreys(k_r, n_r), 4), 12, "strategic rival dyads", src, k_r, n_r,
                       "rival dyad-years began a MID reaching the use of force (hostility ≥ 4)"),
        other=BaseRate(round(_jeffreys(k_o, n_o), 5), 12, "dyads of system members that are not strategic rivals", src,
                       k_o, n_o, "other dyad-years began a MID reaching the use of force"),
        own=own,
    )  # fmt: skip


def _agree_rate(h: History, a: str, b: str) -> BaseRate | None:
    ic = h.icews_roots()
    months = sorted(ic.month.unique())[-36:]
    if not months:
        return None  # no event data before the as-of date (ICEWS here starts in 2005)
    rows = ic[
        ic.month.isin(months)
        & (((ic.source_iso3 == a) & (ic.target_iso3 == b)) | ((ic.source_iso3 == b) & (ic.target_iso3 == a)))
        & (ic.cameo_root.astype(int) == 3)
    ]
    k = int(rows.month.nunique())
    gap = (h.as_of.year - int(months[-1][:4])) * 12 + h.as_of.month - int(months[-1][5:])
    any_rows = ic[
        ic.month.isin(months)
        & (((ic.source_iso3 == a) & (ic.target_iso3 == b)) | ((ic.source_iso3 == b) & (ic.target_iso3 == a)))
    ]
    if any_rows.empty:
        # No event of the dyad resolves to both countries (the ICEWS05-15 extract lacks the bare country
        # entities of several states): the class of all dyads with events in the window stands in.
        win = ic[ic.month.isin(months) & (ic.source_iso3 != ic.target_iso3)]
        pair_key = win.source_iso3.where(win.source_iso3 < win.target_iso3, win.target_iso3) + "-" + \
            win.target_iso3.where(win.source_iso3 < win.target_iso3, win.source_iso3)
        agree = win.cameo_root.astype(int) == 3
        dyads = pair_key.nunique()
        k_all = int(pd.DataFrame({"p": pair_key[agree], "m": win.month[agree]}).drop_duplicates().shape[0])
        n_all = dyads * len(months)
        m = _jeffreys(k_all, n_all)
        return BaseRate(
            round(1 - (1 - m) ** 12, 4), 12,
            f"{CHECK}all dyads with ICEWS events, {months[0]} to {months[-1]} (none for this dyad resolves to both "
            "countries)",
            "ICEWS monthly CAMEO root counts (root 03, PLOVER AGREE)", k_all, n_all,
            "dyad-months with an agreement event; P(12 months) = 1 − (1 − monthly share)^12",
        )  # fmt: skip
    m = _jeffreys(k, len(months))
    p = 1 - (1 - m) ** 12
    return BaseRate(
        round(p, 4), 12, f"this dyad's own record, {months[0]} to {months[-1]}",
        "ICEWS monthly CAMEO root counts (root 03, PLOVER AGREE: intent to cooperate, agreement)"
        + (f"; {CHECK}the data end {gap} months before the as-of date, and only events whose actors resolve to a "
           "country are counted (a lower bound)" if gap > 3 else ""),
        k, len(months), "months with an agreement event, either way; P(12 months) = 1 − (1 − monthly share)^12",
    )  # fmt: skip


def _visit_rate(h: History, other: str, name: str) -> BaseRate:
    trav = h.us_travel()
    vis = h.us_visits()
    years = range(h.as_of.year - 10, h.as_of.year)
    seen = {d.year for d in trav[trav.iso3 == other].date} | {d.year for d in vis[vis.iso3 == other].date}
    k = sum(1 for y in years if y in seen)
    return BaseRate(
        round(_jeffreys(k, len(years)), 4), 12,
        f"United States–{name}, {years[0]}–{years[-1]}",
        "Office of the Historian: trips abroad of US presidents and secretaries of state, visits of foreign "
        "leaders to the US",
        k, len(years), "years with a visit either way",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The builder


def _parse_countries(countries: Sequence[str] | str) -> list[str]:
    items = countries.split(",") if isinstance(countries, str) else list(countries)
    codes = [c.strip().upper() for c in items if c.strip()]
    if len(codes) < 2:
        raise InputError("--countries: give at least two ISO3 codes (fix: e.g. --countries IND,PAK,CHN)")
    if len(set(codes)) != len(codes):
        raise InputError(f"--countries: {','.join(codes)} repeats a code (fix: list each country once)")
    for c in codes:
        if len(c) != 3 or not c.isalpha():
            raise InputError(f"--countries: {c!r} is not a three-letter ISO3 code (fix: e.g. IND, PAK, CHN)")
    return codes


def build(
    countries: Sequence[str] | str,
    as_of: dt.date,
    data: str | Path | None = None,
    *,
    fit: bool = True,
    runs: int = 2000,
    seed: int = 0,
) -> Built:
    """Build a scenario from the history data and say what was read.

    Args:
        countries: ISO3 codes (``["IND", "PAK", "CHN"]`` or ``"IND,PAK,CHN"``).
        as_of: The date the scenario knows up to; every row read is dated before it.
        data: The data directory (``--data``); default ``$DETENTE_DATA`` or the user's data folder.
        fit: Fit the dyad propensities to the base rates (a few short simulations).
        runs: Replicates per fitting simulation.
        seed: Seed of the fitting simulations.

    Returns:
        The scenario, the read log, comments per section and the fit's results.
    """
    codes_in = _parse_countries(countries)
    if as_of > dt.date.today():
        raise InputError(f"--as-of {as_of}: is in the future (fix: give a past date)")
    h = History(as_of, data)
    codes = h.cow_codes(codes_in)
    caps, nmc_year = _capabilities(h, codes)
    alliances, atop_year = _alliances(h, codes, caps)
    rivals = _rival_pairs(h, codes)
    classes = _force_classes(h)
    comments: dict[str, list[str]] = {}

    actors = []
    for iso, (_cow, name) in codes.items():
        status, since, why = NUCLEAR.get(iso, (NuclearStatus.NONE, dt.date.min, ""))
        note = f"nuclear status {caps[iso].nuclear_status.value}" + (
            f": {why} ({NUCLEAR_SOURCE})" if status is not NuclearStatus.NONE and since < as_of else " (public record)"
        )
        actors.append(
            Actor(
                id=iso, name=name, iso3=iso, capabilities=caps[iso],
                doctrine=_v(0.5, "assumption", f"{CHECK}neutral: 0 = peace through trust, 1 = peace through force"),
                note=note,
            )
        )  # fmt: skip

    relations: list[Alliance | Rivalry] = []
    outcomes: list[Outcome] = []
    carriers: dict[str, int] = {}  # outcome id → index of the relation that carries its propensity
    pair_rel: dict[frozenset[str], int] = {}
    for a, b in combinations(codes, 2):
        pair = frozenset((a, b))
        if pair in rivals:
            t, how = _tension(h, a, b)
            relations.append(
                Rivalry(
                    id=f"{a}-{b}-rivalry".lower(), members=(a, b), source="tss-rivalries",
                    tension=_v(t, "event-data", f"{CHECK}{regime(t)} on the as-of date: {how}"),
                    note=rivals[pair] + ("; land border (CIA World Factbook)" if pair in LAND_BORDERS else ""),
                )
            )  # fmt: skip
            pair_rel[pair] = len(relations) - 1
    for al in alliances:
        pair = frozenset(al.members)
        if pair in pair_rel:
            # ATOP lists treaties between current rivals (the CIS or SCO charters): not an alliance here.
            ri = pair_rel[pair]
            rel = relations[ri]
            relations[ri] = rel.model_copy(
                update={"note": f"{rel.note}; {CHECK}ATOP {atop_year} also lists a {al.obligation} obligation between "
                        "them (a multilateral charter), not modelled as an alliance between rivals"}
            )
            continue
        relations.append(al)
        pair_rel[pair] = len(relations) - 1

    events = [
        NamedEvent(
            id="leader-visit", name="Visit by a head of state or government or a foreign minister",
            event=EventType.CONSULT, mode="visit", cameo="042",
            note="a specialisation of CONSULT; its base rates come from the US travel records",
        )
    ]  # fmt: skip
    for pair, ri in sorted(pair_rel.items(), key=lambda kv: kv[1]):
        a, b = sorted(pair)
        both = (a, b)
        names = f"{codes[a][1]} and {codes[b][1]}"
        ca, cb = codes[a][0], codes[b][0]
        cls = classes.rival if pair in rivals else classes.other
        own = classes.own.get(frozenset((ca, cb)), (0, 0))[0]
        contiguous = "land border" if pair in LAND_BORDERS else "no land border"
        fid = f"force-{a}-{b}".lower()
        outcomes.append(
            Outcome(
                id=fid, name=f"Use of force between {names}", event="ASSAULT", sources=both, targets=both,
                description="Either side uses force against the other (a MID reaching hostility level 4 or 5).",
                base_rate=_v(cls.probability, "cow-mid-5", cls.note() + f"; this dyad: {own} such onsets since 1946; "
                             f"{contiguous}"),
            )
        )  # fmt: skip
        carriers[fid] = ri
        ar = _agree_rate(h, a, b)
        aid = f"agree-{a}-{b}".lower()
        if ar is not None:
            outcomes.append(
                Outcome(
                    id=aid, name=f"Agreement between {names}", event="AGREE", sources=both, targets=both,
                    description="Either side agrees to, or states its intent to, cooperate with the other (PLOVER AGREE).",
                    base_rate=_v(ar.probability, "icews", ar.note()),
                )
            )  # fmt: skip
            carriers[aid] = ri
        if "USA" in pair:
            other = b if a == "USA" else a
            vr = _visit_rate(h, other, codes[other][1])
            vid = f"visit-{a}-{b}".lower()
            outcomes.append(
                Outcome(
                    id=vid, name=f"Visit between the United States and {codes[other][1]}", event="leader-visit",
                    sources=both, targets=both,
                    description="The US president or secretary of state visits, or the other's leader visits the US.",
                    base_rate=_v(vr.probability, "us-travels", vr.note()),
                )
            )  # fmt: skip
            carriers[vid] = ri

    sources = [
        Source(id="cow-nmc-v7", kind="dataset", title=f"COW National Material Capabilities v7.0, year {nmc_year}",
               author="Singer, Bremer & Stuckey (1972); COW Project", year=nmc_year),
        Source(id="atop-5.1", kind="dataset", title=f"ATOP 5.1 directed dyad-years, year {atop_year}",
               author="Leeds, Ritter, Mitchell & Long (2002)", year=atop_year),
        Source(id="tss-rivalries", kind="dataset", title="Strategic rivalries, 1494-2020",
               author="Thompson, Sakuwa & Suhas (2022)"),
        Source(id="cow-mid-5", kind="dataset", title="COW Militarized Interstate Disputes 5.0, dyadic dispute-years",
               author="Palmer et al. (2021)"),
        Source(id="icews", kind="dataset", title="ICEWS 2005-2015 monthly country-dyad CAMEO root counts",
               author="Boschee et al. (2015)"),
        Source(id="event-data", kind="dataset", title="Latest event data before the as-of date: GDELT 2.0 monthly dyad "
               "scores (2018-01 on) or ICEWS (2005-2015)", author="Leetaru & Schrodt (2013); Boschee et al. (2015)"),
        Source(id="us-travels", kind="dataset", title="Office of the Historian: travels of the president and "
               "secretary of state; visits by foreign leaders", publisher="US Department of State"),
        Source(id="public-record", kind="reference", title=NUCLEAR_SOURCE),
    ]  # fmt: skip
    sid = "new-" + "-".join(c.lower() for c in codes) + f"-{as_of.isoformat()}"
    names = ", ".join(n for _, n in codes.values())
    scenario = Scenario(
        scenario=Meta(
            id=sid, title=f"{names} as of {as_of.isoformat()}", as_of=as_of, horizon=12,
            description=(
                f"Built by `detente new` from the history data: every row read is dated before {as_of}. "
                "It holds no issues, strategies or mechanisms yet: add them with their quotes."
            ),
        ),
        sources=tuple(sources), actors=tuple(actors), relations=tuple(relations), events=tuple(events),
        outcomes=tuple(outcomes),
    )  # fmt: skip
    built = Built(scenario=scenario, log=h.log, comments=comments)
    if fit and outcomes:
        built.scenario, built.fit = fit_propensities(scenario, carriers, runs=runs, seed=seed)
    return built


def build_scenario(
    countries: Sequence[str] | str, as_of: dt.date, data: str | Path | None = None, **kwargs: Any
) -> Scenario:
    """A runnable scenario for ``countries`` as of ``as_of`` from the history data (see :func:`build`)."""
    return build(countries, as_of, data, **kwargs).scenario


# ---------------------------------------------------------------------------------------------
# Fitting the dyad propensities


def all_mechanisms(scenario: Scenario) -> tuple[str, ...]:
    """The ids of every mechanism the scenario declares (only declared mechanisms act in a run)."""
    return tuple(m.id for m in scenario.mechanisms)


def outcome_probabilities(
    scenario: Scenario, months: int = 12, *, runs: int = 2000, seed: int = 0, mechanisms_off: Iterable[str] | None = None
) -> dict[str, float]:
    """Each tracked outcome's probability within ``months`` steps (every mechanism off by default)."""
    from detente.engines.escalation import simulate

    off = tuple(all_mechanisms(scenario) if mechanisms_off is None else mechanisms_off)
    result = simulate(scenario, runs=runs, horizon=months, seed=seed, mechanisms_off=off, progress=False, workers=1)
    out = result.to_dict()["outcomes"]
    return {k: float(v[str(months)]["p"]) for k, v in out.items() if not k.startswith("engine:")}


def _monthly(p: float) -> float:
    return 1.0 - (1.0 - p) ** (1.0 / 12.0)


def fit_propensities(
    scenario: Scenario, carriers: dict[str, int], *, runs: int = 2000, seed: int = 0, rounds: int = 10
) -> tuple[Scenario, dict[str, tuple[float, float]]]:
    """Fit each standard outcome's dyad propensity so its 12-month probability matches its base rate.

    With every mechanism off, the probability of an outcome within 12 months is simulated; the log-odds
    of its event type on its dyad (relation param ``logodds_<TYPE>``) moves by ``log(h*/ĥ)``, the ratio
    of the target to the simulated monthly hazard (the choice probability is nearly proportional to
    ``exp(intercept)`` when it is small), at most ±3 per round; a few rounds converge. One seed for all
    rounds (common random numbers), so the map from shifts to probabilities is smooth.

    Returns:
        The scenario with the fitted params, and per outcome (base rate, fitted probability).
    """
    shift: dict[tuple[int, str], float] = {}
    outcomes = {o.id: o for o in scenario.outcomes}
    ev_type = {e.id: e.event.value for e in scenario.events}

    def with_shifts() -> Scenario:
        rels = list(scenario.relations)
        for ri in {ri for ri, _ in shift}:
            params = dict(rels[ri].params)
            for (rj, t), v in shift.items():
                if rj == ri:
                    params[f"logodds_{t}"] = _v(
                        round(v, 3), "assumption",
                        f"fitted by `detente new`: with every mechanism off, the dyad's {t} outcomes match their "
                        "base rates within 12 months",
                    )  # fmt: skip
            rels[ri] = rels[ri].model_copy(update={"params": params})
        return scenario.model_copy(update={"relations": tuple(rels)})

    current = scenario
    probs: dict[str, float] = {}
    for _ in range(rounds):
        current = with_shifts()
        probs = outcome_probabilities(current, runs=runs, seed=seed)
        done = True
        for oid, ri in carriers.items():
            o = outcomes[oid]
            assert o.base_rate is not None
            t = ev_type.get(o.event, o.event)
            target = _monthly(o.base_rate.value)
            got = _monthly(min(max(probs[oid], 0.5 / runs), 1 - 0.5 / runs))
            key = (ri, t)
            gap = abs(probs[oid] - o.base_rate.value)
            if gap <= 0.005 or gap <= 0.03 * o.base_rate.value:
                continue  # close enough: a step would only chase Monte Carlo noise
            done = False
            step = float(np.clip(math.log(target / got), -3.0, 3.0))
            # Two outcomes of one type on one dyad (a visit is a CONSULT) share a shift: move by the mean.
            shift[key] = shift.get(key, 0.0) + step / sum(
                1 for o2, r2 in carriers.items() if r2 == ri and ev_type.get(outcomes[o2].event, outcomes[o2].event) == t
            )
        if done:
            break
    current = with_shifts()
    probs = outcome_probabilities(current, runs=runs, seed=seed)
    fitted = {oid: (outcomes[oid].base_rate.value, probs[oid]) for oid in carriers}  # type: ignore[union-attr]
    return current, fitted


# ---------------------------------------------------------------------------------------------
# Writing it out, with comments


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(round(v, 6)) if isinstance(v, float) else str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _plain(model: Any) -> Any:
    return model.model_dump(mode="python", exclude_none=True, exclude_defaults=True)


def _value(v: Value) -> Any:
    d = _plain(v)
    return d["value"] if set(d) == {"value"} else {"value": v.value, **{k: x for k, x in d.items() if k != "value"}}


def _fields(d: dict[str, Any], obj: Any) -> list[str]:
    lines = []
    for k, x in d.items():
        attr = getattr(obj, k, None)
        if isinstance(attr, Value):
            lines.append(f"{k} = {_toml_value(_value(attr))}")
        elif isinstance(attr, dict) and attr and all(isinstance(y, Value) for y in attr.values()):
            lines.append(f"{k} = {_toml_value({n: _value(y) for n, y in attr.items()})}")
        else:
            lines.append(f"{k} = {_toml_value(x)}")
    return lines


def render_toml(built: Built) -> str:
    """The built scenario as commented TOML (it parses back to the same scenario)."""
    s = built.scenario
    out = [
        f"# {s.scenario.title}: a scenario built by `detente new` from the history data.",
        "#",
        f"# Every row read is dated before {s.scenario.as_of}:",
    ]
    for r in built.log.reads:
        dropped = f", {r.dropped} dropped" if r.dropped >= 0 else " (detente.history's date-checked loader)"
        out.append(f"#   {r.file}: {r.kept} rows kept{dropped}, latest {r.latest}")
    out += [
        "# Values the builder could not know from data carry a note that starts with 'CHECK:'. Add issues with",
        "# positions, strategies and mechanisms from your sources, each with its quote (docs/tutorial.md).",
        "# Tension scale: " + TEMPLATE_SCALES["tension"],
        "",
        "[scenario]",
        *_fields(_plain(s.scenario), s.scenario),
        "",
    ]
    for src in s.sources:
        out += ["[[sources]]", *_fields(_plain(src), src), ""]
    out.append("# Actors: capabilities are shares of the world total (COW NMC); doctrine 0 = trust, 1 = force.")
    for a in s.actors:
        d = _plain(a)
        d.pop("capabilities", None)
        out += ["[[actors]]", *_fields(d, a), "", "[actors.capabilities]", *_fields(_plain(a.capabilities), a.capabilities), ""]
    out.append("# Relations: rivalries (Thompson, Sakuwa & Suhas) with the starting tension from event data, and")
    out.append("# ATOP alliances. `logodds_<TYPE>` params are the fitted dyad propensities (see each note).")
    for rel in s.relations:
        d = _plain(rel)
        d = {"kind": rel.kind, **{k: x for k, x in d.items() if k != "kind"}}
        out += ["[[relations]]", *_fields(d, rel), ""]
    for ev in s.events:
        out += ["[[events]]", *_fields(_plain(ev), ev), ""]
    out.append("# Standard outcomes with their reference classes and base rates (probability within 12 months).")
    for o in s.outcomes:
        if o.id in built.fit:
            base, got = built.fit[o.id]
            out.append(f"# {o.id}: base rate {base:.3f}; with every mechanism off the engine gives {got:.3f}")
        out += ["[[outcomes]]", *_fields(_plain(o), o), ""]
    return "\n".join(out)


def template_toml() -> str:
    """An annotated blank scenario with the scale of every field (``detente new --template``)."""
    from importlib import resources

    return resources.files("detente").joinpath("data", "templates", "scenario-template.toml").read_text("utf-8")
