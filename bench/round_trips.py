"""Round trips to PostgreSQL, and time, for a pupil's read-only pages: the lesson page and a quiz
question, through Flask's test client in this one process. With --delay-ms, PostgreSQL is
reached through a TCP proxy that holds each packet that long each way, as a database on
another server would be.

Run: .venv/bin/python bench/round_trips.py [--requests 1000 --delay-ms 1]
Needs PostgreSQL: a database named esafety_bench_round_trips is made afresh at
ESAFETY_BENCH_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time

from profile_page import BASE, pupil_pages
from quiz_load import seed
from ratio import fresh_postgres
from sqlalchemy import make_url

from portal import create_app
from portal.web.runtime import runtime


def start_delaying_proxy(host: str, port: int, delay: float) -> int:
    """A local port that forwards to `host`:`port`, holding each packet `delay` seconds."""
    ready = threading.Event()
    listening: list[int] = []

    async def pipe(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def forward(client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    async def serve() -> None:
        server = await asyncio.start_server(forward, "127.0.0.1", 0)
        listening.append(server.sockets[0].getsockname()[1])
        ready.set()
        await server.serve_forever()

    threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
    ready.wait()
    return listening[0]


def round_trips(app, client, path: str) -> int:
    """How many times the page waits for PostgreSQL's answer (ReadyForQuery messages)."""
    client.get(path, base_url=BASE)  # the pool holds the connections the page will use
    pooled = [record.dbapi_connection for record in runtime(app).engine.pool._pool.queue]
    with tempfile.TemporaryFile("w+") as trace:
        for connection in pooled:
            connection.pgconn.trace(trace.fileno())
        client.get(path, base_url=BASE)
        for connection in pooled:
            connection.pgconn.untrace()
        trace.seek(0)
        return sum("\tReadyForQuery\t" in line for line in trace)


def median_ms(client, path: str, requests: int) -> float:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path, base_url=BASE).close()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    url = fresh_postgres("esafety_bench_round_trips")
    seed(url, 30)
    if args.delay_ms:
        direct = make_url(url)
        port = start_delaying_proxy(direct.host, direct.port or 5432, args.delay_ms / 1000)
        url = direct.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "round trips " * 4, "RATELIMIT_ENABLED": False}
    )
    client, lesson_page, question = pupil_pages(app)
    print(f"PostgreSQL {args.delay_ms} ms further away each way; {args.requests} requests a page")
    for name, path in (("lesson page", lesson_page), ("quiz question", question)):
        trips = round_trips(app, client, path)
        median = median_ms(client, path, args.requests)
        print(f"   {name:14} {trips} round trips   median {median:.2f} ms")
    runtime(app).engine.dispose()


if __name__ == "__main__":
    main()
