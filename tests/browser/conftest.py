"""Debian's Chromium driven by Playwright, a local HTTP server, and axe-core checks."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text
from werkzeug.serving import make_server

from portal import ledger_guard
from portal.db import Base
from portal.models import PolicyVersionRecord
from portal.services import demo
from portal.web.app import session_cookie_name
from portal.web.runtime import runtime
from tests.portal_fixtures import record_versions_again

CHROMIUM = Path("/usr/bin/chromium")
SKIP_BROWSER = "ESAFETY_SKIP_BROWSER"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def viewport(database_url: str) -> dict[str, int]:
    """The screen a portal journey runs on: a phone with SQLite, a desktop with PostgreSQL.
    The screen changes only the layout and the database only the server, so the journey's two
    runs check both screens and both databases, without every pair of them."""
    return PHONE if database_url.startswith("sqlite") else DESKTOP


def require_chromium(path: Path = CHROMIUM) -> None:
    """A missing browser fails the run, so a machine without it cannot pass by skipping;
    ESAFETY_SKIP_BROWSER=1 (see README, "Testing") skips on purpose instead."""
    if path.exists():
        return
    if os.environ.get(SKIP_BROWSER) == "1":
        pytest.skip(f"{SKIP_BROWSER}=1: browser tests skipped on purpose")
    pytest.fail(
        f"Debian's chromium is not installed at {path}: run `make system-deps` as root, or "
        f"set {SKIP_BROWSER}=1 to skip the browser tests"
    )


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep test output for test results."""


@pytest.fixture(scope="session")
def serve_folder() -> Iterator:
    """Serve a folder over HTTP on a free local port; returns its base URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


WIDTHS = (320, 390)  # the phone widths no page may be wider than


# What sticks out past the right edge, and is not inside a box that scrolls or clips it.
STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth, out = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.getBoundingClientRect().right <= edge + 1) continue;
    let clipped = false;
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { clipped = true; break; }
    }
    if (clipped && !element.matches("table, pre, img, svg")) continue;
    const name = element.tagName.toLowerCase() + [...element.classList].map(c => "." + c).join("");
    if (!out.includes(name)) out.push(name);
  }
  return out.slice(-3);
}"""


def too_wide(page, where: str) -> list[str]:
    """The widths at which the page scrolls sideways, one line each, naming what sticks out."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            culprits = ", ".join(page.evaluate(STICKING_OUT))
            found.append(f"{where} at {width} px is {scroll_width} px wide ({culprits})")
    page.set_viewport_size(PHONE)
    return found


def axe_violations(page) -> list[str]:
    """WCAG 2.x A and AA violations on the page, one readable line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": []}
    )
    return [
        f"{violation['id']}: {violation['help']} at {node['target']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


@pytest.fixture
def demo_learning() -> bool:
    """Whether the demo school's pupils have done lessons and quizzes already."""
    return False


@pytest.fixture
def portal_url(app, db, demo_learning):
    """The portal with the demo school, served over HTTP on a free local port."""
    # Plain HTTP here: a cookie named __Host- must be Secure, so the browser would drop it.
    app.config.update(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_NAME=session_cookie_name(False))
    sign_ins = demo_school(app, db, demo_learning)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", sign_ins
    server.shutdown()
    server.server_close()


# Every row of the database once the demo school was made, and its sign-ins, by database,
# folders and whether pupils have done lessons.
_demo_copies: dict[tuple, tuple[dict[str, list[dict]], demo.DemoSignIns]] = {}


def demo_school(app, db, learning: bool) -> demo.DemoSignIns:
    """The demo school in the test's empty database. Made once for each database, policies and
    lessons, with pupils' lessons and quizzes taking seconds; for the tests after, the rows it
    left are copied back in, ids and all (what `demo.reset_demo_school` writes is the same
    each time on the same day)."""
    engine = runtime(app).engine
    config = app.config
    key = (str(engine.url), config["POLICIES_DIR"], config["CURRICULUM_DIR"], learning)
    empty = _holds_only_policy_versions(engine)
    if key in _demo_copies and empty:
        rows, sign_ins = _demo_copies[key]
        _copy_in(engine, rows)
        record_versions_again(app)  # the copied versions have the ids of the copy
        return sign_ins
    curriculum = runtime(app).curriculum if learning else None
    sign_ins = demo.reset_demo_school(db, curriculum)
    db.commit()
    if empty:
        with engine.connect() as connection:
            rows = {
                table.name: [dict(row._mapping) for row in connection.execute(select(table))]
                for table in Base.metadata.sorted_tables
            }
        _demo_copies[key] = (rows, sign_ins)
    return sign_ins


def _holds_only_policy_versions(engine) -> bool:
    """Nothing but what the app records when it starts: a copy would replace anything else."""
    others = [t for t in Base.metadata.sorted_tables if t.name != PolicyVersionRecord.__tablename__]
    with engine.connect() as connection:
        counts = connection.execute(
            select(*(select(func.count()).select_from(t).scalar_subquery() for t in others))
        ).one()
    return not any(counts)


def _copy_in(engine, rows: dict[str, list[dict]]) -> None:
    with engine.begin() as connection, ledger_guard.suspended(connection):
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
        if connection.dialect.name == "postgresql":  # new rows take ids after the copied ones
            for table in Base.metadata.sorted_tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (
                        column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                    ):
                        connection.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                f"'{column.name}'), COALESCE(MAX({column.name}), 0) + 1, false) "
                                f"FROM {table.name}"
                            )
                        )
