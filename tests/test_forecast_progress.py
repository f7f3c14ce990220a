"""`detente forecast` shows a progress bar on a terminal's standard error, and none with ``--quiet``."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.cli import main
from detente.cli._app import err_console

TABLE = "issue,actor,position,salience,capability\n" + "".join(
    f"i{k},{a},{p},{s},{c}\n"
    for k in range(4)
    for a, p, s, c in (("A", 0, 0.9, 3), ("B", 40 + k, 0.5, 2), ("C", 100, 0.7, 1))
)


def _forecast(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, str]:
    table = tmp_path / "t.csv"
    table.write_text(TABLE)
    with pytest.raises(SystemExit) as exc:
        main(["forecast", str(table), "--model", "expected-utility", "--rounds", "200", *extra])
        raise SystemExit(0)
    assert exc.value.code == 0
    out = capsys.readouterr()
    return out.out, out.err


def test_the_bar_shows_on_a_terminal_and_quiet_prints_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Standard error as an interactive terminal (the bar is off when it is a file or a pipe).
    monkeypatch.setattr(err_console, "_force_terminal", True)
    monkeypatch.setattr(err_console, "is_interactive", True)
    out, err = _forecast(tmp_path, capsys)
    assert "forecast" in err and "/4" in err, err  # the bar, counting the 4 issues
    quiet_out, quiet_err = _forecast(tmp_path, capsys, "--quiet")
    assert quiet_err == ""
    assert quiet_out == out  # the forecasts themselves are the same
