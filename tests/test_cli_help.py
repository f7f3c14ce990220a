"""Every command's help shows an example, and the examples that need no outside files run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from detente.cli import app, main


def _leaves(cmd: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    subs = getattr(cmd, "commands", None)
    if not subs:
        return [(path, cmd)]
    out = []
    for name, sub in subs.items():
        if getattr(sub, "hidden", False):
            continue
        out += _leaves(sub, (*path, name))
    return out


COMMANDS = _leaves(typer.main.get_command(app))


def _example(cmd: object) -> str | None:
    text = " ".join(filter(None, [getattr(cmd, "help", None), getattr(cmd, "epilog", None)]))
    m = re.search(r"(?:Example|Examples):\s*(detente [^\n]+)", text)
    return re.split(r"\s+Examples?:", m.group(1))[0].strip() if m else None


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_help_has_an_example(path: tuple[str, ...], cmd: object) -> None:
    example = _example(cmd)
    assert example is not None, f"detente {' '.join(path)}: no 'Example: detente …' in its help"
    assert example.startswith("detente " + " ".join(path))


RUNNABLE = {("scenarios",), ("validate",), ("show",), ("graph",), ("forecast",), ("simulate",), ("runs", "list"),
            ("runs", "show"), ("runs", "diff"), ("report",)}


@pytest.mark.slow
def test_examples_that_need_no_outside_files_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    order = sorted((p for p, _ in COMMANDS if p in RUNNABLE), key=lambda p: p[0] == "runs" or p == ("report",))
    examples = {p: _example(c) for p, c in COMMANDS}
    for path in order:
        example = examples[path]
        assert example is not None
        args = shlex.split(example)[1:]
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        _, err = capsys.readouterr()
        assert code == 0, f"{example}: {err}"
