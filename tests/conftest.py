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
