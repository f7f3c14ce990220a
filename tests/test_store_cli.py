"""The ``runs`` and ``report`` commands, run in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.cli import main
from detente.store import RunStore
from tests.test_store_fixtures import fake_simulate_result, write_tiny_scenario


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """A store with two simulate runs of the tiny scenario (different doctrines and seeds)."""
    path = tmp_path / "runs.duckdb"
    monkeypatch.setenv("DETENTE_STORE", str(path))
    monkeypatch.setenv("COLUMNS", "200")
    store = RunStore(path)
    ids = []
    for seed, doctrine in ((1, 0.5), (2, 0.9)):
        loaded = write_tiny_scenario(tmp_path / f"s{seed}", doctrine=doctrine)
        result = fake_simulate_result(loaded, seed=seed)
        ids.append(
            store.record(
                "simulate",
                loaded,
                params={"runs": 200},
                seed=seed,
                result=result,
                timings={"total": 1.25},
            )
        )
    return path, ids


def test_runs_list_shows_runs_newest_first(
    filled: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = filled
    code, out, _ = run_cli(["runs", "list"], capsys)
    assert code == 0
    assert out.index(ids[1]) < out.index(ids[0])
    code, out, _ = run_cli(["runs", "list", "--json", "-"], capsys)
    listed = json.loads(out)
    assert [r["id"] for r in listed] == [ids[1], ids[0]]
    assert listed[0]["total_seconds"] == 1.25


def test_runs_list_of_a_missing_store_says_so_without_creating_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "none.duckdb"
    code, out, _ = run_cli(["runs", "list", "--store", str(store)], capsys)
    assert code == 0 and "no runs in" in out
    assert not store.exists()


def test_runs_show_latest_prints_outcome_odds(
    filled: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = filled
    code, out, _ = run_cli(["runs", "show", "latest"], capsys)
    assert code == 0
    assert f"run {ids[1]}" in out and "seed" in out and "war" in out
    code, out, _ = run_cli(["runs", "show", ids[0], "--json", "-"], capsys)
    shown = json.loads(out)
    assert shown["id"] == ids[0] and shown["seed"] == 1
    assert shown["steps"] and set(shown["steps"][0]) == {"step", "series", "key", "stat", "value"}


def test_runs_diff_names_inputs_and_results(
    filled: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = filled
    code, out, _ = run_cli(["runs", "diff", ids[0], "latest", "--json", "-"], capsys)
    assert code == 0
    d: dict[str, Any] = json.loads(out)
    assert {i["name"] for i in d["inputs"]} >= {"seed", "scenario sha256"}
    assert any("0.9" in line for line in d["scenario_diff"])
    assert d["results"]
    code, out, _ = run_cli(["runs", "diff", ids[0], ids[0]], capsys)
    assert "inputs: the same" in out and "results: the same" in out


def test_runs_export_writes_parquet(
    filled: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["runs", "export", "latest", "--parquet", str(tmp_path / "exp")], capsys)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "exp").iterdir()) == [
        "run.parquet",
        "scenario.toml",
        "steps.parquet",
        "values.parquet",
    ]


def test_runs_rm_then_latest_is_the_previous_run(
    filled: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = filled
    code, out, _ = run_cli(["runs", "rm", "latest"], capsys)
    assert code == 0 and f"removed run {ids[1]}" in out
    assert RunStore(path).get("latest").id == ids[0]


def test_report_writes_one_self_contained_html_file(
    filled: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "sub" / "report.html"
    code, out, _ = run_cli(["report", "latest", "-o", str(out_file)], capsys)
    assert code == 0
    assert out.strip() == str(out_file.resolve())
    text = out_file.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text
    assert "Tiny border crisis" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "show", "nope"], "no run 'nope' (fix: `detente runs list` shows the ids"),
        (["runs", "rm", "nope"], "no run 'nope'"),
        (["report", "nope", "-o", "x.html"], "no run 'nope'"),
        (["runs", "diff", "latest", "nope"], "no run 'nope'"),
    ],
)
def test_unknown_run_ids_end_in_one_error_line(
    filled: tuple[Path, list[str]],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert err.startswith("Error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_corrupt_store_ends_in_one_error_line_and_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"\x00garbage" * 100)
    code, _, err = run_cli(["runs", "list", "--store", str(bad)], capsys)
    assert code == 2
    assert err.startswith(f"Error: {bad}: cannot be opened as a run store")
    assert "left untouched" in err
    assert bad.read_bytes() == b"\x00garbage" * 100


def test_report_to_a_folder_is_refused(
    filled: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["report", "latest", "-o", str(tmp_path)], capsys)
    assert code == 2 and "is a folder" in err


def test_forecast_of_a_scenario_is_recorded_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "runs.duckdb"
    code, out, _ = run_cli(
        ["forecast", "korea-2018", "--model", "compromise", "--store", str(store)], capsys
    )
    assert code == 0
    run = RunStore(store).get("latest")
    assert f"run {run.id} recorded in {store}" in out.replace("\n", "")
    assert run.kind == "forecast" and run.scenario_id == "korea-2018"
    assert {"model": "compromise", "rounds": 10, "q": 1.0}.items() <= run.params.items()
    assert {i["issue"] for i in run.result["issues"]} == {
        "prk-nuclear-status",
        "sanctions-pressure",
        "inter-korean-rapprochement",
    }
    code, out, _ = run_cli(
        ["report", "latest", "--store", str(store), "-o", str(tmp_path / "f.html")], capsys
    )
    assert code == 0
    text = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert "<h2>Bargaining forecasts</h2>" in text
    code, _, _ = run_cli(
        ["forecast", "korea-2018", "--model", "compromise", "--store", str(store), "--no-store"],
        capsys,
    )
    assert code == 0 and len(RunStore(store).runs()) == 1


def test_simulate_records_its_run_and_the_report_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("detente.engines.escalation")
    store = tmp_path / "runs.duckdb"
    args = ["simulate", "korea-2018", "--engine", "qre", "--runs", "40", "--horizon", "6", "--seed", "3", "--quiet"]
    code, out, _ = run_cli([*args, "--store", str(store)], capsys)
    assert code == 0
    run = RunStore(store).get("latest")
    assert f"run {run.id} recorded" in out.replace("\n", "")
    assert run.kind == "simulate" and run.seed == 3
    assert run.params["runs"] == 40 and run.params["horizon"] == 6
    assert run.result["runs"] == 40 and "outcomes" in run.result
    assert {"tension", "positions"} <= {s["series"] for s in run.steps}
    assert {"run", "total"} <= set(run.timings)
    code, out, _ = run_cli(
        ["report", "latest", "--store", str(store), "-o", str(tmp_path / "k.html")], capsys
    )
    assert code == 0 and "Tracked outcomes" in (tmp_path / "k.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "kind", "section"),
    [
        (
            ["compare", "korea-2018", "--strategy", "us-maximum-pressure", "--components", "none"],
            "compare",
            "Arms side by side",
        ),
        (["sweep", "korea-2018", "--vary", "actors.USA.doctrine=0:1:2"], "sweep", "Sweep"),
        (
            [
                "sensitivity",
                "korea-2018",
                "--outcome",
                "war",
                "--params",
                "actors.USA.doctrine=0:1,actors.PRK.doctrine=0:1",
                "--method",
                "morris",
                "--samples",
                "2",
            ],
            "sensitivity",
            "Sensitivity ranking",
        ),
    ],
    ids=["compare", "sweep", "sensitivity"],
)
def test_experiments_record_their_runs_and_report_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], kind: str, section: str
) -> None:
    pytest.importorskip("detente.experiments")
    store = tmp_path / "runs.duckdb"
    code, out, err = run_cli(
        [*args, "--runs", "20", "--horizon", "6", "--store", str(store)], capsys
    )
    assert code == 0, err
    run = RunStore(store).get("latest")
    assert run.kind == kind and run.scenario_id == "korea-2018" and run.params["runs"] == 20
    code, _, _ = run_cli(
        ["report", "latest", "--store", str(store), "-o", str(tmp_path / "r.html")], capsys
    )
    assert code == 0
    assert f"<h2>{section}</h2>" in (tmp_path / "r.html").read_text(encoding="utf-8")
