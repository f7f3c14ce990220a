"""``detente data``: status, download (against a local HTTP server, never the network) and build."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente import datasets
from detente.datadir import DataMissingError
from detente.datasets import DataFile, DownloadError, download
from tests.cli_run import run

FIXTURE = Path(__file__).parent / "data" / "download"
MINI_SHA256 = "a7d23c9d4909f071139b6882b57b9ca78cd81f4b6e8ce49fa922526b7fe96018"


class _Server:
    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                outer.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server(FIXTURE)
    yield s
    s.close()


def entry(url: str | None, sha: str = MINI_SHA256) -> DataFile:
    return DataFile("events/mini.tsv", sha, "tests/data/download", url)


def test_download_fetches_a_file_checked_against_its_hash_once(server: _Server, tmp_path: Path) -> None:
    reg = [entry(f"{server.url}/events/mini.tsv")]
    report = download("events", tmp_path, registry=reg)
    assert report == {"fetched": ["events/mini.tsv"], "present": [], "no_url": []}
    assert (tmp_path / "events" / "mini.tsv").read_bytes() == (FIXTURE / "events" / "mini.tsv").read_bytes()
    served = len(server.requests)
    again = download("events", tmp_path, registry=reg)
    assert again["present"] == ["events/mini.tsv"] and len(server.requests) == served  # not fetched twice


def test_a_file_that_does_not_match_its_pinned_hash_is_not_kept(server: _Server, tmp_path: Path) -> None:
    reg = [entry(f"{server.url}/events/mini.tsv", sha="0" * 64)]
    with pytest.raises(DownloadError, match="does not match its pinned SHA-256"):
        download("events", tmp_path, registry=reg)
    assert not (tmp_path / "events" / "mini.tsv").exists()


def test_one_bad_file_does_not_stop_the_others(server: _Server, tmp_path: Path) -> None:
    bad = DataFile("events/bad.tsv", "0" * 64, "nowhere", f"{server.url}/events/mini.tsv")
    good = entry(f"{server.url}/events/mini.tsv")
    with pytest.raises(DownloadError, match=r"events/bad.tsv: .*pinned SHA-256"):
        download("events", tmp_path, registry=[bad, good])
    assert (tmp_path / "events" / "mini.tsv").is_file() and not (tmp_path / "events" / "bad.tsv").exists()


def test_files_without_an_address_are_reported_not_fetched(tmp_path: Path) -> None:
    report = download("events", tmp_path, registry=[entry(None)])
    assert report["no_url"] == ["events/mini.tsv"] and not (tmp_path / "events").exists()


def test_a_mirror_serves_files_that_have_no_official_address(server: _Server, tmp_path: Path) -> None:
    report = download(None, tmp_path, mirror=server.url + "/", registry=[entry(None)])
    assert report["fetched"] == ["events/mini.tsv"]
    assert server.requests == ["/events/mini.tsv"]


def test_download_command_fetches_and_says_what_to_do_next(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(datasets, "REGISTRY", (entry(None),))
    code, out, err = run(["data", "download", "events", "--data", str(tmp_path), "--mirror", server.url], capsys)
    assert code == 0, err
    assert "1 fetched, 0 already present, 0 without a download address" in out
    assert "detente data build" in out
    code, out, _ = run(["data", "status", "--data", str(tmp_path)], capsys)
    assert code == 0 and "1/1" in out and "present" in out


def test_download_from_a_server_that_is_down_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _Server(FIXTURE)
    url = s.url
    s.close()
    monkeypatch.setattr(datasets, "REGISTRY", (entry(f"{url}/events/mini.tsv"),))
    code, _, err = run(["data", "download", "--data", str(tmp_path)], capsys)
    assert code == 2
    assert err.startswith("Error: ") and "could not be fetched" in err and len(err.strip().splitlines()) == 1


def test_unknown_data_set_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["data", "download", "weather", "--data", str(tmp_path)], capsys)
    assert code == 2 and "data set 'weather' is unknown" in err and "history, events, bargaining" in err


def test_status_of_an_empty_folder_says_what_is_missing_and_what_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["data", "status", "--data", str(tmp_path / "none")], capsys)
    assert code == 0
    assert "does not exist yet" in out and "missing" in out and "not built" in out
    assert "calibrate" in out and "no stable official download address" in out


def test_every_registered_file_has_a_hash_and_a_home() -> None:
    paths = [f.path for f in datasets.REGISTRY]
    assert len(paths) == len(set(paths))
    for f in datasets.REGISTRY:
        assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0
        assert f.dataset in ("history", "events", "bargaining") and f.home
        assert f.url is None or f.url.startswith("https://")
    assert set(datasets.BUILD_SOURCES) <= set(paths)


def test_the_registry_pins_the_data_in_the_data_directory(data_root: Path) -> None:
    # With the real data present, every registered file is there with its pinned hash.
    for s in datasets.status(data_root):
        assert s.present == s.total, (s.name, s.missing, s.differs)


def test_build_without_the_raw_dictionaries_says_how_to_get_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(DataMissingError, match="detente data download events"):
        datasets.build(tmp_path)
    code, _, err = run(["ingest", str(Path(__file__).parent / "data" / "download" / "events" / "mini.tsv"), "--data", str(tmp_path)], capsys)
    assert code == 2 and "detente data download events" in err and len(err.strip().splitlines()) == 1


def test_build_derives_the_coder_tables_into_the_cache(data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "events").symlink_to((data_root / "events").resolve(), target_is_directory=True)
    assert datasets.gazetteer_state(tmp_path) == "not built"
    code, out, err = run(["data", "build", "--data", str(tmp_path)], capsys)
    assert code == 0, err
    assert "countries 225" in out
    assert datasets.gazetteer_state(tmp_path) == "built"
    built = tmp_path / datasets.GAZETTEER
    assert {p.name for p in built.iterdir()} >= {*datasets.GAZETTEER_TABLES, "README.md", "manifest.json"}
    # The tables are a function of the raw dictionaries: a second build writes the same bytes.
    first = {t: (built / t).read_bytes() for t in datasets.GAZETTEER_TABLES}
    datasets.build(tmp_path)
    assert first == {t: (built / t).read_bytes() for t in datasets.GAZETTEER_TABLES}
