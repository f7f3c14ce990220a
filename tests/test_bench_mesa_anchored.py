"""The benchmark's per-agent Mesa build reproduces the anchored engine's probabilities (Monte Carlo error).

Skipped without Mesa (the ``bench`` extra; CI does not install it). Each outcome's share of runs and its
mean conditional probability (the Rao-Blackwellised estimate, much less noisy) from the Mesa build are
compared with the engine's by a two-sample z statistic; with about 30 comparisons a scenario, |z| < 4
fails by chance about once in a thousand seeds, while a mechanism dropped or a sign flipped moves several
outcomes by far more than the Monte Carlo error of a few hundred runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("mesa")

from benchmarks import mesa_anchored  # noqa: E402
from detente.engines.anchored import backbone, compile_scenario, simulate  # noqa: E402
from detente.scenario.io import load_scenario  # noqa: E402

ENGINE_RUNS = 4096
MESA_RUNS = 300


def _z(p1: float, se1: float, p2: float, se2: float) -> float:
    se = math.sqrt(se1**2 + se2**2)
    return (p1 - p2) / se if se > 0 else 0.0


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_mesa_build_matches_engine(name: str) -> None:
    scen = load_scenario(name, check_quotes=False)
    cal = backbone.load(backbone.shipped_calibration_path(scen.id))
    comp = compile_scenario(scen, cal)
    h = comp.horizon
    res = simulate(scen, calibration=cal, runs=ENGINE_RUNS, seed=3, workers=1)
    ref = mesa_anchored.run(comp, MESA_RUNS, seed=11, horizons=(h,))
    worst = 0.0
    for i, o in enumerate(comp.outcomes):
        s = res.summary(o.id, h)
        first = ref["outcome_first"][:, i]
        p_m = float(((first >= 1) & (first <= h)).mean())
        # Shares: binomial errors from the pooled share.
        pool = (s["p"] * ENGINE_RUNS + p_m * MESA_RUNS) / (ENGINE_RUNS + MESA_RUNS)
        se_pool = math.sqrt(max(pool * (1 - pool), 1e-9))
        z_share = _z(s["p"], se_pool / math.sqrt(ENGINE_RUNS), p_m, se_pool / math.sqrt(MESA_RUNS))
        # Mean conditional probabilities: the Mesa build's own spread; the engine's bounded by p(1 - p)
        # (a variable in [0, 1] with mean p has variance at most p(1 - p)).
        c = ref["cond"][:, i, 0]
        se_m = max(float(c.std(ddof=1)), 1e-6) / math.sqrt(MESA_RUNS)
        se_e = math.sqrt(max(s["p_cond"] * (1 - s["p_cond"]), 1e-9) / ENGINE_RUNS)
        z_cond = _z(s["p_cond"], se_e, float(c.mean()), se_m)
        worst = max(worst, abs(z_share), abs(z_cond))
        assert abs(z_share) < 4 and abs(z_cond) < 4, (o.id, s, p_m, float(c.mean()))
    assert worst > 0  # the comparison compared something
    # Persistence in the Mesa build's own paths: first hits are months 1..h, conditional probabilities in [0, 1].
    assert ((ref["outcome_first"] == -1) | ((ref["outcome_first"] >= 1) & (ref["outcome_first"] <= h))).all()
    assert np.isfinite(ref["cond"]).all() and (ref["cond"] >= 0).all() and (ref["cond"] <= 1).all()


def test_mesa_build_sees_the_mechanisms() -> None:
    """Switching every mechanism off moves the Mesa build as it moves the engine (the levers act in it)."""
    scen = load_scenario("korea-2018", check_quotes=False)
    cal = backbone.load(backbone.shipped_calibration_path(scen.id))
    off_ids = tuple(m.id for m in scen.mechanisms)
    on, off = compile_scenario(scen, cal), compile_scenario(scen, cal, mechanisms_off=off_ids)
    assert on.levers and not off.levers
    h = on.horizon
    e_on = simulate(scen, calibration=cal, runs=ENGINE_RUNS, seed=5, workers=1)
    e_off = simulate(scen, calibration=cal, runs=ENGINE_RUNS, seed=5, workers=1, mechanisms_off=off_ids)
    change = {o: e_on.summary(o, h)["p_cond"] - e_off.summary(o, h)["p_cond"] for o in e_on.outcomes}
    target = max(change, key=lambda o: abs(change[o]))
    assert abs(change[target]) > 0.1  # the mechanisms matter to this outcome in the engine
    i = e_on.outcomes.index(target)
    m_on = mesa_anchored.run(on, MESA_RUNS, seed=5, horizons=(h,))["cond"][:, i, 0].mean()
    m_off = mesa_anchored.run(off, MESA_RUNS, seed=6, horizons=(h,))["cond"][:, i, 0].mean()
    # Standard error of the Mesa build's change: about 0.03 at 300 runs a side.
    assert abs((m_on - m_off) - change[target]) < 0.1
    assert np.sign(m_on - m_off) == np.sign(change[target])
