"""Mechanisms and strategies as levers: switching one off moves its outcomes the way its claim says."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engines.anchored import simulate
from detente.engines.anchored.levers import LEVER_TYPES, polarity
from detente.mechanisms import TYPES
from detente.scenario.io import load_scenario
from tests.anchored_fixture import calibration_for

SCENARIOS = {name: load_scenario(name, check_quotes=False) for name in ("korea-2018", "eurasia-2023")}


def test_every_mechanism_type_has_a_lever_entry_that_says_why() -> None:
    assert set(LEVER_TYPES) == set(TYPES)
    assert all(lt.why for lt in LEVER_TYPES.values())


def _directions(res, lever: dict, cal) -> dict[str, int]:
    """Outcomes on which every contribution of ``lever`` has one sign, with that sign."""
    out = {}
    for o in res.outcomes:
        signs = set()
        for ref in res.references[o]:
            key = f"{ref['class']}|{ref['subject']}"
            if key in lever["hazard"]:
                signs.add(np.sign(lever["hazard"][key]))
            if key in lever["accidents"] and ref["accidents"]:
                signs.add(np.sign(lever["accidents"][key]))
            if ref["state"] in lever["state"]:
                signs.add(np.sign(lever["state"][ref["state"]]) * np.sign(cal.classes[key].bz))
        signs.discard(0)
        if len(signs) == 1:
            out[o] = int(signs.pop())
    return out


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_switching_a_mechanism_off_moves_its_outcomes_against_its_claim(name: str) -> None:
    scen = SCENARIOS[name]
    cal = calibration_for(scen, b0=-4.0, bz=0.5, b0_sd=0.2)
    on = simulate(scen, calibration=cal, runs=512, seed=7, keep_paths=True)
    mechanism_levers = [lv for lv in on.levers if lv["kind"] == "mechanism"]
    assert len(mechanism_levers) >= 10
    checked = 0
    for lever in mechanism_levers:
        off = simulate(scen, calibration=cal, runs=512, seed=7, mechanisms_off=(lever["id"],), keep_paths=True)
        for o, sign in _directions(on, lever, cal).items():
            before, after = on.conditional(o, on.horizon), off.conditional(o, on.horizon)
            # common random numbers: the same run without the lever has a lower (or higher) probability
            assert np.all(sign * (before - after) >= -1e-6), (lever["id"], o)
            assert sign * (before.mean() - after.mean()) > 0, (lever["id"], o)
            checked += 1
    assert checked >= 15


def test_quoted_claims_in_korea_move_their_outcomes() -> None:
    scen = SCENARIOS["korea-2018"]
    cal = calibration_for(scen)
    on = simulate(scen, calibration=cal, runs=2048, seed=1)

    def p(res, o):
        return res.summary(o, 24)["p_cond"]

    # K12: pressure provokes "further nuclear tests"
    assert p(simulate(scen, calibration=cal, runs=2048, seed=1, mechanisms_off=("K12",)), "prk-nuclear-test") < p(on, "prk-nuclear-test")
    # K01: "the possibility of an inter-Korean summit is even on the table"
    assert p(simulate(scen, calibration=cal, runs=2048, seed=1, mechanisms_off=("K01",)), "inter-korean-summit") < p(on, "inter-korean-summit")
    # K11: accidents count in armed-clash (defined to include them), not in the deliberate war outcome
    k11 = simulate(scen, calibration=cal, runs=2048, seed=1, mechanisms_off=("K11",))
    assert p(k11, "armed-clash") < p(on, "armed-clash")
    np.testing.assert_array_equal(k11.outcome_first_step("war"), on.outcome_first_step("war"))


def test_accidents_count_only_in_outcomes_whose_definition_includes_them() -> None:
    scen = SCENARIOS["korea-2018"]
    res = simulate(scen, calibration=calibration_for(scen), runs=512, seed=2)
    (k11,) = [lv for lv in res.levers if lv["id"] == "K11"]
    assert not k11["hazard"] and set(k11["accidents"]) == {"mid-onset:4|PRK~KOR", "mid-onset:4|PRK~USA"}
    # us-force-against-prk shares armed-clash's class but is deliberate: accidental extra events do not count
    force = res.outcome_first_step("us-force-against-prk")
    clash = res.outcome_first_step("armed-clash")
    assert np.all((force < 0) | ((clash >= 1) & (clash <= force)))
    assert (res.arrays["key_first"][:, res.keys.index("mid-onset:4|PRK~USA")] >= 0).sum() >= ((force >= 1).sum())


def test_a_strategy_acts_through_the_same_levers() -> None:
    scen = SCENARIOS["korea-2018"]
    cal = calibration_for(scen)
    base = simulate(scen, calibration=cal, runs=1024, seed=3, keep_paths=True)
    pressure = simulate(scen, calibration=cal, runs=1024, seed=3, strategy="us-maximum-pressure", keep_paths=True)
    comps = {lv["id"].split("[")[0] for lv in pressure.levers if lv["kind"] == "strategy"}
    assert {"sanctions-tightening", "military-demonstrations"} <= comps
    h = 24
    assert np.all(pressure.conditional("prk-nuclear-test", h) >= base.conditional("prk-nuclear-test", h) - 1e-9)
    assert pressure.summary("prk-nuclear-test", h)["p_cond"] > base.summary("prk-nuclear-test", h)["p_cond"]
    # confrontation on the US-North Korea dyad makes a leaders' meeting less likely
    assert pressure.summary("us-prk-leaders-meet", h)["p_cond"] < base.summary("us-prk-leaders-meet", h)["p_cond"]


def test_a_strategy_starts_when_it_says() -> None:
    scen = SCENARIOS["korea-2018"]
    cal = calibration_for(scen)
    base = simulate(scen, calibration=cal, runs=512, seed=3, horizon=6)
    pressure = simulate(scen, calibration=cal, runs=512, seed=3, horizon=6, strategy="us-maximum-pressure")
    # every component starts at step 1, so month 1 is untouched
    for o in base.outcomes:
        np.testing.assert_array_equal(base.outcome_first_step(o) == 1, pressure.outcome_first_step(o) == 1)


def test_class_polarity_reads_cameo_roots_and_families() -> None:
    assert polarity("icews:087") == -1 and polarity("icews:16") == +1 and polarity("icews:19") == +1
    assert polarity("leader-visit") == -1 and polarity("mid-onset:4") == +1
    assert polarity("unsc-resolution:sanctions") == +1
