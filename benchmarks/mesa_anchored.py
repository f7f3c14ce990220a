"""The anchored engine's model, written agent by agent with Mesa 3.3.1: the benchmark's reference.

The same model as :func:`detente.engines.anchored.model.run_block`, from the same
:class:`~detente.engines.anchored.Compiled` scenario, written as a competent Mesa user would write it
(plain Python floats in the agents' ``step``, Mesa's own random number generators, no deliberate
slowness): one :class:`AnchoredModel` per run, and in it

- a :class:`Lever` agent per compiled lever (a mechanism or a strategy action): its strengths drawn once
  per run (``|N(0, scale)|``, or ``max(N(trend), 0)`` for a fitted trend; ``|N(0, state_scale)|`` on the
  state), and each month its multiplier (zero outside its active window, times ``t / 12`` on a ramp);
- an :class:`EventProcess` agent per compiled key (a reference class applied to a subject): its
  backbone coefficients ``beta ~ MVN(beta_hat, Sigma)`` (the covariance's square root computed once) and subject log multiplier ``log m`` (posterior
  gamma) drawn once per run, its months since the last event and its last 12 months, the levers acting
  on it (log-odds shifts; accident levers add events that count only in outcomes defined to include
  accidents), its veto block; each month ``h = expit(x' beta + log m + L)`` from the state of the month
  before, one uniform decides the event, and a "no event yet" shadow history gives the run's conditional
  probability (Rao-Blackwellised, as the engine does for its predictive interval);
- a :class:`DyadState` agent per crisis state: AR(1) parameters drawn once per run, each month
  ``z = a + rho z + sigma (sqrt(w) eta_theatre + sqrt(1 - w) eps) + shift``, ``eta`` one common shock
  per theatre drawn by the model.

A month steps the levers, then the event processes (they read last month's states), then the states.
Outcomes are the first hit of any of their keys. The numbers are not those of the engine's streams
(different generators), so the two agree within Monte Carlo error, not bit for bit.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np

from detente.anchor.panel import FEATURES, MS_CAP
from detente.engines.anchored import Compiled


def _expit(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Lever(mesa.Agent):  # type: ignore[misc]
    """One mechanism or strategy action in one run: its drawn strengths and this month's multipliers."""

    def __init__(self, model: AnchoredModel, spec: Any) -> None:
        super().__init__(model)
        self.spec = spec
        rng = model.rng
        if spec.trend:
            self.m = max(float(rng.normal(spec.trend[0], spec.trend[1])), 0.0)
        else:
            self.m = abs(float(rng.normal(0.0, spec.scale)))
        self.mz = abs(float(rng.normal(0.0, spec.state_scale)))
        self.hazard = 0.0  # this month's log-odds multiplier (before each key's sign)
        self.state = 0.0  # this month's shift of the states' long-run mean (before sign and 1 - rho)

    def step(self) -> None:
        t = self.model.t
        if self.spec.active(t):
            self.hazard = self.m * (t / 12.0) if self.spec.ramp else self.m
            self.state = self.mz
        else:
            self.hazard = self.state = 0.0


class DyadState(mesa.Agent):  # type: ignore[misc]
    """One dyad's crisis state in one run (standardised hostility index, AR(1) with a theatre shock)."""

    def __init__(self, model: AnchoredModel, fit: Any, theatre: int) -> None:
        super().__init__(model)
        rng = model.rng
        self.theatre = theatre
        self.rho = float(np.clip(rng.normal(fit.rho, fit.rho_se), -0.99, 0.99))
        mu = float(rng.normal(fit.mu, fit.mu_sd))
        self.a = (1.0 - self.rho) * mu
        self.sigma = fit.sigma * math.sqrt(fit.df / rng.chisquare(max(fit.df, 1)))
        w = math.tanh(rng.normal(math.atanh(min(max(fit.w, 0.0), 0.99)), fit.w_se))
        w = min(max(w, 0.0), 0.99)
        self.sw, self.se = math.sqrt(w), math.sqrt(1.0 - w)
        self.z = float(fit.z0)
        self.levers: list[tuple[Lever, float]] = []

    def step(self) -> None:
        shift = sum(s * lv.state for lv, s in self.levers) * (1.0 - self.rho)
        eps = self.random.gauss(0.0, 1.0)
        eta = self.model.shock[self.theatre]
        self.z = self.a + self.rho * self.z + self.sigma * (self.sw * eta + self.se * eps) + shift


