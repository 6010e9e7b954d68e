"""Quiz submission under load: 600 pupils (20 classes of 30) taking quizzes at once against
gunicorn, on SQLite or PostgreSQL (set ESAFETY_DATABASE_URL).

Run: make bench-quiz  (or .venv/bin/python bench/quiz_load.py [--pupils 600 --seconds 60])
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from loadrun import print_table, run_locust, serve

from portal import create_app
from portal.migrate import upgrade
from portal.models import Pupil, School, SchoolClass
from portal.services.passwords import hash_password

PASSWORD = "quiz-bench-42"


def seed(url: str, pupils: int) -> None:
    """One school, classes of 30 from Year 3 to Year 9, pupils with usernames pupil0, pupil1..."""
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    db = app.extensions["esafety.sessions"]()
    school = School(name="Quiz Bench School", slug=f"quiz-bench-{int(time.time())}")
    db.add(school)
    db.flush()
    password_hash = hash_password(PASSWORD)
    classes = {}
    for number in range(pupils):
        year = 3 + number % 7
        key = (year, number // (7 * 30))
        if key not in classes:
            classes[key] = SchoolClass(
                school_id=school.id, name=f"{year}-{key[1]}", year_group=year
            )
            db.add(classes[key])
            db.flush()
        db.add(
            Pupil(
                school_id=school.id,
                reference=f"B{number}",
                first_name=f"Pupil{number}",
                last_name="Bench",
                year_group=year,
                class_id=classes[key].id,
                username=f"pupil{number}",
                password_hash=password_hash,
            )
        )
    db.commit()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=600)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp)
        url = os.environ.get("ESAFETY_DATABASE_URL") or f"sqlite:///{out / 'bench.sqlite'}"
        seed(url, args.pupils)
        env = {
            **os.environ,
            "ESAFETY_DATABASE_URL": url,
            "ESAFETY_SECRET_KEY": "bench",
            "ESAFETY_RATELIMIT_ENABLED": "false",
            "ESAFETY_DEMO": "true",
        }
        process = serve("portal:create_app()", 8303, env)
        try:
            rows = run_locust(
                "locust_quiz.py",
                "QuizTaker",
                8303,
                args.pupils,
                args.seconds,
                out,
                spawn_rate=30,
                env={"BENCH_PASSWORD": PASSWORD, "BENCH_PUPILS": str(args.pupils)},
            )
        finally:
            process.terminate()
            process.wait()
    print_table(
        f"{args.pupils} pupils, {args.seconds} s, gunicorn 2 workers x 4 threads, "
        f"database {url.split(':')[0]}",
        rows,
    )


if __name__ == "__main__":
    main()
