"""Every mechanism type has a lever: switching off a seed instance of it moves the outcome it should.

Each test runs the shipped scenario twice with one seed (common random numbers), once with the mechanism
and once without, and checks the direction of the difference the lever's documentation promises.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

from detente.engines.escalation import SimulationResult, mechanism_levers, simulate
from detente.mechanisms import SEED_INSTANCES, TYPES
from detente.scenario.io import load_scenario
from detente.scenario.model import Scenario

RUNS = {"korea-2018": 768, "eurasia-2023": 384}


@cache
def scen(name: str) -> Scenario:
    return load_scenario(name, check_quotes=False)


def pair_p(a: str, b: str, *events: str, by: int = 12) -> Callable[[SimulationResult], float]:
    def metric(r: SimulationResult) -> float:
        hit = np.zeros(r.runs, bool)
        for e in events:
            f = r.pair_first_step(a, b, e)
            hit |= (f >= 1) & (f <= by)
        return float(hit.mean())

    return metric


def tension(a: str, b: str) -> Callable[[SimulationResult], float]:
    return lambda r: float(r.tension_of(a, b)[:, -1].mean())


def mean_tension(r: SimulationResult) -> float:
    return float(r.arrays["tension"][:, -1].astype(float).mean())


def outcome(oid: str) -> Callable[[SimulationResult], float]:
    return lambda r: float((r.outcome_first_step(oid) >= 1).mean())


def capacity(kind: str, actor: str) -> Callable[[SimulationResult], float]:
    return lambda r: float(r.arrays[kind][:, -1, r.actors.index(actor)].astype(float).mean())


def actor_move(issue: str, actor: str) -> Callable[[SimulationResult], float]:
    def metric(r: SimulationResult) -> float:
        series = r.to_dict()["actor_positions"][issue][actor]
        return abs(series[-1] - series[0])

    return metric


# (mechanism, scenario, metric, sign of on − off, extra simulate kwargs)
CASES: list[tuple[str, str, Callable[[SimulationResult], float], int, dict[str, Any]]] = [
    ("K01", "korea-2018", pair_p("KOR", "PRK", "CONSULT", "AGREE", "SUPPORT", "COOPERATE"), +1, {}),
    ("K02", "korea-2018", lambda r: float(r.arrays["status_quo"][:, -1, r.issues.index("prk-nuclear-status")].mean()), 0, {}),
    ("K03", "korea-2018", pair_p("PRK", "KOR", "CONCEDE", "RETREAT"), -1, {}),
    ("K04", "korea-2018", pair_p("USA", "KOR", "REQUEST", "THREATEN", by=6), +1, {}),
    ("K05", "korea-2018", capacity("economic", "PRK"), -1, {}),
    ("K06", "korea-2018", tension("CHN", "USA"), +1, {}),
    ("K07", "korea-2018", actor_move("prk-nuclear-status", "PRK"), -1, {"overrides": {"mechanisms[K07].params.limit": 0.005}}),
    ("K08", "korea-2018", pair_p("USA", "CHN", "ACCUSE"), +1, {}),
    ("K09", "korea-2018", pair_p("USA", "PRK", "MOBILIZE"), +1, {}),
    ("K10", "korea-2018", tension("PRK", "USA"), +1, {"overrides": {"actors[USA].params.resolve": 0.1}}),
    ("K11", "korea-2018", lambda r: float((r.arrays["accident_first"] >= 1).mean()), +1, {}),
    ("K12", "korea-2018", outcome("prk-nuclear-test"), +1, {"overrides": {"relations[us-prk-rivalry].params.grievance": 1.0}}),
    ("K13", "korea-2018", tension("USA", "PRK"), +1, {}),
    ("K14", "korea-2018", capacity("reputation", "CHN"), -1, {}),
    ("K15", "korea-2018", pair_p("RUS", "CHN", "CONSULT", by=6), +1, {}),
    ("K16", "korea-2018", pair_p("RUS", "PRK", "CONSULT", by=6), +1, {}),
    ("K17", "korea-2018", pair_p("RUS", "USA", "REQUEST", "ACCUSE", "THREATEN", by=6), +1, {}),
    ("K18", "korea-2018", pair_p("RUS", "KOR", "CONSULT", by=6), +1, {}),
    ("K19", "korea-2018", outcome("six-party-talks-resumed"), +1, {}),
    ("E01", "eurasia-2023", tension("RUS", "USA"), +1, {}),
    ("E02", "eurasia-2023", actor_move("ukraine-alignment", "UKR"), +1, {}),
    ("E03", "eurasia-2023", pair_p("RUS", "USA", "MOBILIZE", "COERCE", "ASSAULT"), +1, {"overrides": {"mechanisms[E03].params.red_line": 0.0}}),
    ("E04", "eurasia-2023", tension("PRK", "KOR"), +1, {"overrides": {"mechanisms[E04].params.erosion": 0.5}}),
    ("E05", "eurasia-2023", tension("CHN", "USA"), 0, {}),
    ("E06", "eurasia-2023", pair_p("PRK", "KOR", "ASSAULT", "COERCE", by=12), -1, {}),
    ("E07", "eurasia-2023", pair_p("RUS", "PRK", "SUPPORT", "COOPERATE", "AID"), +1, {}),
    ("E08", "eurasia-2023", capacity("military", "PRK"), +1, {}),
    ("E09", "eurasia-2023", tension("CHN", "USA"), +1, {}),
    ("E10", "eurasia-2023", tension("PRK", "KOR"), +1, {}),
    ("E11", "eurasia-2023", mean_tension, +1, {}),
    ("E12", "eurasia-2023", pair_p("RUS", "NATO", "ASSAULT", "COERCE", "MOBILIZE"), +1, {}),
    ("E13", "eurasia-2023", mean_tension, -1, {}),  # some relief spills over (coupling 0.2); off, none
    ("E14", "eurasia-2023", capacity("military", "CHN"), +1, {}),
    ("E15", "eurasia-2023", pair_p("USA", "CHN", "THREATEN", "ACCUSE", "MOBILIZE", by=6), +1, {"overrides": {"actors[USA].doctrine": 1.0}}),
]


def test_every_mechanism_has_a_lever_and_a_switch_off_case() -> None:
    levers = mechanism_levers()
    assert set(levers) == set(TYPES)
    assert {SEED_INSTANCES[c[0]][0] for c in CASES} == set(TYPES)
    for mid, lever in levers.items():
        assert lever.lever, mid
        for name, p in lever.params.items():
            assert p.source, (mid, name)
            assert p.lo <= p.default <= p.hi, (mid, name)


@pytest.mark.parametrize(("mid", "name", "metric", "sign", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_switching_a_mechanism_off_moves_its_outcome(
    mid: str, name: str, metric: Callable[[SimulationResult], float], sign: int, kwargs: dict[str, Any]
) -> None:
    s = scen(name)
    on = simulate(s, runs=RUNS[name], seed=21, horizon=12, **kwargs)
    off = simulate(s, runs=RUNS[name], seed=21, horizon=12, mechanisms_off=[mid], **kwargs)
    assert on.mechanisms[mid]["enabled"] and not off.mechanisms[mid]["enabled"]
    a, b = metric(on), metric(off)
    if sign == 0:
        assert a != pytest.approx(b, rel=1e-3, abs=1e-4), (mid, a, b)
    else:
        assert sign * (a - b) > 0, (mid, a, b)


def test_k11_off_means_no_war_without_a_deliberate_choice() -> None:
    off = simulate(scen("korea-2018"), runs=768, seed=3, horizon=24, mechanisms_off=["K11"])
    assert (off.arrays["accident_first"] < 0).all()


def test_k06_off_removes_third_party_compliance_costs() -> None:
    s = scen("korea-2018")
    on = simulate(s, runs=256, seed=5, horizon=12)
    off = simulate(s, runs=256, seed=5, horizon=12, mechanisms_off=["K06"])
    assert capacity("economic", "CHN")(on) < capacity("economic", "CHN")(off)


@pytest.mark.parametrize("choice", ["SUPPORT", "SANCTION"])
def test_k14_china_loses_standing_whether_it_supports_or_abandons_the_north(choice: str) -> None:
    s = scen("korea-2018")
    fixed = {("CHN", "PRK"): choice}
    on = simulate(s, runs=16, seed=1, horizon=6, fixed_actions=fixed, mechanisms_off=["K11"])
    off = simulate(s, runs=16, seed=1, horizon=6, fixed_actions=fixed, mechanisms_off=["K11", "K14"])
    standing_on = capacity("reputation", "CHN")(on)
    standing_off = capacity("reputation", "CHN")(off)
    assert standing_on < 0
    assert standing_on < standing_off


def test_docs_state_every_lever_and_parameter() -> None:
    from pathlib import Path

    from detente.engines.escalation import engine_params

    text = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text("utf-8")
    section = text.split("<!-- section: escalation")[1].split("<!-- end section: escalation")[0]
    for mid, lever in mechanism_levers().items():
        assert f"| `{mid}` |" in section, mid
        for name in lever.params:
            assert f"`{name}`" in section, (mid, name)
    for name in engine_params():
        assert f"`{name}`" in section, name
