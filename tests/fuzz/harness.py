"""Drive the CLI in process and classify how each case ended.

Outcomes: ``ok`` (exit 0), ``error`` (exit 2 whose standard error ends in exactly one ``Error:`` line;
before it may stand typer's usage lines, warnings, or the problems ``validate`` lists), ``traceback`` (any
other exception or exit), ``hang`` (the case ran past its time bound), ``bad-error`` (exit 2 but not one
clean ``Error:`` line), ``memory`` (the process's peak resident memory grew past ``DETENTE_FUZZ_MAX_MB``,
default 4,000 MB, during the case: every case runs in one process, so a case that holds on to memory, or
needs gigabytes, would sink a 10,000-case run).

Standard input is empty in every case (as under ``< /dev/null``), so ``play`` ends at its first prompt.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from detente.cli import main

COUNTS: dict[str, Counter[str]] = {}
"""Outcomes per surface over the session (printed by ``make fuzz``)."""
FAILURES: list[str] = []

TIME_BOUND = float(os.environ.get("DETENTE_FUZZ_SECONDS", "60"))
MAX_MB = float(os.environ.get("DETENTE_FUZZ_MAX_MB", "4000"))
SECONDS: Counter[str] = Counter()
"""Wall time per surface, in seconds."""
SLOWEST: list[tuple[float, str]] = []
"""The slowest cases: (seconds, surface and command), the longest few kept."""
GROWTH: list[tuple[float, str]] = []
"""Cases that raised the peak resident memory by 100 MB or more: (MB, the command)."""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class CaseTimeout(BaseException):
    """Raised by the alarm inside a case that ran past its bound (a BaseException: nothing catches it)."""


@dataclass(frozen=True)
class Outcome:
    """How one case ended."""

    kind: str
    code: int | None
    stdout: str
    stderr: str
    detail: str = ""


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum: int, frame: object) -> None:
        raise CaseTimeout()

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def classify(code: int | None, stdout: str, stderr: str) -> tuple[str, str]:
    """The outcome of a finished case from its exit status and output."""
    if code == 0:
        return "ok", ""
    if "Traceback (most recent call last)" in stderr:
        return "traceback", stderr[-2000:]
    if code == 2:
        lines = stderr.rstrip("\n").split("\n")
        errors = [ln for ln in lines if ln.startswith("Error:")]
        warnings = [ln for ln in lines if ln.startswith("warning:")]
        others = [ln for ln in lines if ln not in errors and ln not in warnings]
        if len(errors) == 1 and lines[-1].startswith("Error:") and not any(ln.startswith("  File ") for ln in others):
            return "error", ""
        if not stderr.strip() and "Usage:" in stdout:  # `detente` alone: help, exit 2
            return "error", ""
        return "bad-error", stderr[-2000:]
    return "traceback", f"exit {code}: {stderr[-2000:]}"


def run_cli(args: Sequence[str], *, seconds: float = TIME_BOUND, surface: str = "") -> Outcome:
    """Run ``detente ARGS`` in this process; never raises (except on KeyboardInterrupt)."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None
    before = _peak_mb()
    started = time.perf_counter()
    try:
        with _stdin(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _alarm(seconds):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except CaseTimeout:
        result = Outcome("hang", None, out.getvalue(), err.getvalue(), f"over {seconds:g} s")
        _count(surface, result, args, started)
        return result
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - any escape is the finding
        import traceback

        result = Outcome("traceback", None, out.getvalue(), err.getvalue(), "".join(traceback.format_exception(exc))[-3000:])
        _count(surface, result, args, started)
        return result
    kind, detail = classify(code, out.getvalue(), err.getvalue())
    after = _peak_mb()
    if after - before >= 100:
        GROWTH.append((after - before, " ".join(map(str, args))[:200]))
    if after > MAX_MB and before <= MAX_MB:
        kind, detail = "memory", f"peak resident memory {before:,.0f} → {after:,.0f} MB (bound {MAX_MB:,.0f})"
    result = Outcome(kind, code, out.getvalue(), err.getvalue(), detail)
    _count(surface, result, args, started)
    return result


@contextlib.contextmanager
def _stdin() -> Iterator[None]:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        yield
    finally:
        sys.stdin = old


def _count(surface: str, result: Outcome, args: Sequence[str], started: float) -> None:
    took = time.perf_counter() - started
    SECONDS[surface or "other"] += took
    SLOWEST.append((took, f"[{surface}] detente {' '.join(map(str, args))[:200]}"))
    SLOWEST.sort(reverse=True)
    del SLOWEST[5:]
    COUNTS.setdefault(surface or "other", Counter())[result.kind] += 1
    if result.kind not in {"ok", "error"}:
        FAILURES.append(f"[{surface}] {result.kind}: detente {' '.join(map(str, args))[:300]}\n{result.detail}")


def check(result: Outcome) -> None:
    """Fail the test unless the case ended in ``ok`` or one clean ``Error:`` line."""
    assert result.kind in {"ok", "error"}, f"{result.kind}: {result.detail}\nstdout: {result.stdout[-500:]}"
