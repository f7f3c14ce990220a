"""Run the anchored engine: compile, then blocks of runs serially or on several processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from detente.engines.escalation.result import report_horizons
from detente.engines.escalation.simulate import _progress
from detente.errors import InputError
from detente.scenario.model import Scenario, Strategy, StrategyComponent

from . import backbone
from .compile import Compiled, compile_scenario, describe_levers, override_scenario
from .kernel import choose_kernel, flatten
from .levers import LEVER_TYPES
from .model import BLOCK, run_block
from .result import AnchoredResult, reference_rows

MAX_RUNS = 10_000_000
POOL = "threads"


def _run_chunk(args: tuple[Compiled, int, int, int, tuple[int, ...], str, Any]) -> list[dict[str, np.ndarray]]:
    comp, seed, first, count, hs, kernel, flat = args
    return [run_block(comp, seed, b, hs, kernel, flat) for b in range(first, first + count)]


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

    Raises:
        ScenarioError: A missing reference or an unusable calibration (compile-time refusal).
        InputError: Bad runs, seed, strategy, mechanism id or kernel (``compiled`` without Numba).
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
    n_blocks = -(-runs // BLOCK)
    if workers is None:
        workers = 1 if runs < 20000 else min(os.cpu_count() or 1, n_blocks)
    per = max(1, -(-n_blocks // max(1, workers))) if workers > 1 else 1
    chunks = [(comp, int(seed), b, min(per, n_blocks - b), hs, use, flat) for b in range(0, n_blocks, per)]
    callback = _progress(progress, runs)
    parts: list[dict[str, np.ndarray]] = []
    try:
        if workers <= 1 or len(chunks) == 1:
            for c in chunks:
                parts.extend(_run_chunk(c))
                callback(min(runs, len(parts) * BLOCK))
        else:
            # The compiled kernel releases the GIL: threads share the scenario and hand back arrays
            # without pickling. The numpy path holds the GIL most of the time: processes.
            pool_type = ThreadPoolExecutor if use == "compiled" and POOL == "threads" else ProcessPoolExecutor
            with pool_type(max_workers=workers) as pool:
                for got in pool.map(_run_chunk, chunks):
                    parts.extend(got)
                    callback(min(runs, len(parts) * BLOCK))
    finally:
        callback(-1)
    arrays = {k: np.concatenate([p[k] for p in parts], axis=0)[:runs] for k in parts[0]}
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
    )


def _sources(cal: Any) -> dict[str, Any]:
    src = getattr(cal, "sources", None) or {}
    try:
        return {str(k): {kk: str(vv) for kk, vv in dict(v).items()} for k, v in dict(src).items()}
    except (TypeError, ValueError):
        return {}
