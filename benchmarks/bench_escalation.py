"""Anchored engine (the default of ``detente simulate``): compiled kernel vs numpy reference vs Mesa.

One run prints, on korea-2018 and eurasia-2023 with 24 months:

1. **Replicate-steps per second** (runs x months / s, median of ``--repeats`` timings, one process each)
   of the compiled kernel (``simulate(..., kernel="compiled")``), the pure-numpy reference path
   (``kernel="numpy"``) and a per-agent Mesa 3.3.1 build of the same model from the same compiled
   scenario (:mod:`benchmarks.mesa_anchored`, ``--reference-runs`` runs), with the ratios
   compiled/numpy and compiled/Mesa. Each timing includes ``compile_scenario`` (the calibration is
   loaded once beforehand), and the compiled kernel is warmed up first.
2. **Agreement**: each outcome's probability by month 24 from the compiled kernel and from the Mesa build,
   with Wilson 95 % intervals, the mean conditional probabilities (the engine's Rao-Blackwellised
   estimate, far less noisy) and the largest two-sample |z|; and whether the compiled and numpy paths
   gave the same first-hit months for the same seed.
3. **100,000 x 24** on each scenario, compiled, ``--workers`` workers, each scenario in a fresh Python
   process: the time of the first call (importing aside: JIT compilation with an empty Numba cache,
   ``compile_scenario`` and one block of 512 runs), and, in a new process that finds the cache filled
   (as every later run does), the same first call, the wall time of ``simulate`` for the big run
   (loading the calibration and ``compile_scenario`` included; median of ``--repeats``) and the peak
   resident memory of that process and of its largest worker (``ru_maxrss`` of ``RUSAGE_SELF`` and
   ``RUSAGE_CHILDREN``; forked workers share the parent's pages, so the two overlap; the compiled kernel
   runs its workers as threads of the process, whose memory ``RUSAGE_SELF`` counts).
4. The load average at the start and the end: the machine is shared, and a load above its CPU count
   slows every figure.

Without Numba (or with an engine that takes no ``kernel=``) the compiled rows are skipped with a notice
and the 100,000-run timings use the numpy path.

Run: ``python -m benchmarks bench_escalation`` or ``make bench`` (``--sizes 2000 --reference-runs 100
--big 20000`` for a quick look). Needs the ``bench`` extra for the Mesa rows: ``pip install mesa==3.3.1``.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from detente.engines.anchored import BLOCK, backbone, compile_scenario, simulate
from detente.engines.escalation import wilson
from detente.scenario.io import load_scenario

HORIZON = 24
SCENARIOS = ("korea-2018", "eurasia-2023")
AIM_SECONDS = 3.0
AIM_RATIO = 100.0


def has_kernel_argument() -> bool:
    """Whether :func:`detente.engines.anchored.simulate` takes ``kernel=`` (the compiled kernel is in)."""
    return "kernel" in inspect.signature(simulate).parameters


def _kw(kernel: str | None) -> dict[str, Any]:
    return {"kernel": kernel} if kernel is not None and has_kernel_argument() else {}


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} CPUs"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _median_time(repeats: int, fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """The median wall time of ``repeats`` calls of ``fn(*args, **kwargs)``, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _mesa(module: Any, scen: Any, cal: Any, runs: int, seed: int) -> dict[str, np.ndarray]:
    """The Mesa build's runs, compile_scenario included (as in the engine's timings)."""
    out: dict[str, np.ndarray] = module.run(compile_scenario(scen, cal, horizon=HORIZON), runs, seed, (HORIZON,))
    return out


def _child(args: argparse.Namespace) -> None:
    """One scenario's 100,000-run timing in this (fresh) process; prints one JSON line."""
    kernel = args.kernel or None
    scen = load_scenario(args.child, check_quotes=False)
    t0 = time.perf_counter()
    simulate(scen, runs=BLOCK, horizon=HORIZON, seed=args.seed, workers=1, **_kw(kernel))
    first = time.perf_counter() - t0
    if args.big <= 0:  # the first call only
        print(json.dumps({"first_call": first}))
        return
    wall, _ = _median_time(
        args.repeats, simulate, scen, runs=args.big, horizon=HORIZON, seed=args.seed, workers=args.workers,
        **_kw(kernel),
    )
    kb = 1024  # ru_maxrss is in kilobytes on Linux
    print(json.dumps({
        "first_call": first, "wall": wall,
        "rss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kb,
        "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kb,
    }))


