"""Generate questions, run forecasters origin by origin, and score them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.backtest.classes import DEFAULT_CLASSES, Inputs, QuestionClass, get_class
from detente.backtest.covariates import Covariates, build_covariates
from detente.backtest.forecasters import Forecaster, get_forecasters
from detente.backtest.harness import ClassData, History, grid, make_questions
from detente.backtest.scores import bootstrap, losses_of, scores
from detente.errors import InputError

HORIZONS = (3, 6, 12, 24)


@dataclass(frozen=True)
class Origins:
    """Origins from ``start`` to ``end`` every ``step`` months (``--origins START:END:STEP``)."""

    start: pd.Timestamp
    end: pd.Timestamp
    step: int

    @classmethod
    def parse(cls, text: str) -> Origins:
        """Read ``2016-01-01:2019-12-31:3`` (STEP in months; omitted = each class's own step, written 0).

        Raises:
            InputError: not START:END[:STEP], unreadable dates, END before START, or a step below 1.
        """
        parts = str(text).split(":")
        fix = "write --origins START:END:STEP, e.g. 2016-01-01:2019-12-31:3 (STEP in months)"
        if len(parts) not in (2, 3):
            raise InputError(f"--origins: {text!r} is not START:END:STEP (fix: {fix})")
        try:
            start, end = pd.Timestamp(parts[0]), pd.Timestamp(parts[1])
        except ValueError:
            raise InputError(f"--origins: {text!r}: a date cannot be read (fix: {fix})") from None
        if pd.isna(start) or pd.isna(end):
            raise InputError(f"--origins: {text!r}: a date cannot be read (fix: {fix})")
        try:
            step = int(parts[2]) if len(parts) == 3 and parts[2] else 0
        except ValueError:
            raise InputError(f"--origins: {text!r}: step {parts[2]!r} is not a whole number of months (fix: {fix})") from None
        if end < start:
            raise InputError(f"--origins: {text!r}: END is before START (fix: {fix})")
        if step < 0 or (len(parts) == 3 and parts[2] and step == 0):
            raise InputError(f"--origins: {text!r}: the step must be at least 1 month (fix: {fix})")
        return cls(start.normalize(), end.normalize(), step)


@dataclass
class QuestionSet:
    """The generated questions and each class's data."""

    questions: pd.DataFrame
    classes: dict[str, ClassData]
    skipped: dict[str, str] = field(default_factory=dict)

    def counts(self) -> pd.DataFrame:
        """Questions and base rate per class and horizon."""
        q = self.questions
        return q.groupby(["class", "horizon"], sort=False)["answer"].agg(n="size", base_rate="mean").reset_index()


def generate_questions(
    classes: Sequence[str] | None = None,
    horizons: Sequence[int] = HORIZONS,
    origins: Origins | None = None,
    *,
    events: Sequence[str | Path] = (),
    data: str | Path | None = None,
    inputs: Inputs | None = None,
) -> QuestionSet:
    """Build every question of the chosen classes.

    Args:
        classes: Stable class names (default :data:`~detente.backtest.classes.DEFAULT_CLASSES`).
        horizons: Horizons in months; a class asks only those its data allow.
        origins: One origin grid for every class (default: each class's own grid).
        events: Extra event tables in the documented layout (pooled with ICEWS 2005–2015).
        data: The data directory.
        inputs: Pre-built source tables (tests pass their own).

    Raises:
        InputError: unknown class, bad horizon, or origins outside every class's data.
    """
    explicit = classes is not None and len(classes) > 0
    names = list(dict.fromkeys(classes)) if explicit else list(DEFAULT_CLASSES)  # type: ignore[arg-type]
    gens: list[QuestionClass] = [get_class(n) for n in names]
    for h in horizons:
        if int(h) < 1 or int(h) > 120:
            raise InputError(f"--horizons: {h} is not a horizon in months (fix: use whole months, e.g. 3,6,12,24)")
    inputs = inputs or Inputs(data=data, event_files=tuple(events))
    frames = []
    built: dict[str, ClassData] = {}
    skipped: dict[str, str] = {}
    for g in gens:
        first, step = g.default_origins(inputs)
        last = None
        if origins is not None:
            first, last = origins.start, origins.end
            step = origins.step or step
        d = g.build(inputs, first)
        hs = [int(h) for h in horizons if int(h) in d.horizons]
        if not hs:
            skipped[g.name] = f"its data allow horizons {', '.join(map(str, d.horizons))} only"
            continue
        os_ = grid(first, min(last, d.end) if last is not None else d.end, step)
        q = make_questions(d, os_, hs)
        if q.empty:
            skipped[g.name] = (
                f"no origin from {first.date()} lies within its data ({d.start.date()} – {d.end.date()}) "
                "with a window that closes by the data's end"
            )
            continue
        built[g.name] = d
        frames.append(q)
    if not frames:
        what = "; ".join(f"{k}: {v}" for k, v in skipped.items())
        raise InputError(f"--origins: no question can be asked ({what}) (fix: choose origins inside the data, see docs/backtest.md)")
    if explicit and skipped and origins is not None:
        k, v = next(iter(skipped.items()))
        raise InputError(f"--origins: class '{k}': {v} (fix: choose origins inside its data, or leave the class out)")
    qs = pd.concat(frames, ignore_index=True)
    qs.insert(
        0,
        "id",
        qs["class"] + "|" + qs["subject"] + "|" + qs["origin"].dt.strftime("%Y-%m-%d") + "|" + qs["horizon"].astype(str),
    )
    return QuestionSet(questions=qs, classes=built, skipped=skipped)


def run_forecasters(
    qs: QuestionSet,
    forecasters: Sequence[Forecaster],
    *,
    covariates: Covariates | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Probabilities of every forecaster for every question (columns named by forecaster).

    Each forecaster sees, per class and origin, only :class:`History` cut at that origin.
    """
    q = qs.questions
    out = {f.name: np.full(len(q), np.nan) for f in forecasters}
    for (cls, origin), idx in q.groupby(["class", "origin"], sort=True).indices.items():
        hist = History.at(qs.classes[cls], pd.Timestamp(origin), covariates)
        ask = q.iloc[idx][["subject", "origin", "horizon"]].reset_index(drop=True)
        for f in forecasters:
            p = np.asarray(f.forecast(hist, ask), dtype=float)
            if p.shape != (len(ask),) or not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
                raise InputError(f"forecaster '{f.name}': returned invalid probabilities for {cls} at {pd.Timestamp(origin).date()}")
            out[f.name][idx] = p
        if progress is not None:
            progress(1)
    return pd.DataFrame(out, index=q.index)


def score_table(questions: pd.DataFrame, probs: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Scores per forecaster: overall, by class and by horizon.

    With cluster-bootstrap intervals overall and by class, and paired differences to climatology.
    """
    o = questions["answer"].to_numpy().astype(bool)
    names = list(probs.columns)
    result: dict[str, Any] = {}
    groups: dict[str, dict[str, np.ndarray]] = {"overall": {"all": np.arange(len(o))}}
    groups["by_class"] = {str(k): v for k, v in questions.groupby("class", sort=False).indices.items()}
    groups["by_horizon"] = {str(k): v for k, v in questions.groupby("horizon").indices.items()}
    origin = questions["class"].to_numpy() + "@" + questions["origin"].astype(str).to_numpy()
    boots: dict[str, dict[str, Any]] = {}
    for label, idx in [("all", np.arange(len(o))), *groups["by_class"].items()]:
        losses = {}
        for n in names:
            for metric, v in losses_of(probs[n].to_numpy()[idx], o[idx]).items():
                losses[f"{metric}:{n}"] = v
        boots[label] = bootstrap(origin[idx], losses, n_boot=n_boot, seed=seed)
    for n in names:
        p = probs[n].to_numpy()
        entry: dict[str, Any] = scores(p, o)
        _attach(entry, boots["all"], n)
        entry["by_class"] = {}
        for cls, idx in groups["by_class"].items():
            e = scores(p[idx], o[idx])
            _attach(e, boots[cls], n)
            entry["by_class"][cls] = e
        entry["by_horizon"] = {h: scores(p[idx], o[idx]) for h, idx in groups["by_horizon"].items()}
        result[n] = entry
    ref = result.get("climatology")
    if ref is not None:
        for entry in result.values():
            entry["bss"] = 1.0 - entry["brier"] / ref["brier"] if ref["brier"] > 0 else float("nan")
            for cls, e in entry["by_class"].items():
                rb = ref["by_class"][cls]["brier"]
                e["bss"] = 1.0 - e["brier"] / rb if rb > 0 else float("nan")
    return result


def _attach(entry: dict[str, Any], boot: dict[str, dict[str, Any]], name: str) -> None:
    for metric in ("brier", "log"):
        b = boot.get(f"{metric}:{name}", {})
        entry[f"{metric}_ci"] = b.get("ci")
        if "diff" in b:
            entry[f"{metric}_diff"] = b["diff"]
            entry[f"{metric}_diff_ci"] = b["diff_ci"]


@dataclass
class BacktestResult:
    """A finished backtest: questions with every forecaster's probability, and the scores."""

    questions: pd.DataFrame
    probs: pd.DataFrame
    scores: dict[str, Any]
    settings: dict[str, Any]
    skipped: dict[str, str]
    timings: dict[str, float]

    @property
    def forecasters(self) -> list[str]:
        """Forecaster names in the order they ran."""
        return list(self.probs.columns)

    def counts(self) -> pd.DataFrame:
        """Questions and base rate per class."""
        q = self.questions
        return q.groupby("class", sort=False)["answer"].agg(n="size", base_rate="mean").reset_index()

    def table(self) -> pd.DataFrame:
        """Overall scores, one row per forecaster."""
        rows = []
        for n in self.forecasters:
            s = self.scores[n]
            rows.append({"forecaster": n, **{k: s[k] for k in ("n", "brier", "log", "ece", "sharpness", "auc", "bss")},
                         "brier_ci": s.get("brier_ci"), "brier_diff_ci": s.get("brier_diff_ci")})
        return pd.DataFrame(rows)

    def to_dict(self, *, with_questions: bool = True) -> dict[str, Any]:
        """The ``--json`` document: ``{"forecasters": {NAME: {brier, log, ece, auc, n, by_class}}, "questions": [...]}``."""
        out: dict[str, Any] = {"settings": self.settings, "skipped": self.skipped, "timings": self.timings, "forecasters": self.scores}
        if with_questions:
            q = self.questions
            probs = {n: self.probs[n].round(6).tolist() for n in self.forecasters}
            out["questions"] = [
                {"id": i, "class": c, "subject": s, "origin": o.strftime("%Y-%m-%d"), "horizon": int(h), "answer": bool(a),
                 "p": {n: probs[n][k] for n in self.forecasters}}
                for k, (i, c, s, o, h, a) in enumerate(zip(q["id"], q["class"], q["subject"], q["origin"], q["horizon"], q["answer"], strict=True))
            ]
        return out


def backtest(
    classes: Sequence[str] | None = None,
    horizons: Sequence[int] = HORIZONS,
    origins: Origins | str | None = None,
    forecasters: Sequence[str] = ("all",),
    *,
    events: Sequence[str | Path] = (),
    data: str | Path | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    progress: Callable[[str, int, int], None] | None = None,
    inputs: Inputs | None = None,
    covariates: Covariates | None = None,
) -> BacktestResult:
    """Generate questions, run the forecasters, score them: the whole ``detente backtest``.

    Args:
        classes: Question classes (default: every class of the default run).
        horizons: Horizons in months.
        origins: ``Origins`` or ``"START:END:STEP"`` (default: each class's own grid).
        forecasters: Forecaster names, or ``("all",)``.
        events: Extra event tables (``--events``).
        data: The data directory.
        seed: Seeds the learned models' training samples and the bootstrap.
        n_boot: Bootstrap resamples.
        progress: Called as ``progress(stage, done, total)``.
        inputs: Pre-built source tables (tests).
        covariates: Pre-built covariates (default: from the data directory; None-safe for tests).
    """
    t0 = time.perf_counter()
    fc = get_forecasters(list(forecasters), seed=seed, data=data)
    org = Origins.parse(origins) if isinstance(origins, str) else origins
    qs = generate_questions(classes, horizons, org, events=events, data=data, inputs=inputs)
    t1 = time.perf_counter()
    cov = covariates if covariates is not None else (build_covariates(data) if inputs is None else None)
    total = int(qs.questions.groupby(["class", "origin"]).ngroups)
    done = [0]

    def step(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress("forecast", done[0], total)

    probs = run_forecasters(qs, fc, covariates=cov, progress=step)
    t2 = time.perf_counter()
    sc = score_table(qs.questions, probs, n_boot=n_boot, seed=seed)
    t3 = time.perf_counter()
    settings = {
        "classes": sorted(qs.classes),
        "horizons": [int(h) for h in horizons],
        "origins": None if org is None else f"{org.start.date()}:{org.end.date()}:{org.step}",
        "events": [str(e) for e in events],
        "forecasters": [f.name for f in fc],
        "seed": seed,
        "n_boot": n_boot,
        "n_questions": len(qs.questions),
    }
    timings = {"generate": t1 - t0, "forecast": t2 - t1, "score": t3 - t2, "total": t3 - t0}
    return BacktestResult(qs.questions, probs, sc, settings, qs.skipped, timings)
