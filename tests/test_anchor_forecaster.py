"""The engine forecaster of the backtest: no leakage, order independence, sensible probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.anchor.forecaster import EngineForecaster
from detente.backtest import Inputs, empty_covariates, get_class, get_forecasters
from detente.backtest.harness import ClassData, History, make_questions
from detente.backtest.run import QuestionSet, run_forecasters
from tests.test_backtest_leakage import ORIGINS, TINY, _table


def _engine_forecasts(events: pd.DataFrame, origin: pd.Timestamp) -> pd.Series:
    inputs = Inputs(_events=events, use_default_events=False)
    d = get_class("dyad-event:ASSAULT").build(inputs, pd.Timestamp("2010-01-01"))
    q = make_questions(d, [origin], (3, 6, 12))
    qs = QuestionSet(questions=q.assign(id=q["subject"] + "|" + q["horizon"].astype(str)), classes={d.name: d})
    probs = run_forecasters(qs, [EngineForecaster(0, draws=50, data=TINY)], covariates=empty_covariates())
    probs.index = qs.questions["id"]
    return probs["engine"]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), origin=st.sampled_from(ORIGINS), salt=st.integers(0, 10_000))
def test_rows_on_or_after_the_origin_change_no_engine_forecast(seed: int, origin: pd.Timestamp, salt: int) -> None:
    events = _table(seed)
    before = _engine_forecasts(events, origin)
    late = _table(salt, 200)
    late = late[late["date"] >= origin]
    edited = pd.concat([events, late], ignore_index=True).sort_values("date", kind="stable").reset_index(drop=True)
    after = _engine_forecasts(edited, origin)
    assert before.equals(after)


def _synthetic(months: int = 120) -> ClassData:
    """A busy subject (an event most months), a rare one and a quiet one."""
    rng = np.random.default_rng(4)
    days = pd.date_range("2000-01-01", periods=months, freq="MS")
    rows = [(d + pd.Timedelta(days=3), "BUSY") for d in days if rng.random() < 0.7]
    rows += [(d + pd.Timedelta(days=3), "RARE") for d in days if rng.random() < 0.05]
    occ = pd.DataFrame(rows, columns=["date", "subject"]).assign(kind="event")
    return ClassData("toy", occ, ("BUSY", "RARE", "QUIET"), pd.Timestamp("2000-01-01"), pd.Timestamp("2009-12-31"), 1)


def test_engine_orders_subjects_by_their_history_and_grows_with_the_horizon() -> None:
    d = _synthetic()
    origin = pd.Timestamp("2009-01-01")
    q = make_questions(d, [origin], (3, 12), answers=False)
    p = EngineForecaster(0, draws=100, data=TINY).forecast(History.at(d, origin), q)
    by = {(s, h): v for s, h, v in zip(q["subject"], q["horizon"], p, strict=True)}
    assert by["BUSY", 3] > by["RARE", 3] > by["QUIET", 3]
    for s in ("BUSY", "RARE", "QUIET"):
        assert by[s, 12] > by[s, 3]
    # The busy subject has an event 7 months in 10: three months nearly surely hold one.
    assert by["BUSY", 3] > 0.9
    assert by["QUIET", 12] < 0.3


def test_engine_forecast_does_not_depend_on_earlier_origins() -> None:
    d = _synthetic()
    late = pd.Timestamp("2009-06-01")
    q = make_questions(d, [late], (3,), answers=False)
    alone = EngineForecaster(1, draws=50, data=TINY).forecast(History.at(d, late), q)
    warm = EngineForecaster(1, draws=50, data=TINY)
    early = pd.Timestamp("2008-03-01")
    warm.forecast(History.at(d, early), make_questions(d, [early], (3,), answers=False))
    assert np.array_equal(warm.forecast(History.at(d, late), q), alone)


def test_engine_is_registered_beside_the_baselines() -> None:
    names = [f.name for f in get_forecasters(["engine"])]
    assert names == ["climatology", "engine"]
