"""Run the anchored engine: compile, then blocks of runs serially or on several processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.engines.escalation.result import report_horizons
from detente.engines.escalation.simulate import _progress, memory_limit
from detente.engines.pool import worker_pool
from detente.errors import InputError
from detente.scenario.model import Scenario, Strategy, StrategyComponent

from . import backbone
from .compile import Compiled, compile_scenario, describe_levers, override_scenario
from .kernel import choose_kernel, flatten
from .levers import LEVER_TYPES
from .model import BLOCK, run_block
from .result import AnchoredResult, reference_rows
from .summary import COND_BINS, Z_BINS, RunSummary

MAX_RUNS = 10_000_000
POOL = "threads"
"""How the compiled kernel's blocks run in parallel: ``threads`` (the kernel releases the GIL) or ``processes``."""


GROUP = 16
"""Blocks per unit of work: a worker reduces a group to one summary, and the groups are added in order
(16 blocks = 8,192 runs, so a group's histogram counts fit in uint16).

The grouping does not depend on the number of workers, so the floating-point sums (and so every number
reported) are the same serially and in parallel.
"""


@dataclass
class _Part:
    """What one group of blocks sends back: first hits per run, the summary, and the paths if kept."""

    first: int
    hits: dict[str, np.ndarray]
    summary: RunSummary
    paths: dict[str, np.ndarray] | None


def _run_chunk(args: tuple[Compiled, int, int, int, tuple[int, ...], int, bool, str, Any]) -> _Part:
    """Simulate blocks ``first…first+count-1`` (the last one cut to the runs asked for) and summarise them.

    The group's paths are summarised together (one histogram pass per group, not per block), then
    dropped unless kept.
    """
    comp, seed, first, count, hs, runs, keep, kernel, flat = args
    got: dict[str, list[np.ndarray]] = {"outcome_first": [], "key_first": [], "cond": [], "z": []}
    for b in range(first, first + count):
        block = run_block(comp, seed, b, hs, kernel, flat)
        take = min(BLOCK, runs - b * BLOCK)
        for k, v in got.items():
            v.append(block[k][:take])
    arrays = {k: np.concatenate(v) for k, v in got.items()}
    summary = RunSummary.of(arrays["cond"], arrays["z"])
    paths = {"cond": arrays.pop("cond"), "z": arrays.pop("z")}
    return _Part(first=first * BLOCK, hits=arrays, summary=summary, paths=paths if keep else None)


