"""Compare strategies with common random numbers, and take each strategy apart component by component.

Every arm (the baseline, each strategy, each component) is run with the *same* root seed, so replicate
``i`` of every arm sees the same random numbers (common random numbers). The difference between an arm
and its reference is then estimated from paired indicators: it is exactly zero for an arm compared with
itself, and its interval is much narrower than for independent runs whenever the arms agree on most
replicates, which is the usual case for policy variations of one scenario.

Components are reported two ways. *Alone*: the baseline plus that one component, against the baseline
(what the component does by itself). *Drop*: the full strategy without that component, against the full
strategy, with the sign turned so that a positive number means the component raises the probability
(what the strategy loses without it).

References:
    - Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., section 11.2 (common random numbers).
    - Newcombe, R. G. (1998). Statistics in Medicine 17:2635-2650 (paired difference intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from detente.errors import InputError
from detente.experiments.backends import Backend, LocalBackend
from detente.experiments.overrides import resolve_path
from detente.experiments.runner import (
    EscalationRunner,
    Indicators,
    Job,
    Runner,
    report_horizons,
)
from detente.experiments.stats import Interval, PairedCounts, paired_difference, wilson
from detente.scenario.model import Scenario

ComponentMode = Literal["none", "alone", "drop", "both"]


@dataclass(frozen=True)
class Arm:
    """One arm of a comparison.

    Attributes:
        id: Label used in tables: ``none``, a strategy id (``ID@2`` when it is also the baseline),
            ``STRATEGY/COMPONENT`` (alone) or ``STRATEGY-COMPONENT`` (drop).
        kind: ``baseline``, ``strategy``, ``alone`` or ``drop``.
        strategy: The strategy id, or ``None`` for no strategy.
        components: Components applied (``None`` = all of the strategy's).
        reference: The arm it is compared with (``None`` for the baseline).
        component: For ``alone``/``drop`` arms, the component in question.
    """

    id: str
    kind: str
    strategy: str | None
    components: tuple[str, ...] | None
    reference: str | None
    component: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "id": self.id,
            "kind": self.kind,
            "strategy": self.strategy,
            "components": list(self.components) if self.components is not None else None,
            "reference": self.reference,
            "component": self.component,
        }


@dataclass(frozen=True)
class Row:
    """One line of the comparison table: an arm's probability of an outcome by a horizon, and its effect.

    ``effect`` is the arm minus its reference (for ``drop`` arms: the full strategy minus the arm), with
    a 95 % interval; ``None`` for the baseline.
    """

    outcome: str
    horizon: int
    arm: str
    kind: str
    probability: Interval
    reference: str | None
    effect: Interval | None

    @property
    def significant(self) -> bool:
        """Whether the effect's 95 % interval excludes zero."""
        return self.effect is not None and self.effect.excludes_zero()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able row."""
        return {
            "outcome": self.outcome,
            "horizon": self.horizon,
            "arm": self.arm,
            "kind": self.kind,
            **{k: v for k, v in self.probability.to_dict().items()},
            "reference": self.reference,
            "effect": self.effect.p if self.effect else None,
            "effect_lo": self.effect.lo if self.effect else None,
            "effect_hi": self.effect.hi if self.effect else None,
            "significant": self.significant,
        }


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`: arms, and one row per outcome, horizon and arm."""

    scenario: str
    runs: int
    seed: int
    horizon: int
    horizons: tuple[int, ...]
    baseline: str
    outcomes: tuple[str, ...]
    arms: tuple[Arm, ...]
    rows: tuple[Row, ...] = field(repr=False)
    overrides: tuple[tuple[str, float], ...] = ()
    backend: str = "local"

    def select(self, *, kind: Sequence[str] | None = None, horizon: int | None = None, outcome: str | None = None) -> list[Row]:
        """Rows filtered by arm kind, horizon and outcome."""
        return [
            r
            for r in self.rows
            if (kind is None or r.kind in kind)
            and (horizon is None or r.horizon == horizon)
            and (outcome is None or r.outcome == outcome)
        ]

    def row(self, outcome: str, horizon: int, arm: str) -> Row:
        """The row for ``outcome`` by ``horizon`` in ``arm``; ``KeyError`` if absent."""
        for r in self.rows:
            if r.outcome == outcome and r.horizon == horizon and r.arm == arm:
                return r
        raise KeyError((outcome, horizon, arm))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        """Rebuild a comparison from :meth:`to_dict` output (e.g. a ``--json`` file or the run store)."""
        arms = tuple(
            Arm(
                a["id"], a["kind"], a["strategy"],
                tuple(a["components"]) if a.get("components") is not None else None,
                a.get("reference"), a.get("component"),
            )
            for a in data["arms"]
        )
        rows = tuple(
            Row(
                r["outcome"], int(r["horizon"]), r["arm"], r["kind"], Interval(r["p"], r["lo"], r["hi"]),
                r.get("reference"),
                Interval(r["effect"], r["effect_lo"], r["effect_hi"]) if r.get("effect") is not None else None,
            )
            for r in data["rows"]
        )
        return cls(
            scenario=data["scenario"], runs=int(data["runs"]), seed=int(data["seed"]), horizon=int(data["horizon"]),
            horizons=tuple(int(h) for h in data["horizons"]), baseline=data["baseline"],
            outcomes=tuple(data["outcomes"]), arms=arms, rows=rows,
            overrides=tuple((k, float(v)) for k, v in data.get("overrides", {}).items()),
            backend=data.get("backend", "local"),
        )

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame: one row per outcome, horizon and arm.

        ``p``, ``lo``, ``hi`` are probabilities (0–1, Wilson 95 %); ``effect_pp`` and its paired 95 %
        interval ``effect_pp_lo``, ``effect_pp_hi`` are the arm minus its reference in percentage
        points, as the CLI prints them; ``significant`` when that interval excludes 0.
        """
        import pandas as pd

        recs = []
        for r in self.rows:
            e = r.effect
            recs.append({
                "outcome": r.outcome, "horizon": r.horizon, "arm": r.arm, "kind": r.kind,
                "p": r.probability.p, "lo": r.probability.lo, "hi": r.probability.hi,
                "reference": r.reference,
                "effect_pp": None if e is None else 100 * e.p,
                "effect_pp_lo": None if e is None else 100 * e.lo,
                "effect_pp_hi": None if e is None else 100 * e.hi,
                "significant": r.significant,
            })  # fmt: skip
        return pd.DataFrame.from_records(recs)

    def _repr_html_(self) -> str:
        from detente.report.notebook import frame_html

        return frame_html(
            f"{self.scenario}: {len(self.arms)} arms against {self.baseline}, {self.runs:,} runs each, seed {self.seed}",
            self.to_frame(),
            "effect_pp: arm minus its reference in percentage points (common random numbers; Newcombe paired 95% interval).",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: run settings, arms and the table (one dict per row)."""
        return {
            "kind": "comparison",
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "horizon": self.horizon,
            "horizons": list(self.horizons),
            "baseline": self.baseline,
            "outcomes": list(self.outcomes),
            "overrides": dict(self.overrides),
            "backend": self.backend,
            "common_random_numbers": True,
            "interval": "Wilson 95% for probabilities; Newcombe (1998) paired 95% for effects",
            "arms": [a.to_dict() for a in self.arms],
            "rows": [r.to_dict() for r in self.rows],
        }


def plan_arms(
    scenario: Scenario,
    strategies: Sequence[str],
    baseline: str | None = None,
    components: ComponentMode = "alone",
) -> list[Arm]:
    """The arms of a comparison, baseline first.

    Raises:
        InputError: An unknown strategy id, or a strategy listed twice.
    """
    known = [s.id for s in scenario.strategies]
    for sid in [*strategies, *([baseline] if baseline else [])]:
        if sid not in known:
            raise InputError(
                f"{scenario.id}: --strategy {sid!r}: no such strategy in the scenario "
                f"(fix: use one of {', '.join(known) or '(none defined)'}, or `none` for the baseline)"
            )
    if len(set(strategies)) != len(strategies):
        raise InputError(f"--strategy lists a strategy twice: {', '.join(strategies)} (fix: list each once)")
    base_id = baseline or "none"
    arms = [Arm(base_id, "baseline", baseline, None, None)]
    # A strategy equal to the baseline is allowed (compared with itself it must give exactly 0); its
    # arm then needs an id of its own.
    arms.extend(
        Arm(f"{sid}@2" if sid == baseline else sid, "strategy", sid, None, base_id) for sid in strategies
    )
    for sid in strategies:
        comps = [c.id for c in scenario.strategy(sid).components]
        if len(comps) < 2 or baseline is not None:
            # Taking a strategy apart is defined against "no strategy" only.
            continue
        if components in ("alone", "both"):
            arms.extend(Arm(f"{sid}/{c}", "alone", sid, (c,), base_id, c) for c in comps)
        if components in ("drop", "both"):
            arms.extend(
                Arm(f"{sid}-{c}", "drop", sid, tuple(x for x in comps if x != c), sid, c) for c in comps
            )
    return arms


def compare(
    scenario: Scenario,
    strategies: Sequence[str],
    *,
    baseline: str | None = None,
    runs: int = 10000,
    seed: int = 0,
    horizon: int | None = None,
    components: ComponentMode = "alone",
    overrides: dict[str, float] | None = None,
    outcomes: Sequence[str] = (),
    runner: Runner | None = None,
    backend: Backend | None = None,
) -> Comparison:
    """Run each strategy (and each of its components) against a baseline with common random numbers.

    Args:
        scenario: The scenario.
        strategies: Strategy ids to compare.
        baseline: A strategy id for the baseline, or ``None`` for no strategy.
        runs: Replicates per arm.
        seed: Root seed shared by every arm (common random numbers).
        horizon: Steps; defaults to the scenario's horizon.
        components: Which component arms to add: ``alone``, ``drop``, ``both`` or ``none``.
        overrides: Field paths (``actors.USA.doctrine`` or ``actors[USA].doctrine``) to fixed values
            applied to every arm.
        outcomes: Outcome ids to report; empty means all tracked outcomes.
        runner: What runs a job; defaults to the escalation engine.
        backend: Where jobs run; defaults to this process.

    Returns:
        The :class:`Comparison`.

    Raises:
        InputError: Unknown strategies, outcomes or override paths, or a non-positive run count.
    """
    if runs < 1:
        raise InputError(f"--runs {runs}: must be at least 1 (fix: give a positive number of runs)")
    _check_outcomes(scenario, outcomes)
    resolved = tuple((resolve_path(scenario, k).key, float(v)) for k, v in (overrides or {}).items())
    arms = plan_arms(scenario, strategies, baseline, components)
    runner = runner or EscalationRunner(scenario, tuple(outcomes))
    backend = backend or LocalBackend()
    jobs = [
        Job(overrides=resolved, strategy=a.strategy, components=a.components, seed=seed, runs=runs, horizon=horizon)
        for a in arms
    ]
    results: list[Indicators] = backend.map(runner, jobs)
    return summarise(scenario.id, arms, results, seed=seed, outcomes=outcomes, overrides=resolved, backend=backend.name)


def _check_outcomes(scenario: Scenario, outcomes: Sequence[str]) -> None:
    known = [o.id for o in scenario.outcomes]
    for o in outcomes:
        if o not in known:
            raise InputError(
                f"{scenario.id}: --outcome {o!r}: not a tracked outcome of the scenario "
                f"(fix: use one of {', '.join(known)})"
            )


def summarise(
    scenario_id: str,
    arms: Sequence[Arm],
    results: Sequence[Indicators],
    *,
    seed: int,
    outcomes: Sequence[str] = (),
    overrides: tuple[tuple[str, float], ...] = (),
    backend: str = "local",
) -> Comparison:
    """Turn per-arm indicators into the comparison table (paired effects against each arm's reference)."""
    by_id = dict(zip((a.id for a in arms), results, strict=True))
    first = results[0]
    ids = tuple(outcomes) or first.outcomes
    horizons = report_horizons(first.horizon)
    rows: list[Row] = []
    for o in ids:
        for h in horizons:
            for arm in arms:
                ind = by_id[arm.id].by(o, h)
                prob = wilson(int(ind.sum()), ind.size)
                effect = None
                if arm.reference is not None:
                    ref = by_id[arm.reference].by(o, h)
                    if arm.kind == "drop":
                        effect = paired_difference(PairedCounts.from_indicators(ref, ind))
                    else:
                        effect = paired_difference(PairedCounts.from_indicators(ind, ref))
                rows.append(Row(o, h, arm.id, arm.kind, prob, arm.reference, effect))
    return Comparison(
        scenario=scenario_id,
        runs=first.runs,
        seed=seed,
        horizon=first.horizon,
        horizons=horizons,
        baseline=arms[0].id,
        outcomes=ids,
        arms=tuple(arms),
        rows=tuple(rows),
        overrides=overrides,
        backend=backend,
    )
