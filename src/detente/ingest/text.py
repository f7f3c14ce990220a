"""Reading an article and cleaning it: web-page furniture, repeated passages, flattened bullets, sentences.

Everything here is plain Python (no spaCy), so cleaning works without the ``nlp`` extra. Each kept
sentence remembers the line of the (converted) text it came from, and its text occurs verbatim in that
text, so a scenario draft can quote it.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from detente.errors import InputError

MAX_ARTICLE_BYTES = 10_000_000
"""Articles above this size are refused: they are corpora, and ``detente code-events`` streams those."""

Format = Literal["text", "html", "markdown"]


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article, with the 1-based line and paragraph it came from.

    ``kind`` is ``"sentence"``, ``"item"`` (a list item, often not a full sentence) or ``"heading"``.
    """

    text: str
    line: int
    paragraph: int
    kind: str = "sentence"


@dataclass(frozen=True)
class Removed:
    """A passage the cleaner dropped, why, and (for a repeat) the line of the copy it kept."""

    text: str
    line: int
    reason: Literal["furniture", "disclaimer", "navigation", "repeat"]
    kept_line: int | None = None


@dataclass
class CleanText:
    """The outcome of cleaning: the text quotes are checked against, its sentences and what was dropped."""

    text: str
    format: Format
    sentences: list[Sentence] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    bullets_repaired: int = 0
    headings_split: int = 0

    @property
    def repeats(self) -> list[Removed]:
        """The sentences dropped because they repeat a later passage (a summary at the top)."""
        return [r for r in self.removed if r.reason == "repeat"]

    @property
    def furniture(self) -> list[Removed]:
        """The web-page furniture dropped: teaser blocks and disclaimers."""
        return [r for r in self.removed if r.reason != "repeat"]


# ---------------------------------------------------------------------------------------------
# Reading


def read_text_file(
    path: Path, *, what: str, fix: str, max_bytes: int | None = None, too_big: str = ""
) -> str:
    """Read a UTF-8 text file, refusing a missing, directory, oversized, empty or binary one.

    Every refusal is an :class:`InputError` of one line naming the file, the problem and the fix
    (``fix`` says what to give instead; ``too_big`` what to do about a file above ``max_bytes``).
    """
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not {what} (fix: {fix})")
    try:
        size = path.stat().st_size
    except OSError:
        raise InputError(f"{path}: no such file (fix: check the path; {fix})") from None
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            f"{path}: is {size / 1e6:.1f} MB; files above {max_bytes / 1e6:.0f} MB are not read as {what} "
            f"(fix: {too_big or fix})"
        )
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path}: is empty (fix: {fix})")
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: is a binary file, not text (fix: {fix})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 text (byte {exc.start}) (fix: save it as UTF-8)") from None


def read_article(path: str | Path, *, max_bytes: int = MAX_ARTICLE_BYTES) -> tuple[str, Format]:
    """Read an article file and convert it to plain lines of text.

    Args:
        path: A plain-text, HTML (``.html``/``.htm`` or starting with a tag) or Markdown (``.md``) file.
        max_bytes: Refuse larger files.

    Returns:
        The text (HTML and Markdown converted to plain lines) and the format it was read as.

    Raises:
        InputError: The file is missing, a directory, empty, binary, not UTF-8 or too large.
    """
    p = Path(path)
    text = read_text_file(
        p,
        what="an article",
        fix="give a .txt, .html or .md article",
        max_bytes=max_bytes,
        too_big="give one article, or put its sentences in a JSONL file for `detente code-events`",
    )
    fmt = detect_format(text, p.suffix)
    if fmt == "html":
        text = html_to_text(text)
    elif fmt == "markdown":
        text = markdown_to_text(text)
    if not text.strip():
        raise InputError(f"{p}: has no text once markup is removed (fix: give an article with prose)")
    return text, fmt


