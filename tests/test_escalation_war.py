"""War termination: a dyad at war agrees a ceasefire with a calibrated monthly hazard (issue 4)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from detente.calibrate import war_episodes
from detente.engines.escalation import EscalationModel, SimulationResult, simulate
from detente.engines.escalation.compile import TYPES
from detente.engines.escalation.params import (
    engine_params,
    war_classes_for,
    war_termination_table,
    war_weibull_for,
)
from detente.mechanisms import TYPES as MECHANISM_TYPES
from detente.ontology import EventType
from detente.scenario.io import load_scenario, parse_scenario
from detente.scenario.model import Mechanism, Scenario
from tests.test_escalation import TINY, TestEscalationContract

# TINY with A and B at war on the as-of date, a ceasefire named event and an outcome that tracks it.
WAR = TINY.replace("tension = 1.0\n", "tension = 1.0\nparams = { at_war = 1 }\n", 1).replace(
    "[[outcomes]]",
    """[[events]]
id = "ceasefire"
name = "Ceasefire"
event = "RETREAT"
mode = "ceasefire"

[[outcomes]]
id = "ab-ceasefire"
name = "A-B ceasefire"
event = "ceasefire"
sources = ["A", "B"]
targets = ["A", "B"]

[[outcomes]]""",
    1,
)


def war() -> Scenario:
    return parse_scenario(WAR, "war.toml")


class TestEscalationWarContract(TestEscalationContract):
    """Seed determinism, chunked = whole, pickling and bad parameters with a war that can end."""

    bad_params = [*TestEscalationContract.bad_params, {"overrides": {"engine.war_termination": 1.5}}]

    def scenario(self) -> Scenario:
        return war()

    def run(self, scenario: Any, **kwargs: Any) -> SimulationResult:
        kwargs.setdefault("overrides", {"engine.war_termination": 0.2})
        return simulate(scenario, **kwargs)


def _paths_agree_until_the_first_ceasefire(scenario: Scenario) -> int:
    """Run with hazard 0 and 0.3 on one seed; every replicate's path must agree until its first ceasefire.

    The ceasefire draw reads random numbers nothing else reads (docs/model.md, "Randomness"), so the
    hazard cannot change anything before a ceasefire happens. Returns how many replicates had one.
    """
    runs, horizon = 300, 12
    off = simulate(scenario, runs=runs, seed=7, horizon=horizon, overrides={"engine.war_termination": 0.0})
    on = simulate(scenario, runs=runs, seed=7, horizon=horizon, overrides={"engine.war_termination": 0.3})
    cp = EscalationModel(scenario, horizon=horizon).compiled
    src, dst = cp.pairs[:, 0], cp.pairs[:, 1]
    war_pairs = np.flatnonzero(cp.rivals[src, dst] | cp.at_war[src, dst])
    k = TYPES.index(EventType.RETREAT)
    pf_on = on.arrays["pair_first"][:, war_pairs, k].astype(int)
    first_cf = np.where(pf_on > 0, pf_on, horizon + 1).min(1)  # first RETREAT between rivals (a ceasefire is one)
    ended = 0
    for r in range(runs):
        s = int(first_cf[r])
        ended += s <= horizon
        np.testing.assert_array_equal(off.arrays["tension"][r, :s], on.arrays["tension"][r, :s])
        np.testing.assert_array_equal(off.arrays["peaks"][r, : s - 1], on.arrays["peaks"][r, : s - 1])
    return ended


def test_the_hazard_changes_nothing_before_the_first_ceasefire() -> None:
    every = tuple(Mechanism(id=t, type=t) for t in MECHANISM_TYPES)
    assert _paths_agree_until_the_first_ceasefire(war().model_copy(update={"mechanisms": every})) > 50
    eur = load_scenario("eurasia-2023", check_quotes=False)
    assert _paths_agree_until_the_first_ceasefire(eur) > 50
    # And with hazard 0 Russia and Ukraine never agree a ceasefire.
    res = simulate(eur, runs=300, seed=7, horizon=12, overrides={"engine.war_termination": 0.0})
    assert (res.outcome_first_step("russia-ukraine-ceasefire") < 0).all()


@pytest.mark.parametrize("h", [0.05, 0.2])
def test_first_ceasefire_follows_the_geometric_law_when_nothing_else_acts(h: float) -> None:
    s = war()
    flat = {"engine.war_termination": h, "engine.war_termination_shape": 1.0}
    model = EscalationModel(s, horizon=24, overrides=flat, fixed_actions={})
    runs = 4000
    arrays = model.run_blocks(seed=3, first_block=0, n_blocks=math.ceil(runs / 256), runs=runs)
    o = list(model.compiled.outcomes).index("ab-ceasefire")
    first = arrays["outcome_first"][:, o].astype(int)
    for t in (1, 3, 6, 12, 24):
        expected = 1 - (1 - h) ** t
        observed = float(((first >= 1) & (first <= t)).mean())
        se = math.sqrt(expected * (1 - expected) / runs)
        assert abs(observed - expected) < 4 * se + 1e-9, (t, observed, expected)
    # Both sides emit the ceasefire in the same month (RETREAT is its PLOVER type).
    k = TYPES.index(EventType.RETREAT)
    pi = model.compiled.pair_index
    ab, ba = pi[0, 1], pi[1, 0]
    pf = arrays["pair_first"].astype(int)
    assert (pf[:, ab, k] == first).all() and (pf[:, ba, k] == first).all()


@pytest.mark.parametrize("k", [0.45, 2.0])
def test_first_ceasefire_follows_the_weibull_law_for_a_new_war(k: float) -> None:
    # TINY's war has no UCDP start, so its clock starts at 0: P(by t) = 1 − (1 − h)^(t^k).
    h = 0.2
    over = {"engine.war_termination": h, "engine.war_termination_shape": k}
    model = EscalationModel(war(), horizon=24, overrides=over, fixed_actions={})
    runs = 4000
    arrays = model.run_blocks(seed=4, first_block=0, n_blocks=math.ceil(runs / 256), runs=runs)
    first = arrays["outcome_first"][:, list(model.compiled.outcomes).index("ab-ceasefire")].astype(int)
    for t in (1, 2, 6, 12, 24):
        expected = 1 - (1 - h) ** (t**k)
        observed = float(((first >= 1) & (first <= t)).mean())
        se = math.sqrt(expected * (1 - expected) / runs)
        assert abs(observed - expected) < 4 * se + 1e-9, (t, observed, expected)


def test_after_a_ceasefire_the_dyad_is_no_longer_at_war() -> None:
    s = war()
    assault = TYPES.index(EventType.ASSAULT)
    fighting = {}
    for h in (0.0, 1.0):
        over = {"engine.war_termination": h, "engine.war_termination_shape": 1.0}
        res = simulate(s, runs=512, seed=5, horizon=12, overrides=over)
        fighting[h] = float((res.arrays["peaks"][:, 1:] == assault).mean())
    # At war the dyad fights in ~90% of months; a ceasefire every month of war leaves only relapses.
    assert fighting[0.0] > 0.8
    assert fighting[1.0] < 0.5 * fighting[0.0]


def test_russia_ukraine_ceasefire_is_possible_but_not_certain() -> None:
    res = simulate(load_scenario("eurasia-2023", check_quotes=False), runs=512, seed=7, horizon=24)
    p = res.to_dict()["outcomes"]["russia-ukraine-ceasefire"]
    assert 0.0 < p["6"]["p"] < p["24"]["p"] < 1.0
    # The war had lasted since 24 February 2022 (UCDP): ~18 months on 1 September 2023.
    model = EscalationModel(load_scenario("eurasia-2023", check_quotes=False), horizon=1)
    ix = list(model.compiled.actors)
    age = float(model.compiled.war_age[ix.index("RUS"), ix.index("UKR")])
    assert 18.0 < age < 18.5
    h, k = war_classes_for(2022)["gp-war"]  # a great-power war of war size (UCDP intensity 2)
    expected = 1 - (1 - h) ** ((age + 12) ** k - age**k)
    assert abs(p["12"]["p"] - expected) < 0.07


def test_each_scenario_uses_the_hazard_fitted_before_its_as_of_date() -> None:
    assert set(war_termination_table()) == {"2017", "2022"}
    korea = EscalationModel(load_scenario("korea-2018", check_quotes=False), horizon=1)
    eur = EscalationModel(load_scenario("eurasia-2023", check_quotes=False), horizon=1)
    assert (korea.compiled.params["war_termination"], korea.compiled.params["war_termination_shape"]) == war_weibull_for(2017)
    assert (eur.compiled.params["war_termination"], eur.compiled.params["war_termination_shape"]) == war_weibull_for(2022)
    assert 0 < war_weibull_for(2022)[1] < 1  # the hazard falls as a war lasts
    over = EscalationModel(war(), horizon=1, overrides={"engine.war_termination": 0.3})
    assert over.compiled.params["war_termination"] == 0.3
    param = engine_params()["war_termination"]
    assert param.source.startswith("data: UCDP/PRIO")
    assert engine_params()["war_termination_shape"].source.startswith("data: UCDP/PRIO")


def test_war_episodes_use_only_years_up_to_the_cut(data_root: Any) -> None:
    history = data_root / "history"
    to_2017 = war_episodes(history, 2017)
    to_2022 = war_episodes(history, 2022)
    assert 0 < len(to_2017) < len(to_2022)
    assert all(d > 0 for d, _ in to_2022)
    # Right-censoring: an episode still active in the last year has not ended.
    assert any(not ended for _, ended in to_2022)
    ended = sum(e for _, e in to_2017)
    exposure = sum(d for d, _ in to_2017)
    assert war_termination_table()["2017"] == pytest.approx(1 - math.exp(-ended / exposure), abs=1e-4)
    # The Weibull fit: its likelihood is highest at the fitted shape.
    h, k = war_weibull_for(2017)

    def loglik(kk: float) -> float:
        lam = ended / sum(d**kk for d, _ in to_2017)
        return sum(e * (math.log(kk * lam) + (kk - 1) * math.log(d)) - lam * d**kk for d, e in to_2017)

    assert loglik(k) >= max(loglik(k * 0.9), loglik(k * 1.1), loglik(1.0))
    assert h == pytest.approx(1 - math.exp(-ended / sum(d**k for d, _ in to_2017)), abs=2e-3)


def test_a_war_started_in_the_run_can_end() -> None:
    s = load_scenario("korea-2018", check_quotes=False)
    res = simulate(s, runs=2000, seed=7, horizon=24, overrides={"engine.war_termination": 0.5})
    assert res.arrays["war_first"].max() > 0
    war_first = res.arrays["war_first"].astype(int)
    k = TYPES.index(EventType.RETREAT)
    pf = res.arrays["pair_first"][:, :, k].astype(int)
    started = war_first > 0
    assert started.any()
    # Some run where war began ends it later with a RETREAT (the ceasefire) by some pair.
    later = (pf > war_first[:, None]).any(1) & started
    assert later.any()
    assert np.isfinite(res.arrays["tension"].astype(float)).all()
