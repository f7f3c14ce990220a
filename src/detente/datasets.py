"""The public data sets detente reads, where each comes from, and how to get and build them.

Each file of the data directory (see :mod:`detente.datadir`) is listed in :data:`REGISTRY` with the
SHA-256 of the version detente was developed and fitted against, its official home, and a download URL
where the home serves that exact file at a stable address (a pinned commit of the upstream repository,
or a versioned lookup table). Most files are extracts cut at a scenario's as-of date or restructured
for detente; their homes publish the source data, not these bytes, so they have no download URL and
:func:`status` says so. ``download`` checks every file against its pinned hash (pooch) and writes
nothing that does not match.

``build`` derives the gazetteer and verb tables the event coder reads from the raw dictionaries in
``events/`` into ``cache/gazetteer/`` inside the data directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from detente.datadir import DATA_SETS, DataMissingError, data_dir, how_to_get
from detente.errors import DetenteError


@dataclass(frozen=True)
class DataFile:
    """One file of the data directory.

    Attributes:
        path: Path inside the data directory; its first part names the data set.
        sha256: Hash of the version detente was developed and fitted against.
        home: Where the data are published (a page, a repository or a citation).
        url: A stable address serving exactly this file, or ``None`` if there is none.
    """

    path: str
    sha256: str
    home: str
    url: str | None

    @property
    def dataset(self) -> str:
        """The data set the file belongs to (``history``, ``events``, ``bargaining``)."""
        return self.path.split("/", 1)[0]


REGISTRY: tuple[DataFile, ...] = (
    DataFile(
        "history/atop_v5_1_directed_dyadyear_with_obligation_1815_2018.csv.gz",
        "9a917eebc436cc96d1b8e48f4f63b2fb97d2ef30e6f7c757f5321f4068085054",
        'http://www.atopdata.org (ATOP 5.1)',
        None,
    ),
    DataFile(
        "history/cow_alliance_v4_1_directed_dyadyear_with_alliance_1816_2012.csv.gz",
        "a9fa85e61aaa3a6f2d17fa7bcef0cb36470e22a24ef77da11fc5a973c2350c74",
        'https://correlatesofwar.org/data-sets/formal-alliances/',
        None,
    ),
    DataFile(
        "history/cow_mid_v5_0_dyadic_dispute_years_1816_2014.csv",
        "c50697dc9ed99e3f440f72c2fb51860e399a085359f70aa012dcb9faf708f557",
        'https://correlatesofwar.org/data-sets/mids/',
        None,
    ),
    DataFile(
        "history/cow_nmc_v7_0_1816_2022.csv",
        "81f5863d4d50bc3eea30a7ed0c69c6ad5deab0aef3caaf58b5e6f164edbccda8",
        'https://correlatesofwar.org/data-sets/national-material-capabilities/',
        None,
    ),
    DataFile(
        "history/cow_state_system_2016.csv",
        "76733bacf602007038b72e2ebec24d37a34ba6dc36793eb7c894af82e952f735",
        'https://correlatesofwar.org/data-sets/state-system-membership/',
        None,
    ),
    DataFile(
        "history/foreign_leader_visits_to_us_1874_2023-08-31.csv",
        "4117781dae4eedcca45cbf868e8ff9db5ff5a708d847b671cf8998932e2ce15b",
        'https://history.state.gov/departmenthistory/visits',
        None,
    ),
    DataFile(
        "history/gdelt2_country_codes.tsv",
        "03a5440a0b1fcaa8e24b924b85842d89b2191058f5c9e3e866ecba33d5e4eafe",
        'https://www.gdeltproject.org',
        None,
    ),
    DataFile(
        "history/gdelt2_dyad_composite_monthly_2018-01_2023-08.csv.gz",
        "218b212a48a9773f45e4890aa57e427113cc5f7f943c8abf55657b06effc1492",
        'https://www.gdeltproject.org',
        None,
    ),
    DataFile(
        "history/gleditsch_ward_states_2017.csv",
        "80e062971052837012f0a76849e4c6642d4680ce60cfc910125d7fb1534f028d",
        'http://ksgleditsch.com/data-4.html',
        None,
    ),
    DataFile(
        "history/gsdb_v3_cases_begun_1949_2017.csv",
        "f8116885ac0f966222dab9adcebf9ed0bbb4f275f2c494a0fd5b164ab662539d",
        'https://www.globalsanctionsdatabase.com',
        None,
    ),
    DataFile(
        "history/icb_v15_actor_level_ended_before_2018-02-26.csv",
        "39b42c126afd113ee1f2a32229ecff76d42e8e138f5b045b696869425e4f49a3",
        'https://sites.duke.edu/icbdata/',
        None,
    ),
    DataFile(
        "history/icb_v15_dyadic_ended_before_2018-02-26.csv",
        "6e5af76f64a71cf6f26086a4e4aae12036646a9caa32d67df37ac0c3e424edf2",
        'https://sites.duke.edu/icbdata/',
        None,
    ),
    DataFile(
        "history/icews18_korea_dyad_daily_2018-01-01_2018-02-25.csv",
        "a590758effbba0c6ad18846577c5ced352d1c208e7622d8f97fb7c308f688b30",
        'https://doi.org/10.7910/DVN/28075',
        None,
    ),
    DataFile(
        "history/icews18_korea_events_2018-01-01_2018-02-25.csv",
        "982d768704f3dc8aeb138bb11cd6775277f7e9e733529b51259f40b155277de4",
        'https://doi.org/10.7910/DVN/28075',
        None,
    ),
    DataFile(
        "history/jme_v3_1974_2010.csv.gz",
        "56b7fc75e9495704b3fdc5ff7b8cfa3f5b484937d474b4b2941e99f6c6652b42",
        "D'Orazio, joint military exercises (JME)",
        None,
    ),
    DataFile(
        "history/mme_v7_1980_2010.csv.gz",
        "02619c67f4f0a43e98a6d7e8c33289e3d6d3cfa4e535e01d136da0dae378b26d",
        "D'Orazio, multinational military exercises (MME)",
        None,
    ),
    DataFile(
        "history/nk_missile_tests_1984-04-09_2023-08-31.csv",
        "e0b2f268765652713d605fc1d650a2068c19ae5d3fc78ce2a870ce3710a148b1",
        'https://github.com/nagix/nk-missile-tests (CNS/NTI)',
        None,
    ),
    DataFile(
        "history/nk_missile_tests_to_2018-02-25.csv",
        "5c1e1753a6617b5718823fb5d16d5acb334ca6d0a1758aad465ccf9babb49259",
        'https://github.com/nagix/nk-missile-tests (CNS/NTI)',
        None,
    ),
    DataFile(
        "history/sipri_milex_subset_12countries_1990_2022.csv",
        "94d24ca78d5c03f9f9b65f9020039768af51f71fa4cc362ebe540c5866f59969",
        'https://www.sipri.org/databases/milex',
        None,
    ),
    DataFile(
        "history/thompson_dreyer_strategic_rivalries_1494_2010.csv",
        "ec77f12e94d822e0213d8708b8fd13dd1fb32a4579dfaef082d3a53d4c77872e",
        'Thompson & Dreyer (2012); Thompson, Sakuwa & Suhas (2022)',
        None,
    ),
    DataFile(
        "history/thompson_sakuwa_suhas_rivalries.csv",
        "7d975b0e99dabdb6a5ce72d5949066362c91615c7479a8d5c0634fb757d9294d",
        'Thompson & Dreyer (2012); Thompson, Sakuwa & Suhas (2022)',
        None,
    ),
    DataFile(
        "history/ties_v4_1_1945_2005.csv.gz",
        "987ad7da4e77062eeece77662b53f8005780159ea8416352ac73de4220f4ea06",
        'https://sanctions.web.unc.edu (TIES 4.1)',
        None,
    ),
    DataFile(
        "history/ucdp_acd_v25_1_conflict_years_1946_2022.csv",
        "b3d474f35e97b9bd6204f057ae18916bc92696f8f7a14b36952354a301b44fa2",
        'https://ucdp.uu.se/downloads/',
        None,
    ),
    DataFile(
        "history/unsc_meetings_topics_outcomes_1946_2017.csv",
        "f25e3c4dfcc0e956176063e926295955d3dc1b655d6d289e3cc8cfa70bb7cc15",
        'UN Dag Hammarskjöld Library, research.un.org',
        None,
    ),
    DataFile(
        "history/unsc_vetoes_1946-02-16_2022-07-08.csv",
        "d6b65d698d8f4e5a6eddcd922e7659b40e22d262940f1440b51360929d87ab74",
        'https://github.com/world-politics-datalab',
        None,
    ),
    DataFile(
        "history/us_president_secstate_travels_1866_2023-08-31.csv",
        "9ac16557a4ed667b9e97cc4bd7650fcbeb4f11f7d3cd9c7e3b5904d978144640",
        'https://history.state.gov/departmenthistory/travels',
        None,
    ),
    DataFile(
        "history/icews0515/entity_country_map.csv",
        "9cf283832373b1a615f39898cb4d1f4320de514050eb3236f1446a8baf420a60",
        'https://doi.org/10.7910/DVN/28075',
        None,
    ),
    DataFile(
        "history/icews0515/events_2005-01-01_2015-12-31.csv.gz",
        "116de3f3f43ec69d8bb3d72d5a5c3406f7cd59ada25959c82367312a4960a4fc",
        'https://doi.org/10.7910/DVN/28075',
        None,
    ),
    DataFile(
        "history/icews0515/monthly_country_dyad_cameo_root_counts.csv.gz",
        "1ee30efb775b514729cf467de5241c560eef83045dce0ac9a59bf13df88eba7c",
        'https://doi.org/10.7910/DVN/28075',
        None,
    ),
    DataFile(
        "events/CAMEO.goldsteinscale.gdelt.tsv",
        "22ae69794e081b8cc9bb87a15f59fabdaa6e9ba00b1d08990b46cd75291c0ca8",
        'https://www.gdeltproject.org/data.html',
        'https://www.gdeltproject.org/data/lookups/CAMEO.goldsteinscale.txt',
    ),
    DataFile(
        "events/CAMEO2PLOVER-2021.txt",
        "524512a777756e90f6721724d7c5cab4eac2c35178a50ad2ad09bdb3edefbe7e",
        'https://github.com/openeventdata/PLOVER',
        'https://raw.githubusercontent.com/openeventdata/PLOVER/e834df5b3a302f99af1f23cda08fa34b383ca598/CAMEO2PLOVER-2021.txt',
    ),
    DataFile(
        "events/PLOVER_structured_codebook_updated.csv",
        "9a8aecbc74d7d61afd21533866f2eed80338d78add4de98e0e0ae11fae384108",
        'https://github.com/ahalterman/NGEC-2025 (NGEC/assets/)',
        None,
    ),
    DataFile(
        "events/cameo_codes.csv",
        "f290fffebf72f9db4bca06730250cf64ebd44b265d8812c5a266cf200a3a3fd7",
        'CAMEO manual (Gerner et al. 2002) + GDELT/ICEWS Goldstein values (a compiled table)',
        None,
    ),
    DataFile(
        "events/countryinfo_140728_capitals_synonyms.tsv",
        "cdacf83d8856399fe97e4aa7c78a61942f4732e4d3599b6c084c20ed914b8d9a",
        'https://github.com/philip-schrodt/CountryInfo',
        None,
    ),
    DataFile(
        "events/ngec_countries.csv",
        "97fa12b8c7b0ff0b6ba65d6f6a3528f50b4fa0a1100ca2194e89de40fd8f035e",
        'https://github.com/ahalterman/NGEC-2025',
        None,
    ),
    DataFile(
        "events/plover_ontology.json",
        "18eb6e92eed47e703649abf8768fd37e0fd8500ad96cde08329e41d324583491",
        'https://github.com/openeventdata/PLOVER (PLOVER_MANUAL.tex, restructured)',
        None,
    ),
    DataFile(
        "events/news/cameo_class_train.tsv",
        "556c5a91ea278517b6f1595d2a55c04ca98219f255c95a617783decd179fd5fb",
        'https://github.com/eventdata/ConfliBERT (a labelled extract)',
        None,
    ),
    DataFile(
        "events/news/cameo_ner_train.txt",
        "8e69a77e8e68ffb5adf137a7aa89fe53b91d86ec31f69a2d1f466f51e0eb60be",
        'https://github.com/eventdata/ConfliBERT (a labelled extract)',
        None,
    ),
    DataFile(
        "events/phoenix/CAMEO.2.0.txt",
        "4a442ee42f7574651ec1c594f127353cdffbf18fa97b207ad5d8298a3cfaa08f",
        'https://github.com/openeventdata/petrarch2',
        'https://raw.githubusercontent.com/openeventdata/petrarch2/cc3549885fa5b9b29e12ccde5ea8445fea2a7205/petrarch2/data/dictionaries/CAMEO.2.0.txt',
    ),
    DataFile(
        "events/phoenix/Phoenix.Countries.actors.txt",
        "8d4ee11692ccb1636a5cf4421849c420508acbd9b930adab457472b843276506",
        'https://github.com/openeventdata/petrarch2',
        'https://raw.githubusercontent.com/openeventdata/petrarch2/3ef2ce4e99756f4f2229ebf31c512201059677eb/petrarch2/data/dictionaries/Phoenix.Countries.actors.txt',
    ),
    DataFile(
        "events/phoenix/Phoenix.International.actors.txt",
        "6fafbbe39bc47858edb9262411ab005b97977818237f85f3808fd11701a3ad2c",
        'https://github.com/openeventdata/petrarch2',
        'https://raw.githubusercontent.com/openeventdata/petrarch2/4cad56ebe1e890ec2bc1e651921eef226116defc/petrarch2/data/dictionaries/Phoenix.International.actors.txt',
    ),
    DataFile(
        "events/phoenix/Phoenix.agents.txt",
        "336330de3ae91cb7daeeb50a7320ff4c9f11e5e69b6dd3a4ebedc522751a95c6",
        'https://github.com/openeventdata/petrarch2',
        'https://raw.githubusercontent.com/openeventdata/petrarch2/4cad56ebe1e890ec2bc1e651921eef226116defc/petrarch2/data/dictionaries/Phoenix.agents.txt',
    ),
    DataFile(
        "bargaining/bdm1994_emission_standards.csv",
        "28148b7aa7de550377a48e6b8e50bbab103d3c068e537d18ebe75dd3954d2ce5",
        'Bueno de Mesquita (1994) Table 1; Scholz, Calbert & Smith (2011)',
        None,
    ),
    DataFile(
        "bargaining/deu3-dev.csv",
        "4fa34def4637c3d3306bbb38d9927687bda03c5235c1abd1ebb4c14dcb66a64f",
        'Arregui & Perarnaud (2021), doi:10.1080/13501763.2021.1991983 (a development split)',
        None,
    ),
    DataFile(
        "bargaining/iran_election_2013.csv",
        "5a293185f7e48b22a796624baface5e3c703049d023eb4b4db05af010246d032",
        'a published teaching table (2013 Iranian presidential election)',
        None,
    ),
    DataFile(
        "bargaining/ktab_china_soe_policy.csv",
        "25e5dc35328c7600a6bb66632ac825ac90faf599450a110a2e9ce4161b5fe7c0",
        'https://github.com/KTAB-OSS (Efird, Lester & Wise 2016 input)',
        None,
    ),
)

NEEDS: dict[str, tuple[str, ...]] = {
    "validate, show, graph, simulate, compare, sweep, sensitivity, report": (),
    "calibrate, backtest, new": ("history",),
    "ingest, code-events, eval-events": ("events", "gazetteer"),
    "ingest --draft (states' records, when present)": ("history",),
    "forecast on the reference tables": ("bargaining",),
    "validate (quotes of the shipped scenarios)": ("articles",),
}
"""What each command needs from the data directory (``gazetteer`` = built by ``detente data build``;
``articles`` = the saved articles, see :mod:`detente.scenario.sources`)."""

GAZETTEER = "cache/gazetteer"
"""Where ``detente data build`` writes the coder's tables, inside the data directory."""
GAZETTEER_TABLES = (
    "countries.tsv",
    "leaders.tsv",
    "organisations.tsv",
    "places.tsv",
    "agents.tsv",
    "verbs.tsv",
    "verb_patterns.tsv",
)
BUILD_SOURCES = (
    "events/countryinfo_140728_capitals_synonyms.tsv",
    "events/ngec_countries.csv",
    "events/phoenix/Phoenix.Countries.actors.txt",
    "events/phoenix/Phoenix.agents.txt",
    "events/phoenix/CAMEO.2.0.txt",
)
"""The raw dictionaries the gazetteer tables are derived from."""

