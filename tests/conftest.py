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


@pytest.fixture
def data_root() -> Path:
    """The data directory (``DETENTE_DATA``); skips the test, saying how to get it, when it is absent."""
    from detente.datadir import data_dir

    root = data_dir()
    if not (root / "history").is_dir():
        pytest.skip(f"needs the public data in {root} (run `detente data download`, or set DETENTE_DATA)")
    return root


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes runs to a throw-away store, never to the user's ~/.local/share/detente."""
    store = tmp_path_factory.mktemp("store") / "runs.duckdb"
    monkeypatch.setenv("DETENTE_STORE", str(store))
