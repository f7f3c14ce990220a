"""The run store under interruption and contention: kills mid-write, Ctrl-C, concurrent writers."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest

from detente.cli import main
from detente.scenario import LoadedScenario
from detente.store import RunStore, StoreBusyError
from tests.test_store_fixtures import fake_simulate_result, write_tiny_scenario

TESTS = Path(__file__).resolve().parent


def _snapshot(path: Path) -> dict[str, Any]:
    """Everything the store holds, table by table, read with plain DuckDB."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("runs", "run_steps", "run_values", "scenarios", "schema_migrations")
        }


def _script(body: str) -> list[str]:
    prelude = f"""
import sys, time
sys.path.insert(0, {str(TESTS.parent)!r})
from pathlib import Path
from tests.test_store_fixtures import fake_simulate_result, write_tiny_scenario
from detente.store import RunStore
"""
    return [sys.executable, "-c", prelude + textwrap.dedent(body)]


@pytest.fixture
def filled(tmp_path: Path) -> tuple[RunStore, LoadedScenario]:
    store = RunStore(tmp_path / "runs.duckdb", timeout=10)
    tiny = write_tiny_scenario(tmp_path / "scn")
    for seed in (1, 2):
        store.record(
            "simulate",
            tiny,
            params={"runs": 200},
            seed=seed,
            result=fake_simulate_result(tiny, seed=seed),
        )
    return store, tiny


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_a_process_stopped_in_the_middle_of_a_write_leaves_the_store_unchanged(
    filled: tuple[RunStore, LoadedScenario], tmp_path: Path, sig: signal.Signals
) -> None:
    store, _ = filled
    before = _snapshot(store.path)
    # The child writes a run of a new scenario; after the run, value and step rows are inserted (but
    # before COMMIT) it says so and waits to be stopped.
    child = subprocess.Popen(
        _script(
            f"""
            orig = RunStore._write_steps
            def paused(con, run_id, table):
                orig(con, run_id, table)
                n = con.execute("SELECT count(*) FROM runs").fetchone()[0]
                print("mid-write", n, flush=True)
                time.sleep(60)
            RunStore._write_steps = staticmethod(paused)
            other = write_tiny_scenario(Path({str(tmp_path / "other")!r}), horizon=7)
            RunStore({str(store.path)!r}).record(
                "simulate", other, params={{"runs": 9}}, seed=9, result=fake_simulate_result(other, seed=9)
            )
            """
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.split() == ["mid-write", "3"], child.stderr.read() if child.stderr else line
        os.kill(child.pid, sig)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0
    assert _snapshot(store.path) == before
    assert [r.seed for r in store.runs()] == [2, 1]
    assert store.get("latest").seed == 2


def test_ctrl_c_inside_the_writing_process_rolls_the_run_back(
    filled: tuple[RunStore, LoadedScenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, tiny = filled
    before = _snapshot(store.path)

    def interrupted(con: Any, run_id: str, table: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(RunStore, "_write_steps", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):
        store.record("simulate", tiny, params={}, seed=3, result=fake_simulate_result(tiny, seed=3))
    assert _snapshot(store.path) == before


def test_two_processes_writing_at_once_both_succeed(
    filled: tuple[RunStore, LoadedScenario], tmp_path: Path
) -> None:
    store, _ = filled
    body = """
        who = int(sys.argv[1])
        loaded = write_tiny_scenario(Path({folder!r}) / str(who))
        store = RunStore({path!r}, timeout=60)
        for i in range(6):
            store.record("simulate", loaded, params={{"who": who, "i": i}}, seed=100 * who + i,
                         result=fake_simulate_result(loaded, seed=i))
        print("done", flush=True)
    """.format(folder=str(tmp_path / "writers"), path=str(store.path))
    children = [
        subprocess.Popen(
            [*_script(body), str(who)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for who in (1, 2)
    ]
    outs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0, 0], [o[1][-800:] for o in outs]
    runs = store.runs()
    assert len(runs) == 2 + 12
    assert sorted(r.seq for r in runs) == list(range(1, 15))
    assert sorted(r.seed for r in runs if r.seed and r.seed >= 100) == sorted(
        100 * w + i for w in (1, 2) for i in range(6)
    )


def test_a_writer_that_cannot_get_the_store_in_time_gets_a_clear_busy_error(
    filled: tuple[RunStore, LoadedScenario],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, tiny = filled
    holder = subprocess.Popen(
        _script(
            f"""
            import duckdb
            con = duckdb.connect({str(store.path)!r})
            print("held", flush=True)
            time.sleep(60)
            """
        ),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        digest = hashlib.sha256(store.path.read_bytes()).hexdigest()
        busy = RunStore(store.path, timeout=0.3)
        with pytest.raises(
            StoreBusyError,
            match=r"store is busy: another detente process has held it for more than 0.3 s",
        ):
            busy.record("simulate", tiny, params={}, seed=5, result={})
        with pytest.raises(StoreBusyError, match="store is busy"):
            busy.runs()
        # On the command line: one line, exit status 2.
        monkeypatch.setenv("DETENTE_STORE_TIMEOUT", "0.2")
        with pytest.raises(SystemExit) as exc:
            main(["runs", "list", "--store", str(store.path)])
        err = capsys.readouterr().err
        assert exc.value.code == 2
        assert (
            err.startswith(f"Error: {store.path}: store is busy")
            and len(err.strip().splitlines()) == 1
        )
        assert hashlib.sha256(store.path.read_bytes()).hexdigest() == digest
    finally:
        holder.kill()
        holder.wait()
    store.record("simulate", tiny, params={}, seed=5, result={})
    assert store.get("latest").seed == 5
