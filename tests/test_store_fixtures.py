"""Fixture producers shared by the store and report tests: a tiny scenario and contract-shaped results.

``fake_simulate_result`` builds a dict of the shape the escalation engine's ``SimulationResult.to_dict()``
returns (see the engine's contract), from a seeded generator, so that the store and the report can be
tested before and independently of the engine.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from detente.scenario import LoadedScenario, load_scenario_file

ARTICLE = (
    "Red and Blue have quarrelled over the border for a decade. Blue warns that any incursion will be "
    "met with force. Green, a friend of both, proposes talks."
)

TINY_TOML = """
[scenario]
id = "tiny"
title = "Tiny border crisis"
as_of = 2020-01-01
horizon = {horizon}
description = "Two rivals and a mediator."

[[sources]]
id = "art"
title = "A made-up article"
path = "article.txt"

[[actors]]
id = "RED"
name = "Red"
doctrine = {{ value = {doctrine}, source = "art", quote = "quarrelled over the border for a decade", confidence = 0.7 }}

[[actors]]
id = "BLU"
name = "Blue"
doctrine = {{ value = 0.8, source = "art", quote = "any incursion will be met with force" }}

[[actors]]
id = "GRN"
name = "Green"
doctrine = {{ value = 0.2, source = "assumption", note = "a mediator" }}

[[issues]]
id = "border"
name = "Where the border lies"
low_means = "Red's line"
high_means = "Blue's line"
status_quo = 50

[[issues.positions]]
actor = "RED"
position = 10
salience = 0.9

[[issues.positions]]
actor = "BLU"
position = 90
salience = {{ value = 0.8, source = "art", quote = "Blue warns" }}

[[relations]]
kind = "rivalry"
members = ["RED", "BLU"]
tension = {{ value = 0.6, source = "art", quote = "quarrelled over the border" }}

[[relations]]
kind = "partnership"
members = ["GRN", "BLU"]

[[relations]]
kind = "channel"
name = "Green's talks"
members = ["RED", "BLU", "GRN"]
state = "proposed"
source = "art"
quote = "Green, a friend of both, proposes talks."

[[outcomes]]
id = "war"
name = "War between Red and Blue"
event = "ASSAULT"
sources = ["RED", "BLU"]
targets = ["RED", "BLU"]

