"""`detente new`: scenarios built from the history data, as of a date."""

from __future__ import annotations

import datetime as dt
import gzip
import math
from pathlib import Path

import pytest

from detente.cli import main
from detente.scenario import check_references, load_scenario, parse_scenario
from detente.scenario.build import build, outcome_probabilities, render_toml
from detente.scenario.history_data import History, ReadLog

CASES = [
    ("IND,PAK,CHN", "2019-02-14"),
    ("ARM,AZE,TUR,RUS", "2020-07-01"),
    ("RUS,UKR,USA", "2021-11-01"),
    ("CHN,TWN,USA", "2022-08-01"),
    ("PRK,KOR,USA,CHN", "2017-08-01"),
]


@pytest.mark.parametrize(("countries", "as_of"), CASES)
def test_built_scenario_validates_and_sits_at_its_base_rates_with_mechanisms_off(
    data_root: Path, tmp_path: Path, countries: str, as_of: str
) -> None:
    day = dt.date.fromisoformat(as_of)
    built = build(countries, day, data_root, runs=1500, seed=3)
    # Every row read is dated before the as-of date.
    assert built.log.reads
    for read in built.log.reads:
        assert read.latest is None or read.latest < day, read
    text = render_toml(built)
    out = tmp_path / "built.toml"
    out.write_text(text, encoding="utf-8")
    scenario = load_scenario(out)
    check_references(scenario, out)
    assert scenario == built.scenario
    assert scenario.outcomes, "a built scenario tracks standard outcomes"
    assert all(o.base_rate is not None for o in scenario.outcomes)
    # With every mechanism off, on fresh random numbers, each outcome sits near its base rate (within
    # the Monte Carlo error of the fit and of this check).
    runs = 3000
    probs = outcome_probabilities(scenario, runs=runs, seed=11)
    for o in scenario.outcomes:
        base = o.base_rate.value  # type: ignore[union-attr]
        tol = 4 * math.sqrt(base * (1 - base) * (1 / 1500 + 1 / runs)) + 0.01
        assert abs(probs[o.id] - base) <= tol, (o.id, probs[o.id], base)


def test_india_pakistan_2019_reads_what_the_record_says(data_root: Path) -> None:
    s = build("IND,PAK,CHN", dt.date(2019, 2, 14), data_root, fit=False).scenario
    caps = {a.id: a.capabilities for a in s.actors}
    assert caps["IND"].nuclear_status.value == "unofficial"
    assert caps["PAK"].nuclear_status.value == "unofficial"
    assert caps["CHN"].nuclear_status.value == "recognised"
    assert caps["CHN"].military.value > caps["IND"].military.value > caps["PAK"].military.value > 0
    rivalries = {frozenset(r.members): r for r in s.relations if r.kind == "rivalry"}
    assert frozenset(("IND", "PAK")) in rivalries and frozenset(("IND", "CHN")) in rivalries
    ip = rivalries[frozenset(("IND", "PAK"))]
    assert ip.tension is not None and ip.tension.value > 1.0  # a hostile dyad in the GDELT record
    assert "GDELT" in (ip.tension.note or "")
    assert "2019-01" in (ip.tension.note or "") and "2019-02" not in (ip.tension.note or "")


def test_nuclear_status_follows_the_as_of_date(data_root: Path) -> None:
    before = build("IND,PAK", dt.date(1998, 5, 1), data_root, fit=False).scenario
    assert before.actor("PAK").capabilities.nuclear_status.value == "none"
    after = build("IND,PAK", dt.date(1998, 6, 1), data_root, fit=False).scenario
    assert after.actor("PAK").capabilities.nuclear_status.value == "unofficial"


def test_history_reader_drops_rows_on_or_after_the_as_of_date(tmp_path: Path) -> None:
    hist = tmp_path / "history"
    hist.mkdir()
    (hist / "thompson_sakuwa_suhas_rivalries.csv").write_text(
        "tssr_id,rivalry,ccode1,ccode2,start,end,positional,spatial,ideological,interventionary,principal,aprin\n"
        "1,A-B,2,20,2017,2020,1,,,,,\n2,A-C,2,40,2018,2020,1,,,,,\n3,A-D,2,41,2019,2020,1,,,,,\n"
    )
    (hist / "gdelt2_dyad_composite_monthly_2018-01_2023-08.csv.gz").write_bytes(
        gzip.compress(b"month,iso3_a,iso3_b,composite_score_sum,days_nonzero,days_in_file_month\n"
                      b"2019-01,IND,PAK,-5,31,31\n2019-02,IND,PAK,-9,28,28\n")
    )
    h = History(dt.date(2019, 2, 14), tmp_path)
    assert sorted(h.rivalries().start) == [2017, 2018]
    assert list(h.gdelt().month) == ["2019-01"]  # February 2019 has days on and after the as-of date
    assert [(r.kept, r.dropped, r.latest) for r in h.log.reads] == [
        (2, 1, dt.date(2018, 12, 31)), (1, 1, dt.date(2019, 1, 31))
    ]


def test_read_log_refuses_a_row_dated_after_as_of() -> None:
    log = ReadLog(dt.date(2019, 2, 14))
    with pytest.raises(AssertionError):
        log.add("x.csv", 1, 0, dt.date(2019, 2, 14))


def test_cli_new_writes_a_file_that_validates(data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "india.toml"
    main(["new", "--countries", "IND,PAK,CHN", "--as-of", "2019-02-14", "-o", str(out), "--data", str(data_root), "-n", "500"])
    text = out.read_text(encoding="utf-8")
    assert "CHECK:" in text and "# Every row read is dated before 2019-02-14" in text
    scenario = parse_scenario(text, out)
    assert {a.id for a in scenario.actors} == {"IND", "PAK", "CHN"}
    assert "standard outcomes" in capsys.readouterr().out


def test_cli_new_template_is_a_valid_scenario(tmp_path: Path) -> None:
    out = tmp_path / "blank.toml"
    main(["new", "--template", "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "tension" in text and "3 = every month of the event record conflictual" in text
    load_scenario(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--countries", "IND,XYZ", "--as-of", "2019-02-14", "-o", "x.toml"], "'XYZ' is not an ISO 3166"),
        (["--countries", "IND", "--as-of", "2019-02-14", "-o", "x.toml"], "at least two"),
        (["--countries", "IND,PAK", "--as-of", "14/02/2019", "-o", "x.toml"], "not a date"),
        (["--countries", "IND,PAK", "--as-of", "2019-02-14"], "-o/--out: missing"),
    ],
)
def test_cli_new_bad_input_is_one_line_and_exit_2(
    data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["new", *args, "--data", str(data_root)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: ") and message in err and len(err.splitlines()) == 1


def test_a_built_scenario_keeps_its_base_rates_at_weekly_steps(data_root: Path) -> None:
    from detente.engines.escalation import simulate
    from detente.scenario.model import TimeStep

    s = build("IND,PAK,CHN", dt.date(2019, 2, 14), data_root, runs=1500, seed=3).scenario
    weekly = s.model_copy(update={"scenario": s.scenario.model_copy(update={"time_step": TimeStep.WEEK, "horizon": 52})})
    runs = 3000
    result = simulate(weekly, runs=runs, seed=5, progress=False)
    for o in s.outcomes:
        base = o.base_rate.value  # type: ignore[union-attr]
        p = result.probability(result.outcome_first_step(o.id), 52)[0]
        assert abs(p - base) <= 4 * math.sqrt(base * (1 - base) * (1 / 1500 + 1 / runs)) + 0.015, (o.id, p, base)
