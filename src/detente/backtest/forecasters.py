"""Forecasters: a small protocol and the baselines every forecast must beat.

A forecaster gets a :class:`~detente.backtest.harness.History` (everything known before the origin) and
the questions at that origin (``subject, origin, horizon``; never the answer) and returns one probability
per question. It may fit on ``history.training()`` (past questions whose windows closed by the origin)
and must not keep state that depends on the order origins come in, except caches keyed by what they
were fitted on. An engine forecaster (issue 11) plugs in the same way: build a scenario from the history
and return its simulated probabilities.

References:
    - Jeffreys prior for a binomial rate: Brown, Cai & DasGupta (2001). Statistical Science 16(2).
    - Empirical-Bayes beta-binomial pooling: Efron & Morris (1975); method of moments as in
      Kleinman (1973).
    - Kaplan & Meier (1958). JASA 53(282).
    - Pedregosa et al. (2011). scikit-learn; Ke et al. (2017) / sklearn HistGradientBoostingClassifier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from detente.backtest.harness import SHIFT, History, day_number, day_of, shift_months
from detente.errors import InputError

_THREADS: list[ThreadpoolController] = []


def _one_thread() -> object:
    """A context that runs scikit-learn's OpenMP/BLAS code on one thread.

    Small fits: threads cost more than they save, above all on a shared machine.
    """
    if not _THREADS:
        _THREADS.append(ThreadpoolController())
    return _THREADS[0].limit(limits=1)


MAX_TRAIN = 10_000
"""Learned models fit on at most this many past questions (a seeded sample)."""


@runtime_checkable
class Forecaster(Protocol):
    """Anything with a ``name`` and ``forecast(history, questions) -> probabilities``."""

    name: str

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """One probability per question (all questions share ``history.origin``)."""
        ...


def _jeffreys(k: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    return (np.asarray(k, dtype=float) + 0.5) / (np.asarray(n, dtype=float) + 1.0)


class Climatology:
    """The class's base rate before the origin.

    The share of resolved past questions, per horizon, that came true (Jeffreys-smoothed:
    (k + ½)/(n + 1); ½ with no past questions).
    """

    name = "climatology"

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """Base rate per horizon."""
        past = history.past_questions()
        qh = questions["horizon"].to_numpy()
        out = np.full(len(questions), 0.5)
        if past.empty:
            return out
        ph = past["horizon"].to_numpy()
        y = past["answer"].to_numpy()
        for h in np.unique(qh):
            m = ph == h
            out[qh == h] = _jeffreys(y[m].sum(), m.sum())
        return out


class SubjectRate:
    """The subject's own past rate, pooled toward the class rate (empirical Bayes).

    Per horizon, a beta prior Beta(a, b) is fitted to the subjects' past rates by the method of moments
    (mean m = class rate, between-subject variance v beyond binomial noise; a + b = m(1 − m)/v − 1,
    floored at 1 when subjects do not differ). Each subject's forecast is the posterior mean
    (k + a)/(n + a + b). With no past questions it is the Jeffreys ½.
    """

    name = "subject-rate"

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """Posterior mean per subject and horizon."""
        past = history.past_questions()
        out = np.full(len(questions), 0.5)
        if past.empty:
            return out
        index = history.data.subject_index
        ns = len(index)
        ps = past["subject"].map(index).to_numpy().astype(np.int64)
        qs = questions["subject"].map(index).to_numpy().astype(np.int64)
        ph = past["horizon"].to_numpy()
        qh = questions["horizon"].to_numpy()
        y = past["answer"].to_numpy().astype(float)
        for h in np.unique(qh):
            m = ph == h
            if not m.any():
                continue
            k = np.bincount(ps[m], weights=y[m], minlength=ns)
            n = np.bincount(ps[m], minlength=ns).astype(float)
            seen = n > 0
            mean = float(_jeffreys(k.sum(), n.sum()))
            rate = k[seen] / n[seen]
            v = float(rate.var()) - mean * (1 - mean) / max(float(n[seen].mean()), 1.0)
            strength = max(mean * (1 - mean) / v - 1 if v > 1e-12 else 1e6, 1.0)
            a, b = mean * strength, (1 - mean) * strength
            sel = qh == h
            out[sel] = (k[qs[sel]] + a) / (n[qs[sel]] + a + b)
        return out


class Persistence:
    """Persistence: did it happen in the last H months?

    The forecast is the past frequency of the event given that indicator (per horizon,
    Jeffreys-smoothed): persistence made into a probability.
    """

    name = "persistence"

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """Conditional base rate given recent occurrence."""
        names = history.feature_names()
        j = names.index("persist")
        past, x, y = history.training()
        xq = history.features(questions)[:, j]
        out = np.full(len(questions), 0.5)
        if past.empty:
            return out
        ph = past["horizon"].to_numpy()
        qh = questions["horizon"].to_numpy()
        for h in np.unique(qh):
            for flag in (0.0, 1.0):
                m = (ph == h) & (x[:, j] == flag)
                sel = (qh == h) & (xq == flag)
                out[sel] = _jeffreys(y[m].sum(), m.sum())
        return out


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier survival: event times and S just after each (product-limit estimator)."""
    order = np.argsort(durations, kind="stable")
    t = durations[order]
    e = observed[order].astype(bool)
    times, first = np.unique(t, return_index=True)
    n = len(t)
    at_risk = n - first
    deaths = np.add.reduceat(e.astype(np.int64), first) if n else np.zeros(0, dtype=np.int64)
    surv = np.cumprod(1.0 - deaths / at_risk)
    keep = deaths > 0
    return times[keep], surv[keep]


