"""The escalation engine: contract, known limits (Richardson, determinism, no conflict ⇒ no war), output."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.engines.escalation import EscalationModel, SimulationResult, simulate, wilson
from detente.errors import DetenteError, InputError
from detente.ontology import EventType
from detente.scenario.io import load_scenario, parse_scenario
from detente.scenario.model import Scenario
from tests.contract import EngineContract
from tests.strategies import scenario_dicts

TINY = """
[scenario]
id = "tiny"
title = "Two rivals, a patron and a channel"
as_of = 2020-01-01
horizon = 12

[[sources]]
id = "note"
kind = "reference"
title = "test"

[[actors]]
id = "A"
name = "Alpha"
doctrine = 0.8
[actors.capabilities]
military = 0.3
economic = 0.3
nuclear_status = "recognised"

[[actors]]
id = "B"
name = "Beta"
doctrine = 0.6
[actors.capabilities]
military = 0.05
economic = 0.02
nuclear_status = "unofficial"

[[actors]]
id = "C"
name = "Gamma"
doctrine = 0.3
[actors.capabilities]
military = 0.2
economic = 0.2
nuclear_status = "recognised"

[[issues]]
id = "arms"
name = "B's arsenal"
low_means = "disarmed"
high_means = "recognised arsenal"
status_quo = 60
positions = [
  { actor = "A", position = 0, salience = 0.9 },
  { actor = "B", position = 100, salience = 1.0 },
  { actor = "C", position = 50, salience = 0.5 },
]

[[relations]]
kind = "rivalry"
id = "ab"
members = ["A", "B"]
tension = 1.0

[[relations]]
kind = "alliance"
id = "cb"
senior = "C"
junior = ["B"]

[[relations]]
kind = "channel"
id = "talks"
name = "Talks"
members = ["A", "B", "C"]
state = "suspended"

[[events]]
id = "test"
name = "Nuclear test"
event = "MOBILIZE"
mode = "weapons"
preconditions = { nuclear_status = ["unofficial"] }

[[outcomes]]
id = "b-tests"
name = "B tests"
event = "test"
sources = ["B"]

[[outcomes]]
id = "force"
name = "Force between A and B"
event = "ASSAULT"
sources = ["A", "B"]
targets = ["A", "B"]

[[strategies]]
id = "talk"
name = "C talks"
actor = "C"
[[strategies.components]]
id = "consult"
name = "Consult both"
actions = [{ kind = "event", actor = "C", event = "CONSULT", weight = 2.0 }]
"""

PAIR = """
[scenario]
id = "pair"
title = "Two actors and nothing else"
as_of = 2020-01-01
horizon = 40

[[sources]]
id = "note"
kind = "reference"
title = "test"

[[actors]]
id = "X"
name = "X"
[[actors]]
id = "Y"
name = "Y"

