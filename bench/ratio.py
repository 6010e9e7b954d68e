"""Requests a second for the portal's busiest pages beside a bare Flask "hello", in one run, on
SQLite and PostgreSQL, each served exactly as `esafety serve` serves it (gunicorn with its
default sync workers; 1 worker on an SQLite library with the WAL-reset bug, as the portal
insists, else 2; rate limits on, not demo mode), driven by wrk. Beside them, the floor
(bench/floor.py): the least a form page and a signed-in page can cost with the portal's own
libraries.

Run: make bench-ratio  (or .venv/bin/python bench/ratio.py [--seconds 10 --connections 32])
PostgreSQL: a database named esafety_bench_ratio is made afresh at ESAFETY_BENCH_POSTGRES
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); --databases sqlite skips it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from quiz_load import PASSWORD, seed, workers_for
from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SECRET = "bench-ratio-secret-key-0123456789abcdef"
POSTGRES = os.environ.get(
    "ESAFETY_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
GOALS = {"lesson page": 0.3, "quiz question": 0.3, "sign-in page": 0.6}


def fresh_postgres(name: str) -> str:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}"


def start(arguments: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(arguments, env=env, cwd=ROOT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{arguments} stopped with {process.returncode}") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{arguments} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


class Browser:
    """Just enough of a browser to sign a pupil in and start a quiz: over plain HTTP, so the
    secure session cookie is carried by hand, and redirects are not followed."""

    class _Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_args, **_kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(self._Stay)
        self.cookie = ""

    def open(self, path: str, form: dict | None = None) -> tuple[str, str]:
        """The page's text and, for a redirect, where it leads."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data)
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        try:
            answer = self.opener.open(request)
        except urllib.error.HTTPError as redirect:
            if redirect.code not in (301, 302, 303):
                raise
            answer = redirect
        with answer:
            for header in answer.headers.get_all("Set-Cookie") or []:
                if header.startswith(("__Host-esafety_session=", "esafety_session=")):
                    self.cookie = header.split(";", 1)[0]
            return answer.read().decode(), answer.headers.get("Location", "")

    def post_form(self, path: str, action: str = "", **fields: str) -> str:
        """Post the page's form (to `action`, if not the page itself); where the answer leads,
        as a path under the portal."""
        page, _ = self.open(path)
        form = {"csrf_token": TOKEN.search(page)[1], **fields}
        _, location = self.open(action or path, form)
        return urllib.parse.urlsplit(location).path.removeprefix("/portal")


def wrk(url: str, seconds: int, connections: int, cookie: str = "") -> dict:
    arguments = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        arguments[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(arguments, capture_output=True, text=True, check=True).stdout
    found = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": re.search(r"^\s+50%\s+(\S+)", out, re.M)[1],
        "p99": re.search(r"^\s+99%\s+(\S+)", out, re.M)[1],
        "errors": sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out)),
    }
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    found["errors"] += sum(int(n) for n in socket.groups()) if socket else 0
    return found


def measure(url: str, args, port: int) -> list[tuple[str, dict]]:
    seed(url, 30)
    workers = workers_for(url)
    env = {
        **os.environ,
        "ESAFETY_DATABASE_URL": url,
        "ESAFETY_SECRET_KEY": SECRET,
        "ESAFETY_DEMO": "false",
        "ESAFETY_RATELIMIT_ENABLED": "true",
    }
    bind = ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    results = []
    server = start([str(BIN / "esafety"), "serve", "--root", str(ROOT), *bind], env, port)
    try:
        browser = Browser(base + "/portal")
        browser.post_form("/pupils/sign-in", username="pupil0", password=PASSWORD)
        lesson = "/lessons/ks2-co-free-to-use/1"
        question = browser.post_form(lesson, lesson.rsplit("/", 1)[0] + "/quiz")
        assert "/lessons/quiz/" in question, question
        for name, path, cookie in (
            ("lesson page", lesson, browser.cookie),
            ("quiz question", question, browser.cookie),
            ("sign-in page", "/pupils/sign-in", ""),
        ):
            results.append((name, wrk(base + "/portal" + path, args.seconds, args.conn, cookie)))
    finally:
        stop(server)
    floor = start([str(BIN / "gunicorn"), *bind, "bench.floor:app"], env, port)
    try:
        visitor = Browser(base)
        visitor.cookie = browser.cookie
        assert "Pupil0" in visitor.open("/signed-in")[0], "the floor did not read the session"
        for name, path, cookie in (
            ("floor: signed-in page", "/signed-in", browser.cookie),
            ("floor: form page", "/form", ""),
        ):
            results.append((name, wrk(base + path, args.seconds, args.conn, cookie)))
    finally:
        stop(floor)
    hello = start([str(BIN / "gunicorn"), *bind, "bench.hello:app"], env, port)
    try:
        results.insert(0, ("hello (bare Flask)", wrk(base + "/", args.seconds, args.conn)))
    finally:
        stop(hello)
    return [(name, found | {"workers": workers}) for name, found in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", dest="conn", type=int, default=32)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if not (ROOT / "site" / "index.html").is_file():
        subprocess.run([str(BIN / "esafety"), "build"], cwd=ROOT, check=True)
    tables = {}
    with tempfile.TemporaryDirectory() as temp:
        for kind in args.databases:
            url = (
                f"sqlite:///{Path(temp) / 'ratio.sqlite'}"
                if kind == "sqlite"
                else fresh_postgres("esafety_bench_ratio")
            )
            tables[kind] = measure(url, args, 8310)
    print(
        f"\nwrk -t2 -c{args.conn} -d{args.seconds}s; gunicorn as `esafety serve` runs it "
        f"(sync workers; workers shown); the load generator shares the machine"
    )
    print(
        f"{'database':10} {'page':20} {'workers':>7} {'req/s':>8} {'x hello':>8} {'goal':>5} "
        f"{'p50':>8} {'p99':>8} {'errors':>6}"
    )
    for kind, rows in tables.items():
        hello = rows[0][1]["rps"]
        for name, found in rows:
            ratio = found["rps"] / hello
            goal = GOALS.get(name)
            mark = "" if goal is None else ("ok" if ratio >= goal else "below")
            print(
                f"{kind:10} {name:20} {found['workers']:>7} {found['rps']:8.0f} {ratio:8.2f} "
                f"{mark:>5} {found['p50']:>8} {found['p99']:>8} {found['errors']:>6}"
            )


if __name__ == "__main__":
    main()
