"""The escalation engine's logit choice against softmax(λ·U) worked out by hand (docs/model.md).

The choice rule is ``P(a | i→j) ∝ exp(β[a] + λ·U[a])`` with ``U = c·(h − c·w) + k·q`` (McKelvey & Palfrey
1995), the war cost w weighing on military actions only (``m = 1`` for MOBILIZE, COERCE, ASSAULT:
``U = c·(h − m·c·w) + k·q``). With every intercept β at 0 and the drives h, q, w fixed, the engine's draws must follow
softmax(λ·U) computed here in float64 from the formula, independently of the engine's float32 code:
λ = 0 gives the uniform distribution, a large λ (and λ = inf) the action of the highest utility.
A λ halved inside the choice step (a planted bug) fails every λ > 0 case by 10 to 50 standard errors.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from detente.engines.escalation.model import _Run

# Actions: (conflict weight c, cooperation weight k): no event, a cooperative act, a mild verbal and a
# severe military conflictual act (scores +5, −3 and −8 on the −10…+10 scale).
CONFLICT = np.array([0.0, 0.0, 0.3, 0.8])
COOP = np.array([0.0, 0.5, 0.0, 0.0])
MILITARY = np.array([False, False, False, True])
# Three pairs with different drives (hostility h, cooperation q, cost of escalation w).
H = np.array([0.5, 1.0, 1.5])
Q = np.array([1.0, -0.5, 0.2])
W = np.array([1.0, 1.5, 1.0])
LANES = 40_000


def utilities() -> np.ndarray:
    """U[p, a] = c·(h − m·c·w) + k·q, from docs/model.md, in float64: (pairs, actions)."""
    c, k, m = CONFLICT[None, :], COOP[None, :], MILITARY[None, :]
    return c * (H[:, None] - m * c * W[:, None]) + k * Q[:, None]


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def engine_frequencies(lam: float, seed: int = 11) -> np.ndarray:
    """Share of LANES replicates choosing each action, per pair, from the engine's choice step."""
    A, P = len(CONFLICT), len(H)
    cp = SimpleNamespace(
        action_names=[f"a{i}" for i in range(A)], named_channel=[], conflict=CONFLICT, coop=COOP, dt=1.0,
        military=MILITARY,
    )
    zeros = np.zeros((P, A), np.float32)
    st = SimpleNamespace(
        cp=cp, intercept=zeros, bonus_at=lambda t: zeros, ramp_at=lambda t: 0.0, is_test=np.zeros(A, bool), chan_pair=np.zeros((0, P), bool)
    )
    run = _Run.__new__(_Run)  # only the choice step's scratch buffers are needed
    run._buffer, run._levels, run._tmp, run._k12 = None, [], None, None
    rng = np.random.default_rng(np.random.SeedSequence(seed))

    def drive(x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(x.astype(np.float32), (LANES, P)).copy()

    u = rng.random((LANES, P)).astype(np.float32)
    act = run._choose(cast(Any, st), 0, lam, drive(H), drive(Q), drive(W), {}, None, np.zeros((LANES, 0), np.float32), u)
    assert act.shape == (LANES, P)
    return np.stack([(act == a).mean(axis=0) for a in range(A)], axis=1)


def test_the_hand_built_utilities_separate_the_actions() -> None:
    U = utilities()
    # Each pair prefers a different action, so a mix-up of actions or pairs cannot pass unnoticed.
    assert list(U.argmax(axis=1)) == [1, 2, 3]
    assert (np.sort(U, axis=1)[:, -1] - np.sort(U, axis=1)[:, -2]).min() > 0.1


@pytest.mark.parametrize("lam", [0.5, 1.0, 2.0])
def test_choice_frequencies_follow_softmax_of_lambda_times_utility(lam: float) -> None:
    expected = softmax(lam * utilities())
    got = engine_frequencies(lam)
    se = np.sqrt(expected * (1 - expected) / LANES)
    # 4.5 standard errors on 12 cells: a false alarm about once in 10^4 seeds.
    assert np.all(np.abs(got - expected) <= 4.5 * se + 1e-4), (got, expected)
    # Rationality matters: the frequencies are far from those of half or double the precision.
    for other in (lam / 2, lam * 2):
        assert np.abs(got - softmax(other * utilities())).max() > 8 * se.max()


def test_zero_rationality_chooses_uniformly() -> None:
    got = engine_frequencies(0.0)
    se = math.sqrt(0.25 * 0.75 / LANES)
    assert np.all(np.abs(got - 0.25) <= 4.5 * se), got


def test_large_rationality_chooses_the_argmax() -> None:
    best = np.eye(len(CONFLICT))[utilities().argmax(axis=1)]
    # λ = 100 keeps λ·U below the engine's overflow clip (60); softmax is then the argmax to 1e-4.
    lam = 100.0
    assert lam * utilities().max() < 60.0
    expected = softmax(lam * utilities())
    assert np.abs(expected - best).max() < 1e-4
    got = engine_frequencies(lam)
    assert np.abs(got - best).max() <= 5e-4, got
    # λ = inf is the deterministic limit: every replicate takes the action of the highest utility.
    np.testing.assert_array_equal(engine_frequencies(math.inf), best)


@pytest.mark.parametrize("lam", [0.0, 0.7, 3.0])
def test_the_engine_passes_the_scenarios_rationality_to_the_choice(lam: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The λ the choice step receives is `engine.rationality`, every step, unscaled (with the test above,
    a λ halved anywhere between the scenario and the draw fails)."""
    from detente.engines.escalation import simulate
    from detente.scenario.io import load_scenario

    seen: list[float] = []
    real = _Run._choose

    def spy(self: _Run, st: Any, t: int, lam_: float, *args: Any) -> np.ndarray:
        seen.append(lam_)
        return real(self, st, t, lam_, *args)

    monkeypatch.setattr(_Run, "_choose", spy)
    tiny = load_scenario(str(Path(__file__).parent / "data" / "tiny.toml"), check_quotes=False)
    simulate(tiny, runs=10, horizon=4, seed=1, overrides={"engine.rationality": lam})
    assert seen == [lam] * 4
