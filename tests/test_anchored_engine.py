"""The anchored engine on a hand-made calibration: closed forms, coherence, levers, seeds, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from scipy.special import expit

from detente.engines.anchored import simulate
from detente.errors import ScenarioError
from detente.scenario.io import load_scenario
from tests.anchored_fixture import ToyClass, ToyState, calibration_for

KOREA = load_scenario("korea-2018", check_quotes=False)
ALL_OFF = tuple(m.id for m in KOREA.mechanisms)


def _gauss(f, mean: float, sd: float, nodes: int = 40) -> float:
    """E[f(X)] for X ~ N(mean, sd) by Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    return float(np.sum(w * f(mean + sd * x)) / np.sqrt(2 * np.pi))


def _within(p: float, expected: float, n: int, k: float = 4.0) -> bool:
    return abs(p - expected) <= k * np.sqrt(max(expected * (1 - expected), 1e-6) / n)


def test_with_every_mechanism_off_outcomes_match_the_backbone_rate_in_closed_form() -> None:
    cal = calibration_for(KOREA, b0=-3.5, bz=0.0, b0_sd=0.4)
    runs = 6000
    res = simulate(KOREA, calibration=cal, runs=runs, seed=3, mechanisms_off=ALL_OFF)
    assert res.levers == []
    for h in (6, 24):
        single = _gauss(lambda b, h=h: 1 - (1 - expit(b)) ** h, -3.5, 0.4)
        s = res.summary("prk-nuclear-test", h)
        assert _within(s["p"], single, runs), (h, s, single)
        # Rao-Blackwellised mean is the same quantity with less noise
        assert abs(s["p_cond"] - single) < 0.01
        # two independent classes (armed-clash is the first hit of either)
        double = 1 - _gauss(lambda b, h=h: (1 - expit(b)) ** h, -3.5, 0.4) ** 2
        assert _within(res.summary("armed-clash", h)["p"], double, runs)


def test_the_first_month_follows_the_starting_crisis_state() -> None:
    cal = calibration_for(KOREA, b0=-3.0, bz=0.8, b0_sd=0.0, z0=1.5)
    runs = 20000
    res = simulate(KOREA, calibration=cal, runs=runs, seed=5, horizon=6, mechanisms_off=ALL_OFF)
    first = res.outcome_first_step("prk-nuclear-test")
    assert _within(float((first == 1).mean()), float(expit(-3.0 + 0.8 * 1.5)), runs)
    # a cooperative class falls with hostility: its coefficient has the opposite sign
    summit = res.outcome_first_step("inter-korean-summit")
    assert _within(float((summit == 1).mean()), float(expit(-3.0 - 0.8 * 1.5)), runs)


@pytest.mark.parametrize("off", [(), ALL_OFF])
def test_share_and_mean_conditional_probability_agree(off: tuple[str, ...]) -> None:
    runs = 4000
    res = simulate(KOREA, calibration=calibration_for(KOREA), runs=runs, seed=11, mechanisms_off=off)
    for o in res.outcomes:
        s = res.summary(o, 24)
        assert _within(s["p"], s["p_cond"], runs), (o, s)
        assert s["pred_lo"] <= s["p_cond"] <= s["pred_hi"]


def _cov(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(x * y) - np.mean(x) * np.mean(y))


def test_outcomes_sharing_a_crisis_state_move_together_as_the_model_implies() -> None:
    cal = calibration_for(KOREA, b0=-3.5, bz=1.0, b0_sd=0.0, sigma=0.8, rho=0.9)
    runs = 20000
    res = simulate(KOREA, calibration=cal, runs=runs, seed=2, mechanisms_off=ALL_OFF, keep_paths=True)
    h = 24

    def hit(o: str) -> np.ndarray:
        f = res.outcome_first_step(o)
        return ((f >= 1) & (f <= h)).astype(float)

    pairs = [("prk-nuclear-test", "unsc-new-sanctions"), ("inter-korean-summit", "armed-clash")]
    for a, b in pairs:
        observed = _cov(hit(a), hit(b))
        # Given the run's parameters and state path the two are independent, so the model implies
        # Cov(X, Y) = Cov(E[X | path], E[Y | path]), the covariance of the conditional probabilities.
        implied = _cov(res.conditional(a, h), res.conditional(b, h))
        se = np.std((hit(a) - hit(a).mean()) * (hit(b) - hit(b).mean())) / np.sqrt(runs)
        assert abs(observed - implied) < 4 * se, (a, b, observed, implied, se)
    # confrontation outcomes on one state go together; détente and confrontation go apart
    assert _cov(res.conditional("prk-nuclear-test", h), res.conditional("unsc-new-sanctions", h)) > 0.005
    assert _cov(res.conditional("inter-korean-summit", h), res.conditional("armed-clash", h)) < -0.002
    # without a state effect the conditional probabilities no longer covary
    flat = simulate(KOREA, calibration=calibration_for(KOREA, bz=0.0, b0_sd=0.0), runs=4000, seed=2, mechanisms_off=ALL_OFF, keep_paths=True)
    assert abs(_cov(flat.conditional("prk-nuclear-test", h), flat.conditional("unsc-new-sanctions", h))) < 1e-12


