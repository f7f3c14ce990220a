"""The scenario commands run and show what a user needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.cli import main
from detente.mechanisms import SEED_INSTANCES

KOREA_2018 = tuple(k for k in SEED_INSTANCES if k.startswith("K"))
EURASIA_2023 = tuple(k for k in SEED_INSTANCES if k.startswith("E"))


def run_ok(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        main(args)
    except SystemExit as exc:  # pragma: no cover - a failure we want to see
        out, err = capsys.readouterr()
        raise AssertionError(f"exit {exc.code}: {err}") from None
    out, _ = capsys.readouterr()
    return out


def test_scenarios_lists_both(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(["scenarios"], capsys)
    assert "korea-2018" in out and "eurasia-2023" in out


def test_validate_counts_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_ok(["validate", "korea-2018"], capsys)
    assert "scenario 'korea-2018'" in out and "quotes found in their sources" in out


@pytest.mark.parametrize(("sid", "ids"), [("korea-2018", KOREA_2018), ("eurasia-2023", EURASIA_2023)])
def test_show_lists_every_seed_instance(
    sid: str, ids: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = run_ok(["show", sid], capsys)
    for mid in ids:
        assert f" {mid} " in out
    assert "mechanisms declared" in out


@pytest.mark.parametrize("suffix", [".png", ".html"])
def test_graph_writes_a_picture(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"korea{suffix}"
    run_ok(["graph", "korea-2018", "-o", str(out)], capsys)
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    else:
        text = data.decode()
        assert "<html" in text and "USA" in text
        assert '<script src="http' not in text  # self-contained: plotly.js is inlined


def test_graph_refuses_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["graph", "korea-2018", "-o", str(tmp_path / "g.gif")])
    assert exc.value.code == 2
    assert "unknown picture format '.gif' (fix: use .png or .html)" in capsys.readouterr().err
