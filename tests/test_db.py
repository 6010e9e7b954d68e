"""Every new SQLite connection gets the safety pragmas; PostgreSQL keeps its own defaults; the
SQLite library checked at startup is the one the engines run."""

from __future__ import annotations

import platform
import sys

import pytest
from sqlalchemy import text

from portal.db import make_engine, sqlite3
from portal.startup import has_wal_reset_bug, mail_sender_problem, shared_sqlite_problem

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


def test_the_sqlite_the_portal_checks_is_the_one_its_engines_run(tmp_path):
    """Startup judges the library's version; the engine must be running that very library."""
    engine = make_engine(f"sqlite:///{tmp_path / 'esafety.sqlite'}")
    try:
        with engine.connect() as connection:
            running = connection.exec_driver_sql("SELECT sqlite_version()").scalar()
    finally:
        engine.dispose()
    assert running == sqlite3.sqlite_version


@pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="pysqlite3 has a wheel, and so is installed, only on some machines",
)
def test_where_pysqlite3_installs_two_workers_may_share_an_sqlite_file():
    """Its SQLite is free of the WAL-reset bug, so `esafety serve --workers 2` and the mail
    sender may run beside each other on SQLite; Python's own SQLite here (3.40) may not."""
    assert sqlite3.__name__ == "pysqlite3.dbapi2"
    assert not has_wal_reset_bug(sqlite3.sqlite_version_info)
    assert shared_sqlite_problem("sqlite:///esafety.sqlite", 2) is None
    assert mail_sender_problem("sqlite:///esafety.sqlite") is None