FileState = Literal["ok", "missing", "differs"]


class DownloadError(DetenteError):
    """A data file could not be fetched, or what was fetched does not match its pinned hash."""


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(dataset: str | None, registry: Sequence[DataFile] | None = None) -> list[DataFile]:
    """The registry's files of one data set (all of them if ``dataset`` is None).

    Raises:
        DetenteError: ``dataset`` is not a known data set.
    """
    if dataset is not None and dataset not in DATA_SETS:
        raise DetenteError(
            f"data set '{dataset}' is unknown (fix: use one of {', '.join(DATA_SETS)})"
        )
    entries = REGISTRY if registry is None else registry
    return [f for f in entries if dataset is None or f.dataset == dataset]


def file_state(root: Path, entry: DataFile) -> FileState:
    """Whether one file is present in ``root`` with its pinned hash."""
    path = root / entry.path
    if not path.is_file():
        return "missing"
    return "ok" if sha256(path) == entry.sha256 else "differs"


@dataclass(frozen=True)
class SetStatus:
    """What is present of one data set."""

    name: str
    present: int
    differs: int
    total: int
    downloadable: int
    missing: tuple[str, ...]


def status(explicit: str | Path | None = None, registry: Sequence[DataFile] | None = None) -> list[SetStatus]:
    """For each data set: how many of its files are present (and match), and which are missing."""
    root = data_dir(explicit)
    out = []
    for name in DATA_SETS:
        entries = files_of(name, registry)
        states = {e.path: file_state(root, e) for e in entries}
        out.append(
            SetStatus(
                name=name,
                present=sum(s == "ok" for s in states.values()),
                differs=sum(s == "differs" for s in states.values()),
                total=len(entries),
                downloadable=sum(e.url is not None for e in entries),
                missing=tuple(p for p, s in states.items() if s == "missing"),
            )
        )
    return out


