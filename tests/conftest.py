"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared folder beside the project (skips the test when it is absent)."""
    if not SHARED.exists():
        pytest.skip("../shared is not beside the project")
    return SHARED


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes runs to a throw-away store, never to the user's ~/.local/share/detente."""
    store = tmp_path_factory.mktemp("store") / "runs.duckdb"
    monkeypatch.setenv("DETENTE_STORE", str(store))
