"""Curriculum-coverage reports at trust scale: 50 schools, 50,000 pupils, 2 million quiz answers,
on SQLite or PostgreSQL (set ESAFETY_DATABASE_URL).

Builds the data once and keeps it (SQLite: bench/results/coverage-<schools>x<pupils>.sqlite;
PostgreSQL: the database in the URL, created if missing), rebuilds every school's
outcome_progress with the service, then times the reports on a warm database: the school
dashboard, a class drill-down, the CSV export, a pupil's refresh and the trust-wide summary,
and the coverage pages through the Flask test client (skipped, with a note, while
portal/web/coverage.py does not exist).

Run: make bench-coverage  (or .venv/bin/python bench/coverage.py [--runs 7 --explain --rebuild];
--no-refresh --runs 0 --explain prints the query plans alone)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.content import calendar, load_lessons
from portal.content.curriculum import Curriculum, Lesson
from portal.db import make_engine, make_session_factory
from portal.migrate import upgrade
from portal.models import (
    LessonDone,
    OutcomeProgress,
    Pupil,
    QuizAnswer,
    QuizAttempt,
    School,
    SchoolClass,
    Staff,
)
from portal.services import coverage
from portal.web.runtime import runtime

PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "results"
MIN_ANSWERS = 2_000_000
CHUNK = 10_000
CLASSES_PER_YEAR = 5
LEFT_PER_SCHOOL = 15  # pupils who have left: still in the tables, not on roll
PRIMARY, SECONDARY = tuple(range(0, 7)), tuple(range(7, 14))
FIRST_NAMES = ("Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Isla", "Kai", "Zara")
LAST_NAMES = ("Ahmed", "Baker", "Clarke", "Davies", "Evans", "Khan", "Nowak", "Patel", "Smith")
TARGETS = {"dashboard": 0.2, "trust summary": 2.0}


# --- Databases --------------------------------------------------------------------------------


def database_url(schools: int, pupils: int) -> str:
    url = os.environ.get("ESAFETY_DATABASE_URL")
    if url:
        return url
    RESULTS.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{RESULTS / f'coverage-{schools}x{pupils}.sqlite'}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def drop_database(url: str) -> None:
    if is_sqlite(url):
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = make_url(url).database
    with _postgres_admin(url) as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def create_database(url: str) -> None:
    """PostgreSQL: create the database in the URL if it is missing (SQLite makes its file)."""
    if is_sqlite(url):
        return
    name = make_url(url).database
    with _postgres_admin(url) as admin:
        found = admin.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not found:
            admin.execute(text(f'CREATE DATABASE "{name}"'))


@contextmanager
def _postgres_admin(url: str):
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def build_engine(url: str) -> Engine:
    """The portal's engine; on SQLite without waiting for the disk, for the build only."""
    engine = make_engine(url)
    if is_sqlite(url):

        @event.listens_for(engine, "connect")
        def _fast(connection, _record):
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("PRAGMA cache_size=-262144")  # 256 MiB while building

    return engine


# --- Synthetic trust --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    schools: int
    pupils: int  # per school
    seed: int

    def school_years(self, number: int) -> tuple[int, ...]:
        """Odd-numbered schools are primaries (Reception to Year 6), even ones secondaries."""
        return PRIMARY if number % 2 else SECONDARY


def school_days(today: dt.date) -> list[dt.date]:
    """Weekdays from the start of last school year until today, August left out."""
    start = dt.date(today.year - (1 if today.month >= 9 else 2), 9, 1)
    days, day = [], start
    while day <= today:
        if day.weekday() < 5 and day.month != 8:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


