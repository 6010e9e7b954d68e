"""What a pupil's finished lesson or quiz costs in `coverage.refresh_pupil`, on the demo school.

Builds a fresh database (SQLite: a file under /dev/shm; PostgreSQL: a new database beside the
one in ESAFETY_TEST_POSTGRES_URL's server, dropped at the end), fills the demo school with its
lessons and quizzes (timed: every lesson and quiz done refreshes its pupil), checks that
refreshing every pupil one by one gives the rows `refresh_school` gave, then times
`refresh_pupil` for a pupil with five lessons done (median of --calls, each rolled back, the
session's connection already checked out, as in a request) and `refresh_school` for the school.

Run: .venv/bin/python bench/refresh.py sqlite   (or postgresql)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from portal.content import load_lessons
from portal.db import make_engine, make_session_factory
from portal.migrate import upgrade
from portal.models import LessonDone, OutcomeProgress, Pupil
from portal.services import coverage
from portal.services.demo import reset_demo_school

PROJECT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "ESAFETY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        with tempfile.TemporaryDirectory(prefix="esafety-refresh-", dir=memory) as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    name = f"esafety_refresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def progress_rows(db: Session) -> list[tuple[object, ...]]:
    columns = OutcomeProgress.__table__.columns
    return sorted(tuple(row) for row in db.execute(select(*columns)))


def median_ms(db: Session, calls: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(calls):
        db.execute(text("SELECT 1"))  # the connection a request already holds
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
        db.rollback()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database", choices=["sqlite", "postgresql"])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    curriculum = load_lessons(PROJECT / "curriculum", whole_scheme=False)
    with fresh_database(args.database) as url:
        upgrade(url)
        engine = make_engine(url)
        with make_session_factory(engine)() as db:
            started = time.perf_counter()
            reset_demo_school(db, curriculum)
            db.commit()
            demo_seconds = time.perf_counter() - started
            school_id = db.scalars(select(Pupil.school_id)).first()
            assert school_id is not None
            rebuilt = progress_rows(db)
            for pupil_id in db.scalars(select(Pupil.id)).all():
                coverage.refresh_pupil(db, curriculum, pupil_id)
            assert progress_rows(db) == rebuilt, "refresh_pupil and refresh_school disagree"
            db.rollback()
            done = select(LessonDone.pupil_id).group_by(LessonDone.pupil_id)
            pupil_id = db.scalars(done.having(func.count() == 5)).first()
            assert pupil_id is not None
            pupil_ms = median_ms(
                db, args.calls, lambda: coverage.refresh_pupil(db, curriculum, pupil_id)
            )
            school_ms = median_ms(
                db, 20, lambda: coverage.refresh_school(db, curriculum, school_id)
            )
        engine.dispose()
    print(
        f"{args.database}: refresh_pupil {pupil_ms:.2f} ms (median of {args.calls}), "
        f"refresh_school {school_ms:.1f} ms (median of 20, {len(rebuilt)} rows), "
        f"demo school with its lessons and quizzes {demo_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
