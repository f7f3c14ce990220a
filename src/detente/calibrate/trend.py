"""E08's rising test rate: one fit of the yearly trend of North Korea's test days, used by both engines.

The quantity is the yearly growth ``b`` of the log rate of *test days* (days with at least one missile
launch) per month, fitted by a Poisson GLM on the whole calendar months of the ``years`` before the
as-of date (Zeger 1988):

    log E[n_m] = a + b * t_m,    t_m = years from the window's midpoint to month m,

with a Newey–West (1987) HAC covariance of the coefficients (lag ``floor(4 (T/100)^(2/9))``, Newey &
West 1994, 4 for T = 120 months), which allows for both overdispersion and the serial correlation of
test campaigns. ``b`` is the lever both engines apply: the anchored engine adds ``b·t/12`` to the logit
of the monthly hazards of rare test classes (ICBM launches, nuclear tests, satellites in orbit), where
a logit shift is a log-rate shift; the quantal-response engine adds it to the log-odds of the builder's
test actions. Days, not missiles, count occasions: a salvo of eight launches on one day is one test day.

Every row's date is checked: a row dated on or after the as-of date is refused, not dropped.

References:
    - Zeger, S. L. (1988). A regression model for time series of counts. *Biometrika* 75(4), 621–629.
    - Newey, W. K. & West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
      autocorrelation consistent covariance matrix. *Econometrica* 55(3), 703–708.
    - Newey, W. K. & West, K. D. (1994). Automatic lag selection in covariance matrix estimation.
      *Review of Economic Studies* 61(4), 631–653.
    - CNS North Korea Missile Test Database (James Martin Center for Nonproliferation Studies / NTI).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import DetenteError

TREND_YEARS = 10
"""Years of test history before an as-of date from which the trend is fitted."""
MIN_TEST_DAYS = 5
"""Fewer test days than this in the window: no trend is fitted (the anchored lever keeps its prior)."""
ACTOR = "PRK"
"""Whose tests the table records (the CNS database is North Korea's)."""
SOURCE = "cns-missile-tests"
"""The source's name in a calibration's ``sources`` (the name the anchored reference classes use)."""
MISSILE_TESTS_END = dt.date(2023, 8, 31)
"""The CNS table's last covered day (``history/nk_missile_tests_1984-04-09_2023-08-31.csv``)."""
SOURCE_TEXT = "CNS North Korea Missile Test Database (nk_missile_tests_1984-04-09_2023-08-31.csv)"
METHOD = (
    "Poisson GLM of test days per whole calendar month on time in years, log E[n] = a + b·years, over the "
    f"{TREND_YEARS} years of whole months before the as-of date; se from a Newey–West HAC covariance "
    "(overdispersion and serially correlated test campaigns; Zeger 1988); b is the yearly growth of the log test rate"
)


class TrendError(DetenteError):
    """Test rows that cannot be used for a trend before an as-of date (a row on or after it, an undated row)."""


@dataclass(frozen=True)
class TrendFit:
    """The fitted yearly trend of an actor's log test-day rate before an as-of date.

    Attributes:
        as_of: Only rows dated strictly before this day were read.
        actor: Whose tests.
        mean: Yearly growth of the log rate ``b`` (None: fewer than :data:`MIN_TEST_DAYS` test days).
        se: Its standard error (HAC).
        window: First and last month of the fit (``YYYY-MM``), whole months before ``as_of``.
        n_months: Months in the window.
        n: Test days in the window.
        sources: Rows read per source with their first and last dates (what the date check reads).
        source: The data set, for people.
        method: How ``mean`` and ``se`` were fitted.
        note: Why there is no trend, when there is none.
    """

    as_of: dt.date
    actor: str
    mean: float | None
    se: float | None
    window: tuple[str, str]
    n_months: int
    n: int
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = SOURCE_TEXT
    method: str = METHOD
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``mean`` and ``se`` to 4 decimals: what both engines read)."""
        return {
            "as_of": self.as_of.isoformat(), "actor": self.actor,
            "mean": None if self.mean is None else round(self.mean, 4),
            "se": None if self.se is None else round(self.se, 4),
            "window": list(self.window), "n_months": self.n_months, "n": self.n, "sources": self.sources,
            "source": self.source, "method": self.method, "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrendFit:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        d["as_of"] = dt.date.fromisoformat(d["as_of"])
        d["window"] = tuple(d["window"])
        for k in ("mean", "se"):
            d[k] = None if d.get(k) is None else float(d[k])
        return cls(**d)


def _day(value: Any) -> dt.date | None:
    """A row's date as a day (None if it has none)."""
    if value is None or value != value:  # None, NaN, NaT
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp (NaT has no date)
        try:
            day: dt.date = value.to_pydatetime().date()
            return day
        except ValueError:
            return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def window_months(as_of: dt.date, years: int = TREND_YEARS, covered_to: dt.date | None = None) -> list[tuple[int, int]]:
    """The last ``years × 12`` whole calendar months before ``as_of``: (year, month), oldest first.

    With ``covered_to`` (the source's last covered day) the window also ends at the last month the
    source covers in full: months after it are unobserved, not months without tests.
    """
    last = as_of.year * 12 + as_of.month - 2  # the month before the as-of month (0-based month index)
    if covered_to is not None:
        whole = (covered_to + dt.timedelta(days=1)).month != covered_to.month  # covered_to ends its month
        last = min(last, covered_to.year * 12 + covered_to.month - 1 - (0 if whole else 1))
    return [(m // 12, m % 12 + 1) for m in range(last - years * 12 + 1, last + 1)]


def monthly_test_days(
    dates: Iterable[Any], as_of: dt.date | str, years: int = TREND_YEARS, covered_to: dt.date | None = None
) -> list[int]:
    """Days with at least one test in each month of :func:`window_months`, after checking every row's date.

    Raises:
        TrendError: a row without a readable date, or dated on or after ``as_of``.
    """
    day = _as_of(as_of)
    months = window_months(day, years, covered_to)
    index = {ym: i for i, ym in enumerate(months)}
    counts = [0] * len(months)
    for d in _checked(dates, day):
        k = index.get((d.year, d.month))
        if k is not None:
            counts[k] += 1
    return counts


def _as_of(as_of: dt.date | str) -> dt.date:
    return as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)[:10])


