"""Issue 11 item 6: fixes to the quantal-response escalation engine, each against an answer worked out here.

- Accidental clashes are the scenario's clash event, so outcomes defined by it count them.
- War cost weighs on military actions only: a verbal act's odds against no event do not move with it.
- A veto stance is drawn once per run: within a run every draft meets the same veto; across runs the
  share vetoed is the documented veto probability.
- The ceasefire hazard comes from a reference class of comparable wars (great-power involvement × size):
  the stratified Weibull fit recovers known parameters, each dyad gets its class, the engine follows it.
- E08's rising test rate: military-buildup raises the builder's test log-odds by ``test_trend`` a year.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from detente.calibrate import war_episode_classes, weibull_strata
from detente.engines.escalation import EscalationModel
from detente.engines.escalation.compile import compile_scenario
from detente.engines.escalation.model import _Run
from detente.engines.escalation.params import war_classes_for
from detente.scenario.io import load_scenario, parse_scenario
from detente.scenario.model import Scenario

# Two rivals with a clash event (ASSAULT, firearms), a war event (ASSAULT, heavy weapons) and outcomes on
# the clash, the war and the PLOVER type ASSAULT; accidental escalation declared at rate RATE.
RATE = 0.1
DUEL = f"""
[scenario]
id = "duel"
title = "Two rivals under arms"
as_of = 2020-01-01
horizon = 12

[[sources]]
id = "note"
kind = "reference"
title = "test"

[[actors]]
id = "A"
name = "Alpha"
[[actors]]
id = "B"
name = "Beta"

[[relations]]
kind = "rivalry"
id = "ab"
members = ["A", "B"]
tension = 0.5

[[events]]
id = "armed-clash"
name = "Armed clash"
event = "ASSAULT"
mode = "firearms"

[[events]]
id = "war"
name = "War"
event = "ASSAULT"
mode = "heavy-weapons"

[[outcomes]]
id = "clash"
name = "A-B clash, deliberate or accidental"
event = "armed-clash"
sources = ["A", "B"]
targets = ["A", "B"]

[[outcomes]]
id = "war"
name = "A-B war (a deliberate decision)"
event = "war"
sources = ["A", "B"]
targets = ["A", "B"]

[[outcomes]]
id = "force"
name = "Any use of force"
event = "ASSAULT"
sources = ["A", "B"]
targets = ["A", "B"]

