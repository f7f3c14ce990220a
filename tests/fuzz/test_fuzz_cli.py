"""Fuzz every input surface through the CLI: each case ends in exit 0 or one `Error:` line, within a bound.

Surfaces: scenarios (mutated TOML), tables (CSV text and bytes), text (JSONL lines and articles) and
argument vectors. `make test` runs a short profile; `make fuzz` runs >= 10,000 cases a surface and prints
the outcome counts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import PROFILE
from tests.fuzz.harness import check, run_cli

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = (DATA / "tiny.toml").read_text()
ARTICLE = (DATA / "tiny-article.txt").read_text()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    shutil.copy(DATA / "tiny.toml", d / "tiny.toml")
    shutil.copy(DATA / "tiny-article.txt", d / "tiny-article.txt")
    return d


# --- scenarios ------------------------------------------------------------------------------------

NASTY_VALUES = [
    "0", "-1", "1.7", "1e308", "-1e308", "inf", "-inf", "nan", '"x"', '""', '"   "', "true", "[]", "{}",
    '["A", "A"]', '["A"]', '["Z"]', "2020-01-01", "12", "0.5", '"A"', '"B"', '"G"', '"K99"', "600", "601",
]
LINES = TINY.splitlines()


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["value", "delete", "duplicate", "swap", "truncate", "junk", "key"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(NASTY_VALUES))}"
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[: i + 1]
        elif op == "junk":
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == "key" and "=" in lines[i]:
            lines[i] = draw(st.sampled_from(["members", "high", "low", "status_quo", "value", "quote", "path", "rate", "enforcers"])) + " =" + lines[i].split("=", 1)[1]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


@settings(PROFILE)
@given(text=mutated_scenarios(), command=st.sampled_from(["validate", "show", "forecast", "simulate"]))
def test_fuzz_scenarios(text: str, command: str, folder: Path) -> None:
    path = folder / "case.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    args = [command, str(path)]
    if command == "simulate":
        args += ["-n", "5", "--horizon", "3", "-q", "--no-store"]
    if command == "forecast":
        args += ["--no-store"]
    check(run_cli(args, surface="scenarios"))


# --- tables ---------------------------------------------------------------------------------------

COLUMNS = ["issue", "actor", "position", "salience", "capability", "status_quo", "outcome", "name", "Influence", ""]
CELLS = st.one_of(
    st.sampled_from(["", "0", "1", "50", "100", "0.5", "-1", "1e308", "1e12", "1e13", "inf", "nan", "NA", "x", "A", "B", "C", '"a,b"']),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):  # a valid table, with values at the edges of what is allowed
        num = st.sampled_from(["0", "1", "50", "100", "1e12", "0.001", "33.3"])
        rows = [
            f"{issue},{actor},{draw(num)},{draw(st.sampled_from(['0', '0.5', '1', '80']))},{draw(num)}"
            for issue in draw(st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2, unique=True))
            for actor in draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=2, max_size=4, unique=True))
        ]
        return ("issue,actor,position,salience,capability\n" + "\n".join(rows) + "\n").encode()
    header = draw(st.one_of(
        st.just(["issue", "actor", "position", "salience", "capability"]),
        st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8),
    ))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.sampled_from([len(header), len(header), len(header) - 1, len(header) + 1]))
        rows.append(",".join(draw(CELLS) for _ in range(max(n, 0))))
    text = ",".join(header) + "\n" + "\n".join(rows) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16", "bytes"]))
    if encoding == "bytes":
        return draw(st.binary(max_size=200))
    return text.encode(encoding, errors="replace")


@settings(PROFILE)
@given(data=tables(), suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_fuzz_tables(data: bytes, suffix: str, folder: Path) -> None:
    path = folder / f"case{suffix}"
    path.write_bytes(data)
    check(run_cli(["forecast", str(path), "--no-store", "--model", "all"], surface="tables"))


# --- text: JSONL and articles ---------------------------------------------------------------------

JSONL_LINES = st.one_of(
    st.sampled_from([
        '{"id": 1, "text": "The United States imposed sanctions on North Korea."}',
        '{"id": 2, "text": "\\ud800 lone"}', '{"id": "x"}', '{"text": "no id"}', "[]", "{", "null", "",
        '{"id": 1, "text": 5}', '{"id": {"a": [1, 2]}, "text": "China urged restraint."}',
        "[" * 5000 + "]" * 5000,
    ]),
    st.text(max_size=60),
    st.builds(lambda t: '{"id": 1, "text": ' + t + "}", st.text(max_size=40).map(repr)),
)


@settings(PROFILE)
@given(lines=st.lists(JSONL_LINES, min_size=0, max_size=6), raw=st.booleans(), data=st.binary(max_size=64))
def test_fuzz_jsonl(lines: list[str], raw: bool, data: bytes, folder: Path, data_root: Path) -> None:
    src = folder / "case.jsonl"
    if raw:
        src.write_bytes(data)
    else:
        src.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    check(run_cli(["code-events", str(src), "--out", str(folder / "coded.jsonl"), "--no-progress"], surface="text"))


@settings(PROFILE)
@given(text=st.one_of(st.text(max_size=300), st.just(ARTICLE), st.builds(lambda a, b: a + b, st.just(ARTICLE), st.text(max_size=100))))
def test_fuzz_articles(text: str, folder: Path, data_root: Path) -> None:
    path = folder / "case.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check(run_cli(["ingest", str(path), "--date", "2020-01-01"], surface="text"))


# --- argument vectors -----------------------------------------------------------------------------

# Every command but `app` (it serves until stopped) and `data download` (it fetches from the network).
COMMANDS = [
    ["validate"], ["show"], ["scenarios"], ["simulate"], ["forecast"], ["graph"], ["compare"], ["sweep"],
    ["sensitivity"], ["calibrate"], ["ingest"], ["code-events"], ["eval-events"], ["new"], ["play"], ["backtest"],
    ["report"], ["runs", "list"], ["runs", "show"], ["runs", "diff"], ["runs", "export"], ["runs", "rm"],
    ["data", "status"], ["data", "files"], ["data", "build"], ["data"], ["runs"], ["bogus"], [],
]
OPTIONS = [
    "--runs", "-n", "--seed", "-s", "--set", "--json", "--out", "-o", "--quiet", "-q", "--no-store", "--horizon",
    "--strategy", "--workers", "--rounds", "--model", "--limit", "--vary", "--outcome", "--params", "--samples",
    "--version", "--help", "--frob", "--at", "--baseline", "--components", "--off", "--design", "--points",
    "--method", "--seeding", "--csv", "--parquet", "--plot", "--store", "--data", "--classes", "--horizons",
    "--origins", "--forecaster", "--boot", "--list", "--no-icews", "--events", "--countries", "--as-of",
    "--template", "--as", "--replay", "--draft", "--date", "--folds", "--train", "--report", "--no-progress",
]
VALUES = [
    "tiny.toml", "korea-2018", "missing.toml", "x" * 300, ".", "/dev/full", "/proc/x", "nowhere/out.json", "-",
    "0", "1", "3", "-1", "abc", "1e308", "99999999999", "100000", "actors.A.doctrine=0.5", "actors[A].doctrine=2",
    "engine.war_cost=1e308", "engine.rationality=inf", "actors.A.doctrine", "=", "gamma-mediates", "K11", "latest",
    "all", "expected-utility", "actors.A.doctrine=0:1:2", "actors.A.doctrine=0:1", "clash", "out.json", "out.png",
    "lhs", "grid", "sobol", "morris", "1024", "1048576", "4096", "tiny-article.txt", "IND,PAK", "A,B", "2019-01-01",
    "2016-01-01:2016-12-31:6", "1:2:0", "missile-test", "climatology", "3,6", "0,99999999999", "USA", "A", "",
]
CHEAP = {
    # The surface is the argument parsing: runs stay small, so 10,000 cases take minutes, not hours.
    # The option appended last wins over a drawn one; the bounds on the counts are tested apart
    # (tests/test_robust_inputs.py).
    "simulate": ["-n", "3", "--horizon", "2", "--no-store", "-q"],
    "compare": ["-n", "3", "--horizon", "2", "--no-store", "-q"],
    "sweep": ["-n", "3", "--horizon", "2", "--no-store", "-q"],
    "sensitivity": ["-n", "3", "--horizon", "2", "--no-store", "-q"],
    "calibrate": ["-n", "5"],
    "new": ["-n", "100", "--quiet"],
    "play": ["-n", "20", "--horizon", "2", "--no-store"],
    "backtest": ["--classes", "missile-test", "--horizons", "3", "--origins", "2016-01-01:2016-12-31:6", "--boot", "10", "--no-store", "--quiet"],
}


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    args = list(draw(st.sampled_from(COMMANDS)))
    if draw(st.booleans()):
        args.append(draw(st.sampled_from(VALUES[:5])))
    for _ in range(draw(st.integers(0, 5))):
        args.append(draw(st.sampled_from(OPTIONS)))
        if draw(st.integers(0, 3)):
            args.append(draw(st.sampled_from(VALUES)))
    if args[:1] and args[0] in CHEAP and "--help" not in args:
        args += CHEAP[args[0]]
    if args[:1] == ["calibrate"]:
        # `calibrate SCENARIO` fits a scenario's calibration from the history tables, minutes whatever the
        # options: here it only meets tiny.toml (refused, it names no reference class); the fit has its tests.
        args = [("tiny.toml" if a in VALUES[:5] and a != "tiny.toml" else a) for a in args]
    return args


@settings(PROFILE)
@given(args=argvs())
def test_fuzz_arguments(args: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    check(run_cli(args, surface="arguments"))
