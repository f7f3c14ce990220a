"""Quantal-response engine (``--engine qre``): replicate-steps per second, vectorised vs. a per-agent Mesa 3 reference.

The reference is the model's core written as a user would write it with Mesa 3.3.1: one ``Agent`` per
actor, one ``Model`` per replicate, a Python loop over targets and actions for the logit choice, and the
Richardson tension update with event impulses, reciprocity, alliance obligations and misjudged
resolve (issue positions held at their starting values; no vetoes or named-event channel checks). It uses the same compiled scenario (the
same intercepts, scores, war costs and coefficients) with every mechanism lever switched off, because the
levers are where the vectorised engine's extra code lives; so the speed-up printed is a lower bound (the
vectorised engine does more work per step). Both implementations run in this process, one after the
other, on korea-2018; the benchmark also prints the probability of a use of force between rivals from
each, which should agree within their Monte Carlo intervals.

Run: ``python -m benchmarks bench_qre`` (``--sizes 1000,10000`` for a quick look; needs the
``bench`` extra: ``pip install mesa==3.3.1``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from detente.engines.escalation import simulate, wilson
from detente.engines.escalation.compile import TYPES, compile_scenario
from detente.scenario.io import load_scenario

HORIZON = 24


def _mesa_reference(scenario_name: str, runs: int, seed: int) -> tuple[float, float]:
    """Run the per-agent reference; return (seconds, share of runs with force between rivals)."""
    import mesa

    scen = load_scenario(scenario_name, check_quotes=False)
    cp = compile_scenario(scen, mechanisms_off=tuple(m.id for m in scen.mechanisms))
    prm = cp.params
    pairs = [tuple(map(int, p)) for p in cp.pairs]
    index = {p: k for k, p in enumerate(pairs)}
    actions = range(len(cp.action_names))
    assault = TYPES.index(TYPES[-1])
    sat = prm["tension_saturation"]

    n = len(cp.actors)
    sal = cp.sal.astype(float)
    pos = cp.pos0.astype(float)
    dist = {}
    for i, j in pairs:
        wsal = sal[:, i]
        dist[(i, j)] = float((np.abs(pos[:, i] - pos[:, j]) * wsal).sum() / max(wsal.sum(), 1e-9)) if len(sal) else 0.5
    chan_between = {
        (i, j): any(cp.chan_state0[c] > 0.5 and cp.chan_members[c, i] and cp.chan_members[c, j] for c in range(len(cp.channels)))
        for i, j in pairs
    }
    tests = set(cp.test_actions.tolist())

    class ActorAgent(mesa.Agent):  # type: ignore[misc]
        def __init__(self, model: CrisisModel, i: int) -> None:
            super().__init__(model)
            self.i = i
            # Misjudged resolve of each target, drawn once per run.
            self.resolve_seen = {j: float(cp.resolve[j]) * math.exp(prm["resolve_noise"] * self.random.gauss(0, 1)) for j in range(n)}

        def step(self) -> None:
            m: CrisisModel = self.model
            i = self.i
            for j in m.targets[i]:
                p = index[(i, j)]
                seen = m.T[index[(j, i)]] * math.exp(prm["perception_noise"] * self.random.gauss(0, 1) - 0.5 * prm["perception_noise"] ** 2)
                sh = seen / (1 + seen / sat)
                obl = sum(
                    float(cp.obligation[i, k]) * m.sat(index[(j, k)])
                    for k in range(n)
                    if k not in (i, j) and cp.obligation[i, k] > 0 and (j, k) in index
                )
                d = dist[(i, j)]
                h = sh + prm["issue_weight"] * d + prm["alliance_obligation"] * obl
                h -= prm["audience_cost"] * float(cp.audience[i])
                q = prm["affinity"] * float(cp.affinity[i, j]) + prm["issue_weight"] * (1 - d) * 0.5 - 0.5 * sh
                q += 0.5 * float(cp.coop[m.last[index[(j, i)]]])
                ratio = float(cp.mil0[j] / (cp.mil0[i] + cp.mil0[j]))
                w = prm["war_cost"] * (0.5 + ratio) * (1 + prm["nuclear_deterrence"] * float(cp.nuclear[j]))
                w *= 0.5 + self.resolve_seen[j]
                weights = []
                for a in actions:
                    base = float(cp.intercept[p, a])
                    if base == -math.inf:
                        weights.append(0.0)
                        continue
                    c, k = float(cp.conflict[a]), float(cp.coop[a])
                    u = 0.0 if a in tests else c * (h - c * w) + k * q
                    weights.append(math.exp(base + prm["rationality"] * min(u, 60.0)))
                m.choice[p] = self.random.choices(actions, weights)[0]

    class CrisisModel(mesa.Model):  # type: ignore[misc]
        def __init__(self, seed: int) -> None:
            super().__init__(seed=seed)
            self.T = [float(cp.tension0[i, j]) for i, j in pairs]
            self.choice = [0] * len(pairs)
            self.last = [0] * len(pairs)
            self.targets = {i: [j for (a, j) in pairs if a == i] for i in range(len(cp.actors))}
            self.war = False
            for i in self.targets:
                ActorAgent(self, i)

        def sat(self, p: int) -> float:
            return self.T[p] / (1 + self.T[p] / sat)

        def step(self) -> None:
            self.agents.shuffle_do("step")
            new = []
            coop_total = sum(float(cp.coop[a]) for a in self.choice)
            for p, (i, j) in enumerate(pairs):
                r = index[(j, i)]
                got = self.choice[r]
                c = float(cp.conflict[got])
                k = float(cp.coop[got])
                decay = min(1.0, float(cp.decay[i, j]) + prm["channel_damping"] * chan_between[(i, j)])
                t = (1 - decay) * self.T[p] + float(cp.reaction[i, j]) * self.T[r]
                t += float(cp.grievance[i, j]) + prm["impulse"] * c - prm["relief"] * k
                # Cooperation elsewhere relieves this dyad (E13 off: full spillover).
                t -= 0.5 * (coop_total - float(cp.coop[self.choice[p]]) - k) / (len(pairs) - 2)
                new.append(max(t, 0.0))
            self.T = new
            self.last = list(self.choice)
            for p, (i, j) in enumerate(pairs):
                if cp.rivals[i, j] and cp.action_type[self.choice[p]] == assault:
                    self.war = True

    t0 = time.perf_counter()
    wars = 0
    for r in range(runs):
        model = CrisisModel(seed=seed * 1_000_003 + r)
        for _ in range(HORIZON):
            model.step()
        wars += model.war
    return time.perf_counter() - t0, wars / runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_qre")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--reference-runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args([] if argv is None else argv)
    scen = load_scenario("korea-2018", check_quotes=False)
    simulate(scen, runs=256, horizon=2, seed=0)  # warm-up: imports, calibration table
    print(f"korea-2018, {HORIZON} steps; replicate-steps per second (median of repeats)")
    print(f"{'runs':>8} {'workers':>7} {'seconds':>9} {'rep-steps/s':>12}")
    rates = {}
    for n in (int(v) for v in args.sizes.split(",")):
        repeats = 3  # quote the median of three, never the best run
        workers = 1 if n < 20_000 else args.workers
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            simulate(scen, runs=n, horizon=HORIZON, seed=args.seed, workers=workers)
            times.append(time.perf_counter() - t0)
        t = statistics.median(times)
        rates[n] = n * HORIZON / t
        print(f"{n:>8} {workers:>7} {t:>9.2f} {rates[n]:>12.0f}")
    try:
        t_ref, p_ref = _mesa_reference("korea-2018", args.reference_runs, args.seed)
    except ImportError:
        print("mesa is not installed: pip install mesa==3.3.1 (the `bench` extra) for the reference")
        return
    ref_rate = args.reference_runs * HORIZON / t_ref
    core = simulate(scen, runs=4096, horizon=HORIZON, seed=args.seed, mechanisms_off=tuple(m.id for m in scen.mechanisms), workers=1)
    p_vec, lo, hi = wilson(int((core.arrays["war_first"] >= 1).sum()), core.runs)
    _, rlo, rhi = wilson(round(p_ref * args.reference_runs), args.reference_runs)
    print(f"Mesa 3 per-agent reference (core model): {args.reference_runs} runs in {t_ref:.2f} s, {ref_rate:.0f} rep-steps/s")
    for n, rate in rates.items():
        print(f"speed-up at {n} runs: {rate / ref_rate:.0f}x")
    print(f"median speed-up: {statistics.median(r / ref_rate for r in rates.values()):.0f}x")
    print(
        f"P(force between rivals by {HORIZON}), core model: vectorised {p_vec:.3f} [{lo:.3f}, {hi:.3f}], "
        f"Mesa {p_ref:.3f} [{rlo:.3f}, {rhi:.3f}]"
    )
    if not np.isfinite(ref_rate):  # pragma: no cover
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
