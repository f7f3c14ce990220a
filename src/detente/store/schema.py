"""The run store's schema as a list of named migrations, applied in order and recorded in a table.

A store remembers which migrations it has had in ``schema_migrations``. Opening a store applies the
ones it lacks, each in its own transaction; a store that records a migration this version of detente
does not know was written by a newer detente and is refused, never altered.

References:
    - The migrations-in-a-table pattern of sqlite-utils (``sqlite_utils/migrations.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

FORMAT = "detente-run-store"
"""The value of ``store_info.format`` that marks a DuckDB file as a detente run store."""


@dataclass(frozen=True)
class Migration:
    """One named, ordered step of the schema: SQL statements applied together in one transaction."""

    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_initial",
        (
            """CREATE TABLE store_info (
                key VARCHAR PRIMARY KEY,
                value VARCHAR NOT NULL
            )""",
            f"INSERT INTO store_info VALUES ('format', '{FORMAT}')",
            # A scenario's text is kept once per hash, however many runs use it.
            """CREATE TABLE scenarios (
                sha256 VARCHAR PRIMARY KEY,
                scenario_id VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                text VARCHAR NOT NULL,
                first_seen TIMESTAMP NOT NULL
            )""",
            # params/timings/result are JSON text kept verbatim (VARCHAR, not JSON) so that a stored
            # result reads back to exactly the dict that was recorded, NaN included.
            """CREATE TABLE runs (
                id VARCHAR PRIMARY KEY,
                seq BIGINT NOT NULL UNIQUE,
                kind VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL,
                scenario_sha256 VARCHAR NOT NULL,
                scenario_id VARCHAR NOT NULL,
                scenario_path VARCHAR NOT NULL,
                params VARCHAR NOT NULL,
                seed BIGINT,
                detente_version VARCHAR NOT NULL,
                timings VARCHAR NOT NULL,
                result VARCHAR NOT NULL,
                argv VARCHAR NOT NULL,
                label VARCHAR NOT NULL
            )""",
            # Per-step aggregates in long format: one row per (step, series, key, statistic).
            """CREATE TABLE run_steps (
                run_id VARCHAR NOT NULL,
                step INTEGER NOT NULL,
                series VARCHAR NOT NULL,
                key VARCHAR NOT NULL,
                stat VARCHAR NOT NULL,
                value DOUBLE
            )""",
            # Every numeric leaf of the summary result, by slash path (outcomes/war/12/p), for SQL.
            """CREATE TABLE run_values (
                run_id VARCHAR NOT NULL,
                path VARCHAR NOT NULL,
                value DOUBLE
            )""",
        ),
    ),
)


def applied_migrations(con: Any) -> list[str] | None:
    """The names of the migrations a store has had, oldest first; ``None`` if it has no table for them."""
    tables = {
        row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if "schema_migrations" not in tables:
        return None
    rows = con.execute("SELECT name FROM schema_migrations ORDER BY seq").fetchall()
    return [str(r[0]) for r in rows]


def user_tables(con: Any) -> set[str]:
    """The names of the tables in the database's main schema."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def pending(applied: list[str], migrations: tuple[Migration, ...] | None = None) -> list[Migration]:
    """The migrations not yet applied, in order (of ``migrations``, by default :data:`MIGRATIONS`)."""
    done = set(applied)
    return [m for m in (MIGRATIONS if migrations is None else migrations) if m.name not in done]


def unknown(applied: list[str], migrations: tuple[Migration, ...] | None = None) -> list[str]:
    """Applied migrations this version does not know: the store was written by a newer detente."""
    known = {m.name for m in (MIGRATIONS if migrations is None else migrations)}
    return [name for name in applied if name not in known]


def apply(con: Any, migrations: tuple[Migration, ...] | None = None) -> list[str]:
    """Apply the migrations a store lacks, each in one transaction; return the names applied."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
            seq INTEGER NOT NULL,
            name VARCHAR PRIMARY KEY,
            applied_at TIMESTAMP NOT NULL
        )"""
    )
    applied = applied_migrations(con) or []
    done: list[str] = []
    for migration in pending(applied, migrations):
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in migration.statements:
                con.execute(statement)
            seq = len(applied) + len(done) + 1
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [seq, migration.name, now]
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        done.append(migration.name)
    return done
