"""From article to model: cleaning, actor resolution, event coding, evaluation and scenario drafts.

The data flow is text → :func:`read_article` / :func:`clean` (sentences) → :class:`EventCoder`
(actors via the :class:`Gazetteer`, PLOVER events) → :func:`draft_scenario` (a scenario with quotes).
spaCy (the ``nlp`` extra) is needed for coding, not for cleaning; nothing is downloaded at run time.
"""

from detente.ingest.article import Ingested, Recommendation, Stance, ingest_article
from detente.ingest.bulk import BulkStats, code_jsonl
from detente.ingest.classifier import SentenceClassifier, cross_validate
from detente.ingest.coder import CLASS_NAMES, MARKERS, CodedSentence, Event, EventCoder
from detente.ingest.draft import draft_scenario, write_draft
from detente.ingest.evaluate import ClassScores, SpanScores, evaluate
from detente.ingest.gazetteer import ActorInfo, Gazetteer, LeaderInfo, Mention
from detente.ingest.text import CleanText, Removed, Sentence, clean, read_article, split_sentences

__all__ = [
    "CLASS_NAMES",
    "MARKERS",
    "ActorInfo",
    "BulkStats",
    "ClassScores",
    "CleanText",
    "CodedSentence",
    "Event",
    "EventCoder",
    "Gazetteer",
    "Ingested",
    "LeaderInfo",
    "Mention",
    "Recommendation",
    "Removed",
    "Sentence",
    "SentenceClassifier",
    "SpanScores",
    "Stance",
    "clean",
    "code_jsonl",
    "cross_validate",
    "draft_scenario",
    "evaluate",
    "ingest_article",
    "read_article",
    "split_sentences",
    "write_draft",
]
