"""Where a signed-in pupil's request spends its time: the lesson page and a quiz question
through Flask's test client, under cProfile, with the database statements each one sends.

Run: make bench-profile  (or .venv/bin/python bench/profile_page.py [--requests 300])
Set ESAFETY_DATABASE_URL to profile on PostgreSQL; the default is a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from hello import app as bare_flask
from quiz_load import PASSWORD, seed
from sqlalchemy import event

from portal import create_app
from portal.web.runtime import runtime

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE = "https://localhost"


def signed_in_pupil(app, username: str = "pupil0"):
    """A test client signed in as a pupil the way a pupil signs in (form, CSRF, password)."""
    client = app.test_client()
    page = client.get("/pupils/sign-in", base_url=BASE).get_data(as_text=True)
    answer = client.post(
        "/pupils/sign-in",
        base_url=BASE,
        data={"csrf_token": TOKEN.search(page)[1], "username": username, "password": PASSWORD},
        headers={"Referer": f"{BASE}/pupils/sign-in"},
    )
    assert answer.status_code == 302, answer.status
    return client


def pupil_pages(app) -> tuple:
    """A signed-in pupil's client, the first page of a lesson of their year, and the first
    question of a quiz they have just started on it."""
    client = signed_in_pupil(app)
    curriculum = runtime(app).curriculum
    lesson = curriculum.lessons_for(curriculum.band_of_year(3).id)[0]
    lesson_page = f"/lessons/{lesson.id}/1"
    page = client.get(lesson_page, base_url=BASE).get_data(as_text=True)
    started = client.post(
        f"/lessons/{lesson.id}/quiz",
        base_url=BASE,
        data={"csrf_token": TOKEN.search(page)[1]},
        headers={"Referer": f"{BASE}{lesson_page}"},
    )
    return client, lesson_page, started.location.removeprefix(BASE)


def statements(engine) -> Counter:
    """Count what reaches the database, by the statement's first word (and pool check-outs)."""
    seen: Counter = Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn, _cursor, statement, *_args):
        seen[statement.split(None, 1)[0].upper()] += 1

    @event.listens_for(engine, "commit")
    def _commit(_conn):
        seen["COMMIT"] += 1

    @event.listens_for(engine, "rollback")
    def _rollback(_conn):
        seen["ROLLBACK"] += 1

    @event.listens_for(engine.pool, "checkout")
    def _checkout(*_args):
        seen["pool checkout"] += 1

    return seen


def cpu_ms(client, path: str, requests: int) -> float:
    """CPU time a request takes in this process (client and app), without the profiler: steadier
    than requests a second on a machine shared with other work."""
    client.get(path, base_url=BASE)
    started = time.process_time()
    for _ in range(requests):
        client.get(path, base_url=BASE, headers={"Accept-Encoding": "gzip, br"}).close()
    return (time.process_time() - started) / requests * 1000


def measure(client, path: str, requests: int, seen: Counter) -> None:
    client.get(path, base_url=BASE)  # warm: the first request loads templates
    seen.clear()
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        answer = client.get(path, base_url=BASE)
    profile.disable()
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.status
    per_request = {key: round(count / requests, 2) for key, count in sorted(seen.items())}
    print(f"\n== GET {path}: {elapsed / requests * 1000:.2f} ms a request under the profiler")
    print(f"   database, per request: {per_request}")
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(r"portal/|markdown/|sqlalchemy/orm/session|jinja2/environment", 25)
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        url = os.environ.get("ESAFETY_DATABASE_URL") or f"sqlite:///{Path(temp) / 'p.sqlite'}"
        seed(url, 30)
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "profile " * 6, "RATELIMIT_ENABLED": False}
        )
        seen = statements(runtime(app).engine)
        client, lesson_page, question = pupil_pages(app)
        measure(client, lesson_page, args.requests, seen)
        measure(client, question, args.requests, seen)
        hello = cpu_ms(bare_flask.test_client(), "/", args.requests)
        print("\nCPU ms a request in this process (test client included), x bare Flask:")
        for name, who, path in (
            ("bare Flask hello", bare_flask.test_client(), "/"),
            ("lesson page", client, lesson_page),
            ("quiz question", client, question),
            ("sign-in page", app.test_client(), "/pupils/sign-in"),
        ):
            cpu = cpu_ms(who, path, args.requests)
            print(f"   {name:18} {cpu:6.2f} ms  {hello / cpu:5.2f} x")
        runtime(app).engine.dispose()


if __name__ == "__main__":
    main()
