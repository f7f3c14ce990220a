"""``detente backtest`` as a user runs it: tables, JSON, report, store, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.backtest_data import tiny_data
from tests.cli_run import run
from tests.test_backtest_generators import HERE

EVENTS = str(HERE / "events_2016.csv")


@pytest.fixture
def data(tmp_path: Path) -> str:
    return str(tiny_data(tmp_path / "data"))


def base(data: str) -> list[str]:
    return ["backtest", "--data", data, "--no-icews", "--events", EVENTS, "--boot", "50", "--quiet"]


def test_events_beyond_2015_are_scored_and_recorded(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out_json = tmp_path / "bt.json"
    report = tmp_path / "bt.html"
    code, out, err = run([*base(data), "--classes", "dyad-event:ASSAULT,dyad-event:THREATEN", "--origins", "2016-04-01:2017-07-01:3",
                          "--horizons", "3,6", "--json", str(out_json), "--report", str(report)], capsys)
    assert code == 0, err
    assert "Scores, all questions" in out and "dyad-event:ASSAULT" in out
    assert "recorded in" in out
    assert max(len(line) for line in out.splitlines() if not line.startswith("run ")) <= 80
    doc = json.loads(out_json.read_text("utf-8"))
    assert set(doc["forecasters"]) == {"climatology", "subject-rate", "persistence", "time-since", "logistic", "gbm"}
    clim = doc["forecasters"]["climatology"]
    assert {"brier", "log", "ece", "auc", "n", "by_class"} <= set(clim)
    q = doc["questions"][0]
    assert set(q) == {"id", "class", "subject", "origin", "horizon", "answer", "p"}
    assert q["origin"] >= "2016-04-01" and set(q["p"]) == set(doc["forecasters"])
    assert clim["n"] == len(doc["questions"])
    html = report.read_text("utf-8")
    assert html.count("data:image/png;base64,") == 2 and "<script" not in html and "http" not in html.split("<body>")[1]
    code, out, _ = run(["runs", "list"], capsys)
    assert "backtest" in out


def test_json_to_stdout(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*base(data), "--classes", "dyad-event:ASSAULT", "--origins", "2016-04-01:2017-04-01:3",
                          "--forecaster", "climatology,persistence", "--json", "-", "--no-store"], capsys)
    assert code == 0, err
    doc = json.loads(out[out.index('{"settings"'):])
    assert set(doc["forecasters"]) == {"climatology", "persistence"}


def test_list_shows_every_class(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["backtest", "--list"], capsys)
    assert code == 0
    for name in ("dyad-event:ASSAULT", "mid-onset-4", "conflict-termination", "icbm-test", "unsc-resolution", "new-alliance"):
        assert name in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--events", str(HERE / "missing_column.csv")], "missing_column.csv: column 'target' is missing (fix: "),
        (["--events", str(HERE / "bad_date.csv")], "bad_date.csv: row 3: date: '2016-13-45' is not a date (fix: write dates as YYYY-MM-DD)"),
        (["--events", str(HERE / "empty.csv")], "empty.csv: the table has no events (fix: "),
        (["--events", "nowhere.csv"], "nowhere.csv: no such event table (fix: "),
        (["--classes", "mid-onset-9"], "--classes: unknown question class 'mid-onset-9' (fix: "),
        (["--forecaster", "oracle"], "--forecaster: unknown forecaster 'oracle' (fix: use one of climatology"),
        (["--origins", "2030-01-01:2031-01-01:3"], "--origins: "),
        (["--origins", "2016-01-01"], "--origins: '2016-01-01' is not START:END:STEP (fix: "),
        (["--origins", "2017-01-01:2016-01-01:3"], "END is before START"),
        (["--horizons", "three"], "--horizons: 'three' is not a list of months"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(data: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [*base(data), "--classes", "dyad-event:ASSAULT", "--no-store"]
    if "--events" in extra:
        args = ["backtest", "--data", data, "--no-icews", "--quiet", "--no-store", "--classes", "dyad-event:ASSAULT"]
    if "--classes" in extra:
        args = [a for a in args if a not in ("--classes", "dyad-event:ASSAULT")]
    code, out, err = run([*args, *extra], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert message in lines[0]
    assert "Traceback" not in err


def test_report_of_a_stored_backtest_says_how_to_get_it(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([*base(data), "--classes", "dyad-event:ASSAULT", "--origins", "2016-04-01:2016-10-01:3",
                        "--horizons", "3", "--forecaster", "climatology"], capsys)
    assert code == 0, err
    out_file = tmp_path / "r.html"
    code, _, err = run(["report", "latest", "-o", str(out_file)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: run ") and "is a backtest" in lines[0]
    assert "detente backtest" in lines[0] and "--report" in lines[0]
    assert not out_file.exists()