def detect_format(text: str, suffix: str = "") -> Format:
    """Guess an article's format from its file suffix, else from its first characters."""
    suffix = suffix.lower()
    if suffix in {".html", ".htm", ".xhtml"}:
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) or re.search(r"<(p|div|body|article)[\s>]", head):
        return "html"
    return "text"


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "blockquote", "header", "footer", "aside", "nav", "figure", "figcaption",
    "title", "pre", "hr", "dd", "dt",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "nav", "aside", "footer", "header", "noscript", "form", "button", "svg", "figure"}


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML page, one line per block element, leaving out navigation."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(text: str) -> str:
    """Plain text of an HTML page: one line per paragraph or list item, scripts and navigation left out."""
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def markdown_to_text(text: str) -> str:
    """Plain text of a Markdown document: markup, links, images and code fences removed."""
    out: list[str] = []
    fence = False
    for line in text.splitlines():
        if line.strip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
        line = re.sub(r"^\s*>\s?", "", line)
        line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line)
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
        line = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", line)
        line = re.sub(r"`([^`]*)`", r"\1", line)
        line = re.sub(r"<[^>]+>", "", line)
        if re.fullmatch(r"\s*([-*_]\s*){3,}", line):
            line = ""
        out.append(html.unescape(line).rstrip())
    return "\n".join(out).strip() + "\n"


# ---------------------------------------------------------------------------------------------
# Cleaning

_DISCLAIMER = re.compile(
    r"(views expressed (are|in this)|do(es)? not necessarily (reflect|represent)|all rights reserved|"
    r"^©|copyright ©|subscribe to (our|the) newsletter|sign up for|share this (article|page)|"
    r"^read more\b|cookies? (policy|settings)|terms of (use|service)|privacy policy|follow us on|"
    r"^advertisement$|^related articles?$|^tags?:)",
    re.IGNORECASE,
)
# Menus and breadcrumbs: "Home | World | Opinions", "News › Asia › Korea".
_NAVIGATION = re.compile(r"^(?:[^|.!?]{1,30}\|){2,}[^|.!?]{1,30}$|^[^.!?]{0,80}[›»][^.!?]{0,80}[›»]")
# A stray marker left where a bullet list was flattened into one line: "…; S Intensifying …".
_BULLET = re.compile(r"(?<=[;.:])\s+(?:S|•|▪|●|◦|·|-|–|\*)\s+(?=[A-Z“\"])")
# A heading glued to the next paragraph: "…caused by US “arrogance”The hegemonic …".
_GLUED = re.compile(r"(?<=[a-z”\"’)])(?=(?:The|This|That|These|In|As|But|However|While|With|When|For|A|An|It|Since|After|On)\s)|(?<=[”\"])(?=[A-Z][a-z])")
_ORDINAL = re.compile(r"^(First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Finally|Lastly)\b,?")


def _is_short_label(line: str, words: int = 6) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(stripped.split()) <= words and not re.search(r"[.!:;,]$", stripped)


def _teaser_blocks(lines: list[str]) -> set[int]:
    """Indexes of lines in teaser blocks: a run of 3+ lines opening and closing with a short label.

    A saved web page shows other articles as a block: a rubric ("Norms and Values"), a title, an
    author, a one-paragraph blurb, and a label ("Opinions"), with no blank line inside.
    """
    out: set[int] = set()
    i = 0
    n = len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < n and lines[j].strip():
            j += 1
        run = list(range(i, j))
        if (
            len(run) >= 3
            and i > 0  # the page's own title block comes first
            and _is_short_label(lines[run[0]])
            and _is_short_label(lines[run[-1]], 3)
            and sum(_is_short_label(lines[k], 12) for k in run) >= len(run) - 1
        ):
            out.update(run)
        i = j
    return out


