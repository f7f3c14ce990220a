"""No forecast for an origin depends on any row dated on or after it (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.backtest import Inputs, empty_covariates, get_class, get_forecasters, read_events
from detente.backtest.harness import ClassData, History, grid, make_questions
from detente.backtest.run import QuestionSet, run_forecasters
from tests.backtest_data import tiny_data
from tests.test_backtest_generators import HERE

COUNTRIES = ["USA", "CHN", "PRK", "KOR", "JPN"]
TINY = tiny_data(Path(tempfile.mkdtemp(prefix="detente-tiny-")))
CODES = ["190", "195", "138", "040", "111", "1721", "057"]
DAYS = pd.date_range("2008-01-01", "2013-12-31", freq="D")


def _table(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    src = rng.choice(COUNTRIES, n)
    tgt = rng.choice(COUNTRIES, n)
    keep = src != tgt
    out = pd.DataFrame(
        {"date": DAYS[rng.integers(0, len(DAYS), n)][keep], "source": src[keep], "target": tgt[keep], "cameo_code": rng.choice(CODES, n)[keep]}
    )
    from detente.backtest.events import plover_of

    out["plover"] = plover_of(out["cameo_code"], TINY)
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def _forecasts(events: pd.DataFrame, origin: pd.Timestamp) -> pd.Series:
    inputs = Inputs(_events=events, use_default_events=False)
    g = get_class("dyad-event:ASSAULT")
    first = pd.Timestamp("2010-01-01")
    d = g.build(inputs, first)
    # Only the questions at this origin: the ones whose forecasts must not move.
    q = make_questions(d, [origin], (3, 6, 12))
    qs = QuestionSet(questions=q.assign(id=q["subject"] + "|" + q["horizon"].astype(str)), classes={d.name: d})
    probs = run_forecasters(qs, get_forecasters(["all"]), covariates=empty_covariates())
    probs.index = qs.questions["id"]
    return probs.stack()


ORIGINS = grid(pd.Timestamp("2010-01-01"), pd.Timestamp("2012-01-01"), 3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    origin=st.sampled_from(ORIGINS),
    edit=st.sampled_from(["change", "add", "delete"]),
    k=st.integers(1, 30),
    salt=st.integers(0, 10_000),
)
def test_rows_on_or_after_the_origin_change_no_forecast(seed: int, origin: pd.Timestamp, edit: str, k: int, salt: int) -> None:
    events = _table(seed)
    before = _forecasts(events, origin)
    rng = np.random.default_rng(salt)
    late = np.flatnonzero((events["date"] >= origin).to_numpy())
    other = _table(salt, 60)
    other = other[other["date"] >= origin]
    if edit == "change" and len(late):
        pick = rng.choice(late, min(k, len(late)), replace=False)
        events.loc[pick, "cameo_code"] = "190"
        events.loc[pick, "plover"] = "ASSAULT"
        events.loc[pick, "target"] = events.loc[pick, "source"].map(lambda s: "KOR" if s != "KOR" else "PRK")
    elif edit == "add":
        events = pd.concat([events, other.head(k)], ignore_index=True).sort_values("date", kind="stable").reset_index(drop=True)
    elif edit == "delete" and len(late):
        events = events.drop(index=rng.choice(late, min(k, len(late)), replace=False)).reset_index(drop=True)
    after = _forecasts(events, origin)
    common = before.index.intersection(after.index)
    assert len(common) == len(before)  # the same questions are asked at this origin
    np.testing.assert_array_equal(before[common].to_numpy(), after[common].to_numpy())


def test_a_row_before_the_origin_does_change_forecasts() -> None:
    """The property above is not vacuous: editing the past moves the forecasts."""
    events = _table(3)
    origin = pd.Timestamp("2011-01-01")
    before = _forecasts(events, origin)
    early = events.index[events["date"] < origin]
    events.loc[early, "cameo_code"] = "190"
    events.loc[early, "plover"] = "ASSAULT"
    after = _forecasts(events, origin)
    assert not np.allclose(before.to_numpy(), after.to_numpy())


def test_history_refuses_to_look_ahead() -> None:
    events = read_events(HERE / "events_2016.csv", TINY)
    d = get_class("dyad-event:ASSAULT").build(Inputs(_events=events, use_default_events=False), pd.Timestamp("2016-04-01"))
    h = History.at(d, pd.Timestamp("2016-07-01"))
    assert (h.data.occurrences["date"] < pd.Timestamp("2016-07-01")).all()
    assert all(((v & ((1 << 20) - 1)) < (pd.Timestamp("2016-07-01") - pd.Timestamp("1800-01-01")).days).all() for v in h.data.keys.values())
    try:
        h.before(pd.Timestamp("2016-08-01"))
    except ValueError as exc:
        assert "cannot look ahead" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("History.before accepted a later day")
    late = make_questions(d, [pd.Timestamp("2016-10-01")], (3,))
    try:
        h.features(late)
    except ValueError as exc:
        assert "after the history's origin" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("features() accepted a question after the origin")


def test_class_data_cut_matches_a_fresh_build() -> None:
    """The fast cut (filtering the parent's key arrays) equals building from the cut table."""
    events = _table(11)
    d = get_class("dyad-event:ASSAULT").build(Inputs(_events=events, use_default_events=False), pd.Timestamp("2010-01-01"))
    day = pd.Timestamp("2011-05-17")
    fast = d.before(day)
    fresh = ClassData(**{**{f: getattr(d, f) for f in ("name", "subjects", "start", "end", "step", "horizons", "eligibility", "context")},
                         "occurrences": d.occurrences[d.occurrences["date"] < day]})
    for kind in fresh.keys:
        np.testing.assert_array_equal(fast.keys[kind], fresh.keys[kind])
