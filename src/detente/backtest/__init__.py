"""Forecasts you can check: a rolling-origin backtest over historical questions.

Generate questions from public event data, run forecasters that see only what was known before each
question's origin, and score them with proper scores and reliability diagrams::

    from detente.backtest import backtest
    result = backtest(classes=["missile-test", "icbm-test"], forecasters=["all"])
    result.table()                 # Brier, BSS, log score, ECE, sharpness, AUC per forecaster
    result.scores["gbm"]["by_class"]["icbm-test"]["brier_ci"]

Step by step: :func:`generate_questions` → :func:`run_forecasters` → :func:`score_table`. A forecaster is
anything with ``name`` and ``forecast(history, questions)`` (:class:`Forecaster`). See docs/backtest.md
for every class, score and a worked example.
"""

from __future__ import annotations

from detente.backtest.classes import DEFAULT_CLASSES, Inputs, QuestionClass, class_names, get_class
from detente.backtest.covariates import Covariates, build_covariates, empty_covariates
from detente.backtest.events import REQUIRED, plover_of, read_events
from detente.backtest.forecasters import BASELINES, Forecaster, get_forecasters
from detente.backtest.harness import ClassData, History, make_questions
from detente.backtest.run import (
    HORIZONS,
    BacktestResult,
    Origins,
    QuestionSet,
    backtest,
    generate_questions,
    run_forecasters,
    score_table,
)
from detente.backtest.scores import ece, log_score, murphy, scores

__all__ = [
    "BASELINES",
    "DEFAULT_CLASSES",
    "HORIZONS",
    "REQUIRED",
    "BacktestResult",
    "ClassData",
    "Covariates",
    "Forecaster",
    "History",
    "Inputs",
    "Origins",
    "QuestionClass",
    "QuestionSet",
    "backtest",
    "build_covariates",
    "class_names",
    "ece",
    "empty_covariates",
    "generate_questions",
    "get_class",
    "get_forecasters",
    "log_score",
    "make_questions",
    "murphy",
    "plover_of",
    "read_events",
    "run_forecasters",
    "score_table",
    "scores",
]