def _big_run(name: str, args: argparse.Namespace, kernel: str | None) -> dict[str, float] | None:
    """Time the first call of a fresh interpreter with an empty Numba cache (JIT compilation), then run
    :func:`_child` in another that finds the cache filled, as every later run does (so its peak memory
    is the run's, not the compiler's)."""
    root = Path(__file__).resolve().parents[1]  # where `benchmarks` imports from
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="detente-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for runs in (0, args.big):
            cmd = [
                sys.executable, "-m", "benchmarks.bench_escalation", "--child", name, "--big", str(runs),
                "--workers", str(args.workers), "--seed", str(args.seed), "--repeats", str(args.repeats),
                "--kernel", kernel or "",
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, check=False)
            if proc.returncode != 0:
                tail = proc.stderr.strip().splitlines()[-1:]
                print(f"  {name}: the child process failed (exit {proc.returncode}): {tail}")
                return None
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            out |= {**got, "first_cached": got["first_call"]} if runs else {"cold": got["first_call"]}
    return out


def _mb(n: float) -> str:
    """Megabytes, or "none" when no worker process ran (threads)."""
    return f"{n / 2**20:.0f} MB" if n > 0 else "none"


def _agreement(name: str, comp: Any, fast: Any, mesa_out: dict[str, np.ndarray] | None, label: str) -> float:
    """Print each outcome's probability by month 24 from the engine and the Mesa build; the largest |z|."""
    h = comp.horizon
    if mesa_out is None:
        return float("nan")
    n_e, n_m = fast.runs, len(mesa_out["outcome_first"])
    print(f"\nP(outcome by month {h}), {name}: {label} ({n_e:,} runs) vs Mesa ({n_m:,} runs); Wilson 95 %;"
          " p_cond = mean conditional probability")
    print(f"  {'outcome':<40} {'engine p [95%]':>21} {'Mesa p [95%]':>21} {'p_cond eng/Mesa':>16} {'|z|':>5}")
    worst = 0.0
    for i, o in enumerate(comp.outcomes):
        s = fast.summary(o.id, h)
        first = mesa_out["outcome_first"][:, i]
        hits = int(((first >= 1) & (first <= h)).sum())
        p_m, lo_m, hi_m = wilson(hits, n_m)
        pool = (s["p"] * n_e + hits) / (n_e + n_m)
        se = math.sqrt(max(pool * (1 - pool), 1e-12) * (1 / n_e + 1 / n_m))
        c = mesa_out["cond"][:, i, 0]
        se_c = math.sqrt(max(s["p_cond"] * (1 - s["p_cond"]), 1e-12) / n_e + max(float(c.var(ddof=1)), 1e-12) / n_m)
        z = max(abs(s["p"] - p_m) / se, abs(s["p_cond"] - float(c.mean())) / se_c)
        worst = max(worst, z)
        print(f"  {o.id[:40]:<40} {s['p']:.3f} [{s['lo']:.3f}, {s['hi']:.3f}] {p_m:.3f} [{lo_m:.3f}, {hi_m:.3f}]"
              f" {s['p_cond']:.3f}/{float(c.mean()):.3f} {z:5.2f}")
    print(f"  largest |z| over shares and mean conditional probabilities: {worst:.2f}"
          f" (below 3.5 expected by chance for ~{2 * len(comp.outcomes)} comparisons)")
    return worst


