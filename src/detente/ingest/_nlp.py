"""The one place spaCy is imported: a blank English pipeline, rule-based, with nothing downloaded."""

from __future__ import annotations

from functools import cache
from typing import Any

from detente.errors import DetenteError


class MissingExtraError(DetenteError):
    """An optional dependency (an install extra) that a command needs is not installed."""


@cache
def blank_english() -> Any:
    """A blank spaCy English pipeline (tokenizer only); no model is loaded or downloaded.

    Raises:
        MissingExtraError: spaCy is not installed.
    """
    try:
        import spacy
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingExtraError(
            "event coding needs spaCy, which is not installed "
            "(fix: pip install 'detente[nlp]', or pip install spacy==3.8.18)"
        ) from None
    return spacy.blank("en")
