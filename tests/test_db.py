"""Every new SQLite connection gets the safety pragmas; PostgreSQL keeps its own defaults; the
SQLite library checked at startup is the one the engines run; on both, reads run outside a
transaction and writes inside one."""

from __future__ import annotations

import platform
import sys

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from portal.db import make_engine, sqlite3
from portal.models import School
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


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    with engine.begin() as connection:
        connection.execute(delete(School).where(School.slug.like("db-test-%")))
    engine.dispose()


def in_transaction(session: Session) -> bool:
    """Whether the database connection under `session` has a transaction open."""
    dbapi = session.connection().connection.dbapi_connection
    if hasattr(dbapi, "info"):  # psycopg
        return dbapi.info.transaction_status != TransactionStatus.IDLE
    return dbapi.in_transaction


def test_a_page_that_only_reads_leaves_no_transaction_open(engine):
    """Nothing held between a page's reads, and nothing to end when it is done: on PostgreSQL
    that saves the BEGIN and ROLLBACK round trips that cost it more than the reads."""
    with Session(engine) as db:
        db.execute(select(School.id)).all()
        db.scalars(select(School).limit(1)).first()
        assert not in_transaction(db)
        db.add(School(name="Read then write", slug="db-test-read"))
        db.flush()
        assert in_transaction(db)
        db.commit()
        assert not in_transaction(db)


def test_what_a_unit_of_work_writes_after_reading_is_kept_or_lost_together(engine):
    with Session(engine) as db:
        db.execute(select(School.id)).all()  # read first, outside any transaction
        db.add(School(name="One", slug="db-test-1"))
        db.flush()
        db.add(School(name="Two", slug="db-test-2"))
        db.flush()
        db.rollback()
    with Session(engine) as db:
        assert db.scalars(select(School.slug).where(School.slug.like("db-test-%"))).all() == []
        db.add_all([School(name="One", slug="db-test-1"), School(name="Two", slug="db-test-2")])
        db.commit()
    with Session(engine) as db:
        kept = db.scalars(select(School.slug).where(School.slug.like("db-test-%"))).all()
        assert sorted(kept) == ["db-test-1", "db-test-2"]


def test_a_failed_write_leaves_the_connection_fit_for_the_next_request(engine):
    with Session(engine) as db:
        db.add(School(name="First", slug="db-test-same"))
        db.commit()
        db.add(School(name="Second", slug="db-test-same"))  # the same slug: refused
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        assert db.scalars(select(School.name).where(School.slug == "db-test-same")).all() == [
            "First"
        ]


@pytest.fixture
def postgresql_engine(engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks and server-side cursors are PostgreSQL's")
    return engine


def test_a_row_read_for_update_stays_locked_until_commit(postgresql_engine):
    """A locking read begins the transaction, so the lock lasts until the unit of work ends
    (run on its own, it would be let go of at once)."""
    with Session(postgresql_engine) as setup:
        setup.add(School(name="Locked", slug="db-test-lock"))
        setup.commit()
    locked = select(School).where(School.slug == "db-test-lock").with_for_update()
    with Session(postgresql_engine) as first, Session(postgresql_engine) as second:
        assert first.scalars(locked).one().name == "Locked"
        with pytest.raises(OperationalError, match="could not obtain lock"):
            second.scalars(locked.with_for_update(nowait=True)).one()
        second.rollback()
        first.commit()
        assert second.scalars(locked.with_for_update(nowait=True)).one().name == "Locked"
        second.commit()


def test_rows_streamed_a_batch_at_a_time_are_read(postgresql_engine):
    """`yield_per` reads through a server-side cursor, which lives in a transaction."""
    with Session(postgresql_engine) as db:
        db.add_all([School(name=f"S{n}", slug=f"db-test-s{n}") for n in range(5)])
        db.commit()
        streamed = db.scalars(
            select(School.slug)
            .where(School.slug.like("db-test-%"))
            .order_by(School.slug)
            .execution_options(yield_per=2)
        )
        assert list(streamed) == [f"db-test-s{n}" for n in range(5)]
