"""The run store: every run recorded in an embedded DuckDB file, found again by id or ``latest``.

See :class:`RunStore` for the library interface and ``detente runs --help`` for the commands.
"""

from detente.store.runstore import (
    KINDS,
    LATEST,
    STEP_COLUMNS,
    RunDiff,
    RunNotFoundError,
    RunStore,
    RunSummary,
    StoreBusyError,
    StoredRun,
    StoreError,
    StoreVersionError,
    default_store_path,
    diff_runs,
    flatten_result,
    steps_from_result,
    to_jsonable,
)

__all__ = [
    "KINDS",
    "LATEST",
    "STEP_COLUMNS",
    "RunDiff",
    "RunNotFoundError",
    "RunStore",
    "RunSummary",
    "StoreBusyError",
    "StoreError",
    "StoreVersionError",
    "StoredRun",
    "default_store_path",
    "diff_runs",
    "flatten_result",
    "steps_from_result",
    "to_jsonable",
]
