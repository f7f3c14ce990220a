"""Bad scenario input: one clear line naming file, field, value and fix; exit status 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detente.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(DATA / "tiny.toml", tmp_path / "tiny.toml")
    shutil.copy(DATA / "tiny-article.txt", tmp_path / "tiny-article.txt")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def variant(workdir: Path, old: str, new: str, name: str = "bad.toml") -> str:
    text = (workdir / "tiny.toml").read_text()
    assert old in text
    (workdir / name).write_text(text.replace(old, new, 1))
    return name


CASES = [
    (
        "horizon = 12",
        "horizon = = 12",
        "Error: bad.toml: TOML syntax error: Invalid value (at line 5, column 11) "
        "(fix: correct the TOML at that line)",
    ),
    (
        'members = ["A", "B"]\n',
        'members = ["A", "BB"]\n',
        "Error: bad.toml: relations[0].members[1]: unknown actor 'BB' "
        "(fix: use one of the actor ids: A, B, G)",
    ),
    (
        '{ actor = "A", position = 100, salience = 0.9 }',
        '{ actor = "A", position = 100, salience = 1.7 }',
        "Error: bad.toml: issues[0].positions[0].salience: 1.7 is above 1 "
        "(saliences lie in [0, 1]) (fix: change the value to satisfy that rule)",
    ),
    (
        "Alpha wants the river",
        "Alpha wants the sea",
        "Error: bad.toml: actors[0].doctrine.quote: quote 'Alpha wants the sea' is not in "
        "source 'art' (fix: copy the sentence exactly from the source text (use ... for "
        "omitted words))",
    ),
    (
        'id = "B"\n',
        'id = "A"\n',
        "Error: bad.toml: actors[1].id: duplicated id 'A' (also at actors[0]) "
        "(fix: give each entry its own id)",
    ),
    (
        "military = 0.5",
        'military = "lots"',
        "Error: bad.toml: actors[0].capabilities.military: expected a number or "
        "{ value = …, source = …, quote = … }, got 'lots' (fix: write a number, e.g. 0.5)",
    ),
    (
        'kind = "rivalry"',
        'kind = "feud"',
        "Error: bad.toml: relations[0].kind: unknown kind 'feud' (fix: use one of: "
        "'alliance', 'partnership', 'rivalry', 'sanctions', 'channel')",
    ),
    (
        'name = "Beta"',
        'nme = "Beta"',
        "Error: bad.toml: actors[1].nme: unknown field "
        "(fix: remove it or check its spelling (docs/scenario-format.md))",
    ),
    (
        "military = 0.5",
        "military = 1.7",
        "Error: bad.toml: actors[0].capabilities.military: 1.7 is above 1 (capabilities are "
        "shares of the world total and lie in [0, 1]) (fix: change the value to satisfy that rule)",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), CASES)
def test_bad_scenario_gives_one_line_and_exit_2(
    workdir: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    name = variant(workdir, old, new)
    code, out, err = run(["validate", name], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    if len(lines) == 1:
        assert lines[0] == message
    else:  # validate lists every problem; the one this case plants comes first
        assert lines[0] == message.removeprefix("Error: ")
        assert lines[-1] == f"Error: bad.toml: {len(lines) - 1} problems, listed above (fix: correct each, then run detente validate again)"
    assert "Traceback" not in err + out


def test_missing_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["show", "nowhere.toml"], capsys)
    assert code == 2
    assert err.strip().startswith(
        "Error: nowhere.toml: no such file and no shipped scenario of that name (fix: give a "
        ".toml path, or one of: "
    )


def test_directory_given_as_scenario(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "folder").mkdir()
    code, _, err = run(["validate", "folder"], capsys)
    assert (code, err.strip()) == (
        2,
        "Error: folder: is a directory, not a scenario file "
        "(fix: give the path of a .toml scenario file)",
    )


def test_binary_file_given_as_scenario(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "image.toml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, _, err = run(["validate", "image.toml"], capsys)
    assert (code, err.strip()) == (
        2,
        "Error: image.toml: is a binary file, not a TOML text file (fix: give a .toml scenario file)",
    )


def test_unknown_event_lists_the_ontology(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = variant(workdir, 'event = "ASSAULT"', 'event = "ATTACK"')
    code, _, err = run(["validate", name], capsys)
    assert code == 2
    assert err.startswith("Error: bad.toml: outcomes[1].event: unknown event 'ATTACK' (fix: use a PLOVER")


def test_mode_not_in_ontology(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = variant(workdir, 'mode = "weapons"', 'mode = "rockets"')
    code, _, err = run(["validate", name], capsys)
    assert code == 2
    assert err.strip() == (
        "Error: bad.toml: events[0].mode: MOBILIZE has no mode 'rockets' "
        "(fix: use one of: troops, weapons, police, militia)"
    )


def test_unknown_source_id(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = variant(workdir, 'source = "art", quote = "Alpha', 'source = "paper", quote = "Alpha')
    code, _, err = run(["validate", name], capsys)
    assert code == 2
    assert err.strip() == (
        "Error: bad.toml: actors[0].doctrine.source: unknown source 'paper' "
        "(fix: use a [[sources]] id (art, assumption))"
    )
