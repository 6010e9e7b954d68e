"""Shared pieces of the load benchmarks: gunicorn serving an app, locust driving it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request
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
