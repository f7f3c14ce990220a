"""The backbone recovers the parameters it was simulated with; training and forecasting features agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from detente.anchor.backbone import Dynamic, features_now, fit_backbone, start_dynamics
from detente.anchor.panel import MS_CAP, Panel, design, dynamic_features
from detente.anchor.state import fit_panel

TRUE = {"const": -2.2, "z": 0.6, "log_months_since": -0.35, "recent_12": 0.18, "recent_3": 0.0}
K = 3.0


def simulate_panel(seed: int, subjects: int = 300, months: int = 240) -> tuple[Panel, np.ndarray]:
    """A panel drawn month by month from the model itself (state AR(1), hazard, gamma multipliers)."""
    rng = np.random.default_rng(seed)
    m = rng.gamma(K, 1.0 / K, subjects)
    z = np.zeros((subjects, months))
    y = np.zeros((subjects, months), dtype=bool)
    dyn = Dynamic(np.full(subjects, MS_CAP), np.zeros((subjects, 12), dtype=bool))
    names = ("const", "z", "log_months_since", "recent_12", "recent_3")
    beta = np.array([TRUE[n] for n in names])
    zprev = rng.standard_normal(subjects)
    for t in range(months):
        x = features_now(names, zprev, dyn)
        h = expit(x @ beta + np.log(m))
        y[:, t] = rng.random(subjects) < h
        dyn.update(y[:, t])
        z[:, t] = 0.7 * zprev + 0.5 * rng.standard_normal(subjects)
        zprev = z[:, t]
    # design() gives month t the state of month t - 1, as the loop above did.
    subj = tuple(f"S{i}" for i in range(subjects))
    return Panel(subj, 1000, 1000 + months, y, np.ones_like(y), z), m


def test_training_features_equal_the_forecasting_features() -> None:
    rng = np.random.default_rng(1)
    y = rng.random((5, 40)) < 0.2
    since, r3, r12 = dynamic_features(y)
    dyn = Dynamic(np.full(5, MS_CAP), np.zeros((5, 12), dtype=bool))
    for t in range(40):
        x = features_now(("log_months_since", "recent_3", "recent_12"), np.zeros(5), dyn)
        assert np.allclose(x[:, 0], np.log1p(since[:, t]))
        assert np.array_equal(x[:, 1], r3[:, t])
        assert np.array_equal(x[:, 2], r12[:, t])
        dyn.update(y[:, t])
    end = start_dynamics(Panel(tuple("abcde"), 0, 40, y, np.ones_like(y)))
    assert np.array_equal(end.months_since, dyn.months_since)
    assert np.array_equal(end.recent, dyn.recent)


def test_backbone_recovers_simulated_coefficients_within_their_intervals() -> None:
    panel, m = simulate_panel(seed=3)
    # The multipliers are integrated out (marginal likelihood), so they do not bias the coefficients.
    fit = fit_backbone(panel, panel.m0 + 12, panel.m1)
    assert fit.method == "glm"
    se = np.sqrt(np.diag(fit.cov))
    for name in ("const", "z", "log_months_since", "recent_12", "recent_3"):
        j = fit.names.index(name)
        lo, hi = fit.beta[j] - 1.96 * se[j], fit.beta[j] + 1.96 * se[j]
        # The fit alternates with the multipliers (gamma frailty), so heterogeneity does not bias these.
        assert lo <= TRUE[name] <= hi, (name, fit.beta[j], se[j])


def test_backbone_recovers_coefficients_without_heterogeneity_at_95_percent() -> None:
    global K
    saved = K
    K = 1e6  # every multiplier is 1
    try:
        hits = 0
        for seed in range(2):
            panel, _ = simulate_panel(seed=10 + seed, subjects=200)
            fit = fit_backbone(panel, panel.m0 + 12, panel.m1)
            se = np.sqrt(np.diag(fit.cov))
            for name in ("const", "z", "log_months_since", "recent_12"):
                j = fit.names.index(name)
                hits += abs(fit.beta[j] - TRUE[name]) <= 1.96 * se[j]
        assert hits >= 7  # 8 intervals at 95%: 7 or more cover with probability 0.94
        assert fit.k > 40  # no heterogeneity found (sd of the multipliers below 0.16)
    finally:
        K = saved


def test_gamma_shape_and_multipliers_are_recovered() -> None:
    panel, m = simulate_panel(seed=5, subjects=400)
    fit = fit_backbone(panel, panel.m0 + 12, panel.m1)
    assert K / 2.5 < fit.k < K * 2.5
    rng = np.random.default_rng(0)
    draws = np.exp(fit.draw_log_m(rng, np.arange(len(m)), 400))
    post_mean = draws.mean(axis=1)
    # The posterior means track the true multipliers (shrunk toward 1).
    assert np.corrcoef(post_mean, m)[0, 1] > 0.5
    never = np.exp(fit.draw_log_m(rng, np.array([-1]), 20000))[0]
    assert abs(never.mean() - 1.0) < 0.05
    assert abs(never.var() - 1.0 / fit.k) < 0.25 / fit.k


def test_few_events_keep_only_the_constant_at_the_jeffreys_rate() -> None:
    y = np.zeros((1, 100), dtype=bool)
    y[0, [10, 50]] = True
    fit = fit_backbone(Panel(("PRK",), 0, 100, y, np.ones_like(y)), 0, 100)
    assert fit.names == ("const",)
    assert expit(fit.beta[0]) == pytest.approx(2.5 / 101)


def test_state_ar1_recovers_rho_and_the_common_shock_share() -> None:
    rng = np.random.default_rng(7)
    t, d, rho, w = 400, 12, 0.6, 0.4
    names = [f"A{i:02d}-B{i:02d}" if i % 2 else f"A00-C{i:02d}" for i in range(d)]
    mu = rng.normal(0, 0.5, d)
    z = np.zeros((t, d))
    for k in range(1, t):
        eta = rng.standard_normal()
        z[k] = (1 - rho) * mu + rho * z[k - 1] + np.sqrt(w) * eta + np.sqrt(1 - w) * rng.standard_normal(d)
    raw = pd.DataFrame(z, columns=names)
    total = pd.DataFrame(np.ones((t, d)), columns=names)
    sp = fit_panel(raw, total, names)
    assert abs(sp.rho - rho) < 3 * sp.rho_se + 0.02  # within fixed-effects (Nickell) bias ~ -(1+rho)/T
    # Dyads sharing an actor (A00-…) share the common shock: their residual correlation estimates w.
    assert abs(sp.w - w) < 0.12
    draws_rho = np.clip(rng.normal(sp.rho, sp.rho_se, 4000), -1, 1)
    assert np.quantile(draws_rho, 0.005) < rho < np.quantile(draws_rho, 0.995) + 0.02


def test_design_uses_only_earlier_months() -> None:
    y = np.zeros((1, 24), dtype=bool)
    y[0, 12] = True
    x, out, _ = design(Panel(("S",), 0, 24, y, np.ones_like(y)), 0, 24)
    # Month 12's own event does not enter its features; month 13 sees it.
    assert x[12, 4] == 0 and x[13, 4] == 1
    assert out[12]
