"""Debian's Chromium driven by Playwright, a local HTTP server, and axe-core checks."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.services import demo
from portal.web.app import session_cookie_name

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
    curriculum = app.extensions["esafety.curriculum"] if demo_learning else None
    sign_ins = demo.reset_demo_school(db, curriculum)
    db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", sign_ins
    server.shutdown()
