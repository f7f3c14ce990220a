"""Reading history tables from the data directory, and the one rule every loader applies: the date cut."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from detente.datadir import require
from detente.errors import InputError

DateLike: TypeAlias = "dt.date | str | pd.Timestamp | None"
"""A cut-off date: ``datetime.date``, ISO ``YYYY-MM-DD`` text, a pandas Timestamp, or None (no cut)."""


def as_timestamp(before: DateLike, what: str = "before") -> pd.Timestamp | None:
    """``before`` as a day-precision Timestamp (None stays None).

    Raises:
        InputError: text that is not an ISO date.
    """
    if before is None:
        return None
    try:
        ts = pd.Timestamp(before)
    except (ValueError, TypeError):
        raise InputError(f"{what}: {before!r} is not a date (fix: write it as YYYY-MM-DD)") from None
    if pd.isna(ts):
        raise InputError(f"{what}: {before!r} is not a date (fix: write it as YYYY-MM-DD)")
    return ts.normalize()


def read_table(relpath: str, data: str | Path | None = None, **kwargs: object) -> pd.DataFrame:
    """A CSV (or .csv.gz) table of the data directory, read with pandas.

    Raises:
        DataMissingError: the file is not in the data directory.
    """
    path = require(relpath, data)
    return pd.read_csv(path, **kwargs)


def cut(frame: pd.DataFrame, before: DateLike, column: str = "date") -> pd.DataFrame:
    """The rows of ``frame`` dated strictly before ``before`` (all rows when ``before`` is None).

    Rows without a date are dropped when a cut is asked for: a row that cannot be dated cannot be
    shown to predate the cut.
    """
    ts = as_timestamp(before)
    if ts is None:
        return frame.reset_index(drop=True)
    keep = frame[column].notna() & (frame[column] < ts)
    return frame.loc[keep].reset_index(drop=True)


def year_end(year: pd.Series) -> pd.Series:
    """31 December of each year: when a row that describes a whole year is known in full."""
    return pd.to_datetime(year.astype("Int64").astype(str) + "-12-31", errors="coerce")


def month_end(year: pd.Series, month: pd.Series) -> pd.Series:
    """The last day of a month: when an event recorded only to the month is known to have happened."""
    first = pd.to_datetime(
        year.astype("Int64").astype(str) + "-" + month.astype("Int64").astype(str).str.zfill(2) + "-01",
        errors="coerce",
    )
    return first + pd.offsets.MonthEnd(0)
