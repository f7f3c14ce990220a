"""``detente calibrate SCENARIO``: bad input is one line; the written calibration passes its own check."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.anchor import Reference, load_calibration
from tests.cli_run import run

HERE = Path(__file__).resolve().parent


def test_calibrate_a_scenario_without_references_says_how_to_give_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(["calibrate", str(HERE / "data" / "tiny.toml"), "-o", str(tmp_path / "c.json")], capsys)
    assert code == 2
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    assert "reference" in err and "fix:" in err
    assert not (tmp_path / "c.json").exists()


def test_calibrate_refuses_an_output_folder_before_any_work(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["calibrate", "korea-2018", "-o", str(tmp_path)], capsys)
    assert code == 2 and "is a folder" in err


def test_unknown_reference_family_is_an_input_error() -> None:
    from detente.anchor.refclass import reference_data
    from detente.errors import InputError

    with pytest.raises(InputError, match="unknown family 'missile'"):
        reference_data(Reference("missile:ICBM", "PRK"), "2018-02-26")


@pytest.mark.parametrize("scenario", ["korea-2018", "eurasia-2023"])
def test_shipped_calibrations_pass_the_check_of_their_scenario(scenario: str) -> None:
    from detente.anchor.scenario import scenario_refs, shipped_calibration
    from detente.scenario.io import load_scenario_file

    path = shipped_calibration(scenario)
    assert path is not None
    cal = load_calibration(path)
    loaded = load_scenario_file(scenario, check_quotes=False)
    cal.check(loaded.scenario.scenario.as_of)
    refs, dyads = scenario_refs(loaded.scenario)
    # Every reference the scenario names is fitted, every state dyad too.
    assert {r.key for r in refs} <= set(cal.classes)
    assert set(dyads) <= set(cal.states)
    for fit in cal.classes.values():
        assert fit.n_subject_months > 0 and 0 <= fit.base_rate < 1
