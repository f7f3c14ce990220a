"""Run the ``detente`` CLI in process, as the tests that check its output and exit status do."""

from __future__ import annotations

import pytest

from detente.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``detente ARGS``; return its exit status, standard output and standard error."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
