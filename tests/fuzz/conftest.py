"""Fuzz profiles: a short one in `make test`, >= 10,000 cases a surface with `make fuzz`."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.harness import COUNTS, FAILURES, GROWTH, SECONDS, SLOWEST

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}
settings.register_profile("short", max_examples=int(os.environ.get("DETENTE_FUZZ_EXAMPLES", "25")), **_COMMON)
settings.register_profile("fuzz", max_examples=int(os.environ.get("DETENTE_FUZZ_EXAMPLES", "10000")), **_COMMON)
PROFILE = settings.get_profile(os.environ.get("DETENTE_FUZZ_PROFILE", "short"))
"""The profile the fuzz tests apply to themselves only (other hypothesis tests keep their own settings)."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the outcome counts per surface (``make fuzz`` quotes them)."""
    if not COUNTS:
        return
    terminalreporter.section("fuzz outcomes")
    for surface, counts in sorted(COUNTS.items()):
        total = sum(counts.values())
        parts = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("ok", "error", "traceback", "hang", "bad-error", "memory"))
        terminalreporter.write_line(f"{surface:<10} {total:>6} cases: {parts} ({SECONDS[surface] / 60:.1f} min in cases)")
    for text in FAILURES[:10]:
        terminalreporter.write_line(text)
    for took, args in SLOWEST:
        terminalreporter.write_line(f"slowest: {took:.1f} s {args}")
    for mb, args in sorted(GROWTH, reverse=True)[:5]:
        terminalreporter.write_line(f"peak memory +{mb:,.0f} MB: detente {args}")