class Ids:
    """Explicit primary keys, so answers can point at attempts without reading ids back."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]


def school_rows(plan: Plan, number: int, curriculum: Curriculum, ids: Ids, days, now) -> dict:
    """Everything one school holds, as lists of row dicts keyed by table name."""
    rng = random.Random(plan.seed * 1000 + number)
    school_id = ids.take("school")
    rows: dict[str, list[dict]] = {
        name: []
        for name in (
            "school",
            "school_class",
            "staff",
            "pupil",
            "lesson_done",
            "quiz_attempt",
            "quiz_answer",
        )
    }
    kind = "Primary" if number % 2 else "Academy"
    rows["school"].append(
        {
            "id": school_id,
            "name": f"{LAST_NAMES[number % len(LAST_NAMES)]} {kind} {number:02d}",
            "slug": f"trust-school-{number:02d}",
            "coverage_threshold": 50,
            "created_at": now,
        }
    )
    rows["staff"].append(
        {
            "id": ids.take("staff"),
            "school_id": school_id,
            "name": f"ICT Lead {number:02d}",
            "email": f"ict-lead-{number:02d}@trust.example.org",
            "role": "ict_lead",
            "failed_attempts": 0,
            "created_at": now,
        }
    )
    years = plan.school_years(number)
    classes = {}
    for year in years:
        for letter in "ABCDEFGH"[:CLASSES_PER_YEAR]:
            class_id = ids.take("school_class")
            classes.setdefault(year, []).append(class_id)
            label = "R" if year == 0 else str(year)
            rows["school_class"].append(
                {"id": class_id, "school_id": school_id, "name": label + letter, "year_group": year}
            )
    lessons = {band.id: curriculum.lessons_for(band.id) for band in curriculum.bands}
    for index in range(plan.pupils + LEFT_PER_SCHOOL):
        year = years[index % len(years)]
        pupil_id = ids.take("pupil")
        rows["pupil"].append(
            {
                "id": pupil_id,
                "school_id": school_id,
                "reference": f"T{number:02d}-{index:05d}",
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": rng.choice(LAST_NAMES),
                "year_group": year,
                "class_id": classes[year][(index // len(years)) % CLASSES_PER_YEAR],
                "failed_attempts": 0,
                "left_at": now - dt.timedelta(days=30) if index >= plan.pupils else None,
                "created_at": now,
            }
        )
        band = curriculum.band_of_year(year).id
        ability = min(0.97, max(0.4, rng.gauss(0.75, 0.1)))  # about 75% right on average
        for lesson in rng.sample(lessons[band], rng.randint(4, len(lessons[band]))):
            pupil_activity(rng, rows, ids, school_id, pupil_id, lesson, ability, days, now)
    return rows


def pupil_activity(rng, rows, ids, school_id, pupil_id, lesson: Lesson, ability, days, now):
    """A lesson read to the end and, nine times in ten, one or two goes at its quiz."""
    day = rng.choice(days)
    done_at = dt.datetime.combine(day, dt.time(8, 45)) + dt.timedelta(
        seconds=rng.randrange(6 * 3600)
    )
    done_at = min(done_at, now - dt.timedelta(minutes=30))
    rows["lesson_done"].append(
        {
            "id": ids.take("lesson_done"),
            "school_id": school_id,
            "pupil_id": pupil_id,
            "lesson_id": lesson.id,
            "done_at": done_at,
        }
    )
    if rng.random() < 0.1:
        return
    started = done_at + dt.timedelta(seconds=rng.randrange(60, 600))
    for go in range(2):
        attempt_id = ids.take("quiz_attempt")
        chance = min(0.98, ability + 0.1 * go)  # a second go goes a little better
        right = 0
        moment = started
        for question in lesson.questions:
            moment += dt.timedelta(seconds=rng.randrange(10, 60))
            correct = rng.random() < chance
            right += correct
            if correct:
                chosen = sorted(question.correct_choices)
            else:
                wrong = [
                    i for i in range(len(question.options)) if i not in question.correct_choices
                ]
                chosen = [rng.choice(wrong)] if wrong else []
            rows["quiz_answer"].append(
                {
                    "id": ids.take("quiz_answer"),
                    "school_id": school_id,
                    "attempt_id": attempt_id,
                    "pupil_id": pupil_id,
                    "lesson_id": lesson.id,
                    "question_id": question.id,
                    "outcome_id": question.outcome,
                    "chosen": chosen,
                    "correct": correct,
                    "answered_at": moment,
                }
            )
        total = len(lesson.questions)
        passed = right >= 0.8 * total
        rows["quiz_attempt"].append(
            {
                "id": attempt_id,
                "school_id": school_id,
                "pupil_id": pupil_id,
                "lesson_id": lesson.id,
                "started_at": started,
                "finished_at": moment + dt.timedelta(seconds=5),
                "correct": right,
                "total": total,
                "passed": passed,
            }
        )
        # Most who fail go again; a few who pass go again for a better score.
        if rng.random() >= (0.8 if not passed else 0.1):
            return
        started = moment + dt.timedelta(seconds=rng.randrange(3600, 10 * 86400))
        if started > now - dt.timedelta(minutes=10):
            started = moment + dt.timedelta(seconds=rng.randrange(60, 300))


TABLES = {
    "school": School,
    "school_class": SchoolClass,
    "staff": Staff,
    "pupil": Pupil,
    "lesson_done": LessonDone,
    "quiz_attempt": QuizAttempt,
    "quiz_answer": QuizAnswer,
}


def write_rows(connection, url: str, rows: dict[str, list[dict]]) -> None:
    for name, model in TABLES.items():
        batch = rows[name]
        if not batch:
            continue
        if not is_sqlite(url) and len(batch) > 1000:
            copy_rows(connection, name, batch)
            continue
        for start in range(0, len(batch), CHUNK):
            connection.execute(insert(model), batch[start : start + CHUNK])


def copy_rows(connection, table: str, batch: list[dict]) -> None:
    """PostgreSQL COPY through psycopg, on the transaction's own connection."""
    names = list(batch[0])
    json_columns = {"chosen"}
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([json.dumps(row[n]) if n in json_columns else row[n] for n in names])


