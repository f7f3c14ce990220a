"""The calibration offset: Newton's solution equals the proportional fit it replaced, meets its equations,
solves known cases exactly, and is computed once per compiled scenario in a process."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from detente.engines.escalation import EscalationModel
from detente.engines.escalation import model as engine
from detente.engines.escalation.compile import TYPES, Compiled, compile_scenario, split_overrides
from detente.engines.escalation.offset import clear_cache, fingerprint, fit_offset
from detente.ontology import EventType
from detente.scenario.io import load_scenario

TOLERANCE = 1e-7
"""|Newton − proportional fit| allowed: the proportional fit stopped once its steps fell below 1e-9 and
converges linearly, so it sits up to about 1e-8 from the root it approaches."""

SHIPPED = ["korea-2018", "eurasia-2023"]


def reference_offset(cp: Compiled, samples: int = 256) -> np.ndarray:
    """The engine's earlier solver, verbatim: iterative proportional fitting over (samples, P, A) arrays."""
    A = len(cp.action_names)
    lam = float(cp.params["rationality"])
    if not math.isfinite(lam) or lam == 0.0:
        return np.zeros((len(cp.pairs), A))
    st = engine._Static(cp, SimpleNamespace(offset=np.zeros((0, 0))))  # type: ignore[arg-type]
    P, R = len(cp.pairs), samples
    # The inputs at the initial state are the engine's (what is compared is the solver on top of them).
    h, q, w = engine.initial_drives(cp, st, samples)
    assault = TYPES.index(EventType.ASSAULT)
    U = np.zeros((R, P, A))
    avail = np.isfinite(cp.intercept)
    for a in range(1, A):
        c, k, mil = float(cp.conflict[a]), float(cp.coop[a]), bool(cp.military[a])
        if not st.is_test[a]:
            U[:, :, a] = c * (h - (c * w if mil else 0.0)) + k * q
    per_pair = np.zeros(A, bool)
    per_pair[1:] = cp.action_type[1:] == assault
    pooled = np.zeros(A, bool)
    pooled[1:] = ~per_pair[1:] & ~st.is_test[1:]
    per_pair &= ~st.is_test
    beta = np.where(avail, cp.intercept, -np.inf)
    beta[:, 0] = 0.0

    def shares(x: np.ndarray) -> np.ndarray:
        z = x - x.max(-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(-1, keepdims=True)

    target = shares(beta)
    util = lam * U
    n = avail.sum(0)
    mean_target = (target * avail).sum(0) / np.maximum(n, 1)
    out = np.zeros((P, A))
    for _ in range(300):
        got = shares(beta[None] + util - out[None]).mean(0)
        mean_got = (got * avail).sum(0) / np.maximum(n, 1)
        ok = pooled & (n > 0) & (mean_got > 0) & (mean_target > 0)
        step_pool = np.where(ok, np.log(np.maximum(mean_got, 1e-300) / np.maximum(mean_target, 1e-300)), 0.0)
        cell = avail & per_pair[None, :] & (got > 0) & (target > 0)
        step_pair = np.where(cell, np.log(np.maximum(got, 1e-300) / np.maximum(target, 1e-300)), 0.0)
        step = step_pool[None, :] * avail + step_pair
        out += step
        if np.abs(step).max() < 1e-9:
            break
    out[~avail] = 0.0
    return out


def _expected_shares(cp: Compiled, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean first-month shares at the initial state with ``offset``, their targets at U = 0), by the
    reference's own formula (fresh arrays, no use of the new solver)."""
    lam = float(cp.params["rationality"])
    st = engine._Static(cp, SimpleNamespace(offset=offset))  # type: ignore[arg-type]
    R = 256
    h, q, w = engine.initial_drives(cp, st, R)
    A = len(cp.action_names)
    avail = np.isfinite(cp.intercept)
    beta = np.where(avail, cp.intercept, -np.inf)
    beta[:, 0] = 0.0
    x = np.repeat((beta - offset)[None], R, axis=0)
    for a in range(1, A):
        c, k, mil = float(cp.conflict[a]), float(cp.coop[a]), bool(cp.military[a])
        if not st.is_test[a]:
            x[:, :, a] += lam * (c * (h - (c * w if mil else 0.0)) + k * q)
    e = np.exp(x - x.max(-1, keepdims=True))
    got = (e / e.sum(-1, keepdims=True)).mean(0)
    t = np.exp(beta - beta.max(-1, keepdims=True))
    return got, t / t.sum(-1, keepdims=True)


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request: pytest.FixtureRequest) -> tuple[str, Compiled, np.ndarray]:
    cp = compile_scenario(load_scenario(request.param, check_quotes=False))
    return request.param, cp, engine.utility_offset(cp)


def test_newton_equals_the_proportional_fit_on_the_shipped_scenarios(shipped: tuple[str, Compiled, np.ndarray]) -> None:
    name, cp, new = shipped
    old = reference_offset(cp)
    assert new.shape == old.shape == cp.intercept.shape
    assert np.abs(old).max() > 1.0, name  # the offset is not trivially 0 (λ·U moves the rates by far more)
    assert np.abs(new - old).max() < TOLERANCE, (name, float(np.abs(new - old).max()))


