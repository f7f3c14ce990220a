"""A 64-point sweep of korea-2018 (10 000 runs a point) on the local and the Dask backend.

The sweep is an 8 x 8 grid over ``actors.USA.doctrine`` (0 to 1) and ``mechanisms.K11.rate`` (0 to 0.1),
with common random numbers. The local backend runs the points one after another in this process; the
Dask backend runs them on a ``LocalCluster`` of ``--workers`` single-threaded worker processes. The
benchmark checks that both give identical counts, prints each wall time (the Dask one with and without
starting the cluster), the median time of a point, the ratio local / Dask, and a projection of the wall
time on more workers,

    T(w) = startup + ceil(points / w) * t_point / efficiency

where ``t_point`` is the median time of one point on the local backend and ``efficiency`` is either 1
(dedicated cores, negligible scheduling: the ideal) or the efficiency measured in this run,
``ceil(points / workers) * t_point / T_dask``, which on a shared machine mostly measures other processes
competing for the cores. Beyond one worker per point the sweep cannot split further.

Run: ``python -m benchmarks bench_sweep``, or ``python -m benchmarks.bench_sweep --runs 1000 --points 16``
for a quick look.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from detente.experiments import DaskBackend, LocalBackend, sweep
from detente.scenario import load_scenario


class TimedLocal(LocalBackend):
    """The local backend, recording the wall time of every job."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        out = []
        for item in items:
            t0 = time.perf_counter()
            out.append(fn(item))
            self.times.append(time.perf_counter() - t0)
        return out


def _grid(points: int) -> list[str]:
    side = int(round(math.sqrt(points)))
    if side * side != points:
        raise SystemExit(f"--points {points}: use a square number (64 = 8 x 8)")
    return [f"actors.USA.doctrine=0:1:{side}", f"mechanisms.K11.rate=0:0.1:{side}"]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="bench_sweep", description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=64)
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    if argv is None:
        # `python -m benchmarks.bench_sweep --runs 1000` passes options; `python -m benchmarks` does not.
        argv = sys.argv[1:] if sys.argv[0].endswith("bench_sweep.py") else []
    args = ap.parse_args(argv)

    scenario = load_scenario("korea-2018", check_quotes=False)
    vary = _grid(args.points)
    print(f"korea-2018 sweep: {args.points} points x {args.runs} runs, seed {args.seed}", flush=True)

    # Start the cluster first and import the engine on its workers and here at the same moment, so both
    # backends run the same engine code even if the source tree changes during a long benchmark.
    t0 = time.perf_counter()
    backend = DaskBackend(n_workers=args.workers)
    t_start = time.perf_counter() - t0
    try:
        backend.client.run(importlib.import_module, "detente.engines.escalation")
        importlib.import_module("detente.engines.escalation")

        local_backend = TimedLocal()
        t0 = time.perf_counter()
        local = sweep(scenario, vary, runs=args.runs, seed=args.seed, backend=local_backend)
        t_local = time.perf_counter() - t0
        t_point = statistics.median(local_backend.times)
        print(f"local : {t_local:8.1f} s  (median point {t_point:.2f} s)", flush=True)

        t1 = time.perf_counter()
        remote = sweep(scenario, vary, runs=args.runs, seed=args.seed, backend=backend)
        t_dask = time.perf_counter() - t1
    finally:
        backend.close()
    print(f"dask  : {t_dask:8.1f} s  on {args.workers} workers (+ {t_start:.1f} s to start the LocalCluster)")
    print(f"load average during the run (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    same = np.array_equal(local.counts, remote.counts)
    print(f"identical counts on both backends: {same}")
    if not same:
        raise SystemExit("the backends disagree")
    ratio = t_local / t_dask
    print(f"median ratio local / dask: {ratio:.2f} (ideal {args.workers}; {args.workers} cores on this machine)")

    ideal_dask = math.ceil(args.points / args.workers) * t_point
    efficiency = min(ideal_dask / t_dask, 1.0)
    print(f"efficiency of the Dask run: {efficiency:.2f} (ceil(points / workers) x t_point / wall; below 1 from "
          "scheduling, transfers and other processes competing for the cores)")
    print("projected wall time (s): ideal = dedicated cores; measured = at the efficiency seen here")
    print("  workers      ideal   measured   speed-up vs local (ideal, measured)")
    for w in (1, 2, 4, 8, 16, 32, 64):
        ideal = t_start + math.ceil(args.points / w) * t_point
        seen = t_start + math.ceil(args.points / w) * t_point / efficiency
        print(f"  {w:7d} {ideal:10.1f} {seen:10.1f}   {t_local / ideal:6.1f} {t_local / seen:6.1f}")
    print(f"  beyond {args.points} workers the sweep cannot split further (one point per task): "
          "split runs into more points or add outcomes per point")


if __name__ == "__main__":
    main()
