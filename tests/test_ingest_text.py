"""Cleaning articles: furniture, repeated passages, flattened bullets, sentences, bad files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.errors import InputError
from detente.ingest.text import clean, read_article, split_sentences
from detente.scenario.checks import quote_in_text

KOREA = "valdai-2018-korea.txt"
EURASIA = "valdai-2023-jeh.txt"


def seed(seeds_dir: Path, name: str) -> Path:
    return seeds_dir / name


def test_teaser_blocks_and_disclaimer_are_dropped(seeds_dir: Path) -> None:
    text, fmt = read_article(seed(seeds_dir, EURASIA))
    cleaned = clean(text, fmt)
    kept = "\n".join(s.text for s in cleaned.sentences)
    # The teaser blocks: rubric, title, author, blurb, label — none survives.
    for furniture in ("Norms and Values", "Igor Istomin", "Modern Diplomacy", "Ukraine Crisis and South Korea",
                      "logistics routes", "take the initiative in the world order", "Opinions"):
        assert furniture in text
        assert furniture not in kept, furniture
    assert "Views expressed" in text and "Views expressed" not in kept
    assert any(r.reason == "disclaimer" for r in cleaned.removed)
    # The paragraphs between and after the teasers are kept.
    assert any(s.text.startswith("Second, the US and Russia") for s in cleaned.sentences)
    assert any("peace through trust" in s.text for s in cleaned.sentences)
    # Only teaser and disclaimer lines are dropped as furniture: short, or the blurbs inside a block.
    for r in cleaned.furniture:
        assert r.line >= 18


def test_glued_heading_is_split_from_its_paragraph(seeds_dir: Path) -> None:
    cleaned = clean(*read_article(seed(seeds_dir, EURASIA)))
    heads = [s.text for s in cleaned.sentences if s.kind == "heading"]
    assert "European security crisis caused by US “arrogance”" in heads
    assert any(s.text.startswith("The hegemonic post-Cold War US strategy") for s in cleaned.sentences)


def test_duplicated_summary_is_reported_and_the_body_kept(seeds_dir: Path) -> None:
    text, fmt = read_article(seed(seeds_dir, KOREA))
    cleaned = clean(text, fmt)
    repeats = cleaned.repeats
    assert len(repeats) >= 8
    # The summary is the first three lines; each repeat points at a later line of the body.
    assert {r.line for r in repeats} <= {1, 2, 3}
    assert all(r.kept_line is not None and r.kept_line > r.line for r in repeats)
    kept_lines = {s.line for s in cleaned.sentences}
    assert {r.kept_line for r in repeats} <= kept_lines
    # The body's numbered points survive once each.
    firsts = [s for s in cleaned.sentences if s.text.startswith("First, strengthening")]
    assert len(firsts) == 1


def test_flattened_bullets_are_repaired(seeds_dir: Path) -> None:
    text, fmt = read_article(seed(seeds_dir, KOREA))
    cleaned = clean(text, fmt)
    assert cleaned.bullets_repaired == len(re.findall(r"; S (?=[A-Z])", text))
    assert all(not re.search(r"; S [A-Z]", s.text) for s in cleaned.sentences)
    items = [r.text for r in cleaned.repeats if r.text.startswith("Intensifying contacts")]
    assert items and not items[0].startswith("S ")


@pytest.mark.parametrize("name", [KOREA, EURASIA])
def test_every_kept_sentence_occurs_in_the_article(seeds_dir: Path, name: str) -> None:
    text, fmt = read_article(seed(seeds_dir, name))
    cleaned = clean(text, fmt)
    assert len(cleaned.sentences) > 20
    for s in cleaned.sentences:
        assert s.text in text.splitlines()[s.line - 1]
        assert quote_in_text(s.text, text)


def test_sentence_splitter_spares_abbreviations() -> None:
    text = "U.S. officials met Mr. Smith on Jan. 5 in Washington. They talked for an hour! Did it help? No."
    assert split_sentences(text) == [
        "U.S. officials met Mr. Smith on Jan. 5 in Washington.",
        "They talked for an hour!",
        "Did it help?",
        "No.",
    ]


words = st.sampled_from(["Russia", "talks", "the", "U.S.", "Mr.", "said", "war", "peace", "5", "China"])
@given(st.lists(st.lists(words, min_size=1, max_size=8), min_size=1, max_size=6), st.sampled_from([".", "!", "?"]))
def test_split_pieces_are_ordered_slices_of_the_text(parts: list[list[str]], end: str) -> None:
    text = " ".join(" ".join(p) + end for p in parts)
    pieces = split_sentences(text)
    assert " ".join(pieces) == text.strip()
    pos = 0
    for piece in pieces:
        found = text.find(piece, pos)
        assert found >= pos
        pos = found + len(piece)


def test_html_article_loses_markup_and_navigation(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text(
        "<html><head><title>T</title><script>var x = 1;</script></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"
        "<article><h1>Talks in Seoul</h1><p>North Korea met South Korea in Seoul. "
        "They agreed to talk &amp; meet again.</p><ul><li>First point.</li><li>Second point.</li></ul></article>"
        "<footer>All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    text, fmt = read_article(page)
    assert fmt == "html"
    cleaned = clean(text, fmt)
    kept = [s.text for s in cleaned.sentences]
    assert "North Korea met South Korea in Seoul." in kept
    assert "They agreed to talk & meet again." in kept
    assert "First point." in kept
    assert not any("var x" in s or "Home" in s or "rights" in s for s in kept)


def test_markdown_article_loses_markup(tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    md.write_text("# Title here\n\nRussia **warned** [NATO](http://x.org) today.\n\n- A point.\n", encoding="utf-8")
    text, fmt = read_article(md)
    assert fmt == "markdown"
    kept = [s.text for s in clean(text, fmt).sentences]
    assert "Russia warned NATO today." in kept
    assert "A point." in kept


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "is a binary file"),
        (b"caf\xe9 au lait", "is not UTF-8 text"),
    ],
)
def test_bad_article_files_are_refused_with_one_clear_message(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(InputError, match=message) as exc:
        read_article(bad)
    assert str(bad) in str(exc.value) and "fix:" in str(exc.value)


def test_missing_directory_and_oversized_articles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_article(tmp_path)
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(200_000_000)  # sparse: no disk used, refused on its size before any read
    with pytest.raises(InputError, match=r"is 200\.0 MB; files above 10 MB are not read as an article"):
        read_article(big)


def test_menus_and_breadcrumbs_are_dropped_and_a_first_sentence_kept() -> None:
    cleaned = clean("Home | World | Opinions | About\nNews › Asia › Korea\nRussia met China. They talked.\n")
    assert [s.text for s in cleaned.sentences] == ["Russia met China.", "They talked."]
    assert [r.reason for r in cleaned.removed] == ["navigation", "navigation"]


line_words = st.sampled_from(["Russia", "met", "China", "the", "U.S.", "talks", "S", ";", "Opinions", "Views expressed", "5"])
lines_ = st.lists(st.lists(line_words, min_size=0, max_size=12).map(" ".join), min_size=1, max_size=10)


@given(lines_, st.booleans())
def test_cleaning_keeps_only_text_of_the_article_and_accounts_for_every_drop(lines: list[str], repeat: bool) -> None:
    if repeat:
        lines = lines + lines  # a passage and its repeat
    text = "\n".join(lines)
    cleaned = clean(text)
    source = text.split("\n")
    for s in cleaned.sentences:
        assert s.text in source[s.line - 1]
    for r in cleaned.removed:
        assert r.text in source[r.line - 1]
        assert r.kept_line is None or r.kept_line > r.line
