"""Shared pieces of the load benchmarks: gunicorn serving an app, locust driving it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def serve(target: str, port: int, env: dict[str, str], workers: int = 2) -> subprocess.Popen:
    """Start gunicorn on `target` and wait until it answers."""
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
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
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process  # it answered, even if not with a page
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def run_locust(
    locustfile: str,
    user_class: str,
    port: int,
    users: int,
    seconds: int,
    out: Path,
    spawn_rate: float | None = None,
    env: dict | None = None,
    reset_stats: bool = True,
) -> list[dict]:
    """Run locust headless against the server; return its per-request statistics rows.

    With `reset_stats`, statistics start once every user has arrived, so the sign-ins at the
    start do not count; without it, they do.
    """
    prefix = out / user_class
    finished = subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / locustfile),
            user_class,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate or users),
            "--run-time",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            *(["--reset-stats"] if reset_stats else []),
        ],
        capture_output=True,
        env={**os.environ, **(env or {})},
    )
    if finished.returncode not in (0, 1):  # 1: the run had failures, which the table shows
        raise RuntimeError(f"locust stopped with {finished.returncode}:\n{finished.stderr[-3000:]}")
    if finished.returncode == 1:
        with open(f"{prefix}_failures.csv", newline="") as failures:
            print(f"{user_class} failures:\n{failures.read()[-2000:]}")
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]


def print_table(title: str, rows: list[dict]) -> None:
    print(title)
    print(f"{'request':42} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'fails':>6}")
    for row in rows:
        if row["Name"].startswith("(setting up"):
            continue
        print(
            f"{row['Type'] + ' ' + row['Name']:42.42} {float(row['Requests/s']):8.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {row['Failure Count']:>6}"
        )


# The administrator's guide's nginx block ("Behind nginx, with HTTPS"), over plain HTTP: nginx
# takes each request whole and passes it to gunicorn on a new connection, so a load generator
# short of CPU (or a phone on a slow network) never holds one of gunicorn's sync workers.
NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 5m;
    server {{
        listen 127.0.0.1:{front};
        location / {{
            proxy_pass http://127.0.0.1:{back};
            proxy_set_header Host              $host;
            proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host  $host;
            proxy_set_header X-Forwarded-Port  $server_port;
        }}
    }}
}}
"""


@contextmanager
def behind_nginx(back: int, front: int, folder: Path) -> Iterator[subprocess.Popen]:
    """nginx on `front`, passing every request to the server on `back`, as in production."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is needed, as the administrator's guide runs it: apt-get install nginx")
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, front=front, back=back))
    process = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"])
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{front}/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
