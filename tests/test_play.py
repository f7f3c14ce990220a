"""Human seats: the stepper against the engine's own runs, moves, the verdict, storing and replaying."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engines.escalation import EscalationModel, simulate
from detente.errors import InputError
from detente.game import Game, SeatMove, advance
from detente.game.stepper import impose
from detente.scenario.io import load_scenario_file

KEYS = ("tension", "outcome_first", "war_first", "accident_first", "settlement_first", "reputation",
        "military", "economic", "pair_first", "peaks")


@pytest.fixture(scope="module")
def korea():  # type: ignore[no-untyped-def]
    return load_scenario_file("korea-2018", check_quotes=False)


@pytest.mark.parametrize("seed", [0, 11])
def test_without_a_human_the_game_is_replicate_zero_of_simulate(korea, seed: int) -> None:  # type: ignore[no-untyped-def]
    model = EscalationModel(korea.scenario, horizon=12)
    path = advance(model, seed, 12, {}, lanes=1)
    ref = simulate(korea.scenario, runs=3, horizon=12, seed=seed)
    for k in KEYS:
        assert np.array_equal(path.arrays[k][0], ref.arrays[k][0]), k


def test_at_step_zero_the_continuations_are_simulate_itself(korea) -> None:  # type: ignore[no-untyped-def]
    model = EscalationModel(korea.scenario, horizon=8)
    adv = advance(model, 5, 0, {}, lanes=600)
    ref = simulate(korea.scenario, runs=600, horizon=8, seed=5)
    assert adv.lanes == 600
    assert np.array_equal(adv.arrays["outcome_first"], ref.arrays["outcome_first"])


def test_continuations_share_the_path_then_diverge(korea) -> None:  # type: ignore[no-untyped-def]
    model = EscalationModel(korea.scenario, horizon=10)
    moves = [{("RUS", "USA"): "THREATEN"}, {}, {("RUS", "PRK"): "CONSULT"}]
    forced = impose(model, moves)
    adv = advance(model, 2, 4, forced, lanes=300)
    T = adv.arrays["tension"].astype(float)
    path = advance(model, 2, 4, forced, lanes=1)
    # Every lane is the game up to step 4 ...
    assert np.array_equal(T[:, :5], np.broadcast_to(path.arrays["tension"][0, :5], T[:, :5].shape))
    # ... and the lanes go their own ways after it.
    assert np.unique(T[:, 10].round(4), axis=0).shape[0] > 100
    comp = model.compiled
    names = comp.action_names
    p_ru = int(comp.pair_index[comp.actors.index("RUS"), comp.actors.index("USA")])
    assert names[path.path_actions[0, p_ru]] == "THREATEN"


def test_an_imposed_action_changes_the_path_and_nothing_before_it(korea) -> None:  # type: ignore[no-untyped-def]
    model = EscalationModel(korea.scenario, horizon=6)
    free = advance(model, 3, 6, {}, lanes=1)
    forced = advance(model, 3, 6, impose(model, [{}, {}, {("USA", "PRK"): "ASSAULT"}]), lanes=1)
    t_free, t_forced = free.arrays["tension"][0].astype(float), forced.arrays["tension"][0].astype(float)
    assert np.array_equal(t_free[:3], t_forced[:3])
    p = int(model.compiled.pair_index[model.compiled.actors.index("PRK"), model.compiled.actors.index("USA")])
    # North Korea's hostility towards the US after a US attack is higher than on the free path.
    assert t_forced[3, p] > t_free[3, p]


def test_moves_are_checked_and_a_bad_one_changes_nothing(korea) -> None:  # type: ignore[no-untyped-def]
    game = Game(korea, ("RUS",), seed=1, horizon=3, lanes=64)
    for text, fragment in [
        ("XXX=CONSULT", "unknown target 'XXX'"),
        ("PRK=FLY", "'FLY' is not an action open to RUS"),
        ("nosuch/comp", "no strategy component"),
    ]:
        with pytest.raises(InputError, match=fragment):
            game.parse_move("RUS", text)
    with pytest.raises(InputError, match="not a seat"):
        game.play({"USA": SeatMove()})
    assert game.step == 0
    move = game.parse_move("RUS", "prk=consult")
    assert move.actions["PRK"] == "CONSULT" and move.actions["USA"] == "NONE"
    auto = game.parse_move("RUS", "PRK=CONSULT auto")
    assert auto.actions["USA"] == "auto" and auto.actions["PRK"] == "CONSULT"


def test_unknown_or_repeated_seats_are_refused(korea) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="unknown actor"):
        Game(korea, ("XX",))
    with pytest.raises(InputError, match="twice"):
        Game(korea, ("RUS", "RUS"))


def test_a_game_is_replayable_from_its_parameters(korea) -> None:  # type: ignore[no-untyped-def]
    game = Game(korea, ("RUS", "USA"), seed=4, horizon=3, lanes=64)
    comp = game.components_for("RUS")[0][0]
    game.play({"RUS": game.parse_move("RUS", "PRK=CONSULT"), "USA": game.parse_move("USA", "auto")})
    game.play({"RUS": game.parse_move("RUS", comp), "USA": game.parse_move("USA", "PRK=THREATEN")})
    game.play({"RUS": SeatMove(), "USA": SeatMove()})
    assert game.finished
    result = game.result()
    again = Game.from_params(korea, game.params(), game.seed)
    again.replay(game.params()["moves"])
    assert again.result()["path"] == result["path"]
    assert ["USA", "PRK", "THREATEN"] in result["path"][1]
    v = result["verdict"]
    assert v["step"] == 3 and 0.0 <= v["tension"][0]["share_at_least"] <= 1.0


def test_the_verdict_share_is_the_share_of_engine_runs_at_or_above_the_game(korea) -> None:  # type: ignore[no-untyped-def]
    game = Game(korea, ("PRK",), seed=2, horizon=4, lanes=200)
    for _ in range(4):
        game.play({"PRK": game.parse_move("PRK", "USA=THREATEN KOR=THREATEN")})
    v = game.verdict()
    eng = game.engine_runs().arrays["tension"][:, 4].astype(float).mean(1)
    g = v["tension"][0]["game"]
    # "At least": the game's value counts (tensions are float16, so ties are exact; a 1e-3 slack would count
    # near misses too).
    assert v["tension"][0]["share_at_least"] == pytest.approx(float(np.mean(eng >= g - 1e-9)), abs=0.01)
