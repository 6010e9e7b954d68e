"""Engines and sessions: SQLite tuned for safety (WAL, foreign keys), or PostgreSQL as it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# The SQLite library every part of the portal opens a database with, engines and backups alike:
# one library, so one version to check against SQLite's bugs. pysqlite3 carries its own SQLite
# (3.53), free of the WAL-reset bug; where it has no wheel, Python's own, which startup checks.
if TYPE_CHECKING:
    import sqlite3 as sqlite3
else:
    try:
        from pysqlite3 import dbapi2 as sqlite3
    except ImportError:
        import sqlite3


class Base(DeclarativeBase):
    pass


# INSERT with ON CONFLICT, by dialect name: each database the portal runs on has its own form.
INSERT_ON_CONFLICT: dict[str, Callable[[Any], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, module=sqlite3, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, isolation_level="AUTOCOMMIT")
    event.listen(engine, "before_cursor_execute", _begin_before_writing)
    return engine


# A statement that only reads: a SELECT that locks no rows. Anything else may write.
_ONLY_READS = re.compile(
    r"\s*SELECT\b(?!.*\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b)", re.I | re.S
)


def _begin_before_writing(_connection, cursor, statement, *_args) -> None:
    """PostgreSQL run as SQLite's driver runs: a statement that only reads runs on its own, and
    the first one that may write (or lock rows) begins a transaction, which the session's commit
    or rollback ends. Under READ COMMITTED each statement sees what was committed when it
    started, inside a transaction or not, so reads see the same as before; a page that only
    reads saves two round trips (BEGIN and ROLLBACK), which cost the database more work than
    its queries. A server-side cursor (`yield_per`) needs a transaction to live in."""
    dbapi = cursor.connection
    if not dbapi.autocommit or dbapi.info.transaction_status != TransactionStatus.IDLE:
        return  # a transaction is under way, or the caller chose an isolation level of its own
    if getattr(cursor, "name", None) or not _ONLY_READS.match(statement):
        dbapi.execute("BEGIN")


def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets readers and a writer work at once; FULL sync makes a commit survive power loss."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
