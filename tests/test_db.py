"""Every new SQLite connection gets the safety pragmas; PostgreSQL keeps its own defaults."""

from __future__ import annotations

from sqlalchemy import text

from portal.db import make_engine

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers and a writer at once
    "synchronous": 2,  # FULL: a commit survives power loss
    "foreign_keys": 1,
    "busy_timeout": 30000,  # wait for a writer, in milliseconds, before "database is locked"
}


def pragmas(connection) -> dict:
    return {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in SQLITE_PRAGMAS}


def test_every_new_sqlite_connection_gets_every_pragma(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'esafety.sqlite'}")
    try:
        with engine.connect() as first, engine.connect() as second:  # two connections at once
            assert first.connection.dbapi_connection is not second.connection.dbapi_connection
            assert pragmas(first) == SQLITE_PRAGMAS
            assert pragmas(second) == SQLITE_PRAGMAS
        engine.dispose()  # every pooled connection closed: the next one is new
        with engine.connect() as fresh:
            assert pragmas(fresh) == SQLITE_PRAGMAS
    finally:
        engine.dispose()


def test_the_test_databases_use_the_same_engine(database_url):
    """On the suite's SQLite the pragmas hold; on PostgreSQL the server's defaults stand."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if database_url.startswith("sqlite"):
                assert pragmas(connection) == SQLITE_PRAGMAS
            else:
                assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
                assert connection.execute(text("SHOW fsync")).scalar() == "on"
                assert engine.pool._pre_ping
    finally:
        engine.dispose()
