"""Backups: a consistent copy taken while the portal is in use, checked before anyone relies
on it, and a restore that only ever fills an empty database.

A backup is one file and a manifest beside it (`<file>.manifest.json`): the rows in each table,
the schema revision, when it was made, what kind of database it came from and a SHA-256 of the
file. Both kinds of database are copied from one snapshot, and the row counts in the manifest
are read inside that same snapshot, so the copy must hold exactly those rows:

- SQLite: a read transaction is opened on the live database (write-ahead logging lets the
  portal keep writing meanwhile), the rows are counted, and SQLite's online backup API copies
  the database as that transaction sees it. The copy is then checked: `PRAGMA
  integrity_check`, the row counts, the schema revision and the agreement records' hash chain.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot (`pg_export_snapshot()`) and
  counts the rows; `pg_dump -Fc --snapshot` dumps that same snapshot. The dump is checked by
  restoring it into a temporary database, running the same checks there and dropping it.

A restore checks the file against its manifest first (a damaged file is refused, naming the
problem), refuses a database that already holds people or records, brings the copy back and
checks the result in the same way.

Nothing here uses Flask: the `esafety backup` and `esafety restore` commands and the tests call
`backup` and `restore` with a database URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from ..db import make_engine
from .acceptance import verify_chains

FORMAT = "esafety-backup 1"
MANIFEST_SUFFIX = ".manifest.json"
# The tables that hold people. A restore never writes over a database with rows in any of them
# (nor in any other table, except the two an upgraded, empty instance already fills).
PEOPLE_TABLES = ("school", "school_class", "staff", "pupil", "parent", "parent_link", "visitor")
FILLED_BY_UPGRADE = frozenset({"alembic_version", "policy_version"})
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


# --- Backing up ------------------------------------------------------------------------------


def backup(
    url: str,
    dest: Path,
    *,
    during: Callable[[], None] | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Copy the database at `url` into the file `dest`, check the copy and write its manifest.

    `during` is called once the snapshot is held and its rows counted, before the copy is made:
    the portal may write meanwhile, and the tests write then on purpose. The report's checks say
    whether the copy can be trusted; the file and manifest are kept either way (a copy of a
    database whose chain is already broken is still evidence).
    """
    kind = kind_of(url)
    dest = Path(dest)
    for path in (dest, manifest_path(dest)):
        if path.exists():
            raise BackupError(f"{path} already exists; choose a new name for the backup.")
    if not dest.parent.is_dir():
        raise BackupError(f"The folder {dest.parent} does not exist.")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    taken = _backup_sqlite if kind == "sqlite" else _backup_postgresql
    try:
        report = taken(url, dest, partial, during)
    finally:
        partial.unlink(missing_ok=True)
    manifest = report.manifest
    manifest.update(
        {
            "format": FORMAT,
            "created_at": _iso(now or dt.datetime.now(dt.UTC)),
            "file": dest.name,
            "bytes": dest.stat().st_size,
            "sha256": sha256_of(dest),
            "checks": [
                {"name": check.name, "ok": check.ok, "detail": check.detail}
                for check in report.checks
            ],
        }
    )
    manifest_path(dest).write_text(json.dumps(_ordered(manifest), indent=2) + "\n", "utf-8")
    return report


def _backup_sqlite(
    url: str, dest: Path, partial: Path, during: Callable[[], None] | None
) -> Report:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    with closing(sqlite3.connect(source, isolation_level=None, timeout=30)) as live:
        live.execute("PRAGMA busy_timeout=30000")
        live.execute("BEGIN")  # one read transaction: the counts and the copy see one snapshot
        try:
            counts = _table_counts(_raw_runner(live), "sqlite")
            revision = _revision(_raw_runner(live), counts)
            if during is not None:
                during()
            with closing(sqlite3.connect(partial, isolation_level=None)) as copy:
                live.backup(copy)  # in one step, inside the read transaction above
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            live.execute("COMMIT")
    partial.rename(dest)
    manifest = {
        "source": {"kind": "sqlite", "database": str(source)},
        "schema_revision": revision,
        "tables": counts,
    }
    with _read_only_sqlite(dest) as engine:
        checks = check_database(engine, manifest)
    return Report(dest, manifest, checks)


