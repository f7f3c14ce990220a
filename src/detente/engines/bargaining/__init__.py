"""Issue bargaining: forecast where a contested issue ends up.

One engine family of spatial bargaining models over a single issue scale: the compromise model, the
weighted median, the Nash bargaining solution, Bueno de Mesquita's expected-utility model (as
specified by Scholz et al. 2011) and a Nash solution with each actor's security level as
disagreement point. :func:`forecast_table` forecasts a
table of issues with one or all models and scores the forecasts when outcomes are known;
:func:`forecast_scenario` forecasts every issue of a scenario.
"""

from __future__ import annotations

# Registration order is the order of ``--model all``.
from detente.engines.bargaining import compromise, median, nash, expected_utility  # noqa: F401  isort: skip
from detente.engines.bargaining.base import MODELS, ModelSpec, get_model, weighted_median
from detente.engines.bargaining.compromise import compromise as compromise_model
from detente.engines.bargaining.expected_utility import (
    EUOptions,
    EUPath,
    Relation,
    run_expected_utility,
)
from detente.engines.bargaining.forecast import (
    ForecastResult,
    IssueForecast,
    ModelScore,
    bootstrap_mae,
    forecast_issues,
    forecast_scenario,
    forecast_table,
    issues_from_scenario,
)
from detente.engines.bargaining.table import IssueTable, issues_from_frame, read_table

__all__ = [
    "MODELS",
    "EUOptions",
    "EUPath",
    "ForecastResult",
    "IssueForecast",
    "IssueTable",
    "ModelScore",
    "ModelSpec",
    "Relation",
    "bootstrap_mae",
    "compromise_model",
    "forecast_issues",
    "forecast_scenario",
    "forecast_table",
    "get_model",
    "issues_from_frame",
    "issues_from_scenario",
    "read_table",
    "run_expected_utility",
    "weighted_median",
]
