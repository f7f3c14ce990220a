"""Date-checked reads of the history tables for building a scenario as of a date.

The tables :mod:`detente.history` loads (COW NMC, ATOP, MIDs, the US travel records) come from its
date-checked loaders; the others (Thompson–Sakuwa–Suhas rivalries, the COW state system, GDELT and
ICEWS monthly dyad aggregates) are read here under the same rule: only rows dated strictly before the
as-of date (a year-level table: rows of earlier years only, since a row of the as-of year may describe
months after it). Every read is recorded in a :class:`ReadLog`, so that a test can show that no row on
or after the as-of date was used.

The tables live in the data directory (``detente.datadir``); nothing here downloads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from detente.datadir import require
from detente.errors import InputError

NMC = "history/cow_nmc_v7_0_1816_2022.csv"
ATOP = "history/atop_v5_1_directed_dyadyear_with_obligation_1815_2018.csv.gz"
MID = "history/cow_mid_v5_0_dyadic_dispute_years_1816_2014.csv"
RIVALRIES = "history/thompson_sakuwa_suhas_rivalries.csv"
STATES = "history/cow_state_system_2016.csv"
ICEWS_ROOTS = "history/icews0515/monthly_country_dyad_cameo_root_counts.csv.gz"
GDELT = "history/gdelt2_dyad_composite_monthly_2018-01_2023-08.csv.gz"
US_TRAVEL = "history/us_president_secstate_travels_1866_2023-08-31.csv"
US_VISITS = "history/foreign_leader_visits_to_us_1874_2023-08-31.csv"
COUNTRIES = "events/countryinfo_140728_capitals_synonyms.tsv"


@dataclass
class Read:
    """What one reader took from one table: rows kept, rows dropped for their date, the latest date kept.

    ``dropped`` is -1 when a :mod:`detente.history` loader dropped the rows and did not count them.
    """

    file: str
    kept: int
    dropped: int
    latest: dt.date | None


@dataclass
class ReadLog:
    """Every table a build read, with the latest date it kept (all must be before ``as_of``)."""

    as_of: dt.date
    reads: list[Read] = field(default_factory=list)

    def add(self, file: str, kept: int, dropped: int, latest: dt.date | None) -> None:
        """Record one read; refuse a row dated on or after the as-of date (a bug, never data)."""
        if latest is not None and latest >= self.as_of:
            raise AssertionError(f"{file}: a row dated {latest} was read for a scenario as of {self.as_of}")
        self.reads.append(Read(file, kept, dropped, latest))


def _year_end(year: int) -> dt.date:
    return dt.date(int(year), 12, 31)


@cache
def _csv(path: Path, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(path, sep=sep, low_memory=False)


class History:
    """The history tables of one data directory, read as of one date."""

    def __init__(self, as_of: dt.date, data: str | Path | None = None) -> None:
        self.as_of = as_of
        self.data = data
        self.log = ReadLog(as_of)
        self._memo: dict[tuple[str, str], pd.DataFrame] = {}

    def _table(self, rel: str, sep: str = ",") -> pd.DataFrame:
        return _csv(require(rel, self.data), sep)

    def _by_year(self, rel: str, df: pd.DataFrame, col: str = "year") -> pd.DataFrame:
        """Rows of years before the as-of year (a row of that year may describe later months)."""
        if (rel, col) in self._memo:
            return self._memo[rel, col]
        keep = df[df[col] < self.as_of.year]
        latest = _year_end(keep[col].max()) if len(keep) else None
        self.log.add(rel, len(keep), len(df) - len(keep), latest)
        self._memo[rel, col] = keep
        return keep

    def _by_month(self, rel: str, df: pd.DataFrame, col: str = "month") -> pd.DataFrame:
        """Rows of months that ended before the as-of date."""
        if (rel, col) in self._memo:
            return self._memo[rel, col]
        first_of = self.as_of.replace(day=1)
        months = pd.to_datetime(df[col] + "-01").dt.date
        keep = df[months < first_of]
        latest = None
        if len(keep):
            last = pd.Timestamp(keep[col].max() + "-01")
            latest = (last + pd.offsets.MonthEnd(0)).date()
        self.log.add(rel, len(keep), len(df) - len(keep), latest)
        self._memo[rel, col] = keep
        return keep

    def _by_date(self, rel: str, df: pd.DataFrame, col: str) -> pd.DataFrame:
        """Rows dated (``col``) before the as-of date."""
        if (rel, col) in self._memo:
            return self._memo[rel, col]
        dates = pd.to_datetime(df[col], errors="coerce").dt.date
        keep = df[dates.notna() & (dates < self.as_of)]
        latest = max(d for d in dates[keep.index]) if len(keep) else None
        self.log.add(rel, len(keep), len(df) - len(keep), latest)
        self._memo[rel, col] = keep
        return keep

    # -- codes -------------------------------------------------------------------------------

    def country_codes(self) -> dict[str, tuple[int, str]]:
        """ISO3 → (COW code, name), from the CountryInfo table (``events/``)."""
        df = self._table(COUNTRIES, "\t")
        out: dict[str, tuple[int, str]] = {}
        for row in df.itertuples(index=False):
            iso, cow, name = str(row.iso3), row.cow_numeric, str(row.name)
            if len(iso) == 3 and iso.isalpha() and str(cow).isdigit() and int(cow) > 0:
                out.setdefault(iso, (int(cow), name.title()))
        return out

    def cow_codes(self, iso3: list[str]) -> dict[str, tuple[int, str]]:
        """COW code and name of each ISO3 code; an unknown code is the user's error."""
        table = self.country_codes()
        states = self._table(STATES)
        # CountryInfo leaves some COW numbers blank (the United States): COW's own abbreviation agrees
        # with ISO3 for many states.
        for row in states.itertuples(index=False):
            table.setdefault(str(row.stateabb), (int(row.ccode), str(row.statenme)))
        out = {}
        for code in iso3:
            if code not in table:
                near = ", ".join(sorted(k for k in table if k[0] == code[:1])[:8])
                hint = f"; codes starting with {code[:1]}: {near}" if near else ""
                raise InputError(
                    f"--countries: {code!r} is not an ISO 3166 alpha-3 country code "
                    f"(fix: use codes such as IND, PAK, CHN{hint})"
                )
            out[code] = table[code]
        names = {c: n for c, (_, n) in out.items()}
        for code, (cow, _) in out.items():
            hit = states[states.ccode == cow]
            if len(hit):
                names[code] = str(hit.iloc[0].statenme)
        return {c: (out[c][0], names[c]) for c in out}

    # -- tables ----------------------------------------------------------------------------

    def _loaded(self, name: str, rel: str) -> pd.DataFrame:
        """A table from :mod:`detente.history` (date-checked there), logged with its latest date."""
        key = (rel, "loader")
        if key in self._memo:
            return self._memo[key]
        import detente.history as hist

        df = hist.LOADERS[name](self.as_of, self.data)
        latest = pd.Timestamp(df["date"].max()).date() if len(df) else None
        self.log.add(rel, len(df), -1, latest)
        self._memo[key] = df
        return df

    def nmc(self) -> pd.DataFrame:
        """COW NMC v7 country-years before the as-of year (``detente.history.load_nmc``)."""
        return self._loaded("nmc", NMC)

    def atop(self) -> pd.DataFrame:
        """ATOP 5.1 directed dyad-years before the as-of year (``detente.history.load_atop``)."""
        return self._loaded("atop", ATOP)

    def mid(self) -> pd.DataFrame:
        """COW MID 5.0 dyadic dispute-years dated before the as-of date (``detente.history.load_mids``)."""
        return self._loaded("mids", MID)

    def rivalries(self) -> pd.DataFrame:
        """Thompson–Sakuwa–Suhas strategic rivalries that began before the as-of year.

        Read here rather than by ``detente.history.load_rivalries``, which reads Thompson–Dreyer (to
        2010) and would miss rivalries that began later (Russia–Ukraine, 2014). The table's ``end`` is
        the year a rivalry ended, or the last year the table covers; an end on or after the year before
        the as-of date is not yet known then, so such a rivalry counts as ongoing.
        """
        df = self._table(RIVALRIES)
        return self._by_year(RIVALRIES, df, col="start")

    def state_years(self) -> pd.DataFrame:
        """COW system membership spans (start years before the as-of year)."""
        return self._by_year(STATES, self._table(STATES), col="styear")

    def icews_roots(self) -> pd.DataFrame:
        """ICEWS monthly country-dyad CAMEO root counts of months before the as-of month."""
        return self._by_month(ICEWS_ROOTS, self._table(ICEWS_ROOTS))

    def gdelt(self) -> pd.DataFrame:
        """GDELT monthly dyad composite scores of months before the as-of month."""
        return self._by_month(GDELT, self._table(GDELT))

    def us_travel(self) -> pd.DataFrame:
        """Trips of US presidents and secretaries of state before the as-of date (``load_us_travels``)."""
        return self._loaded("us_travels", US_TRAVEL)

    def us_visits(self) -> pd.DataFrame:
        """Visits of foreign leaders to the US before the as-of date (``load_leader_visits``)."""
        return self._loaded("leader_visits", US_VISITS)