def test_the_offset_reproduces_the_fitted_first_month_rates(shipped: tuple[str, Compiled, np.ndarray]) -> None:
    """Per pair for use of force, on the mean over available pairs for the other fitted actions."""
    name, cp, off = shipped
    got, target = _expected_shares(cp, off)
    avail = np.isfinite(cp.intercept)
    is_test = np.zeros(len(cp.action_names), bool)
    is_test[cp.test_actions] = True
    force = (cp.action_type == TYPES.index(EventType.ASSAULT)) & ~is_test
    force[0] = False
    cells = avail & force[None, :]
    assert cells.any()
    assert np.allclose(got[cells], target[cells], rtol=1e-8, atol=0.0), name
    pooled = ~force & ~is_test
    pooled[0] = False
    n = avail.sum(0)
    for a in np.flatnonzero(pooled & (n > 0)):
        m_got = got[avail[:, a], a].mean()
        m_target = target[avail[:, a], a].mean()
        assert m_got == pytest.approx(m_target, rel=1e-8), (name, cp.action_names[a])
        # One shift for every pair where the action exists: the utilities keep the pairs apart.
        assert np.ptp(off[avail[:, a], a]) == 0.0
    # Without the offset the conflictual rates are far off: the check above is not vacuous.
    got0, _ = _expected_shares(cp, np.zeros_like(off))
    assert np.abs(np.log(got0[cells] / target[cells])).max() > 1.0
    # No event, tests and unavailable cells are not shifted.
    assert (off[:, 0] == 0).all() and (off[:, is_test] == 0).all() and (off[~avail] == 0).all()


def test_identical_replicates_give_the_closed_form_shift() -> None:
    """One replicate per pair (or identical ones), every action fitted per pair: softmax(x − δ) = t gives
    δ_a = (x_a − log t_a) − (x_0 − log t_0), the no-event action being the reference (δ_0 = 0)."""
    rng = np.random.default_rng(3)
    P, A = 5, 6
    x = rng.normal(0.0, 2.0, (P, A))
    t = rng.dirichlet(np.ones(A), P)
    weights = np.repeat(np.exp(x)[None], 4, axis=0)
    per_pair = np.r_[False, np.ones(A - 1, bool)]
    delta = fit_offset(weights, t, np.ones((P, A), bool), per_pair, np.zeros(A, bool))
    closed = (x - np.log(t)) - (x[:, :1] - np.log(t[:, :1]))
    assert np.allclose(delta, closed, atol=1e-10)


def test_a_pooled_action_of_one_pair_is_fitted_like_a_pair_cell() -> None:
    rng = np.random.default_rng(4)
    R, A = 64, 5
    weights = np.exp(rng.normal(0.0, 1.0, (R, 1, A)))
    t = rng.dirichlet(np.ones(A), 1)
    mask = np.r_[False, np.ones(A - 1, bool)]
    by_pair = fit_offset(weights.copy(), t, np.ones((1, A), bool), mask, np.zeros(A, bool))
    pooled = fit_offset(weights.copy(), t, np.ones((1, A), bool), np.zeros(A, bool), mask)
    assert np.allclose(by_pair, pooled, atol=1e-10)
    s = weights[:, 0] * np.exp(-by_pair[0])
    assert np.allclose((s / s.sum(-1, keepdims=True)).mean(0), t[0], rtol=1e-9)


def test_the_offset_is_computed_once_per_compiled_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cache()
    calls: list[int] = []
    real = engine.utility_offset

    def counted(cp: Compiled, samples: int = 256) -> np.ndarray:
        calls.append(1)
        return real(cp, samples)

    monkeypatch.setattr(engine, "utility_offset", counted)
    s = load_scenario("korea-2018", check_quotes=False)
    first = EscalationModel(s, horizon=2)
    # Overrides, strategies and switched-off mechanisms move the rates from the scenario as written: the
    # offset is that of the scenario as written, so they reuse it.
    again = EscalationModel(s, horizon=2, overrides={"actors[USA].doctrine": 0.5}, mechanisms_off=["K11"])
    assert len(calls) == 1
    np.testing.assert_array_equal(first.offset, again.offset)
    first.offset[0, 1] += 1.0  # a caller's copy: changing it does not change the kept one
    assert EscalationModel(s, horizon=2).offset[0, 1] == again.offset[0, 1]
    # A scenario written differently (one of the offset's inputs changed) is fitted afresh.
    edited, _ = split_overrides(s, {"actors[USA].doctrine": 0.5})
    other = EscalationModel(edited, horizon=2)
    assert len(calls) == 2
    assert np.abs(other.offset - again.offset).max() > 1e-6
    np.testing.assert_array_equal(other.offset, real(compile_scenario(edited)))


def test_the_fingerprint_sees_every_field_of_the_compiled_scenario() -> None:
    cp = compile_scenario(load_scenario("korea-2018", check_quotes=False))
    key = fingerprint(cp)
    assert fingerprint(compile_scenario(load_scenario("korea-2018", check_quotes=False))) == key
    changed: dict[str, Any] = {
        "intercept": cp.intercept + np.where(np.isfinite(cp.intercept), 1e-12, 0.0),
        "params": {**cp.params, "rationality": cp.params["rationality"] * (1 + 1e-15)},
        "tension0": np.nextafter(cp.tension0, np.inf),
        "resolve": cp.resolve.astype(np.float64 if cp.resolve.dtype != np.float64 else np.float32),
        "roles": {**cp.roles, "x": (1,)},
    }
    from dataclasses import replace

    for name, value in changed.items():
        assert fingerprint(replace(cp, **{name: value})) != key, name
    with pytest.raises(TypeError):
        fingerprint(object())
