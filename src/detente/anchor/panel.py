"""Monthly subject panels: dated occurrences turned into subject × month matrices and hazard features.

Time is counted in months (``year * 12 + month - 1``). A subject-month has an event when at least one
occurrence of the class is dated in it (the discrete-time hazard of Allison 1982 counts the first event of
a month; several in one month are one). Features of month ``t`` use only months before ``t``: the crisis
state of month ``t - 1``, the months since the subject's last event month (capped), and the number of
event months among the last 3 and the last 12 (self-excitation; Beck, Katz & Tucker 1998).

References:
    - Allison (1982). Discrete-time methods for the analysis of event histories. Sociological Methodology 13.
    - Beck, Katz & Tucker (1998). Taking time seriously. AJPS 42(4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the backtest package is not loaded on the simulate path, only for a fit
    from detente.backtest.harness import ClassData

MS_CAP = 120
"""Months since the last event are capped at 10 years (also the value of a subject never seen)."""
LAGS = (3, 12)
"""Self-excitation windows: event months among the last 3 and the last 12."""
FEATURES = ("const", "z", "z_missing", "log_months_since", "recent_3", "recent_12")
"""Every feature a backbone may use, in this order (a fit keeps the columns its data identify)."""


def month_of(day: pd.Timestamp | str) -> int:
    """Month number of a day (``year * 12 + month - 1``)."""
    ts = pd.Timestamp(day)
    return ts.year * 12 + ts.month - 1


def month_start(month: int) -> pd.Timestamp:
    """First day of a month number."""
    return pd.Timestamp(year=month // 12, month=month % 12 + 1, day=1)


def months_of(dates: pd.Series) -> np.ndarray:
    """Month numbers of a date column."""
    d = pd.to_datetime(dates)
    return (d.dt.year.to_numpy() * 12 + d.dt.month.to_numpy() - 1).astype(np.int64)


@dataclass(frozen=True)
class Panel:
    """Subject × month matrices over months ``m0 … m1 - 1``.

    Attributes:
        subjects: Row labels.
        m0: First month of the panel.
        m1: One past the last month (the first month not covered: the cut).
        y: Event months (bool, subjects × months).
        risk: Months a subject is at risk (episodes that may end: from start to end).
        z: Crisis state of each month (standardised), NaN where unknown; None when the class has no state.
        reset: Months an episode starts (the clock of time since restarts there); None for other classes.
    """

    subjects: tuple[str, ...]
    m0: int
    m1: int
    y: np.ndarray
    risk: np.ndarray
    z: np.ndarray | None = None
    reset: np.ndarray | None = None

    @property
    def months(self) -> int:
        """Number of months."""
        return self.m1 - self.m0

    def with_state(self, z: np.ndarray | None) -> Panel:
        """The same panel with a state matrix."""
        return Panel(self.subjects, self.m0, self.m1, self.y, self.risk, z, self.reset)


def build_panel(data: ClassData, m0: int, m1: int, kind: str = "event") -> Panel:
    """Event and risk matrices of a class's occurrences over months ``m0 … m1 - 1``.

    Occurrences dated in or after month ``m1`` are ignored (the caller passes data cut before the
    as-of date; the month of the cut is never part of the panel).
    """
    subjects = tuple(data.subjects)
    index = data.subject_index
    t = m1 - m0
    y = np.zeros((len(subjects), t), dtype=bool)
    occ = data.occurrences
    ev = occ[occ["kind"] == kind]
    if len(ev):
        rows = ev["subject"].map(index)
        ok = rows.notna().to_numpy()
        m = months_of(ev["date"])[ok] - m0
        r = rows.to_numpy()[ok].astype(np.int64)
        keep = (m >= 0) & (m < t)
        y[r[keep], m[keep]] = True
    reset = None
    if data.eligibility == "open":
        risk = np.zeros_like(y)
        reset = np.zeros_like(y)
        st = occ[occ["kind"] == "start"]
        starts = dict.fromkeys(subjects, None)
        for s, d in zip(st["subject"], st["date"], strict=True):
            if s in starts and starts[s] is None:
                starts[s] = month_of(d)
        for i, s in enumerate(subjects):
            begin = starts[s]
            if begin is None:
                continue
            if 0 <= begin - m0 < t:
                reset[i, begin - m0] = True
            hit = np.flatnonzero(y[i, max(begin - m0, 0):]) + max(begin - m0, 0)
            end = int(hit[0]) if hit.size else t - 1
            risk[i, max(begin - m0, 0): end + 1] = True
    else:
        risk = np.ones_like(y)
    return Panel(subjects, m0, m1, y, risk, None, reset)


def clock(y: np.ndarray, reset: np.ndarray | None) -> np.ndarray:
    """Months that restart the clock of time since: event months, and the month before an episode starts."""
    if reset is None:
        return y
    early = np.concatenate([reset[:, 1:], np.zeros((reset.shape[0], 1), dtype=bool)], axis=1)
    return y | early


def dynamic_features(y: np.ndarray, reset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months since the last event month (capped) and event months among the last 3 and 12, per month.

    Every value for month ``t`` uses months before ``t`` only. A subject without an earlier event
    month in the panel gets :data:`MS_CAP`. For episodes (``reset``), time since counts from the start:
    1 in the start month.
    """
    s, t = y.shape
    idx = np.arange(t)
    last = np.where(clock(y, reset), idx[None, :], -1)
    last = np.maximum.accumulate(last, axis=1)
    prev = np.concatenate([np.full((s, 1), -1), last[:, :-1]], axis=1)
    since = np.where(prev >= 0, idx[None, :] - prev, MS_CAP)
    since = np.minimum(since, MS_CAP)
    c = np.concatenate([np.zeros((s, 1), dtype=np.int64), np.cumsum(y, axis=1)], axis=1)
    out = []
    for lag in LAGS:
        lo = np.maximum(idx - lag, 0)
        out.append(c[:, idx] - c[:, lo])
    return since, out[0], out[1]


def design(panel: Panel, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows (all of :data:`FEATURES`), outcomes and subject index of the at-risk months in [lo, hi).

    ``lo``/``hi`` are month numbers inside the panel. The state feature is the state of the month
    before (0 with ``z_missing`` = 1 where unknown).
    """
    since, r3, r12 = dynamic_features(panel.y, panel.reset)
    a, b = max(lo - panel.m0, 0), min(hi - panel.m0, panel.months)
    s = len(panel.subjects)
    if panel.z is not None:
        zl = np.concatenate([np.full((s, 1), np.nan), panel.z[:, :-1]], axis=1)
    else:
        zl = np.full((s, panel.months), np.nan)
    sel = panel.risk[:, a:b]
    rows, cols = np.nonzero(sel)
    cols = cols + a
    z = zl[rows, cols]
    miss = np.isnan(z)
    x = np.column_stack(
        [
            np.ones(len(rows)),
            np.where(miss, 0.0, z),
            miss.astype(float),
            np.log1p(since[rows, cols]),
            r3[rows, cols].astype(float),
            r12[rows, cols].astype(float),
        ]
    )
    return x, panel.y[rows, cols], rows


__all__ = ["FEATURES", "LAGS", "MS_CAP", "Panel", "build_panel", "clock", "design", "dynamic_features", "month_of", "month_start", "months_of"]
