"""The CLI reference (``docs/cli.md``), generated from the commands' own ``--help``.

``python -m detente.cli.reference > docs/cli.md`` rewrites it; a test checks that the file in the
repository is what this prints, so the reference never drifts from the commands.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import typer
from typer.core import TyperGroup

from detente.cli import app  # importing the package registers every command module

WIDTH = 80
HEADER = """# Command-line reference

Generated from the commands' own `--help` by `python -m detente.cli.reference > docs/cli.md`
(`tests/test_docs.py` checks that it is up to date). Every command's help ends with an example that
runs. Run `detente COMMAND --help` for the same text in your terminal.
"""


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = group.context_class(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        yield (*prefix, name)
        if isinstance(cmd, TyperGroup):
            yield from _commands(cmd, (*prefix, name))


def _help(path: tuple[str, ...]) -> str:
    from typer.testing import CliRunner

    env = {"COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="detente", env=env, color=False)
    lines = [line.rstrip() for line in result.output.splitlines()]
    return "\n".join(lines).strip("\n")


def render() -> str:
    """The whole reference as Markdown: ``detente --help``, then each command's help."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        group = typer.main.get_command(app)
        parts = [HEADER, "## detente\n", "```text\n" + _help(()) + "\n```\n"]
        for path in _commands(group):
            parts.append(f"## detente {' '.join(path)}\n")
            parts.append("```text\n" + _help(path) + "\n```\n")
        return "\n".join(parts)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