def simulate(
    scenario: Scenario,
    *,
    calibration: Any = None,
    runs: int = 10000,
    horizon: int | None = None,
    seed: int = 0,
    strategy: str | Strategy | Sequence[StrategyComponent] | None = None,
    overrides: Mapping[str, float | str | bool] | None = None,
    mechanisms_off: Iterable[str] = (),
    workers: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
    file: str | Path = "<scenario>",
    kernel: str = "auto",
    keep_paths: bool = False,
) -> AnchoredResult:
    """Simulate ``runs`` runs of the scenario on the fitted backbone.

    Args:
        scenario: The scenario (every outcome needs a reference class).
        calibration: A fitted calibration, or a path to one; default the shipped
            ``detente/data/calibration/anchor-<scenario id>.json``.
        runs: Number of runs.
        horizon: Months (default the scenario's horizon).
        seed: Seed; block ``b`` of 512 runs draws each class, state, lever and stance from its own
            ``SeedSequence(seed, spawn_key=(b, kind, crc32(name)))``, so results do not depend on workers,
            and runs that differ by a mechanism or a strategy share every other random number.
        strategy: A strategy id, a strategy, or some of its components.
        overrides: ``--set`` scenario paths.
        mechanisms_off: Mechanism ids (or types) to switch off.
        workers: Processes; default 1 below 20 000 runs, else the CPU count.
        progress: ``True`` for a progress bar, or a callback ``(done, total)``.
        file: The scenario file, for messages.
        kernel: ``compiled`` (the Numba kernel), ``numpy`` (the reference path) or ``auto``: compiled when
            Numba imports, else numpy with a one-line notice. Both give the same numbers.
        keep_paths: Keep every run's conditional probabilities (``cond``) and crisis states (``z``) as
            well as the summaries (:mod:`.summary`); without it the result holds the summaries and each
            run's first-hit months only, so memory stays small for any number of runs.

    Raises:
        ScenarioError: A missing reference or an unusable calibration (compile-time refusal).
        InputError: Bad runs, seed, strategy, mechanism id or kernel (``compiled`` without Numba), or more
            runs than memory holds.
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise InputError(f"runs: {runs!r} is not a whole number in 1…{MAX_RUNS} (fix: e.g. --runs 10000)")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed: {seed!r} is not a non-negative whole number (fix: e.g. --seed 7)")
    scen = override_scenario(scenario, overrides)
    if calibration is None or isinstance(calibration, str | Path):
        cal_path = Path(calibration) if calibration is not None else backbone.shipped_calibration_path(scen.id)
        cal = backbone.load(cal_path)
    else:
        cal, cal_path = calibration, Path(str(getattr(calibration, "path", "<calibration>")))
    comp = compile_scenario(
        scen, cal, file=file, calibration_path=cal_path, horizon=horizon, strategy=strategy,
        mechanisms_off=mechanisms_off,
    )
    hs = report_horizons(comp.horizon)
    use = choose_kernel(kernel, comp)
    flat = flatten(comp, hs) if use == "compiled" else None
    check_memory(runs, n_outcomes=len(comp.outcomes), n_horizons=len(hs), n_keys=len(comp.keys),
                 months=comp.horizon, n_states=len(comp.states), keep_paths=keep_paths)
    n_blocks = -(-runs // BLOCK)
    chunks = [(comp, int(seed), b, min(GROUP, n_blocks - b), hs, runs, keep_paths, use, flat)
              for b in range(0, n_blocks, GROUP)]
    if workers is None:
        workers = 1 if runs < 20000 else min(os.cpu_count() or 1, len(chunks))
    arrays = {
        "outcome_first": np.empty((runs, len(comp.outcomes)), dtype=np.int16),
        "key_first": np.empty((runs, len(comp.keys)), dtype=np.int16),
    }
    if keep_paths:
        arrays["cond"] = np.empty((runs, len(comp.outcomes), len(hs)), dtype=np.float32)
        arrays["z"] = np.empty((runs, comp.horizon + 1, len(comp.states)), dtype=np.float32)
    callback = _progress(progress, runs)
    total: RunSummary | None = None

    def collect(part: _Part) -> None:
        # Parts arrive in block order (serially, and from ``pool.map``), so the sums add in one order.
        nonlocal total
        for k, v in {**part.hits, **(part.paths or {})}.items():
            arrays[k][part.first:part.first + len(v)] = v
        if total is None:
            total = part.summary
        else:
            total.add(part.summary)
        callback(total.runs)

    try:
        if workers <= 1 or len(chunks) == 1:
            for c in chunks:
                collect(_run_chunk(c))
        else:
            # The compiled kernel releases the GIL: threads share the scenario and hand back arrays
            # without pickling. The numpy path holds the GIL most of the time: processes.
            pool_type = ThreadPoolExecutor if use == "compiled" and POOL == "threads" else ProcessPoolExecutor
            with worker_pool(pool_type, workers) as pool:
                for part in pool.map(_run_chunk, chunks):
                    collect(part)
    finally:
        callback(-1)
    if total is None or total.runs != runs:  # pragma: no cover - every group reports back or raises
        raise RuntimeError(f"anchored simulation summarised {0 if total is None else total.runs} of {runs} runs")
    lever_rows = describe_levers(comp.levers, comp.keys, comp.states)
    acting = {row["id"] for row in lever_rows}
    off = set(mechanisms_off)
    mechanisms = {
        m.id: {
            "type": m.type,
            "enabled": m.enabled and m.id not in off and m.type not in off,
            "lever": m.id in acting,
            "why": LEVER_TYPES[m.type].why,
        }
        for m in scen.mechanisms
    }
    return AnchoredResult(
        scenario=scen.id, runs=runs, seed=int(seed), horizon=comp.horizon, strategy=comp.strategy,
        outcomes=tuple(o.id for o in comp.outcomes), horizons=hs, keys=tuple(k.key for k in comp.keys),
        states=comp.states, references=reference_rows(comp), levers=lever_rows, mechanisms=mechanisms,
        unrepresented=comp.unrepresented,
        calibration={"path": str(cal_path), "as_of": str(comp.as_of), "sources": _sources(cal)},
        arrays=arrays,
        stats=total,
    )


def check_memory(runs: int, *, n_outcomes: int, n_horizons: int, n_keys: int, months: int, n_states: int,
                 keep_paths: bool) -> None:
    """Refuse, before any work, ``runs`` runs whose kept arrays would not fit in memory.

    A run keeps its first-hit months (int16 per outcome and per class); with ``keep_paths`` also its
    conditional probabilities and crisis-state path (float32), the arrays being filled in place. The
    summaries and the groups in flight take a fixed amount (:func:`fixed_bytes`).
    """
    per_run = 2 * (n_outcomes + n_keys)
    if keep_paths:
        per_run += 4 * (n_outcomes * n_horizons + (months + 1) * n_states)
    fixed = fixed_bytes(n_outcomes * n_horizons, (months + 1) * n_states, per_run)
    need = per_run * runs + fixed
    limit = memory_limit()
    if need > limit:
        fit = max(0, int((limit - fixed) / per_run))
        paths = " with their paths (--keep-paths)" if keep_paths else ""
        fix = f"use at most {fit:,} runs" + (", or drop --keep-paths" if keep_paths else "")
        if not fit:
            fix = "use a shorter horizon"
        raise InputError(
            f"runs: {runs:,} runs of {months} month{'s' if months != 1 else ''}{paths} would keep about "
            f"{need / 2**30:,.1f} GiB, more than the {limit / 2**30:,.1f} GiB this machine allows (fix: {fix})"
        )


def fixed_bytes(cond_cells: int, z_cells: int, per_run: int) -> int:
    """Bytes a run takes whatever its size: the summary, and the groups being simulated and sent back.

    A worker holds one group's paths (float32) while it bins them (a float64 copy, bin positions and
    indices: about 28 bytes per value) and its int64 counts; a group's summary travels as uint16 counts.
    """
    bins = cond_cells * (COND_BINS + 2) + z_cells * (Z_BINS + 2)
    total = 8 * bins
    workers = os.cpu_count() or 1
    group = GROUP * BLOCK * (28 * (cond_cells + z_cells) + per_run)
    in_flight = 2 * workers + 2  # pool.map's queued and finished groups
    return int(total + workers * (group + total) + in_flight * (2 * bins + GROUP * BLOCK * per_run))


def _sources(cal: Any) -> dict[str, Any]:
    src = getattr(cal, "sources", None) or {}
    try:
        return {str(k): {kk: str(vv) for kk, vv in dict(v).items()} for k, v in dict(src).items()}
    except (TypeError, ValueError):
        return {}
