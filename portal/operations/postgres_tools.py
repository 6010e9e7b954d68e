"""The PostgreSQL client programs a backup and a restore run: pg_dump and pg_restore of the
server's version, given the connection in their environment, never on their command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from .backup_checks import BackupError, Check


@dataclass(frozen=True)
class Version:
    major: int
    text: str


@dataclass(frozen=True)
class Tool:
    path: Path
    version: Version


def server_version(engine: Engine) -> Version:
    with engine.connect() as connection:
        number = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one())
        shown: str = connection.exec_driver_sql("SHOW server_version").scalar_one()
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


def run_tool(tool: Tool, arguments: list[str], url: URL, failure: str) -> None:
    result = subprocess.run(  # noqa: S603 - a PostgreSQL program with our arguments, no shell
        [str(tool.path), "--no-password", *arguments],
        env=_libpq_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{failure}: {failure_of(result)}")


def pg_restore_into(source: Path, url: URL, server: Version, clean: bool = False) -> Check:
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
        run_tool(pg_tool("pg_restore", server), [*arguments, str(source)], url, "pg_restore")
    except BackupError as error:
        return Check("restore", False, f"{error}; nothing was restored")
    return Check("restore", True, f"pg_restore put the backup into {url.database} without errors")


@contextmanager
def scratch_database(url: str, server: Version) -> Iterator[URL]:
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


def failure_of(result: subprocess.CompletedProcess, lines: int = 3) -> str:
    """The last lines a PostgreSQL program wrote about its failure, or how it stopped."""
    kept = [line.strip() for line in result.stderr.splitlines() if line.strip()][-lines:]
    if kept:
        return " / ".join(kept)
    if result.returncode < 0:
        return f"it crashed (signal {-result.returncode}) without a message"
    return f"it stopped with exit status {result.returncode} without a message"
