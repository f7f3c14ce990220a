"""Regression tests for the bad inputs issue 13 found: each ends in one `Error:` line and exit 2."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.cli_run import run

DATA = Path(__file__).parent / "data"
HEADER = "issue,actor,position,salience,capability\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(DATA / "tiny.toml", tmp_path / "tiny.toml")
    shutil.copy(DATA / "tiny-article.txt", tmp_path / "tiny-article.txt")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, _, err = run(args, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- tables -----------------------------------------------------------------------------------

TABLES = [
    ("latin.csv", (HEADER + "x,A,10,0.5,1\nx,B,90,0.5,1\nx,C\xe9,50,0.5,1\n").encode("latin-1"),
     "Error: latin.csv: is not UTF-8 text (byte 70: b'\\xe9') (fix: save the table as UTF-8, e.g. iconv -f latin1 -t utf-8)"),
    ("extra.csv", (HEADER + "x,A,10,0.5,1,7\nx,B,90,0.5,1\n").encode(),
     "Error: extra.csv: line 2: 6 fields, but the header has 5 (fix: remove the extra fields, or quote a value that contains a comma)"),
    ("big.csv", (HEADER + "x,A,10,0.5,1e308\nx,B,90,0.5,1e308\n").encode(),
     "Error: big.csv: row 2 (issue x, actor A): capability '1e308' is beyond ±1e+12 (fix: rescale the column; "
     "only ratios of capabilities matter and any position scale works)"),
    ("inf.csv", (HEADER + "x,A,1e308,0.5,1\nx,B,0,0.5,1\n").encode(),
     "Error: inf.csv: row 2 (issue x, actor A): position '1e308' is beyond ±1e+12 (fix: rescale the column; "
     "only ratios of capabilities matter and any position scale works)"),
    ("dup.csv", (HEADER + "x,A,10,0.5,1\nx,A,90,0.5,1\n").encode(),
     "Error: dup.csv: row 3: actor 'A' appears twice in issue 'x' (also row 2) (fix: give each actor one row per issue)"),
    ("empty.csv", (HEADER + "x,,10,0.5,1\nx,B,90,0.5,1\n").encode(),
     "Error: empty.csv: row 2 (issue x): the actor is empty (fix: name the actor)"),
    ("quote.csv", (HEADER + ',,,,"\n').encode(),
     "Error: quote.csv: not a readable CSV table (Error tokenizing data. C error: EOF inside string starting at row 1) "
     "(fix: check the quotes and commas of that row)"),
    ("hdr.csv", b"issue,actor,position,position,salience,capability\nx,A,10,3,0.5,1\nx,B,90,4,0.5,1\n",
     "Error: hdr.csv: line 1: column 'position' appears twice (columns 3 and 4) (fix: keep one column of each name)"),
]


@pytest.mark.parametrize(("name", "data", "expected"), TABLES, ids=[t[0] for t in TABLES])
def test_bad_tables(name: str, data: bytes, expected: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / name).write_bytes(data)
    assert one_error(["forecast", name], capsys) == expected


def test_capabilities_only_count_as_ratios(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Capabilities ×1e9 give the same forecasts: the table is normalised, never overflowed."""
    rows = "x,A,10,0.5,{a}\nx,B,90,0.8,{b}\nx,C,40,0.3,{c}\n"
    (workdir / "small.csv").write_text(HEADER + rows.format(a=1, b=2, c=3))
    (workdir / "large.csv").write_text(HEADER + rows.format(a=1e9, b=2e9, c=3e9))
    code, small, _ = run(["forecast", "small.csv", "--no-store"], capsys)
    assert code == 0
    code, large, _ = run(["forecast", "large.csv", "--no-store"], capsys)
    assert code == 0
    assert small.split("\n", 3)[3] == large.split("\n", 3)[3]


# --- scenarios that validated but should not ----------------------------------------------------

