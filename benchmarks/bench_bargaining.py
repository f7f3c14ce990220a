"""Expected-utility model: the vectorised engine against the plain-loop reference, same run.

Random tables of 10, 30, 100 and 300 actors (positions uniform on 0-100, capabilities and saliences
uniform on 0.05-1), 10 rounds each. For each size both implementations run on the same table; the
benchmark checks that they give the same positions in every round and prints the median time of each
and the ratio. The reference is O(n³) Python loops per round: at 300 actors it takes a few minutes.

Run: ``python -m benchmarks bench_bargaining`` (``--sizes 10,30`` for a quick look).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from detente.engines.bargaining import IssueTable, run_expected_utility
from detente.engines.bargaining.reference import reference_medians

ROUNDS = 10


def _table(n: int, seed: int) -> IssueTable:
    rng = np.random.default_rng(np.random.SeedSequence([seed, n]))
    return IssueTable(
        f"random-{n}", tuple(f"a{i}" for i in range(n)), rng.uniform(0, 100, n),
        rng.uniform(0.05, 1, n), rng.uniform(0.05, 1, n),
    )


def _time(fn, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_bargaining")
    parser.add_argument("--sizes", default="10,30,100,300")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args([] if argv is None else argv)
    sizes = [int(v) for v in args.sizes.split(",")]
    print(f"expected-utility model, {ROUNDS} rounds; median wall time of repeated runs")
    print(f"{'actors':>6} {'vectorised s':>13} {'loop s':>10} {'speed-up':>9}  same numbers")
    ratios = []
    for n in sizes:
        issue = _table(n, args.seed)
        ref_repeats = 5 if n <= 30 else 1
        t_vec, path = _time(lambda issue=issue: run_expected_utility(issue, rounds=ROUNDS), 7)
        t_ref, ref = _time(
            lambda issue=issue: reference_medians(
                issue.position, issue.capability, issue.salience, rounds=ROUNDS
            ),
            ref_repeats,
        )
        meds, hist = ref  # type: ignore[misc]
        same = bool(
            np.allclose(path.positions, np.array(hist), atol=1e-9)  # type: ignore[attr-defined]
            and np.allclose(path.medians, meds, atol=1e-9)  # type: ignore[attr-defined]
        )
        ratios.append(t_ref / t_vec)
        print(f"{n:>6} {t_vec:>13.4f} {t_ref:>10.3f} {t_ref / t_vec:>8.0f}x  {same}", flush=True)
        if not same:
            print("  MISMATCH: the vectorised model and the reference disagree", file=sys.stderr)
    print(f"median speed-up over sizes {sizes}: {statistics.median(ratios):.0f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
