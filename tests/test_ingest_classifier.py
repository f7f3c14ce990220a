"""The naive Bayes sentence classifier: fitting, reproducible cross-validation, and its dev-file figure."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.ingest.classifier import SentenceClassifier, cross_validate, features
from detente.ingest.evaluate import read_class_gold

CONFLICT = ["troops attacked the town", "rebels shelled the city", "forces bombed the village", "militants attacked a base"]
COOPERATION = ["leaders met for talks", "ministers held talks", "the two presidents met", "envoys met for friendly talks"]


def test_features_are_words_and_word_pairs() -> None:
    assert features("Troops attacked, again!") == {"troops", "attacked", "again", "troops_attacked", "attacked_again"}


def test_classifier_learns_a_separable_toy_problem() -> None:
    model = SentenceClassifier.fit(CONFLICT + COOPERATION, [4] * 4 + [1] * 4, min_count=1)
    assert model.predict(["soldiers attacked the city", "the ministers met"]) == [4, 1]


def test_fit_refuses_mismatched_labels() -> None:
    with pytest.raises(ValueError, match="as many labels"):
        SentenceClassifier.fit(["a", "b"], [1])


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_cross_validation_is_reproducible_for_a_seed(seed: int) -> None:
    texts = CONFLICT + COOPERATION
    labels = [4] * 4 + [1] * 4
    first = cross_validate(texts, labels, folds=4, seed=seed)
    assert first == cross_validate(texts, labels, folds=4, seed=seed)
    assert len(first) == len(texts) and set(first) <= {0, 1, 2, 3, 4}


def test_cross_validated_classifier_beats_majority_on_dev_file(data_root: Path) -> None:
    gold = read_class_gold(data_root / "events" / "news" / "cameo_class_train.tsv")
    texts, labels = [s for s, _ in gold], [y for _, y in gold]
    pred = cross_validate(texts, labels, folds=5, seed=0)
    accuracy = sum(p == y for p, y in zip(pred, labels, strict=True)) / len(labels)
    majority = max(labels.count(c) for c in range(5)) / len(labels)
    assert accuracy > majority + 0.3


def test_ingest_namespace() -> None:
    import detente.ingest

    for name in detente.ingest.__all__:
        assert hasattr(detente.ingest, name), name