def _backup_postgresql(
    url: str, dest: Path, partial: Path, during: Callable[[], None] | None
) -> Report:
    target = make_url(url)
    engine = make_engine(url)
    try:
        server = _server_version(engine)
        pg_dump = pg_tool("pg_dump", server)
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                run = _sqlalchemy_runner(connection)
                counts = _table_counts(run, "postgresql")
                revision = _revision(run, counts)
                if during is not None:
                    during()
                _run_tool(
                    pg_dump,
                    ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
                    target,
                    "pg_dump could not copy the database",
                )
    finally:
        engine.dispose()
    partial.rename(dest)
    manifest = {
        "source": {
            "kind": "postgresql",
            "database": target.database,
            "host": target.host or "",
            "server_version": server.text,
            "pg_dump_version": pg_dump.version.text,
        },
        "schema_revision": revision,
        "tables": counts,
    }
    report = Report(dest, manifest)
    try:
        with _scratch_database(url, server) as scratch:
            report.checks.append(_pg_restore_into(dest, scratch, server))
            if report.checks[-1].ok:
                engine = make_engine(scratch.render_as_string(hide_password=False))
                try:
                    report.checks += check_database(engine, manifest)
                finally:
                    engine.dispose()
    except BackupError as error:  # the dump is kept, with a manifest saying it is unchecked
        report.checks.append(Check("restore", False, str(error)))
    return report


# --- Restoring -------------------------------------------------------------------------------


def restore(source: Path, url: str) -> Report:
    """Bring the backup `source` back into the empty database at `url` and check the result.

    Refuses, changing nothing, when the file does not match its manifest, is damaged, is of the
    other kind of database, or when the target already holds people or records.
    """
    kind = kind_of(url)
    source = Path(source)
    manifest = read_manifest(source)
    made_from = manifest.get("source", {}).get("kind")
    if made_from != kind:
        raise BackupError(
            f"{source} is a backup of a {made_from} database, but the database to restore into "
            f"is {kind}. Restore it into a {made_from} database."
        )
    restored = (_restore_sqlite if kind == "sqlite" else _restore_postgresql)(source, url, manifest)
    head = head_revision()
    if restored.ok and manifest.get("schema_revision") != head:
        restored.notes.append(
            f"The backup is at schema revision {manifest.get('schema_revision')} and this "
            f"release's is {head}: run `esafety db upgrade` before starting the portal."
        )
    return restored


def head_revision() -> str:
    """The newest schema revision this release knows."""
    from alembic.script import ScriptDirectory

    from ..migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def read_manifest(source: Path) -> dict:
    """The manifest beside `source`, after checking the file is the one it describes."""
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    path = manifest_path(source)
    if not path.is_file():
        raise BackupError(
            f"There is no manifest beside {source} (expected {path.name}). It holds the row "
            "counts and checksum the restore is checked against: keep it with the backup."
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"The manifest {path} cannot be read: {error}.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not an eSafety backup manifest.")
    actual = sha256_of(source)
    if actual != manifest.get("sha256"):
        raise BackupError(
            f"{source} is damaged or is not the file its manifest describes: its SHA-256 is "
            f"{actual}, but the manifest says {manifest.get('sha256')}. Nothing was restored; "
            "use another backup."
        )
    return manifest


def _restore_sqlite(source: Path, url: str, manifest: dict) -> Report:
    target = _sqlite_path(url)
    report = Report(source, manifest)
    with _read_only_sqlite(source) as engine:
        problem = _integrity_problem(engine)
    if problem:
        raise BackupError(
            f"{source} is damaged: {problem}. Nothing was restored; use another backup."
        )
    if target.exists():
        try:
            with closing(sqlite3.connect(target, isolation_level=None, timeout=30)) as existing:
                _refuse_if_not_empty(_table_counts(_raw_runner(existing), "sqlite"), str(target))
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"{target} is not an SQLite database ({error}); it was left as it is."
            ) from error
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as copy,
            closing(sqlite3.connect(target, isolation_level=None, timeout=30)) as restored,
        ):
            copy.backup(restored)
            restored.execute("PRAGMA journal_mode=WAL")  # as the portal runs it
    except sqlite3.Error as error:
        raise BackupError(f"Copying {source} into {target} failed: {error}.") from error
    engine = make_engine(f"sqlite:///{target}")
    try:
        report.checks = check_database(engine, manifest)
    finally:
        engine.dispose()
    return report


