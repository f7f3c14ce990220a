"""What an anchored run returns: per-run first hits, streaming summaries, and what a user reads.

Each outcome's probability by a horizon is the share of runs in which it happened, with two intervals:
the **predictive interval** (2.5 % and 97.5 % quantiles over runs of the run's conditional probability,
given its parameter draws, lever strengths, stances and crisis-state path: how much the answer depends
on what we do not know) and the **Monte Carlo error** (the share's Wilson 95 % interval: how much more
runs would change it). ``p_cond`` is the mean of the conditional probabilities, the Rao-Blackwellised
estimate of the same probability with smaller Monte Carlo error.

A run keeps each run's first-hit months exactly, and the conditional probabilities and crisis states as
running sums and fixed-bin histograms (:mod:`.summary`): the means are exact, the quantiles within half a
bin of the exact ones. A run simulated with ``keep_paths`` keeps the per-run arrays too and reads every
number from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.engines.escalation.result import RunArrays
from detente.errors import InputError

from .summary import COND_RESOLUTION, Z_HI, Z_LO, Z_RESOLUTION, RunSummary

ENGINE = "anchored"


def _iso(v: Any) -> Any:
    return v.isoformat()[:10] if hasattr(v, "isoformat") else (str(v) if v is not None else None)


def _rate(v: Any) -> float | None:
    """A rate, or ``None`` when the subject was never at risk in the window."""
    return None if v is None or not np.isfinite(float(v)) else float(v)


def reference_rows(comp: Any) -> dict[str, list[dict[str, Any]]]:
    """Per outcome, each reference with its class, subject, data window, counts and base rates."""
    out: dict[str, list[dict[str, Any]]] = {}
    for o in comp.outcomes:
        rows = []
        for r, k in zip(o.references, o.keys, strict=True):
            fit = comp.class_fits[k]
            window = getattr(fit, "window", (None, None)) or (None, None)
            rows.append({
                "class": r.ref, "subject": r.subject, "state": r.state, "accidents": r.accidents, "note": r.note,
                "description": getattr(fit, "description", ""),
                "window": [_iso(window[0]), _iso(window[1])],
                "n_events": int(getattr(fit, "n_events", 0)),
                "n_subject_months": int(getattr(fit, "n_subject_months", 0)),
                "base_rate": _rate(getattr(fit, "base_rate", None)),
                "subject_rate": _rate(getattr(fit, "subject_rate", None)),
            })
        out[o.id] = rows
    return out


def base_rate_by(rows: list[dict[str, Any]], months: int) -> float:
    """The outcome's probability within ``months`` at its references' constant subject rates."""
    surv = 1.0
    for r in rows:
        rate = r["subject_rate"] if r["subject_rate"] is not None else r["base_rate"]
        if rate is None:
            return float("nan")
        surv *= (1.0 - min(max(rate, 0.0), 1.0)) ** months
    return 1.0 - surv


def _finite(x: float) -> float | None:
    return round(x, 6) if np.isfinite(x) else None


@dataclass
class AnchoredResult(RunArrays):
    """One anchored simulation: per-run first hits, the streaming summaries, and the paths if kept.

    Attributes:
        outcome_first: ``(runs, outcomes)`` first month each outcome happened, -1 if never.
        key_first: ``(runs, classes)`` first month of any event of each simulated class.
        cond: ``(runs, outcomes, horizons)`` each run's conditional probability by each horizon
            (only with ``keep_paths``).
        z: ``(runs, months+1, states)`` the crisis state of each dyad (only with ``keep_paths``).
        stats: The sums and histograms of ``cond`` and ``z`` (:class:`.summary.RunSummary`).
    """

    scenario: str
    runs: int
    seed: int
    horizon: int
    strategy: str | None
    outcomes: tuple[str, ...]
    horizons: tuple[int, ...]
    keys: tuple[str, ...]
    states: tuple[str, ...]
    references: dict[str, list[dict[str, Any]]]
    levers: list[dict[str, Any]]
    mechanisms: dict[str, dict[str, Any]]
    unrepresented: tuple[str, ...]
    calibration: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(repr=False)
    stats: RunSummary = field(repr=False)
    _cond_q: dict[float, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Histogram quantiles of every (outcome, horizon) cell, per ``q`` (read once, not once per cell)."""

    engine = ENGINE

    @property
    def paths_kept(self) -> bool:
        """Whether the per-run ``cond`` and ``z`` arrays were kept (``simulate(..., keep_paths=True)``)."""
        return "cond" in self.arrays and "z" in self.arrays

    def _cell(self, outcome_id: str, by: int) -> tuple[int, int]:
        self.outcome_first_step(outcome_id)  # an unknown outcome: one line with the fix
        if by not in self.horizons:
            raise InputError(
                f"{self.scenario}: horizon {by!r} is not reported (fix: use one of: {', '.join(map(str, self.horizons))})"
            )
        return self.outcomes.index(outcome_id), self.horizons.index(by)

    def conditional(self, outcome_id: str, by: int) -> np.ndarray:
        """Per run, the conditional probability of the outcome by ``by`` (a reported horizon).

        Raises:
            InputError: The run kept summaries only (simulate it with ``keep_paths=True``).
        """
        o, h = self._cell(outcome_id, by)
        if not self.paths_kept:
            raise InputError(
                f"{self.scenario}: per-run conditional probabilities were not kept, only their summaries "
                "(fix: simulate with keep_paths=True, or `detente simulate --keep-paths FILE.npz`)"
            )
        return self.arrays["cond"][:, o, h].astype(np.float64)

    def conditional_mean(self, outcome_id: str, by: int) -> float:
        """The mean conditional probability of the outcome by ``by`` (exact, from the running sums)."""
        if self.paths_kept:
            return float(self.conditional(outcome_id, by).mean())
        o, h = self._cell(outcome_id, by)
        return float(self.stats.cond_mean()[o, h])

    def conditional_quantile(self, outcome_id: str, by: int, q: float) -> float:
        """The ``q`` quantile over runs of the conditional probability by ``by``.

        Exact (``numpy.quantile``) when the paths were kept; else from the histogram, within
        :data:`.summary.COND_RESOLUTION`.
        """
        if self.paths_kept:
            return float(np.quantile(self.conditional(outcome_id, by), q))
        o, h = self._cell(outcome_id, by)
        if q not in self._cond_q:
            self._cond_q[q] = self.stats.cond_quantile(q)
        return float(self._cond_q[q][o, h])

    def summary(self, outcome_id: str, by: int) -> dict[str, float]:
        """``p`` (share), ``lo``/``hi`` (Wilson), ``p_cond`` (mean conditional), ``pred_lo``/``pred_hi``."""
        p, lo, hi = self.probability(self.outcome_first_step(outcome_id), by)
        p_cond = self.conditional_mean(outcome_id, by)
        q = [self.conditional_quantile(outcome_id, by, x) for x in (0.025, 0.975)]
        return {"p": round(p, 6), "lo": round(lo, 6), "hi": round(hi, 6), "p_cond": round(p_cond, 6),
                "pred_lo": round(q[0], 6), "pred_hi": round(q[1], 6)}

    def state_fans(self) -> dict[str, dict[str, list[float]]]:
        """Per state, per month: ``mean``, ``q05``, ``q50``, ``q95`` over runs (exact with kept paths)."""
        if self.paths_kept:
            x = self.arrays["z"].astype(np.float64)
            mean = x.mean(axis=0)
            qs = np.quantile(x, [0.05, 0.5, 0.95], axis=0)
        else:
            mean = self.stats.z_mean()
            qs = np.stack([self.stats.z_quantile(q) for q in (0.05, 0.5, 0.95)])
        return {
            s: {"mean": [round(float(v), 4) for v in mean[:, j]], "q05": [round(float(v), 4) for v in qs[0, :, j]],
                "q50": [round(float(v), 4) for v in qs[1, :, j]], "q95": [round(float(v), 4) for v in qs[2, :, j]]}
            for j, s in enumerate(self.states)
        }

    def quantile_note(self) -> dict[str, Any]:
        """Where the quantiles come from, and how far from the exact ones they may be."""
        if self.paths_kept:
            return {"from": "per-run paths (exact)", "cond_resolution": 0.0, "state_resolution": 0.0}
        outside = sum(int((~self.stats.z_hist.exact_within(q)).sum()) for q in (0.05, 0.5, 0.95))
        return {"from": "fixed-bin histograms (streaming summaries)", "cond_resolution": COND_RESOLUTION,
                "state_resolution": Z_RESOLUTION, "state_range": [Z_LO, Z_HI],
                "state_quantiles_outside_range": outside}

    def path_names(self) -> dict[str, Any]:
        """The names :meth:`save_paths` writes: outcomes, classes, states, horizons, seed, scenario."""
        return {**super().path_names(), "keys": list(self.keys), "states": list(self.states),
                "horizons": list(self.horizons)}

    def save_paths(self, path: str | Path) -> None:
        """Write ``outcome_first``, ``key_first``, ``cond``, ``z`` and their names to ``path`` (.npz).

        Raises:
            InputError: The paths were not kept, or the file cannot be written.
        """
        if not self.paths_kept:
            raise InputError(
                f"{self.scenario}: the per-run paths were not kept (fix: simulate with keep_paths=True)"
            )
        super().save_paths(path)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary: outcome odds with both intervals, references, levers, states."""
        outcomes = {o: {str(h): self.summary(o, h) for h in self.horizons} for o in self.outcomes}
        states = self.state_fans()
        return {
            "engine": ENGINE,
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "horizon": self.horizon,
            "strategy": self.strategy,
            "horizons": list(self.horizons),
            "outcomes": outcomes,
            "references": self.references,
            "base_rates": {o: {str(h): _finite(base_rate_by(self.references[o], h)) for h in self.horizons} for o in self.outcomes},
            "states": states,
            "quantiles": self.quantile_note(),
            "levers": self.levers,
            "mechanisms": self.mechanisms,
            "unrepresented": list(self.unrepresented),
            "calibration": self.calibration,
            "intervals": {
                "lo, hi": "Monte Carlo error: Wilson 95% interval of the share of runs",
                "pred_lo, pred_hi": "predictive interval: 2.5% and 97.5% quantiles over runs of the run's conditional "
                "probability given its parameter draws, lever strengths, stances and crisis-state path",
                "p_cond": "mean of the conditional probabilities (Rao-Blackwellised estimate of p)",
            },
        }

    def to_frame(self) -> Any:
        """The outcome odds as a pandas DataFrame: one row per outcome and horizon, with both intervals."""
        import pandas as pd

        recs = [{"outcome": o, "horizon": h, **self.summary(o, h)} for o in self.outcomes for h in self.horizons]
        return pd.DataFrame.from_records(recs)

    def _repr_html_(self) -> str:
        from detente.report.notebook import frame_html

        strategy = f", strategy {self.strategy}" if self.strategy else ""
        return frame_html(
            f"{self.scenario} (anchored engine): {self.runs:,} runs, seed {self.seed}, {self.horizon} months{strategy}",
            self.to_frame(),
            "p: share of runs; lo–hi: Monte Carlo error (Wilson 95%); pred_lo–pred_hi: predictive interval over "
            "parameter uncertainty (95%).",
        )
