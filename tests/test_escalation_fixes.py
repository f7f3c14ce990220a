"""Issue 11 item 6: fixes to the quantal-response escalation engine, each against an answer worked out here.

- Accidental clashes are the scenario's clash event, so outcomes defined by it count them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from detente.engines.escalation import EscalationModel
from detente.engines.escalation.compile import compile_scenario
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