def survival_at(times: np.ndarray, surv: np.ndarray, t: np.ndarray) -> np.ndarray:
    """S(t) of a Kaplan–Meier curve (1 before the first event time; 1 throughout with no event)."""
    if len(times) == 0:
        return np.ones(len(t))
    pos = np.searchsorted(times, t, side="right") - 1
    return np.where(pos >= 0, surv[np.clip(pos, 0, None)], 1.0)


class TimeSince:
    """Kaplan–Meier per class on the waiting times between a subject's events.

    Spells run from the data's start (or an episode's start) to the first event, from each event to the
    next, and from the last event to the origin (censored), pooled over the class's subjects. With t the
    time since the subject's last event, P(event within H) = 1 − S(t + H)/S(t), kept above
    1 − exp(−½H/T) for total exposure T (half an event: the curve says nothing beyond its last time)
    and below 1 − ½/(n + 1) for n spells.
    """

    name = "time-since"

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """Conditional survival from the time since the last event."""
        d = history.data
        origin = day_of(history.origin)
        start = day_of(d.start)
        mask = SHIFT - 1
        n_subj = len(d.subjects)
        ev = d.keys["event"]
        es, ed = ev >> 20, ev & mask
        if d.eligibility == "open":
            st = d.keys["start"]
            ss, sd = st >> 20, st & mask
            begin = np.full(n_subj, -1, dtype=np.int64)
            begin[ss] = sd
            first_end = np.full(n_subj, -1, dtype=np.int64)
            first_end[es[::-1]] = ed[::-1]  # the earliest end of each subject wins
            seen = begin >= 0
            ended = seen & (first_end >= 0)
            dur = np.where(ended, first_end - begin, origin - begin)[seen]
            obs = ended[seen]
        else:
            ok = ed >= start
            es, ed = es[ok], ed[ok]
            same = np.r_[False, es[1:] == es[:-1]]
            prev = np.r_[start, ed[:-1]]
            gaps = ed - np.where(same, prev, start)
            last = np.full(n_subj, start, dtype=np.int64)
            last[es] = ed  # keys are sorted by subject then day: the last write is the latest event
            dur = np.concatenate([gaps, origin - last])
            obs = np.concatenate([np.ones(len(gaps), dtype=bool), np.zeros(n_subj, dtype=bool)])
        dur = np.maximum(dur, 0).astype(float)
        times, surv = kaplan_meier(dur, obs)
        subj = questions["subject"].map(d.subject_index).to_numpy().astype(np.int64)
        o = day_number(questions["origin"])
        last_ev = d.last_before("event", subj, o)
        first = d.last_before("start", subj, o)
        ref = np.where(last_ev >= 0, last_ev, np.where(first >= 0, first, start))
        t = (o - ref).astype(float)
        hs = questions["horizon"].to_numpy().astype(np.int64)
        hd = {int(h): day_of(shift_months(pd.DatetimeIndex([history.origin]), int(h))[0]) - origin for h in np.unique(hs)}
        hdays = np.array([hd[int(h)] for h in hs], dtype=float)
        s0 = survival_at(times, surv, t)
        s1 = survival_at(times, surv, t + hdays)
        p = np.where(s0 > 0, 1.0 - s1 / np.where(s0 > 0, s0, 1.0), 1.0)
        # Beyond its data the curve says nothing (it is flat after its last event time): keep p above
        # what half an event in the class's whole exposure would give over the horizon (the Jeffreys
        # rate of a Poisson count of zero), and below 1 − ½/(spells + 1). The class's own pooled rate
        # would be a poor floor: busy subjects would lift every quiet one.
        rate = 0.5 / max(float(dur.sum()), 1.0)
        floor = 1.0 - np.exp(-rate * hdays)
        ceiling = 1.0 - 0.5 / (len(dur) + 1.0)
        return np.clip(p, np.minimum(floor, ceiling), ceiling)


