"""Coding sentences in bulk: JSONL in, JSONL out, streamed in chunks, optionally over worker processes.

Input lines are ``{"id": …, "text": …}``; output lines ``{"id": …, "events": […]}`` in input order. A
malformed line is reported with its line number and skipped (or, with ``strict``, stops the run). Memory
stays bounded by ``chunk_size × workers`` lines whatever the size of the file.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from detente.errors import InputError
from detente.ingest.coder import EventCoder


@dataclass
class BulkStats:
    """What a bulk run did: lines read, sentences coded, events found, lines skipped (with reasons)."""

    lines: int = 0
    coded: int = 0
    events: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def check_input(path: Path) -> None:
    """Refuse a missing, empty or binary input file with a one-line message."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory (fix: give a JSONL file of {{\"id\": …, \"text\": …}} lines)")
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (fix: check the sentences file path)") from None
    if not head.strip():
        raise InputError(f"{path}: is empty (fix: give one JSON object per line: {{\"id\": 1, \"text\": \"…\"}})")
    if b"\x00" in head:
        raise InputError(f"{path}: is a binary file, not JSONL text (fix: give one JSON object per line)")


def parse_line(line: str) -> tuple[Any, str]:
    """The ``(id, text)`` of one JSONL line; ``ValueError`` naming the problem if it is malformed."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object with \"id\" and \"text\", got {type(obj).__name__}")
    if "text" not in obj:
        raise ValueError("no \"text\" field")
    if not isinstance(obj["text"], str):
        raise ValueError(f"\"text\" is {type(obj['text']).__name__}, not a string")
    if "id" not in obj:
        raise ValueError("no \"id\" field")
    for name, value in (("text", obj["text"]), ("id", json.dumps(obj["id"], ensure_ascii=False))):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"\"{name}\" holds a lone surrogate ({value[exc.start]!r} at character {exc.start})"
            ) from None
    return obj["id"], obj["text"]


def _code_chunk(chunk: list[tuple[Any, str]]) -> list[tuple[str, int]]:
    coder = EventCoder.load()
    coded = coder.code_many([text for _, text in chunk])
    return [
        (json.dumps({"id": ident, "events": [e.to_dict() for e in c.events]}, ensure_ascii=False), len(c.events))
        for (ident, _), c in zip(chunk, coded, strict=True)
    ]


def _chunks(
    fh: BinaryIO,
    path: Path,
    stats: BulkStats,
    strict: bool,
    chunk_size: int,
    on_skip: Callable[[int, str], None] | None,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[list[tuple[Any, str]]]:
    chunk: list[tuple[Any, str]] = []
    for number, raw in enumerate(fh, start=1):
        stats.lines = number
        if on_bytes is not None:
            on_bytes(len(raw))
        if not raw.strip():
            continue
        try:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"not UTF-8 text (byte {exc.start} of the line)") from None
            chunk.append(parse_line(line))
        except ValueError as exc:
            if strict:
                raise InputError(f"{path}:{number}: {exc} (fix: correct the line, or drop --strict to skip it)") from None
            stats.skipped.append((number, str(exc)))
            if on_skip is not None:
                on_skip(number, str(exc))
            continue
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def code_jsonl(
    src: str | Path,
    out: str | Path,
    *,
    workers: int = 1,
    strict: bool = False,
    chunk_size: int = 256,
    on_skip: Callable[[int, str], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> BulkStats:
    """Code every sentence of a JSONL file into events, writing JSONL in the same order.

    Args:
        src: Input lines ``{"id": …, "text": …}``.
        out: Output file, written line by line as chunks complete.
        workers: Worker processes (1 codes in this process). Output is the same for any number.
        strict: Stop at the first malformed line (an :class:`InputError`) instead of skipping it.
        chunk_size: Sentences per unit of work.
        on_skip: Called with ``(line number, reason)`` for each skipped line.
        on_bytes: Called with the bytes of each line read (for a progress bar).

    Returns:
        Counts of lines, coded sentences and events, and the skipped lines.
    """
    src, out = Path(src), Path(out)
    if workers < 1:
        raise InputError(f"--workers {workers}: must be at least 1 (fix: use --workers 1 or more)")
    check_input(src)
    stats = BulkStats()
    with src.open("rb") as fh, out.open("w", encoding="utf-8") as sink:
        chunks = _chunks(fh, src, stats, strict, chunk_size, on_skip, on_bytes)
        if workers == 1:
            results: Iterator[list[tuple[str, int]]] = map(_code_chunk, chunks)
            _drain(results, sink, stats)
        else:
            EventCoder.load()  # build once here; forked workers inherit it
            # Fork shares the built coder with the workers; where there is no fork, each builds its own.
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            ctx = multiprocessing.get_context(method)
            with ctx.Pool(workers) as pool:
                _drain(_bounded(pool, chunks, 4 * workers), sink, stats)
    return stats


def _bounded(pool: Any, chunks: Iterator[list[tuple[Any, str]]], window: int) -> Iterator[list[tuple[str, int]]]:
    """Results in input order, with at most ``window`` chunks in flight.

    ``Pool.imap`` would read the whole input ahead, holding a 200 MB file in memory.
    """
    pending: deque[Any] = deque()
    for chunk in chunks:
        pending.append(pool.apply_async(_code_chunk, (chunk,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _drain(results: Iterator[list[tuple[str, int]]], sink: TextIO, stats: BulkStats) -> None:
    for lines in results:
        for line, n_events in lines:
            sink.write(line + "\n")
            stats.coded += 1
            stats.events += n_events
