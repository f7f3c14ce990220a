"""Shared fixtures.

Real public data comes from the data directory (``DETENTE_DATA``, see :mod:`detente.datadir`). When it is
there, the session works on a private copy made of links to its data sets, with the event coder's tables
built into that copy (``detente data build``), so no test writes into the user's (or CI's) folder. Tests
that need real data take ``data_root`` (or ``event_tables``) and skip, saying how to get it, when it is
absent; synthetic fixtures live in ``tests/data/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.datadir import DATA_SETS, ENV_VAR, data_dir

HERE = Path(__file__).resolve().parent
SKIP_DATA = "needs the public data sets in {root} (run `detente data download`, or set DETENTE_DATA)"
SKIP_EVENTS = (
    "needs the events data set in {root} (run `detente data download events`, then `detente data build`; "
    "or set DETENTE_DATA)"
)


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point DETENTE_DATA at a private folder linking the real data sets, with the coder's tables built."""
    real = data_dir()
    present = [name for name in DATA_SETS if (real / name).is_dir()]
    if not present:
        yield
        return
    private = tmp_path_factory.mktemp("data")
    for name in present:
        (private / name).symlink_to((real / name).resolve(), target_is_directory=True)
    if (real / "articles").is_dir():  # saved articles (detente.scenario.sources)
        (private / "articles").symlink_to((real / "articles").resolve(), target_is_directory=True)
    from detente.datasets import BUILD_SOURCES, build

    if all((private / rel).is_file() for rel in BUILD_SOURCES):
        build(private)
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(private)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before


@pytest.fixture
def data_root() -> Path:
    """The data directory with every public data set; skips, saying how to get them, when absent."""
    root = data_dir()
    if not all((root / name).is_dir() for name in DATA_SETS):
        pytest.skip(SKIP_DATA.format(root=root))
    return root


@pytest.fixture(scope="session")
def event_tables() -> Path:
    """The event coder's tables (built from the events data set); skips, saying how to get them."""
    from detente.datadir import DataMissingError
    from detente.datasets import gazetteer_dir

    try:
        return gazetteer_dir()
    except DataMissingError:
        pytest.skip(SKIP_EVENTS.format(root=data_dir()))


SKIP_ARTICLES = (
    "needs the articles the shipped scenarios cite, not shipped: save {names} in {dest} (any file name), "
    "or set DETENTE_ARTICLES to a folder holding them; `detente data status` lists them"
)


@pytest.fixture(scope="session")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the articles the shipped scenarios cite, under the names the scenarios give them.

    They are not shipped: the resolver (:mod:`detente.scenario.sources`) finds them by SHA-256 in the
    article folders; the test skips, saying how to supply them, when one is absent.
    """
    from detente.scenario.sources import ArticleState, default_article_dir, shipped_articles

    folder = tmp_path_factory.mktemp("articles")
    found = [lookup for _, lookup in shipped_articles()]
    missing = [f"{f.file_name} ({f.state.value})" for f in found if f.state is not ArticleState.FOUND]
    if missing:
        pytest.skip(SKIP_ARTICLES.format(names=", ".join(missing), dest=default_article_dir()))
    for f in found:
        link = folder / f.file_name
        if f.path is not None and not link.exists():
            link.symlink_to(f.path)
    return folder


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes runs to a throw-away store, never to the user's ~/.local/share/detente."""
    store = tmp_path_factory.mktemp("store") / "runs.duckdb"
    monkeypatch.setenv("DETENTE_STORE", str(store))


@pytest.fixture
def toy_calibration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A calibration file whose loading yields the hand-made korea-2018 calibration (tests/anchored_fixture.py)."""
    from detente.engines.anchored import backbone
    from detente.scenario.io import load_scenario
    from tests.anchored_fixture import calibration_for

    path = tmp_path / "anchor-korea-2018.json"
    path.write_text("{}", "utf-8")
    cal = calibration_for(load_scenario("korea-2018", check_quotes=False))
    cal.path = str(path)
    monkeypatch.setattr(backbone, "load", lambda p: cal)
    return path
