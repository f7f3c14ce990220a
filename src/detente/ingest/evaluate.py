"""Scoring the event coder against labelled sentences (the formats of the data directory's ``events/news/``).

Two gold formats are read:

* **class file**: ``sentence<TAB>class`` per line, class 0–4 the Phoenix pentaclass (0 neutral,
  1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict). Scored by
  accuracy and macro-F1, beside the majority-class baseline (always the gold file's commonest class).
* **span file**: ``token TAG`` per line, sentences separated by blank lines, tags ``B/I-S`` (source),
  ``B/I-T`` (target), ``B/I-R`` (both) and ``O``. Scored by span F1 for source and target spans, exact
  (same first and last token) and overlapping (at least one shared token), beside a baseline that takes
  the first capitalised run as the source and the next as the target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from detente.errors import InputError
from detente.ingest.classifier import SentenceClassifier, cross_validate
from detente.ingest.coder import EventCoder
from detente.ingest.text import read_text_file

GoldKind = Literal["class", "span"]


@dataclass(frozen=True)
class ClassScores:
    """Class accuracy and macro-F1 of the coder and of the majority-class baseline."""

    n: int
    accuracy: float
    macro_f1: float
    per_class_f1: tuple[float, ...]
    baseline_class: int
    baseline_accuracy: float
    baseline_macro_f1: float
    confusion: tuple[tuple[int, ...], ...]
    classifier: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class SpanScores:
    """Precision, recall and F1 of source and target spans, exact and overlapping, and a baseline."""

    n: int
    scores: dict[str, dict[str, float]] = field(default_factory=dict)


def detect_gold(path: Path) -> GoldKind:
    """Whether a gold file is a class file or a span file, from its first non-blank lines."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            if "\t" in line and line.rstrip("\n").rsplit("\t", 1)[1].strip().isdigit():
                return "class"
            parts = line.split()
            if len(parts) == 2 and (parts[1] == "O" or parts[1][:2] in {"B-", "I-"}):
                return "span"
            break
    raise InputError(
        f"{path}: neither a class file (sentence<TAB>0-4) nor a span file (token TAG lines) "
        "(fix: give a file in the format of the data directory's events/news/)"
    )


def _read_text(path: Path) -> str:
    return read_text_file(path, what="a gold file", fix="give a labelled file in the format of the data directory's events/news/")


def read_class_gold(path: Path) -> list[tuple[str, int]]:
    """``(sentence, class)`` pairs; lines without a 0–4 class are skipped (the dev file has a few)."""
    out = []
    for line in _read_text(path).splitlines():
        if "\t" not in line:
            continue
        text, label = line.rsplit("\t", 1)
        if label.strip() in {"0", "1", "2", "3", "4"} and text.strip():
            out.append((text.strip(), int(label)))
    if not out:
        raise InputError(f"{path}: no line has a class 0-4 after a tab (fix: sentence<TAB>class per line)")
    return out


def read_span_gold(path: Path) -> list[tuple[list[str], list[str]]]:
    """``(tokens, tags)`` per sentence."""
    out: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            if tokens:
                out.append((tokens, tags))
                tokens, tags = [], []
            continue
        parts = line.rsplit(" ", 1)
        if len(parts) != 2:
            raise InputError(f"{path}:{number}: expected 'token TAG', got {line[:40]!r} (fix: one token and tag per line)")
        tokens.append(parts[0])
        tags.append(parts[1])
    if tokens:
        out.append((tokens, tags))
    return out


def spans_of(tags: list[str]) -> dict[str, set[tuple[int, int]]]:
    """Source and target spans ``(start, end)`` of a BIO tag sequence; ``R`` spans count as both."""
    out: dict[str, set[tuple[int, int]]] = {"source": set(), "target": set()}
    start: int | None = None
    role = ""
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == role):
            for r in ({"S": ["source"], "T": ["target"], "R": ["source", "target"]}).get(role, []):
                out[r].add((start, i))
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, role = i, tag[2:]
    return out


