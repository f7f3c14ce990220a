"""The event-table layout that ``detente backtest --events`` reads, and the default table (ICEWS 2005–2015).

One row per event, with at least these columns (extra columns are ignored)::

    date,source,target,cameo_code
    2016-03-02,PRK,KOR,190
    2016-03-02,USA,PRK,1721

``date`` is an ISO day (``YYYY-MM-DD``), ``source`` and ``target`` are ISO 3166 alpha-3 country codes,
``cameo_code`` a CAMEO event code (``"0231"``, ``"190"``; leading zeros matter). Files are ``.csv`` or
``.csv.gz``. Several tables may be given; their rows are pooled, so a later export (ICEWS, GDELT, POLECAT
mapped to CAMEO) extends the default table and questions can be asked beyond 2015.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from detente.errors import InputError
from detente.ontology import cameo

REQUIRED = ("date", "source", "target", "cameo_code")
"""The columns an event table must have."""

LAYOUT_FIX = "an event table has the columns date,source,target,cameo_code (see docs/backtest.md)"


def plover_of(codes: pd.Series, data: str | Path | None = None) -> pd.Series:
    """The PLOVER event type of each CAMEO code (a code unknown to CAMEO falls back to its parent code).

    Codes that map to no PLOVER type (CAMEO 01–02 statements, unknown codes) give an empty string. The
    CAMEO → PLOVER table is the data directory's ``events/cameo_codes.csv``.
    """
    table = {c: (info.plover_event.value if info.plover_event else "") for c, info in cameo(data).items()}

    def one(code: str) -> str:
        code = str(code).strip()
        while code:
            if code in table:
                return table[code]
            code = code[:-1]
        return ""

    uniq = pd.unique(codes.astype(str))
    lookup = {c: one(c) for c in uniq}
    return codes.astype(str).map(lookup)


def read_events(path: str | Path, data: str | Path | None = None) -> pd.DataFrame:
    """Read one event table in the documented layout.

    Returns:
        ``date`` (datetime64), ``source``, ``target``, ``cameo_code``, ``plover``; rows whose source or
        target is empty are dropped.

    Raises:
        InputError: the file is missing or unreadable, a column is missing, a date cannot be read, or
            the table has no events.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such event table (fix: give the path of a .csv or .csv.gz file)")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, compression="infer")
    except (UnicodeDecodeError, pd.errors.ParserError, OSError, EOFError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{p}: not a readable CSV table ({reason}) (fix: {LAYOUT_FIX})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"{p}: column '{missing[0]}' is missing (fix: {LAYOUT_FIX})")
    if raw.empty:
        raise InputError(f"{p}: the table has no events (fix: {LAYOUT_FIX}, one row per event)")
    dates = pd.to_datetime(raw["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    bad = dates.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{p}: row {i + 2}: date: {raw['date'].iloc[i]!r} is not a date (fix: write dates as YYYY-MM-DD)"
        )
    out = pd.DataFrame(
        {
            "date": dates,
            "source": raw["source"].str.strip().str.upper(),
            "target": raw["target"].str.strip().str.upper(),
            "cameo_code": raw["cameo_code"].str.strip(),
        }
    )
    out = out[(out["source"] != "") & (out["target"] != "")]
    if out.empty:
        raise InputError(f"{p}: no event has both a source and a target (fix: {LAYOUT_FIX})")
    out["plover"] = plover_of(out["cameo_code"], data)
    return out.reset_index(drop=True)


def default_events(data: str | Path | None = None) -> pd.DataFrame:
    """ICEWS 2005–2015 from the data directory, actors resolved to countries (:func:`detente.history.load_icews`)."""
    from detente.history import load_icews

    frame = load_icews(None, data)
    frame = frame[frame["source"].notna() & frame["target"].notna()]
    out = frame[["date", "source", "target", "cameo_code"]].reset_index(drop=True)
    out["plover"] = plover_of(out["cameo_code"], data)
    return out


def pool_events(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Several event tables as one, sorted by date."""
    frame = pd.concat(tables, ignore_index=True)
    return frame.sort_values("date", kind="stable").reset_index(drop=True)
