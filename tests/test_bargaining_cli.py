"""`detente forecast` on tables and scenarios; bad tables; the DEU development-set figures."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detente.cli import main
from detente.engines.bargaining import (
    bootstrap_mae,
    forecast_scenario,
    forecast_table,
    issues_from_frame,
    read_table,
)
from detente.errors import InputError
from detente.scenario import parse_scenario


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
        raise SystemExit(0)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture
def bargaining_dir(data_root) -> Path:
    return data_root / "bargaining"


# --- the development set ----------------------------------------------------------------------


def test_deu_compromise_model_scores_the_published_figure(bargaining_dir):
    result = forecast_table(read_table(bargaining_dir / "deu3-dev.csv"), "compromise")
    (score,) = result.scores
    assert score.n == 154
    assert round(score.mae, 2) == 23.62
    assert score.low < score.mae < score.high


def test_deu_all_models_run_side_by_side_and_write_the_table(bargaining_dir, tmp_path, capsys):
    out = tmp_path / "f.csv"
    code, text, _ = run_cli(
        ["forecast", str(bargaining_dir / "deu3-dev.csv"), "--model", "all", "--out", str(out)],
        capsys,
    )
    assert code == 0
    assert "23.62" in text and "vs compromise" in text
    df = pd.read_csv(out)
    assert list(df.columns) == ["issue", "model", "forecast", "outcome", "abs_error"]
    assert set(df["model"]) == {"compromise", "median", "nash", "nash-breakdown", "expected-utility"}
    assert len(df) == 154 * 5
    np.testing.assert_allclose(df["abs_error"], (df["forecast"] - df["outcome"]).abs(), atol=1e-4)
    mae = df.groupby("model")["abs_error"].mean()
    assert mae["nash-breakdown"] < mae["compromise"]  # the documented better model


def test_deu_scores_compare_every_model_with_the_compromise_model(bargaining_dir):
    result = forecast_table(read_table(bargaining_dir / "deu3-dev.csv"), "all", resamples=500)
    by = {s.model: s for s in result.scores}
    assert by["compromise"].delta is None
    for name, s in by.items():
        if name != "compromise":
            assert s.baseline == "compromise"
            assert s.delta == pytest.approx(s.mae - by["compromise"].mae)
            assert s.delta_low <= s.delta <= s.delta_high
    # The better model's advantage holds on resampled issue sets, not just on average.
    assert by["nash-breakdown"].delta_high < 0
    record = json.loads(json.dumps(result.to_dict()))
    assert len(record["issues"]) == 154 and record["issues"][0]["path"]["medians"]


def test_bootstrap_interval_is_seeded_around_the_mean_absolute_error():
    """The point is the mean of the absolute errors; the interval is seeded (stochastic code is), and its
    coverage is tested in tests/test_independent_answers.py."""
    errs = np.random.default_rng(0).uniform(0, 50, 100)
    mae, lo, hi = bootstrap_mae(errs, seed=7)
    assert mae == pytest.approx(errs.sum() / 100, rel=1e-12)
    assert lo < mae < hi
    # The standard error of a mean of U(0, 50) errors (sd 50/√12) over 100 issues is 1.44:
    # a 95% interval about 2 × 1.96 × 1.44 = 5.7 wide.
    assert hi - lo == pytest.approx(2 * 1.96 * 50 / np.sqrt(12) / 10, rel=0.25)
    assert bootstrap_mae(errs, seed=7) == (mae, lo, hi)
    assert bootstrap_mae(errs, seed=8) != (mae, lo, hi)


# --- other layouts ----------------------------------------------------------------------------


def test_ktab_layout_is_read(bargaining_dir):
    (issue,) = issues_from_frame(read_table(bargaining_dir / "ktab_china_soe_policy.csv"))
    assert issue.issue == "china-policy"
    assert issue.n == 26 and issue.actors[0] == "XJ"
    assert issue.capability[0] == 100 and issue.position[0] == 30
    assert issue.salience[0] == pytest.approx(0.30)


def test_emission_table_prints_the_round_path_and_relations(bargaining_dir, capsys):
    code, text, _ = run_cli(
        ["forecast", str(bargaining_dir / "bdm1994_emission_standards.csv"), "-m",
         "expected-utility", "--rounds", "8"],
        capsys,
    )
    assert code == 0
    assert "8.43" in text and "compromise" in text and "median" in text


def test_iran_winner_is_not_the_weighted_median(bargaining_dir):
    result = forecast_table(read_table(bargaining_dir / "iran_election_2013.csv"), "median")
    assert result.issues[0].forecasts["median"] == 5.0  # Rouhani's 8 won: the median misses it


# --- bad tables: one line, exit 2 -------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ("issue,actor,position,salience\nq,a,1,50\nq,b,2,50\n",
         "missing column 'capability'"),
        ("issue,actor,position,salience,capability\nq,a,1,50,1\nq,b,high,50,1\n",
         "row 3 (issue q, actor b): position 'high' is not a number"),
        ("issue,actor,position,salience,capability\nq,a,1,-5,1\nq,b,2,50,1\n",
         "row 2 (issue q, actor a): salience -5 is below 0"),
        ("issue,actor,position,salience,capability\nq,a,1,50,1\nr,b,2,50,1\nr,c,3,50,1\n",
         "issue 'q' has only 1 actor"),
    ],
)
def test_bad_table_gets_one_line_and_exit_2(tmp_path, capsys, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    code, out, err = run_cli(["forecast", str(path)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0] and "fix:" in lines[0]
    assert str(path) in lines[0]


def test_expected_utility_options_and_json_record(bargaining_dir, tmp_path, capsys):
    table = str(bargaining_dir / "bdm1994_emission_standards.csv")
    record = tmp_path / "r.json"
    code, _, _ = run_cli(["forecast", table, "-m", "expected-utility", "--rounds", "8",
                          "--json", str(record)], capsys)
    assert code == 0
    medians = json.loads(record.read_text())["issues"][0]["path"]["medians"]
    code, _, _ = run_cli(["forecast", table, "-m", "expected-utility", "--rounds", "8",
                          "--eu", "probability=pair", "--json", str(record)], capsys)
    assert code == 0
    other = json.loads(record.read_text())["issues"][0]["path"]["medians"]
    assert medians[0] == other[0] == 7.0 and medians != other
    code, _, err = run_cli(["forecast", table, "--eu", "colour=red"], capsys)
    assert code == 2 and "--eu 'colour=red'" in err


def test_unknown_model_is_refused(bargaining_dir, capsys):
    code, _, err = run_cli(
        ["forecast", str(bargaining_dir / "iran_election_2013.csv"), "--model", "oracle"], capsys
    )
    assert code == 2 and "unknown model 'oracle'" in err


def test_outcomes_that_vary_within_an_issue_are_refused():
    df = pd.DataFrame({"issue": ["q", "q"], "actor": ["a", "b"], "position": [1, 2],
                       "salience": [1, 1], "capability": [1, 1], "outcome": [1, 2]})
    with pytest.raises(InputError, match="column 'outcome' takes several values"):
        forecast_table(df)


# --- scenarios --------------------------------------------------------------------------------

TINY = textwrap.dedent(
    """
    [scenario]
    id = "tiny"
    title = "Tiny"
    as_of = 2018-01-01

    [[sources]]
    id = "note"
    title = "A note"

    [[actors]]
    id = "A"
    name = "Alpha"
    capabilities = { military = 0.4, economic = 0.4, diplomatic = 0.4 }

    [[actors]]
    id = "B"
    name = "Beta"
    capabilities = { military = 0.1, economic = 0.1, diplomatic = 0.1 }

    [[actors]]
    id = "C"
    name = "Gamma"
    capabilities = { military = 0.2, economic = 0.2, diplomatic = 0.2 }

    [[issues]]
    id = "deal"
    name = "A deal"
    low_means = "no deal"
    high_means = "full deal"
    status_quo = 10
    positions = [
      { actor = "A", position = 80, salience = 0.9 },
      { actor = "B", position = 20, salience = 0.5 },
      { actor = "C", position = 50, salience = 0.6 },
    ]
    """
)


@pytest.fixture
def tiny_scenario_file(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def test_scenario_issues_are_forecast_with_capability_totals(tiny_scenario_file):
    scenario = parse_scenario(tiny_scenario_file.read_text(), tiny_scenario_file)
    result = forecast_scenario(scenario)
    (issue,) = result.issues
    w = np.array([0.4 * 0.9, 0.1 * 0.5, 0.2 * 0.6])
    assert issue.forecasts["compromise"] == pytest.approx(np.dot(w, [80, 20, 50]) / w.sum())
    assert issue.forecasts["median"] == 80.0
    assert issue.status_quo == 10.0 and issue.path is not None
    json.dumps(result.to_dict())


def test_cli_forecasts_a_scenario_file(tiny_scenario_file, capsys):
    code, text, _ = run_cli(["forecast", str(tiny_scenario_file), "--no-store"], capsys)
    assert code == 0
    assert "Issue deal" in text and "expected-utility" in text and "round" in text


def test_shipped_korea_scenario_forecasts_every_issue(capsys):
    from detente.scenario import shipped_scenarios

    if "korea-2018" not in shipped_scenarios():
        pytest.skip("korea-2018 is not shipped yet")
    code, text, _ = run_cli(["forecast", "korea-2018", "--no-store"], capsys)
    assert code == 0
    from detente.scenario import load_scenario

    for issue in load_scenario("korea-2018").issues:
        assert f"Issue {issue.id}" in text
