"""Sign-in and a signed-in page under load: the portal on gunicorn, driven by locust, beside a
bare Flask "hello" on the same server as the ceiling.

Run: make bench-portal  (or .venv/bin/python bench/portal_load.py [--users 50 --seconds 20])
Set ESAFETY_DATABASE_URL to measure on PostgreSQL; the default is a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from portal import create_app
from portal.migrate import upgrade
from portal.models import School, Staff
from portal.services.passwords import hash_password

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PASSWORD = "benchmark staff password"


def seed(url: str, staff: int) -> None:
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    db = app.extensions["esafety.sessions"]()
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
    db.close()


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        env=env,
        cwd=HERE.parent,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def load(user_class: str, port: int, users: int, seconds: int, out: Path) -> list[dict]:
    prefix = out / user_class
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locust_portal.py"),
            user_class,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "BENCH_PASSWORD": PASSWORD},
    )
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]


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
                    rows += load(user_class, port, args.users, args.seconds, out)
            finally:
                process.terminate()
                process.wait()
    print(
        f"{args.users} users, {args.seconds} s each, gunicorn 2 workers x 4 threads, "
        f"database {url.split(':')[0]}"
    )
    print(f"{'request':38} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'fails':>6}")
    for row in rows:
        if row["Name"].startswith("(setting up"):
            continue
        print(
            f"{row['Type'] + ' ' + row['Name']:38.38} {float(row['Requests/s']):8.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {row['Failure Count']:>6}"
        )


if __name__ == "__main__":
    main()
