"""What an anchored run returns: per-run arrays and the summaries a user reads.

Each outcome's probability by a horizon is the share of runs in which it happened, with two intervals:
the **predictive interval** (2.5 % and 97.5 % quantiles over runs of the run's conditional probability,
given its parameter draws, lever strengths, stances and crisis-state path: how much the answer depends
on what we do not know) and the **Monte Carlo error** (the share's Wilson 95 % interval: how much more
runs would change it). ``p_cond`` is the mean of the conditional probabilities, the Rao-Blackwellised
estimate of the same probability with smaller Monte Carlo error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.engines.escalation.result import RunArrays

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
    """Per-run arrays of one anchored simulation, and their summaries.

    Attributes:
        outcome_first: ``(runs, outcomes)`` first month each outcome happened, -1 if never.
        key_first: ``(runs, classes)`` first month of any event of each simulated class.
        cond: ``(runs, outcomes, horizons)`` each run's conditional probability by each horizon.
        z: ``(runs, months+1, states)`` the crisis state of each dyad.
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

    engine = ENGINE

    def conditional(self, outcome_id: str, by: int) -> np.ndarray:
        """Per run, the conditional probability of the outcome by ``by`` (a reported horizon)."""
        return self.arrays["cond"][:, self.outcomes.index(outcome_id), self.horizons.index(by)].astype(np.float64)

    def summary(self, outcome_id: str, by: int) -> dict[str, float]:
        """``p`` (share), ``lo``/``hi`` (Wilson), ``p_cond`` (mean conditional), ``pred_lo``/``pred_hi``."""
        p, lo, hi = self.probability(self.outcome_first_step(outcome_id), by)
        c = self.conditional(outcome_id, by)
        q = np.quantile(c, [0.025, 0.975])
        return {"p": round(p, 6), "lo": round(lo, 6), "hi": round(hi, 6), "p_cond": round(float(c.mean()), 6),
                "pred_lo": round(float(q[0]), 6), "pred_hi": round(float(q[1]), 6)}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary: outcome odds with both intervals, references, levers, states."""
        outcomes = {o: {str(h): self.summary(o, h) for h in self.horizons} for o in self.outcomes}
        z = self.arrays["z"]
        states = {}
        for j, s in enumerate(self.states):
            x = z[:, :, j].astype(np.float64)
            q = np.quantile(x, [0.05, 0.5, 0.95], axis=0)
            states[s] = {"mean": [round(float(v), 4) for v in x.mean(0)], "q05": [round(float(v), 4) for v in q[0]],
                         "q50": [round(float(v), 4) for v in q[1]], "q95": [round(float(v), 4) for v in q[2]]}
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