class EventProcess(mesa.Agent):  # type: ignore[misc]
    """One compiled key in one run: a reference class applied to a subject, with its own history."""

    def __init__(self, model: AnchoredModel, fit: Any, dyad: DyadState, root: np.ndarray) -> None:
        super().__init__(model)
        bb = fit.backbone
        rng = model.rng
        beta = np.asarray(bb.beta, dtype=float) + root @ rng.standard_normal(len(bb.beta))  # MVN(beta_hat, Sigma)
        # One coefficient per feature the hazard can read (0 where the fit dropped the feature).
        coef = dict.fromkeys(FEATURES, 0.0) | {n: float(b) for n, b in zip(bb.names, beta, strict=True)}
        self.b_const, self.b_z, self.b_missing = coef["const"], coef["z"], coef["z_missing"]
        self.b_since, self.b_3, self.b_12 = coef["log_months_since"], coef["recent_3"], coef["recent_12"]
        o = float(bb.observed[fit.row]) if fit.row is not None else 0.0
        e = float(bb.expected[fit.row]) if fit.row is not None else 0.0
        self.log_m = math.log(max(float(rng.gamma(o + bb.k, 1.0 / (e + bb.k))), 1e-300))
        self.dyad = dyad
        self.months_since = int(fit.months_since)
        recent = [int(r) for r in fit.recent][-12:]
        self.recent: deque[int] = deque([0] * (12 - len(recent)) + recent, maxlen=12)
        self.shadow_since = self.months_since
        self.shadow: deque[int] = deque(self.recent, maxlen=12)
        self.levers: list[tuple[Lever, float]] = []
        self.accident_levers: list[tuple[Lever, float]] = []
        self.blocked = False
        self.first_d = -1  # first month of an event (accidental extra events not counted)
        self.first_a = -1  # first month of an event, accidental extra events counted
        self.surv_d = 1.0
        self.surv_a = 1.0

    def _hazard(self, z: float, months_since: int, recent: deque[int], lever: float) -> float:
        """``expit(x' beta + log m + lever)`` for one month (a missing state reads as 0 with its flag)."""
        eta = self.b_const + self.log_m + lever + self.b_since * math.log1p(min(months_since, MS_CAP))
        eta += self.b_3 * (recent[-1] + recent[-2] + recent[-3]) + self.b_12 * sum(recent)
        eta += self.b_missing if math.isnan(z) else self.b_z * z
        return _expit(eta)

    def step(self) -> None:
        t = self.model.t
        if self.blocked:  # a veto stance holds for the whole run
            h_d = h_a = g_d = g_a = 0.0
        else:
            z = self.dyad.z
            lever = sum(s * lv.hazard for lv, s in self.levers)
            h_d = self._hazard(z, self.months_since, self.recent, lever)
            g_d = self._hazard(z, self.shadow_since, self.shadow, lever)
            if self.accident_levers:
                extra = lever + sum(s * lv.hazard for lv, s in self.accident_levers)
                h_a = max(self._hazard(z, self.months_since, self.recent, extra), h_d)
                g_a = max(self._hazard(z, self.shadow_since, self.shadow, extra), g_d)
            else:
                h_a, g_a = h_d, g_d
        u = self.random.random()
        if u < h_d and self.first_d < 0:
            self.first_d = t
        occurred = u < h_a
        if occurred and self.first_a < 0:
            self.first_a = t
        self.months_since = 1 if occurred else min(self.months_since + 1, MS_CAP)
        self.recent.append(int(occurred))
        self.shadow_since = min(self.shadow_since + 1, MS_CAP)
        self.shadow.append(0)
        self.surv_d *= 1.0 - g_d
        self.surv_a *= 1.0 - g_a


