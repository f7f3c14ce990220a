"""Run many replicates of the escalation model, in chunks, serially or on several processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from detente.engines.pool import worker_pool
from detente.errors import InputError
from detente.scenario.model import Scenario, Strategy, StrategyComponent

from .model import _BLOCK_KEYS, BLOCK, EscalationModel
from .params import mechanism_levers
from .result import SimulationResult

MAX_RUNS = 10_000_000


def _run_chunk(args: tuple[EscalationModel, int, int, int, int]) -> dict[str, np.ndarray]:
    model, seed, first_block, n_blocks, runs = args
    return model.run_blocks(seed, first_block, n_blocks, runs)


def simulate(
    scenario: Scenario,
    *,
    runs: int = 10000,
    horizon: int | None = None,
    seed: int = 0,
    strategy: str | Strategy | Sequence[StrategyComponent] | None = None,
    overrides: Mapping[str, float | str | bool] | None = None,
    mechanisms_off: Iterable[str] = (),
    chunk_size: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
    workers: int | None = None,
    fixed_actions: Mapping[tuple[str, str], str] | None = None,
) -> SimulationResult:
    """Simulate ``runs`` replicates of the scenario's crisis dynamics.

    Args:
        scenario: The scenario.
        runs: Number of replicates.
        horizon: Steps (months for monthly scenarios); default the scenario's horizon.
        seed: Seed; replicate ``r`` draws from ``SeedSequence(seed, spawn_key=(r // 256,))`` at lane
            ``r % 256``, so results do not depend on chunking or workers, and two strategies run with one
            seed share their random numbers replicate by replicate.
        strategy: A strategy id of the scenario, a ``Strategy``, or a list of components.
        overrides: Scenario field paths (or ``engine.NAME``) to values.
        mechanisms_off: Ids of the scenario's mechanism instances (or mechanism types) to switch off.
        chunk_size: Replicates per chunk (rounded up to a multiple of 256); default 2048 (cache-sized).
        progress: ``True`` for a progress bar on stderr, or a callback ``(done, total)``.
        workers: Processes; default 1 below 20 000 runs, else the CPU count (at most 2 per chunk).
        fixed_actions: Fix every pair's action (see :class:`EscalationModel`); for tests.

    Returns:
        The per-replicate arrays and their summaries.

    Raises:
        InputError: Bad runs, seed, horizon, chunk size, strategy, override or mechanism id.
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise InputError(f"runs: {runs!r} is not a whole number in 1…{MAX_RUNS} (fix: e.g. --runs 10000)")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed: {seed!r} is not a non-negative whole number (fix: e.g. --seed 7)")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise InputError(f"chunk_size: {chunk_size!r} is not a positive whole number")
    model = EscalationModel(
        scenario,
        horizon=horizon,
        strategy=strategy,
        overrides=overrides,
        mechanisms_off=mechanisms_off,
        fixed_actions=fixed_actions,
    )
    n_blocks = -(-runs // BLOCK)
    per = max(1, -(-(chunk_size or 2048) // BLOCK))
    chunks = [(b, min(per, n_blocks - b)) for b in range(0, n_blocks, per)]
    if workers is None:
        workers = 1 if runs < 20000 else min(os.cpu_count() or 1, len(chunks))
    total = runs
    callback = _progress(progress, total)
    try:
        args = [(model, int(seed), b, k, runs) for b, k in chunks]
        # The first chunk runs here, always: its arrays measure what every replicate keeps, so a run
        # that could not fit in memory stops before it spends any (the others do not depend on it).
        first = _run_chunk(args[0])
        _check_memory(first, runs, model.horizon)
        joined = _Joined(first, runs)
        callback(joined.done)
        if workers <= 1 or len(chunks) <= 2:
            for a in args[1:]:
                joined.add(_run_chunk(a))
                callback(joined.done)
        else:
            with worker_pool(ProcessPoolExecutor, workers) as pool:
                for part in pool.map(_run_chunk, args[1:]):
                    joined.add(part)
                    callback(joined.done)
    finally:
        callback(-1)
    arrays = joined.arrays()
    comp = model.compiled
    scale = tuple((float(lo), float(hi)) for lo, hi in zip(comp.issue_lo, comp.issue_hi, strict=True))
    if len(scale):
        lo = np.array([s[0] for s in scale])
        hi = np.array([s[1] for s in scale])
        arrays["status_quo"] = (lo + (hi - lo) * arrays["status_quo"]).astype(np.float32)
    levers = mechanism_levers()
    running = model._base  # the scenario with the run's overrides (which may add an instance)
    mechanisms = {
        m.id: {
            "type": m.type,
            "enabled": comp.instances.get(m.type) == m.id,
            "lever": levers[m.type].lever,
            "params": comp.mech.get(m.type, {}) if comp.instances.get(m.type) == m.id else {},
        }
        for m in running.mechanisms
    }
    return SimulationResult(
        scenario=scenario.id,
        runs=runs,
        seed=int(seed),
        horizon=model.horizon,
        strategy=model.strategy_name,
        actors=comp.actors,
        pairs=tuple((comp.actors[i], comp.actors[j]) for i, j in comp.pairs),
        issues=comp.issues,
        issue_scale=scale,
        outcomes=comp.outcomes,
        mechanisms=mechanisms,
        arrays=arrays,
    )


def memory_limit() -> int:
    """Bytes a simulation may keep: three quarters of physical memory, or less under ``ulimit -v``."""
    import resource

    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # no sysconf: do not refuse on a guess
        return 2**62
    limit = int(physical * 0.75)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, int(soft * 0.75))
    return limit


def _check_memory(part: dict[str, np.ndarray], runs: int, horizon: int) -> None:
    """Refuse ``runs`` replicates whose arrays would not fit in memory.

    The result is allocated once and filled in place, so a run needs its arrays plus a chunk or two in
    flight (the one arriving and the one being written).
    """
    done = len(part["war_first"])
    chunk = sum(v.nbytes for v in part.values())
    per_run = chunk / done
    need = per_run * runs + 2 * chunk
    limit = memory_limit()
    if need > limit:
        fit = max(1, int((limit - 2 * chunk) / per_run))
        raise InputError(
            f"runs: {runs:,} replicates of {horizon} step{'s' if horizon != 1 else ''} would keep about "
            f"{need / 2**30:,.1f} GiB, more than the {limit / 2**30:,.1f} GiB this machine allows "
            f"(fix: use at most {fit:,} runs, or a shorter horizon)"
        )


class _Joined:
    """The result's arrays, allocated once for all ``runs`` and filled chunk by chunk in replicate order.

    Joining the chunks at the end (``np.concatenate``) held every chunk and the joined copy at once: twice
    the result. Per-block sums (``actor_positions_sum``) are kept as a list and added in block order at the
    end, as before, so chunking cannot change the result.
    """

    def __init__(self, first: dict[str, np.ndarray], runs: int) -> None:
        self.runs = runs
        self.done = 0
        self.out: dict[str, np.ndarray] = {}
        self.block_sums: dict[str, list[np.ndarray]] = {}
        for key, v in first.items():
            if key in _BLOCK_KEYS:
                self.block_sums[key] = []
            else:
                self.out[key] = np.empty((runs, *v.shape[1:]), v.dtype)
        self.add(first)

    def add(self, part: dict[str, np.ndarray]) -> None:
        """Write the next chunk (chunks arrive in replicate order)."""
        n = len(part["war_first"])
        for key, v in part.items():
            if key in self.block_sums:
                self.block_sums[key].append(v)
            else:
                self.out[key][self.done : self.done + n] = v
        self.done += n

    def arrays(self) -> dict[str, np.ndarray]:
        """The joined arrays (per-block sums summed in block order: a cumulative sum, as before)."""
        if self.done != self.runs:
            raise RuntimeError(f"simulate: {self.done} of {self.runs} replicates were returned")
        out = dict(self.out)
        for key, parts in self.block_sums.items():
            out[key] = np.cumsum(np.concatenate(parts, axis=0), axis=0)[-1]
        return out


def _progress(progress: bool | Callable[[int, int], None], total: int) -> Callable[[int], None]:
    if callable(progress):
        cb = progress

        def call(done: int) -> None:
            if done >= 0:
                cb(done, total)

        return call
    if not progress:
        return lambda done: None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from detente.cli._app import err_console

    bar = Progress(
        TextColumn("simulating"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
        TimeElapsedColumn(), console=err_console, transient=True,
    )
    task = bar.add_task("runs", total=total)
    state: dict[str, Any] = {"started": False}

    def update(done: int) -> None:
        if done < 0:
            if state["started"]:
                bar.stop()
            return
        if not state["started"]:
            bar.start()
            state["started"] = True
        bar.update(task, completed=done)

    update(0)
    return update
