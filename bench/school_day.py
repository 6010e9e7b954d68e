"""A school day under load: 600 pupils taking quizzes, 200 parents and carers signing their
family's agreements and the ICT lead watching coverage and agreements, all at once, against
gunicorn (2 workers x 4 threads) on SQLite or PostgreSQL (set ESAFETY_DATABASE_URL), with
`esafety send-mail --watch` sending the receipts beside it.

The measured time starts once every pupil has signed in (see bench/locust_day.py).

Run: make bench-day  (or .venv/bin/python bench/school_day.py [--pupils 600 --parents 200
--seconds 120])

On PostgreSQL the database named in the URL is dropped and made afresh, so its name must
contain "bench".
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadrun import BIN, HERE, print_table, serve
from quiz_load import PASSWORD
from quiz_load import seed as seed_pupils
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.content import calendar
from portal.db import make_engine
from portal.models import (
    Acceptance,
    OutboxMessage,
    Parent,
    Pupil,
    QuizAnswer,
    School,
    SchoolClass,
    Staff,
)
from portal.services import agreements, links
from portal.services.acceptance import Entry, Signature, record_and_commit, verify_chains
from portal.services.sessions import start_session
from portal.services.tokens import new_letter_code, normalise_letter_code, token_hash
from portal.web.runtime import runtime

PROJECT = HERE.parent
PORT = 8304
SECRET = "bench"
LETTER_EVERY = 4  # one parent in 4 has no email address and signs in with a letter code


def fresh_database(url: str) -> None:
    """PostgreSQL: drop the benchmark database and make it again (SQLite: a new file)."""
    if url.startswith("sqlite"):
        return
    name = make_url(url).database
    if "bench" not in (name or ""):
        raise SystemExit(f"Refusing to drop {name!r}: use a database whose name has 'bench'.")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def seed(url: str, pupils: int, parents: int) -> tuple[list[dict], str]:
    """The quiz benchmark's school (pupils pupil0, pupil1... in Years 3 to 9), and in it: a
    parent or carer for each of the first `parents` pupils, every other one with a younger
    child in Reception to Year 2 too; sign-in links as the school's email sent them (or, for
    one in 4, a code on a letter); and the ICT lead, signed in (two-factor done) and with the
    staff agreement accepted. Returns the parents' sign-ins and the ICT lead's session cookie.
    """
    seed_pupils(url, pupils)  # records the published policies as the portal starts
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": True})
    db = runtime(app).sessions()
    school = db.scalar(select(School).order_by(School.id.desc()))
    younger = {
        year: SchoolClass(
            school_id=school.id, name=f"{'R' if year == 0 else year}-a", year_group=year
        )
        for year in (0, 1, 2)
    }
    db.add_all(younger.values())
    db.flush()
    by_reference = {p.reference: p for p in db.scalars(select(Pupil))}
    sign_ins = []
    for number in range(parents):
        children = [by_reference[f"B{number}"]]
        if number % 2 == 0:
            year = number // 2 % 3
            child = Pupil(
                school_id=school.id,
                reference=f"Y{number}",
                first_name=f"Little{number}",
                last_name="Bench",
                year_group=year,
                class_id=younger[year].id,
            )
            db.add(child)
            children.append(child)
        by_letter = number % LETTER_EVERY == LETTER_EVERY - 1
        parent = Parent(
            school_id=school.id,
            reference=f"C{number}",
            name=f"Parent {number} Bench",
            email=None if by_letter else f"parent{number}@bench.example",
        )
        parent.children = children
        db.add(parent)
        db.flush()
        if by_letter:
            code = new_letter_code()
            parent.letter_code_hash = token_hash(normalise_letter_code(code))
            sign_ins.append({"how": "code", "code": code, "name": parent.name})
        else:
            lifetime = dt.timedelta(hours=72)
            token = links.issue_link(db, "parent-sign-in", parent, lifetime, SECRET).token
            sign_ins.append({"how": "link", "token": token, "name": parent.name})
    lead = Staff(
        school_id=school.id,
        name="Ict Lead",
        email="ict@bench.example",
        role="ict_lead",
        totp_secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    )
    db.add(lead)
    db.commit()
    rules = agreements.rules(runtime(app).catalogue.current, calendar.school_today())
    entries = [
        Entry.to(p.rule.in_force, "staff", lead.id, p.part)
        for p in agreements.parts_to_sign(db, rules, lead)
    ]
    record_and_commit(db, school.id, entries, Signature("staff", lead.id, signed_name=lead.name))
    token = start_session(db, lead)  # as after the password and the two-factor code
    db.commit()
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": token, "_fresh": True}
    )
    db.close()
    runtime(app).engine.dispose()
    return sign_ins, cookie


def run_locust(users: int, seconds: int, out: Path, env: dict[str, str]) -> list[dict]:
    """Locust headless with every kind of user; the locustfile starts and ends the measured
    time itself, so --run-time is only a backstop."""
    prefix = out / "day"
    done = subprocess.run(
        [
            *(str(BIN / "locust"), "-f", str(HERE / "locust_day.py")),
            *("Pupil", "Parent", "IctLead", "--headless", "--users", str(users)),
            *("--spawn-rate", "30", "--run-time", f"{seconds + 900}s"),
            *("--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix), "--only-summary"),
        ],
        capture_output=True,
        text=True,
        env=os.environ | env,
        cwd=HERE,
    )
    if done.returncode not in (0, 1):  # 1: some requests failed, reported below
        sys.exit(f"locust failed ({done.returncode}):\n{done.stderr[-4000:]}")
    if "CPU usage" in done.stderr:
        print("Note: locust itself went above 90% CPU at some point during the run.")
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    with open(f"{prefix}_failures.csv", newline="") as failures:
        for row in csv.DictReader(failures):
            print(f"FAILED {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}")
    return rows


def drain(url: str, seconds: float = 20) -> None:
    """Give the mail sender time to send the last receipts (it looks every 5 seconds)."""
    engine = make_engine(url)  # on SQLite, the library the server writes with
    unsent = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    deadline = time.monotonic() + seconds
    with engine.connect() as connection:
        while connection.scalar(unsent) and time.monotonic() < deadline:
            connection.rollback()
            time.sleep(0.5)
    engine.dispose()


def check(url: str, parents: int) -> dict:
    """What the day left in the database."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": True})
    with runtime(app).sessions() as db:
        report = verify_chains(db)
        signed = db.scalar(
            select(func.count(func.distinct(Acceptance.actor_id))).where(
                Acceptance.actor_type == "parent"
            )
        )
        twice = db.scalar(
            select(func.count()).select_from(
                select(Acceptance.actor_id, Acceptance.subject_id, Acceptance.acting_as)
                .where(Acceptance.actor_type == "parent")
                .group_by(Acceptance.actor_id, Acceptance.subject_id, Acceptance.acting_as)
                .having(func.count() > 1)
                .subquery()
            )
        )
        result = {
            "parents who signed": f"{signed} of {parents}",
            "records made twice": twice,
            "receipts queued / sent": "{} / {}".format(
                db.scalar(select(func.count()).select_from(OutboxMessage)),
                db.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.sent_at.is_not(None))
                ),
            ),
            "quiz answers stored": db.scalar(select(func.count()).select_from(QuizAnswer)),
            "hash chains": "whole" if not report.problems else str(report.problems),
        }
    runtime(app).engine.dispose()
    return result


