"""The portal served for real, for tests that kill it: gunicorn in its own process group (so a
SIGKILL takes the master and every worker at once, as a power cut would), and a parent's browser
that talks plain HTTP to it with its own session cookie."""

from __future__ import annotations

import http.client
import importlib.metadata
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from flask import Flask, session
from flask_wtf.csrf import generate_csrf

from portal.services.sessions import start_session

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SHOWN = re.compile(r'name="shown" type="hidden" value="([^"]*)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def portal_settings(url: str, project: Path, secret: str, **more: str) -> dict[str, str]:
    """The portal's settings (without the ESAFETY_ prefix) for a server on `url`, with the
    project's own policies and lessons."""
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "POLICIES_DIR": str(project / "policies"),
        "CURRICULUM_DIR": str(project / "curriculum"),
        "DEMO": "true",  # plain-HTTP cookies
        "RATELIMIT_ENABLED": "false",
        **more,
    }


def session_cookie(app: Flask, db, person: Any) -> str:
    """A signed session cookie for `person`, as if they had signed in (the session row is added
    to `db`; commit it)."""
    return session_with_form_token(app, db, person)[0]


def session_with_form_token(app: Flask, db, person: Any) -> tuple[str, str]:
    """A session cookie for `person` and the CSRF token their forms carry in that session, as
    a page the portal had shown them would hold (commit `db`)."""
    token = start_session(db, person)
    with app.test_request_context():
        session.update({"_user_id": token, "_fresh": True})
        form_token = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return cookie, form_token


class Gunicorn:
    """`portal:create_app()` under gunicorn on a fixed port, started again after each kill."""

    def __init__(
        self,
        project: Path,
        settings: dict[str, str],
        folder: Path,
        workers: int = 2,
        threads: int = 4,
    ):
        self.project, self.folder = project, folder
        self.port = free_port()
        self.env = os.environ | {f"ESAFETY_{key}": value for key, value in settings.items()}
        self.arguments = [
            *(sys.executable, "-m", "gunicorn", "--workers", str(workers)),
            *("--threads", str(threads), "--bind", f"127.0.0.1:{self.port}"),
            *_control_socket(folder),
            "portal:create_app()",
        ]
        self.log_path = folder / "server.log"
        self.process: subprocess.Popen | None = None
        self._log: IO[str] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        """Start it and wait until it answers."""
        assert self.process is None, "already running"
        self._log = self.log_path.open("a")
        self.process = subprocess.Popen(
            self.arguments,
            cwd=self.project,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes every worker
        )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def kill(self) -> None:
        """SIGKILL the master and its workers together: no clean shutdown, nothing flushed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


def _control_socket(folder: Path) -> list[str]:
    """gunicorn 27 opens a control socket in the home folder; keep each server's to itself."""
    major = int(importlib.metadata.version("gunicorn").split(".")[0])
    return ["--control-socket", str(folder / "gunicorn.ctl")] if major >= 27 else []


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, text: str):
        self.status, self.headers, self.text = status, headers, text

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Browser:
    """One person's browser: a session cookie, kept up to date from each response."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.form: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> Response:
        """Raises OSError (refused, reset, cut short) when the server is not there to answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": f"esafety_session={self.cookie}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read().decode())
        except http.client.HTTPException as error:  # a response cut off mid-way
            raise ConnectionError(str(error)) from error
        finally:
            connection.close()
        cookie = re.search(r"esafety_session=([^;]+)", response.header("Set-Cookie"))
        if cookie:
            self.cookie = cookie.group(1)
        return response

    def open_family_form(self, children: list[int], signed_name: str = "A Parent") -> None:
        """Open the family page and fill in its form: every child talked to, a name typed."""
        page = self.request("GET", "/agreements/family")
        assert page.status == 200, f"the family page answered {page.status}"
        self.form = {
            "csrf_token": TOKEN.search(page.text).group(1),
            "shown": SHOWN.search(page.text).group(1),
            "signed_name": signed_name,
            **{f"talked_{child}": "y" for child in children},
        }

    def fill_family_form(self, form_token: str, shown: str, children: list[int]) -> None:
        """The family page's form as a page shown earlier in this session holds it."""
        self.form = {
            "csrf_token": form_token,
            "shown": shown,
            "signed_name": "A Parent",
            **{f"talked_{child}": "y" for child in children},
        }

    def submit_family_form(self) -> Response:
        """Press "I agree" on the form `open_family_form` filled in."""
        return self.request("POST", "/agreements/family", urlencode(self.form))


def confirms(response: Response) -> bool:
    """The server confirmed the agreement: it sent the browser on to the receipt."""
    return response.status == 302 and response.header("Location").endswith("/agreements/done")
