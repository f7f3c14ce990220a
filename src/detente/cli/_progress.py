"""A progress bar on standard error for commands that take more than a second, silenced by ``--quiet``.

:class:`ProgressBackend` wraps an experiments backend so every finished job (arm, point, batch) advances
the bar; Ctrl-C stops between jobs, the bar is removed and the CLI prints ``Aborted.`` (exit 130).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from detente.cli._app import err_console

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def progress_bar(label: str, *, quiet: bool) -> Iterator[Progress]:
    """A transient bar on standard error; disabled with ``quiet`` or when stderr is not a terminal."""
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet or not err_console.is_terminal,
        transient=True,
    )
    with bar:
        yield bar


class ProgressBackend:
    """An experiments backend that advances a progress bar as its jobs finish.

    Args:
        inner: The backend that runs the jobs (local or Dask).
        bar: The progress bar to advance.
        batches: How many batches a sensitivity analysis splits its points into, so the bar moves.
    """

    def __init__(self, inner: Any, bar: Progress, batches: int = 32) -> None:
        self.inner = inner
        self.bar = bar
        self.name = inner.name
        self.batches = batches
        self._task: TaskID | None = None

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Run the jobs, advancing the bar by one per finished job."""
        task = self.bar.add_task("jobs", total=len(items))
        if self.inner.name != "local":
            out: list[R] = self.inner.map(fn, items)
            self.bar.update(task, completed=len(items))
            return out
        results = []
        for item in items:
            results.append(fn(item))
            self.bar.advance(task)
        return results

    def close(self) -> None:
        """Close the inner backend."""
        self.inner.close()
