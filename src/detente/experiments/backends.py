"""Backends that map a picklable function over jobs: in this process, or on a Dask cluster.

Both return results in the order of the jobs, and every job carries its own seed, so the local and the
Dask backend give identical numbers for the same root seed: nothing depends on which worker ran what.

Dask is an optional extra (``pip install 'detente[dask]'``). ``DaskBackend()`` starts a
``LocalCluster`` on this machine; ``DaskBackend("tcp://host:8786")`` connects to an existing scheduler
(see ``docs/dask.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from detente.errors import InputError

T = TypeVar("T")
R = TypeVar("R")

BACKENDS = ("local", "dask")


class Backend(Protocol):
    """Maps a function over items and returns the results in order."""

    name: str

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Apply ``fn`` to every item; results in the order of ``items``."""
        ...

    def close(self) -> None:
        """Release whatever the backend started."""
        ...


class LocalBackend:
    """Runs every job in this process, one after another."""

    name = "local"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Apply ``fn`` to every item in order."""
        return [fn(item) for item in items]

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class DaskBackend:
    """Fans jobs out over a ``dask.distributed`` cluster.

    Args:
        scheduler: Address of an existing scheduler (``tcp://10.0.0.5:8786``); ``None`` starts a
            ``LocalCluster`` on this machine.
        client: An existing ``distributed.Client`` to use instead (not closed by :meth:`close`).
        n_workers: Workers of the local cluster (default: one per core).
        threads_per_worker: Threads per local worker; 1 because the engine is numpy-bound and holds
            the GIL between array operations.

    Raises:
        InputError: Dask is not installed, or the scheduler cannot be reached.
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        client: Any = None,
        n_workers: int | None = None,
        threads_per_worker: int = 1,
    ) -> None:
        self._cluster: Any = None
        self._own_client = client is None
        if client is not None:
            self.client = client
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                "--backend dask: dask.distributed is not installed "
                "(fix: pip install 'detente[dask]', or use --backend local)"
            ) from None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=10)
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"--scheduler {scheduler!r}: cannot connect to a Dask scheduler ({exc}) "
                    "(fix: start one with `dask scheduler` and check the address and port, or omit "
                    "--scheduler to start a local cluster)"
                ) from None
        else:
            import dask

            # distributed sets MALLOC_TRIM_THRESHOLD_ in its workers' environment, which turns off
            # glibc's adaptive mmap threshold: every large numpy temporary is then mmapped and
            # page-faulted afresh, and the engine runs about twice as slow as in this process.
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                self._cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=threads_per_worker,
                    processes=True,
                    dashboard_address=":0",  # a free port: several clusters may run at once
                )
            self.client = Client(self._cluster)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Submit one task per item and gather the results in order."""
        if not items:
            return []
        futures = self.client.map(fn, list(items), pure=False)
        results: list[R] = self.client.gather(futures)
        return results

    @property
    def n_workers(self) -> int:
        """Workers currently connected to the scheduler."""
        return len(self.client.scheduler_info().get("workers", {}))

    def close(self) -> None:
        """Close the client and the local cluster if this backend started them."""
        if self._own_client:
            self.client.close()
            if self._cluster is not None:
                self._cluster.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def make_backend(name: str = "local", scheduler: str | None = None, workers: int | None = None) -> LocalBackend | DaskBackend:
    """The backend called ``name`` (``local`` or ``dask``); use it as a context manager.

    Raises:
        InputError: An unknown backend name, or ``--scheduler`` given with the local backend.
    """
    if name == "local":
        if scheduler:
            raise InputError(
                f"--scheduler {scheduler!r} needs --backend dask (fix: add --backend dask or drop --scheduler)"
            )
        return LocalBackend()
    if name == "dask":
        return DaskBackend(scheduler, n_workers=workers)
    raise InputError(f"--backend {name!r}: unknown backend (fix: use one of {', '.join(BACKENDS)})")

