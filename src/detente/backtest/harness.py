"""Questions, the history a forecaster may see, and the features computed from it.

A question class turns source tables into :class:`ClassData`: dated *occurrences* per subject (kind
``"event"`` is what its questions ask about; other kinds are context a forecaster may count). A question
is (class, subject, origin O, horizon H); its answer is whether an ``"event"`` occurrence of the subject
is dated on or after O and before O + H months (the window [O, O + H); the issue's (O, O + H] with the
origin read as the end of the day before O).

A forecaster sees a question only through :class:`History`: the class's occurrences dated strictly before
O, the covariates known before O, and the past questions whose windows closed by O. Nothing dated on or
after O reaches it; ``tests/test_backtest_leakage.py`` proves it with hypothesis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from detente.backtest.covariates import Covariates

EPOCH = np.datetime64("1800-01-01", "D")
SHIFT = 1 << 20
"""Subject index × SHIFT + day number: one sorted key array answers every count query."""
LOOKBACK_YEARS = 20
"""Past questions used for fitting: origins in the 20 years before the forecast's origin."""
WARMUP_MONTHS = 12
"""A past origin needs a year of data before it (counts over the last 12 months)."""
LAGS_DAYS = (91, 365, 1096)
"""Count windows: the last 3, 12 and 36 months."""


def day_number(dates: pd.Series | pd.DatetimeIndex | np.ndarray | Sequence[pd.Timestamp]) -> np.ndarray:
    """Days since 1800-01-01 as int64."""
    if isinstance(dates, pd.Series | pd.DatetimeIndex):
        arr = np.asarray(dates.to_numpy(dtype="datetime64[ns]")).astype("datetime64[D]")
    else:
        arr = np.asarray(pd.DatetimeIndex(list(dates)).to_numpy()).astype("datetime64[D]")
    return (arr - EPOCH).astype(np.int64)


def day_of(day: pd.Timestamp) -> int:
    """Days since 1800-01-01 of one day."""
    return int((pd.Timestamp(day).normalize() - pd.Timestamp("1800-01-01")).days)