class AnchoredModel(mesa.Model):  # type: ignore[misc]
    """One run of a compiled scenario on the anchored engine's model."""

    def __init__(
        self, comp: Compiled, seed: int, horizons: Sequence[int] = (), roots: Sequence[np.ndarray] | None = None
    ) -> None:
        super().__init__(seed=seed)
        self.comp = comp
        self.t = 0
        self.horizons = tuple(horizons)
        self.levers = [Lever(self, spec) for spec in comp.levers]
        self.dyads = [DyadState(self, fit, th) for fit, th in zip(comp.state_fits, comp.theatres, strict=True)]
        self.processes = [
            EventProcess(self, fit, self.dyads[ks.state], root)
            for fit, ks, root in zip(comp.class_fits, comp.keys, roots or covariance_roots(comp), strict=True)
        ]
        for lv in self.levers:
            for k, s in lv.spec.hazard:
                self.processes[k].levers.append((lv, s))
            for k, s in lv.spec.accident:
                self.processes[k].accident_levers.append((lv, s))
            for j, s in lv.spec.states:
                self.dyads[j].levers.append((lv, s))
        for o in comp.outcomes:
            if o.veto is not None and self.random.random() < o.veto:
                for k in o.keys:
                    self.processes[k].blocked = True
        self.shock = [0.0] * ((max(comp.theatres) + 1) if comp.theatres else 0)
        self.cond: dict[int, list[float]] = {}

    def step(self) -> None:
        """One month: levers, then every event process on last month's states, then the states."""
        self.t += 1
        if self.levers:
            self.agents_by_type[Lever].do("step")
        self.agents_by_type[EventProcess].do("step")
        if self.t in self.horizons:
            self.cond[self.t] = [self.outcome_cond(o) for o in self.comp.outcomes]
        self.shock = [self.random.gauss(0.0, 1.0) for _ in self.shock]
        if self.dyads:
            self.agents_by_type[DyadState].do("step")

    def outcome_cond(self, o: Any) -> float:
        """The run's conditional probability that outcome ``o`` has happened by now."""
        surv = 1.0
        for k, acc in zip(o.keys, o.accidents, strict=True):
            p = self.processes[k]
            surv *= p.surv_a if acc else p.surv_d
        return 1.0 - surv

    def outcome_first(self, o: Any) -> int:
        """First month of any of the outcome's keys (-1: never)."""
        hits = [
            (p.first_a if acc else p.first_d)
            for p, acc in ((self.processes[k], a) for k, a in zip(o.keys, o.accidents, strict=True))
        ]
        hits = [h for h in hits if h >= 1]
        return min(hits) if hits else -1


def covariance_roots(comp: Compiled) -> list[np.ndarray]:
    """Per key, a square root ``R`` of the coefficients' covariance (``R R' = Sigma``; eigen-decomposition,
    tolerating a singular one), computed once for all runs."""
    roots = []
    for fit in comp.class_fits:
        cov = np.asarray(fit.backbone.cov, dtype=float)
        vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
        roots.append(vecs * np.sqrt(np.clip(vals, 0.0, None)))
    return roots


def run(comp: Compiled, runs: int, seed: int, horizons: Sequence[int] = ()) -> dict[str, np.ndarray]:
    """``runs`` runs, one :class:`AnchoredModel` each, seeded from ``SeedSequence((seed, run))``.

    Returns:
        ``outcome_first`` (runs, outcomes) first month of each outcome (-1: never) and ``cond`` (runs,
        outcomes, horizons) each run's conditional probability by each horizon in ``horizons``.
    """
    hs = tuple(horizons)
    roots = covariance_roots(comp)
    first = np.full((runs, len(comp.outcomes)), -1, dtype=np.int16)
    cond = np.zeros((runs, len(comp.outcomes), len(hs)))
    for r in range(runs):
        model = AnchoredModel(comp, int(np.random.SeedSequence((seed, r)).generate_state(1)[0]), hs, roots)
        for _ in range(comp.horizon):
            model.step()
        first[r] = [model.outcome_first(o) for o in comp.outcomes]
        for c, h in enumerate(hs):
            cond[r, :, c] = model.cond[h]
    return {"outcome_first": first, "cond": cond}
