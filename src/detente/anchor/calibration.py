"""Per-as-of calibrations: every reference class and crisis state a scenario needs, fitted on earlier data.

``fit_calibration(as_of, refs, dyads)`` fits the states of the dyads (:mod:`detente.anchor.state`) and a
backbone per reference (:mod:`detente.anchor.backbone`) with data dated before ``as_of`` only, records
every source read (rows, first and last date) and saves as JSON (derived numbers only, never data rows).
It also fits E08's test-rate trend once (:func:`detente.calibrate.trend.prk_test_trend`, the fit both
engines use), so that compiling a scenario reads no data. ``Calibration.check(as_of)`` is the
compile-time check: it refuses a calibration made for another date or one that read a row dated on or
after the as-of date (the trend's rows included).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from detente.anchor.backbone import (
    Backbone,
    ClassDraws,
    Dynamic,
    features_now,
    fit_backbone,
    start_dynamic,
)
from detente.anchor.panel import MS_CAP, build_panel, month_of
from detente.anchor.refclass import RefData, Reference, reference_data
from detente.anchor.state import StateFit, dyad_key, fit_states, hostility_table, parse_dyad
from detente.calibrate.trend import TrendFit, prk_test_trend
from detente.errors import DetenteError, InputError

LOOKBACK_MONTHS = 240
"""A class is fitted on the 20 years before the as-of date (less where its source is shorter)."""
FORMAT = "detente-anchor-calibration/1"


class CalibrationError(DetenteError):
    """A calibration that does not belong to the scenario's as-of date, or read data from on or after it."""


def _day(text: str | None) -> pd.Timestamp | None:
    """A source's last date: a day, or a month (``YYYY-MM``) read as its last day."""
    if not text:
        return None
    ts = pd.Timestamp(text)
    return ts + pd.offsets.MonthEnd(0) if len(str(text)) == 7 else ts