def by_kind(row: dict) -> tuple:
    """Pupils' requests, then parents', then the ICT lead's, then all of them together."""
    name = row["Name"]
    kind = 3 if name == "Aggregated" else 2 if name.startswith("ICT") else name.startswith("par")
    return (kind, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=600)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    os.environ.setdefault("ESAFETY_POLICIES_DIR", str(PROJECT / "policies"))
    os.environ.setdefault("ESAFETY_CURRICULUM_DIR", str(PROJECT / "curriculum"))
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp)
        url = os.environ.get("ESAFETY_DATABASE_URL") or f"sqlite:///{out / 'bench.sqlite'}"
        fresh_database(url)
        sign_ins, cookie = seed(url, args.pupils, args.parents)
        env = {
            **os.environ,
            "ESAFETY_DATABASE_URL": url,
            "ESAFETY_SECRET_KEY": SECRET,
            "ESAFETY_RATELIMIT_ENABLED": "false",
            "ESAFETY_DEMO": "true",
            "ESAFETY_SMTP_URL": f"file://{out / 'mail'}",
        }
        server = serve("portal:create_app()", PORT, env)
        sender = subprocess.Popen(
            [str(BIN / "esafety"), "send-mail", "--watch"],
            env=env,
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
        )
        try:
            rows = run_locust(
                args.pupils + args.parents + 1,
                args.seconds,
                out,
                {
                    "BENCH_PASSWORD": PASSWORD,
                    "BENCH_PUPILS": str(args.pupils),
                    "BENCH_SECONDS": str(args.seconds),
                    "BENCH_PARENTS": json.dumps(sign_ins),
                    "BENCH_ICT_COOKIE": cookie,
                    "BENCH_SUMMARY": str(out / "summary.json"),
                },
            )
            summary = json.loads((out / "summary.json").read_text())
            drain(url)
        finally:
            for process in (sender, server):
                process.terminate()
                process.wait()
        day = check(url, args.parents)
    print_table(
        f"{args.pupils} pupils, {args.parents} parents and carers, the ICT lead; "
        f"{args.seconds} s after every pupil had signed in; gunicorn 2 workers x 4 threads; "
        f"database {url.split(':')[0]}",
        sorted(rows, key=by_kind),
    )
    for name, value in (summary | day).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