def counts(db: Session) -> dict[str, int]:
    found = {
        name: db.scalar(select(func.count()).select_from(model)) for name, model in TABLES.items()
    }
    found["outcome_progress"] = db.scalar(select(func.count()).select_from(OutcomeProgress))
    return found


def usable(url: str, plan: Plan) -> bool:
    """A kept database is reused when it has the trust this run asks for."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            found = counts(db)
    finally:
        engine.dispose()
    return (
        found["school"] == plan.schools
        and found["staff"] == plan.schools
        and found["pupil"] == plan.schools * (plan.pupils + LEFT_PER_SCHOOL)
        and found["quiz_answer"] >= MIN_ANSWERS * plan.schools * plan.pupils / 50_000
    )


def build(url: str, plan: Plan, curriculum: Curriculum) -> tuple[float, float]:
    """Fill a freshly migrated database with the trust; one transaction per school.
    Returns the time taken in all, and the part of it spent making the rows in Python."""
    engine = build_engine(url)
    ids = Ids()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    days = school_days(now.date())
    started = time.perf_counter()
    answers, making = 0, 0.0
    for number in range(1, plan.schools + 1):
        made = time.perf_counter()
        rows = school_rows(plan, number, curriculum, ids, days, now)
        making += time.perf_counter() - made
        with engine.begin() as connection:
            write_rows(connection, url, rows)
        answers += len(rows["quiz_answer"])
        if number % 10 == 0 or number == plan.schools:
            print(
                f"  built {number}/{plan.schools} schools, {answers:,} answers, "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
    if not is_sqlite(url):
        with engine.begin() as connection:
            for name in TABLES:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )
                )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, making


def refresh_all(url: str, curriculum: Curriculum) -> tuple[float, list[float]]:
    """coverage.refresh_school for every school, one transaction each; the total and each."""
    engine = make_engine(url)  # the portal's own settings: this is a path it runs
    sessions = make_session_factory(engine)
    each = []
    with sessions() as db:
        school_ids = db.scalars(select(School.id).order_by(School.id)).all()
    for school_id in school_ids:
        started = time.perf_counter()
        with sessions() as db, db.begin():
            coverage.refresh_school(db, curriculum, school_id)
        each.append(time.perf_counter() - started)
    engine.dispose()
    return sum(each), each


def settle(url: str, analyze: bool) -> None:
    """Leave the database as a live one would be. PostgreSQL: statistics gathered (autovacuum
    would). SQLite: WAL checkpointed, and no planner statistics, as the portal never runs
    ANALYZE, unless `analyze` (then they are dropped again after the run; see `unsettle`)."""
    engine = make_engine(url)
    if is_sqlite(url):
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "ANALYZE" if analyze else "DROP TABLE IF EXISTS sqlite_stat1"
            )
            connection.commit()
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def unsettle(url: str) -> None:
    """SQLite: drop the statistics --analyze gathered, so the kept database stays as deployed."""
    if is_sqlite(url):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
        engine.dispose()


# --- Timing -----------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    times: list[float]
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def measure(name: str, work: Callable[[], object], runs: int, warmup: int, note="") -> Timing:
    for _ in range(warmup):
        work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return Timing(name, times, note)


@dataclass(frozen=True)
class Subject:
    """The school, and the class and pupil in it, that the per-school reports are timed on."""

    label: str
    school_id: int
    class_id: int
    pupil_id: int


def subjects(db: Session) -> list[Subject]:
    """The first primary and the first secondary school, each with a Year 5 or Year 10 class
    and its first pupil on roll."""
    found = []
    for label, year in (("primary", 5), ("secondary", 10)):
        school_id, class_id, pupil_id = db.execute(
            select(SchoolClass.school_id, SchoolClass.id, Pupil.id)
            .join(Pupil, Pupil.class_id == SchoolClass.id)
            .where(SchoolClass.year_group == year, Pupil.left_at.is_(None))
            .order_by(SchoolClass.id, Pupil.id)
            .limit(1)
        ).one()
        found.append(Subject(label, school_id, class_id, pupil_id))
    return found


def dashboard(db: Session, curriculum: Curriculum, school_id: int) -> None:
    by_year = coverage.heatmap(db, curriculum, school_id, by="year")
    by_class = coverage.heatmap(db, curriculum, school_id, by="class")
    coverage.gaps_below(by_year, 50)
    coverage.gaps_below(by_class, 50)
    coverage.untaught_outcomes(curriculum)


def drill_down(db: Session, curriculum: Curriculum, school_id: int, class_id: int) -> None:
    column = coverage.find_column(db, school_id, "class", class_id)
    period = coverage.periods(dt.date.today())["all"]
    coverage.outcome_rows(db, curriculum, school_id, column, None, period)


def export(db: Session, curriculum: Curriculum, school_id: int) -> int:
    period = coverage.periods(dt.date.today())["all"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            *("reference", "first name", "last name", "year", "class", "strand", "outcome"),
            *("level", "first taught", "first secure"),
        ]
    )
    lines = 0
    for row in coverage.pupil_outcome_rows(db, curriculum, school_id, period):
        writer.writerow(row)
        lines += 1
    return lines


def reports(curriculum: Curriculum, subject: Subject) -> dict[str, Callable[[Session], object]]:
    school, klass, pupil = subject.school_id, subject.class_id, subject.pupil_id
    return {
        f"dashboard ({subject.label})": lambda db: dashboard(db, curriculum, school),
        f"class drill-down ({subject.label})": lambda db: drill_down(db, curriculum, school, klass),
        f"CSV export ({subject.label})": lambda db: export(db, curriculum, school),
        f"refresh_pupil ({subject.label}, rolled back)": lambda db: refresh_pupil(
            db, curriculum, pupil
        ),
    }


def refresh_pupil(db: Session, curriculum: Curriculum, pupil_id: int) -> None:
    """What finishing a quiz adds: one pupil's outcome_progress rebuilt (not committed here)."""
    coverage.refresh_pupil(db, curriculum, pupil_id)
    db.rollback()


