"""Ctrl-C on a long command: one ``Aborted.`` line, exit status 130, no traceback, nothing half-stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def test_ctrl_c_while_the_cli_loads_is_aborted_too() -> None:
    # A Ctrl-C during the imports (before the CLI's own handler is in place) is the same one line and 130.
    code = "import signal, os, builtins\n" \
        "real = builtins.__import__\n" \
        "def imp(name, *a, **k):\n" \
        "    if name == 'detente.cli':\n" \
        "        os.kill(os.getpid(), signal.SIGINT)\n" \
        "    return real(name, *a, **k)\n" \
        "builtins.__import__ = imp\n" \
        "from detente.__main__ import run\n" \
        "run()\n"
    proc = subprocess.run([sys.executable, "-c", code, "scenarios"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 130, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "Aborted."


@pytest.mark.parametrize(
    "args",
    [
        # Enough runs that neither can finish in the 12 s before the interrupt, with the compiled kernel
        # on an idle machine (10 M runs: about 100 s; the compare's two arms of 3 M: about 60 s).
        ["simulate", "korea-2018", "-n", "10000000", "-s", "1"],
        ["compare", "korea-2018", "--strategy", "us-maximum-pressure", "--components", "none", "-n", "3000000", "-s", "1"],
    ],
    ids=["simulate", "compare"],
)
def test_ctrl_c_stops_cleanly_and_stores_nothing(args: list[str], tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    env = {**os.environ, "DETENTE_STORE": str(store), "COLUMNS": "80"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "detente", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # Interrupt once the command is under way (imports done, engine running), as a user would; the
    # runs are many enough that it cannot finish first, even on a fast machine.
    time.sleep(12)
    assert proc.poll() is None, "the command ended before it could be interrupted: give it more runs"
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=120)
    # It stops promptly: the jobs not yet started are cancelled, not waited for.
    assert time.monotonic() - sent < 30, "the command took long to stop after Ctrl-C"
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "Traceback" not in out
    assert err.strip().splitlines()[-1] == "Aborted."
    assert not store.exists() or store.stat().st_size == 0 or _runs(store) == 0


def _runs(store: Path) -> int:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "runs" not in tables:
            return 0
        return int(con.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        con.close()
