"""An embedded DuckDB database of runs, each written in one transaction.

A run records what was run (scenario text and hash, parameters, seed, version), how long it took, and
what came out (the summary result and per-step aggregates).

Every run is written in one transaction, so an interrupted write leaves the store as it was. The file is
opened only for the moment of a read or a write; DuckDB lets one process hold a file at a time, so a
second process waits for its turn (up to ``timeout`` seconds) and then gets a clear "store is busy"
error instead of a traceback. A file that is not a detente store, is corrupt, or was written by a newer
detente is refused with a message and never written to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from detente.errors import DetenteError
from detente.scenario.io import LoadedScenario, parse_scenario
from detente.store import schema

KINDS = ("simulate", "forecast", "compare", "sweep", "sensitivity")
"""The kinds of run the CLI records. The store accepts any kind id; these are the ones detente writes."""

STEP_COLUMNS = ("step", "series", "key", "stat", "value")
"""Columns of the long-format per-step aggregates: ``step, series, key, stat, value``."""

LATEST = "latest"
"""The run id that names the newest run wherever a run id is taken."""

_ENV = "DETENTE_STORE"


class StoreError(DetenteError):
    """A run store that cannot be used: corrupt, not a detente store, newer, or no such run."""


class StoreBusyError(StoreError):
    """Another process held the store for longer than the wait allows."""


class StoreVersionError(StoreError):
    """A store written by a newer detente (it records migrations this version does not know)."""


class RunNotFoundError(StoreError):
    """A run id (or prefix) that matches no run, or more than one."""


def default_store_path() -> Path:
    """The store used when none is given: ``$DETENTE_STORE``, else ``~/.local/share/detente/runs.duckdb``.

    ``$XDG_DATA_HOME`` replaces ``~/.local/share`` when it is set.
    """
    env = os.environ.get(_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "detente" / "runs.duckdb"


# ---------------------------------------------------------------------------------------------
# What the store holds


@dataclass(frozen=True)
class RunSummary:
    """One line of ``detente runs list``: a run's identity and inputs, without its results."""

    id: str
    seq: int
    kind: str
    created_at: dt.datetime
    scenario_id: str
    scenario_sha256: str
    seed: int | None
    detente_version: str
    label: str
    total_seconds: float | None


@dataclass(frozen=True)
class StoredRun:
    """A run read back from the store: inputs, timings, results and per-step aggregates."""

    id: str
    seq: int
    kind: str
    created_at: dt.datetime
    scenario_id: str
    scenario_sha256: str
    scenario_path: str
    scenario_text: str
    params: dict[str, Any]
    seed: int | None
    detente_version: str
    timings: dict[str, Any]
    result: dict[str, Any]
    argv: list[str]
    label: str
    steps: list[dict[str, Any]] = field(default_factory=list)

    def loaded_scenario(self) -> LoadedScenario:
        """The scenario exactly as it was run, parsed again from the stored text (for re-running)."""
        scenario = parse_scenario(
            self.scenario_text, f"{self.scenario_path} (as stored in run {self.id})"
        )
        return LoadedScenario(
            scenario=scenario, path=Path(self.scenario_path), text=self.scenario_text
        )

    def summary_values(self) -> dict[str, float]:
        """Every numeric leaf of the result by slash path (``outcomes/war/12/p``), as in ``run_values``."""
        return dict(flatten_result(self.result))


# ---------------------------------------------------------------------------------------------
# Helpers shared with the CLI and the report


def to_jsonable(obj: Any) -> Any:
    """A copy of ``obj`` made of dicts, lists, str, int, float, bool and None (numpy included)."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bool | str | int | float) or obj is None:
        return obj
    tolist = getattr(obj, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return to_jsonable(tolist())
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store a {type(obj).__name__} ({obj!r:.60}) in a run record")


def _dumps(obj: Any, what: str) -> str:
    try:
        return json.dumps(to_jsonable(obj), ensure_ascii=False)
    except TypeError as exc:
        raise StoreError(f"the run's {what}: {exc} (fix: pass JSON-able values)") from None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def flatten_result(result: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every numeric leaf of a result as ``(path, value)``, with slash paths (``outcomes/war/12/p``).

    Lists of numbers are per-step series (kept in ``run_steps``) and are skipped; lists of objects are
    indexed (``paths/war/0/share``). Booleans are not numbers here.
    """
    for key, value in result.items():
        path = f"{prefix}/{key}" if prefix else str(key)
        if _is_number(value):
            yield path, float(value)
        elif isinstance(value, Mapping):
            yield from flatten_result(value, path)
        elif isinstance(value, list | tuple) and value and not all(_is_number(v) for v in value):
            for i, item in enumerate(value):
                if _is_number(item):
                    yield f"{path}/{i}", float(item)
                elif isinstance(item, Mapping):
                    yield from flatten_result(item, f"{path}/{i}")


