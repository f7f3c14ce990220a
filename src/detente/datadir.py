"""Where detente finds public data it does not ship: the data directory.

detente ships its own code, scenarios, authored tables and fitted parameters. Third-party data (the
history tables, event dictionaries, bargaining tables) is read from a **data directory**, found in this
order:

1. an explicit folder (the CLI's ``--data DIR``),
2. the ``DETENTE_DATA`` environment variable,
3. the user's data folder, ``platformdirs.user_data_dir("detente") / "data"``.

Its layout has one folder per data set: ``history/``, ``events/``, ``bargaining/``. A command that needs
a file that is not there raises :class:`DataMissingError`, one line naming the file, the folder looked in,
and the command that gets it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs

from detente.errors import DetenteError

ENV_VAR = "DETENTE_DATA"
DATA_SETS = ("history", "events", "bargaining")

_active: Path | None = None
"""The data directory a CLI command was given (``--data``), for code that does not take it as an argument."""


class DataMissingError(DetenteError):
    """A public data file that a command needs is not in the data directory."""


def default_data_dir() -> Path:
    """The user's data folder (platformdirs), used when neither ``--data`` nor ``DETENTE_DATA`` is set."""
    return Path(platformdirs.user_data_dir("detente", appauthor=False)) / "data"


def activate(explicit: str | Path) -> None:
    """Make ``explicit`` the data directory until the enclosing :func:`use_data_dir` block ends."""
    global _active
    _active = Path(explicit).expanduser()


@contextmanager
def use_data_dir(explicit: str | Path | None) -> Iterator[Path]:
    """Within the block, :func:`data_dir` without an argument means ``explicit`` (if not None).

    The CLI wraps a command given ``--data DIR`` in this, so that everything it calls (the event coder,
    the gazetteer, worker processes forked from it) reads the same folder.
    """
    global _active
    before = _active
    if explicit is not None and str(explicit) != "":
        _active = Path(explicit).expanduser()
    try:
        yield data_dir()
    finally:
        _active = before


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data directory: ``explicit`` if given, else ``$DETENTE_DATA``, else the user's data folder.

    Inside :func:`use_data_dir`, the folder it was given comes before ``$DETENTE_DATA``.

    The folder need not exist; :func:`require` says what is missing when a file is asked for.
    """
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    if _active is not None:
        return _active
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return default_data_dir()


def how_to_get(dataset: str) -> str:
    """The one-line fix for a missing data set."""
    return (
        f"run `detente data download {dataset}`, or point --data / {ENV_VAR} at a data directory "
        f"that has a {dataset}/ folder"
    )


def dataset_dir(dataset: str, explicit: str | Path | None = None) -> Path:
    """The folder of one data set (``history``, ``events``, ``bargaining``) inside the data directory.

    Raises:
        DataMissingError: the folder does not exist.
    """
    root = data_dir(explicit)
    path = root / dataset
    if not path.is_dir():
        raise DataMissingError(f"{path}: data set '{dataset}' not found (fix: {how_to_get(dataset)})")
    return path


def require(relpath: str | Path, explicit: str | Path | None = None) -> Path:
    """The path of one data file, e.g. ``require("history/cow_nmc_v7_0_1816_2022.csv")``.

    Args:
        relpath: Path inside the data directory; its first part names the data set.
        explicit: An explicit data directory (``--data``), if the user gave one.

    Raises:
        DataMissingError: the file is not there; the message names the command that gets it.
    """
    rel = Path(relpath)
    root = data_dir(explicit)
    path = root / rel
    if not path.is_file():
        dataset = rel.parts[0] if rel.parts else "history"
        raise DataMissingError(
            f"{path}: data file '{rel.as_posix()}' not found in the data directory {root} "
            f"(fix: {how_to_get(dataset)})"
        )
    return path


def available(explicit: str | Path | None = None) -> dict[str, bool]:
    """Which data sets are present in the data directory."""
    root = data_dir(explicit)
    return {name: (root / name).is_dir() for name in DATA_SETS}