[[outcomes]]
id = "talks"
name = "Talks held"
event = "CONSULT"
"""


def write_tiny_scenario(
    folder: Path, *, horizon: int = 12, doctrine: float = 0.5
) -> LoadedScenario:
    """Write the tiny scenario and its article into ``folder`` and load it (quotes checked)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = folder / "tiny.toml"
    path.write_text(TINY_TOML.format(horizon=horizon, doctrine=doctrine), encoding="utf-8")
    return load_scenario_file(path)


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _fan(rng: np.random.Generator, runs: int, horizon: int, start: float) -> dict[str, list[float]]:
    walk = start + np.cumsum(rng.normal(0.0, 0.05, size=(runs, horizon + 1)), axis=1)
    walk[:, 0] = start
    q = np.quantile(walk, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    return {
        "steps": list(range(horizon + 1)),
        "mean": walk.mean(axis=0).tolist(),
        "q05": q[0].tolist(),
        "q25": q[1].tolist(),
        "q50": q[2].tolist(),
        "q75": q[3].tolist(),
        "q95": q[4].tolist(),
    }


def fake_simulate_result(
    loaded: LoadedScenario,
    *,
    runs: int = 200,
    seed: int = 0,
    strategy: str | None = None,
    shift: float = 0.0,
) -> dict[str, Any]:
    """A result of the escalation contract's shape, computed from a seeded random walk."""
    sc = loaded.scenario
    horizon = sc.scenario.horizon
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    horizons = sorted({h for h in (6, 12, 24, horizon) if h <= horizon})
    outcomes: dict[str, Any] = {}
    for i, outcome in enumerate(sc.outcomes):
        first = rng.geometric(min(0.9, 0.02 * (i + 1) + shift), size=runs)
        outcomes[outcome.id] = {}
        for h in horizons:
            p, lo, hi = _wilson(int((first <= h).sum()), runs)
            outcomes[outcome.id][str(h)] = {"p": p, "lo": lo, "hi": hi}
    actors = sc.actor_ids()
    pairs = [f"{a}->{b}" for a in actors for b in actors if a != b]
    return {
        "scenario": sc.id,
        "runs": runs,
        "seed": seed,
        "horizon": horizon,
        "strategy": strategy,
        "outcomes": outcomes,
        "pairs": {
            pair: {
                ev: {str(h): float(rng.uniform(0, 1)) for h in horizons}
                for ev in ("THREATEN", "ASSAULT")
            }
            for pair in pairs
        },
        "tension": {pair: _fan(rng, runs, horizon, 0.3 + shift) for pair in pairs[:3]},
        "positions": {issue.id: _fan(rng, runs, horizon, 50.0) for issue in sc.issues},
        "paths": {
            "war": [
                {"path": "THREATEN>MOBILIZE>ASSAULT", "share": 0.6},
                {"path": "ASSAULT", "share": 0.4},
            ],
            "settlement": [],
        },
        "mechanisms": {"K01": {"enabled": True, "lever": "alliance commitment"}},
    }


def fake_compare_result(
    loaded: LoadedScenario, *, runs: int = 200, seed: int = 0
) -> dict[str, Any]:
    """A comparison: one simulate-shaped result per arm, baseline first, and differences."""
    arms = {
        "none": fake_simulate_result(loaded, runs=runs, seed=seed),
        "talks": fake_simulate_result(loaded, runs=runs, seed=seed, strategy="talks", shift=0.05),
    }
    differences: dict[str, Any] = {"talks": {}}
    for oid, by_h in arms["talks"]["outcomes"].items():
        differences["talks"][oid] = {
            h: {
                "diff": v["p"] - arms["none"]["outcomes"][oid][h]["p"],
                "lo": v["p"] - arms["none"]["outcomes"][oid][h]["p"] - 0.03,
                "hi": v["p"] - arms["none"]["outcomes"][oid][h]["p"] + 0.03,
            }
            for h, v in by_h.items()
        }
    return {
        "scenario": loaded.scenario.id,
        "baseline": "none",
        "arms": arms,
        "differences": differences,
    }


def fake_sensitivity_result(loaded: LoadedScenario) -> dict[str, Any]:
    """A sensitivity result: Sobol indices per parameter, ranked by total order."""
    return {
        "scenario": loaded.scenario.id,
        "outcome": "war",
        "method": "sobol",
        "ranking": [
            {
                "param": "actors[BLU].doctrine",
                "S1": 0.41,
                "S1_conf": 0.05,
                "ST": 0.55,
                "ST_conf": 0.06,
            },
            {
                "param": "actors[RED].doctrine",
                "S1": 0.22,
                "S1_conf": 0.04,
                "ST": 0.30,
                "ST_conf": 0.05,
            },
            {
                "param": "relations[0].tension",
                "S1": 0.01,
                "S1_conf": 0.02,
                "ST": 0.04,
                "ST_conf": 0.02,
            },
        ],
    }


def fake_rows_compare_result(loaded: LoadedScenario, *, runs: int = 200) -> dict[str, Any]:
    """A comparison in the experiments engine's shape: an ``arms`` list and one row per cell."""
    base = fake_simulate_result(loaded, runs=runs, seed=1)["outcomes"]
    other = fake_simulate_result(loaded, runs=runs, seed=1, shift=0.05)["outcomes"]
    arms = [
        {"id": "none", "kind": "baseline", "strategy": None, "reference": None, "component": None},
        {
            "id": "talks",
            "kind": "strategy",
            "strategy": "talks",
            "reference": "none",
            "component": None,
        },
        {
            "id": "talks:venue",
            "kind": "alone",
            "strategy": "talks",
            "reference": "none",
            "component": "venue",
        },
    ]
    rows = []
    for oid, by_h in base.items():
        for h, cell in by_h.items():
            for arm, src in (("none", base), ("talks", other), ("talks:venue", other)):
                c = src[oid][h]
                effect = None if arm == "none" else c["p"] - cell["p"]
                rows.append(
                    {
                        "outcome": oid,
                        "horizon": int(h),
                        "arm": arm,
                        "kind": arm,
                        "p": c["p"],
                        "lo": c["lo"],
                        "hi": c["hi"],
                        "reference": None if arm == "none" else "none",
                        "effect": effect,
                        "effect_lo": None if effect is None else effect - 0.02,
                        "effect_hi": None if effect is None else effect + 0.02,
                        "significant": effect is not None and abs(effect) > 0.02,
                    }
                )
    return {
        "kind": "comparison",
        "scenario": loaded.scenario.id,
        "runs": runs,
        "baseline": "none",
        "arms": arms,
        "rows": rows,
    }


def fake_sweep_result(loaded: LoadedScenario) -> dict[str, Any]:
    """A 3 × 2 grid sweep in the experiments engine's shape."""
    points = []
    for i, (a, b) in enumerate((a, b) for a in (0.0, 0.5, 1.0) for b in (0.0, 0.1)):
        res = fake_simulate_result(loaded, runs=100, seed=i)
        points.append(
            {
                "values": {"actors.RED.doctrine": a, "mechanisms.K11.rate": b},
                "seed": 0,
                "outcomes": res["outcomes"],
            }
        )
    return {
        "kind": "sweep",
        "scenario": loaded.scenario.id,
        "design": "grid",
        "params": ["actors.RED.doctrine", "mechanisms.K11.rate"],
        "runs": 100,
        "seed": 0,
        "seeding": "common",
        "points": points,
        "trend": {
            "war": {
                "actors.RED.doctrine": {"p": 0.1, "lo": 0.05, "hi": 0.15},
                "mechanisms.K11.rate": {"p": 0.0, "lo": -0.1, "hi": 0.1},
            }
        },
    }
