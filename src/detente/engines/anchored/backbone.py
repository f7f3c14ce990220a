"""What the anchored engine needs of a fitted calibration (the contract with :mod:`detente.anchor`).

The engine is written against these protocols so that it runs on the fitted backbone
(:func:`detente.anchor.load_calibration`) and, in tests, on a calibration built directly.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from detente.errors import ScenarioError


class DynamicLike(Protocol):
    """A subject's recent history per run (months since the last event, recent counts)."""

    def update(self, occurred: np.ndarray) -> None:
        """Advance one month; ``occurred`` (n,) says where the event happened."""


class ClassFitLike(Protocol):
    """One reference class applied to one subject: its fit, base rates and hazard."""

    ref: str
    subject: str
    description: str
    window: tuple[Any, Any]
    n_events: int
    n_subject_months: int
    base_rate: float
    subject_rate: float

    def draw(self, rng: np.random.Generator, n: int) -> Any:
        """Parameter draws for ``n`` runs."""

    def hazard(self, d: Any, z: np.ndarray, dyn: Any, lever: np.ndarray | float = 0.0) -> np.ndarray:
        """The monthly probability per run given draws, state, history and levers (log-odds shift)."""

    def start(self) -> Any:
        """The subject's dynamic history at the as-of date."""


class StateFitLike(Protocol):
    """A dyad's crisis-state transition model and its starting value."""

    z0: float

    def draw(self, rng: np.random.Generator, n: int) -> Any:
        """Transition parameters for ``n`` runs."""

    def step(self, z: np.ndarray, sd: Any, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The state one month later."""


class CalibrationLike(Protocol):
    """A fitted calibration for one as-of date."""

    as_of: dt.date
    classes: Mapping[str, Any]
    states: Mapping[str, Any]

    def check(self, as_of: dt.date) -> None:
        """Raise if the calibration is not for ``as_of`` or read a row dated on or after it."""


def shipped_calibration_path(scenario_id: str) -> Path:
    """Where the shipped calibration of a scenario lives (``detente/data/calibration/anchor-ID.json``)."""
    from importlib import resources

    return Path(str(resources.files("detente.data").joinpath(f"calibration/anchor-{scenario_id}.json")))


def load(path: str | Path) -> Any:
    """Load a fitted calibration with :func:`detente.anchor.load_calibration`.

    Raises:
        ScenarioError: The file is missing or :mod:`detente.anchor` is not installed.
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(
            p, "", "no fitted calibration here",
            "fit one with `detente calibrate SCENARIO` and pass it with --calibration FILE, or run --engine qre",
        )
    try:
        anchor = importlib.import_module("detente.anchor")
    except ImportError:  # pragma: no cover - the backbone ships with the package
        raise ScenarioError(p, "", "the backbone package detente.anchor is missing", "reinstall detente") from None
    return anchor.load_calibration(p)
