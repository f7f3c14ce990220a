"""A hand-made calibration for the anchored engine's tests: known hazards, known state dynamics.

Each class's monthly hazard is ``expit(b0 + bz z + log m + lever)`` with ``(b0, bz)`` drawn from a normal
per run and no time dependence, so the engine's probabilities have closed forms to test against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit

from detente.errors import DetenteError


class FixtureCalibrationError(DetenteError):
    """The fixture's as-of check failed."""


@dataclass
class Dyn:
    """Months since the last event (only counted: the fixture's hazard ignores it)."""

    months_since: np.ndarray = field(default_factory=lambda: np.array([120.0]))
    events: np.ndarray = field(default_factory=lambda: np.array([0]))

    def update(self, occurred: np.ndarray) -> None:
        occ = np.asarray(occurred, dtype=bool)
        self.months_since = np.where(occ, 1.0, self.months_since + 1.0)
        self.events = self.events + occ


@dataclass
class Draws:
    b0: np.ndarray
    bz: np.ndarray


@dataclass
class ToyClass:
    """A class with hazard expit(b0 + bz z + lever); b0 ~ N(b0, b0_sd), bz ~ N(bz, bz_sd)."""

    ref: str
    subject: str
    b0: float = -4.0
    bz: float = 0.0
    b0_sd: float = 0.0
    bz_sd: float = 0.0
    description: str = "a toy class"
    window: tuple[str, str] = ("2005-01", "2015-12")
    n_events: int = 12
    n_subject_months: int = 132
    sources: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_rate(self) -> float:
        return float(expit(self.b0))

    @property
    def subject_rate(self) -> float:
        return float(expit(self.b0))

    def draw(self, rng: np.random.Generator, n: int) -> Draws:
        return Draws(rng.normal(self.b0, self.b0_sd, n), rng.normal(self.bz, self.bz_sd, n))

    def hazard(self, d: Draws, z: np.ndarray, dyn: Dyn, lever: np.ndarray | float = 0.0) -> np.ndarray:
        return np.asarray(expit(d.b0 + d.bz * np.asarray(z) + lever))

    def start(self) -> Dyn:
        return Dyn()


@dataclass
class SDraws:
    a: np.ndarray
    rho: np.ndarray
    sigma: np.ndarray
    w: np.ndarray


@dataclass
class ToyState:
    """z' = a + rho z + sigma (sqrt(w) eta + sqrt(1-w) eps), fixed parameters."""

    z0: float = 0.0
    a: float = 0.0
    rho: float = 0.8
    sigma: float = 0.6
    w: float = 0.5

    def draw(self, rng: np.random.Generator, n: int) -> SDraws:
        return SDraws(*(np.full(n, v) for v in (self.a, self.rho, self.sigma, self.w)))

    def step(self, z: np.ndarray, sd: SDraws, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        eps = rng.standard_normal(len(z))
        return sd.a + sd.rho * z + sd.sigma * (np.sqrt(sd.w) * eta + np.sqrt(1 - sd.w) * eps)


def toy_trend(as_of: dt.date, mean: float = 0.3, se: float = 0.05) -> Any:
    """A made-up test-rate trend (not a fit): E08's ramp in tests that must not depend on the data."""
    from detente.calibrate.trend import TrendFit

    return TrendFit(as_of=as_of, actor="PRK", mean=mean, se=se, window=("2005-01", "2014-12"), n_months=120, n=60)


@dataclass
class ToyCalibration:
    """A calibration built directly; ``last_row`` is the date of the latest row it read."""

    as_of: dt.date
    classes: dict[str, ToyClass]
    states: dict[str, ToyState]
    last_row: dt.date = dt.date(2015, 12, 31)
    path: str = "toy-calibration.json"
    test_trend: Any = None

    def __post_init__(self) -> None:
        if self.test_trend is None:
            self.test_trend = toy_trend(self.as_of)

    @property
    def sources(self) -> dict[str, dict[str, str]]:
        return {"toy": {"rows": "100", "first": "2005-01-01", "last": self.last_row.isoformat()}}

    def check(self, as_of: dt.date) -> None:
        if as_of != self.as_of:
            raise FixtureCalibrationError(f"calibration is for {self.as_of}, not {as_of}")
        if self.last_row >= as_of:
            raise FixtureCalibrationError(
                f"source 'toy' read a row dated {self.last_row}, on or after the as-of date {as_of}"
            )


def calibration_for(scenario: Any, b0: float = -4.0, bz: float = 0.4, b0_sd: float = 0.3, **state: float) -> ToyCalibration:
    """A toy calibration with one class per reference key of the scenario and one state per dyad."""
    from detente.engines.anchored.levers import polarity
    from detente.engines.anchored.references import scenario_references

    classes: dict[str, ToyClass] = {}
    states: dict[str, ToyState] = {}
    for refs in scenario_references(scenario).values():
        for r in refs:
            sign = polarity(r.ref)
            classes[r.key] = ToyClass(r.ref, r.subject, b0=b0, bz=sign * bz, b0_sd=b0_sd)
            states[r.state] = ToyState(**state)
    return ToyCalibration(scenario.scenario.as_of, classes, states)
