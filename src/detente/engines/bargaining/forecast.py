"""Forecast tables and scenarios with one or all models; score forecasts against outcomes.

The functions here are pure: they take data and return a :class:`ForecastResult` whose ``to_dict()`` is
JSON-able, so the command line (and a run store) only print or save it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from detente.engines.bargaining.base import MODELS, get_model
from detente.engines.bargaining.expected_utility import EUOptions, EUPath, run_expected_utility
from detente.engines.bargaining.table import IssueTable, issues_from_frame
from detente.errors import InputError

if TYPE_CHECKING:
    from detente.scenario.model import Scenario

__all__ = [
    "ForecastResult",
    "IssueForecast",
    "ModelScore",
    "bootstrap_mae",
    "forecast_issues",
    "forecast_scenario",
    "forecast_table",
    "issues_from_scenario",
]

EU_MODEL = "expected-utility"
BASELINE = "compromise"
"""Every other model's error is compared with the compromise model's, the best simple predictor."""


@dataclass(frozen=True)
class ModelScore:
    """A model's mean absolute error over the scored issues, with a bootstrap 95% interval.

    Attributes:
        model: The model name.
        mae: Mean absolute error of forecast against outcome.
        low: Lower end of the percentile bootstrap 95% interval.
        high: Upper end of the interval.
        n: Number of issues scored.
        baseline: The model compared against (the compromise model, when it was run).
        delta: This model's MAE minus the baseline's on the same issues.
        delta_low: Lower end of the paired bootstrap 95% interval of ``delta``.
        delta_high: Upper end of that interval.
    """

    model: str
    mae: float
    low: float
    high: float
    n: int
    baseline: str | None = None
    delta: float | None = None
    delta_low: float | None = None
    delta_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class IssueForecast:
    """Every model's forecast for one issue, and the expected-utility model's path.

    Attributes:
        issue: The issue id.
        forecasts: Forecast per model name.
        outcome: The actual outcome, if known.
        status_quo: The status quo, if known.
        path: The expected-utility model's round-by-round path, if it was run.
    """

    issue: str
    forecasts: dict[str, float]
    outcome: float | None = None
    status_quo: float | None = None
    path: EUPath | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "issue": self.issue,
            "forecasts": dict(self.forecasts),
            "outcome": self.outcome,
            "status_quo": self.status_quo,
            "abs_error": {
                m: abs(f - self.outcome) for m, f in self.forecasts.items()
            } if self.outcome is not None else None,
            "path": self.path.to_dict() if self.path is not None else None,
        }


@dataclass(frozen=True)
class ForecastResult:
    """The forecasts of a set of models over a set of issues, with scores when outcomes are known.

    Attributes:
        models: The model names, in order.
        issues: One :class:`IssueForecast` per issue.
        scores: One :class:`ModelScore` per model over the issues with outcomes; empty without.
        seed: The seed of the bootstrap.
    """

    models: tuple[str, ...]
    issues: tuple[IssueForecast, ...]
    scores: tuple[ModelScore, ...] = field(default=())
    seed: int = 0

    def frame(self) -> pd.DataFrame:
        """The long table ``issue, model, forecast`` (plus ``outcome, abs_error`` when known)."""
        rows: list[dict[str, Any]] = []
        scored = any(i.outcome is not None for i in self.issues)
        for itm in self.issues:
            for m in self.models:
                row: dict[str, Any] = {"issue": itm.issue, "model": m, "forecast": itm.forecasts[m]}
                if scored:
                    row["outcome"] = itm.outcome
                    row["abs_error"] = (
                        abs(itm.forecasts[m] - itm.outcome) if itm.outcome is not None else None
                    )
                rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict: forecasts per issue and model, EU paths, errors and intervals."""
        return {
            "models": list(self.models),
            "issues": [i.to_dict() for i in self.issues],
            "scores": [s.to_dict() for s in self.scores],
            "seed": self.seed,
        }