def time_reports(url: str, curriculum: Curriculum, runs: int, warmup: int) -> list[Timing]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as db:
        chosen = subjects(db)
    work: dict[str, Callable[[Session], object]] = {}
    for subject in chosen:
        work.update(reports(curriculum, subject))
    work["trust summary"] = lambda db: coverage.trust_summary(db, curriculum)
    timings = []
    for name, report in work.items():

        def once(report=report):
            with sessions() as db:
                return report(db)

        note = ""
        if name.startswith("CSV"):
            note = f"{once():,} lines"
        timings.append(measure(name, once, runs, warmup, note))
        print(f"  {name}: {timings[-1].median * 1000:.0f} ms", flush=True)
    engine.dispose()
    return timings


# --- The pages --------------------------------------------------------------------------------


def time_pages(url: str, runs: int, warmup: int) -> list[Timing] | None:
    """GET the coverage pages as a school's ICT lead, through the Flask test client."""
    if not (PROJECT / "portal" / "web" / "coverage.py").is_file():
        print("  portal/web/coverage.py does not exist yet: the pages are not timed")
        return None
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "POLICIES_DIR": str(PROJECT / "policies"),
            "CURRICULUM_DIR": str(PROJECT / "curriculum"),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    timings = []
    with runtime(app).sessions() as db:
        chosen = subjects(db)
    for subject in chosen:
        client = app.test_client()
        token = sign_in_lead(app, subject.school_id)
        with client.session_transaction(base_url="https://localhost") as session:
            session["_user_id"] = token
            session["_fresh"] = True
        pages = {
            f"page dashboard by year ({subject.label})": "/coverage/",
            f"page dashboard by class ({subject.label})": "/coverage/?by=class",
            f"page class drill-down ({subject.label})": f"/coverage/class/{subject.class_id}",
            f"page CSV export ({subject.label})": "/coverage/export.csv",
            f"page termly report ({subject.label})": "/coverage/report",
        }
        for name, path in pages.items():

            def get(path=path, client=client):
                response = client.get(path, base_url="https://localhost")
                body = response.get_data()
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
                return len(body)

            try:
                size = get()
            except RuntimeError as error:
                print(f"  {name}: not timed, {error}")
                continue
            timings.append(measure(name, get, runs, warmup, f"{size / 1024:,.0f} KiB"))
            print(f"  {name}: {timings[-1].median * 1000:.0f} ms", flush=True)
    runtime(app).engine.dispose()
    return timings