def main(argv: list[str] | None = None) -> None:
    """Measure and print; see the module docstring."""
    ap = argparse.ArgumentParser(prog="bench_escalation")
    ap.add_argument("--sizes", default="10000", help="runs per rate measurement (comma-separated)")
    ap.add_argument("--reference-runs", type=int, default=300, help="runs of the Mesa build")
    ap.add_argument("--workers", type=int, default=2, help="processes for the 100,000-run timing")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--big", type=int, default=100_000, help="runs of the big timing")
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure (the median is printed)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--kernel", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args([] if argv is None else argv)
    if args.child:
        _child(args)
        return
    names = [s for s in args.scenarios.split(",") if s]
    sizes = [int(v) for v in args.sizes.split(",") if v]
    compiled = has_kernel_argument()
    numba_ok = importlib.util.find_spec("numba") is not None
    mesa_ok = importlib.util.find_spec("mesa") is not None
    print(f"bench_escalation: anchored engine, {HORIZON} months; load average at start {_load()}")
    print(f"numpy {_version('numpy')}, numba {_version('numba')}, mesa {_version('mesa')}, Python {sys.version.split()[0]}")
    if not compiled:
        print("compiled kernel not available: simulate() takes no kernel= argument yet; timing the numpy path only")
    elif not numba_ok:
        print("compiled kernel not available: Numba does not import (the engine falls back to numpy)")
    paths = (["compiled"] if compiled and numba_ok else []) + ["numpy"]
    if not mesa_ok:
        print("Mesa rows skipped: mesa is not installed (pip install mesa==3.3.1, the `bench` extra)")
    if compiled and numba_ok:  # warm-up: JIT compilation happens here, not in the timings
        simulate(load_scenario(names[0], check_quotes=False), runs=BLOCK, horizon=HORIZON, seed=0, workers=1, kernel="compiled")

    print(f"\nReplicate-steps per second (runs x {HORIZON} months / s), one process, median of {args.repeats}")
    print(f"  {'scenario':<13} {'path':<9} {'runs':>7} {'seconds':>8} {'rep-steps/s':>12} {'/numpy':>7} {'/Mesa':>7}")
    rates: dict[tuple[str, str], float] = {}  # (scenario, path) at the largest size
    checks: list[str] = []
    agreements: list[tuple[str, Any, Any, Any, str]] = []
    for name in names:
        scen = load_scenario(name, check_quotes=False)
        cal = backbone.load(backbone.shipped_calibration_path(scen.id))
        comp = compile_scenario(scen, cal, horizon=HORIZON)
        results: dict[str, Any] = {}
        rows: list[tuple[str, int, float]] = []
        by_size: dict[tuple[str, int], float] = {}
        for path in paths:
            for n in sorted(sizes):
                t, res = _median_time(
                    args.repeats, simulate, scen, calibration=cal, runs=n, horizon=HORIZON, seed=args.seed,
                    workers=1, **_kw(path),
                )
                by_size[(path, n)] = rates[(name, path)] = n * HORIZON / t
                results[path] = res
                rows.append((path, n, t))
        mesa_out = None
        if mesa_ok:
            from benchmarks import mesa_anchored

            n_m = args.reference_runs
            t, mesa_out = _median_time(args.repeats, _mesa, mesa_anchored, scen, cal, n_m, args.seed)
            rates[(name, "Mesa")] = n_m * HORIZON / t
            rows.append(("Mesa", n_m, t))
        for path, n, t in rows:
            r = n * HORIZON / t
            vs_np = f"{r / by_size[('numpy', n)]:6.1f}x" if ("numpy", n) in by_size else "      -"
            vs_mesa = f"{r / rates[(name, 'Mesa')]:6.0f}x" if (name, "Mesa") in rates else "      -"
            print(f"  {name:<13} {path:<9} {n:>7,} {t:>8.2f} {r:>12,.0f} {vs_np} {vs_mesa}")
        if "compiled" in results:
            same = all(
                np.array_equal(results["compiled"].outcome_first_step(o), results["numpy"].outcome_first_step(o))
                for o in results["numpy"].outcomes
            )
            checks.append(f"{name}: compiled and numpy first-hit months for seed {args.seed}: "
                          + ("identical" if same else "DIFFERENT"))
        label = "compiled" if "compiled" in results else "numpy"
        agreements.append((name, comp, results[label], mesa_out, label))
    for name, comp, res, mesa_out, label in agreements:
        _agreement(name, comp, res, mesa_out, label)
    for line in checks:
        print(line)

    kernel = "compiled" if compiled and numba_ok else None
    print(f"\n{args.big:,} runs x {HORIZON} months, {kernel or 'numpy (only path)'}, {args.workers} workers, a fresh"
          f" process per scenario; median of {args.repeats} (calibration load and compile_scenario included)")
    print(f"  {'scenario':<13} {'1st call':>8} {'cached':>6} {'wall s':>7} {'rep-steps/s':>12} {'peak RSS':>9}"
          f" {'worker RSS':>10}")
    big: dict[str, dict[str, float]] = {}
    for name in names:
        got = _big_run(name, args, kernel)
        if got is None:
            continue
        big[name] = got
        print(f"  {name:<13} {got['cold']:>7.1f}s {got['first_cached']:>5.1f}s {got['wall']:>7.2f} {args.big * HORIZON / got['wall']:>12,.0f}"
              f" {got['rss_self'] / 2**20:>6.0f} MB {_mb(got['rss_children']):>10}")
    print("  1st call: JIT compilation with an empty Numba cache + compile_scenario + 512 runs (imports excluded);"
          " cached: the same in a new process with the cache filled")

    print("\nAims (issue 16): 100,000 x 24 in <= 3 s and >= 100x the Mesa build")
    for name in names:
        wall = big.get(name, {}).get("wall")
        ratio_key = (name, "compiled") if (name, "compiled") in rates else (name, "numpy")
        ratio = rates[ratio_key] / rates[(name, "Mesa")] if (name, "Mesa") in rates else float("nan")
        t_ok = "met" if wall is not None and wall <= AIM_SECONDS and args.big >= 100_000 else "not met"
        r_ok = "met" if ratio >= AIM_RATIO else ("not measured" if math.isnan(ratio) else "not met")
        wall_s = f"{wall:.2f} s" if wall is not None else "n/a"
        print(f"  {name:<13} {wall_s} for {args.big:,} runs: {t_ok}; {ratio_key[1]}/Mesa per process {ratio:.0f}x: {r_ok}")
    print(f"load average at end {_load()}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
