"""Finding the text of an article a scenario cites, so that its quotes can be checked.

detente ships no third-party article. A ``[[sources]]`` entry of kind ``article`` names a file
(``path``) and may pin its exact bytes with ``sha256``. The text is looked for in this order:

1. ``path``, relative to the scenario file (a user's own scenario beside its articles);
2. when the source has a ``sha256``: a file with that SHA-256 in the **article folders**, the
   ``DETENTE_ARTICLES`` folders (separated by ``os.pathsep``) and then ``<data directory>/articles/``
   (see :mod:`detente.datadir`). Matching is by content, so a saved article may have any name.

An article that is nowhere is *missing*: its quotes are not checked (``detente validate`` says so). A
file that is found under the article's name, or at ``path``, but whose bytes do not have the pinned
SHA-256 is a *mismatch*: an edited or different copy, reported as an error.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from detente.datadir import data_dir
from detente.scenario.model import Source

ENV_VAR = "DETENTE_ARTICLES"
"""Environment variable: extra article folders, separated by ``os.pathsep``."""

_hash_cache: dict[tuple[str, int, int], str] = {}


class ArticleState(StrEnum):
    """How an article source was resolved."""

    FOUND = "found"
    MISSING = "missing"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class ArticleLookup:
    """Where an article source's text is, or why it is not usable.

    Attributes:
        source: The ``[[sources]]`` entry.
        state: Found, missing, or found with different bytes than its ``sha256``.
        path: The file found (for a mismatch, the file whose hash differs); None when missing.
        digest: The SHA-256 of the file found, if any.
    """

    source: Source
    state: ArticleState
    path: Path | None = None
    digest: str | None = None

    @property
    def file_name(self) -> str:
        """The article's file name (the last part of its ``path``)."""
        return PurePosixPath(self.source.path or self.source.id).name


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's exact bytes (cached by path, size and modification time)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _hash_cache:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _hash_cache[key] = digest.hexdigest()
    return _hash_cache[key]


def article_dirs(data: str | Path | None = None) -> list[Path]:
    """The article folders, in search order: ``$DETENTE_ARTICLES`` folders, then ``<data>/articles``."""
    env = os.environ.get(ENV_VAR, "")
    out = [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    out.append(data_dir(data) / "articles")
    return out


def default_article_dir(data: str | Path | None = None) -> Path:
    """The folder a user saves articles in: ``<data directory>/articles``."""
    return data_dir(data) / "articles"


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError:
        return []


def find_by_hash(digest: str, folders: list[Path]) -> Path | None:
    """The first file in ``folders`` (not their subfolders) whose SHA-256 is ``digest``."""
    for folder in folders:
        for p in _files(folder):
            try:
                if file_sha256(p) == digest:
                    return p
            except OSError:
                continue
    return None


def resolve_article(source: Source, scenario_file: str | Path, data: str | Path | None = None) -> ArticleLookup:
    """Find the text of an article source (see the module docstring for the order).

    Args:
        source: A ``[[sources]]`` entry with a ``path``.
        scenario_file: The scenario file; ``path`` is relative to its folder.
        data: An explicit data directory (default: :func:`detente.datadir.data_dir`).

    Returns:
        Where the text is, or that it is missing, or that the file found has other bytes than ``sha256``.
    """
    want = source.sha256
    if source.path is not None:
        local = (Path(scenario_file).parent / source.path).resolve()
        if local.is_file():
            got = file_sha256(local)
            state = ArticleState.FOUND if want is None or got == want else ArticleState.MISMATCH
            return ArticleLookup(source, state, local, got)
    if want is None:
        return ArticleLookup(source, ArticleState.MISSING)
    folders = article_dirs(data)
    found = find_by_hash(want, folders)
    if found is not None:
        return ArticleLookup(source, ArticleState.FOUND, found, want)
    name = PurePosixPath(source.path or source.id).name
    for folder in folders:
        candidate = folder / name
        if candidate.is_file():
            return ArticleLookup(source, ArticleState.MISMATCH, candidate, file_sha256(candidate))
    return ArticleLookup(source, ArticleState.MISSING)


def missing_fix(lookup: ArticleLookup, data: str | Path | None = None) -> str:
    """How to supply a missing article: where to save it, or the variable to set."""
    return f"save it as {default_article_dir(data) / lookup.file_name} or set {ENV_VAR}"


def shipped_articles(data: str | Path | None = None) -> list[tuple[str, ArticleLookup]]:
    """Every article the shipped scenarios pin by ``sha256``, with where it was found (``detente data status``).

    Returns:
        ``(scenario id, lookup)`` pairs, in scenario order.
    """
    from detente.scenario.io import parse_scenario, shipped_scenarios

    out: list[tuple[str, ArticleLookup]] = []
    for sid, path in shipped_scenarios().items():
        for src in parse_scenario(path.read_text("utf-8"), path).sources:
            if src.path is not None and src.sha256 is not None:
                out.append((sid, resolve_article(src, path, data)))
    return out