def steps_from_result(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Long-format per-step rows from every step-indexed block of a result.

    A block is a dict with a ``steps`` list and statistics as equal-length lists, as the escalation
    engine writes under ``tension`` and ``positions``: ``{"steps": [0, 1, …], "mean": […], "q05": […]}``.
    Its *series* is the path of its parent (``tension``, or ``arms/none/tension`` in a comparison) and its
    *key* is its own name (``USA->PRK``). A dict of equal-length number lists and nothing else (such as
    ``actor_positions/ISSUE`` = ``{"USA": […], "PRK": […]}``) is a block with steps 0, 1, ….
    """
    rows: list[dict[str, Any]] = []

    def walk(node: Mapping[str, Any], path: list[str]) -> None:
        steps = node.get("steps")
        lists = [v for v in node.values() if isinstance(v, list)]
        if (
            steps is None
            and path
            and lists
            and len(lists) == len(node)
            and len({len(v) for v in lists}) == 1
            and all(_is_number(x) or x is None for v in lists for x in v)
        ):
            # Series by index without a "steps" list (e.g. actor_positions/ISSUE/ACTOR): steps 0, 1, …
            steps = list(range(len(lists[0])))
            node = {"steps": steps, **node}
        if isinstance(steps, list) and steps and path:
            series = "/".join(path[:-1]) or path[-1]
            for stat, values in node.items():
                if stat == "steps" or not isinstance(values, list) or len(values) != len(steps):
                    continue
                if not all(_is_number(v) or v is None for v in values):
                    continue
                for step, value in zip(steps, values, strict=True):
                    rows.append(
                        {
                            "step": int(step),
                            "series": series,
                            "key": path[-1],
                            "stat": str(stat),
                            "value": None if value is None else float(value),
                        }
                    )
            return
        for key, child in node.items():
            if isinstance(child, Mapping):
                walk(child, [*path, str(key)])

    walk(result, [])
    return rows


def _steps_table(steps: Any) -> pa.Table:
    """The per-step rows as an Arrow table, from a DataFrame or a list of dicts."""
    if steps is None:
        rows: list[Mapping[str, Any]] = []
    elif hasattr(steps, "to_dict") and hasattr(steps, "columns"):
        missing = [c for c in STEP_COLUMNS if c not in steps.columns]
        if missing:
            raise StoreError(
                f"per-step rows: missing column(s) {', '.join(missing)} "
                f"(fix: give columns {', '.join(STEP_COLUMNS)})"
            )
        rows = steps[list(STEP_COLUMNS)].to_dict("records")
    else:
        rows = list(steps)
    columns: dict[str, list[Any]] = {c: [] for c in STEP_COLUMNS}
    for i, row in enumerate(rows):
        try:
            value = row["value"]
            columns["step"].append(int(row["step"]))
            columns["series"].append(str(row["series"]))
            columns["key"].append(str(row["key"]))
            columns["stat"].append(str(row["stat"]))
            columns["value"].append(None if value is None else float(value))
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(
                f"per-step rows: row {i} ({dict(row)!r:.80}) is not (step, series, key, stat, value): "
                f"{exc} (fix: give an int step, text series/key/stat and a number value)"
            ) from None
    return pa.table(
        {
            "step": pa.array(columns["step"], pa.int32()),
            "series": pa.array(columns["series"], pa.string()),
            "key": pa.array(columns["key"], pa.string()),
            "stat": pa.array(columns["stat"], pa.string()),
            "value": pa.array(columns["value"], pa.float64()),
        }
    )


def _default_timeout() -> float:
    text = os.environ.get("DETENTE_STORE_TIMEOUT", "")
    if not text:
        return 30.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise StoreError(
            f"DETENTE_STORE_TIMEOUT={text!r} is not a number of seconds >= 0 (fix: e.g. DETENTE_STORE_TIMEOUT=30)"
        )
    return value


def _new_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _version() -> str:
    from detente import __version__

    return __version__


# ---------------------------------------------------------------------------------------------
# The store


class RunStore:
    """A DuckDB file of runs.

    Args:
        path: The database file; ``None`` for :func:`default_store_path`. Created (with its folder) on
            the first write, never on a read.
        timeout: Seconds to wait for another process that holds the file before giving up with
            :class:`StoreBusyError`; by default ``$DETENTE_STORE_TIMEOUT`` or 30.

    Example:
        >>> store = RunStore(tmp_path / "runs.duckdb")  # doctest: +SKIP
        >>> run_id = store.record("simulate", loaded, params={"runs": 1000}, seed=0, result=result)
        >>> store.get("latest").result == result
        True
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.timeout = _default_timeout() if timeout is None else timeout

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    # Opening -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, *, write: bool) -> Iterator[Any]:
        """Open the file (waiting while another process holds it), check it, migrate it if writing."""
        if self.path.is_dir():
            raise StoreError(
                f"{self.path}: is a folder (fix: give a file path such as {self.path / 'runs.duckdb'})"
            )
        if write:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"{self.path}: cannot create its folder: {exc.strerror} (fix: choose a writable --store path)"
                ) from None
        con = self._open_with_retry(write=write)
        try:
            applied = self._check(con, write=write)
            if not write and applied and schema.pending(applied):
                # A store from an older detente: migrate it once, then read.
                con.close()
                con = self._open_with_retry(write=True)
                self._check(con, write=True)
            yield con
        except (duckdb.IOException, duckdb.InternalException) as exc:
            # A truncated file or a corrupted block surfaces only when a table is read.
            text = str(exc).splitlines()[0].removeprefix("IO Error: ")
            raise StoreError(
                f"{self.path}: is damaged and cannot be read as a run store ({text[:160]}); it was left "
                "untouched (fix: restore it from a backup, or move it aside and give another --store)"
            ) from None
        finally:
            con.close()

    def _open_with_retry(self, *, write: bool) -> Any:
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=not write)
            except duckdb.Error as exc:
                text = str(exc)
                # Only the lock conflict is "busy"; other errors (a corrupt block, say) are not.
                if "could not set lock" in text.lower() or "conflicting lock" in text.lower():
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(
                            f"{self.path}: store is busy: another detente process has held it for more "
                            f"than {self.timeout:g} s (fix: wait for it to finish and retry, or use another --store)"
                        ) from None
                    time.sleep(delay * (0.5 + secrets.randbelow(1000) / 1000))
                    delay = min(delay * 1.6, 0.5)
                    continue
                raise StoreError(
                    f"{self.path}: cannot be opened as a run store ({text.removeprefix('IO Error: ')}); "
                    "it was left untouched (fix: move it aside, or give another --store)"
                ) from None

    def _check(self, con: Any, *, write: bool) -> list[str] | None:
        """Refuse a file that is not a detente store or is newer; migrate it when writing."""
        applied = schema.applied_migrations(con)
        if applied is None:
            tables = schema.user_tables(con)
            if tables:
                raise StoreError(
                    f"{self.path}: is a DuckDB database but not a detente run store (it has tables "
                    f"{', '.join(sorted(tables)[:5])}); it was left untouched (fix: give another --store)"
                )
        else:
            newer = schema.unknown(applied)
            if newer:
                raise StoreVersionError(
                    f"{self.path}: was written by a newer detente (schema migration "
                    f"{newer[0]!r} is unknown to detente {_version()}); it was left untouched "
                    "(fix: upgrade detente, or give another --store)"
                )
            info = (
                dict(con.execute("SELECT key, value FROM store_info").fetchall())
                if "store_info" in schema.user_tables(con)
                else {}
            )
            if applied and info.get("format") != schema.FORMAT:
                raise StoreError(
                    f"{self.path}: store_info.format is {info.get('format')!r}, not {schema.FORMAT!r}; "
                    "it was left untouched (fix: give another --store)"
                )
        if write:
            schema.apply(con)
        return applied

    def _readable(self) -> bool:
        """Whether there is a store file to read (reads never create one)."""
        return self.path.exists()

    def migrations(self) -> list[str]:
        """The names of the migrations this store has had (creating and migrating it if needed)."""
        with self._connect(write=True) as con:
            return schema.applied_migrations(con) or []

    # Writing -----------------------------------------------------------------------------

    def record(
        self,
        kind: str,
        loaded: LoadedScenario,
        *,
        params: Mapping[str, Any],
        seed: int | None,
        result: Mapping[str, Any],
        steps: Any = None,
        timings: Mapping[str, Any] | None = None,
        argv: Sequence[str] = (),
        label: str = "",
    ) -> str:
        """Record one run in one transaction and return its id.

        Args:
            kind: What ran: ``simulate``, ``forecast``, ``compare``, ``sweep`` or ``sensitivity``.
            loaded: The scenario as run (its text and hash are stored).
            params: The run's parameters (runs, horizon, strategy, overrides, …), JSON-able.
            seed: The seed, or ``None`` for a deterministic engine.
            result: The summary result (an engine's ``to_dict()``), JSON-able.
            steps: Per-step aggregates in long format (a DataFrame or dicts with ``step, series, key,
                stat, value``); ``None`` derives them from the result with :func:`steps_from_result`.
            timings: Wall times in seconds, e.g. ``{"load": 0.1, "run": 4.2, "total": 4.4}``.
            argv: The command line, for the record.
            label: A free note.

        Returns:
            The new run's id, e.g. ``20261123-163012-a1b2``.

        Raises:
            StoreBusyError: Another process held the store for longer than ``timeout``.
            StoreError: The store file is unusable, or the inputs are not JSON-able.
        """
        if not kind or not kind.replace("-", "").isalnum():
            raise StoreError(
                f"run kind {kind!r} is not a short name (fix: use one of {', '.join(KINDS)})"
            )
        # Everything that can fail on bad input is prepared before the file is opened.
        params_json = _dumps(params, "parameters")
        timings_json = _dumps(timings or {}, "timings")
        result_json = _dumps(result, "result")
        result_plain = json.loads(result_json)
        steps_table = _steps_table(steps_from_result(result_plain) if steps is None else steps)
        values = list(flatten_result(result_plain))
        values_table = pa.table(
            {
                "path": pa.array([p for p, _ in values], pa.string()),
                "value": pa.array([v for _, v in values], pa.float64()),
            }
        )
        argv_json = json.dumps([str(a) for a in argv])
        sc = loaded.scenario
        if seed is not None and not -(2**63) <= int(seed) < 2**63:
            raise StoreError(f"seed {seed} does not fit in 64 bits (fix: use a smaller seed)")

        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                now = _utcnow()
                run_id = _new_id(now)
                while con.execute("SELECT 1 FROM runs WHERE id = ?", [run_id]).fetchone():
                    run_id = _new_id(now)
                seq = int(con.execute("SELECT coalesce(max(seq), 0) + 1 FROM runs").fetchone()[0])
                if not con.execute(
                    "SELECT 1 FROM scenarios WHERE sha256 = ?", [loaded.sha256]
                ).fetchone():
                    con.execute(
                        "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?)",
                        [loaded.sha256, sc.id, sc.scenario.title, loaded.text, now],
                    )
                con.execute(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        seq,
                        kind,
                        now,
                        loaded.sha256,
                        sc.id,
                        str(loaded.path),
                        params_json,
                        None if seed is None else int(seed),
                        _version(),
                        timings_json,
                        result_json,
                        argv_json,
                        label,
                    ],
                )
                self._write_values(con, run_id, values_table)
                self._write_steps(con, run_id, steps_table)
                con.execute("COMMIT")
            except BaseException:
                # A Ctrl-C or an error mid-write: nothing of this run stays.
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
        return run_id

    @staticmethod
    def _write_values(con: Any, run_id: str, table: pa.Table) -> None:
        con.register("_detente_values", table)
        try:
            con.execute(
                "INSERT INTO run_values SELECT ?, path, value FROM _detente_values", [run_id]
            )
        finally:
            con.unregister("_detente_values")

    @staticmethod
    def _write_steps(con: Any, run_id: str, table: pa.Table) -> None:
        con.register("_detente_steps", table)
        try:
            con.execute(
                "INSERT INTO run_steps SELECT ?, step, series, key, stat, value FROM _detente_steps",
                [run_id],
            )
        finally:
            con.unregister("_detente_steps")

    def remove(self, run_id: str) -> str:
        """Delete a run (and its scenario text if no other run uses it); return the id removed."""
        with self._connect(write=True) as con:
            full = self._resolve(con, run_id)
            con.execute("BEGIN TRANSACTION")
            try:
                sha = con.execute(
                    "SELECT scenario_sha256 FROM runs WHERE id = ?", [full]
                ).fetchone()[0]
                con.execute("DELETE FROM run_steps WHERE run_id = ?", [full])
                con.execute("DELETE FROM run_values WHERE run_id = ?", [full])
                con.execute("DELETE FROM runs WHERE id = ?", [full])
                if not con.execute(
                    "SELECT 1 FROM runs WHERE scenario_sha256 = ?", [sha]
                ).fetchone():
                    con.execute("DELETE FROM scenarios WHERE sha256 = ?", [sha])
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
        return full

    # Reading -----------------------------------------------------------------------------

    def _resolve(self, con: Any, run_id: str) -> str:
        """The full id for ``latest``, an id, or a unique prefix of one."""
        wanted = run_id.strip()
        if wanted == LATEST:
            row = con.execute("SELECT id FROM runs ORDER BY seq DESC LIMIT 1").fetchone()
            if row is None:
                raise RunNotFoundError(
                    f"{self.path}: has no runs yet, so `latest` names none (fix: run `detente simulate …` first)"
                )
            return str(row[0])
        if not wanted:
            raise RunNotFoundError(
                "empty run id (fix: give an id from `detente runs list`, or `latest`)"
            )
        rows = con.execute(
            "SELECT id FROM runs WHERE starts_with(id, ?) ORDER BY seq", [wanted]
        ).fetchall()
        ids = [str(r[0]) for r in rows]
        if wanted in ids:
            return wanted
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise RunNotFoundError(
                f"{self.path}: no run {wanted!r} (fix: `detente runs list` shows the ids; `latest` names the newest)"
            )
        raise RunNotFoundError(
            f"{self.path}: run id {wanted!r} is ambiguous ({', '.join(ids[:4])}…) (fix: give more of the id)"
        )

    def resolve(self, run_id: str) -> str:
        """The full id of a run named by ``latest``, its id, or a unique prefix of its id."""
        if not self._readable():
            raise RunNotFoundError(
                f"{self.path}: no run store here yet (fix: record a run first, or give --store)"
            )
        with self._connect(write=False) as con:
            return self._resolve(con, run_id)

    def runs(
        self, *, kind: str | None = None, scenario: str | None = None, limit: int | None = None
    ) -> list[RunSummary]:
        """Runs, newest first, optionally only of one kind or scenario id."""
        if not self._readable():
            return []
        where, args = [], []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if scenario:
            where.append("scenario_id = ?")
            args.append(scenario)
        sql = (
            "SELECT id, seq, kind, created_at, scenario_id, scenario_sha256, seed, detente_version, "
            "label, timings FROM runs"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY seq DESC"
            + (f" LIMIT {int(limit)}" if limit else "")
        )
        with self._connect(write=False) as con:
            if schema.applied_migrations(con) is None:
                return []
            rows = con.execute(sql, args).fetchall()
        out = []
        for r in rows:
            timings = json.loads(r[9])
            total = timings.get("total")
            out.append(
                RunSummary(
                    id=r[0],
                    seq=int(r[1]),
                    kind=r[2],
                    created_at=r[3],
                    scenario_id=r[4],
                    scenario_sha256=r[5],
                    seed=r[6],
                    detente_version=r[7],
                    label=r[8],
                    total_seconds=float(total) if _is_number(total) else None,
                )
            )
        return out

    def get(self, run_id: str, *, with_steps: bool = True) -> StoredRun:
        """A run with its inputs, results and (unless ``with_steps=False``) per-step aggregates."""
        if not self._readable():
            raise RunNotFoundError(
                f"{self.path}: no run store here yet (fix: record a run first, or give --store)"
            )
        with self._connect(write=False) as con:
            full = self._resolve(con, run_id)
            r = con.execute(
                "SELECT r.id, r.seq, r.kind, r.created_at, r.scenario_id, r.scenario_sha256, "
                "r.scenario_path, s.text, r.params, r.seed, r.detente_version, r.timings, r.result, "
                "r.argv, r.label FROM runs r JOIN scenarios s ON s.sha256 = r.scenario_sha256 "
                "WHERE r.id = ?",
                [full],
            ).fetchone()
            steps: list[dict[str, Any]] = []
            if with_steps:
                rows = con.execute(
                    "SELECT step, series, key, stat, value FROM run_steps WHERE run_id = ? "
                    "ORDER BY series, key, stat, step",
                    [full],
                ).fetchall()
                steps = [dict(zip(STEP_COLUMNS, row, strict=True)) for row in rows]
        return StoredRun(
            id=r[0],
            seq=int(r[1]),
            kind=r[2],
            created_at=r[3],
            scenario_id=r[4],
            scenario_sha256=r[5],
            scenario_path=r[6],
            scenario_text=r[7],
            params=json.loads(r[8]),
            seed=r[9],
            detente_version=r[10],
            timings=json.loads(r[11]),
            result=json.loads(r[12]),
            argv=json.loads(r[13]),
            label=r[14],
            steps=steps,
        )

    def export_parquet(self, run_id: str, folder: str | Path) -> list[Path]:
        """Write a run as Parquet files (``run``, ``values``, ``steps``) and its ``scenario.toml``.

        Returns:
            The files written.
        """
        out = Path(folder)
        if out.exists() and not out.is_dir():
            raise StoreError(
                f"{out}: exists and is not a folder (fix: give a folder path for --parquet)"
            )
        run = self.get(run_id, with_steps=False)
        out.mkdir(parents=True, exist_ok=True)
        files = [
            out / "run.parquet",
            out / "values.parquet",
            out / "steps.parquet",
            out / "scenario.toml",
        ]
        with self._connect(write=False) as con:
            for sql, target in (
                (
                    "SELECT r.*, s.title AS scenario_title FROM runs r JOIN scenarios s "
                    "ON s.sha256 = r.scenario_sha256 WHERE r.id = ?",
                    files[0],
                ),
                ("SELECT path, value FROM run_values WHERE run_id = ? ORDER BY path", files[1]),
                (
                    "SELECT step, series, key, stat, value FROM run_steps WHERE run_id = ? "
                    "ORDER BY series, key, stat, step",
                    files[2],
                ),
            ):
                pq.write_table(con.sql(sql, params=[run.id]).to_arrow_table(), target)
        files[3].write_text(run.scenario_text, encoding="utf-8")
        return files