@dataclass
class ClassFit:
    """One reference class fitted for one subject (``cal.classes[f"{ref}|{subject}"]``).

    Attributes:
        ref, subject, description: What counts, for whom.
        sources: Rows read per source with their first and last dates.
        window: First and last month of the fitting window (``YYYY-MM``).
        n_events, n_subject_months: Event months and at-risk subject-months of the pool in the window.
        base_rate: Pooled monthly rate in the window; ``subject_rate`` the subject's own (None: not at risk).
        state: Dyad key of the crisis state the hazard reads (None: no state).
        backbone: Coefficients, their covariance and the subject multipliers.
        row: The subject's row in the backbone's pool (None: never seen; its multiplier is Gamma(k, k)).
        months_since, recent: The subject's dynamic history at the as-of date.
        note: What the fit had to assume (a source that ends before the as-of date).
    """

    ref: str
    subject: str
    description: str
    sources: dict[str, dict[str, Any]]
    window: tuple[str, str]
    n_events: int
    n_subject_months: int
    base_rate: float
    subject_rate: float | None
    state: str | None
    backbone: Backbone
    row: int | None
    months_since: int
    recent: list[bool] = field(default_factory=list)
    note: str = ""

    def draw(self, rng: np.random.Generator, n: int) -> ClassDraws:
        """Coefficients and the subject's log multiplier for n runs."""
        beta = self.backbone.draw_beta(rng, n)
        log_m = self.backbone.draw_log_m(rng, np.array([-1 if self.row is None else self.row]), n)[0]
        return ClassDraws(beta=beta, log_m=log_m)

    def hazard(self, d: ClassDraws, z: np.ndarray | float, dyn: Dynamic, lever: np.ndarray | float = 0.0) -> np.ndarray:
        """Monthly probability per run: ``expit(x' beta + log m + lever)``."""
        x = features_now(self.backbone.names, z, dyn)
        n = max(x.shape[0], d.beta.shape[0])
        x = np.broadcast_to(x, (n, x.shape[1]))
        eta = np.einsum("ij,ij->i", x, np.broadcast_to(d.beta, (n, d.beta.shape[1]))) + d.log_m + np.asarray(lever, dtype=float)
        return np.asarray(expit(eta), dtype=float)

    def start(self, n: int = 1) -> Dynamic:
        """The subject's dynamic history at the as-of date, for n runs."""
        rec = np.asarray(self.recent, dtype=bool)[None, :]
        return Dynamic(np.full(n, self.months_since), np.repeat(rec, n, axis=0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "ref": self.ref, "subject": self.subject, "description": self.description, "sources": self.sources,
            "window": list(self.window), "n_events": self.n_events, "n_subject_months": self.n_subject_months,
            "base_rate": self.base_rate, "subject_rate": self.subject_rate, "state": self.state,
            "backbone": self._slim_backbone(), "row": None if self.row is None else 0, "months_since": self.months_since,
            "recent": [bool(r) for r in self.recent], "note": self.note,
        }

    def _slim_backbone(self) -> dict[str, Any]:
        """The backbone with the subject's own counts only (the pool's per-subject counts are not needed)."""
        d = self.backbone.to_dict()
        keep = [] if self.row is None else [self.row]
        for name in ("subjects", "observed", "expected"):
            d[name] = [d[name][i] for i in keep]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassFit:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        d["window"] = tuple(d["window"])
        d["backbone"] = Backbone.from_dict(d["backbone"])
        return cls(**d)


@dataclass
class Calibration:
    """Every fitted class and state for one as-of date.

    Attributes:
        as_of: The date; nothing dated on or after it was read.
        classes: Fits by ``ref|subject``.
        states: State fits by dyad key (``PRK-USA``).
        sources: Every source read: rows, first and last date (the widest over the fits).
        seed: Seed of the fit (the fits are deterministic; kept for the record).
        test_trend: E08's test-rate trend fitted before ``as_of`` (None: a calibration written before the
            field existed; compiling a scenario whose build-up needs it then asks for a refit).
    """

    as_of: dt.date
    classes: dict[str, ClassFit]
    states: dict[str, StateFit]
    sources: dict[str, dict[str, Any]]
    seed: int = 0
    test_trend: TrendFit | None = None

    def check(self, as_of: dt.date | str) -> None:
        """Refuse a calibration for another date, or one that read a row dated on or after ``as_of``.

        Raises:
            CalibrationError: the dates differ, or a source's last row is on or after ``as_of``.
        """
        day = pd.Timestamp(as_of).date()
        fix = "refit it: detente calibrate SCENARIO"
        if self.as_of != day:
            raise CalibrationError(f"calibration: as_of: {self.as_of} is not the scenario's as-of date {day} (fix: {fix})")
        every = [("", self.sources)] + [(f"classes[{k}].", c.sources) for k, c in self.classes.items()]
        if self.test_trend is not None:
            if self.test_trend.as_of != day:
                raise CalibrationError(
                    f"calibration: test_trend.as_of: {self.test_trend.as_of} is not the scenario's as-of date {day} (fix: {fix})"
                )
            every.append(("test_trend.", self.test_trend.sources))
        for where, sources in every:
            for name, s in sources.items():
                last = _day(s.get("last"))
                if last is not None and last >= pd.Timestamp(day):
                    raise CalibrationError(
                        f"calibration: {where}sources.{name}: a row dated {s['last']} is on or after the as-of date {day} (fix: {fix})"
                    )

    def to_dict(self) -> dict[str, Any]:
        """The JSON document."""
        return {
            "format": FORMAT, "as_of": self.as_of.isoformat(), "seed": self.seed, "sources": self.sources,
            "states": {k: v.to_dict() for k, v in self.states.items()},
            "classes": {k: v.to_dict() for k, v in self.classes.items()},
            "test_trend": None if self.test_trend is None else self.test_trend.to_dict(),
        }

    def save(self, path: str | Path) -> None:
        """Write the JSON document."""
        try:
            Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", "utf-8")
        except OSError as exc:
            raise InputError(f"{path}: cannot write the calibration ({exc.strerror}) (fix: give a writable path)") from None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        """Inverse of :meth:`to_dict`."""
        return cls(
            as_of=dt.date.fromisoformat(d["as_of"]),
            classes={k: ClassFit.from_dict(v) for k, v in d["classes"].items()},
            states={k: StateFit.from_dict(v) for k, v in d["states"].items()},
            sources=d["sources"], seed=int(d.get("seed", 0)),
            test_trend=TrendFit.from_dict(d["test_trend"]) if d.get("test_trend") is not None else None,
        )


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration JSON.

    Raises:
        CalibrationError: the file is missing, not JSON, or not a calibration.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise CalibrationError(f"{p}: no such calibration (fix: write it with detente calibrate SCENARIO --out {p})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, OSError) as exc:
        raise CalibrationError(f"{p}: not a calibration JSON ({type(exc).__name__}) (fix: refit it with detente calibrate SCENARIO)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CalibrationError(f"{p}: format: not a {FORMAT} document (fix: refit it with detente calibrate SCENARIO)")
    try:
        return Calibration.from_dict(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise CalibrationError(f"{p}: {exc} is missing or malformed (fix: refit it with detente calibrate SCENARIO)") from None


def _merge(into: dict[str, dict[str, Any]], more: dict[str, dict[str, Any]]) -> None:
    for name, s in more.items():
        if name not in into:
            into[name] = dict(s)
            continue
        cur = into[name]
        cur["rows"] = max(int(cur.get("rows") or 0), int(s.get("rows") or 0))
        firsts = [x for x in (cur.get("first"), s.get("first")) if x]
        lasts = [x for x in (cur.get("last"), s.get("last")) if x]
        cur["first"] = min(firsts) if firsts else None
        cur["last"] = max(lasts) if lasts else None


def state_matrix(subjects: tuple[str, ...], dyads: list[str | None], raw: pd.DataFrame, centre: float, scale: float, m0: int, m1: int) -> np.ndarray | None:
    """Standardised state per subject and month (NaN where the index does not cover the month)."""
    if not any(d is not None and d in raw.columns for d in dyads):
        return None
    z = np.full((len(subjects), m1 - m0), np.nan)
    months = raw.index.to_numpy()
    inside = (months >= m0) & (months < m1)
    for i, d in enumerate(dyads):
        if d is not None and d in raw.columns:
            z[i, months[inside] - m0] = (raw[d].to_numpy()[inside] - centre) / scale
    return z


def _subject_dyad(subject: str) -> str | None:
    pair = parse_dyad(subject)
    return dyad_key(*pair) if pair else None


def fit_class(rd: RefData, ref: Reference, as_of: pd.Timestamp, raw: pd.DataFrame, centre: float, scale: float) -> ClassFit:
    """Fit one reference's backbone on the months before the as-of month."""
    cd = rd.data
    # Months after the source's last day are unobserved, not quiet: the panel stops there and the
    # subject's dynamic history at the as-of date is the one at the source's end (stated in ``note``).
    m1 = min(month_of(as_of), month_of(cd.end + pd.Timedelta(days=1)))
    lo = max(month_of(cd.start), m1 - LOOKBACK_MONTHS)
    m0 = max(month_of(cd.start), lo - MS_CAP)
    panel = build_panel(cd, m0, m1)
    state = ref.state_dyad() if ref.state else _subject_dyad(rd.subject)
    dyads = [_subject_dyad(s) if _subject_dyad(s) else (state if s == rd.subject else None) for s in cd.subjects]
    panel = panel.with_state(state_matrix(cd.subjects, dyads, raw, centre, scale, m0, m1))
    bb = fit_backbone(panel, lo, m1)
    row = cd.subject_index.get(rd.subject)
    at_risk = panel.risk[row, lo - m0:].sum() if row is not None else 0
    dyn = start_dynamic(panel, row)
    if row is not None and bb.observed[row] == 0 and at_risk == 0:
        row_fit: int | None = None
    else:
        row_fit = row
    note = ""
    if m1 < month_of(as_of):
        note = f"the source ends {cd.end.date()}: rates and the recent history are those of its last months"
    return ClassFit(
        ref=ref.ref, subject=ref.subject, description=rd.description, sources=rd.sources, note=note,
        window=(f"{lo // 12:04d}-{lo % 12 + 1:02d}", f"{(m1 - 1) // 12:04d}-{(m1 - 1) % 12 + 1:02d}"),
        n_events=bb.n_events, n_subject_months=bb.n_rows, base_rate=bb.base_rate,
        subject_rate=(float(bb.observed[row] / at_risk) if row is not None and at_risk else None),
        state=state if "z" in bb.names else None, backbone=bb, row=row_fit,
        months_since=int(dyn.months_since[0]), recent=[bool(v) for v in dyn.recent[0]],
    )


def fit_calibration(
    as_of: dt.date | str,
    refs: list[Reference],
    dyads: list[str],
    data: str | Path | None = None,
    seed: int = 0,
    progress: Any = None,
) -> Calibration:
    """Fit the states of ``dyads`` (and of every reference's state dyad), every reference's backbone and E08's trend.

    Args:
        as_of: Nothing dated on or after this day is used.
        refs: The references (class and subject) to fit.
        dyads: Dyads whose crisis state is wanted (``PRK-USA``).
        data: The data directory.
        seed: Recorded; the fits themselves are deterministic.
        progress: Called with one string per fitted piece.

    Raises:
        InputError: a malformed reference; DataMissingError: a source is not in the data directory.
    """
    from detente.backtest.classes import Inputs

    day = pd.Timestamp(as_of).normalize()
    wanted = list(dict.fromkeys([*dyads, *(r.state_dyad() for r in refs if r.state_dyad())]))
    states, sources = fit_states([d for d in wanted if d], day, data)
    any_state = next(iter(states.values()), None)
    raw, _ = hostility_table(data, day)
    if any_state is not None:
        centre, scale = any_state.centre, any_state.scale
    else:
        centre, scale = float(raw.to_numpy().mean()), float(raw.to_numpy().std()) or 1.0
    inputs = Inputs(data=data)
    classes: dict[str, ClassFit] = {}
    merged: dict[str, dict[str, Any]] = {}
    _merge(merged, sources)
    for ref in refs:
        if ref.key in classes:
            continue
        rd = reference_data(ref, day, data, inputs)
        classes[ref.key] = fit_class(rd, ref, day, raw, centre, scale)
        _merge(merged, rd.sources)
        if progress is not None:
            progress(ref.key)
    trend = prk_test_trend(day.date(), data)
    _merge(merged, trend.sources)
    return Calibration(as_of=day.date(), classes=classes, states=states, sources=merged, seed=seed, test_trend=trend)


__all__ = ["FORMAT", "LOOKBACK_MONTHS", "Calibration", "CalibrationError", "ClassFit", "fit_calibration", "fit_class", "load_calibration", "state_matrix"]