[[mechanisms]]
id = "K11"
type = "accidental-escalation"
name = "Accidents"
params = {{ rate = {RATE}, channel_damping = 0.5 }}
"""


def duel() -> Scenario:
    return parse_scenario(DUEL, "duel.toml")


def _first(model: EscalationModel, runs: int, seed: int) -> dict[str, np.ndarray]:
    arrays = model.run_blocks(seed=seed, first_block=0, n_blocks=math.ceil(runs / 256), runs=runs)
    return {o: arrays["outcome_first"][:, k].astype(int) for k, o in enumerate(model.compiled.outcomes)}


# 1. Accidents count in outcomes whose definition includes them ---------------------------------------


def test_accidents_count_in_an_outcome_on_the_clash_event() -> None:
    # Both sides mobilise every month and never choose force: every clash is an accident. Two units of
    # military activity give an accident with probability 1 − (1 − rate)² a month (docs/model.md), so the
    # first clash by month t has probability 1 − (1 − rate)^(2t).
    fixed = {("A", "B"): "MOBILIZE", ("B", "A"): "MOBILIZE"}
    model = EscalationModel(duel(), horizon=12, fixed_actions=fixed, overrides={"engine.war_termination": 0.0})
    runs = 4000
    first = _first(model, runs, seed=5)
    for t in (1, 3, 6, 12):
        expected = 1 - (1 - RATE) ** (2 * t)
        observed = float(((first["clash"] >= 1) & (first["clash"] <= t)).mean())
        se = math.sqrt(expected * (1 - expected) / runs)
        assert abs(observed - expected) < 4.5 * se, (t, observed, expected)
    # The outcome on the type ASSAULT sees the same accidents; the deliberate war event sees none.
    np.testing.assert_array_equal(first["force"], first["clash"])
    assert (first["war"] < 0).all()


def test_without_the_mechanism_there_is_no_accidental_clash() -> None:
    fixed = {("A", "B"): "MOBILIZE", ("B", "A"): "MOBILIZE"}
    model = EscalationModel(duel(), horizon=12, fixed_actions=fixed, mechanisms_off=["K11"])
    assert (_first(model, 512, seed=5)["clash"] < 0).all()


def test_the_accident_event_is_the_one_the_mechanism_names_else_the_firearms_clash() -> None:
    s = duel()
    cp = compile_scenario(s)
    clash = cp.action_names.index("armed-clash")
    assert (cp.accident == clash).all()
    # An instance that names the war event as where it is represented makes accidents wars instead.
    k11 = s.mechanisms[0].model_copy(update={"represented_by": ("events[war]",)})
    cp2 = compile_scenario(s.model_copy(update={"mechanisms": (k11,)}))
    assert (cp2.accident == cp2.action_names.index("war")).all()
    # Without a named ASSAULT event an accident is the PLOVER type ASSAULT.
    bare = s.model_copy(update={"events": (), "outcomes": tuple(o for o in s.outcomes if o.id == "force")})
    cp3 = compile_scenario(bare)
    assert (cp3.accident == cp3.action_names.index("ASSAULT")).all()


@pytest.mark.parametrize("outcome", ["inter-korean-kinetic-incident", "nato-russia-clash", "us-china-taiwan-clash"])
def test_eurasia_clash_outcomes_count_accidents(outcome: str) -> None:
    s = load_scenario("eurasia-2023", check_quotes=False)
    cp = compile_scenario(s)
    o = cp.outcomes.index(outcome)
    pairs = np.flatnonzero(cp.outcome_match[o].any(1))
    assert len(pairs)
    # On every pair the outcome watches, the accident's action is one the outcome matches.
    assert all(cp.outcome_match[o, p, cp.accident[p]] for p in pairs)


# 2. War cost on military actions only ----------------------------------------------------------------

# No event, a verbal accusation (score −3: c = 0.3, not military) and an assault (c = 0.8, military).
CONFLICT = np.array([0.0, 0.3, 0.8])
MILITARY = np.array([False, False, True])
LANES = 60_000


def _choice_shares(war_cost: float, hostility: float = 1.0, seed: int = 3) -> np.ndarray:
    """Share of LANES lanes choosing each action from the engine's choice step (λ = 1, intercepts 0)."""
    A, P = len(CONFLICT), 1
    cp = SimpleNamespace(
        action_names=["NONE", "ACCUSE", "ASSAULT"], named_channel=[], conflict=CONFLICT,
        coop=np.zeros(A), military=MILITARY, dt=1.0,
    )
    zeros = np.zeros((P, A), np.float32)
    st = SimpleNamespace(cp=cp, intercept=zeros, bonus_at=lambda t: zeros, ramp_at=lambda t: 0.0, is_test=np.zeros(A, bool), chan_pair=np.zeros((0, P), bool))
    run = _Run.__new__(_Run)
    run._buffer, run._levels, run._tmp, run._k12 = None, [], None, None
    u = np.random.default_rng(np.random.SeedSequence(seed)).random((LANES, P)).astype(np.float32)

    def full(x: float) -> np.ndarray:
        return np.full((LANES, P), x, np.float32)

    act = run._choose(cast(Any, st), 0, 1.0, full(hostility), full(0.0), full(war_cost), {}, None, np.zeros((LANES, 0), np.float32), u)
    return np.array([(act[:, 0] == a).mean() for a in range(A)])


