"""How long the workbench of ``detente app`` takes to show updated numbers after a lever change.

A lever change on korea-2018 with 5 000 runs: the baseline of (scenario, runs, seed) is kept by the
workbench, so a change reruns the variant only, on the workbench's pool of worker processes (started
with the app), and compares it with the kept baseline (Wilson and paired Newcombe intervals). The
baseline measured in the same run is what the same question costs without the app: ``compare``-style,
both arms from scratch in one process (two ``simulate`` calls). The benchmark checks that both give the
same numbers, and prints medians over ``--repeat`` lever changes (K11 off, K13 off, USA doctrine 0.5,
...), the ratio, the aim (3 s on the 2-core machine) and the load average, since other processes on a
shared machine slow every figure.

Run: ``python -m benchmarks bench_app`` (or ``python -m benchmarks.bench_app --runs 5000 --repeat 5``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence

from detente.app.workbench import Workbench
from detente.experiments.compare import Arm, summarise

LEVERS = (
    {"off": ["K11"]},
    {"off": ["K13"]},
    {"changes": {"actors[USA].doctrine": 0.5}},
    {"off": ["K17"]},
    {"changes": {"engine.war_cost": 2.0}},
    {"strategy": "russia-five-countermeasures"},
)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_app")
    ap.add_argument("--runs", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv if argv is not None else [])
    load0 = os.getloadavg()[0]
    wb = Workbench(workers=args.workers)
    t0 = time.perf_counter()
    wb.warm_up()
    startup = time.perf_counter() - t0
    loaded = wb.load("korea-2018")
    first = wb.check(loaded, {"runs": args.runs, "seed": 0})
    t0 = time.perf_counter()
    wb.rerun(loaded, first)  # the baseline is computed here, once (as when the page first runs)
    cold = time.perf_counter() - t0
    app_times: list[float] = []
    base_times: list[float] = []
    cpu_arm: list[float] = []  # CPU seconds of one arm in one process: its wall time on an idle core
    for k in range(args.repeat):
        s = wb.check(loaded, {**LEVERS[k % len(LEVERS)], "runs": args.runs, "seed": 0})
        t0 = time.perf_counter()
        cmp_app = wb.rerun(loaded, s)
        app_times.append(time.perf_counter() - t0)
        # Without the app: both arms from scratch, in this process.
        plain = Workbench(workers=1)
        t0 = time.perf_counter()
        base = plain._indicators(loaded, s, None, variant=False)
        c0 = time.process_time()
        var = plain._indicators(loaded, s, None, variant=True)
        cpu_arm.append(time.process_time() - c0)
        arms = [Arm("baseline", "baseline", None, None, None), Arm("variant", "strategy", s.strategy, None, "baseline")]
        cmp_plain = summarise(loaded.scenario.id, arms, [base, var], seed=s.seed, overrides=s.changes)
        base_times.append(time.perf_counter() - t0)
        assert [r.to_dict() for r in cmp_app.rows] == [r.to_dict() for r in cmp_plain.rows], "app and plain differ"
    m_app, m_base = statistics.median(app_times), statistics.median(base_times)
    print(f"korea-2018, {args.runs} runs per arm, {wb.workers} worker processes (started in {startup:.1f} s), "
          f"load average {load0:.2f} at the start on {os.cpu_count()} cores")
    print(f"first run (baseline + variant on the pool): {cold:.2f} s")
    print(f"lever change in the app: median {m_app:.2f} s over {len(app_times)} changes "
          f"({', '.join(f'{t:.2f}' for t in app_times)}); aim <= 3 s: {'met' if m_app <= 3 else 'NOT met'}")
    print(f"same change without the app (both arms, one process): median {m_base:.2f} s "
          f"({', '.join(f'{t:.2f}' for t in base_times)})")
    print(f"ratio without / with the app: {m_base / m_app:.2f}; identical numbers: yes")
    cpu = statistics.median(cpu_arm)
    print(f"CPU time of one arm in one process: median {cpu:.2f} s, so on {wb.workers} idle cores a lever change "
          f"needs about {cpu / wb.workers:.2f} s plus the hand-over to the workers")
    wb.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
