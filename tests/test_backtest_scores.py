"""Scores against hand-computed values and the textbook identities."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.backtest.forecasters import kaplan_meier, survival_at
from detente.backtest.scores import bootstrap, ece, log_score, murphy, scores

P = np.array([0.2, 0.2, 0.8, 0.8])
OUT = np.array([0, 1, 1, 1], dtype=bool)


def test_brier_log_ece_auc_by_hand() -> None:
    s = scores(P, OUT)
    assert s["brier"] == pytest.approx((0.04 + 0.64 + 0.04 + 0.04) / 4)
    assert s["log"] == pytest.approx(-(math.log(0.8) + math.log(0.2) + 2 * math.log(0.8)) / 4)
    assert s["ece"] == pytest.approx(0.5 * 0.3 + 0.5 * 0.2)
    assert s["auc"] == pytest.approx(2.5 / 3)  # one tie (0.2 vs 0.2) counts half
    assert s["sharpness"] == pytest.approx(0.3)
    assert s["base_rate"] == pytest.approx(0.75)


def test_murphy_decomposition_by_hand() -> None:
    m = murphy(P, OUT)
    assert m["reliability"] == pytest.approx((2 * 0.3**2 + 2 * 0.2**2) / 4)  # 0.065
    assert m["resolution"] == pytest.approx((2 * 0.25**2 + 2 * 0.25**2) / 4)  # 0.0625
    assert m["uncertainty"] == pytest.approx(0.75 * 0.25)
    assert m["murphy_residual"] == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]), min_size=2, max_size=200),
    seed=st.integers(0, 1000),
)
def test_brier_equals_rel_minus_res_plus_unc_for_discrete_forecasts(values: list[float], seed: int) -> None:
    p = np.array(values)
    o = np.random.default_rng(seed).random(len(p)) < p
    m = murphy(p, o)
    assert np.mean((p - o) ** 2) == pytest.approx(m["reliability"] - m["resolution"] + m["uncertainty"], abs=1e-12)
    assert m["reliability"] >= 0 and m["resolution"] >= 0


def test_perfect_and_climatological_forecasts() -> None:
    o = np.array([1, 0, 1, 0, 0], dtype=bool)
    assert scores(o.astype(float), o)["brier"] == 0.0
    clim = np.full(5, o.mean())
    m = murphy(clim, o)
    assert m["reliability"] == pytest.approx(0) and m["resolution"] == pytest.approx(0)
    assert scores(clim, o)["brier"] == pytest.approx(o.mean() * (1 - o.mean()))


def test_log_score_clips_certainty() -> None:
    assert log_score(np.array([0.0]), np.array([True])) == pytest.approx(-math.log(0.001))
    assert log_score(np.array([1.0]), np.array([True])) == pytest.approx(-math.log(0.999))


def test_ece_is_zero_for_calibrated_bins() -> None:
    p = np.array([0.25] * 4 + [0.75] * 4)
    o = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=bool)
    assert ece(p, o) == pytest.approx(0.0)


def test_auc_is_nan_with_one_outcome() -> None:
    assert math.isnan(scores(np.array([0.1, 0.9]), np.array([False, False]))["auc"])


def test_cluster_bootstrap_brackets_the_mean_and_pairs_differences() -> None:
    rng = np.random.default_rng(0)
    origin = np.repeat(np.arange(40), 25)
    o = rng.random(1000) < 0.3
    good = np.where(o, 0.7, 0.1)
    clim = np.full(1000, 0.3)
    losses = {"brier:climatology": (clim - o) ** 2, "brier:good": (good - o) ** 2}
    b = bootstrap(origin, losses, n_boot=300, seed=1)
    lo, hi = b["brier:good"]["ci"]
    assert lo <= np.mean(losses["brier:good"]) <= hi
    d = b["brier:good"]
    assert d["diff"] == pytest.approx(np.mean(losses["brier:good"]) - np.mean(losses["brier:climatology"]))
    assert d["diff_ci"][1] < 0  # clearly better than climatology
    assert b == bootstrap(origin, losses, n_boot=300, seed=1)  # seeded


def test_kaplan_meier_by_hand() -> None:
    # Durations 1, 2+, 3, 4 (2 censored): S(1) = 3/4, S(3) = 3/4 · 1/2 = 3/8, S(4) = 0.
    times, surv = kaplan_meier(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, False, True, True]))
    assert list(times) == [1.0, 3.0, 4.0]
    np.testing.assert_allclose(surv, [0.75, 0.375, 0.0])
    np.testing.assert_allclose(survival_at(times, surv, np.array([0.5, 1.0, 2.5, 3.5])), [1.0, 0.75, 0.75, 0.375])


def _one_subject(days: list[int]) -> Any:
    import pandas as pd

    from detente.backtest.harness import ClassData

    start = pd.Timestamp("2000-01-01")
    occ = pd.DataFrame({"date": [start + pd.Timedelta(days=d) for d in days], "subject": "X", "kind": "event"})
    return ClassData("toy", occ, ("X",), start, pd.Timestamp("2010-12-31"), 1)


def test_time_since_follows_the_kaplan_meier_curve() -> None:
    import pandas as pd

    from detente.backtest.forecasters import TimeSince
    from detente.backtest.harness import History

    # Events every 100 days; at the origin 50 days have passed since the last one. Spells 100, 100,
    # 100 (observed) and 50 (censored): S(50) = 1, S(50 + H) = 0 for H = 3 months, so P = 1, held at the
    # ceiling 1 − ½/(4 + 1) = 0.9.
    d = _one_subject([100, 200, 300])
    origin = pd.Timestamp("2000-01-01") + pd.Timedelta(days=350)
    q = pd.DataFrame({"subject": ["X"], "origin": [origin], "horizon": [3]})
    assert TimeSince().forecast(History.at(d, origin), q)[0] == pytest.approx(0.9)
    # With no event ever the curve is flat: half an event over the exposure sets the floor.
    quiet = _one_subject([])
    origin = pd.Timestamp("2001-01-01")
    p = TimeSince().forecast(History.at(quiet, origin), q.assign(origin=[origin]))[0]
    exposure = (origin - pd.Timestamp("2000-01-01")).days
    assert p == pytest.approx(1 - math.exp(-0.5 / exposure * 90))  # 1 January → 1 April 2001: 90 days


def test_the_worked_example_of_the_docs() -> None:
    p, o = np.array([0.1, 0.2, 0.6]), np.array([False, False, True])
    s = scores(p, o)
    assert s["brier"] == pytest.approx(0.07)
    assert round(s["log"], 3) == 0.280
    assert (s["reliability"], s["resolution"], s["uncertainty"]) == pytest.approx((0.07, 2 / 9, 2 / 9))
