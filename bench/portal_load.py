"""Sign-in and a signed-in page under load: the portal on gunicorn, driven by locust, beside a
bare Flask "hello" on the same server as the ceiling.

Run: make bench-portal  (or .venv/bin/python bench/portal_load.py [--users 50 --seconds 20])
Set ESAFETY_DATABASE_URL to measure on PostgreSQL; the default is a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from loadrun import print_table, run_locust, serve
from sqlalchemy import select

from portal import create_app
from portal.content import calendar
from portal.migrate import upgrade
from portal.models import School, Staff
from portal.services import agreements
from portal.services.acceptance import Entry, Signature, record_and_commit
from portal.services.passwords import hash_password
from portal.web.runtime import runtime

PASSWORD = "benchmark staff password"


def seed(url: str, staff: int) -> None:
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    db = runtime(app).sessions()
    school = School(name="Bench School", slug=f"bench-{int(time.time())}")
    db.add(school)
    db.flush()
    password_hash = hash_password(PASSWORD)
    db.add_all(
        Staff(
            school_id=school.id,
            name=f"Staff {n}",
            email=f"staff{n}@bench.example",
            role="staff",
            password_hash=password_hash,
        )
        for n in range(staff)
    )
    db.commit()
    # They have accepted the staff agreement, so "signed in" measures the home page.
    rules = agreements.rules(runtime(app).catalogue.current, calendar.school_today())
    for person in db.scalars(select(Staff).where(Staff.school_id == school.id)).all():
        entries = [
            Entry.to(p.rule.in_force, "staff", person.id, p.part)
            for p in agreements.parts_to_sign(db, rules, person)
        ]
        if entries:
            record_and_commit(db, school.id, entries, Signature("staff", person.id))
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp)
        url = os.environ.get("ESAFETY_DATABASE_URL") or f"sqlite:///{out / 'bench.sqlite'}"
        seed(url, 200)
        env = {
            **os.environ,
            "ESAFETY_DATABASE_URL": url,
            "ESAFETY_SECRET_KEY": "bench",
            "ESAFETY_RATELIMIT_ENABLED": "false",
            "ESAFETY_DEMO": "true",
        }
        rows = []
        for target, port, users in (
            ("portal:create_app()", 8301, ("SigningIn", "SignedIn")),
            ("bench.hello:app", 8302, ("Hello",)),
        ):
            process = serve(target, port, env)
            try:
                for user_class in users:
                    rows += run_locust(
                        "locust_portal.py",
                        user_class,
                        port,
                        args.users,
                        args.seconds,
                        out,
                        env={"BENCH_PASSWORD": PASSWORD},
                    )
            finally:
                process.terminate()
                process.wait()
    print_table(
        f"{args.users} users, {args.seconds} s each, gunicorn 2 workers x 4 threads, "
        f"database {url.split(':')[0]}",
        rows,
    )


if __name__ == "__main__":
    main()