def sign_in_lead(app, school_id: int) -> str:
    """A session token for the school's ICT lead, who has signed the staff agreement (with the
    project's own policies, so every page also checks that, as it does for real staff)."""
    from portal.services import acceptance, agreements
    from portal.services.sessions import start_session

    with runtime(app).sessions() as db:
        lead = db.scalar(
            select(Staff).where(Staff.school_id == school_id, Staff.role == "ict_lead")
        )
        rules = agreements.rules(runtime(app).catalogue.current, calendar.school_today())
        entries = [
            acceptance.Entry.to(part.rule.in_force, "staff", lead.id, part.part)
            for part in agreements.parts_to_sign(db, rules, lead)
        ]
        if entries:
            signature = acceptance.Signature("staff", lead.id, signed_name=lead.name)
            acceptance.record_and_commit(db, school_id, entries, signature)
        token = start_session(db, lead)
        db.commit()
    return token


# --- Query plans ------------------------------------------------------------------------------


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """Every statement run on `engine` meanwhile, with its parameters."""
    statements: list[tuple[str, object]] = []

    def before(connection, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def sqlite_plan(rows) -> list[str]:
    depth = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def short_sql(statement: str, limit: int = 600) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= limit else flat[:limit] + " ..."


def explain(url: str, curriculum: Curriculum) -> None:
    """Run each report once, capturing its SQL, then print every statement's plan."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as db:
        chosen = subjects(db)
    work = dict(reports(curriculum, chosen[-1]))
    work["trust summary"] = lambda db: coverage.trust_summary(db, curriculum)
    work[f"refresh_school ({chosen[-1].label}, rolled back)"] = lambda db: coverage.refresh_school(
        db, curriculum, chosen[-1].school_id
    )
    prefix = "EXPLAIN QUERY PLAN " if is_sqlite(url) else "EXPLAIN (ANALYZE, BUFFERS) "
    for name, report in work.items():
        with captured(engine) as statements, sessions() as db:
            report(db)
            db.rollback()
        print(f"\n=== {name}: {len(statements)} statements")
        with engine.connect() as connection:
            for number, (statement, parameters) in enumerate(statements, 1):
                if is_sqlite(url):
                    plan = sqlite_plan(connection.exec_driver_sql(prefix + statement, parameters))
                else:  # EXPLAIN ANALYZE runs the statement: undo it, then run it for real
                    with connection.begin_nested() as savepoint:
                        rows = connection.exec_driver_sql(prefix + statement, parameters)
                        plan = [row[0] for row in rows]
                        savepoint.rollback()
                started = time.perf_counter()
                result = connection.exec_driver_sql(statement, parameters)
                if result.returns_rows:
                    result.all()
                took = time.perf_counter() - started
                print(f"\n--- {number}. {took * 1000:.1f} ms, all rows\n{short_sql(statement)}")
                print("\n".join(plan))
            connection.rollback()
    engine.dispose()


# --- Output -----------------------------------------------------------------------------------


def print_table(title: str, timings: list[Timing]) -> None:
    print(f"\n{title}\n")
    print("| report | median ms | min / max ms | runs | notes |")
    print("| --- | --- | --- | --- | --- |")
    for timing in timings:
        target = next((v for k, v in TARGETS.items() if timing.name.startswith(k)), None)
        notes = [timing.note] if timing.note else []
        if target is not None:
            verdict = "met" if timing.median < target else "MISSED"
            notes.append(f"target {target * 1000:.0f} ms {verdict}")
        print(
            f"| {timing.name} | {timing.median * 1000:.1f} | {min(timing.times) * 1000:.1f} / "
            f"{max(timing.times) * 1000:.1f} | {len(timing.times)} | {', '.join(notes)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--pupils", type=int, default=1000, help="pupils on roll per school")
    parser.add_argument("--runs", type=int, default=7, help="0: time nothing (with --explain)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument(
        "--no-refresh", action="store_true", help="keep outcome_progress as it is (kept data)"
    )
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="SQLite: run ANALYZE first (as PRAGMA optimize would); dropped again at the end",
    )
    args = parser.parse_args()
    plan = Plan(args.schools, args.pupils, args.seed)
    url = database_url(args.schools, args.pupils)
    curriculum = load_lessons(PROJECT / "curriculum")
    kind = "SQLite" if is_sqlite(url) else "PostgreSQL"
    print(f"{kind}: {make_url(url).render_as_string(hide_password=True)}")

    build_seconds = None
    if args.rebuild:
        drop_database(url)
    create_database(url)
    upgrade(url)  # a kept database gets any newer migrations too
    if not usable(url, plan):
        print("building the trust (kept for later runs; --rebuild builds it again)")
        drop_database(url)
        create_database(url)
        upgrade(url)
        build_seconds, making = build(url, plan, curriculum)
    refresh_seconds = None
    if is_sqlite(url):
        settle(url, args.analyze)  # the refresh runs with statistics only under --analyze
    if not args.no_refresh or build_seconds is not None:
        print("refreshing outcome_progress for every school", flush=True)
        refresh_seconds, each = refresh_all(url, curriculum)
    settle(url, args.analyze)

    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        found = counts(db)
    engine.dispose()
    print("\nrows: " + ", ".join(f"{name} {number:,}" for name, number in found.items()))
    if build_seconds is not None:
        print(
            f"build: {build_seconds:.1f} s, of which making the rows in Python {making:.1f} s "
            f"and writing them {build_seconds - making:.1f} s"
        )
    if refresh_seconds is not None:
        print(
            f"refresh_school x {len(each)}: {refresh_seconds:.1f} s in all, "
            f"median {statistics.median(each) * 1000:.0f} ms per school "
            f"(min {min(each) * 1000:.0f}, max {max(each) * 1000:.0f})"
        )

    if args.runs:
        print("\ntiming the reports", flush=True)
        timings = time_reports(url, curriculum, args.runs, args.warmup)
        pages = time_pages(url, args.runs, args.warmup)
        print_table(
            f"{kind}, {args.schools} schools x {args.pupils} pupils, "
            f"{found['quiz_answer']:,} answers, {found['outcome_progress']:,} progress rows; "
            f"{args.runs} runs after {args.warmup} warm-up",
            timings + (pages or []),
        )
    if args.explain:
        explain(url, curriculum)
    if args.analyze:
        unsettle(url)


if __name__ == "__main__":
    main()
