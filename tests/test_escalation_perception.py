"""The escalation engine's noisy perception against its documented mean (docs/model.md).

Each step an actor perceives the tension held towards it as ``T̂ = T·exp(σ·ε − σ²/2)`` with ε ~ N(0, 1):
a lognormal error with the bias correction ``−σ²/2``, so that ``E[T̂ | T] = T`` (the noise has mean 1)
and ``log(T̂/T)`` is normal with mean ``−σ²/2`` and standard deviation ``σ``. The test reads ``T̂`` and ``T``
where the engine computes them (a spy on the saturation ``S`` the engine applies to ``T̂``) and checks those
moments over every replicate, pair and step. Dropping the correction (a planted bug) moves the mean of
the noise to ``exp(σ²/2)`` ≈ 1.20 at σ = 0.6: 76 standard errors away (62,321 draws; 0.9 without the bug).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.engines.escalation import model, simulate
from detente.scenario.io import load_scenario

SIGMA = 0.6
TINY = Path(__file__).parent / "data" / "tiny.toml"


def perception_noise(monkeypatch: pytest.MonkeyPatch, sigma: float, seed: int = 5) -> np.ndarray:
    """Every ``T̂/T`` the engine draws (where ``T > 0``) in a seeded run of ``tiny.toml``."""
    ratios: list[np.ndarray] = []
    sat = model._sat

    def spy(x: np.ndarray, s: float) -> Any:
        frame = sys._getframe(1).f_locals
        if x is frame.get("perceived"):
            truth = np.asarray(frame["T"])[:, frame["rev"]].astype(np.float64)
            seen = truth > 1e-6
            ratios.append(np.asarray(x, np.float64)[seen] / truth[seen])
        return sat(x, s)

    monkeypatch.setattr(model, "_sat", spy)
    simulate(load_scenario(TINY), runs=2000, seed=seed, overrides={"engine.perception_noise": sigma})
    assert ratios, "the spy never saw the perceived tension"
    return np.concatenate(ratios)


def test_perceived_tension_is_unbiased(monkeypatch: pytest.MonkeyPatch) -> None:
    noise = perception_noise(monkeypatch, SIGMA)
    assert noise.size > 10_000
    # Mean 1: the lognormal's variance is exp(σ²) − 1, so its standard error is sqrt(that / n).
    se = math.sqrt(math.expm1(SIGMA**2) / noise.size)
    assert abs(noise.mean() - 1.0) < 5 * se, (noise.mean(), se)
    # log(T̂/T) ~ N(−σ²/2, σ²): the correction is −σ²/2 and the spread is σ itself.
    logs = np.log(noise)
    assert abs(logs.mean() + SIGMA**2 / 2) < 5 * SIGMA / math.sqrt(noise.size)
    assert logs.std() == pytest.approx(SIGMA, rel=0.02)


def test_zero_noise_is_perfect_perception(monkeypatch: pytest.MonkeyPatch) -> None:
    noise = perception_noise(monkeypatch, 0.0)
    np.testing.assert_allclose(noise, 1.0, rtol=1e-5)
