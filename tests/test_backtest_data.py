"""The default question set on the real data directory: size, classes, base rates (skips without data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from detente.backtest import DEFAULT_CLASSES, generate_questions

pytestmark = pytest.mark.slow


def test_the_default_run_asks_enough_questions_from_enough_classes(data_root: Path) -> None:
    qs = generate_questions(data=data_root)
    q = qs.questions
    counts = q.groupby("class").size()
    assert len(q) >= 10_000
    assert set(counts.index) == set(DEFAULT_CLASSES) and len(counts) >= 6
    assert not qs.skipped
    rates = q.groupby("class")["answer"].mean()
    assert ((rates > 0) & (rates < 1)).all()  # every class has yes and no answers
    assert q["id"].is_unique
    # Every window closes within its class's data, and every question is asked at or after its data start.
    for name, d in qs.classes.items():
        sub = q[q["class"] == name]
        assert (sub["end"] <= d.end + pd.Timedelta(days=1)).all()
        assert (sub["origin"] >= d.start).all()
    assert set(q.loc[q["class"] == "new-alliance", "horizon"]) == {12, 24}
    assert q.loc[q["class"] == "missile-test", "origin"].min() == pd.Timestamp("1993-01-01")
