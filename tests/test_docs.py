"""The documentation: the CLI reference is the commands' own help, every page is in the site's nav,
and every public name is in the API reference."""

from __future__ import annotations

import re
from pathlib import Path

import detente

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_cli_reference_is_what_the_commands_print() -> None:
    from detente.cli.reference import render

    assert (DOCS / "cli.md").read_text("utf-8") == render(), (
        "docs/cli.md is out of date: run `python -m detente.cli.reference > docs/cli.md`"
    )


def test_cli_reference_has_every_command_with_an_example() -> None:
    text = (DOCS / "cli.md").read_text("utf-8")
    for section in text.split("\n## ")[2:]:
        name = section.splitlines()[0]
        if name.count(" ") == 1 and name.split()[1] in {"runs", "data"}:
            continue  # a group: its commands have the examples
        assert "Example" in section, name


def test_every_page_is_in_the_site_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text("utf-8").split("\nnav:", 1)[1]
    listed = set(re.findall(r":\s*([\w./-]+\.md)", nav))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages - listed == set(), "add these pages to the nav in mkdocs.yml"
    assert listed - pages == set(), "the nav names pages that do not exist"


def test_every_public_name_is_in_the_api_reference() -> None:
    text = (DOCS / "api.md").read_text("utf-8")
    documented = set(re.findall(r"^::: [\w.]*?(\w+)$", text, re.M))
    missing = [n for n in detente.__all__ if n not in documented and n != "__version__"]
    assert missing == []
    assert "__version__" in text
