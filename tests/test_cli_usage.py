"""Usage errors: typer's usage message ending in one `Error:` line, exit status 2, never a traceback."""

from __future__ import annotations

import pytest

from detente import __version__
from tests.cli_run import run


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--version"], capsys)
    assert (code, out, err) == (0, f"detente {__version__}\n", "")


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([], capsys)
    assert code == 2
    assert "Usage: detente [OPTIONS] COMMAND [ARGS]..." in out
    assert "simulate" in out and err == ""


USAGE = [
    (["bogus"], "Usage: detente [OPTIONS] COMMAND [ARGS]...\nTry 'detente --help' for help.\n\n"
     "Error: No such command 'bogus'.\n"),
    (["simulate", "tiny", "--runs", "abc"],
     "Usage: detente simulate [OPTIONS] {scenario}\nTry 'detente simulate --help' for help.\n\n"
     "Error: Invalid value for '--runs' / '-n': Input should be a valid integer, unable to parse string "
     "as an integer\n"),
    (["validate"], "Usage: detente validate [OPTIONS] {scenario}\nTry 'detente validate --help' for help.\n\n"
     "Error: Missing argument 'scenario'.\n"),
    (["runs", "list", "--limit", "0"],
     "Usage: detente runs list [OPTIONS]\nTry 'detente runs list --help' for help.\n\n"
     "Error: Invalid value for '--limit': Input should be greater than or equal to 1\n"),
    (["validate", "--frob", "x"],
     "Usage: detente validate [OPTIONS] {scenario}\nTry 'detente validate --help' for help.\n\n"
     "Error: No such option: --frob\n"),
    (["validate", "a.toml", "b.toml"],
     "Usage: detente validate [OPTIONS] {scenario}\nTry 'detente validate --help' for help.\n\n"
     "Error: Got unexpected extra argument(s) (b.toml)\n"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_usage_errors(args: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert err == expected


def test_help_has_no_bool_placeholder(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(["simulate", "--help"], capsys)
    assert code == 0
    assert "--no-store" in out
    assert "<bool>" not in out