@pytest.mark.parametrize("war_cost", [0.0, 0.5, 3.0])
def test_choice_follows_the_utility_with_war_cost_on_military_actions_only(war_cost: float) -> None:
    h = 1.0
    # U = c·h for the accusation, c·(h − c·w) for the assault (docs/model.md), worked out here.
    u = np.array([0.0, 0.3 * h, 0.8 * (h - 0.8 * war_cost)])
    expected = np.exp(u) / np.exp(u).sum()
    got = _choice_shares(war_cost, h)
    se = np.sqrt(expected * (1 - expected) / LANES)
    assert np.all(np.abs(got - expected) <= 4.5 * se), (got, expected)


def test_a_verbal_acts_odds_do_not_depend_on_war_cost_while_an_assaults_do() -> None:
    low, high = _choice_shares(0.5), _choice_shares(3.0)
    odds_low, odds_high = low[1:] / low[0], high[1:] / high[0]
    # The accusation's odds against no event are exp(0.3) whatever the war cost (±3 % at 60 000 lanes).
    assert abs(odds_low[0] - math.exp(0.3)) < 0.04 and abs(odds_high[0] - math.exp(0.3)) < 0.04
    # The assault's fall by exp(−0.64·2.5) ≈ 0.2 from war cost 0.5 to 3.
    assert odds_high[1] / odds_low[1] == pytest.approx(math.exp(-0.64 * 2.5), rel=0.1)


# 3. A veto stance per run ----------------------------------------------------------------------------

# The council drafts a sanctions resolution on B every month (fixed choice); V, its only veto member, has
# no relation to B and feels no hostility towards it, so each draft's veto probability is
# logistic(3·0 − 1.5) (docs/model.md) and no provocation or friendship changes it.
P_VETO = 1.0 / (1.0 + math.exp(1.5))
COUNCIL = """
[scenario]
id = "council"
title = "A council with one veto"
as_of = 2020-01-01
horizon = 12

[[sources]]
id = "note"
kind = "reference"
title = "test"

[[actors]]
id = "B"
name = "Beta"
[[actors]]
id = "V"
name = "Veto power"
[[actors]]
id = "UN"
name = "Council"
kind = "organisation"
members = ["V"]
veto = ["V"]

[[events]]
id = "resolution"
name = "Sanctions resolution"
event = "SANCTION"
preconditions = { actor_kind = ["organisation"], no_veto_in = "UN" }

[[outcomes]]
id = "adopted-once"
name = "A resolution is adopted"
event = "resolution"
sources = ["UN"]
targets = ["B"]

[[outcomes]]
id = "adopted-every-month"
name = "A resolution is adopted in each of the 12 months"
event = "resolution"
sources = ["UN"]
targets = ["B"]
min_count = 12
"""


def test_a_veto_stance_holds_for_the_whole_run_and_varies_across_runs() -> None:
    s = parse_scenario(COUNCIL, "council.toml")
    model = EscalationModel(s, horizon=12, fixed_actions={("UN", "B"): "resolution"})
    runs = 6000
    first = _first(model, runs, seed=9)
    once = first["adopted-once"] >= 1
    every = first["adopted-every-month"] >= 1
    # Within a run the stance is constant: a run adopts every draft or none (drawn per draft, runs with
    # some but not all of 12 adopted would be 1 − 0.82^12 − 0.18^12 ≈ 91 %).
    np.testing.assert_array_equal(once, every)
    # Across runs the share of runs whose drafts are all vetoed is the documented veto probability.
    vetoed = 1.0 - float(once.mean())
    se = math.sqrt(P_VETO * (1 - P_VETO) / runs)
    assert abs(vetoed - P_VETO) < 4.5 * se, (vetoed, P_VETO)


# 4. Ceasefire hazard by reference class ----------------------------------------------------------------


