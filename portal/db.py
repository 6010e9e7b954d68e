"""Engines and sessions: SQLite tuned for safety (WAL, foreign keys), or PostgreSQL as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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
    return create_engine(url, pool_pre_ping=True)


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