def _f1(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _macro_f1(gold: list[int], pred: list[int], k: int = 5) -> tuple[float, tuple[float, ...]]:
    per = []
    for c in range(k):
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        per.append(_f1(tp, pred.count(c), gold.count(c))["f1"])
    return sum(per) / k, tuple(per)


def score_classes(
    gold: list[tuple[str, int]],
    coder: EventCoder | None = None,
    *,
    train: list[tuple[str, int]] | None = None,
    folds: int = 5,
) -> ClassScores:
    """Score the coder's sentence classes against ``gold``, and the naive Bayes classifier beside it.

    Args:
        gold: Labelled sentences.
        coder: The event coder (the packaged one by default).
        train: Labelled sentences to fit the classifier on, scored on ``gold`` (``"trained"``).
        folds: Also score the classifier by ``folds``-fold cross-validation within ``gold``
            (``"cross-validated"``); 0 to skip.
    """
    coder = coder or EventCoder.load()
    labels = [y for _, y in gold]
    pred = [c.pentaclass for c in coder.code_many([s for s, _ in gold])]
    majority = Counter(labels).most_common(1)[0][0]
    base = [majority] * len(labels)
    macro, per = _macro_f1(labels, pred)
    base_macro, _ = _macro_f1(labels, base)
    confusion = tuple(
        tuple(sum(g == a and p == b for g, p in zip(labels, pred, strict=True)) for b in range(5)) for a in range(5)
    )
    classifier: dict[str, dict[str, float]] = {}
    texts = [s for s, _ in gold]
    if folds and len(gold) >= folds:
        cv = cross_validate(texts, labels, folds=folds)
        classifier[f"{folds}-fold cross-validated"] = _class_row(labels, cv)
    if train:
        model = SentenceClassifier.fit([s for s, _ in train], [y for _, y in train])
        classifier["trained"] = _class_row(labels, model.predict(texts))
    return ClassScores(
        n=len(labels),
        accuracy=sum(g == p for g, p in zip(labels, pred, strict=True)) / len(labels),
        macro_f1=macro,
        per_class_f1=per,
        baseline_class=majority,
        baseline_accuracy=labels.count(majority) / len(labels),
        baseline_macro_f1=base_macro,
        confusion=confusion,
        classifier=classifier,
    )


def _class_row(labels: list[int], pred: list[int]) -> dict[str, float]:
    macro, _ = _macro_f1(labels, pred)
    accuracy = sum(g == p for g, p in zip(labels, pred, strict=True)) / len(labels)
    return {"accuracy": accuracy, "macro_f1": macro}


def _baseline_spans(tokens: list[str]) -> dict[str, set[tuple[int, int]]]:
    runs = []
    i = 0
    while i < len(tokens):
        if tokens[i][:1].isupper():
            j = i + 1
            while j < len(tokens) and tokens[j][:1].isupper():
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return {"source": set(runs[:1]), "target": set(runs[1:2])}


def score_spans(gold: list[tuple[list[str], list[str]]], coder: EventCoder | None = None) -> SpanScores:
    """Score the source and target spans of each sentence's first event against ``gold``."""
    coder = coder or EventCoder.load()
    counts: Counter[str] = Counter()
    for tokens, tags in gold:
        truth = spans_of(tags)
        coded = coder.code_words(tokens)
        pred: dict[str, set[tuple[int, int]]] = {"source": set(), "target": set()}
        event = next((e for e in coded.events if e.source_span or e.target_span), None)
        if event is not None:
            if event.source_span:
                pred["source"].add(event.source_span)
            if event.target_span:
                pred["target"].add(event.target_span)
        for system, spans in (("coder", pred), ("baseline", _baseline_spans(tokens))):
            for role in ("source", "target"):
                counts[f"{system}.{role}.gold"] += len(truth[role])
                counts[f"{system}.{role}.pred"] += len(spans[role])
                counts[f"{system}.{role}.exact"] += len(spans[role] & truth[role])
                counts[f"{system}.{role}.overlap"] += sum(
                    any(a < d and c < b for c, d in truth[role]) for a, b in spans[role]
                )
    scores: dict[str, dict[str, float]] = {}
    for system in ("coder", "baseline"):
        for role in ("source", "target"):
            for match in ("exact", "overlap"):
                scores[f"{system}.{role}.{match}"] = _f1(
                    counts[f"{system}.{role}.{match}"],
                    counts[f"{system}.{role}.pred"],
                    counts[f"{system}.{role}.gold"],
                )
    return SpanScores(n=len(gold), scores=scores)


def evaluate(
    path: str | Path, coder: EventCoder | None = None, *, train: str | Path | None = None, folds: int = 5
) -> ClassScores | SpanScores:
    """Score the coder against one gold file of either format (detected from its content).

    For a class file, the naive Bayes classifier is scored too: by ``folds``-fold cross-validation
    within the file, and, given ``train`` (a class file), fitted on it and scored on the gold file.
    """
    p = Path(path)
    _check_file(p)
    kind = detect_gold(p)
    if kind == "class":
        train_rows = None
        if train is not None:
            t = Path(train)
            _check_file(t)
            if detect_gold(t) != "class":
                raise InputError(f"{t}: --train needs a class file (sentence<TAB>0-4 per line)")
            train_rows = read_class_gold(t)
        return score_classes(read_class_gold(p), coder, train=train_rows, folds=folds)
    return score_spans(read_span_gold(p), coder)


def _check_file(p: Path) -> None:
    _read_text(p)  # refuse missing, empty and binary files with a clear message


__all__ = [
    "ClassScores",
    "SpanScores",
    "detect_gold",
    "evaluate",
    "read_class_gold",
    "read_span_gold",
    "score_classes",
    "score_spans",
    "spans_of",
]
