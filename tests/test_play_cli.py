"""`detente play` in a terminal: a three-step game typed through pexpect, then the stored run and its replay."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

PROMPT = r"your actions \(h for help\): "


def _detente() -> str:
    return str(Path(sys.executable).with_name("detente"))


def test_a_three_step_game_is_played_stored_and_replayed(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    child = pexpect.spawn(
        _detente(), ["play", "korea-2018", "--as", "RUS", "--horizon", "3", "--seed", "7", "--runs", "200",
                     "--store", str(store)],
        encoding="utf-8", timeout=120, dimensions=(50, 100), env={"COLUMNS": "100", "TERM": "dumb", "PATH": "/usr/bin:/bin"},
    )
    child.expect("step 1 of 3")
    child.expect("Tracked outcomes from here")
    child.expect(PROMPT)
    child.sendline("PRK=FLY")  # a bad move is refused and asked again
    child.expect("is not an action open to RUS")
    child.expect(PROMPT)
    child.sendline("PRK=CONSULT USA=ACCUSE")
    child.expect("step 1: ")
    child.expect("RUS→PRK CONSULT")
    child.expect("step 2 of 3")
    child.expect("Last step's events with RUS")
    child.expect(PROMPT)
    child.sendline("auto")
    child.expect("step 3 of 3")
    child.expect(PROMPT)
    child.sendline("")
    child.expect("your path ended at")
    child.expect(r"run (\S+) recorded")
    run_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    from detente.store import RunStore

    run = RunStore(store).get(run_id, with_steps=False)
    assert run.kind == "play" and run.seed == 7
    moves = run.params["moves"]
    assert [m["RUS"]["actions"]["PRK"] for m in moves] == ["CONSULT", "auto", "NONE"]
    assert ["RUS", "PRK", "CONSULT"] in run.result["path"][0]
    assert all(e[0] != "RUS" for e in run.result["path"][2])  # an empty move: Russia does nothing

    out = pexpect.run(_detente() + f" play --replay {run_id} --store {store}", encoding="utf-8", timeout=120,
                      env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})
    assert "the path is identical to the stored run" in out


def test_hot_seat_asks_each_seat_in_turn(tmp_path: Path) -> None:
    child = pexpect.spawn(
        _detente(), ["play", "korea-2018", "--as", "RUS", "--as", "USA", "--horizon", "1", "--runs", "50",
                     "--store", str(tmp_path / "r.duckdb")],
        encoding="utf-8", timeout=120, dimensions=(50, 100), env={"COLUMNS": "100", "TERM": "dumb", "PATH": "/usr/bin:/bin"},
    )
    child.expect("pass the keyboard to RUS")
    child.expect(PROMPT)
    child.sendline("")
    child.expect("pass the keyboard to USA")
    child.expect("USA to play")
    child.expect(PROMPT)
    child.sendline("PRK=THREATEN")
    child.expect("recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_bad_seat_is_one_line_and_exit_2() -> None:
    out, status = pexpect.run(_detente() + " play korea-2018 --as XX", encoding="utf-8", withexitstatus=True,
                              timeout=60, env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})
    assert status == 2
    assert out.strip().startswith("Error: korea-2018: --as 'XX': unknown actor")
    assert "Traceback" not in out
