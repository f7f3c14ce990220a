"""Articles are third-party data: found by SHA-256 in the article folders, never shipped."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from detente.scenario import load_scenario, shipped_scenarios
from detente.scenario.checks import quote_check, walk
from detente.scenario.io import load_scenario_file
from detente.scenario.model import Provenance
from detente.scenario.sources import ArticleState, resolve_article
from tests.cli_run import run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty article folder, and a data directory without articles: nothing else is searched."""
    arts = tmp_path / "saved"
    arts.mkdir()
    monkeypatch.setenv("DETENTE_ARTICLES", str(arts))
    monkeypatch.setenv("DETENTE_DATA", str(tmp_path / "no-data"))
    return arts


def n_quotes(sid: str) -> int:
    s = load_scenario(sid, check_quotes=False)
    return sum(1 for _, o in walk(s) if isinstance(o, Provenance) and o.quote)


def test_no_article_is_shipped() -> None:
    shipped = ROOT / "src/detente/data/articles"
    assert sorted(p.name for p in shipped.iterdir()) == ["README.md"]


@pytest.mark.parametrize("sid", ["korea-2018", "eurasia-2023"])
def test_pinned_hash_is_the_hash_of_the_article_found(seeds_dir: Path, sid: str) -> None:
    path = shipped_scenarios()[sid]
    articles = [s for s in load_scenario(sid, check_quotes=False).sources if s.kind.value == "article"]
    assert articles and all(s.sha256 for s in articles)
    for src in articles:
        found = resolve_article(src, path)
        assert found.state is ArticleState.FOUND and found.path is not None
        assert hashlib.sha256(found.path.read_bytes()).hexdigest() == src.sha256


def test_article_under_another_name_is_found_by_hash(
    seeds_dir: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copyfile(seeds_dir / "valdai-2018-korea.txt", folder / "saved page (1).txt")
    loaded = load_scenario_file("korea-2018", check_quotes=False)
    result = quote_check(loaded.scenario, loaded.path)
    assert result.checked == n_quotes("korea-2018") > 19 and not result.missing
    code, out, err = run(["validate", "korea-2018"], capsys)
    assert code == 0 and f"{result.checked} quotes found in their sources" in out
    assert "not checked" not in out + err


def test_absent_article_leaves_its_quotes_unchecked_and_says_how_to_supply_it(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded = load_scenario_file("korea-2018")  # loads (simulate, show need no article)
    result = quote_check(loaded.scenario, loaded.path)
    assert result.checked == 0 and result.unchecked == {"valdai-2018": n_quotes("korea-2018")}
    code, out, err = run(["validate", "korea-2018"], capsys)
    assert code == 0, err
    lines = [line for line in err.splitlines() if "not checked" in line]
    assert len(lines) == 1
    assert f"{n_quotes('korea-2018')} quotes not checked: article 'valdai-2018'" in lines[0]
    want = str(tmp_path / "no-data" / "articles" / "valdai-2018-korea.txt")
    assert want in lines[0].replace("\n", "") and "DETENTE_ARTICLES" in lines[0]


def test_modified_copy_is_a_hash_mismatch_error(
    seeds_dir: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (seeds_dir / "valdai-2018-korea.txt").read_text("utf-8")
    (folder / "valdai-2018-korea.txt").write_text(text.replace("Washington", "Washington DC", 1), "utf-8")
    code, out, err = run(["validate", "korea-2018"], capsys)
    assert code == 2 and not out
    assert err.startswith("Error: ") and "sources[0].sha256" in err and "valdai-2018" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("pin", ["none", "right", "wrong"])
def test_user_scenario_reads_the_article_beside_it(
    folder: Path, tmp_path: Path, pin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that exists beside the scenario is used first (examples/, the tutorial); a pin is checked."""
    shutil.copyfile(ROOT / "tests/data/tiny-article.txt", tmp_path / "tiny-article.txt")
    digest = hashlib.sha256((tmp_path / "tiny-article.txt").read_bytes()).hexdigest()
    pinned = {"none": "", "right": f'sha256 = "{digest}"\n', "wrong": f'sha256 = "{"0" * 64}"\n'}[pin]
    text = (ROOT / "tests/data/tiny.toml").read_text("utf-8")
    scen = tmp_path / "tiny.toml"
    scen.write_text(text.replace('path = "tiny-article.txt"\n', f'path = "tiny-article.txt"\n{pinned}'), "utf-8")
    code, out, err = run(["validate", str(scen)], capsys)
    if pin == "wrong":
        assert code == 2 and "sources[0].sha256" in err
    else:
        assert code == 0, err
        assert " 0 quotes found" not in out and "quotes found in their sources" in out


def test_data_status_lists_each_article_present_or_missing(
    seeds_dir: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(["data", "status"], capsys)
    rows = [line for line in out.splitlines() if "valdai-20" in line]
    assert code == 0 and len(rows) == 2 and all("missing" in r for r in rows)
    shutil.copyfile(seeds_dir / "valdai-2023-jeh.txt", folder / "jeh.txt")
    code, out, _ = run(["data", "status"], capsys)
    rows = {r.split("│")[2].strip(): r for r in out.splitlines() if "valdai-20" in r}
    assert "missing" in rows["valdai-2018-korea.txt"]
    assert "present" in rows["valdai-2023-jeh.txt"] and "jeh.txt" in rows["valdai-2023-jeh.txt"]
