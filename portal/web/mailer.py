"""Sending the outbox from inside the portal's own process, for the demo and small schools.

A bigger install runs `esafety send-mail --watch` beside the web server instead. Several senders
at once are safe: each message is claimed by one of them only.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask

from ..services import mail

log = logging.getLogger(__name__)


def app_transport(app: Flask) -> mail.Transport:
    """The transport ESAFETY_SMTP_URL names; in demo mode without one, .eml files in the
    instance folder's mail/ folder."""
    url = app.config["SMTP_URL"]
    if not url:
        if not app.config["DEMO"]:
            raise RuntimeError(
                "ESAFETY_SMTP_URL is not set, so no email can be sent. Set it to "
                "smtp://user:password@host:587, smtps://host:465 or file:///a/folder."
            )
        return mail.FileTransport(Path(app.instance_path) / "mail")
    return mail.transport_from_url(url)


def deliver_once(app: Flask, transport: mail.Transport) -> int:
    return mail.deliver_pending(
        app.extensions["esafety.sessions"],
        transport,
        mail_from=app.config["MAIL_FROM"],
        secret_key=app.config["SECRET_KEY"],
    )


class MailThread(threading.Thread):
    """Delivers what is due every `interval` seconds until stopped or the process ends."""

    def __init__(self, app: Flask, interval: float = 2.0, transport: mail.Transport | None = None):
        super().__init__(name="esafety-mail", daemon=True)
        self.app = app
        self.interval = interval
        # Built now, so a bad setting fails at start, not silently.
        self.transport = transport or app_transport(app)
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                deliver_once(self.app, self.transport)
            except Exception:
                log.exception("Sending email failed; trying again in %s seconds", self.interval)
            self._stopping.wait(self.interval)

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self.join(timeout)


def start_mail_thread(
    app: Flask, interval: float = 2.0, transport: mail.Transport | None = None
) -> MailThread:
    thread = MailThread(app, interval, transport)
    thread.start()
    return thread
