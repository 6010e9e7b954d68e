"""Restoring a backup, only ever into an empty database, and checking the result.

The file is checked against its manifest first (a damaged file is refused, naming the
problem); a database that already holds people or records is refused, changing nothing; the
copy is brought back and checked as a backup is (see `backup_checks`).
"""

from __future__ import annotations

import json
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ..db import make_engine, sqlite3
from .backup_checks import (
    FORMAT,
    BackupError,
    Report,
    check_database,
    integrity_problem,
    kind_of,
    manifest_path,
    raw_runner,
    read_only_sqlite,
    sha256_of,
    sqlalchemy_runner,
    sqlite_path,
    table_counts,
)
from .postgres_tools import failure_of, pg_restore_into, pg_tool, server_version

# The tables that hold people. A restore never writes over a database with rows in any of them
# (nor in any other table, except the two an upgraded, empty instance already fills).
PEOPLE_TABLES = ("school", "school_class", "staff", "pupil", "parent", "parent_link", "visitor")
FILLED_BY_UPGRADE = frozenset({"alembic_version", "policy_version"})


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

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None  # the migrations are a single line of revisions
    return head


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
    target = sqlite_path(url)
    report = Report(source, manifest)
    with read_only_sqlite(source) as engine:
        problem = integrity_problem(engine)
    if problem:
        raise BackupError(
            f"{source} is damaged: {problem}. Nothing was restored; use another backup."
        )
    if target.exists():
        try:
            with closing(sqlite3.connect(target, isolation_level=None, timeout=30)) as existing:
                _refuse_if_not_empty(table_counts(raw_runner(existing), "sqlite"), str(target))
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
            server = server_version(engine)
            with engine.connect() as connection:
                counts = table_counts(sqlalchemy_runner(connection), "postgresql")
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
                f"{source} is damaged: pg_restore cannot read it ({failure_of(listing)}). "
                "Nothing was restored; use another backup."
            )
        report = Report(source, manifest)
        report.checks.append(pg_restore_into(source, target, server, clean=bool(counts)))
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
