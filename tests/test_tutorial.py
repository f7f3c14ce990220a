"""docs/tutorial.md: every console command runs, in order, with the TOML edits applied where they appear."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from detente.cli import main

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```(console|toml)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def steps() -> list[tuple[str, str]]:
    """("run", command) and ("append:FILE", text) in the tutorial's order."""
    out: list[tuple[str, str]] = []
    for kind, body in BLOCK.findall(TUTORIAL.read_text(encoding="utf-8")):
        if kind == "console":
            out += [("run", line[2:].strip()) for line in body.splitlines() if line.startswith("$ ")]
        else:
            first = body.splitlines()[0]
            m = re.match(r"^# append to (\S+)$", first)
            if m:
                out.append((f"append:{m[1]}", body))
    return out


def test_the_tutorial_has_commands_and_edits() -> None:
    found = steps()
    commands = [c for k, c in found if k == "run"]
    assert sum(k.startswith("append:") for k, _ in found) >= 2
    for word in ("detente new", "detente validate", "detente simulate", "detente compare", "detente report"):
        assert any(c.startswith(word) for c in commands), word


def test_every_tutorial_command_runs(data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DETENTE_DATA", str(data_root))
    for kind, payload in steps():
        if kind.startswith("append:"):
            with open(kind.removeprefix("append:"), "a", encoding="utf-8") as fh:
                fh.write("\n" + payload)
            continue
        argv = shlex.split(payload)
        assert argv[0] == "detente", payload
        try:
            main(argv[1:])
        except SystemExit as exc:  # pragma: no cover - a failing command
            pytest.fail(f"`{payload}` exited with {exc.code}")
    assert Path("india.html").stat().st_size > 1000
    assert os.path.exists("blank.toml")
