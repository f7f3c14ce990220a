"""Experiments wired to the escalation engine on korea-2018 (small run counts), and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detente.cli import main
from detente.engines.escalation import simulate
from detente.experiments import EscalationRunner, Job, compare, resolve_path, sensitivity, sweep
from detente.scenario import load_scenario

FIVE = "russia-five-countermeasures"
MAX = "us-maximum-pressure"


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2018", check_quotes=False)


def test_a_strategy_compared_with_itself_on_the_engine_differs_by_exactly_zero(korea):
    res = compare(korea, [FIVE], baseline=FIVE, runs=256, seed=9, components="none")
    rows = res.select(kind=["strategy"])
    assert rows and all(r.effect.p == 0.0 and not r.significant for r in rows)


def test_runner_probabilities_agree_with_the_engine_summary(korea):
    ind = EscalationRunner(korea)(Job(strategy=MAX, seed=4, runs=256))
    summary = simulate(korea, runs=256, seed=4, strategy=MAX).to_dict()["outcomes"]
    for o in ("war", "prk-nuclear-test", "inter-korean-summit"):
        for h in (6, 12, 24):
            assert ind.by(o, h).mean() == pytest.approx(summary[o][str(h)]["p"], abs=1e-6)


def test_component_arms_apply_only_their_component(korea):
    full = EscalationRunner(korea)(Job(strategy=FIVE, seed=2, runs=256))
    comps = [c.id for c in korea.strategy(FIVE).components]
    all_listed = EscalationRunner(korea)(Job(strategy=FIVE, components=tuple(comps), seed=2, runs=256))
    assert np.array_equal(full.first_step, all_listed.first_step)
    one = EscalationRunner(korea)(Job(strategy=FIVE, components=("k19-road-map",), seed=2, runs=256))
    assert not np.array_equal(full.first_step, one.first_step)


def test_translated_override_keys_change_what_the_engine_does(korea):
    key = resolve_path(korea, "actors.USA.doctrine").key
    runner = EscalationRunner(korea, ("war",))
    low = runner(Job(overrides=((key, 0.0),), seed=1, runs=256))
    high = runner(Job(overrides=((key, 1.0),), seed=1, runs=256))
    assert not np.array_equal(low.first_step, high.first_step)


def test_mechanism_paths_are_checked_against_the_engine_levers(korea):
    from detente.errors import InputError

    with pytest.raises(InputError) as err:
        resolve_path(korea, "mechanisms.K11.nope")
    assert str(err.value) == (
        "korea-2018: --vary/--params 'mechanisms.K11.nope': mechanism K11 has no parameter 'nope' "
        "(fix: use one of: channel_damping, rate)"
    )
    assert resolve_path(korea, "mechanisms.K11.rate").current == pytest.approx(0.02)


def test_a_sweep_of_a_switched_off_mechanism_shows_no_trend(korea):
    runner = EscalationRunner(korea, ("war", "armed-clash"), mechanisms_off=("K11",))
    res = sweep(korea, ["mechanisms.K11.rate=0:0.2:3"], runs=256, seed=3, runner=runner)
    for o in res.outcomes:
        p = res.probability(o)
        assert np.all(p == p[0])


def test_sensitivity_on_the_engine_ranks_parameters(korea):
    res = sensitivity(
        korea, "war", ["actors.USA.doctrine=0:1", "actors.JPN.capabilities.diplomatic=0.05:0.1"],
        method="morris", samples=3, runs=256, seed=0,
    )
    assert res.evaluations == 9
    assert set(res.ranking()) == {"actors.USA.doctrine", "actors.JPN.capabilities.diplomatic"}
    assert res.to_dict()["outcome"] == "war" and res.to_dict()["runs"] == 256


# ---------------------------------------------------------------------------------------------
# CLI


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
        raise SystemExit(0)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_cli_compare_prints_the_table_and_writes_json_and_figures(tmp_path, capsys):
    code, out, err = _run(
        ["compare", "korea-2018", "--strategy", MAX, "--runs", "256", "--components", "alone",
         "--outcome", "war", "--outcome", "armed-clash", "--json", str(tmp_path / "c.json"),
         "--plot", str(tmp_path / "c")], capsys,
    )
    assert code == 0, err
    assert "P(outcome by step 24)" in out and "us-maximum-pressure" in out and "arm-twisting" in out
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["kind"] == "comparison" and data["outcomes"] == ["war", "armed-clash"]
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "plotly" in (tmp_path / "c.html").read_text()[:200000].lower()


def test_cli_sweep_writes_json_csv_and_a_line_plot(tmp_path, capsys):
    code, out, err = _run(
        ["sweep", "korea-2018", "--vary", "actors.USA.doctrine=0.2,0.9", "--runs", "128", "--outcome", "war",
         "--json", str(tmp_path / "s.json"), "--csv", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "s.png")],
        capsys,
    )
    assert code == 0, err
    data = json.loads((tmp_path / "s.json").read_text())
    assert [p["values"]["actors.USA.doctrine"] for p in data["points"]] == [0.2, 0.9]
    assert (tmp_path / "s.csv").read_text().startswith("actors.USA.doctrine,outcome,horizon,p,lo,hi")
    assert (tmp_path / "s.png").exists() and not (tmp_path / "s.html").exists()


def test_cli_sensitivity_prints_a_ranking(tmp_path, capsys):
    code, out, err = _run(
        ["sensitivity", "korea-2018", "--outcome", "war", "--method", "morris", "--samples", "2", "--runs", "128",
         "--params", "actors.USA.doctrine=0:1,actors.PRK.doctrine=0:1", "--plot", str(tmp_path / "m.html")],
        capsys,
    )
    assert code == 0, err
    assert "Morris sensitivity of P(war by step 24)" in out and "mu_star" in out
    assert (tmp_path / "m.html").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "korea-2018", "--strategy", "nope"],
         "Error: korea-2018: --strategy 'nope': no such strategy in the scenario (fix: use one of "
         "russia-five-countermeasures, us-maximum-pressure, or `none` for the baseline)"),
        (["sweep", "korea-2018", "--vary", "actors.USA.doctrin=0:1:3"],
         "Error: korea-2018: --vary/--params 'actors.USA.doctrin': no field 'doctrin' at actors[USA] "
         "(fix: check the path against `detente show`)"),
        (["sweep", "korea-2018", "--vary", "actors.USA.doctrine=0:1"],
         "Error: 'actors.USA.doctrine=0:1': '0:1' is not a range (fix: write "
         "actors.USA.doctrine=lo:hi:n (e.g. 0:1:11) or a,b,c)"),
        (["sensitivity", "korea-2018", "--outcome", "peace", "--params", "actors.USA.doctrine"],
         "Error: korea-2018: --outcome 'peace': not a tracked outcome (fix: use one of"),
        (["compare", "korea-2018", "--strategy", MAX, "--scheduler", "tcp://127.0.0.1:1"],
         "Error: --scheduler 'tcp://127.0.0.1:1' needs --backend dask (fix: add --backend dask or drop --scheduler)"),
    ],
)
def test_cli_bad_input_is_one_error_line_and_exit_2(argv, message, capsys):
    code, out, err = _run(argv, capsys)
    assert code == 2
    assert err.startswith(message)
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 3
