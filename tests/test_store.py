"""The run store: migrations, round trips, ids, diff, export, and refusing files it must not touch."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.scenario import LoadedScenario
from detente.store import (
    RunNotFoundError,
    RunStore,
    StoreError,
    StoreVersionError,
    default_store_path,
    diff_runs,
    flatten_result,
    schema,
    steps_from_result,
)
from tests.test_store_fixtures import fake_simulate_result, write_tiny_scenario


@pytest.fixture
def tiny(tmp_path: Path) -> LoadedScenario:
    return write_tiny_scenario(tmp_path / "scn")


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "runs.duckdb", timeout=5)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(store: RunStore, loaded: LoadedScenario, seed: int = 0, **kw: Any) -> str:
    result = fake_simulate_result(loaded, seed=seed)
    return store.record(
        "simulate",
        loaded,
        params={"runs": 200, "horizon": 12, **kw},
        seed=seed,
        result=result,
        timings={"run": 0.5, "total": 0.6},
        argv=["simulate", "tiny"],
    )


# Migrations -----------------------------------------------------------------------------------


def test_migrations_from_an_empty_store_are_applied_in_order_and_recorded(store: RunStore) -> None:
    assert not store.path.exists()
    assert store.migrations() == [m.name for m in schema.MIGRATIONS]
    with duckdb.connect(str(store.path)) as con:
        rows = con.execute("SELECT seq, name FROM schema_migrations ORDER BY seq").fetchall()
        tables = schema.user_tables(con)
    assert [r[1] for r in rows] == [m.name for m in schema.MIGRATIONS]
    assert [r[0] for r in rows] == list(range(1, len(schema.MIGRATIONS) + 1))
    assert {"runs", "run_steps", "run_values", "scenarios", "store_info"} <= tables
    # Opening again applies nothing new.
    with duckdb.connect(str(store.path)) as con:
        assert schema.apply(con) == []


def test_a_new_migration_is_applied_once_to_an_existing_store(
    store: RunStore, tiny: LoadedScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = _record(store, tiny)
    extra = schema.Migration("0099_test_extra", ("CREATE TABLE extra_test (x INTEGER)",))
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
    assert store.get(run_id).id == run_id  # a read migrates an older store first
    assert store.migrations()[-1] == "0099_test_extra"
    with duckdb.connect(str(store.path)) as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
            schema.MIGRATIONS
        )


def test_a_failing_migration_leaves_the_store_as_it_was(
    store: RunStore, tiny: LoadedScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(store, tiny)
    bad = schema.Migration(
        "0099_broken", ("CREATE TABLE half_done (x INTEGER)", "SELECT nonsense(")
    )
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, bad))
    with pytest.raises(duckdb.Error):
        store.migrations()
    monkeypatch.undo()
    with duckdb.connect(str(store.path)) as con:
        assert "half_done" not in schema.user_tables(con)
        assert schema.applied_migrations(con) == [m.name for m in schema.MIGRATIONS]


# Files it must not touch -----------------------------------------------------------------------


def test_a_store_from_a_newer_detente_is_refused_and_never_written(
    store: RunStore, tiny: LoadedScenario
) -> None:
    _record(store, tiny)
    with duckdb.connect(str(store.path)) as con:
        con.execute("INSERT INTO schema_migrations VALUES (99, '0099_from_the_future', now())")
    before = _digest(store.path)
    with pytest.raises(
        StoreVersionError, match="written by a newer detente.*0099_from_the_future.*left untouched"
    ):
        _record(store, tiny)
    with pytest.raises(StoreVersionError):
        store.runs()
    assert _digest(store.path) == before


@pytest.mark.parametrize("content", [b"", b"not a database " * 500], ids=["empty", "garbage"])
def test_a_corrupt_store_file_is_refused_and_never_overwritten(
    store: RunStore, tiny: LoadedScenario, content: bytes
) -> None:
    store.path.write_bytes(content)
    with pytest.raises(StoreError, match=r"cannot be opened as a run store.*left untouched"):
        _record(store, tiny)
    with pytest.raises(StoreError, match="cannot be opened"):
        store.runs()
    assert store.path.read_bytes() == content


def test_a_duckdb_file_of_something_else_is_refused(store: RunStore, tiny: LoadedScenario) -> None:
    with duckdb.connect(str(store.path)) as con:
        con.execute("CREATE TABLE sales (amount DOUBLE)")
    before = _digest(store.path)
    with pytest.raises(StoreError, match="not a detente run store.*sales"):
        _record(store, tiny)
    assert _digest(store.path) == before


def test_reads_never_create_a_store(store: RunStore) -> None:
    assert store.runs() == []
    with pytest.raises(RunNotFoundError, match="no run store here yet"):
        store.get("latest")
    assert not store.path.exists()


def test_default_store_path_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "x.duckdb"))
    assert default_store_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("DETENTE_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_store_path() == tmp_path / "detente" / "runs.duckdb"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_store_path() == Path.home() / ".local" / "share" / "detente" / "runs.duckdb"


# Round trips -----------------------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    result=st.dictionaries(st.text(min_size=1, max_size=8), _json, max_size=6),
    params=st.dictionaries(st.text(min_size=1, max_size=8), _json, max_size=4),
    seed=st.none() | st.integers(min_value=0, max_value=2**63 - 1),
)
def test_run_store_run_round_trip_returns_exactly_what_was_recorded(
    store: RunStore,
    tiny: LoadedScenario,
    result: dict[str, Any],
    params: dict[str, Any],
    seed: int | None,
) -> None:
    run_id = store.record("sweep", tiny, params=params, seed=seed, result=result, steps=[])
    back = store.get(run_id)
    assert back.result == result
    assert back.params == params
    assert back.seed == seed
    assert back.kind == "sweep"
    assert back.scenario_text == tiny.text
    assert back.loaded_scenario().sha256 == tiny.sha256
    assert back.loaded_scenario().scenario == tiny.scenario
    assert back.summary_values() == dict(flatten_result(result))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(min_value=0, max_value=10_000), runs=st.integers(min_value=5, max_value=300)
)
def test_a_stored_simulation_reruns_from_its_stored_inputs_to_the_same_result(
    store: RunStore, tiny: LoadedScenario, seed: int, runs: int
) -> None:
    """run → store → run: the stored scenario text, parameters and seed reproduce the stored result."""
    result = fake_simulate_result(tiny, runs=runs, seed=seed)
    run_id = store.record("simulate", tiny, params={"runs": runs}, seed=seed, result=result)
    back = store.get(run_id)
    again = fake_simulate_result(
        back.loaded_scenario(), runs=back.params["runs"], seed=back.seed or 0
    )
    assert again == back.result == json.loads(json.dumps(result))
    rows = steps_from_result(result)
    assert sorted(
        back.steps, key=lambda r: (r["series"], r["key"], r["stat"], r["step"])
    ) == sorted(rows, key=lambda r: (r["series"], r["key"], r["stat"], r["step"]))


def test_the_real_engine_reruns_from_the_store_to_the_same_result(store: RunStore) -> None:
    escalation = pytest.importorskip("detente.engines.escalation")
    if not hasattr(escalation, "simulate"):
        pytest.skip("the escalation engine has no simulate() yet")
    from detente.scenario import load_scenario_file

    loaded = load_scenario_file("korea-2018")
    result = escalation.simulate(loaded.scenario, runs=64, seed=11, horizon=6).to_dict()
    run_id = store.record(
        "simulate", loaded, params={"runs": 64, "horizon": 6}, seed=11, result=result
    )
    back = store.get(run_id)
    again = escalation.simulate(
        back.loaded_scenario().scenario, seed=back.seed, **back.params
    ).to_dict()
    assert json.loads(json.dumps(again)) == back.result


def test_per_step_rows_come_from_every_fan_block(tiny: LoadedScenario) -> None:
    result = fake_simulate_result(tiny)
    rows = steps_from_result(result)
    series = {(r["series"], r["key"]) for r in rows}
    assert series == {("tension", k) for k in result["tension"]} | {
        ("positions", k) for k in result["positions"]
    }
    pair = next(iter(result["tension"]))
    q95 = [r["value"] for r in rows if r["key"] == pair and r["stat"] == "q95"]
    assert q95 == result["tension"][pair]["q95"]
    nested = steps_from_result(
        {"arms": {"a": {"tension": {"X->Y": {"steps": [0, 1], "mean": [0.1, 0.2]}}}}}
    )
    assert {(r["series"], r["key"], r["step"]) for r in nested} == {
        ("arms/a/tension", "X->Y", 0),
        ("arms/a/tension", "X->Y", 1),
    }


def test_explicit_step_rows_are_checked(store: RunStore, tiny: LoadedScenario) -> None:
    with pytest.raises(StoreError, match=r"row 0 .*not \(step, series, key, stat, value\)"):
        store.record("simulate", tiny, params={}, seed=0, result={}, steps=[{"step": 0}])
    assert not store.path.exists()  # bad input is caught before the file is opened


def test_numpy_values_are_stored_as_plain_numbers(store: RunStore, tiny: LoadedScenario) -> None:
    import numpy as np

    result = {"p": np.float64(0.25), "n": np.int64(3), "arr": np.arange(3)}
    back = store.get(store.record("simulate", tiny, params={}, seed=np.int64(4), result=result))
    assert back.result == {"p": 0.25, "n": 3, "arr": [0, 1, 2]}
    assert back.seed == 4


def test_unstorable_values_are_refused_with_the_field(
    store: RunStore, tiny: LoadedScenario
) -> None:
    with pytest.raises(StoreError, match="the run's parameters: cannot store a object"):
        store.record("simulate", tiny, params={"x": object()}, seed=0, result={})


# Ids ----------------------------------------------------------------------------------------


def test_latest_names_the_newest_run_and_prefixes_resolve(
    store: RunStore, tiny: LoadedScenario
) -> None:
    first = _record(store, tiny, seed=1)
    second = _record(store, tiny, seed=2)
    assert store.get("latest").id == second
    assert store.get("latest").seed == 2
    assert [r.id for r in store.runs()] == [second, first]
    assert store.resolve(second) == second
    with pytest.raises(RunNotFoundError, match="no run 'nope'"):
        store.get("nope")
    if first[:15] == second[:15]:
        with pytest.raises(RunNotFoundError, match="ambiguous"):
            store.get(first[:15])


def test_listing_filters_by_kind_and_scenario(store: RunStore, tiny: LoadedScenario) -> None:
    _record(store, tiny)
    store.record("forecast", tiny, params={}, seed=None, result={"issues": {}})
    assert [r.kind for r in store.runs(kind="forecast")] == ["forecast"]
    assert len(store.runs(scenario="tiny")) == 2
    assert store.runs(scenario="other") == []
    assert len(store.runs(limit=1)) == 1


def test_removing_a_run_removes_its_rows_and_keeps_shared_scenarios(
    store: RunStore, tiny: LoadedScenario
) -> None:
    a = _record(store, tiny, seed=1)
    b = _record(store, tiny, seed=2)
    assert store.remove(a) == a
    assert [r.id for r in store.runs()] == [b]
    with duckdb.connect(str(store.path)) as con:
        assert (
            con.execute("SELECT count(*) FROM run_steps WHERE run_id = ?", [a]).fetchone()[0] == 0
        )
        assert (
            con.execute("SELECT count(*) FROM run_values WHERE run_id = ?", [a]).fetchone()[0] == 0
        )
        assert con.execute("SELECT count(*) FROM scenarios").fetchone()[0] == 1
    store.remove("latest")
    assert store.runs() == []
    with duckdb.connect(str(store.path)) as con:
        assert con.execute("SELECT count(*) FROM scenarios").fetchone()[0] == 0


# Diff and export ---------------------------------------------------------------------------


def test_diff_names_changed_inputs_scenario_lines_and_results(
    store: RunStore, tmp_path: Path
) -> None:
    one = write_tiny_scenario(tmp_path / "one", doctrine=0.5)
    two = write_tiny_scenario(tmp_path / "two", doctrine=0.9)
    a = _record(store, one, seed=1)
    b = _record(store, two, seed=2, strategy="talks")
    d = diff_runs(store.get(a), store.get(b))
    changed = {name for name, _, _ in d.inputs}
    assert {"seed", "scenario sha256", "params.strategy"} <= changed
    assert any(line.startswith("-") and "0.5" in line for line in d.scenario_diff)
    assert any(line.startswith("+") and "0.9" in line for line in d.scenario_diff)
    assert d.results, "different seeds give different results"
    probs = [
        (x, y)
        for _, x, y in d.results
        if x is not None and y is not None and 0 <= x <= 1 and 0 <= y <= 1
    ]
    assert d.results[: len(probs)] == [
        r
        for r in d.results
        if r[1] is not None and r[2] is not None and 0 <= r[1] <= 1 and 0 <= r[2] <= 1
    ]
    sizes = [abs(y - x) for x, y in probs]
    assert sizes == sorted(sizes, reverse=True)  # probabilities first, largest change first
    assert diff_runs(store.get(a), store.get(a)).results == []
    assert diff_runs(store.get(a), store.get(a)).inputs == []


def test_diff_reports_results_present_on_one_side_only(
    tiny: LoadedScenario, store: RunStore
) -> None:
    a = store.record("simulate", tiny, params={}, seed=0, result={"x": 1.0, "y": math.nan})
    b = store.record("simulate", tiny, params={}, seed=0, result={"y": math.nan, "z": 2})
    d = diff_runs(store.get(a), store.get(b))
    assert sorted(d.results, key=lambda r: r[0]) == [("x", 1.0, None), ("z", None, 2.0)]


def test_export_writes_parquet_that_reads_back_to_the_run(
    store: RunStore, tiny: LoadedScenario, tmp_path: Path
) -> None:
    run_id = _record(store, tiny)
    files = store.export_parquet("latest", tmp_path / "out")
    assert [f.name for f in files] == [
        "run.parquet",
        "values.parquet",
        "steps.parquet",
        "scenario.toml",
    ]
    run = store.get(run_id)
    row = pq.read_table(files[0]).to_pylist()[0]
    assert row["id"] == run_id and row["scenario_title"] == "Tiny border crisis"
    assert json.loads(row["result"]) == run.result
    values = {r["path"]: r["value"] for r in pq.read_table(files[1]).to_pylist()}
    assert values == run.summary_values()
    assert len(pq.read_table(files[2])) == len(run.steps)
    assert files[3].read_text(encoding="utf-8") == tiny.text


def test_a_bad_store_timeout_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DETENTE_STORE_TIMEOUT", "soon")
    with pytest.raises(
        StoreError, match=r"DETENTE_STORE_TIMEOUT='soon' is not a number of seconds >= 0"
    ):
        RunStore(tmp_path / "runs.duckdb")
    monkeypatch.setenv("DETENTE_STORE_TIMEOUT", "2.5")
    assert RunStore(tmp_path / "runs.duckdb").timeout == 2.5
