"""Tests against answers worked out independently of the code (analytic limits, known truths, hand-built arrays).

Each would catch a planted bug the suite once missed: Nash bargaining that ignores the weights, bootstrap
percentiles 25/75 instead of 2.5/97.5, an OLS standard error ×5, a wrong order of the paths to war.
"""

from __future__ import annotations

import numpy as np
import pytest

from detente.engines.bargaining.forecast import bootstrap_mae
from detente.engines.bargaining.nash import nash
from detente.engines.bargaining.table import IssueTable
from detente.experiments.stats import ols_slopes


def _issue(weights: tuple[float, float], positions: tuple[float, float] = (0.0, 100.0)) -> IssueTable:
    return IssueTable(
        "t", ("A", "B"), np.array(positions), np.array([1.0, 1.0]), np.array(weights, dtype=float),
        low=0.0, high=100.0,
    )


@pytest.mark.parametrize(("weights", "expected"), [((3, 1), 25.0), ((1, 3), 75.0), ((1, 1), 50.0), ((4, 1), 20.0)])
def test_asymmetric_nash_solution(weights: tuple[float, float], expected: float) -> None:
    """max 3·log(100 − x) + 1·log(x): the derivative −3/(100 − x) + 1/x vanishes at x = 25."""
    assert nash(_issue(weights), "worst") == pytest.approx(expected, abs=1e-6)


def test_bootstrap_interval_covers_the_true_mean_about_95_percent() -> None:
    """Errors drawn from an exponential of mean 10: the 95% interval should hold 10 in ~95% of samples."""
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    hits = 0
    reps = 400
    for k in range(reps):
        errors = rng.exponential(10.0, size=60)
        _, lo, hi = bootstrap_mae(errors, seed=k, resamples=1000)
        hits += lo <= 10.0 <= hi
    coverage = hits / reps
    # Percentile bootstrap of a mean undercovers slightly at n = 60 (about 0.93); 25/75 gives ~0.5.
    assert 0.88 <= coverage <= 0.985, coverage


def test_ols_slope_intervals_cover_the_true_slopes_about_95_percent() -> None:
    """y = 1 + 2·x1 − x2 + N(0, 0.5²): each slope's 95% interval should hold its true value ~95% of the time."""
    rng = np.random.default_rng(np.random.SeedSequence(7))
    truth = np.array([2.0, -1.0])
    reps = 600
    hits = np.zeros(2)
    widths = []
    for _ in range(reps):
        x = rng.uniform(0, 1, size=(40, 2))
        y = 1 + x @ truth + rng.normal(0, 0.5, size=40)
        slopes = ols_slopes(x, y)
        for j, iv in enumerate(slopes):
            hits[j] += iv.lo <= truth[j] <= iv.hi
        widths.append(slopes[0].hi - slopes[0].lo)
    coverage = hits / reps
    # z instead of t at 37 degrees of freedom: about 0.94. A standard error ×5 covers ~100%.
    assert np.all((coverage >= 0.90) & (coverage <= 0.975)), coverage
    # The classical standard error of slope 1: σ / sqrt(n · var(x1)) ≈ 0.5 / sqrt(40/12) ≈ 0.274.
    assert np.median(widths) == pytest.approx(2 * 1.96 * 0.5 / np.sqrt(40 / 12), rel=0.15)


def test_paths_to_war_on_a_hand_built_array() -> None:
    """Distinct peak types up to the war's step, each at its last appearance, in order; shares among wars."""
    from detente.engines.escalation.compile import TYPES
    from detente.engines.escalation.result import SimulationResult

    names = [t.value for t in TYPES]
    a, b, c, d = 0, 3, 7, 12
    peaks = np.array(
        [
            [a, b, a, c, d, d],  # war at step 4: a, b, a, c → b > a > c
            [a, b, -1, a, c, a],  # war at step 5: a, b, a, c → b > a > c (-1: nothing that step)
            [c, a, b, -1, -1, -1],  # war at step 2: c, a → c > a
            [d, d, d, d, d, d],  # no war
        ]
    )
    war_first = np.array([4, 5, 2, -1])
    res = SimulationResult(
        scenario="hand", runs=4, seed=0, horizon=6, strategy=None, actors=("X", "Y"), pairs=(("X", "Y"),),
        issues=(), issue_scale=(), outcomes=(), mechanisms={},
        arrays={"war_first": war_first, "peaks": peaks},
    )
    paths = res.paths("war_first", top=5)
    assert paths == [
        {"path": f"{names[b]}>{names[a]}>{names[c]}", "share": round(2 / 3, 4), "count": 2},
        {"path": f"{names[c]}>{names[a]}", "share": round(1 / 3, 4), "count": 1},
    ]


# --- backtest scores (mutants that survived `make mutation`) -----------------------------------------