class _Learned:
    """A scikit-learn classifier on the history features, refitted each 1 January.

    The model for an origin O is fitted on the past questions resolved by 1 January of O's year (a
    seeded sample of at most :data:`MAX_TRAIN`), so refitting yearly never lets it see data from on or
    after O. With only one kind of answer in the past it falls back to that share (Jeffreys).
    """

    name = "learned"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._models: dict[tuple[str, pd.Timestamp], object] = {}

    def _make(self) -> object:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fit(self, history: History) -> tuple[object | None, float]:
        refit = pd.Timestamp(year=history.origin.year, month=1, day=1)
        key = (history.name, refit)
        if key in self._models:
            return self._models[key]  # type: ignore[return-value]
        hist = history if refit == history.origin else history.before(refit)
        past, x, y = hist.training()
        fallback = float(_jeffreys(y.sum(), len(y)))
        model: object | None = None
        if len(y) and 0 < y.sum() < len(y):
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, refit.year, sum(map(ord, history.name))]))
            if len(y) > MAX_TRAIN:
                pick = rng.choice(len(y), MAX_TRAIN, replace=False)
                x, y = x[pick], y[pick]
            if 0 < y.sum() < len(y):
                model = self._make()
                with _one_thread():  # type: ignore[attr-defined]
                    model.fit(x, y)  # type: ignore[attr-defined]
        self._models[key] = (model, fallback)
        return model, fallback

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """The fitted model's probability of the positive class."""
        model, fallback = self._fit(history)
        if model is None:
            return np.full(len(questions), fallback)
        with _one_thread():  # type: ignore[attr-defined]
            p = model.predict_proba(history.features(questions))[:, 1]  # type: ignore[attr-defined]
        return np.asarray(p, dtype=float)


class Logistic(_Learned):
    """L2-regularised logistic regression (C = 1) on standardised history features (scikit-learn)."""

    name = "logistic"

    def _make(self) -> object:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))


class GradientBoosting(_Learned):
    """Gradient-boosted trees: scikit-learn ``HistGradientBoostingClassifier`` on the history features.

    100 trees of ≤ 15 leaves, learning rate 0.1, L2 1.0, no early stopping.
    """

    name = "gbm"

    def _make(self) -> object:
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=100, max_leaf_nodes=15, learning_rate=0.1, l2_regularization=1.0,
            early_stopping=False, random_state=self.seed,
        )


BASELINES = {
    "climatology": Climatology,
    "subject-rate": SubjectRate,
    "persistence": Persistence,
    "time-since": TimeSince,
    "logistic": Logistic,
    "gbm": GradientBoosting,
}
"""The baseline forecasters by name; ``all`` runs every one."""


ENGINES = ("engine",)
"""Forecasters that are not baselines: ``engine`` = the anchored backbone (:mod:`detente.anchor.forecaster`)."""


def get_forecasters(names: list[str] | tuple[str, ...], seed: int = 0, data: str | Path | None = None) -> list[Forecaster]:
    """Forecasters by name (``all`` = every baseline; ``engine`` = the anchored backbone).

    Raises:
        InputError: an unknown name.
    """
    wanted: list[str] = []
    for n in names:
        for part in str(n).split(","):
            part = part.strip()
            if not part:
                continue
            if part == "all":
                wanted += list(BASELINES)
            elif part in BASELINES or part in ENGINES:
                wanted.append(part)
            else:
                raise InputError(
                    f"--forecaster: unknown forecaster '{part}' (fix: use one of {', '.join([*BASELINES, *ENGINES])}, or all)"
                )
    wanted = list(dict.fromkeys(wanted)) or list(BASELINES)
    if "climatology" not in wanted:
        wanted.insert(0, "climatology")  # the reference every paired difference is taken against
    out: list[Forecaster] = []
    for n in wanted:
        if n == "engine":
            from detente.anchor.forecaster import EngineForecaster

            out.append(EngineForecaster(seed, data=data))
            continue
        cls = BASELINES[n]
        made: Forecaster = cls(seed) if issubclass(cls, _Learned) else cls()  # type: ignore[call-arg,assignment]
        out.append(made)
    return out
