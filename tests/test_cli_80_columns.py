"""Each command's output at 80 columns: no table wider, and no number cut short (``84.4…``)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.cli import _app, main

DATA = Path(__file__).parent / "data"
CUT = re.compile(r"\d…(?=[\s│┃|]|$)", re.M)
TABLE = "issue,actor,position,salience,capability,outcome\nx,A,10,0.5,1,40\nx,B,90,0.8,2,40\nx,C,40,0.3,3,40\ny,A,0,1,1,80\ny,B,100,1,1,80\n"


@pytest.fixture
def narrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copy(DATA / "tiny.toml", tmp_path / "tiny.toml")
    shutil.copy(DATA / "tiny-article.txt", tmp_path / "tiny-article.txt")
    (tmp_path / "t.csv").write_text(TABLE)
    monkeypatch.chdir(tmp_path)
    width = _app.console.width
    _app.console.width = 80
    try:
        yield tmp_path
    finally:
        _app.console.width = width


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    return capsys.readouterr().out


COMMANDS = [
    ["scenarios"],
    ["validate", "tiny.toml"],
    ["show", "tiny.toml"],
    ["show", "korea-2018"],
    ["simulate", "tiny.toml", "-n", "100", "-q"],
    ["forecast", "tiny.toml"],
    ["forecast", "t.csv"],
    ["compare", "korea-2018", "--strategy", "us-maximum-pressure", "-n", "60", "--horizon", "6", "-q", "--no-store"],
    ["sweep", "tiny.toml", "--vary", "actors.A.doctrine=0:1:11", "-n", "30", "-q", "--no-store"],
    ["sensitivity", "tiny.toml", "--outcome", "clash", "--params", "actors.A.doctrine=0:1,actors.B.doctrine=0:1", "--method", "morris",
     "--samples", "4", "-n", "20", "-q", "--no-store"],
    ["runs", "list"],
    ["runs", "show", "latest"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_output_fits_80_columns(args: list[str], narrow: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if args[0] == "runs":
        _run(["simulate", "tiny.toml", "-n", "50", "-q"], capsys)
    out = _run(args, capsys)
    assert out.strip()
    # Tables must fit; a prose line may be longer (soft-wrapped by the terminal, nothing cut).
    wide = [ln for ln in out.splitlines() if len(ln) > 80 and any(c in ln for c in "│┃━─")]
    assert not wide, wide[:3]
    assert not CUT.search(out), CUT.findall(out)[:5]


def test_runs_diff_fits_80_columns(narrow: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(["simulate", "tiny.toml", "-n", "200", "-q"], capsys)
    first = _run(["runs", "list", "--json", "-"], capsys)
    import json

    a = json.loads(first)[0]["id"]
    _run(["simulate", "tiny.toml", "-n", "200", "-q", "--set", "actors.A.doctrine=0.1"], capsys)
    out = _run(["runs", "diff", a, "latest"], capsys)
    assert out.splitlines()[1].strip().startswith("Outcome probabilities by step 12")
    assert all(len(ln) <= 80 for ln in out.splitlines() if any(c in ln for c in "│┃━─"))
    assert not CUT.search(out)


PROB = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?%|(?<![\w.])(0\.\d+|1\.0+)(?![\w.])")


def _fits(out: str) -> None:
    """No line wider than 80 columns, no number cut short, every printed probability a number in range.

    The closing ``run ID recorded in FILE`` line is exempt: a copyable command, as in tests/test_backtest_cli.py.
    """
    wide = [ln for ln in out.splitlines() if len(ln) > 80 and not ln.startswith("run ")]
    assert not wide, wide[:3]
    assert not CUT.search(out), CUT.findall(out)[:5]
    for pct, frac in PROB.findall(out):
        assert 0.0 <= (float(pct) / 100 if pct else float(frac)) <= 1.0, (pct, frac)


def test_backtest_fits_80_columns(narrow: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.backtest_data import tiny_data
    from tests.test_backtest_cli import EVENTS

    data = str(tiny_data(narrow / "data"))
    out = _run(["backtest", "--data", data, "--no-icews", "--events", EVENTS, "--boot", "50", "--quiet", "--no-store",
                "--classes", "dyad-event:ASSAULT,dyad-event:THREATEN", "--origins", "2016-04-01:2017-07-01:3", "--horizons", "3,6"], capsys)
    assert "Scores, all questions" in out
    _fits(out)


def test_new_fits_80_columns(narrow: Path, data_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(["new", "--countries", "IND,PAK,CHN", "--as-of", "2019-02-14", "-o", "india.toml", "--data", str(data_root), "-n", "500"], capsys)
    assert "standard outcomes" in out
    _fits(out)


PROMPT = "your actions (h for help): "


def test_play_fits_80_columns(narrow: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("PRK=CONSULT USA=ACCUSE\nauto\n\n"))
    out = _run(["play", "korea-2018", "--as", "RUS", "--horizon", "3", "--seed", "7", "--runs", "100", "--store", "runs.duckdb"], capsys)
    assert "Tracked outcomes from here" in out and "your path ended at" in out
    # Piped stdin is not echoed, so the next line follows the prompt; a terminal would break it with the typed Enter.
    _fits(out.replace(PROMPT, PROMPT + "\n"))