def test_the_stratified_weibull_fit_recovers_known_parameters() -> None:
    # Durations drawn from H_c(t) = λ_c·t^k with one shape and two scales, censored at 60 months.
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    k_true, lam_true = 0.5, {"short": 0.6, "long": 0.1}
    strata = {}
    for c, lam in lam_true.items():
        t = (rng.exponential(size=3000) / lam) ** (1 / k_true)  # inverse of the cumulative hazard
        strata[c] = [(min(x, 60.0), bool(x <= 60.0)) for x in t]
    k, lam_hat = weibull_strata(strata)
    assert k == pytest.approx(k_true, rel=0.05)
    for c, lam in lam_true.items():
        assert lam_hat[c] == pytest.approx(lam, rel=0.08), c


def test_war_classes_use_only_episodes_up_to_the_cut(data_root: Any) -> None:
    history = data_root / "history"
    to_2017, to_2022 = war_episode_classes(history, 2017), war_episode_classes(history, 2022)
    assert 0 < len(to_2017) < len(to_2022)
    # Russia–Ukraine (from February 2022) is the one great-power war of war size still open in 2022.
    open_gp_wars = [d for d, ended, gp, big in to_2022 if gp and big and not ended]
    assert len(open_gp_wars) == 1 and 10 < open_gp_wars[0] < 11
    assert not any(gp and big and not ended for _, ended, gp, big in to_2017)
    # The shipped table records the class counts the data give.
    for year, rows in (("2017", to_2017), ("2022", to_2022)):
        classes = war_classes_for(int(year))
        assert set(classes) == {"gp-war", "gp-minor", "other-war", "other-minor", "gp-any", "other-any"}
        from detente.engines.escalation.params import calibration

        table = calibration()["values"]["war_termination_classes"]["value"][year]
        assert table["gp-war"]["episodes"] == sum(1 for _, _, gp, big in rows if gp and big)
        assert table["gp-any"]["episodes"] + table["other-any"]["episodes"] == len(rows)


def test_each_war_dyad_takes_its_reference_class() -> None:
    eur = compile_scenario(load_scenario("eurasia-2023", check_quotes=False))
    kor = compile_scenario(load_scenario("korea-2018", check_quotes=False))

    def cls(cp: Any, a: str, b: str) -> tuple[str, float, float]:
        p = int(cp.pair_index[cp.actors.index(a), cp.actors.index(b)])
        return cp.war_class[p], round(float(cp.war_h[p]), 5), round(float(cp.war_k[p]), 5)

    # Russia–Ukraine: at war on the as-of date, war size in UCDP 2022, Russia a major power.
    assert cls(eur, "RUS", "UKR") == ("gp-war", *war_classes_for(2022)["gp-war"])
    # A war begun in a run has no size yet: the class pooled over sizes, by great-power involvement.
    assert cls(eur, "PRK", "KOR") == ("other-any", *war_classes_for(2022)["other-any"])
    assert cls(kor, "USA", "PRK") == ("gp-any", *war_classes_for(2017)["gp-any"])
    # An override applies to every dyad.
    over = compile_scenario(load_scenario("eurasia-2023", check_quotes=False), {"war_termination": 0.2})
    assert (over.war_h == 0.2).all()


def test_a_new_war_ends_by_the_law_of_its_class() -> None:
    # The war scenario's rivals are no major powers and at war by the scenario's say (no UCDP size): their
    # war takes other-any's law, P(ceasefire by t) = 1 − (1 − h)^(t^k) (no UCDP start: its clock starts at 0).
    from tests.test_escalation_war import war

    h, k = war_classes_for(2019)["other-any"]
    model = EscalationModel(war(), horizon=24, fixed_actions={})
    assert model.compiled.war_class[int(model.compiled.pair_index[0, 1])] == "other-any"
    runs = 4000
    first = _first(model, runs, seed=4)["ab-ceasefire"]
    for t in (1, 2, 6, 12, 24):
        expected = 1 - (1 - h) ** (t**k)
        observed = float(((first >= 1) & (first <= t)).mean())
        se = math.sqrt(expected * (1 - expected) / runs)
        assert abs(observed - expected) < 4.5 * se, (t, observed, expected)


