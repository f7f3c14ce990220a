"""Backtest throughput: questions per second for generation and for scoring, against plain loops.

Synthetic class data (500 subjects, Poisson occurrences over 20 years, quarterly origins, four
horizons) so the benchmark needs no data directory. Generation: the vectorised
:func:`detente.backtest.harness.make_questions` against a plain loop that answers each question by
scanning its subject's sorted dates with ``bisect``; both must give the same answers. Scoring:
:func:`detente.backtest.scores.scores` plus the origin-clustered bootstrap of Brier and log losses (200
resamples by default) against a plain-loop Brier/log score and a loop bootstrap that re-averages resampled
origins; both must agree on the point scores. Prints medians of repeated runs and the ratios.

Run: ``python -m benchmarks bench_backtest`` (``--subjects 100`` for a quick look).
"""

from __future__ import annotations

import argparse
import bisect
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from detente.backtest.harness import ClassData, grid, make_questions
from detente.backtest.scores import bootstrap, losses_of, scores


def _data(n_subjects: int, seed: int) -> ClassData:
    rng = np.random.default_rng(np.random.SeedSequence([seed, n_subjects]))
    start, end = pd.Timestamp("1995-01-01"), pd.Timestamp("2014-12-31")
    span = (end - start).days
    rates = rng.gamma(0.5, 2.0, n_subjects)  # events per year, heterogeneous
    rows = []
    for i, r in enumerate(rates):
        k = rng.poisson(r * span / 365.25)
        days = rng.integers(0, span, k)
        rows += [(start + pd.Timedelta(days=int(d)), f"s{i:04d}", "event") for d in days]
    occ = pd.DataFrame(rows, columns=["date", "subject", "kind"]).sort_values("date", kind="stable").reset_index(drop=True)
    return ClassData("synthetic", occ, tuple(f"s{i:04d}" for i in range(n_subjects)), start, end, 3)


def _loop_questions(data: ClassData, origins: list[pd.Timestamp], horizons: tuple[int, ...]) -> list[bool]:
    by: dict[str, list[pd.Timestamp]] = {}
    for d, s in zip(data.occurrences["date"], data.occurrences["subject"], strict=True):
        by.setdefault(s, []).append(d)
    limit = data.end + pd.Timedelta(days=1)
    out = []
    for h in horizons:
        for o in origins:
            e = o + pd.DateOffset(months=h)
            if e > limit:
                continue
            for s in data.subjects:
                dates = by.get(s, [])
                out.append(bisect.bisect_left(dates, e) - bisect.bisect_left(dates, o) > 0)
    return out


def _loop_scores(p: np.ndarray, o: np.ndarray, origin: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    brier = sum((pi - oi) ** 2 for pi, oi in zip(p.tolist(), o.tolist(), strict=True)) / len(p)
    logs = 0.0
    for pi, oi in zip(p.tolist(), o.tolist(), strict=True):
        q = min(max(pi, 0.001), 0.999)
        logs -= math.log(q) if oi else math.log(1 - q)
    groups: dict[Any, list[float]] = {}
    for pi, oi, g in zip(p.tolist(), o.tolist(), origin.tolist(), strict=True):
        groups.setdefault(g, []).append((pi - oi) ** 2)
    keys = list(groups)
    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        pick = rng.integers(0, len(keys), len(keys))
        vals = [v for k in pick for v in groups[keys[k]]]
        _ = sum(vals) / len(vals)
    return brier, logs / len(p)


def _median(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_backtest")
    parser.add_argument("--subjects", type=int, default=500)
    parser.add_argument("--boot", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args([] if argv is None else argv)
    data = _data(args.subjects, args.seed)
    origins = grid(pd.Timestamp("1996-01-01"), data.end, 3)
    horizons = (3, 6, 12, 24)
    _ = data.keys  # build the lookup once, as a run does
    t_vec, q = _median(lambda: make_questions(data, origins, horizons), 5)
    t_loop, ref = _median(lambda: _loop_questions(data, origins, horizons), 1)
    n = len(q)
    same = [bool(a) for a in q["answer"]] == ref  # both ordered by horizon, origin, subject
    print(f"generation: {n:,} questions ({args.subjects} subjects, {len(origins)} origins, horizons {horizons})")
    print(f"  vectorised {n / t_vec:>12,.0f} questions/s   plain loop {n / t_loop:>10,.0f} questions/s   "
          f"speed-up {t_loop / t_vec:.0f}x   same answers: {same}")
    rng = np.random.default_rng(args.seed)
    o = q["answer"].to_numpy()
    p = np.clip(o * 0.3 + rng.uniform(0, 0.5, n), 0, 1)
    origin = q["origin"].astype(str).to_numpy()

    def ours() -> tuple[float, float]:
        s = scores(p, o)
        bootstrap(origin, {f"{m}:f": v for m, v in losses_of(p, o).items()}, n_boot=args.boot, seed=args.seed)
        return s["brier"], s["log"]

    t_ours, (b1, l1) = _median(ours, 5)
    t_plain, (b2, l2) = _median(lambda: _loop_scores(p, o, origin, args.boot, args.seed), 1)
    agree = abs(b1 - b2) < 1e-12 and abs(l1 - l2) < 1e-9
    print(f"scoring ({args.boot} cluster-bootstrap resamples of Brier and log):")
    print(f"  scikit-learn + bincount {n / t_ours:>10,.0f} questions/s   plain loop {n / t_plain:>8,.0f} questions/s   "
          f"speed-up {t_plain / t_ours:.0f}x   same scores: {agree}")


if __name__ == "__main__":
    main()
