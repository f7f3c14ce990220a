from __future__ import annotations

from pathlib import Path

import pytest

from detente.datadir import DataMissingError, available, data_dir, dataset_dir, require


def test_explicit_folder_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_DATA", str(tmp_path / "env"))
    assert data_dir(tmp_path / "cli") == tmp_path / "cli"
    assert data_dir() == tmp_path / "env"


def test_user_folder_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETENTE_DATA", raising=False)
    assert data_dir().name == "data"
    assert "detente" in str(data_dir())


def test_missing_file_names_the_file_and_the_command_that_gets_it(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError) as info:
        require("history/cow_nmc.csv", tmp_path)
    msg = str(info.value)
    assert "history/cow_nmc.csv" in msg
    assert str(tmp_path) in msg
    assert "detente data download history" in msg
    assert "\n" not in msg


def test_present_file_and_data_sets(tmp_path: Path) -> None:
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "x.csv").write_text("a\n1\n")
    assert require("history/x.csv", tmp_path) == tmp_path / "history" / "x.csv"
    assert dataset_dir("history", tmp_path) == tmp_path / "history"
    assert available(tmp_path) == {"history": True, "events": False, "bargaining": False}
    with pytest.raises(DataMissingError, match="data set 'events' not found"):
        dataset_dir("events", tmp_path)
