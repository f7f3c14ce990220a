"""The ingest commands end to end: ingest (with a draft that validates), code-events, eval-events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("spacy")

from detente.cli import main  # noqa: E402
from detente.scenario import load_scenario  # noqa: E402

SEEDS = ["valdai-2018-korea.txt", "valdai-2023-jeh.txt"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.mark.parametrize("name", SEEDS)
def test_ingest_drafts_a_scenario_that_validates_and_shows(event_tables: Path, seeds_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    draft = tmp_path / "drafts" / "draft.toml"
    draft.parent.mkdir()
    code, out, err = run(["ingest", str(seeds_dir / name), "--date", "2018-03-01", "--draft", str(draft)], capsys)
    assert code == 0, err
    assert "it validates" in out
    scenario = load_scenario(draft)  # parse, references and every quote against the article
    states = {a.id for a in scenario.actors if a.kind.value == "state"}
    assert {"USA", "PRK", "KOR", "CHN", "RUS"} <= states
    assert all(a.quote for a in scenario.actors)
    # Relations from the article quote their sentence; those from the history data name their data set.
    datasets = {src.id for src in scenario.sources if src.kind.value == "dataset"}
    assert scenario.relations and all(r.quote or r.source in datasets for r in scenario.relations)
    assert any(r.quote for r in scenario.relations)
    code, out, err = run(["validate", str(draft)], capsys)
    assert code == 0, err
    code, out, err = run(["show", str(draft)], capsys)
    assert code == 0, err
    assert "USA" in out


def test_ingest_reports_the_repeated_summary_and_bullets(event_tables: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ingest", str(seeds_dir / SEEDS[0])], capsys)
    assert code == 0
    assert "Repeated passage:" in out and "lines 1–3" in out
    assert "Repaired 4 flattened bullet(s)" in out


def test_ingest_reports_dropped_furniture(event_tables: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ingest", str(seeds_dir / SEEDS[1]), "--json", "-"], capsys)
    assert code == 0
    data = json.loads(out)
    reasons = {r["reason"] for r in data["removed"]}
    assert {"furniture", "disclaimer", "repeat"} <= reasons
    assert {"USA", "RUS", "NATO", "AUKUS", "AP4"} <= set(data["actors"])


def test_recommendations_become_candidate_strategies(event_tables: Path, seeds_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "k.toml"
    code, _, err = run(["ingest", str(seeds_dir / SEEDS[0]), "--draft", str(draft)], capsys)
    assert code == 0, err
    scenario = load_scenario(draft)
    [strategy] = scenario.strategies
    assert strategy.actor == "RUS"
    assert "must be deployed" in (strategy.quote or "")
    assert len(strategy.components) == 5  # "First, …" to "Fifth, …"
    assert all(c.quote and c.actions[0].actor == "RUS" for c in strategy.components)


def test_html_article_drafts_against_its_cleaned_text(event_tables: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "a.html"
    page.write_text(
        "<html><body><nav>Home</nav><h1>Talks</h1><p>North Korea met South Korea in Seoul. "
        "Washington welcomed the talks &amp; praised Seoul.</p></body></html>",
        encoding="utf-8",
    )
    draft = tmp_path / "a.toml"
    code, _, err = run(["ingest", str(page), "--draft", str(draft), "--date", "2018-04-27"], capsys)
    assert code == 0, err
    assert (tmp_path / "a.source.txt").exists()
    assert {"PRK", "KOR", "USA"} <= {a.id for a in load_scenario(draft).actors}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (b"\x00\x01\x02binary", "is a binary file"), (None, "no such file")],
)
def test_bad_articles_end_in_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "article.txt"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(["ingest", str(path)], capsys)
    assert code == 2
    assert err.startswith(f"Error: {path}: {message}") and err.count("\n") == 1
    assert "Traceback" not in err


def test_huge_article_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(200_000_000)
    code, _, err = run(["ingest", str(big)], capsys)
    assert code == 2 and "200.0 MB" in err and "code-events" in err


def test_bad_date_is_refused(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["ingest", str(seeds_dir / SEEDS[0]), "--date", "March 2018"], capsys)
    assert code == 2 and "--date 'March 2018': not a date" in err


LINES = [
    '{"id": 1, "text": "The United States imposed sanctions on North Korea."}',
    '{"id": 2, "text": "Moon Jae-in met Kim Jong-un."',
    "",
    '{"id": "x3", "text": "Beijing condemned Tokyo."}',
    '["not", "an", "object"]',
    '{"id": 5}',
    '{"id": 6, "text": "Nothing happened here."}',
]


def test_code_events_skips_malformed_lines_naming_them(event_tables: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = tmp_path / "coded.jsonl"
    code, stdout, err = run(["code-events", str(src), "--out", str(out), "--no-progress"], capsys)
    assert code == 0, err
    assert f"{src}:2: not valid JSON" in err
    assert f"{src}:5: expected a JSON object" in err
    assert f"{src}:6: no \"text\" field" in err
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, "x3", 6]
    assert rows[0]["events"][0]["source"] == ["USA"] and rows[0]["events"][0]["target"] == ["PRK"]
    assert rows[1]["events"][0]["quad"] == "verbal_conflict"
    assert "skipped 3 malformed line(s)" in stdout


def test_code_events_strict_stops_at_the_first_malformed_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    code, _, err = run(["code-events", str(src), "--out", str(tmp_path / "o.jsonl"), "--strict", "--no-progress"], capsys)
    assert code == 2
    assert err.startswith(f"Error: {src}:2: not valid JSON")


@pytest.mark.parametrize(("content", "message"), [(b"", "is empty"), (b"\x00\x00", "is a binary file")])
def test_code_events_refuses_empty_and_binary_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    src = tmp_path / "s.jsonl"
    src.write_bytes(content)
    code, _, err = run(["code-events", str(src), "--out", str(tmp_path / "o.jsonl")], capsys)
    assert code == 2 and message in err


def test_two_workers_write_what_one_writes(data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = (data_root / "events" / "news" / "cameo_class_train.tsv").read_text("utf-8").splitlines()[:600]
    src = tmp_path / "dev.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t.split("\t")[0]}) for i, t in enumerate(lines)), encoding="utf-8")
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"o{workers}.jsonl"
        code, _, err = run(["code-events", str(src), "--out", str(out), "--workers", workers, "--no-progress"], capsys)
        assert code == 0, err
        outs.append(out.read_text("utf-8"))
    assert outs[0] == outs[1]
    assert len(outs[0].splitlines()) == 600


def test_eval_events_prints_coder_and_baseline(data_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    news = data_root / "events" / "news"
    code, out, err = run(["eval-events", str(news / "cameo_class_train.tsv"), str(news / "cameo_ner_train.txt"), "--json", "-"], capsys)
    assert code == 0, err
    data = json.loads(out)
    cls = data[str(news / "cameo_class_train.tsv")]
    assert cls["accuracy"] > cls["baseline"]["accuracy"]
    assert data[str(news / "cameo_ner_train.txt")]["kind"] == "span"


def test_eval_events_refuses_a_file_of_neither_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "gold.txt"
    bad.write_text("just some words here\n", encoding="utf-8")
    code, _, err = run(["eval-events", str(bad)], capsys)
    assert code == 2 and "neither a class file" in err


def test_eval_events_fits_the_classifier_on_a_training_file(data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = (data_root / "events" / "news" / "cameo_class_train.tsv").read_text("utf-8").splitlines()
    train, gold = tmp_path / "train.tsv", tmp_path / "gold.tsv"
    # Interleaved: the file is ordered in blocks by topic and class, so a head/tail split would not do.
    train.write_text("\n".join(line for i, line in enumerate(dev) if i % 4) + "\n", encoding="utf-8")
    gold.write_text("\n".join(line for i, line in enumerate(dev) if not i % 4) + "\n", encoding="utf-8")
    code, out, err = run(["eval-events", str(gold), "--train", str(train), "--folds", "0", "--json", "-"], capsys)
    assert code == 0, err
    row = json.loads(out)[str(gold)]
    assert set(row["classifier"]) == {"trained"}
    assert row["classifier"]["trained"]["accuracy"] > row["baseline"]["accuracy"] + 0.2
    code, _, err = run(["eval-events", str(gold), "--train", str(data_root / "events" / "news" / "cameo_ner_train.txt")], capsys)
    assert code == 2 and "--train needs a class file" in err


def test_code_events_refuses_bad_options_and_non_utf8(event_tables: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "s.jsonl"
    src.write_text('{"id": 1, "text": "Beijing condemned Tokyo."}\n', encoding="utf-8")
    code, _, err = run(["code-events", str(src), "--out", str(tmp_path / "o.jsonl"), "--workers", "0"], capsys)
    assert code == 2 and "Error: Invalid value for '--workers': Input should be greater than or equal to 1" in err
    code, _, err = run(["code-events", str(src), "--out", str(src)], capsys)
    assert code == 2 and "is the input file" in err
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n')
    code, out, err = run(["code-events", str(bad), "--out", str(tmp_path / "o.jsonl"), "--no-progress"], capsys)
    assert code == 0 and f"{bad}:2: not UTF-8 text" in err and "Coded 1 sentence" in out
    code, _, err = run(["code-events", str(bad), "--out", str(tmp_path / "o.jsonl"), "--strict"], capsys)
    assert code == 2 and err.startswith(f"Error: {bad}:2: not UTF-8 text")


class _FakeResult:
    def __init__(self, value: object, pool: _FakePool) -> None:
        self.value, self.pool = value, pool

    def get(self) -> object:
        self.pool.in_flight -= 1
        return self.value


class _FakePool:
    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0

    def apply_async(self, fn, args):  # type: ignore[no-untyped-def]
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        return _FakeResult(args[0], self)


def test_parallel_coding_keeps_order_and_bounds_what_is_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.ingest import bulk

    monkeypatch.setattr(bulk, "_code_chunk", lambda chunk: chunk)
    pool = _FakePool()
    chunks = iter([[(i, "t")] for i in range(50)])
    out = list(bulk._bounded(pool, chunks, window=4))
    assert out == [[(i, "t")] for i in range(50)]
    assert pool.most == 4


def test_draft_of_an_article_without_actors_is_refused(event_tables: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "weather.txt"
    article.write_text("The weather was mild all week. Farmers were pleased with the rain.\n", encoding="utf-8")
    code, out, err = run(["ingest", str(article)], capsys)
    assert code == 0 and "Actors" in out
    code, _, err = run(["ingest", str(article), "--draft", str(tmp_path / "d.toml")], capsys)
    assert code == 2 and "no state or organisation was recognised" in err
    assert not (tmp_path / "d.toml").exists()