def _restore_postgresql(source: Path, url: str, manifest: dict) -> Report:
    target = make_url(url)
    engine = make_engine(url)
    try:
        try:
            server = _server_version(engine)
            with engine.connect() as connection:
                counts = _table_counts(_sqlalchemy_runner(connection), "postgresql")
        except DBAPIError as error:
            raise BackupError(
                f"Cannot open the database {target.database} to restore into: {error.orig}"
            ) from error
        _refuse_if_not_empty(counts, f"the database {target.database}")
        pg_restore = pg_tool("pg_restore", server)
        listing = subprocess.run(  # noqa: S603 - a fixed tool and arguments, no shell
            [str(pg_restore.path), "--list", str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if listing.returncode != 0:
            raise BackupError(
                f"{source} is damaged: pg_restore cannot read it ({_failure(listing)}). "
                "Nothing was restored; use another backup."
            )
        report = Report(source, manifest)
        report.checks.append(_pg_restore_into(source, target, server, clean=bool(counts)))
        if report.checks[-1].ok:
            report.checks += check_database(engine, manifest)
    finally:
        engine.dispose()
    return report


def _refuse_if_not_empty(counts: dict[str, int], where: str) -> None:
    filled = {name: n for name, n in counts.items() if n and name not in FILLED_BY_UPGRADE}
    if not filled:
        return
    people = [name for name in PEOPLE_TABLES if name in filled]
    listed = ", ".join(
        f"{name} ({filled[name]} rows)" for name in [*people, *sorted(set(filled) - set(people))]
    )
    raise BackupError(
        f"Refusing to restore: {where} is not empty. It holds {listed}. A restore only ever "
        "goes into an empty database, so nothing was changed; restore into a new, empty "
        "database instead."
    )


# --- Checking --------------------------------------------------------------------------------


def check_database(engine: Engine, manifest: dict) -> list[Check]:
    """Check a copy against its manifest: integrity (SQLite), rows, schema, agreement chain."""
    checks = []
    if engine.dialect.name == "sqlite":
        problem = _integrity_problem(engine)
        checks.append(Check("integrity", not problem, problem or "PRAGMA integrity_check says ok"))
        if problem:
            return checks
    try:
        with engine.connect() as connection:
            run = _sqlalchemy_runner(connection)
            counts = _table_counts(run, engine.dialect.name)
            revision = _revision(run, counts)
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


def _integrity_problem(engine: Engine) -> str | None:
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


def _raw_runner(connection: sqlite3.Connection) -> Runner:
    return lambda sql: connection.execute(sql).fetchall()


def _sqlalchemy_runner(connection) -> Runner:
    return lambda sql: [tuple(row) for row in connection.exec_driver_sql(sql)]


def _table_counts(run: Runner, kind: str) -> dict[str, int]:
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


def _revision(run: Runner, counts: dict[str, int]) -> str:
    if "alembic_version" not in counts:
        raise BackupError(
            "The database has no schema revision (no alembic_version table): it is not the "
            "portal's database, or `esafety db upgrade` has never been run on it."
        )
    return ",".join(sorted(row[0] for row in run("SELECT version_num FROM alembic_version")))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"Backups need an SQLite database file, not {database or 'memory'}.")
    return Path(database)


@contextmanager
def _read_only_sqlite(path: Path) -> Iterator[Engine]:
    """An engine that can only read the file at `path`, and never changes it."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=NullPool,
    )
    try:
        yield engine
    finally:
        engine.dispose()


# --- PostgreSQL ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    major: int
    text: str


@dataclass(frozen=True)
class Tool:
    path: Path
    version: Version


def _server_version(engine: Engine) -> Version:
    with engine.connect() as connection:
        number = int(connection.exec_driver_sql("SHOW server_version_num").scalar())
        shown = connection.exec_driver_sql("SHOW server_version").scalar()
    return Version(number // 10000, shown.split()[0])


def installed_tools(name: str) -> list[Tool]:
    """Every copy of a PostgreSQL client program found: on PATH and in Debian's
    /usr/lib/postgresql/<version>/bin, with its version."""
    paths = {Path(found) for found in [shutil.which(name)] if found}
    paths |= set(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    tools = []
    for path in sorted(paths):
        result = subprocess.run(  # noqa: S603 - a PostgreSQL program, no shell
            [str(path), "--version"], capture_output=True, text=True, check=False
        )
        match = re.search(r"\b(\d+)(\.\d+)?", result.stdout)
        if result.returncode == 0 and match:
            tools.append(Tool(path, Version(int(match[1]), match[0])))
    return tools


def pg_tool(name: str, server: Version) -> Tool:
    """The client program to use with this server: one of the same major version, or else the
    newest. pg_dump refuses a server newer than itself, so that is refused here first, clearly.
    """
    tools = installed_tools(name)
    if not tools:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client programs (on Debian: "
            f"apt install postgresql-client-{server.major})."
        )
    tools.sort(key=lambda tool: (tool.version.major == server.major, tool.version.major))
    chosen = tools[-1]
    if chosen.version.major < server.major:
        raise BackupError(
            f"The PostgreSQL server is version {server.text}, newer than {name} here "
            f"(version {chosen.version.text}, {chosen.path}). {name} cannot work with a newer "
            f"server: install the PostgreSQL {server.major} client programs (on Debian, "
            f"postgresql-client-{server.major} from apt.postgresql.org) and try again."
        )
    return chosen


def _libpq_environment(url: URL) -> dict[str, str]:
    """Connection settings for pg_dump and pg_restore, passed in the environment so that a
    password never appears in the list of running processes."""
    environment = dict(os.environ)
    values = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, variable in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ):
        if key in url.query:
            value = url.query[key]
            values[variable] = value if isinstance(value, str) else value[0]
    environment.update({key: str(value) for key, value in values.items() if value is not None})
    return environment


def _run_tool(tool: Tool, arguments: list[str], url: URL, failure: str) -> None:
    result = subprocess.run(  # noqa: S603 - a PostgreSQL program with our arguments, no shell
        [str(tool.path), "--no-password", *arguments],
        env=_libpq_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{failure}: {_failure(result)}")


def _pg_restore_into(source: Path, url: URL, server: Version, clean: bool = False) -> Check:
    """Run pg_restore into the database at `url`, in one transaction that stops at the first
    error. With `clean`, the portal's empty tables there are dropped first."""
    arguments = [
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={url.database}",
    ]
    if clean:
        arguments += ["--clean", "--if-exists"]
    try:
        _run_tool(pg_tool("pg_restore", server), [*arguments, str(source)], url, "pg_restore")
    except BackupError as error:
        return Check("restore", False, f"{error}; nothing was restored")
    return Check("restore", True, f"pg_restore put the backup into {url.database} without errors")


@contextmanager
def _scratch_database(url: str, server: Version) -> Iterator[URL]:
    """A new, empty database on the same server, dropped afterwards, to check a dump in."""
    name = f"esafety_backup_check_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except DBAPIError as error:
            raise BackupError(
                "The backup was written, but it could not be checked: making a temporary "
                f"database to restore it into failed ({error.orig}). The database user needs "
                "permission to create databases (CREATEDB)."
            ) from error
        try:
            yield make_url(url).set(database=name)
        finally:
            force = " WITH (FORCE)" if server.major >= 13 else ""
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"{force}'))
    finally:
        admin.dispose()


def _failure(result: subprocess.CompletedProcess, lines: int = 3) -> str:
    """The last lines a PostgreSQL program wrote about its failure, or how it stopped."""
    kept = [line.strip() for line in result.stderr.splitlines() if line.strip()][-lines:]
    if kept:
        return " / ".join(kept)
    if result.returncode < 0:
        return f"it crashed (signal {-result.returncode}) without a message"
    return f"it stopped with exit status {result.returncode} without a message"


# --- The manifest ----------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ordered(manifest: dict) -> dict:
    first = ("format", "created_at", "source", "schema_revision", "file", "bytes", "sha256")
    return {
        **{key: manifest[key] for key in first if key in manifest},
        **{key: value for key, value in manifest.items() if key not in first},
    }