EVENT = 'actions = [{ kind = "event", actor = "G", event = "CONSULT", targets = ["A", "B"], weight = 1.0 }]'

SCENARIOS = [
    ("self-rivalry", 'members = ["A", "B"]', 'members = ["A", "A"]',
     "relations[0].members[1]: actor 'A' is already in this relation (at relations[0].members[0]) "
     "(fix: a relation links different actors: name each actor once)"),
    ("sanctions-self", 'enforcers = ["G"]', 'enforcers = ["A"]',
     "relations[2].target: actor 'A' is already in this relation (at relations[2].enforcers[0]) "
     "(fix: a relation links different actors: name each actor once)"),
    ("inf-bound", "status_quo = 50", "high = inf\nstatus_quo = 50",
     "issues[0].high: inf: Input should be a finite number (fix: see docs/scenario-format.md for this field)"),
    ("set-nan", EVENT, 'actions = [{ kind = "set", path = "actors[A].doctrine", value = nan }]',
     "strategies[0].components[0].actions[0].value: nan is not a finite number (fix: give a finite number)"),
    ("set-inf", EVENT, 'actions = [{ kind = "set", path = "actors[A].doctrine", value = inf }]',
     "strategies[0].components[0].actions[0].value: inf is not a finite number (fix: give a finite number)"),
    ("set-string", EVENT, 'actions = [{ kind = "set", path = "actors[A].doctrine", value = "high" }]',
     "strategies[0].components[0].actions[0].path: 'actors[A].doctrine': 'high' is not a number (fix: give a number)"),
    ("set-path", EVENT, 'actions = [{ kind = "set", path = "actors[A].bravado", value = 0.5 }]',
     "strategies[0].components[0].actions[0].path: 'actors[A].bravado': no field 'bravado' (fix: check the path)"),
    ("set-range", EVENT, 'actions = [{ kind = "set", path = "actors[A].doctrine", value = 1.5 }]',
     "strategies[0].components[0].actions[0].path: actors[A].doctrine = 1.5: 1.5 is above 1 (doctrines "
     "(0 = peace through trust, 1 = peace through force) lie in [0, 1]) (fix: give a value in the allowed range)"),
    ("mechanism-param", "params = { rate = 0.01 }", "params = { rat = 0.01 }",
     "mechanisms[0].params.rat: unknown parameter 'rat' for K11 (accidental-escalation) (fix: use one of: channel_damping, rate)"),
    ("blank-quote", 'quote = "Alpha wants the river"', 'quote = "   "',
     "actors[0].doctrine.quote: the quote is empty (fix: copy the supporting sentence, or remove `quote`)"),
]


