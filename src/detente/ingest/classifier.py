"""A small sentence classifier for the Phoenix pentaclass, trained from a labelled file when asked.

Multinomial naive Bayes over the set of lower-cased words and word pairs of a sentence (features seen
fewer than ``min_count`` times in training are dropped; Laplace smoothing ``alpha``). It predicts a
sentence's class only, not its events; the rule-based coder does those. Nothing is shipped pre-trained:
the labelled news sentences come under other terms than the package, so a model is fitted in memory from
the file a user names (``detente eval-events GOLD --train TRAIN``), which takes well under a second.

References:
    - McCallum & Nigam (1998). A comparison of event models for naive Bayes text classification.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[a-z]+")


def features(text: str) -> set[str]:
    """The lower-cased words and adjacent word pairs of a sentence."""
    words = _WORD.findall(text.lower())
    return set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


@dataclass(frozen=True)
class SentenceClassifier:
    """A fitted naive Bayes model: class log-priors and per-feature log-likelihoods."""

    log_prior: tuple[float, ...]
    log_likelihood: dict[str, tuple[float, ...]]

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[int], *, n_classes: int = 5, alpha: float = 1.0, min_count: int = 2
    ) -> SentenceClassifier:
        """Fit the model on labelled sentences (labels in ``0 … n_classes-1``)."""
        if len(texts) != len(labels) or not texts:
            raise ValueError("need as many labels as sentences, and at least one of each")
        counts = [Counter[str]() for _ in range(n_classes)]
        prior = np.zeros(n_classes)
        for text, label in zip(texts, labels, strict=True):
            prior[label] += 1
            counts[label].update(features(text))
        total: Counter[str] = Counter()
        for c in counts:
            total.update(c)
        vocab = sorted(f for f, n in total.items() if n >= min_count)
        sums = [sum(c[f] for f in vocab) for c in counts]
        denom = [s + alpha * len(vocab) for s in sums]
        loglik = {
            f: tuple(math.log((counts[k][f] + alpha) / denom[k]) for k in range(n_classes)) for f in vocab
        }
        # A class absent from training gets a tiny prior rather than log(0).
        log_prior = tuple(math.log((p + 1e-9) / prior.sum()) for p in prior)
        return cls(log_prior=log_prior, log_likelihood=loglik)

    def predict(self, texts: Sequence[str]) -> list[int]:
        """The most probable class of each sentence."""
        out = []
        base = np.array(self.log_prior)
        for text in texts:
            score = base.copy()
            for f in features(text):
                ll = self.log_likelihood.get(f)
                if ll is not None:
                    score += ll
            out.append(int(score.argmax()))
        return out


def cross_validate(
    texts: Sequence[str], labels: Sequence[int], *, folds: int = 5, seed: int = 0
) -> list[int]:
    """Out-of-fold predictions: each sentence is predicted by a model fitted on the other folds.

    The folds are a random partition drawn from ``SeedSequence(seed)``, so the result is reproducible.
    """
    n = len(texts)
    if n < folds:
        raise ValueError(f"need at least {folds} sentences for {folds}-fold cross-validation, got {n}")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    order = rng.permutation(n)
    pred = [0] * n
    for part in np.array_split(order, folds):
        held = set(part.tolist())
        train = [i for i in range(n) if i not in held]
        model = SentenceClassifier.fit([texts[i] for i in train], [labels[i] for i in train])
        for i, p in zip(part.tolist(), model.predict([texts[i] for i in part.tolist()]), strict=True):
            pred[i] = p
    return pred
