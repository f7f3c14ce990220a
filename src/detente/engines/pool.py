"""Worker pools that stop promptly: on Ctrl-C (or any error) the jobs not yet started are cancelled.

``Executor.map`` submits every job at once, and leaving a ``with Executor(...)`` block waits for all of
them; a Ctrl-C during a 10-million-run simulation would then wait for the whole run before the CLI
could say ``Aborted.``. :func:`worker_pool` cancels what has not started and waits only for the jobs
already running (one chunk of blocks each).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager


@contextmanager
def worker_pool(kind: type[Executor], workers: int) -> Iterator[Executor]:
    """An executor of ``kind`` with ``workers`` workers, shut down without waiting for unstarted jobs on error.

    Args:
        kind: ``ThreadPoolExecutor`` or ``ProcessPoolExecutor``.
        workers: Number of workers.
    """
    pool = kind(max_workers=workers)  # type: ignore[call-arg]
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