def gazetteer_state(explicit: str | Path | None = None) -> Literal["built", "stale", "not built"]:
    """Whether ``detente data build`` has built the coder's tables from the raw dictionaries present."""
    root = data_dir(explicit)
    manifest = root / GAZETTEER / "manifest.json"
    if not manifest.is_file():
        return "not built"
    try:
        recorded = json.loads(manifest.read_text("utf-8"))["sources"]
    except (ValueError, KeyError):
        return "stale"
    for rel in BUILD_SOURCES:
        path = root / rel
        if path.is_file() and recorded.get(rel) != sha256(path):
            return "stale"
    return "built"


def download(
    dataset: str | None = None,
    explicit: str | Path | None = None,
    *,
    mirror: str | None = None,
    registry: Sequence[DataFile] | None = None,
    on_file: Callable[[DataFile, str], None] | None = None,
) -> dict[str, list[str]]:
    """Fetch the files of a data set (or all) into the data directory, each checked against its hash.

    Args:
        dataset: ``history``, ``events``, ``bargaining``, or None for all.
        explicit: An explicit data directory (``--data``).
        mirror: A base URL serving the data directory's layout (``MIRROR/events/...``): every file is
            fetched from there instead of its official address.
        registry: The files to consider (default: :data:`REGISTRY`; tests pass their own).
        on_file: Called with each file and what happened to it (``fetched``, ``present``, ``no_url``,
            ``failed``).

    Returns:
        ``{"fetched": [...], "present": [...], "no_url": [...]}`` (paths inside the data directory).

    Raises:
        DownloadError: a fetch failed or its bytes did not match the pinned hash (that file is not kept;
            the others are still fetched); the message is the first problem and how many more.
    """
    import pooch

    pooch.get_logger().setLevel("WARNING")  # the CLI says what it fetched, once per file
    root = data_dir(explicit)
    report: dict[str, list[str]] = {"fetched": [], "present": [], "no_url": []}
    failed: list[str] = []
    entries = files_of(dataset, registry)
    for entry in entries:
        what: str
        if file_state(root, entry) == "ok":
            what = "present"
        else:
            url = f"{mirror.rstrip('/')}/{entry.path}" if mirror else entry.url
            if url is None:
                what = "no_url"
            else:
                problem = _fetch(pooch, url, entry, root / entry.path)
                if problem:
                    failed.append(problem)
                    if on_file is not None:
                        on_file(entry, "failed")
                    continue  # the other files are still worth fetching
                what = "fetched"
        report[what].append(entry.path)
        if on_file is not None:
            on_file(entry, what)
    if failed:
        more = f" ({len(failed) - 1} more failed; {len(report['fetched'])} fetched)" if len(failed) > 1 else ""
        raise DownloadError(failed[0] + more)
    return report