def bootstrap_mae(
    errors: Sequence[float] | np.ndarray,
    *,
    seed: int = 0,
    resamples: int = 2000,
    absolute: bool = True,
) -> tuple[float, float, float]:
    """Mean absolute error and its percentile bootstrap 95% interval over issues.

    Args:
        errors: Absolute errors, one per issue (or paired differences with ``absolute=False``).
        seed: Seed of the resampling (``numpy.random.Generator`` from ``SeedSequence(seed)``); one
            seed draws the same resampled issues whatever the errors, so intervals of two models
            under one seed are paired.
        resamples: Number of bootstrap resamples.
        absolute: Check that the errors are not negative.

    Returns:
        ``(mae, low, high)``.
    """
    e = np.asarray(errors, dtype=float)
    if absolute and np.any(e < 0):
        raise ValueError("absolute errors cannot be negative")
    if e.size == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    idx = rng.integers(0, e.size, size=(resamples, e.size))
    means = e[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(e.mean()), float(lo), float(hi)


def _model_names(model: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(model, str):
        if model == "all":
            return tuple(MODELS)
        return (get_model(model).name,)
    return tuple(get_model(m).name for m in model)


def forecast_issues(
    issues: Sequence[IssueTable],
    model: str | Sequence[str] = "all",
    *,
    eu_options: EUOptions | None = None,
    seed: int = 0,
    resamples: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastResult:
    """Forecast every issue with the chosen models and score them where outcomes are known.

    Args:
        issues: The issues.
        model: A model name, a list of names, or ``"all"``.
        eu_options: Options of the expected-utility model.
        seed: Seed of the bootstrap interval.
        resamples: Bootstrap resamples.
        progress: Called with (issues done, issues in all) after each issue (a progress bar).

    Returns:
        The forecasts, the expected-utility paths and (with outcomes) each model's MAE and interval.
    """
    names = _model_names(model)
    eo = eu_options or EUOptions()
    out: list[IssueForecast] = []
    for itm in issues:
        fc: dict[str, float] = {}
        path: EUPath | None = None
        for n in names:
            if n == EU_MODEL:
                path = run_expected_utility(itm, eo)
                fc[n] = path.forecast
            else:
                fc[n] = float(MODELS[n].func(itm))
        out.append(IssueForecast(itm.issue, fc, itm.outcome, itm.status_quo, path))
        if progress is not None:
            progress(len(out), len(issues))
    scores: list[ModelScore] = []
    scored = [i for i in out if i.outcome is not None]
    if scored:
        errors = {
            n: np.array([abs(i.forecasts[n] - float(i.outcome)) for i in scored])  # type: ignore[arg-type]
            for n in names
        }
        base = BASELINE if BASELINE in errors else None
        for n in names:
            mae, lo, hi = bootstrap_mae(errors[n], seed=seed, resamples=resamples)
            if base is None or n == base:
                scores.append(ModelScore(n, mae, lo, hi, len(errors[n])))
                continue
            # Same resampled issues for both models: the paired interval of the difference.
            d, dlo, dhi = bootstrap_mae(errors[n] - errors[base], seed=seed, resamples=resamples,
                                        absolute=False)
            scores.append(ModelScore(n, mae, lo, hi, len(errors[n]), base, d, dlo, dhi))
    return ForecastResult(names, tuple(out), tuple(scores), seed)


def forecast_table(
    df: pd.DataFrame,
    model: str | Sequence[str] = "all",
    *,
    file: str = "<table>",
    eu_options: EUOptions | None = None,
    seed: int = 0,
    resamples: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastResult:
    """Forecast a long-layout table (``issue, actor, position, salience, capability``, ...).

    Args:
        df: The table (see :func:`~detente.engines.bargaining.table.read_table`).
        model: A model name, a list of names, or ``"all"``.
        file: The file name for error messages.
        eu_options: Options of the expected-utility model.
        seed: Seed of the bootstrap interval.
        resamples: Bootstrap resamples.
        progress: Called with (issues done, issues in all) after each issue.

    Returns:
        The :class:`ForecastResult`.
    """
    return forecast_issues(
        issues_from_frame(df, file), model, eu_options=eu_options, seed=seed, resamples=resamples,
        progress=progress,
    )


def issues_from_scenario(scenario: Scenario) -> list[IssueTable]:
    """The scenario's issues as bargaining tables.

    An actor's capability is ``scenario.actor(id).capabilities.total()``, the mean of its military,
    economic and diplomatic shares: the scenario's one documented power index. Saliences are already
    shares in [0, 1].

    Raises:
        InputError: An issue with fewer than two positions or with no actor of positive weight.
    """
    out: list[IssueTable] = []
    where = f"scenario {scenario.id}"
    for k, iss in enumerate(scenario.issues):
        if len(iss.positions) < 2:
            raise InputError(
                f"{where}: issues[{k}] ({iss.id}) has {len(iss.positions)} position "
                "(fix: a bargaining issue needs positions of at least 2 actors)"
            )
        actors = tuple(p.actor for p in iss.positions)
        cap = np.array([scenario.actor(a).capabilities.total() for a in actors])
        sal = np.array([p.salience.value for p in iss.positions])
        if not np.any(cap * sal > 0):
            raise InputError(
                f"{where}: issues[{k}] ({iss.id}): every actor has capability × salience 0 "
                "(fix: give the actors capabilities and positive saliences)"
            )
        out.append(IssueTable(
            iss.id, actors, np.array([p.position.value for p in iss.positions]), sal, cap,
            iss.status_quo.value, None, iss.low, iss.high,
        ))
    return out


def forecast_scenario(
    scenario: Scenario,
    model: str | Sequence[str] = "all",
    *,
    eu_options: EUOptions | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastResult:
    """Forecast every issue of a scenario (see :func:`issues_from_scenario` for the inputs).

    Args:
        scenario: A loaded scenario.
        model: A model name, a list of names, or ``"all"``.
        eu_options: Options of the expected-utility model.
        seed: Seed (unused without outcomes; kept for the run record).
        progress: Called with (issues done, issues in all) after each issue.

    Returns:
        The :class:`ForecastResult`.
    """
    if not scenario.issues:
        raise InputError(
            f"scenario {scenario.id}: has no [[issues]] (fix: add an issue with positions)"
        )
    return forecast_issues(
        issues_from_scenario(scenario), model, eu_options=eu_options, seed=seed, progress=progress
    )