def test_serial_and_parallel_runs_agree() -> None:
    cal = calibration_for(KOREA)
    a = simulate(KOREA, calibration=cal, runs=1100, seed=9, workers=1, strategy="us-maximum-pressure")
    b = simulate(KOREA, calibration=cal, runs=1100, seed=9, workers=2, strategy="us-maximum-pressure")
    for key in a.arrays:
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key])
    assert a.to_dict() == b.to_dict()


def test_a_smaller_run_is_a_prefix_of_a_larger_one() -> None:
    cal = calibration_for(KOREA)
    small = simulate(KOREA, calibration=cal, runs=300, seed=4)
    large = simulate(KOREA, calibration=cal, runs=1500, seed=4)
    np.testing.assert_array_equal(small.arrays["outcome_first"], large.arrays["outcome_first"][:300])


def test_a_calibration_that_read_a_later_row_is_refused_at_compile_time() -> None:
    cal = dataclasses.replace(calibration_for(KOREA), last_row=dt.date(2018, 3, 1))
    with pytest.raises(ScenarioError) as err:
        simulate(KOREA, calibration=cal, runs=10)
    msg = str(err.value)
    assert msg.startswith("toy-calibration.json: as_of: ")
    assert "2018-03-01" in msg and "fix: refit it with `detente calibrate SCENARIO`" in msg


def test_a_calibration_for_another_date_is_refused() -> None:
    cal = dataclasses.replace(calibration_for(KOREA), as_of=dt.date(2023, 9, 1))
    with pytest.raises(ScenarioError, match="as_of: calibration is for 2023-09-01, not 2018-02-26"):
        simulate(KOREA, calibration=cal, runs=10)


def test_a_calibration_missing_a_class_names_it() -> None:
    cal = calibration_for(KOREA)
    del cal.classes["nuclear-test|PRK"]
    with pytest.raises(ScenarioError, match=r"classes\[nuclear-test\|PRK\]: no fit for the reference of events\[nuclear-test\]\.reference"):
        simulate(KOREA, calibration=cal, runs=10)


def test_the_veto_stance_is_drawn_once_per_run() -> None:
    eur = load_scenario("eurasia-2023", check_quotes=False)
    cal = calibration_for(eur, b0=-1.0, bz=0.0, b0_sd=0.0)
    runs = 5000
    res = simulate(eur, calibration=cal, runs=runs, seed=1, mechanisms_off=tuple(m.id for m in eur.mechanisms), keep_paths=True)
    veto = float(eur.actor("UNSC").params["veto_after_provocation"].value)
    # a run whose stance is "veto" never adopts; the others almost surely do at a 27 % monthly hazard
    expected = (1 - veto) * (1 - (1 - expit(-1.0)) ** 24)
    assert _within(res.summary("unsc-new-sanctions", 24)["p"], expected, runs)
    cond = res.conditional("unsc-new-sanctions", 24)
    assert set(np.unique(np.round(cond, 6))) <= {0.0, round(1 - (1 - float(expit(-1.0))) ** 24, 6)}


def test_toy_fixture_hazard_is_what_the_engine_uses() -> None:
    c = ToyClass("x", "PRK", b0=-2.0, bz=0.5)
    d = c.draw(np.random.default_rng(0), 3)
    np.testing.assert_allclose(c.hazard(d, np.array([0.0, 1.0, 2.0]), c.start(), 0.3), expit(-2.0 + 0.5 * np.arange(3) + 0.3))
    s = ToyState(rho=0.5, sigma=0.0)
    assert np.allclose(s.step(np.ones(2), s.draw(np.random.default_rng(0), 2), np.zeros(2), np.random.default_rng(0)), 0.5)
