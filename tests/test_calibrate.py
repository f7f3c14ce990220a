"""detente calibrate: the shipped calibration table is what the data give, and the CLI reports the fit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from detente.calibrate import fit
from detente.cli import main
from detente.engines.escalation.params import calibration


def test_fit_reproduces_the_shipped_table(data_root: Path) -> None:
    fitted = fit(data_root / "history")
    shipped = calibration()
    assert fitted["values"].keys() == shipped["values"].keys()
    for name, entry in fitted["values"].items():
        assert entry["value"] == shipped["values"][name]["value"], name
        assert entry["source"], name


def test_fit_uses_only_data_before_the_as_of_date(data_root: Path) -> None:
    history = data_root / "history"
    full = fit(history)["values"]
    early = fit(history, as_of=dt.date(2018, 2, 1))["values"]
    assert early["type_logodds"]["value"] != full["type_logodds"]["value"]
    # No test after the as-of date can count: the February 2018 cut leaves the 2016-17 tests.
    assert 0 < early["prk_test_month_rate"]["value"] <= 1
    assert full["force_hazard_rival"]["value"] > 0
    assert full["wars"]["value"].get("2022") == ["RUS-UKR"]
    assert "2017" not in full["wars"]["value"]  # korea-2018 sees no interstate war among its actors


def test_fitted_values_are_plausible(data_root: Path) -> None:
    v = fit(data_root / "history")["values"]
    assert 0 < v["no_event_share"]["value"] < 1
    assert 0 < v["prk_icbm_month_rate"]["value"] < v["prk_test_month_rate"]["value"]
    assert v["tension0"]["value"]["PRK->USA"] > v["tension0"]["value"]["PRK->KOR"]
    assert v["alliances"]["value"]["KOR->USA"] == "defence"


def test_calibrate_command_prints_the_fit_check_and_writes_json(data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fitted.json"
    main(["calibrate", "--data", str(data_root), "--runs", "256", "--out", str(out)])
    text = capsys.readouterr().out
    assert "Fit check" in text and "monthly rate of" in text
    assert json.loads(out.read_text("utf-8"))["values"]["tension0"]["value"]["USA->PRK"] > 0


def test_calibrate_refuses_a_missing_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--data", str(tmp_path / "nowhere")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "data set 'history' not found" in err
    assert "detente data download history" in err and "\n" not in err.strip()
