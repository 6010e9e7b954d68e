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

This module takes backups. `restore` brings them back, only ever into an empty database;
`backup_checks` holds what both check, and `postgres_tools` finds and runs pg_dump and
pg_restore. Nothing here uses Flask: the `esafety backup` and `esafety restore` commands and
the tests call `backup` and `restore` with a database URL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from ..db import make_engine, sqlite3
from .backup_checks import (
    FORMAT,
    BackupError,
    Check,
    Report,
    check_database,
    kind_of,
    manifest_path,
    raw_runner,
    read_only_sqlite,
    schema_revision,
    sha256_of,
    sqlalchemy_runner,
    sqlite_path,
    table_counts,
)
from .postgres_tools import pg_restore_into, pg_tool, run_tool, scratch_database, server_version


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
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    with closing(sqlite3.connect(source, isolation_level=None, timeout=30)) as live:
        live.execute("PRAGMA busy_timeout=30000")
        live.execute("BEGIN")  # one read transaction: the counts and the copy see one snapshot
        try:
            counts = table_counts(raw_runner(live), "sqlite")
            revision = schema_revision(raw_runner(live), counts)
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
    with read_only_sqlite(dest) as engine:
        checks = check_database(engine, manifest)
    return Report(dest, manifest, checks)


def _backup_postgresql(
    url: str, dest: Path, partial: Path, during: Callable[[], None] | None
) -> Report:
    target = make_url(url)
    engine = make_engine(url)
    try:
        server = server_version(engine)
        pg_dump = pg_tool("pg_dump", server)
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                run = sqlalchemy_runner(connection)
                counts = table_counts(run, "postgresql")
                revision = schema_revision(run, counts)
                if during is not None:
                    during()
                run_tool(
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
        with scratch_database(url, server) as scratch:
            report.checks.append(pg_restore_into(dest, scratch, server))
            if report.checks[-1].ok:
                engine = make_engine(scratch.render_as_string(hide_password=False))
                try:
                    report.checks += check_database(engine, manifest)
                finally:
                    engine.dispose()
    except BackupError as error:  # the dump is kept, with a manifest saying it is unchecked
        report.checks.append(Check("restore", False, str(error)))
    return report


# --- The manifest ----------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ordered(manifest: dict) -> dict:
    first = ("format", "created_at", "source", "schema_revision", "file", "bytes", "sha256")
    return {
        **{key: manifest[key] for key in first if key in manifest},
        **{key: value for key, value in manifest.items() if key not in first},
    }
