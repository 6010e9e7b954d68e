"""Sending the outbox (services/mail.py) on a timer: by `esafety send-mail`, or from a thread of
the portal's own process, for the demo and small schools.

A bigger install runs `esafety send-mail --watch` beside the web server instead. Several senders
at once are safe: each message is claimed by one of them only.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from . import mail

log = logging.getLogger(__name__)


def configured_transport(smtp_url: str, demo_folder: Path | None) -> mail.Transport:
    """The transport ESAFETY_SMTP_URL names; without one, .eml files in `demo_folder` (the
    demo's), or, outside the demo (no folder), an error that says what to set."""
    if smtp_url:
        return mail.transport_from_url(smtp_url)
    if demo_folder is None:
        raise RuntimeError(
            "ESAFETY_SMTP_URL is not set, so no email can be sent. Set it to "
            "smtp://user:password@host:587, smtps://host:465 or file:///a/folder."
        )
    return mail.FileTransport(demo_folder)


@dataclass(frozen=True)
class Sender:
    """Everything one run over the outbox needs: where its sessions come from, how mail leaves,
    whom it is from, and the key that makes the links in it."""

    sessions: mail.SessionFactory
    transport: mail.Transport
    mail_from: str = mail.DEFAULT_FROM
    secret_key: str | None = None

    def deliver_once(self) -> int:
        return mail.deliver_pending(
            self.sessions, self.transport, mail_from=self.mail_from, secret_key=self.secret_key
        )


class MailThread(threading.Thread):
    """Delivers what is due every `interval` seconds until stopped or the process ends."""

    def __init__(self, sender: Sender, interval: float = 2.0):
        super().__init__(name="esafety-mail", daemon=True)
        self.sender = sender
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.sender.deliver_once()
            except Exception:
                log.exception("Sending email failed; trying again in %s seconds", self.interval)
            self._stopping.wait(self.interval)

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self.join(timeout)


def start_mail_thread(sender: Sender, interval: float = 2.0) -> MailThread:
    thread = MailThread(sender, interval)
    thread.start()
    return thread