def _checked(dates: Iterable[Any], as_of: dt.date) -> set[dt.date]:
    """The distinct days of the rows; refuses an undated row or one on or after ``as_of``."""
    days: set[dt.date] = set()
    for raw in dates:
        d = _day(raw)
        if d is None:
            raise TrendError(
                f"test rows: date: {raw!r} is not a date (fix: drop undated rows before fitting; a row that cannot "
                "be dated cannot be shown to predate the as-of date)"
            )
        if d >= as_of:
            raise TrendError(
                f"test rows: date: a row dated {d} is on or after the as-of date {as_of} (fix: pass only rows dated "
                f"before {as_of})"
            )
        days.add(d)
    return days


def fit_trend(
    dates: Iterable[Any],
    as_of: dt.date | str,
    *,
    years: int = TREND_YEARS,
    actor: str = ACTOR,
    source: str = SOURCE_TEXT,
    source_name: str = SOURCE,
    covered_to: dt.date | None = None,
) -> TrendFit:
    """Fit the yearly trend of the log test-day rate from test dates before ``as_of``.

    Args:
        dates: One date per test row (days; several rows on one day are one test day).
        as_of: Every row must be dated strictly before it.
        years: Window length in years of whole months.
        actor: Whose tests (recorded).
        source: The data set (recorded).
        source_name: The source's key in ``sources``.
        covered_to: The source's last covered day: the window ends at the last month it covers in full
            (a later as-of date would otherwise count unobserved months as months without tests).

    Returns:
        The fit; ``mean`` is None when the window holds fewer than :data:`MIN_TEST_DAYS` test days.

    Raises:
        TrendError: a row without a date or dated on or after ``as_of``.
    """
    import numpy as np
    import statsmodels.api as sm

    day = _as_of(as_of)
    rows = list(dates)
    days = sorted(_checked(rows, day))
    counts = np.array(monthly_test_days(days, day, years, covered_to), dtype=float)
    months = window_months(day, years, covered_to)
    window = (f"{months[0][0]:04d}-{months[0][1]:02d}", f"{months[-1][0]:04d}-{months[-1][1]:02d}")
    sources = {source_name: {"rows": len(rows), "first": days[0].isoformat() if days else None,
                             "last": days[-1].isoformat() if days else None}}
    n = int(counts.sum())
    mean: float | None = None
    se: float | None = None
    note = ""
    if months != window_months(day, years):
        note = f"the source ends {covered_to}: the window ends with its last whole month. "
    if n < MIN_TEST_DAYS:
        note += f"{n} test days in {window[0]}…{window[1]}: too few to fit a trend (fewer than {MIN_TEST_DAYS})"
    else:
        t = (np.arange(len(counts)) - (len(counts) - 1) / 2) / 12.0
        lags = int(math.floor(4 * (len(counts) / 100) ** (2 / 9)))
        res = sm.GLM(counts, sm.add_constant(t), family=sm.families.Poisson()).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags}
        )
        mean, se = float(res.params[1]), float(res.bse[1])
    return TrendFit(as_of=day, actor=actor, mean=mean, se=se, window=window, n_months=len(counts), n=n,
                    sources=sources, source=source, note=note)


def prk_test_trend(as_of: dt.date | str, data: str | Path | None = None, years: int = TREND_YEARS) -> TrendFit:
    """North Korea's test-day trend before ``as_of`` from the data directory's CNS missile-test table.

    Args:
        as_of: Only rows dated strictly before it are read (the loader cuts there; the fit checks again).
        data: The data directory (``None``: the default one).
        years: Window length in years.

    Raises:
        DataMissingError: the table is not in the data directory.
    """
    from detente.history import load_missile_tests

    day = _as_of(as_of)
    tests = load_missile_tests(day, data)
    return fit_trend(tests["date"], day, years=years, covered_to=MISSILE_TESTS_END)


__all__ = [
    "ACTOR", "MIN_TEST_DAYS", "MISSILE_TESTS_END", "SOURCE", "TREND_YEARS", "TrendError", "TrendFit", "fit_trend", "monthly_test_days",
    "prk_test_trend", "window_months",
]
