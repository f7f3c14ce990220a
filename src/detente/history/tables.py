"""Date-checked loaders for the history tables of the data directory.

Every loader takes ``before`` (a date, or None for every row) and the data directory ``data``
(None: ``$DETENTE_DATA`` or the user's data folder, see :mod:`detente.datadir`). It returns a pandas
DataFrame with a ``date`` column, the day from which the row is known, and drops every row dated on or
after ``before``. How each table is dated is stated in its docstring; a row describing a whole year is
dated 31 December of that year, a row known only to the month the last day of that month.

Codes: ``iso3`` columns hold ISO 3166 alpha-3 codes (see :mod:`detente.history.countries`); the source's
own numbers (COW ``ccode``, Gleditsch–Ward ``gwno``) are kept beside them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from detente.history._io import DateLike, as_timestamp, cut, month_end, read_table, year_end
from detente.history.countries import crosswalk, normalise

MIDS = "history/cow_mid_v5_0_dyadic_dispute_years_1816_2014.csv"
UCDP = "history/ucdp_acd_v25_1_conflict_years_1946_2022.csv"
ATOP = "history/atop_v5_1_directed_dyadyear_with_obligation_1815_2018.csv.gz"
NMC = "history/cow_nmc_v7_0_1816_2022.csv"
RIVALRIES = "history/thompson_dreyer_strategic_rivalries_1494_2010.csv"
MISSILE_TESTS = "history/nk_missile_tests_1984-04-09_2023-08-31.csv"
US_TRAVELS = "history/us_president_secstate_travels_1866_2023-08-31.csv"
LEADER_VISITS = "history/foreign_leader_visits_to_us_1874_2023-08-31.csv"
UNSC_MEETINGS = "history/unsc_meetings_topics_outcomes_1946_2017.csv"
UNSC_VETOES = "history/unsc_vetoes_1946-02-16_2022-07-08.csv"

Data = str | Path | None


def load_mids(before: DateLike, data: Data = None) -> pd.DataFrame:
    """COW MID 5.0 dyadic dispute-years (Palmer et al. 2021), one row per dispute, dyad and year.

    Dated the last day of the dyad's start month (``stmon``) in the onset year, and 31 January in a
    year the dispute continues into. ``hostlev`` is the highest hostility the dyad reached in that
    year, which the start month may not yet show (the dispute-year is the source's finest grain).

    Columns: ``date, dispnum, ccode1, ccode2, iso3_1, iso3_2, year, onset, hostlev, fatality``.
    """
    raw = read_table(MIDS, data)
    cw = crosswalk(data)
    onset = raw["cowmidonset"] == 1
    month = raw["stmon"].where(onset & raw["stmon"].between(1, 12), 1)
    out = pd.DataFrame(
        {
            "date": month_end(raw["year"], month),
            "dispnum": raw["dispnum"],
            "ccode1": raw["ccode1"],
            "ccode2": raw["ccode2"],
            "iso3_1": raw["ccode1"].map(cw.cow),
            "iso3_2": raw["ccode2"].map(cw.cow),
            "year": raw["year"],
            "onset": onset,
            "hostlev": raw["hostlev"],
            "fatality": raw["fatality"],
        }
    )
    return cut(out.sort_values("date", kind="stable"), before)


def load_ucdp(before: DateLike, data: Data = None) -> pd.DataFrame:
    """UCDP/PRIO Armed Conflict Dataset 25.1 conflict-years (Gleditsch et al. 2002; Davies et al. 2025).

    Dated 31 December of the conflict-year: its intensity and whether its episode ended that year
    (``ep_end``, ``ep_end_date``) are known once the year is over. ``episode_start`` is the episode's
    start (``start_date2``).

    Columns: ``date, conflict_id, year, type, intensity, side_a, side_b`` (ISO3 lists of the
    primary parties), ``side_a2, side_b2`` (secondary parties), ``episode_start, ep_end, ep_end_date``.
    """
    raw = read_table(UCDP, data, dtype=str, keep_default_na=False)
    cw = crosswalk(data)

    def codes(text: str) -> tuple[str, ...]:
        out = [cw.gw(c.strip()) for c in str(text).split(",") if c.strip()]
        return tuple(sorted({c for c in out if c}))

    year = raw["year"].astype(float).astype(int)
    out = pd.DataFrame(
        {
            "date": year_end(year),
            "conflict_id": raw["conflict_id"].astype(float).astype(int),
            "year": year,
            "type": raw["type_of_conflict"],
            "intensity": pd.to_numeric(raw["intensity_level"], errors="coerce").astype("Int64"),
            "side_a": raw["gwno_a"].map(codes),
            "side_b": raw["gwno_b"].map(codes),
            "side_a2": raw["gwno_a_2nd"].map(codes),
            "side_b2": raw["gwno_b_2nd"].map(codes),
            "episode_start": pd.to_datetime(raw["start_date2"], errors="coerce"),
            "ep_end": pd.to_numeric(raw["ep_end"], errors="coerce").fillna(0).astype(int) == 1,
            "ep_end_date": pd.to_datetime(raw["ep_end_date"], errors="coerce"),
        }
    )
    return cut(out.sort_values(["date", "conflict_id"], kind="stable"), before)


ATOP_OBLIGATIONS = ("atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul")


def load_atop(before: DateLike, data: Data = None) -> pd.DataFrame:
    """ATOP 5.1 directed dyad-years with each obligation (Leeds et al. 2002), dated 31 December.

    Columns: ``date, ccode1, ccode2, iso3_1, iso3_2, year`` and the 0/1 obligations
    ``atop_defense, atop_offense, atop_neutral, atop_nonagg, atop_consul``.
    """
    raw = read_table(ATOP, data)
    cw = crosswalk(data)
    out = raw.assign(
        date=year_end(raw["year"]),
        iso3_1=raw["ccode1"].map(cw.cow),
        iso3_2=raw["ccode2"].map(cw.cow),
    )[["date", "ccode1", "ccode2", "iso3_1", "iso3_2", "year", *ATOP_OBLIGATIONS]]
    return cut(out.sort_values("date", kind="stable"), before)


def load_nmc(before: DateLike, data: Data = None) -> pd.DataFrame:
    """COW National Material Capabilities 7.0 country-years (Singer, Bremer & Stuckey 1972), dated 31 December.

    Columns: ``date, ccode, iso3, year, milex, milper, irst, pec, tpop, upop, cinc`` (-9 read as missing).
    """
    raw = read_table(NMC, data).replace(-9, np.nan)
    cw = crosswalk(data)
    out = raw.assign(date=year_end(raw["year"]), iso3=raw["ccode"].map(cw.cow))
    cols = ["date", "ccode", "iso3", "year", "milex", "milper", "irst", "pec", "tpop", "upop", "cinc"]
    return cut(out[cols].sort_values("date", kind="stable"), before)


def load_rivalries(before: DateLike, data: Data = None) -> pd.DataFrame:
    """Thompson–Dreyer strategic rivalries, as known on the day before ``before``.

    A rivalry is dated 31 December of its first year; one that began in or after ``before``'s year is
    dropped, and the end of one that ended later is censored: ``endyear`` becomes the last full year
    before ``before`` and ``ongoing`` is True (the loader never tells when a rivalry will end).

    Columns: ``date, rivalryno, name, ccode1, ccode2, iso3_1, iso3_2, styear, endyear, ongoing``.
    """
    raw = read_table(RIVALRIES, data)
    cw = crosswalk(data)
    out = pd.DataFrame(
        {
            "date": year_end(raw["styear"]),
            "rivalryno": raw["rivalryno"],
            "name": raw["rivalryname"],
            "ccode1": raw["ccode1"],
            "ccode2": raw["ccode2"],
            "iso3_1": raw["ccode1"].map(cw.cow),
            "iso3_2": raw["ccode2"].map(cw.cow),
            "styear": raw["styear"],
            "endyear": raw["endyear"],
            "ongoing": False,
        }
    )
    ts = as_timestamp(before)
    out = cut(out.sort_values("date", kind="stable"), ts)
    if ts is not None:
        last_known = ts.year - 1
        late = out["endyear"] > last_known
        out.loc[late, "endyear"] = last_known
        out.loc[late, "ongoing"] = True
    return out


def load_missile_tests(before: DateLike, data: Data = None) -> pd.DataFrame:
    """CNS/NTI North Korean missile flight tests, 1984 – August 2023, dated by their UTC day.

    Columns: ``date, missile, missile_type`` (SRBM, MRBM, IRBM, ICBM, SLBM, SLV, ...) ``, facility, outcome``.
    """
    raw = read_table(MISSILE_TESTS, data, dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"], errors="coerce"),
            "missile": raw["missile_name"],
            "missile_type": raw["missile_type"].str.strip(),
            "facility": raw["facility_name"],
            "outcome": raw["outcome"],
        }
    )
    return cut(out.sort_values("date", kind="stable"), before)


def load_us_travels(before: DateLike, data: Data = None) -> pd.DataFrame:
    """Trips abroad of US presidents and secretaries of state (Office of the Historian), dated by their first day.

    Columns: ``date, role`` (``president``/``secretary``) ``, who, name, iso3, country``.
    """
    raw = read_table(US_TRAVELS, data, dtype=str, keep_default_na=False)
    cw = crosswalk(data)
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["start_date"], errors="coerce"),
            "role": raw["role"],
            "who": raw["who"],
            "name": raw["name"],
            "iso3": raw["country"].map(cw.name),
            "country": raw["country"],
        }
    )
    out = out[out["role"].isin(["president", "secretary"])]
    return cut(out.sort_values("date", kind="stable"), before)


def load_leader_visits(before: DateLike, data: Data = None) -> pd.DataFrame:
    """Visits of foreign leaders to the United States (Office of the Historian), dated by their first day.

    Columns: ``date, visitor, iso3, country``.
    """
    raw = read_table(LEADER_VISITS, data, dtype=str, keep_default_na=False)
    cw = crosswalk(data)
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["start_date"], errors="coerce"),
            "visitor": raw["visitor"],
            "iso3": raw["from_"].map(cw.name),
            "country": raw["from_"],
        }
    )
    return cut(out.sort_values("date", kind="stable"), before)


_RES = re.compile(r"S/RES/(\d+)\s*\((\d{4})\)")


def load_unsc_meetings(before: DateLike, data: Data = None) -> pd.DataFrame:
    """UN Security Council meetings 1946–2017 with topic and outcome (UN Dag Hammarskjöld Library).

    Dated by the meeting day. ``resolution`` is the adopted resolution's symbol (``S/RES/2371``) or empty;
    ``countries`` the ISO3 codes of the countries whose names (or nationality adjectives) the topic
    names, e.g. "The situation concerning the Democratic People's Republic of Korea" → ``("PRK",)``.

    Columns: ``date, topic, result, resolution, adopted, countries``.
    """
    raw = read_table(UNSC_MEETINGS, data, dtype=str, keep_default_na=False)
    text = raw["year"].str.strip() + " " + raw["date"].str.strip()
    dates = pd.to_datetime(text, format="%Y %d %B", errors="coerce")
    result = raw["result"].str.strip()
    res = result.str.extract(_RES)
    # A resolution symbol is given only to an adopted draft; vetoed drafts are written "Draft resolution".
    adopted = res[0].notna()
    out = pd.DataFrame(
        {
            "date": dates,
            "topic": raw["topics"].str.strip(),
            "result": result,
            "resolution": np.where(res[0].notna(), "S/RES/" + res[0].fillna(""), ""),
            "adopted": adopted,
            "countries": raw["topics"].map(lambda t: topic_countries(t, data)),
        }
    )
    return cut(out.sort_values("date", kind="stable"), before)


def topic_countries(topic: str, data: Data = None) -> tuple[str, ...]:
    """ISO3 codes of the countries a Security Council agenda item names (by name, synonym or adjective).

    Longest names match first, so "the Democratic Republic of the Congo" is COD and not also COG.
    """
    cw = crosswalk(data)
    words = re.findall(r"[A-Z']+", normalise(topic))
    found: set[str] = set()
    used = [False] * len(words)
    for n in (6, 5, 4, 3, 2, 1):
        for i in range(len(words) - n + 1):
            if any(used[i : i + n]):
                continue
            code = cw.name(" ".join(words[i : i + n]))
            if code:
                found.add(code)
                used[i : i + n] = [True] * n
    return tuple(sorted(found))


def load_unsc_vetoes(before: DateLike, data: Data = None) -> pd.DataFrame:
    """Vetoed Security Council drafts, 1946 – July 2022 (world-politics-datalab), dated by the vote.

    Columns: ``date, draft, agenda_item, topic, region, vetoed_by`` (tuple of permanent members).
    """
    raw = read_table(UNSC_VETOES, data, dtype=str, keep_default_na=False)
    members = raw[["member_veto1", "member_veto2", "member_veto3"]].apply(
        lambda r: tuple(v for v in r if v), axis=1
    )
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"], format="%m/%d/%Y", errors="coerce"),
            "draft": raw["draft"],
            "agenda_item": raw["agenda_item"],
            "topic": raw["crisis_topic"],
            "region": raw["region"],
            "vetoed_by": members,
        }
    )
    return cut(out.sort_values("date", kind="stable"), before)
