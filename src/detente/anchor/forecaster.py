"""The ``engine`` forecaster of ``detente backtest``: the anchored backbone built from data alone.

For each question class and origin O it fits, on the history before 1 January of O's year (the fit is
reused by every origin of that year: its training cut is what keys it), the class's backbone hazard
(:mod:`detente.anchor.backbone`) and, for dyadic subjects, the crisis-state model of their dyads
(:mod:`detente.anchor.state`; North Korea's missile tests read the PRK–USA state). At O it starts each
subject from its own history before O (months since its last event, its recent events, the state of the
month before) and simulates forward with parameter draws::

    P(event within H) = 1 - E[ prod_{t < H} (1 - h_t) ]

the expectation over draws of the coefficients, the subject's multiplier and the state's path. Along the
path without an event the subject's history is known (no event so far), so the product is exact given a
draw and a state path (Rao–Blackwellised): only parameters and states are simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from detente.anchor.backbone import Backbone, fit_backbone, start_dynamics
from detente.anchor.panel import LAGS, MS_CAP, build_panel, month_of
from detente.anchor.state import StatePanel, dyad_key, fit_panel, hostility_table
from detente.backtest.covariates import parse_subject
from detente.backtest.harness import History
from detente.datadir import DataMissingError

DRAWS = 200
"""Parameter and state draws per subject and origin."""
LOOKBACK_MONTHS = 240
"""The backbone is fitted on the 20 years before its training cut (as the learned baselines look back)."""
THEATRE = {"missile-test": "PRK-USA", "icbm-test": "PRK-USA"}
"""Classes of one country whose hazard reads a named dyad's state (North Korea's tests: PRK–USA)."""


@dataclass
class _Fit:
    backbone: Backbone
    state: StatePanel | None
    raw: pd.DataFrame | None


class EngineForecaster:
    """The backbone and crisis state, fitted on the history before each origin's year, simulated forward.

    Args:
        seed: Root seed; each (class, origin) gets its own stream, so the order origins come in does not
            change any forecast.
        draws: Parameter and state draws per subject.
        data: The data directory (the ICEWS monthly dyad counts for the state).
    """

    name = "engine"

    def __init__(self, seed: int = 0, draws: int = DRAWS, data: str | Path | None = None) -> None:
        self.seed = seed
        self.draws = draws
        self.data = data
        self._fits: dict[tuple[str, pd.Timestamp], _Fit] = {}
        self._raw: tuple[pd.DataFrame, pd.DataFrame] | None | bool = None

    def _hostility(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        if self._raw is None:
            try:
                self._raw = hostility_table(self.data)
            except DataMissingError:
                self._raw = False
        return self._raw if isinstance(self._raw, tuple) else None

    def _dyads(self, name: str, subjects: tuple[str, ...]) -> list[str | None]:
        theatre = THEATRE.get(name)
        out: list[str | None] = []
        for s in subjects:
            a, b = parse_subject(s)
            out.append(dyad_key(a, b) if a and b else theatre)
        return out

    def _state_matrix(self, raw: pd.DataFrame, sp: StatePanel, dyads: list[str | None], m0: int, m1: int) -> np.ndarray | None:
        if not any(d is not None and d in raw.columns for d in dyads):
            return None
        z = np.full((len(dyads), m1 - m0), np.nan)
        months = raw.index.to_numpy()
        inside = (months >= m0) & (months < m1)
        cols = {d: (raw[d].to_numpy()[inside] - sp.centre) / sp.scale for d in set(dyads) if d is not None and d in raw.columns}
        for i, d in enumerate(dyads):
            if d in cols:
                z[i, months[inside] - m0] = cols[d]
        return z

    def _fit(self, history: History) -> _Fit:
        refit = pd.Timestamp(year=history.origin.year, month=1, day=1)
        key = (history.name, refit)
        if key in self._fits:
            return self._fits[key]
        hist = history if refit == history.origin else history.before(refit)
        d = hist.data
        m_cut = month_of(refit)
        lo = max(month_of(d.start), m_cut - LOOKBACK_MONTHS)
        m0 = max(month_of(d.start), lo - MS_CAP)
        panel = build_panel(d, m0, m_cut)
        dyads = self._dyads(d.name, d.subjects)
        table = self._hostility()
        sp: StatePanel | None = None
        raw: pd.DataFrame | None = None
        if table is not None and any(x is not None for x in dyads):
            raw_all, total_all = table
            keep = raw_all.index < m_cut
            raw, total = raw_all[keep], total_all[keep]
            wanted = sorted({x for x in dyads if x is not None and x in raw.columns})
            if len(raw) > 24 and wanted:
                sp = fit_panel(raw, total, wanted)
                panel = panel.with_state(self._state_matrix(raw, sp, dyads, m0, m_cut))
        # Always a cold start: a forecast must not depend on which origins were forecast before it.
        fit = _Fit(fit_backbone(panel, lo, m_cut), sp, raw if sp is not None else None)
        self._fits[key] = fit
        return fit

    def forecast(self, history: History, questions: pd.DataFrame) -> np.ndarray:
        """P(event within each question's horizon) by simulating the fitted backbone forward."""
        fit = self._fit(history)
        bb = fit.backbone
        d = history.data
        m_now = month_of(history.origin)
        m0 = m_now - MS_CAP
        panel = build_panel(d, m0, m_now)
        dyn = start_dynamics(panel)
        subjects = pd.unique(questions["subject"])
        rows = np.array([d.subject_index[s] for s in subjects], dtype=np.int64)
        n_s, n = len(rows), self.draws
        h_max = int(questions["horizon"].max())
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, m_now, *map(ord, d.name)]))
        beta = bb.draw_beta(rng, n)  # n × p, shared by the subjects (one set of coefficients per draw)
        fit_rows = np.array([bb.index(s) if bb.index(s) is not None else -1 for s in subjects], dtype=np.int64)
        log_m = bb.draw_log_m(rng, fit_rows, n)  # S × n
        names = bb.names
        # The state: the month before the origin, then the AR(1) forward (no common shock: questions are
        # scored one at a time, so only each dyad's own marginal path matters).
        z = np.full((n_s, n), np.nan)
        a = rho = sigma = None
        if fit.state is not None and "z" in names:
            sp = fit.state
            table = self._hostility()
            assert table is not None
            raw_now = table[0]
            dyads = self._dyads(d.name, tuple(subjects))
            prev = m_now - 1
            z0 = np.array(
                [(raw_now.at[prev, x] - sp.centre) / sp.scale if x is not None and x in raw_now.columns and prev in raw_now.index else np.nan for x in dyads]
            )
            z = np.repeat(z0[:, None], n, axis=1)
            mu = np.array([sp.mu.get(x, sp.mu.mean()) if x is not None else 0.0 for x in dyads])
            mu_sd = np.array([sp.mu_sd.get(x, float(sp.mu_sd.mean())) if x is not None else 0.0 for x in dyads])
            rho = np.clip(rng.normal(sp.rho, sp.rho_se, n), -0.99, 0.99)[None, :]
            sigma = sp.sigma * np.sqrt(sp.df / rng.chisquare(max(sp.df, 1), n))[None, :]
            a = (1 - rho) * rng.normal(mu[:, None], mu_sd[:, None], (n_s, n))
        ms = dyn.months_since[rows].astype(float)
        recent = dyn.recent[rows].astype(float)  # S × 12, oldest first
        surv = np.ones((n_s, n))
        out_by_h: dict[int, np.ndarray] = {}
        hs = set(int(h) for h in questions["horizon"].unique())
        for t in range(h_max):
            eta = log_m.copy()
            for j, name in enumerate(names):
                if name == "const":
                    eta += beta[None, :, j]
                elif name == "z":
                    eta += beta[None, :, j] * np.nan_to_num(z)
                elif name == "z_missing":
                    eta += beta[None, :, j] * np.isnan(z)
                elif name == "log_months_since":
                    eta += beta[None, :, j] * np.log1p(np.minimum(ms, MS_CAP))[:, None]
                elif name == "recent_3":
                    eta += beta[None, :, j] * recent[:, -LAGS[0]:].sum(axis=1)[:, None]
                elif name == "recent_12":
                    eta += beta[None, :, j] * recent[:, -LAGS[1]:].sum(axis=1)[:, None]
            surv *= 1.0 - expit(eta)
            if t + 1 in hs:
                out_by_h[t + 1] = 1.0 - surv.mean(axis=1)
            # No event so far on this path: time since grows, the recent window empties.
            ms = np.minimum(ms + 1, MS_CAP)
            recent = np.concatenate([recent[:, 1:], np.zeros((n_s, 1))], axis=1)
            if a is not None and rho is not None and sigma is not None:
                known = ~np.isnan(z)
                step = a + rho * np.nan_to_num(z) + sigma * rng.standard_normal((n_s, n))
                z = np.where(known, step, np.nan)
        pos = {s: i for i, s in enumerate(subjects)}
        qi = questions["subject"].map(pos).to_numpy()
        qh = questions["horizon"].to_numpy().astype(int)
        p = np.array([out_by_h[h][i] for i, h in zip(qi, qh, strict=True)])
        return np.clip(p, 1e-6, 1 - 1e-6)


__all__ = ["EngineForecaster"]
