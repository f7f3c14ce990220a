"""Anchored engine: runs per second, vectorised across runs vs. a plain run-by-run loop.

The reference simulates the same compiled scenario one run at a time (a Python loop over months and
classes, each hazard computed for a single run), as a first implementation would; both use every
mechanism lever and the same calibration, and the benchmark prints each one's probability of the first
outcome, which should agree within their Monte Carlo intervals. Needs a fitted calibration for
korea-2018: the shipped one, or ``--calibration FILE`` (``detente calibrate korea-2018``).

Run: ``python -m benchmarks bench_anchored`` (``--runs 4096`` for the vectorised engine; the loop runs
a tenth of it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from detente.engines.anchored import Compiled, backbone, compile_scenario, simulate
from detente.engines.escalation import wilson
from detente.scenario.io import load_scenario


def _loop(comp: Compiled, runs: int, seed: int) -> np.ndarray:
    """First month of the first outcome per run, simulated one run at a time."""
    rng = np.random.default_rng(seed)
    o = comp.outcomes[0]
    first = np.full(runs, -1)
    for r in range(runs):
        draws = [fit.draw(rng, 1) for fit in comp.class_fits]
        sds = [st.draw(rng, 1) for st in comp.state_fits]
        mags = [(np.abs(rng.normal(0, lv.scale, 1)), np.abs(rng.normal(0, lv.state_scale, 1))) for lv in comp.levers]
        z = [np.array([float(st.z0)]) for st in comp.state_fits]
        dyn = [fit.start() for fit in comp.class_fits]
        for t in range(1, comp.horizon + 1):
            lev = np.zeros(len(comp.keys))
            shift = np.zeros(len(comp.states))
            for lv, (m, mz) in zip(comp.levers, mags, strict=True):
                if lv.active(t):
                    for i, s in lv.hazard:
                        lev[i] += s * m[0] * (t / 12 if lv.ramp else 1)
                    for j, s in lv.states:
                        shift[j] += s * mz[0] * (1 - float(sds[j].rho[0]))
            for k, fit in enumerate(comp.class_fits):
                h = fit.hazard(draws[k], z[comp.keys[k].state], dyn[k], lev[k])
                occ = rng.random(1) < h
                dyn[k].update(occ)
                if k in o.keys and occ[0] and first[r] < 0:
                    first[r] = t
            eta = {th: rng.standard_normal(1) for th in set(comp.theatres)}
            for j, st in enumerate(comp.state_fits):
                z[j] = st.step(z[j], sds[j], eta[comp.theatres[j]], rng) + shift[j]
    return first


def main(argv: list[str] | None = None) -> None:
    """Time both implementations and print runs per second, their ratio and the two probabilities."""
    ap = argparse.ArgumentParser(prog="bench_anchored")
    ap.add_argument("--runs", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--calibration", type=Path, default=None)
    args = ap.parse_args(argv if argv is not None else sys.argv[2:])
    scen = load_scenario("korea-2018", check_quotes=False)
    path = args.calibration or backbone.shipped_calibration_path(scen.id)
    if not path.is_file():
        print(f"skipped: no calibration at {path} (fit one: detente calibrate korea-2018 -o FILE; --calibration FILE)")
        return
    cal = backbone.load(path)
    comp = compile_scenario(scen, cal)
    small = max(64, args.runs // 10)
    fast, slow = [], []
    for rep in range(args.repeat):
        t0 = time.perf_counter()
        res = simulate(scen, calibration=cal, runs=args.runs, seed=rep, workers=1)
        fast.append(args.runs / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        ref = _loop(comp, small, rep)
        slow.append(small / (time.perf_counter() - t0))
    o = comp.outcomes[0].id
    p = res.summary(o, comp.horizon)
    q = wilson(int(((ref >= 1) & (ref <= comp.horizon)).sum()), small)
    print(f"vectorised: {statistics.median(fast):,.0f} runs/s (median of {args.repeat}, {args.runs} runs)")
    print(f"run-by-run loop: {statistics.median(slow):,.0f} runs/s ({small} runs)")
    print(f"ratio: {statistics.median(fast) / statistics.median(slow):.1f}x")
    print(f"P({o} by {comp.horizon}): vectorised {p['p']:.3f} [{p['lo']:.3f}, {p['hi']:.3f}], loop {q[0]:.3f} [{q[1]:.3f}, {q[2]:.3f}]")


if __name__ == "__main__":
    main()