_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "sgt", "st", "jr", "sr",
    "no", "vol", "fig", "e.g", "i.e", "etc", "vs", "approx", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "inc", "ltd", "co", "corp",
    "gov", "sen", "rep", "amb", "rev", "mt", "ft", "est", "dept", "univ",
}  # fmt: skip
_SPLIT = re.compile(r"(?<=[.!?])([”\"’')\]]*)\s+(?=[“\"‘'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences at ``.``, ``!`` or ``?`` before a capital, sparing abbreviations.

    Each sentence is a verbatim slice of ``text`` (stripped), so it can be quoted.
    """
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        end = m.start() + len(m.group(1))
        before = text[start : m.start()].rstrip()
        last = re.search(r"([A-Za-z.]+)\.$", before)
        if last:
            word = last.group(1).lower().rstrip(".")
            if word in _ABBREV or re.fullmatch(r"[a-z]", word) or re.fullmatch(r"([a-z]\.)+[a-z]", word):
                continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "of", "and", "or", "to", "in", "on", "its", "it", "is", "as", "that", "this", "with", "for", "by", "be"}


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _is_repeat(a: list[str], b: list[str]) -> bool:
    """Whether sentence ``a`` repeats ``b``: most of the shorter one's words and word pairs are in the other."""
    sa = {w for w in a if w not in _STOP}
    sb = {w for w in b if w not in _STOP}
    if min(len(sa), len(sb)) < 5:
        return False
    uni = len(sa & sb) / min(len(sa), len(sb))
    if uni < 0.8:
        return False
    pa, pb = set(zip(a, a[1:], strict=False)), set(zip(b, b[1:], strict=False))
    return len(pa & pb) / max(1, min(len(pa), len(pb))) >= 0.5


def _later_repeats(sentences: list[Sentence], toks: list[list[str]], common: int = 200) -> dict[int, int]:
    """For each sentence that a later one (on another line) repeats, the index of the first such one.

    Candidates come from an index of content words, so a long article costs about linear time: a
    repeat shares most of its words, and at least two that are not among the ``common`` commonest.
    """
    postings: dict[str, list[int]] = {}
    for k, words in enumerate(toks):
        for w in {w for w in words if w not in _STOP}:
            postings.setdefault(w, []).append(k)
    out: dict[int, int] = {}
    for k, words in enumerate(toks):
        shared: Counter[int] = Counter()
        for w in {w for w in words if w not in _STOP}:
            docs = postings[w]
            if len(docs) <= common:
                shared.update(m for m in docs if m > k)
        for m in sorted(m for m, n in shared.items() if n >= 2):
            if sentences[m].line != sentences[k].line and _is_repeat(toks[k], toks[m]):
                out[k] = m
                break
    return out


def clean(text: str, fmt: Format = "text") -> CleanText:
    """Clean an article's text and split it into sentences.

    Drops disclaimers, menus and teaser blocks for other articles, splits flattened bullet lists (the stray
    ``S`` between items) and headings glued to a paragraph, and drops sentences that repeat a later
    passage (a summary at the top that the body repeats), keeping the later copy.

    Args:
        text: The article as plain lines (see :func:`read_article`).
        fmt: The format the text was read as, kept in the result.

    Returns:
        The cleaned sentences (in order, with line numbers) and a record of what was removed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result = CleanText(text=text, format=fmt)
    lines = text.split("\n")
    drop: dict[int, str] = {}
    for i, line in enumerate(lines):
        if _DISCLAIMER.search(line.strip()):
            drop[i] = "disclaimer"
        elif _NAVIGATION.search(line.strip()):
            drop[i] = "navigation"
    kept_lines = [("" if i in drop else line) for i, line in enumerate(lines)]
    for i in _teaser_blocks(kept_lines):
        drop.setdefault(i, "furniture")
    for i in sorted(drop):
        if lines[i].strip():
            reason = drop[i]
            result.removed.append(Removed(lines[i].strip(), i + 1, reason))  # type: ignore[arg-type]

    candidates: list[Sentence] = []
    paragraph = 0
    for i, line in enumerate(lines):
        if i in drop or not line.strip():
            continue
        paragraph += 1
        pieces = _GLUED.split(line.strip())
        result.headings_split += len(pieces) - 1
        for piece in pieces:
            items = _BULLET.split(piece)
            result.bullets_repaired += len(items) - 1
            is_list = len(items) > 1
            for item in items:
                item = item.strip()
                if not item:
                    continue
                title = paragraph == 1 and len(pieces) == 1 and len(item.split()) <= 10 and not item.endswith(".")
                if not is_list and (title or (_is_short_label(item, 14) and not re.search(r"[.!?]$", item))):
                    candidates.append(Sentence(item, i + 1, paragraph, "heading"))
                    continue
                for piece_text in split_sentences(item):
                    kind = "item" if is_list else "sentence"
                    candidates.append(Sentence(piece_text, i + 1, paragraph, kind))

    toks = [_tokens(s.text) for s in candidates]
    later_copy = _later_repeats(candidates, toks)
    for k, sent in enumerate(candidates):
        later = later_copy.get(k)
        if later is not None and sent.kind != "heading":
            result.removed.append(Removed(sent.text, sent.line, "repeat", candidates[later].line))
            continue
        result.sentences.append(sent)
    result.removed.sort(key=lambda r: r.line)
    return result


def is_ordinal_item(sentence: str) -> bool:
    """Whether a sentence opens a numbered point ("First, …", "Second, …")."""
    return bool(_ORDINAL.match(sentence.strip()))
