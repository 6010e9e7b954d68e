"""The checks a copy must pass before anyone relies on it, and the manifest they check it by.

The same functions count the rows of the live database, of a fresh copy and of a restored
one, so the three can be compared; then come SQLite's integrity check, the schema revision and
the agreement records' hash chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from ..db import sqlite3
from ..services.acceptance import verify_chains

FORMAT = "esafety-backup 1"
MANIFEST_SUFFIX = ".manifest.json"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something stopped a backup or restore; the message says what, in plain words."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'OK' if self.ok else 'FAILED':6} {self.name}: {self.detail}"


@dataclass
class Report:
    """What a backup or restore did and what its checks found."""

    backup: Path
    manifest: dict
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def manifest_path(self) -> Path:
        return manifest_path(self.backup)


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def kind_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups work with SQLite and PostgreSQL, not {name}.")
    return name


# --- Checking --------------------------------------------------------------------------------


def check_database(engine: Engine, manifest: dict) -> list[Check]:
    """Check a copy against its manifest: integrity (SQLite), rows, schema, agreement chain."""
    checks = []
    if engine.dialect.name == "sqlite":
        problem = integrity_problem(engine)
        checks.append(Check("integrity", not problem, problem or "PRAGMA integrity_check says ok"))
        if problem:
            return checks
    try:
        with engine.connect() as connection:
            run = sqlalchemy_runner(connection)
            counts = table_counts(run, engine.dialect.name)
            revision = schema_revision(run, counts)
    except DBAPIError as error:
        checks.append(Check("rows", False, f"the tables cannot be read: {error.orig}"))
        return checks
    except BackupError as error:
        checks.append(Check("schema", False, str(error)))
        return checks
    checks.append(_compare_counts(counts, manifest.get("tables", {})))
    expected = manifest.get("schema_revision")
    checks.append(
        Check("schema", True, f"revision {revision}")
        if revision == expected
        else Check("schema", False, f"revision {revision}, but the manifest says {expected}")
    )
    checks.append(_chain_check(engine))
    return checks


def _compare_counts(counts: dict[str, int], expected: dict[str, int]) -> Check:
    differences = [
        f"{name}: {counts.get(name, 'no table')} rows, expected {expected.get(name, 'no table')}"
        for name in sorted(set(counts) | set(expected))
        if counts.get(name) != expected.get(name)
    ]
    if differences:
        return Check("rows", False, "; ".join(differences))
    total = sum(counts.values())
    return Check(
        "rows",
        True,
        f"{total} {'row' if total == 1 else 'rows'} in {len(counts)} tables, the same in every "
        "table as when the backup was made",
    )


def _chain_check(engine: Engine) -> Check:
    try:
        with Session(engine) as db:
            report = verify_chains(db)
    except DBAPIError as error:
        return Check("chain", False, f"the agreement records cannot be read: {error.orig}")
    if report.problems:
        return Check("chain", False, "; ".join(str(problem) for problem in report.problems))
    schools = "school" if report.schools == 1 else "schools"
    return Check(
        "chain",
        True,
        f"{report.records} agreement records in {report.schools} {schools}; every chain is intact",
    )


def integrity_problem(engine: Engine) -> str | None:
    """None when PRAGMA integrity_check says ok; otherwise what it (or SQLite) said."""
    try:
        with engine.connect() as connection:
            rows = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
    except DBAPIError as error:
        return f"SQLite cannot check it: {error.orig}"
    if rows == ["ok"]:
        return None
    shown = "; ".join(rows[:5]) + (f" (and {len(rows) - 5} more)" if len(rows) > 5 else "")
    return f"PRAGMA integrity_check says {shown}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- Tables and rows -------------------------------------------------------------------------

Runner = Callable[[str], list[tuple]]


def raw_runner(connection: sqlite3.Connection) -> Runner:
    return lambda sql: connection.execute(sql).fetchall()


def sqlalchemy_runner(connection) -> Runner:
    return lambda sql: [tuple(row) for row in connection.exec_driver_sql(sql)]


def table_counts(run: Runner, kind: str) -> dict[str, int]:
    """Rows in every table, by name (schema-qualified outside PostgreSQL's `public`)."""
    if kind == "sqlite":
        tables = [
            (None, name)
            for (name,) in run(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name"
            )
        ]
    else:
        tables = run(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY table_schema, table_name"
        )
    counts = {}
    for schema, name in tables:
        key = name if schema in (None, "public") else f"{schema}.{name}"
        qualified = _quote(name) if schema is None else f"{_quote(schema)}.{_quote(name)}"
        counts[key] = run(f"SELECT count(*) FROM {qualified}")[0][0]  # noqa: S608 - quoted names
    return counts


def schema_revision(run: Runner, counts: dict[str, int]) -> str:
    if "alembic_version" not in counts:
        raise BackupError(
            "The database has no schema revision (no alembic_version table): it is not the "
            "portal's database, or `esafety db upgrade` has never been run on it."
        )
    return ",".join(sorted(row[0] for row in run("SELECT version_num FROM alembic_version")))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"Backups need an SQLite database file, not {database or 'memory'}.")
    return Path(database)


@contextmanager
def read_only_sqlite(path: Path) -> Iterator[Engine]:
    """An engine that can only read the file at `path`, and never changes it."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    engine = create_engine(
        "sqlite://",
        module=sqlite3,
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=NullPool,
    )
    try:
        yield engine
    finally:
        engine.dispose()
