"""What a simulation returns: per-replicate arrays and the summaries a user reads.

Steps are numbered from 1 (the first month after the as-of date); "by horizon h" means at a step
``1 ≤ s ≤ h``; ``-1`` means never within the run's horizon.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import InputError

from .compile import TYPES

REPORT_HORIZONS = (6, 12, 24)

ENGINE_STATES = {
    "engine:war": "first use of force (any ASSAULT, chosen or accidental) between any two rivals not at war on the as-of date",
    "engine:accidental-war": "first accidental clash (accidental-escalation: concurrent military activity) between such rivals",
    "engine:settlement": "first agreement within a principal rivalry once its tension is below 0.3 both ways",
}
"""One-line definitions of the engine's own states (reported apart from a scenario's tracked outcomes)."""


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float, float]:
    """The proportion and its Wilson score 95% interval (Wilson 1927)."""
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (p, lo, hi)


def report_horizons(horizon: int) -> tuple[int, ...]:
    """6, 12 and 24 capped at the horizon, plus the horizon itself."""
    hs = sorted({min(h, horizon) for h in REPORT_HORIZONS} | {horizon})
    return tuple(hs)


class RunArrays:
    """Accessors shared by the engines' results: per-run ``arrays`` as attributes, outcome first hits.

    A subclass is a dataclass with ``scenario``, ``outcomes`` and ``arrays`` (holding ``outcome_first``,
    ``(runs, outcomes)``: the first step each tracked outcome occurred, -1 if never).
    """

    scenario: str
    outcomes: tuple[str, ...]
    arrays: dict[str, np.ndarray]

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def outcome_first_step(self, outcome_id: str) -> np.ndarray:
        """Per run, the first step the outcome occurred (-1 if never)."""
        if outcome_id not in self.outcomes:
            raise InputError(
                f"{self.scenario}: no tracked outcome {outcome_id!r} (fix: use one of: {', '.join(self.outcomes)})"
            )
        return self.arrays["outcome_first"][:, self.outcomes.index(outcome_id)].astype(np.int64)

    def probability(self, first: np.ndarray, by: int) -> tuple[float, float, float]:
        """P(first step in 1…by) with its Wilson interval."""
        hit = int(((first >= 1) & (first <= by)).sum())
        return wilson(hit, len(first))

    def path_names(self) -> dict[str, Any]:
        """What :meth:`save_paths` writes beside the arrays: the run's settings and each axis's names."""
        names: dict[str, Any] = {"engine": getattr(self, "engine", "qre"), "scenario": self.scenario,
                                 "outcomes": list(self.outcomes)}
        for key in ("seed", "runs", "horizon"):
            names[key] = int(getattr(self, key))
        names["strategy"] = getattr(self, "strategy", None) or ""
        return names

    def save_paths(self, path: str | Path) -> None:
        """Write the per-run arrays and :meth:`path_names` to ``path`` as compressed .npz (no pickles inside).

        Raises:
            InputError: The file cannot be written (the partial file is removed).
        """
        target = Path(path)
        payload: dict[str, Any] = {**self.arrays, **{k: np.asarray(v) for k, v in self.path_names().items()}}
        try:
            with target.open("wb") as f:  # a file object: numpy would append .npz to a name
                np.savez_compressed(f, **payload)
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise InputError(
                f"--keep-paths {target}: cannot write the per-run arrays ({exc.strerror or exc}) "
                "(fix: give a writable path on a disk with room)"
            ) from None


@dataclass
class SimulationResult(RunArrays):
    """Per-replicate arrays of one simulation, and their summaries.

    Attributes:
        outcome_first: ``(runs, outcomes)`` first step each tracked outcome occurred, -1 if never.
        pair_first: ``(runs, pairs, 16)`` first step of each PLOVER type per ordered pair.
        tension: ``(runs, horizon+1, pairs)`` tension of each ordered pair at steps 0…H.
        status_quo: ``(runs, horizon+1, issues)`` the status quo of each issue on its own scale.
        war_first / accident_first / settlement_first: ``(runs,)`` first step of any use of force
            between states, of an accidental clash (type accidental-escalation), of an agreement between rivals.
        peaks: ``(runs, horizon)`` the PLOVER type index of the most conflictual event each step
            (the most cooperative if there was no conflict; -1 if nothing happened).
    """

    scenario: str
    runs: int
    seed: int
    horizon: int
    strategy: str | None
    actors: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    issues: tuple[str, ...]
    issue_scale: tuple[tuple[float, float], ...]
    outcomes: tuple[str, ...]
    mechanisms: dict[str, dict[str, Any]]
    arrays: dict[str, np.ndarray] = field(repr=False)

    engine = "qre"
    """The engine that produced the result (the anchored engine's result says ``"anchored"``)."""

    # Array accessors ------------------------------------------------------------------------

    def pair_first_step(self, source: str, target: str, event: str) -> np.ndarray:
        """Per replicate, the first step ``source`` did ``event`` (a PLOVER type) to ``target``."""
        p = self.pairs.index((source, target))
        return self.arrays["pair_first"][:, p, [t.value for t in TYPES].index(event)].astype(np.int64)

    def tension_of(self, source: str, target: str) -> np.ndarray:
        """``(runs, horizon+1)`` tension of ``source`` towards ``target``."""
        return self.arrays["tension"][:, :, self.pairs.index((source, target))].astype(np.float64)

    def path_names(self) -> dict[str, Any]:
        """The names :meth:`save_paths` writes: actors, ordered pairs (``A>B``), issues, outcomes, settings."""
        return {**super().path_names(), "actors": list(self.actors), "pairs": [f"{a}>{b}" for a, b in self.pairs],
                "issues": list(self.issues)}

    # Summaries ------------------------------------------------------------------------------

    def to_frame(self) -> Any:
        """The outcome odds as a pandas DataFrame: one row per outcome and horizon.

        Columns: ``outcome``, ``kind`` (``tracked``: the scenario's outcomes; ``engine``: the engine's
        own states, war, accidental war and settlement), ``horizon`` (steps), ``p`` and its Wilson 95 %
        interval ``lo``, ``hi``.
        """
        import pandas as pd

        recs = []
        for oid, by in self.to_dict(top_paths=0)["outcomes"].items():
            kind = "engine" if oid.startswith("engine:") else "tracked"
            for h, iv in by.items():
                recs.append({"outcome": oid, "kind": kind, "horizon": int(h), **iv})
        return pd.DataFrame.from_records(recs, columns=["outcome", "kind", "horizon", "p", "lo", "hi"])

    def _repr_html_(self) -> str:
        from detente.report.notebook import frame_html

        strategy = f", strategy {self.strategy}" if self.strategy else ""
        return frame_html(
            f"{self.scenario}: {self.runs:,} runs, seed {self.seed}, {self.horizon} steps{strategy}",
            self.to_frame(),
            "p: share of runs in which the outcome happened by the horizon; lo–hi: Wilson 95% interval.",
        )

    def to_dict(self, top_paths: int = 5) -> dict[str, Any]:
        """A JSON-able summary: outcome odds, pair-event odds, tension and positions, paths."""
        hs = report_horizons(self.horizon)
        outcomes: dict[str, Any] = {}
        of = self.arrays["outcome_first"]
        for k, oid in enumerate(self.outcomes):
            outcomes[oid] = {str(h): _pci(self.probability(of[:, k], h)) for h in hs}
        for name, key in (("war", "war_first"), ("accidental-war", "accident_first"), ("settlement", "settlement_first")):
            outcomes.setdefault(f"engine:{name}", {str(h): _pci(self.probability(self.arrays[key], h)) for h in hs})
        pairs: dict[str, Any] = {}
        pf = self.arrays["pair_first"]
        for p, (a, b) in enumerate(self.pairs):
            entry: dict[str, Any] = {}
            for k, t in enumerate(TYPES):
                col = pf[:, p, k]
                entry[t.value] = {str(h): float(((col >= 1) & (col <= h)).mean()) for h in hs}
            pairs[f"{a}->{b}"] = entry
        tension = {
            f"{a}->{b}": _bands(self.arrays["tension"][:, :, p]) for p, (a, b) in enumerate(self.pairs)
        }
        positions = {iss: _bands(self.arrays["status_quo"][:, :, k]) for k, iss in enumerate(self.issues)}
        apos = self.arrays["actor_positions_sum"] / max(self.runs, 1)
        actor_positions = {
            iss: {
                a: [round(float(lo + (hi - lo) * v), 4) for v in apos[:, k, i]]
                for i, a in enumerate(self.actors)
            }
            for k, (iss, (lo, hi)) in enumerate(zip(self.issues, self.issue_scale, strict=True))
        }
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "horizon": self.horizon,
            "strategy": self.strategy,
            "horizons": list(hs),
            "outcomes": outcomes,
            "pairs": pairs,
            "tension": tension,
            "positions": positions,
            "actor_positions": actor_positions,
            "paths": {
                "war": self.paths("war_first", top_paths),
                "settlement": self.paths("settlement_first", top_paths),
                "definition": (
                    "war: first use of force (ASSAULT) between rivals not already at war; settlement: first agreement within a "
                    "principal rivalry (tension ≥ 0.5 at the start) once its tension is below 0.3 both ways; a path lists the distinct most "
                    "conflictual (war) or most cooperative (settlement) event types among rival dyads, in "
                    "the order of their last appearance"
                ),
            },
            "mechanisms": self.mechanisms,
        }

    def paths(self, key: str = "war_first", top: int = 5) -> list[dict[str, Any]]:
        """The most common sequences of peak events up to the first war (or settlement).

        A path lists the distinct peak event types of the replicate up to and including the step the war
        (or settlement) began, each at its last appearance, at most the last five; its share is among the
        replicates that reached it.
        """
        first = self.arrays[key]
        peaks = self.arrays["coop_peaks" if key == "settlement_first" else "peaks"]
        rows = np.flatnonzero(first >= 1)
        if len(rows) == 0:
            return []
        names = [t.value for t in TYPES]
        counts: Counter[str] = Counter()
        for r in rows:
            seq: list[str] = []
            for v in peaks[r, : int(first[r])]:
                if v < 0:
                    continue
                name = names[int(v)]
                if name in seq:
                    seq.remove(name)  # keep the latest appearance: the path ends where it ended
                seq.append(name)
            counts[">".join(seq[-5:])] += 1
        return [{"path": path, "share": round(c / len(rows), 4), "count": c} for path, c in counts.most_common(top)]


def _pci(t: tuple[float, float, float]) -> dict[str, float]:
    return {"p": round(t[0], 6), "lo": round(t[1], 6), "hi": round(t[2], 6)}


def _bands(x: np.ndarray) -> dict[str, list[float]]:
    x = x.astype(np.float64)
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    return {
        "steps": list(range(x.shape[1])),
        "mean": [round(float(v), 4) for v in x.mean(0)],
        "q05": [round(float(v), 4) for v in q[0]],
        "q25": [round(float(v), 4) for v in q[1]],
        "q50": [round(float(v), 4) for v in q[2]],
        "q75": [round(float(v), 4) for v in q[3]],
        "q95": [round(float(v), 4) for v in q[4]],
    }