# 5. E08: the builder's test rate rises ------------------------------------------------------------------

TREND = 1.0
BUILDER = f"""
[scenario]
id = "builder"
title = "A builder and a neighbour"
as_of = 2020-01-01
horizon = 24

[[sources]]
id = "note"
kind = "reference"
title = "test"

[[actors]]
id = "B"
name = "Builder"
[actors.capabilities]
nuclear_status = "unofficial"
[[actors]]
id = "X"
name = "Neighbour"

[[events]]
id = "nuclear-test"
name = "Nuclear test"
event = "MOBILIZE"
mode = "weapons"
preconditions = {{ nuclear_status = ["unofficial"] }}

[[outcomes]]
id = "b-tests"
name = "B tests"
event = "nuclear-test"
sources = ["B"]

[[mechanisms]]
id = "E08"
type = "military-buildup"
name = "Build-up"
actors = ["B"]
params = {{ test_trend = {TREND} }}
"""


@pytest.mark.parametrize("on", [True, False])
def test_the_builders_test_hazard_rises_by_the_trend(on: bool) -> None:
    # λ = 0: each month's choice is softmax of the intercepts alone, so the hazard of the first test in
    # month t+1 is e^(β + b·t/12) / (Σ_other e^β' + e^(β + b·t/12)), worked out here from the intercepts.
    s = parse_scenario(BUILDER, "builder.toml")
    model = EscalationModel(s, horizon=24, overrides={"engine.rationality": 0.0}, mechanisms_off=() if on else ["E08"])
    cp = model.compiled
    p = int(cp.pair_index[0, 1])
    a = cp.action_names.index("nuclear-test")
    beta = cp.intercept[p] - model.offset[p]  # the calibration offset (scenario as written) stays under overrides
    others = float(np.exp(beta[np.isfinite(beta)]).sum() - math.exp(beta[a]))
    runs = 20_000
    first = _first(model, runs, seed=8)["b-tests"]
    for t in (0, 6, 12, 18):
        shift = TREND * t / 12 if on else 0.0
        expected = math.exp(beta[a] + shift) / (others + math.exp(beta[a] + shift))
        at_risk = (first < 0) | (first > t)
        hazard = float((first[at_risk] == t + 1).mean())
        se = math.sqrt(expected * (1 - expected) / at_risk.sum())
        assert abs(hazard - expected) < 4.5 * se, (t, hazard, expected)


def test_each_scenario_uses_the_trend_fitted_before_its_as_of_date(data_root: Any) -> None:
    from detente.calibrate.trend import monthly_test_days
    from detente.history import load_missile_tests

    eur = load_scenario("eurasia-2023", check_quotes=False)
    cp = compile_scenario(eur)
    fitted = cp.mech["military-buildup"]["test_trend"]
    # The ten years before 1 September 2023: 120 months, none on or after the as-of date; rising tests.
    import datetime as dt

    counts = monthly_test_days(load_missile_tests("2023-09-01", data_root)["date"], dt.date(2023, 9, 1))
    assert len(counts) == 120 and sum(counts) > 0
    # An independent Poisson MLE of log E[n] = a + b·years by Newton's method agrees with the fit.
    y = np.array(counts, float)
    x = np.arange(120) / 12.0
    a_, b_ = math.log(y.mean()), 0.0
    for _ in range(50):
        mu = np.exp(a_ + b_ * x)
        g = np.array([(y - mu).sum(), ((y - mu) * x).sum()])
        hess = np.array([[mu.sum(), (mu * x).sum()], [(mu * x).sum(), (mu * x * x).sum()]])
        a_, b_ = np.array([a_, b_]) + np.linalg.solve(hess, g)
    assert fitted == pytest.approx(b_, abs=1e-3)
    assert 0 < fitted < 1
