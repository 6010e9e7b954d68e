"""Quiz submission under load: 600 pupils (20 classes of 30) signing in over two minutes and
taking quizzes, against the portal served as `esafety serve` serves it for real use (gunicorn
sync workers: 1 on an SQLite library with the WAL-reset bug, else 2; rate limits on; not demo
mode) behind nginx, as the administrator's guide sets it up, on SQLite or PostgreSQL (set
ESAFETY_DATABASE_URL). The sign-in burst is counted. All the pupils come from one address, as
a school's do through its one internet connection.
Then the same pupils with no thinking time, to find the server's capacity, with the CPU the
server and the database used.

Run: make bench-quiz  (or .venv/bin/python bench/quiz_load.py [--pupils 600 --seconds 60])
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from loadrun import behind_nginx, print_table, run_locust

from portal import create_app
from portal.migrate import upgrade
from portal.models import Pupil, School, SchoolClass
from portal.services.passwords import hash_password
from portal.startup import shared_sqlite_problem
from portal.web.runtime import runtime

PASSWORD = "quiz-bench-42"
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "quiz-bench-secret-key-0123456789abcdef"


def seed(url: str, pupils: int) -> None:
    """One school, classes of 30 from Year 3 to Year 9, pupils with usernames pupil0, pupil1..."""
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    db = runtime(app).sessions()
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
    runtime(app).engine.dispose()


def workers_for(url: str) -> int:
    """What `esafety serve` may run: two workers, unless its own check refuses them."""
    return 1 if shared_sqlite_problem(url, 2) else 2


def serve(url: str, port: int, workers: int) -> psutil.Popen:
    """`esafety serve`, for real use, with rate limits on; waits until it answers."""
    env = {
        **os.environ,
        "ESAFETY_DATABASE_URL": url,
        "ESAFETY_SECRET_KEY": SECRET,
        "ESAFETY_DEMO": "false",
        "ESAFETY_RATELIMIT_ENABLED": "true",
        "ESAFETY_PROXY_HOPS": "1",  # nginx in front
        # 600 pupils from one address in two minutes, over this many workers' own counters
        "ESAFETY_PUPIL_SIGN_INS_PER_MINUTE": str(300 // workers + 30),
    }
    arguments = [str(BIN / "esafety"), "serve", "--root", str(ROOT)]
    arguments += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    process = psutil.Popen(arguments, env=env, cwd=ROOT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("esafety serve did not start")


def cpu_seconds(server: psutil.Process) -> dict[str, float]:
    """CPU used so far by the server's processes and by every PostgreSQL process."""

    def used(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
            return times.user + times.system
        except psutil.Error:
            return 0.0

    postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    return {
        "server": used(server) + sum(used(child) for child in server.children(recursive=True)),
        "postgres": sum(used(process) for process in postgres),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=600)
    parser.add_argument("--seconds", type=int, default=60, help="after the last has signed in")
    parser.add_argument("--arrive-in", type=int, default=120, help="seconds for all to sign in")
    parser.add_argument("--capacity-users", type=int, default=30)
    parser.add_argument("--capacity-seconds", type=int, default=20)
    args = parser.parse_args()
    locust_env = {
        "BENCH_PASSWORD": PASSWORD,
        "BENCH_PUPILS": str(args.pupils),
        "BENCH_PREFIX": "/portal",  # `esafety serve` has the site at / and the portal here
    }
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp)
        url = os.environ.get("ESAFETY_DATABASE_URL") or f"sqlite:///{out / 'bench.sqlite'}"
        seed(url, args.pupils)
        workers = workers_for(url)
        port = 8304  # nginx; the server behind it listens on 8303
        server = serve(url, 8303, workers)
        try:
            with behind_nginx(8303, port, out):
                rows = run_locust(
                    "locust_quiz.py",
                    "QuizTaker",
                    port,
                    args.pupils,
                    args.arrive_in + args.seconds,
                    out,
                    spawn_rate=args.pupils / args.arrive_in,
                    env=locust_env,
                    reset_stats=False,
                )
                before, started = cpu_seconds(server), time.monotonic()
                capacity = run_locust(
                    "locust_quiz.py",
                    "QuizTakerNoWait",
                    port,
                    args.capacity_users,
                    args.capacity_seconds,
                    out,
                    spawn_rate=args.capacity_users,
                    env=locust_env,
                )
                after, elapsed = cpu_seconds(server), time.monotonic() - started
        finally:
            server.terminate()
            server.wait()
    kind = url.split(":")[0]
    print_table(
        f"{args.pupils} pupils signing in over {args.arrive_in} s, then {args.seconds} s more; "
        f"`esafety serve` with {workers} worker(s), rate limits on; database {kind}",
        rows,
    )
    print()
    title = f"No thinking time: {args.capacity_users} pupils for {args.capacity_seconds} s"
    print_table(title, capacity)
    cores = {name: (after[name] - before[name]) / elapsed for name in after}
    print(
        f"CPU over that run (cores busy): server {cores['server']:.2f} of {workers} its sync "
        f"worker(s) can use; PostgreSQL (all databases on this machine) {cores['postgres']:.2f}; "
        f"machine has {psutil.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