@pytest.mark.parametrize(("label", "old", "new", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenarios_that_must_not_validate(
    label: str, old: str, new: str, expected: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (workdir / "tiny.toml").read_text()
    assert old in text
    (workdir / "bad.toml").write_text(text.replace(old, new, 1))
    assert one_error(["validate", "bad.toml"], capsys) == f"Error: bad.toml: {expected}"


def test_blocs_that_contain_each_other(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (workdir / "tiny.toml").read_text()
    text = text.replace('id = "B"\nname = "Beta"', 'id = "B"\nname = "Beta"\nmembers = ["G"]', 1)
    text = text.replace('id = "G"\nname = "Gamma"', 'id = "G"\nname = "Gamma"\nmembers = ["B"]', 1)
    (workdir / "bad.toml").write_text(text)
    assert one_error(["validate", "bad.toml"], capsys) == (
        "Error: bad.toml: actors[2].members[0]: bloc 'B' contains itself (B → G → B) "
        "(fix: a bloc's members cannot include the bloc or a bloc that contains it)"
    )


def test_simulate_says_it_does_not_check_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["simulate", "--help"], capsys)
    assert code == 0 and "Quotes are not checked here" in " ".join(out.split())  # wrapped at any width


# --- arguments without bounds -----------------------------------------------------------------

ARGS = [
    (["simulate", "tiny.toml", "-n", "50", "-q", "--no-store", "--set", "engine.war_cost=1e308"],
     "Error: --set engine.war_cost=1e+308: outside [0, 1e+06] (fix: give a value in that range; war_cost is the "
     "cost of military escalation (MOBILIZE, COERCE, ASSAULT): multiplies severity² × the target's relative power × its resolve)"),
    (["simulate", "tiny.toml", "-n", "50", "-q", "--no-store", "--set", "actors[A].doctrine=1.5"],
     "Error: --set actors[A].doctrine=1.5: 1.5 is above 1 (doctrines (0 = peace through trust, 1 = peace "
     "through force) lie in [0, 1]) (fix: give a value in the allowed range)"),
    (["simulate", "tiny.toml", "-n", "50", "-q", "--no-store", "--set", "actors.A.doctrine=-2"],
     "Error: --set actors[A].doctrine=-2.0: -2 is below 0 (doctrines (0 = peace through trust, 1 = peace "
     "through force) lie in [0, 1]) (fix: give a value in the allowed range)"),
    (["simulate", "tiny.toml", "-q", "--no-store", "--set", "actors.A.doctrine"],
     "Error: --set 'actors.A.doctrine': expected PATH=VALUE (fix: e.g. --set actors.USA.doctrine=0.3)"),
]


@pytest.mark.parametrize(("args", "expected"), ARGS, ids=[a[-1] for a, _ in ARGS])
def test_out_of_range_arguments(args: list[str], expected: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert one_error(args, capsys) == expected


@pytest.mark.parametrize(("args", "message"), [
    (["simulate", "tiny.toml", "--workers", "0"], "Error: Invalid value for '--workers': Input should be greater than or equal to 1"),
    (["simulate", "tiny.toml", "--workers", "-1"], "Error: Invalid value for '--workers': Input should be greater than or equal to 1"),
    (["forecast", "tiny.toml", "--rounds", "100000"], "Error: Invalid value for '--rounds': Input should be less than or equal to 1000"),
    (["simulate", "tiny.toml", "--runs", "0"], "Error: Invalid value for '--runs' / '-n': Input should be greater than or equal to 1"),
])
def test_unbounded_counts_are_usage_errors(args: list[str], message: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.strip().splitlines()[-1] == message


def test_set_accepts_both_path_syntaxes(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    # (tiny declares no `doctrine` mechanism, so a doctrine would change nothing: set a tension instead)
    for path in ("relations.ab.tension=1.5", "relations[ab].tension=1.5"):
        code, out, _ = run(["simulate", "tiny.toml", "-n", "300", "-s", "3", "-q", "--no-store", "--json", "-",
                            "--set", path], capsys)
        assert code == 0
        outs.append(out)
    code, base, _ = run(["simulate", "tiny.toml", "-n", "300", "-s", "3", "-q", "--no-store", "--json", "-"], capsys)
    assert outs[0] == outs[1] != base


def test_numpy_warnings_do_not_precede_the_error(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    from detente.cli import _app

    @_app.app.command("warn-then-fail", hidden=True)
    def _warn_then_fail() -> None:
        import numpy as np

        from detente.errors import InputError

        np.array([1e308]) * 10  # overflow: a RuntimeWarning
        warnings.warn("overflow encountered", RuntimeWarning, stacklevel=1)
        raise InputError("x: broken (fix: none)")

    try:
        assert one_error(["warn-then-fail"], capsys) == "Error: x: broken (fix: none)"
    finally:
        _app.app.registered_commands.pop()


# --- paths --------------------------------------------------------------------------------------

LONG = "x" * 300 + ".toml"


@pytest.mark.parametrize("command", [["validate"], ["show"], ["forecast"], ["graph", "-o", "g.png", "--"]])
def test_file_name_too_long(command: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_error([*command, LONG], capsys)
    assert line == "Error: " + "x" * 60 + "…" + "x" * 10 + ".toml: File name too long (fix: use a shorter file name (at most 255 bytes))"


@pytest.mark.parametrize(("target", "expected"), [
    (".", "Error: --json .: is a folder (fix: give a file path such as out.json)"),
    ("nowhere/x.json", "Error: --json nowhere/x.json: folder nowhere does not exist (fix: create it first: mkdir -p nowhere)"),
    ("/dev/full", "Error: --json /dev/full: cannot write (No space left on device) (fix: write to another file or device)"),
    ("/proc/x.json", "Error: --json /proc/x.json: cannot write (No such file or directory) (fix: write to another file or device)"
     if os.geteuid() == 0 else "Error: --json /proc/x.json: folder /proc is not writable (fix: choose a folder you may write to)"),
])
def test_output_that_cannot_be_written(target: str, expected: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if target == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    assert one_error(["simulate", "tiny.toml", "-n", "20", "-q", "--no-store", "--json", target], capsys) == expected


# --- damaged stores -----------------------------------------------------------------------------


@pytest.fixture
def store(workdir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = workdir / "runs.duckdb"
    for seed in ("1", "2"):
        code, _, err = run(["simulate", "tiny.toml", "-n", "20", "-s", seed, "-q", "--store", str(path)], capsys)
        assert code == 0, err
    return path


@pytest.mark.parametrize("command", [["runs", "list"], ["runs", "show", "latest"], ["report", "latest", "-o", "r.html"]])
def test_truncated_store_gives_one_line_and_stays_byte_identical(
    command: list[str], store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])
    before = store.read_bytes()
    line = one_error([*command, "--store", str(store)], capsys)
    assert line.startswith(f"Error: {store}: is damaged and cannot be read as a run store (Could not read enough bytes")
    assert line.endswith("it was left untouched (fix: restore it from a backup, or move it aside and give another --store)")
    assert store.read_bytes() == before


def test_corrupted_block_gives_one_line_and_stays_byte_identical(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray(store.read_bytes())
    for i in range(12288, 12288 + 2048):  # the first block after the two headers
        data[i] ^= 0x5A
    store.write_bytes(bytes(data))
    line = one_error(["runs", "list", "--store", str(store)], capsys)
    assert line.startswith(f"Error: {store}: cannot be opened as a run store (Corrupt database file: computed checksum")
    assert store.read_bytes() == bytes(data)


# --- JSONL --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "reason"), [
    ('{"id": 1, "text": "\\ud800 abc"}', "\"text\" holds a lone surrogate ('\\ud800' at character 0)"),
    ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
])
def test_jsonl_lines_that_are_skipped(line: str, reason: str, tmp_path: Path) -> None:
    from detente.ingest.bulk import parse_line

    with pytest.raises(ValueError) as exc:
        parse_line(line)
    assert str(exc.value) == reason


def test_validate_lists_every_problem_at_once(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (workdir / "tiny.toml").read_text()
    text = text.replace('members = ["A", "B"]', 'members = ["A", "A"]', 1).replace("params = { rate = 0.01 }", "params = { rat = 0.01 }")
    text = text.replace('quote = "Alpha wants the river"', 'quote = "Alpha wants the sea"')
    (workdir / "bad.toml").write_text(text)
    code, out, err = run(["validate", "bad.toml"], capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "bad.toml: relations[0].members[1]: actor 'A' is already in this relation (at relations[0].members[0]) "
        "(fix: a relation links different actors: name each actor once)",
        "bad.toml: mechanisms[0].params.rat: unknown parameter 'rat' for K11 (accidental-escalation) (fix: use one "
        "of: channel_damping, rate)",
        "bad.toml: actors[0].doctrine.quote: quote 'Alpha wants the sea' is not in source 'art' (fix: copy the "
        "sentence exactly from the source text (use ... for omitted words))",
        "Error: bad.toml: 3 problems, listed above (fix: correct each, then run detente validate again)",
    ]


def test_validate_lists_every_field_problem_at_once(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (workdir / "tiny.toml").read_text().replace("military = 0.5", "military = 1.5").replace("horizon = 12", 'horizon = "x"')
    (workdir / "bad.toml").write_text(text)
    code, _, err = run(["validate", "bad.toml"], capsys)
    assert code == 2
    assert err.splitlines() == [
        "bad.toml: scenario.horizon: 'x': Input should be a valid integer, unable to parse string as an integer "
        "(fix: see docs/scenario-format.md for this field)",
        "bad.toml: actors[0].capabilities.military: 1.5 is above 1 (capabilities are shares of the world total and "
        "lie in [0, 1]) (fix: change the value to satisfy that rule)",
        "Error: bad.toml: 2 problems, listed above (fix: correct each, then run detente validate again)",
    ]


# --- counts that would need more memory than there is (found by the 10,000-case argument fuzz) ------

@pytest.mark.parametrize(("args", "expected"), [
    (["backtest", "--boot", "99999999999", "--no-store", "-q"],
     "Error: --boot: 99999999999 resamples are more than 100,000 (fix: use e.g. 1000; 10,000 for a third digit)"),
    (["sweep", "tiny.toml", "--vary", "actors.A.doctrine=0:1", "--design", "lhs", "--points", "99999999999", "-n", "3", "-q", "--no-store"],
     "Error: --points 99999999999: more than 100,000 points (fix: use fewer points, e.g. --points 64)"),
    (["sensitivity", "tiny.toml", "--outcome", "clash", "--params", "actors.A.doctrine=0:1,actors.B.doctrine=0:1",
      "--samples", "1099511627776", "-n", "3", "-q", "--no-store"],
     "Error: --samples 1099511627776: 4,398,046,511,104 points, more than 100,000 (fix: use fewer samples, e.g. --samples 256)"),
    (["sensitivity", "tiny.toml", "--outcome", "clash", "--params", "actors.A.doctrine=0:1,actors.B.doctrine=0:1",
      "--method", "morris", "--samples", "99999999999", "-n", "3", "-q", "--no-store"],
     "Error: --samples 99999999999: 299,999,999,997 points, more than 100,000 (fix: use fewer samples, e.g. --samples 256)"),
])
def test_designs_too_large_to_hold_are_refused_before_work(
    args: list[str], expected: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert one_error(args, capsys) == expected


def test_runs_that_would_not_fit_in_memory_are_refused_and_the_suggested_count_runs(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 4 MiB allowed, 1,000,000 runs stop after the first chunk; the count the fix suggests then runs."""
    import importlib
    import re

    sim = importlib.import_module("detente.engines.escalation.simulate")

    monkeypatch.setattr(sim, "memory_limit", lambda: 4 * 2**20)
    chunks: list[int] = []
    real = sim._run_chunk
    monkeypatch.setattr(sim, "_run_chunk", lambda a: chunks.append(a[1]) or real(a))
    line = one_error(["simulate", "tiny.toml", "-n", "1000000", "--horizon", "3", "-q", "--no-store", "--workers", "1"], capsys)
    m = re.fullmatch(
        r"Error: runs: 1,000,000 replicates of 3 steps would keep about ([\d.]+) GiB, more than the 0\.0 GiB this "
        r"machine allows \(fix: use at most ([\d,]+) runs, or a shorter horizon\)",
        line,
    )
    assert m, line
    assert chunks == [0], "only the first chunk ran"
    fit = int(m.group(2).replace(",", ""))
    assert 1000 < fit < 1_000_000
    code, _, err = run(["simulate", "tiny.toml", "-n", str(fit), "--horizon", "3", "-q", "--no-store", "--workers", "1"], capsys)
    assert code == 0, err
    code, _, err = run(["simulate", "tiny.toml", "-n", str(2 * fit), "--horizon", "3", "-q", "--no-store", "--workers", "1"], capsys)
    assert code == 2 and "would keep about" in err
