"""The public history tables, read from the data directory with a date cut.

Every loader returns a pandas DataFrame with a ``date`` column (the day from which a row is known) and
drops every row dated on or after ``before``, so code that builds a forecast for a day cannot read what
happened on or after it::

    from detente.history import load_mids, load_icews
    mids = load_mids(before="2010-01-01")          # COW MIDs known before 2010
    events = load_icews(before="2012-06-01")        # ICEWS events, actors resolved to ISO3

``before=None`` returns every row (for scoring, never for fitting). ``data`` is the data directory
(``--data``), else ``$DETENTE_DATA`` or the user's data folder (see :mod:`detente.datadir`); a missing
file raises :class:`detente.datadir.DataMissingError`.

| loader | table | dated by |
| --- | --- | --- |
| :func:`load_mids` | COW MID 5.0 dyadic dispute-years | end of the start month (onset year) |
| :func:`load_ucdp` | UCDP/PRIO conflict-years | 31 December of the year |
| :func:`load_atop` | ATOP 5.1 directed dyad-years | 31 December |
| :func:`load_nmc` | COW NMC 7.0 country-years | 31 December |
| :func:`load_rivalries` | Thompson–Dreyer strategic rivalries | first year; ends censored at the cut |
| :func:`load_missile_tests` | CNS North Korean missile tests | the test's UTC day |
| :func:`load_us_travels` | US president / secretary of state trips | first day of the trip |
| :func:`load_leader_visits` | foreign leaders' visits to the US | first day of the visit |
| :func:`load_unsc_meetings` | Security Council meetings, resolutions | the meeting day |
| :func:`load_unsc_vetoes` | vetoed Security Council drafts | the vote |
| :func:`load_icews` | ICEWS 2005–2015 events, actors resolved | the event day |
"""

from __future__ import annotations

from detente.history._io import DateLike, as_timestamp, cut
from detente.history.countries import Crosswalk, crosswalk
from detente.history.icews import STEPS, actor_resolver, load_icews, resolution_report
from detente.history.tables import (
    load_atop,
    load_leader_visits,
    load_mids,
    load_missile_tests,
    load_nmc,
    load_rivalries,
    load_ucdp,
    load_unsc_meetings,
    load_unsc_vetoes,
    load_us_travels,
    topic_countries,
)

LOADERS = {
    "mids": load_mids,
    "ucdp": load_ucdp,
    "atop": load_atop,
    "nmc": load_nmc,
    "rivalries": load_rivalries,
    "missile_tests": load_missile_tests,
    "us_travels": load_us_travels,
    "leader_visits": load_leader_visits,
    "unsc_meetings": load_unsc_meetings,
    "unsc_vetoes": load_unsc_vetoes,
    "icews": load_icews,
}
"""Every date-checked loader by name."""

__all__ = [
    "LOADERS",
    "STEPS",
    "Crosswalk",
    "DateLike",
    "actor_resolver",
    "as_timestamp",
    "crosswalk",
    "cut",
    "load_atop",
    "load_icews",
    "load_leader_visits",
    "load_mids",
    "load_missile_tests",
    "load_nmc",
    "load_rivalries",
    "load_ucdp",
    "load_unsc_meetings",
    "load_unsc_vetoes",
    "load_us_travels",
    "resolution_report",
    "topic_countries",
]
