"""An agreement confirmed to someone is never lost: the record is committed before the
confirmation. A real server (gunicorn, two worker processes, an SQLite file) is killed outright
in the middle of a burst of submissions; afterwards every submission that was confirmed is in
the database, and the hash chain is whole."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from portal import create_app
from portal.migrate import upgrade
from portal.models import Acceptance
from portal.services.acceptance import verify_chains
from portal.services.sessions import start_session
from tests.factories import make_class, make_parent, make_pupil, make_school

SECRET = "durability test secret"
FAMILIES = 40
KILL_AFTER = 12  # confirmations seen before the server is killed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings(url: str, project: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "POLICIES_DIR": str(project / "policies"),
        "CURRICULUM_DIR": str(project / "curriculum"),
        "DEMO": "true",  # plain-HTTP cookies
        "RATELIMIT_ENABLED": "false",
    }


class Browser:
    """One parent's browser: a session cookie, the family page's form, one submission."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.form: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": f"esafety_session={self.cookie}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode()
        connection.close()
        cookie = re.search(r"esafety_session=([^;]+)", response.getheader("Set-Cookie") or "")
        if cookie:
            self.cookie = cookie.group(1)
        return response

    def open_form(self, child_id: int) -> None:
        page = self.request("GET", "/agreements/family").text
        self.form = {
            "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
            "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
            "signed_name": "A Parent",
            f"talked_{child_id}": "y",
        }

    def submit(self) -> bool:
        """True once the server has confirmed the agreement (sent the receipt's redirect)."""
        response = self.request("POST", "/agreements/family", urlencode(self.form))
        return response.status == 302 and response.getheader("Location", "").endswith(
            "/agreements/done"
        )


def test_every_confirmed_agreement_survives_killing_the_server(tmp_path, project):
    url = f"sqlite:///{tmp_path / 'portal.sqlite'}"
    upgrade(url)
    app = create_app({"TESTING": True, **{k: v for k, v in settings(url, project).items()}})
    families = []
    with app.extensions["esafety.sessions"]() as db:
        school = make_school(db)
        reception = make_class(db, school, "R", 0)
        for _ in range(FAMILIES):
            child = make_pupil(db, school, reception)
            parent = make_parent(db, school, [child])
            families.append((parent.id, child.id, start_session(db, parent)))
        db.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = [serializer.dumps({"_user_id": token, "_fresh": True}) for *_, token in families]
    app.extensions["esafety.engine"].dispose()

    port = free_port()
    env = os.environ | {f"ESAFETY_{k}": v for k, v in settings(url, project).items()}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "portal:create_app()",
        ],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the kill takes every worker
    )
    try:
        browsers = [Browser(port, cookie) for cookie in cookies]
        deadline = time.monotonic() + 60
        while True:
            try:
                if browsers[0].request("GET", "/healthz").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        for browser, (_, child_id, _) in zip(browsers, families, strict=True):
            browser.open_form(child_id)

        confirmed: list[int] = []
        lock, enough = threading.Lock(), threading.Event()
        start = threading.Barrier(len(browsers) + 1)

        def burst(index: int) -> None:
            start.wait()
            try:
                ok = browsers[index].submit()
            except OSError:
                return  # the server died first: nothing was confirmed
            if ok:
                with lock:
                    confirmed.append(index)
                    if len(confirmed) >= KILL_AFTER:
                        enough.set()

        threads = [threading.Thread(target=burst, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        start.wait()
        enough.wait(60)
        os.killpg(server.pid, signal.SIGKILL)  # no clean shutdown: as if the power went
        server.wait(10)
        for thread in threads:
            thread.join(60)
        with lock:
            confirmed_now = list(confirmed)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        log.close()

    assert len(confirmed_now) >= KILL_AFTER
    assert len(confirmed_now) < FAMILIES, "the burst finished before the kill; send more"
    after = create_app({"TESTING": True, **settings(url, project)})
    with after.extensions["esafety.sessions"]() as db:
        signed = set(
            db.scalars(
                select(Acceptance.actor_id).where(
                    Acceptance.subject_type == "pupil", Acceptance.actor_type == "parent"
                )
            )
        )
        for index in confirmed_now:
            parent_id, child_id, _ = families[index]
            assert parent_id in signed, f"confirmed agreement of family {index} was lost"
        report = verify_chains(db)
        assert report.problems == []
        assert report.records >= 2 * len(confirmed_now)  # each family: the child's and their own
    after.extensions["esafety.engine"].dispose()