def _fetch(pooch: Any, url: str, entry: DataFile, target: Path) -> str | None:
    """Fetch one file with its pinned hash; the one-line problem, or None if it arrived intact."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        pooch.retrieve(
            url, known_hash=f"sha256:{entry.sha256}", fname=target.name, path=target.parent, progressbar=False
        )
    except ValueError:  # pooch: hash mismatch; it keeps nothing
        return (
            f"{url}: {entry.path}: the file served does not match its pinned SHA-256, nothing was kept "
            f"(fix: check the address, or get the file from {entry.home})"
        )
    except OSError as exc:  # requests' errors derive from OSError (IOError)
        return (
            f"{url}: {entry.path}: could not be fetched ({type(exc).__name__}) "
            "(fix: check the network or the --mirror address)"
        )
    return None


def build(explicit: str | Path | None = None) -> dict[str, int]:
    """Derive the coder's gazetteer and verb tables from ``events/`` into ``cache/gazetteer/``.

    Returns:
        Rows written per table.

    Raises:
        DataMissingError: a raw dictionary is missing; the message says how to get it.
    """
    from detente.ingest.build_tables import build as build_tables

    root = data_dir(explicit)
    missing = [rel for rel in BUILD_SOURCES if not (root / rel).is_file()]
    if missing:
        raise DataMissingError(
            f"{root / missing[0]}: raw dictionary '{missing[0]}' not found in the data directory "
            f"{root} (fix: {how_to_get('events')})"
        )
    out = root / GAZETTEER
    counts = build_tables(root / "events", out)
    manifest = {"sources": {rel: sha256(root / rel) for rel in BUILD_SOURCES}, "rows": counts}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def gazetteer_dir(explicit: str | Path | None = None) -> Path:
    """The folder of the coder's built tables.

    Raises:
        DataMissingError: the tables are not built (or the raw dictionaries are missing); the message
            names the command that fixes it.
    """
    root = data_dir(explicit)
    folder = root / GAZETTEER
    if (folder / "manifest.json").is_file() and all((folder / t).is_file() for t in GAZETTEER_TABLES):
        return folder
    if all((root / rel).is_file() for rel in BUILD_SOURCES):
        raise DataMissingError(
            f"{folder}: the event coder's tables are not built (fix: run `detente data build`)"
        )
    raise DataMissingError(
        f"{root / 'events'}: data set 'events' not found (fix: run `detente data download events`, "
        "then `detente data build`; or point --data / DETENTE_DATA at a data directory that has it)"
    )


def needs_text(names: Iterable[str]) -> str:
    """A short list of what a command needs, for the status table."""
    return ", ".join(names) or "nothing (shipped content)"