def test_expected_calibration_error_by_hand() -> None:
    """Six forecasts in four of ten bins, with misses of both signs inside a bin (so no regrouping passes).

    bin 0: 0.05 → 0 (|0 − 0.05| = 0.05); bin 1: 0.15, 0.15 → 1, 0 (2·|0.5 − 0.15| = 0.7);
    bin 8: 0.85 → 1 (0.15); bin 9: 0.95, 1.0 → 1, 0 (2·|0.5 − 0.975| = 0.95). ECE = 1.85 / 6.
    """
    from detente.backtest.scores import ece

    p = np.array([0.05, 0.15, 0.15, 0.85, 0.95, 1.0])
    o = np.array([0, 1, 0, 1, 1, 0])
    assert ece(p, o) == pytest.approx(1.85 / 6, abs=1e-12)


def test_scores_of_no_questions_are_undefined_not_errors() -> None:
    from detente.backtest.scores import scores

    out = scores(np.array([]), np.array([], dtype=bool))
    assert set(out) == {"n", "base_rate", "brier", "log", "ece", "sharpness", "auc"}
    assert out["n"] == 0
    assert all(np.isnan(v) for k, v in out.items() if k != "n")


@pytest.mark.parametrize("outcome", [0, 1])
def test_auc_of_one_outcome_is_nan_without_a_warning(outcome: int) -> None:
    import warnings

    from detente.backtest.scores import auc

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(auc(np.array([0.2, 0.7, 0.9]), np.full(3, outcome)))


def test_cluster_bootstrap_resamples_every_origin_and_only_pairs_others_with_the_reference() -> None:
    """Five origins, the first holding every loss: each resample draws it k = 5 times with probability
    1 − (4/5)^5 = 0.67 of at least once, so the interval must reach above 0 (a draw that skips origin 0
    never would)."""
    from detente.backtest.scores import bootstrap

    origin = np.repeat(np.array(["a", "b", "c", "d", "e"]), 4)
    loss = np.where(origin == "a", 1.0, 0.0)
    b = bootstrap(origin, {"brier:climatology": np.full(20, 0.5), "brier:x": loss}, n_boot=400, seed=3)
    lo, hi = b["brier:x"]["ci"]
    assert lo == 0.0 and 0.2 < hi
    assert "diff" not in b["brier:climatology"] and "diff" in b["brier:x"]


def test_cluster_bootstrap_interval_matches_the_normal_interval_with_many_origins() -> None:
    """2,000 origins with independent N(0, 1) losses: the 95% interval of the mean is the mean ± 1.96 s/√k to
    a few per cent (percentiles 3.5/96.5 or 2.5/98.5 move one end by 8%)."""
    from detente.backtest.scores import bootstrap

    rng = np.random.default_rng(np.random.SeedSequence(17))
    k = 2000
    loss = rng.normal(0, 1, k)
    b = bootstrap(np.arange(k), {"brier:climatology": np.zeros(k), "brier:x": loss}, n_boot=20_000, seed=5)
    lo, hi = b["brier:x"]["ci"]
    half = 1.96 * loss.std(ddof=1) / np.sqrt(k)
    assert loss.mean() - lo == pytest.approx(half, rel=0.04)
    assert hi - loss.mean() == pytest.approx(half, rel=0.04)
    dlo, dhi = b["brier:x"]["diff_ci"]
    assert loss.mean() - dlo == pytest.approx(half, rel=0.04)
    assert dhi - loss.mean() == pytest.approx(half, rel=0.04)


# --- experiments/stats against statsmodels (an independent implementation) ---------------------------


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 10), (1, 10), (5, 10), (9, 10), (10, 10), (3, 2000)])
def test_wilson_interval_matches_statsmodels(k: int, n: int) -> None:
    from statsmodels.stats.proportion import proportion_confint

    from detente.experiments.stats import wilson

    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    got = wilson(k, n)
    assert (got.p, got.lo, got.hi) == pytest.approx((k / n, lo, hi), abs=1e-12)


def test_wilson_of_no_trials_is_the_whole_unit_interval() -> None:
    from detente.experiments.stats import PairedCounts, paired_difference, wilson

    w = wilson(0, 0)
    assert (w.p, w.lo, w.hi) == (0.0, 0.0, 1.0)
    d = paired_difference(PairedCounts.from_indicators(np.zeros(0, bool), np.zeros(0, bool)))
    assert (d.p, d.lo, d.hi) == (0.0, -1.0, 1.0)


@pytest.mark.parametrize("n", [4, 5, 12, 40])
def test_ols_slopes_match_statsmodels(n: int) -> None:
    """Slopes and classical standard errors as statsmodels' OLS gives them (normal quantile, as documented);
    the smallest sample with a residual degree of freedom (n = k + 2) is fitted, one less is not."""
    import statsmodels.api as sm

    from detente.experiments.stats import Z95, ols_slopes

    rng = np.random.default_rng(np.random.SeedSequence(n))
    x = rng.uniform(0, 1, size=(n, 2))
    y = 1 + x @ np.array([2.0, -1.0]) + rng.normal(0, 0.5, size=n)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    got = ols_slopes(x, y)
    for j, iv in enumerate(got, start=1):
        assert iv.p == pytest.approx(fit.params[j], abs=1e-9)
        assert (iv.hi - iv.lo) / 2 == pytest.approx(Z95 * fit.bse[j], rel=1e-9)
    assert all(np.isnan(iv.p) for iv in ols_slopes(x[:3], y[:3]))