def add_months(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """``day`` plus a number of calendar months."""
    return pd.Timestamp(day) + pd.DateOffset(months=int(months))


def shift_months(days: pd.DatetimeIndex, months: int) -> pd.DatetimeIndex:
    """Every day of an index plus a number of calendar months."""
    return pd.DatetimeIndex(days) + pd.DateOffset(months=int(months))


@dataclass(frozen=True)
class ClassData:
    """What one question class asks about.

    Attributes:
        name: The class's stable name (``mid-onset-4``).
        occurrences: ``date, subject, kind``; kind ``"event"`` is what the questions ask about.
        subjects: The subjects questions are asked about (quiet ones included).
        start: First day the source covers.
        end: Last day the source covers; a question is asked only if its window ends by ``end + 1 day``.
        step: Months between origins (also the grid of past questions).
        horizons: The horizons (months) the data's resolution allows.
        eligibility: ``"all"``, or ``"open"``: a subject is asked about only once it has a ``"start"``
            occurrence and no ``"event"`` since (episodes that may end).
    """

    name: str
    occurrences: pd.DataFrame
    subjects: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    step: int
    horizons: tuple[int, ...] = (3, 6, 12, 24)
    eligibility: str = "all"
    context: tuple[str, ...] = ()
    memo: dict[tuple[pd.Timestamp, int], np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    """Features of past questions by (origin, horizon), shared by every cut of this class's data.

    A past question's features use only occurrences before its own origin, so they are the same from
    every later history; origins are processed in increasing order, so the memo never holds anything
    computed from data on or after the origin being forecast."""

    def derive(self, **changes: object) -> ClassData:
        """A copy with some fields changed that keeps the lookup tables already built."""
        new = replace(self, **changes)  # type: ignore[arg-type]
        for name in ("keys", "subject_index", "days"):
            if name in self.__dict__ and "occurrences" not in changes:
                new.__dict__[name] = self.__dict__[name]
        return new

    def before(self, day: pd.Timestamp) -> ClassData:
        """The same class with only the occurrences dated strictly before ``day``."""
        cut = day_of(day)
        new = replace(self, occurrences=self.occurrences[self.days < cut])
        # The sorted key arrays of the cut data are the parent's keys with a day before the cut.
        new.__dict__["keys"] = {k: v[(v & (SHIFT - 1)) < cut] for k, v in self.keys.items()}
        new.__dict__["subject_index"] = self.subject_index
        return new

    @property
    def kinds(self) -> tuple[str, ...]:
        """Context kinds the generator declares (fixed by the class, whatever the data hold)."""
        return self.context

    @cached_property
    def days(self) -> np.ndarray:
        """Day number of each occurrence."""
        return day_number(self.occurrences["date"])

    @cached_property
    def subject_index(self) -> dict[str, int]:
        """Subject → position in :attr:`subjects`."""
        return {s: i for i, s in enumerate(self.subjects)}

    @cached_property
    def keys(self) -> dict[str, np.ndarray]:
        """Per kind, the sorted array subject_index × SHIFT + day of its occurrences."""
        occ = self.occurrences
        idx = occ["subject"].map(self.subject_index)
        ok = idx.notna().to_numpy()
        days = self.days[ok]
        sub = idx.to_numpy()[ok].astype(np.int64)
        kinds = occ["kind"].to_numpy()[ok]
        out: dict[str, np.ndarray] = {}
        for kind in {*self.context, "event", "start"}:
            m = kinds == kind
            out[kind] = np.sort(sub[m] * SHIFT + days[m])
        return out

    def count(self, kind: str, subj: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Occurrences of ``kind`` per row with lo ≤ day < hi (day numbers)."""
        keys = self.keys.get(kind)
        if keys is None or keys.size == 0:
            return np.zeros(len(subj), dtype=np.int64)
        base = subj * SHIFT
        return np.searchsorted(keys, base + hi, "left") - np.searchsorted(keys, base + lo, "left")

    def last_before(self, kind: str, subj: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Day number of the last occurrence of ``kind`` before ``day`` per row (-1 if none)."""
        keys = self.keys.get(kind)
        if keys is None or keys.size == 0:
            return np.full(len(subj), -1, dtype=np.int64)
        base = subj * SHIFT
        pos = np.searchsorted(keys, base + day, "left") - 1
        prev = keys[np.clip(pos, 0, None)]
        ok = (pos >= 0) & (prev >= base)
        return np.where(ok, prev - base, -1)

    def eligible(self, subj: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Which (subject, origin) rows may be asked, from occurrences before the origin only."""
        if self.eligibility == "all":
            return np.ones(len(subj), dtype=bool)
        start = self.last_before("start", subj, day)
        end = self.last_before("event", subj, day)
        return (start >= 0) & (end < start)


def grid(first: pd.Timestamp, last: pd.Timestamp, step: int) -> list[pd.Timestamp]:
    """Origins from ``first`` to ``last`` (inclusive) every ``step`` months."""
    out = []
    day = pd.Timestamp(first)
    k = 0
    while day <= last:
        out.append(day)
        k += 1
        day = add_months(pd.Timestamp(first), k * step)
    return out


def make_questions(
    data: ClassData, origins: Sequence[pd.Timestamp], horizons: Sequence[int], *, answers: bool = True
) -> pd.DataFrame:
    """Every eligible (subject, origin, horizon) whose window ends within the data, with its answer.

    Returns:
        ``class, subject, origin, horizon, end, answer`` (answer only if ``answers``).
    """
    cols = ["class", "subject", "origin", "horizon", "end"]
    org = pd.DatetimeIndex(sorted(set(pd.DatetimeIndex(list(origins))))) if len(origins) else pd.DatetimeIndex([])
    org = org[org >= data.start]
    n = len(data.subjects)
    limit = data.end + pd.Timedelta(days=1)
    if n == 0 or len(org) == 0:
        return pd.DataFrame({c: [] for c in [*cols, *(["answer"] if answers else [])]})
    o_days = day_number(org)
    subj_grid = np.repeat(np.arange(n, dtype=np.int64)[None, :], len(org), axis=0).ravel()
    day_grid = np.repeat(o_days, n)
    org_pos = np.repeat(np.arange(len(org)), n)
    ok = data.eligible(subj_grid, day_grid)
    parts = []
    for h in horizons:
        ends = shift_months(org, int(h))
        valid = np.asarray(ends <= limit)
        keep = ok & valid[org_pos]
        if not keep.any():
            continue
        parts.append((subj_grid[keep], org_pos[keep], int(h), day_number(ends)[org_pos[keep]], ends))
    if not parts:
        return pd.DataFrame({c: [] for c in [*cols, *(["answer"] if answers else [])]})
    subj = np.concatenate([p[0] for p in parts])
    pos = np.concatenate([p[1] for p in parts])
    e_days = np.concatenate([p[3] for p in parts])
    frame = pd.DataFrame(
        {
            "class": data.name,
            "subject": np.asarray(data.subjects, dtype=object)[subj],
            "origin": org.to_numpy()[pos],
            "horizon": np.concatenate([np.full(len(p[0]), p[2]) for p in parts]).astype(np.int64),
            "end": np.concatenate([p[4].to_numpy()[p[1]] for p in parts]),
        }
    )
    if answers:
        frame["answer"] = data.count("event", subj, o_days[pos], e_days) > 0
    return frame


@dataclass
class History:
    """All a forecaster may know when it forecasts at ``origin``: the class's data dated before it.

    Attributes:
        data: The class's occurrences, cut strictly before ``origin``.
        origin: The forecast's origin.
        covariates: Yearly dyad and country covariates; looked up only for years that ended before ``origin``.
    """

    data: ClassData
    origin: pd.Timestamp
    covariates: Covariates | None = None
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def at(cls, data: ClassData, origin: pd.Timestamp, covariates: Covariates | None = None) -> History:
        """The history of ``data`` as of ``origin`` (occurrences on or after it removed)."""
        return cls(data=data.before(pd.Timestamp(origin)), origin=pd.Timestamp(origin), covariates=covariates)

    def before(self, day: pd.Timestamp) -> History:
        """The same history as of an earlier day."""
        day = pd.Timestamp(day)
        if day > self.origin:
            raise ValueError(f"history as of {self.origin.date()} cannot look ahead to {day.date()}")
        return History.at(self.data, day, self.covariates)

    @property
    def name(self) -> str:
        """The question class."""
        return self.data.name

    def feature_names(self) -> list[str]:
        """Names of the columns :meth:`features` returns."""
        names = ["horizon", *(f"n_{d}d" for d in LAGS_DAYS), "rate", "log_days_since", "never", "persist"]
        for kind in self.data.kinds:
            names += [f"{kind}_{d}d" for d in LAGS_DAYS[:2]]
        if self.covariates is not None:
            names += list(self.covariates.names)
        return names

    def features(self, questions: pd.DataFrame) -> np.ndarray:
        """Feature matrix of questions whose origins are on or before this history's origin.

        Every column counts only occurrences dated before the row's own origin. The matrix of the
        questions asked at this origin is cached, so every forecaster shares it.
        """
        key = f"features:{id(questions)}:{len(questions)}"
        if key in self._cache:
            return self._cache[key]  # type: ignore[return-value]
        out = self._features(questions)
        if len(questions) and questions["origin"].iloc[0] == self.origin:
            self._cache[key] = out
        return out

    def _features(self, questions: pd.DataFrame) -> np.ndarray:
        origin = pd.to_datetime(questions["origin"])
        if len(origin) and origin.max() > self.origin:
            raise ValueError("a question's origin lies after the history's origin")
        d = self.data
        subj = questions["subject"].map(d.subject_index).to_numpy().astype(np.int64)
        o = day_number(origin)
        h = questions["horizon"].to_numpy().astype(np.int64)
        cols: list[np.ndarray] = [h.astype(float)]
        for lag in LAGS_DAYS:
            cols.append(np.log1p(d.count("event", subj, o - lag, o)))
        start = day_of(d.start)
        years = np.maximum((o - start) / 365.25, 0.25)
        total = d.count("event", subj, np.full(len(o), -(1 << 40)), o)
        cols.append(np.log1p(total / years))
        last = d.last_before("event", subj, o)
        first = d.last_before("start", subj, o)
        ref = np.where(last >= 0, last, np.where(first >= 0, first, start))
        cols.append(np.log1p(np.maximum(o - ref, 0)))
        cols.append((last < 0).astype(float))
        window = np.round(h * 30.44).astype(np.int64)
        cols.append((d.count("event", subj, o - window, o) > 0).astype(float))
        for kind in d.kinds:
            for lag in LAGS_DAYS[:2]:
                cols.append(np.log1p(d.count(kind, subj, o - lag, o)))
        out = np.column_stack(cols)
        if self.covariates is not None:
            years_known = origin.dt.year.to_numpy() - 1  # yearly tables are dated 31 December
            cov = self.covariates.lookup(questions["subject"].to_numpy(), years_known)
            out = np.hstack([out, cov])
        return out

    def past_questions(self, horizons: Sequence[int] | None = None) -> pd.DataFrame:
        """Resolved past questions: grid origins in the lookback whose windows closed by this origin.

        Answers come from occurrences before this origin only. The grid steps back from the origin by the
        class's step, so it is the same for every forecaster at this origin.
        """
        key = f"past:{tuple(horizons) if horizons else ''}"
        if key in self._cache:
            cached: pd.DataFrame = self._cache[key]
            return cached
        d = self.data
        hs = tuple(horizons or d.horizons)
        earliest = max(add_months(d.start, WARMUP_MONTHS), add_months(self.origin, -12 * LOOKBACK_YEARS))
        origins = []
        k = 1
        while True:
            o = add_months(self.origin, -k * d.step)
            if o < earliest:
                break
            origins.append(o)
            k += 1
        # A past window must close by the origin; answers then use only occurrences before it.
        resolved = d.derive(end=self.origin - pd.Timedelta(days=1))
        frame = make_questions(resolved, origins[::-1], hs)
        self._cache[key] = frame
        return frame

    def training(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Past questions with their features and answers (cached for every forecaster at this origin)."""
        if "training" not in self._cache:
            past = self.past_questions()
            if len(past):
                memo = self.data.memo
                parts = []
                for (o, h), idx in past.groupby(["origin", "horizon"], sort=False).indices.items():
                    key = (pd.Timestamp(o), int(h))
                    x_part = memo.get(key)
                    if x_part is None or len(x_part) != len(idx):
                        x_part = self.features(past.iloc[idx])
                        memo[key] = x_part
                    parts.append((idx, x_part))
                x = np.empty((len(past), parts[0][1].shape[1]))
                for idx, x_part in parts:
                    x[idx] = x_part
            else:
                x = np.zeros((0, len(self.feature_names())))
            y = past["answer"].to_numpy().astype(bool) if len(past) else np.zeros(0, dtype=bool)
            self._cache["training"] = (past, x, y)
        return self._cache["training"]  # type: ignore[return-value]