[[relations]]
kind = "rivalry"
id = "xy"
members = ["X", "Y"]
tension = 0.0
params = { reaction_12 = 0.1, reaction_21 = 0.2, decay_12 = 0.5, decay_21 = 0.4, grievance = 1.0 }
"""


def tiny() -> Scenario:
    return parse_scenario(TINY, "tiny.toml")


def pair(**params: float) -> Scenario:
    base = {"reaction_12": 0.1, "reaction_21": 0.2, "decay_12": 0.5, "decay_21": 0.4, "grievance": 1.0}
    line = "params = { " + ", ".join(f"{k} = {v}" for k, v in {**base, **params}.items()) + " }"
    text = PAIR.replace(
        "params = { reaction_12 = 0.1, reaction_21 = 0.2, decay_12 = 0.5, decay_21 = 0.4, grievance = 1.0 }", line
    )
    return parse_scenario(text, "pair.toml")


class TestEscalationContract(EngineContract):
    engine = "escalation"
    runs = 600
    bad_params = [
        {"overrides": {"engine.rationality": -1.0}},
        {"overrides": {"engine.nonsense": 1.0}},
        {"overrides": {"actors[ZZ].doctrine": 0.5}},
        {"overrides": {"mechanisms[accidental-escalation].params.rate": 2.0}},
        {"mechanisms_off": ["K99"]},
        {"strategy": "no-such-strategy"},
        {"chunk_size": 0},
        {"horizon": 10_000},
    ]

    def scenario(self) -> Scenario:
        return tiny()

    def run(self, scenario: Any, **kwargs: Any) -> SimulationResult:
        return simulate(scenario, **kwargs)


# Known limits ---------------------------------------------------------------------------------------


def test_zero_noise_and_fixed_choices_are_deterministic_across_seeds() -> None:
    s = tiny()
    calm = {
        "engine.perception_noise": 0.0,
        "engine.resolve_noise": 0.0,
        "engine.rationality": math.inf,
    }
    a = simulate(s, runs=50, seed=1, overrides=calm)  # tiny declares no (stochastic) mechanism
    b = simulate(s, runs=50, seed=99, overrides=calm)
    for key in a.arrays:
        np.testing.assert_array_equal(a.arrays[key][:50] if a.arrays[key].shape[0] == 50 else a.arrays[key], b.arrays[key][:50] if b.arrays[key].shape[0] == 50 else b.arrays[key], err_msg=key)
    # Every replicate is the same replicate.
    assert (a.arrays["tension"] == a.arrays["tension"][:1]).all()
    fixed = {("X", "Y"): "THREATEN", ("Y", "X"): "NONE"}
    c = simulate(pair(), runs=20, seed=3, fixed_actions=fixed)
    assert (c.arrays["tension"] == c.arrays["tension"][:1]).all()


def richardson_fixed_point(a: float, b: float, m: float, n: float, g: float, h: float) -> tuple[float, float]:
    d = m * n - a * b
    return (a * h + n * g) / d, (b * g + m * h) / d


def test_tension_converges_to_the_richardson_equilibrium_below_the_stability_bound() -> None:
    # Oracle (shared/oracles.md): a=0.1, b=0.2, m=0.5, n=0.4, g=h=1 → (2.778, 3.889).
    res = simulate(pair(), runs=4, seed=0, fixed_actions={}, horizon=40)
    x = res.tension_of("X", "Y")[0]
    y = res.tension_of("Y", "X")[0]
    xs, ys = richardson_fixed_point(0.1, 0.2, 0.5, 0.4, 1.0, 1.0)
    assert xs == pytest.approx(2.778, abs=1e-3) and ys == pytest.approx(3.889, abs=1e-3)
    assert x[-1] == pytest.approx(xs, rel=2e-3)
    assert y[-1] == pytest.approx(ys, rel=2e-3)
    # The gap shrinks geometrically (eigenvalues 0.7 and 0.4 of the discrete map).
    gap = np.abs(x - xs) + np.abs(y - ys)
    assert gap[20] < gap[10] < gap[0]


def test_tension_diverges_above_the_richardson_stability_bound() -> None:
    # a·b = 0.6·0.6 > m·n = 0.2·0.2: a saddle; from zero with g > 0 the race is unbounded.
    s = pair(reaction_12=0.6, reaction_21=0.6, decay_12=0.2, decay_21=0.2)
    res = simulate(s, runs=2, seed=0, fixed_actions={}, horizon=20)
    x = res.tension_of("X", "Y")[0]
    assert np.all(np.diff(x) > 0)
    assert x[-1] > 100 * x[1]
    # Growth approaches the dominant eigenvalue of the discrete map, 1 − m + a = 1.4.
    assert x[-1] / x[-2] == pytest.approx(1.4, rel=0.01)


def test_without_conflictual_actions_war_never_happens() -> None:
    s = tiny()
    # Make every conflictual action impossible: a utility penalty no draw can overcome.
    comps = []
    for actor in ("A", "B", "C"):
        for t in EventType:
            from detente.ontology import event_score

            if event_score(t) < 0:
                comps.append({"kind": "event", "actor": actor, "event": t.value, "weight": -1000.0})
    comps.append({"kind": "event", "actor": "B", "event": "test", "weight": -1000.0})
    from detente.scenario.model import StrategyComponent

    comp = StrategyComponent.model_validate({"id": "peace", "name": "peace", "actions": comps})
    res = simulate(s, runs=1000, seed=2, strategy=[comp], overrides={"mechanisms[accidental-escalation].params.rate": 1.0})
    assert (res.arrays["war_first"] < 0).all()
    assert (res.arrays["accident_first"] < 0).all()
    assert (res.outcome_first_step("force") < 0).all()


def test_a_dyad_without_interaction_decays_to_zero() -> None:
    # Start the dyad at 2.0 with no reaction, no grievance and no events: pure Richardson fatigue.
    s = pair(reaction_12=0.0, reaction_21=0.0, grievance=0.0)
    res = simulate(s, runs=3, seed=0, fixed_actions={}, horizon=40, overrides={"relations[xy].tension": 2.0})
    x = res.tension_of("X", "Y")[0]
    assert x[0] == pytest.approx(2.0)
    assert np.all(np.diff(x) <= 0)
    np.testing.assert_allclose(x[:10], 2.0 * 0.5 ** np.arange(10), rtol=1e-3)
    assert x[-1] == pytest.approx(0.0, abs=1e-6)


# Output ---------------------------------------------------------------------------------------------


def test_to_dict_has_the_promised_shape_and_is_json() -> None:
    res = simulate(tiny(), runs=300, seed=7, horizon=12)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["scenario"] == "tiny" and d["runs"] == 300 and d["seed"] == 7 and d["horizon"] == 12
    assert set(d["outcomes"]["b-tests"]) == {"6", "12"}
    for v in d["outcomes"]["b-tests"].values():
        assert 0 <= v["lo"] <= v["p"] <= v["hi"] <= 1
    assert set(d["pairs"]["A->B"]) == {t.value for t in EventType}
    assert d["tension"]["A->B"]["steps"] == list(range(13))
    band = d["tension"]["A->B"]
    assert all(band["q05"][i] <= band["q50"][i] <= band["q95"][i] for i in range(13))
    assert set(d["positions"]) == {"arms"}
    assert d["mechanisms"] == {}  # tiny declares no mechanism: none acts, none is listed
    assert {"war", "settlement"} <= set(d["paths"])
    first = res.outcome_first_step("b-tests")
    assert first.shape == (300,) and first.dtype == np.int64
    with pytest.raises(InputError, match="no tracked outcome"):
        res.outcome_first_step("nope")


def test_outcome_probabilities_are_monotone_in_the_horizon() -> None:
    d = simulate(tiny(), runs=500, seed=1, horizon=24).to_dict()
    for by in d["outcomes"].values():
        assert by["6"]["p"] <= by["12"]["p"] <= by["24"]["p"]


def test_a_strategy_that_favours_consultation_makes_it_more_likely() -> None:
    s = tiny()
    base = simulate(s, runs=800, seed=4, horizon=6)
    talk = simulate(s, runs=800, seed=4, horizon=6, strategy="talk")
    p0 = (base.pair_first_step("C", "A", "CONSULT") > 0).mean()
    p1 = (talk.pair_first_step("C", "A", "CONSULT") > 0).mean()
    assert p1 > p0 + 0.1
    assert talk.strategy == "talk"


def test_set_actions_and_overrides_reach_the_engine() -> None:
    s = tiny()
    # tiny declares no mechanism: the override of a type's parameter adds an instance of `doctrine`.
    with_doctrine = {"mechanisms[doctrine].params.weight": 1.0}
    hawk = simulate(s, runs=800, seed=4, horizon=6, overrides={"actors[C].doctrine": 1.0, **with_doctrine})
    dove = simulate(s, runs=800, seed=4, horizon=6, overrides={"actors[C].doctrine": 0.0, **with_doctrine})
    assert hawk.mechanisms["doctrine"]["enabled"]
    assert hawk.tension_of("A", "C")[:, -1].mean() > dove.tension_of("A", "C")[:, -1].mean()


def test_wilson_interval_matches_the_textbook_values() -> None:
    p, lo, hi = wilson(10, 100)
    assert p == 0.1
    assert lo == pytest.approx(0.0552, abs=1e-4) and hi == pytest.approx(0.1744, abs=1e-4)
    assert wilson(0, 50)[1] == 0.0


def test_model_refuses_unknown_fixed_actions() -> None:
    with pytest.raises(InputError, match="unknown action"):
        EscalationModel(tiny(), fixed_actions={("A", "B"): "DANCE"})
    with pytest.raises(InputError, match="no pair"):
        EscalationModel(tiny(), fixed_actions={("A", "Q"): "NONE"})


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_shipped_scenarios_simulate_with_sensible_numbers(name: str) -> None:
    s = load_scenario(name, check_quotes=False)
    res = simulate(s, runs=256, seed=7, horizon=12)
    d = res.to_dict()
    assert np.isfinite(res.arrays["tension"].astype(float)).all()
    assert (res.arrays["tension"] >= 0).all()
    for by in d["outcomes"].values():
        assert 0.0 <= by["12"]["p"] <= 1.0
    for k, (lo, hi) in enumerate(res.issue_scale):
        sq = res.arrays["status_quo"][:, :, k]
        assert (sq >= lo - 1e-3).all() and (sq <= hi + 1e-3).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_any_valid_scenario_runs_and_keeps_its_invariants(data: dict[str, Any]) -> None:
    try:
        s = Scenario.model_validate(data)
    except Exception:  # the generator may produce a scenario the format rejects
        return
    try:
        res = simulate(s, runs=40, seed=0, horizon=3)
    except DetenteError:
        return  # e.g. fewer than two acting actors: refused with a message, not a crash
    assert (res.arrays["tension"] >= 0).all()
    first = res.arrays["outcome_first"]
    assert ((first == -1) | ((first >= 1) & (first <= 3))).all()


def test_simulate_command_prints_odds_and_writes_json(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from detente.cli import main

    out = tmp_path / "run.json"
    main(["simulate", "korea-2018", "--engine", "qre", "--runs", "300", "--horizon", "12", "--seed", "7", "--quiet", "--no-store", "--json", str(out)])
    text = capsys.readouterr().out
    assert "prk-nuclear-test" in text and "paths to war" in text
    # The engine's own states come in their own table, after the scenario's outcomes, each defined.
    assert text.index("Scenario outcomes") < text.index("The engine's own states") < text.index("engine:war")
    scenario_table = text[text.index("Scenario outcomes") : text.index("The engine's own states")]
    assert "engine:" not in scenario_table
    assert "engine:war: first use of force" in " ".join(text.split())
    d = json.loads(out.read_text("utf-8"))
    assert d["scenario"] == "korea-2018" and d["runs"] == 300 and d["seed"] == 7
    assert set(d["outcomes"]["prk-nuclear-test"]) == {"6", "12"}
    assert "THREATEN" in d["pairs"]["USA->PRK"]


def test_simulate_command_refuses_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from detente.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["simulate", "korea-2018", "--runs", "10", "--off", "K99", "--quiet", "--no-store"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: mechanisms_off: korea-2018 declares no mechanism K99 (fix: use one of its mechanism ids: K01,")
    with pytest.raises(SystemExit):
        main(["simulate", "korea-2018", "--runs", "10", "--set", "actors[USA].doctrine", "--no-store"])
    assert "expected PATH=VALUE" in capsys.readouterr().err


@settings(max_examples=8, deadline=None)
@given(
    runs=st.integers(min_value=1, max_value=700),
    chunk=st.integers(min_value=1, max_value=1000),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_chunking_gives_the_numbers_of_the_whole_run(runs: int, chunk: int, seed: int) -> None:
    s = tiny()
    whole = simulate(s, runs=runs, seed=seed, horizon=4, chunk_size=10_000)
    parts = simulate(s, runs=runs, seed=seed, horizon=4, chunk_size=chunk)
    for key, value in whole.arrays.items():
        np.testing.assert_array_equal(value, parts.arrays[key], err_msg=key)
    assert whole.to_dict() == parts.to_dict()


def test_strategies_share_random_numbers_replicate_by_replicate() -> None:
    from detente.scenario.model import StrategyComponent

    s = tiny()
    null = StrategyComponent.model_validate(
        {"id": "null", "name": "null", "actions": [{"kind": "event", "actor": "C", "event": "CONSULT", "weight": 0.0}]}
    )
    base = simulate(s, runs=300, seed=12, horizon=8)
    same = simulate(s, runs=300, seed=12, horizon=8, strategy=[null])
    for key, value in base.arrays.items():
        np.testing.assert_array_equal(value, same.arrays[key], err_msg=key)
    # A real strategy changes outcomes only where it acts: replicates stay paired.
    talk = simulate(s, runs=300, seed=12, horizon=8, strategy="talk")
    assert not np.array_equal(base.arrays["pair_first"], talk.arrays["pair_first"])
    assert (base.arrays["tension"][:, 0] == talk.arrays["tension"][:, 0]).all()


def _korea_strategy(cid: str, actions: list[dict[str, Any]]) -> Any:
    from detente.scenario.model import StrategyComponent

    return StrategyComponent.model_validate({"id": cid, "name": cid, "actions": actions})


def test_a_nuclear_test_makes_a_new_unsc_resolution_likely_and_calm_keeps_it_rare() -> None:
    # The UNSC record before 2018: every North Korean nuclear test drew a sanctions resolution within three
    # months, adopted unanimously (China and Russia voting yes); none came without a test or launch.
    s = load_scenario("korea-2018", check_quotes=False)
    tests = ("nuclear-test", "icbm-launch", "slbm-test")
    forced = _korea_strategy(
        "forced-test",
        [{"actor": "PRK", "event": "nuclear-test", "targets": ["USA"], "weight": 40.0, "start": 0, "end": 1},
         *[{"actor": "PRK", "event": e, "weight": -40.0, "start": 1} for e in tests]],
    )
    calm = _korea_strategy("no-tests", [{"actor": "PRK", "event": e, "weight": -40.0} for e in tests])
    hit = simulate(s, runs=1024, seed=3, horizon=6, strategy=[forced])
    assert (hit.outcome_first_step("prk-nuclear-test") == 1).mean() > 0.9
    first = hit.outcome_first_step("unsc-new-sanctions")
    assert ((first >= 1) & (first <= 4)).mean() > 0.6
    quiet = simulate(s, runs=1024, seed=3, horizon=6, strategy=[calm])
    assert (quiet.outcome_first_step("prk-nuclear-test") < 0).all()
    first = quiet.outcome_first_step("unsc-new-sanctions")
    assert (first >= 1).mean() < 0.02


def test_simulate_refuses_an_unknown_parameter_name_in_one_line(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from detente.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(TINY + '\n[[mechanisms]]\nid = "K11"\nname = "Accidents"\nparams = { rat = 0.1 }\n', "utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(bad), "--runs", "10", "--quiet", "--no-store"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"Error: {bad}: mechanisms[0].params.rat: unknown parameter 'rat' for K11 (accidental-escalation) "
        "(fix: use one of: channel_damping, rate)"
    )
    assert "\n" not in err


@pytest.mark.parametrize(
    ("where", "path", "message"),
    [
        ("actor", "actors[0].params.resolv", "unknown parameter 'resolv' for actor A"),
        ("relation", "relations[0].params.reactoin", "unknown parameter 'reactoin' for relation ab"),
    ],
)
def test_unknown_actor_and_relation_params_are_refused(where: str, path: str, message: str) -> None:
    from detente.errors import ScenarioError

    text = TINY
    if where == "actor":
        text = text.replace('doctrine = 0.8\n', 'doctrine = 0.8\nparams = { resolv = 0.5 }\n', 1)
    else:
        text = text.replace("tension = 1.0\n", "tension = 1.0\nparams = { reactoin = 0.2 }\n", 1)
    with pytest.raises(ScenarioError) as exc:
        simulate(parse_scenario(text, "tiny.toml"), runs=8, seed=0)
    assert exc.value.path == path and exc.value.message == message


def test_shipped_scenarios_use_only_known_parameter_names() -> None:
    from detente.engines.escalation.compile import check_param_names

    for name in ("korea-2018", "eurasia-2023"):
        check_param_names(load_scenario(name, check_quotes=False))