# ---------------------------------------------------------------------------------------------
# Diff


@dataclass(frozen=True)
class RunDiff:
    """What changed between two runs: in the inputs and in the results."""

    a: StoredRun
    b: StoredRun
    inputs: list[tuple[str, Any, Any]]
    scenario_diff: list[str]
    results: list[tuple[str, float | None, float | None]]


def _flat_inputs(run: StoredRun) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": run.kind,
        "scenario": run.scenario_id,
        "scenario sha256": run.scenario_sha256[:12],
        "seed": run.seed,
        "detente version": run.detente_version,
    }

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping) and node:
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        else:
            out[path] = node

    walk(run.params, "params")
    return out


def diff_runs(a: StoredRun, b: StoredRun, *, tolerance: float = 0.0) -> RunDiff:
    """Compare two runs: changed inputs (with a unified diff of the scenario text) and changed results.

    Results are compared leaf by leaf over :meth:`StoredRun.summary_values`; a leaf present in one run
    only is reported with ``None`` on the other side. Differences of at most ``tolerance`` are ignored.
    Values in [0, 1] on both sides (probabilities, shares) come first, largest absolute change first;
    then other numbers by relative change; then leaves present on one side only.
    """
    import difflib

    fa, fb = _flat_inputs(a), _flat_inputs(b)
    inputs = [
        (k, fa.get(k), fb.get(k)) for k in dict.fromkeys([*fa, *fb]) if fa.get(k) != fb.get(k)
    ]
    scenario_diff: list[str] = []
    if a.scenario_sha256 != b.scenario_sha256:
        scenario_diff = list(
            difflib.unified_diff(
                a.scenario_text.splitlines(),
                b.scenario_text.splitlines(),
                fromfile=f"{a.id}:{a.scenario_path}",
                tofile=f"{b.id}:{b.scenario_path}",
                lineterm="",
                n=1,
            )
        )
    va, vb = a.summary_values(), b.summary_values()
    results: list[tuple[str, float | None, float | None]] = []
    for path in dict.fromkeys([*va, *vb]):
        x, y = va.get(path), vb.get(path)
        if x is None or y is None:
            results.append((path, x, y))
        elif not (x == y or (math.isnan(x) and math.isnan(y))) and not abs(x - y) <= tolerance:
            results.append((path, x, y))

    def order(row: tuple[str, float | None, float | None]) -> tuple[int, float, str]:
        x, y = row[1], row[2]
        if x is None or y is None or math.isnan(x) or math.isnan(y):
            return (2, 0.0, row[0])
        if 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0:
            # Probabilities and shares: by absolute change.
            return (0, -abs(y - x), row[0])
        # Counts and the rest: by relative change.
        return (1, -abs(y - x) / max(abs(x), abs(y)), row[0])

    results.sort(key=order)
    return RunDiff(a=a, b=b, inputs=inputs, scenario_diff=scenario_diff, results=results)
