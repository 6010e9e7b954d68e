"""The outbox: a request only adds a message; delivery happens elsewhere, so sending never
slows or breaks a page.

`deliver_pending` is the only thing that sends. It claims one message at a time with an UPDATE
that only one sender can win, sends it, then marks it sent. A crash between sending and marking
means the message goes again after its claim runs out, with the same Message-ID, so the
receiving server can drop the copy: a message may be tried twice but is never lost.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import unquote, urlsplit

from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import OutboxMessage
from .tokens import TOKEN_MARK, link_token

log = logging.getLogger(__name__)

DEFAULT_FROM = "eSafety <no-reply@localhost>"
RETRY_MINUTES = (1, 5, 15, 60)  # after the 1st, 2nd, 3rd and 4th failure; hourly after that
CLAIM = dt.timedelta(minutes=10)  # far longer than one send can take (see SMTP_TIMEOUT)
SMTP_TIMEOUT = 30
MAX_ERROR = 2000
SessionFactory = Callable[[], Session]


def queue_mail(
    db: Session,
    *,
    to: str,
    subject: str,
    body: str,
    school_id: int | None,
    link_nonce: str | None = None,
) -> None:
    """Queue an email. A body with a sign-in or reset link carries `tokens.TOKEN_MARK` where
    the link's token goes, and `link_nonce` (links.IssuedLink.nonce) to make it when sending."""
    db.add(
        OutboxMessage(
            to_address=to, subject=subject, body=body, school_id=school_id, link_nonce=link_nonce
        )
    )


# --- Delivery --------------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, outbox_id: int, message: EmailMessage) -> None:
        """Deliver one message or raise. `outbox_id` names it where a name is needed."""

    def close(self) -> None:
        """Let go of any connection; the next send opens a new one."""


def deliver_pending(
    session_factory: SessionFactory,
    transport: Transport,
    now: dt.datetime | None = None,
    batch: int = 50,
    *,
    mail_from: str = DEFAULT_FROM,
    secret_key: str | None = None,
) -> int:
    """Send up to `batch` messages that are due; return how many went.

    A message that fails waits 1, 5, 15 then 60 minutes before its next try, then tries hourly.
    If the mail server cannot be reached at all, the rest of the batch waits for the next run.
    """

    def clock() -> dt.datetime:
        return now or utcnow()

    sent = 0
    try:
        with session_factory() as db:
            due = db.scalars(
                select(OutboxMessage.id)
                .where(_claimable(clock()))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(batch)
            ).all()
            db.rollback()  # hold no read snapshot while claiming (SQLite)
            for outbox_id in due:
                message = _claim(db, outbox_id, clock())
                if message is None:
                    continue  # another sender has it, or sent it already
                try:
                    transport.send(outbox_id, build_message(message, mail_from, secret_key))
                except Exception as error:
                    _record_failure(db, outbox_id, error, clock())
                    transport.close()
                    if not _only_this_message(error):
                        break
                else:
                    _mark_sent(db, outbox_id, clock())
                    sent += 1
    finally:
        transport.close()
    return sent


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return (
        OutboxMessage.sent_at.is_(None)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)
    )


def _claim(db: Session, outbox_id: int, now: dt.datetime) -> OutboxMessage | None:
    """Take one message for this sender: of two senders at once, exactly one wins."""
    won = cast(
        CursorResult[Any],
        db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, _claimable(now))
            .values(claimed_until=now + CLAIM)
            .execution_options(synchronize_session=False)
        ),
    )
    db.commit()
    if won.rowcount != 1:
        return None
    message = db.get(OutboxMessage, outbox_id, populate_existing=True)
    if message is not None:
        db.expunge(message)  # keep its loaded values; touching it never opens a transaction
    db.rollback()
    return message


def _mark_sent(db: Session, outbox_id: int, now: dt.datetime) -> None:
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.sent_at.is_(None))
        .values(sent_at=now, claimed_until=None, last_error=None, link_nonce=None)
        .execution_options(synchronize_session=False)
    )
    db.commit()


def _record_failure(db: Session, outbox_id: int, error: Exception, now: dt.datetime) -> None:
    attempts = db.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == outbox_id)) or 0
    text = f"{type(error).__name__}: {error}"[:MAX_ERROR]
    log.warning("Email %s was not sent (try %s): %s", outbox_id, attempts + 1, text)
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.sent_at.is_(None))
        .values(
            attempts=OutboxMessage.attempts + 1,
            last_error=text,
            next_attempt_at=now + retry_delay(attempts + 1),
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.commit()


def retry_delay(failures: int) -> dt.timedelta:
    """How long to wait after the given number of failed tries."""
    return dt.timedelta(minutes=RETRY_MINUTES[min(failures, len(RETRY_MINUTES)) - 1])


def _only_this_message(error: Exception) -> bool:
    """The server refused this message but is working: go on with the others."""
    return isinstance(
        error,
        smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError,
    ) or not isinstance(error, OSError)


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int  # not sent yet, whether due now or later
    failing: int  # of those, how many have failed at least once


def outbox_counts(db: Session) -> OutboxCounts:
    waiting, failing = db.execute(
        select(
            func.count(OutboxMessage.id),
            func.count(OutboxMessage.id).filter(OutboxMessage.attempts > 0),
        ).where(OutboxMessage.sent_at.is_(None))
    ).one()
    return OutboxCounts(waiting, failing)


# --- Messages --------------------------------------------------------------------------------


def rendered_body(message: OutboxMessage, secret_key: str | None) -> str:
    """The body as sent: with its link's token made again from the nonce and the key."""
    if message.link_nonce is None:
        return message.body
    if not secret_key:
        raise ValueError("this email holds a link: sending it needs the portal's secret key")
    return message.body.replace(TOKEN_MARK, link_token(secret_key, message.link_nonce))


def build_message(
    message: OutboxMessage, mail_from: str, secret_key: str | None = None
) -> EmailMessage:
    """The email for an outbox row; the same row always gives the same Message-ID (and the
    same link, made afresh from its nonce)."""
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at.replace(tzinfo=dt.UTC))
    email["Message-ID"] = message_id(message, mail_from)
    email["Auto-Submitted"] = "auto-generated"
    body = rendered_body(message, secret_key)
    body = body if body.endswith("\n") else body + "\n"
    if body.isascii() and max(map(len, body.splitlines()), default=0) <= 998:
        email.set_content(body, cte="7bit")  # links stay whole and readable in the raw file
    else:
        email.set_content(body)
    return email


def message_id(message: OutboxMessage, mail_from: str) -> str:
    """Built from the row's id and creation time, so a rebuilt database never reuses one."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


# --- Transports ------------------------------------------------------------------------------


class FileTransport:
    """Writes each message to an .eml file in `folder`, for the demo and for development.

    Files are named by the message's time and outbox number, such as
    `20261202-235501-000123-sign-in-to-oakfield.eml`: the newest sorts last, and a database made
    afresh (as the demo's is on every start) never overwrites an older file. Sending the same
    message again rewrites the same file, so a retry never makes a copy. `announce`, if given,
    is told each file's path once it is written.
    """

    def __init__(self, folder: Path, announce: Callable[[Path], None] | None = None):
        self.folder = folder
        self.announce = announce

    @staticmethod
    def file_name(outbox_id: int, message: EmailMessage) -> str:
        created = parsedate_to_datetime(message["Date"]).astimezone(dt.UTC)
        words = re.sub(r"[^a-z0-9]+", "-", str(message["Subject"]).lower()).strip("-")
        return f"{created:%Y%m%d-%H%M%S}-{outbox_id:06d}-{words[:40].rstrip('-')}.eml"

    def send(self, outbox_id: int, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / self.file_name(outbox_id, message)
        partial = self.folder / f".{path.name}.partial"
        partial.write_bytes(bytes(message))
        os.replace(partial, path)  # a reader never sees half a message
        if self.announce is not None:
            self.announce(path)

    def close(self) -> None:
        pass


class SMTPTransport:
    """One connection for a run of messages, opened when the first is sent.

    `smtp://` uses STARTTLS whenever the server offers it and refuses to send a password
    unencrypted to anything but this computer; `smtps://` is TLS from the start.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        implicit_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = SMTP_TIMEOUT,
    ):
        self.host, self.port = host, port
        self.implicit_tls = implicit_tls
        self.username, self.password = username, password
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, outbox_id: int, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            encrypted = self.implicit_tls
            if not encrypted and smtp.has_extn("starttls"):
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
                encrypted = True
            if self.username:
                if not encrypted and not _is_loopback(self.host):
                    raise smtplib.SMTPNotSupportedError(
                        f"{self.host} does not offer STARTTLS, so the password is not sent. "
                        "Use smtps:// or a server that supports STARTTLS."
                    )
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def transport_from_url(url: str, *, ssl_context: ssl.SSLContext | None = None) -> Transport:
    """A transport for ESAFETY_SMTP_URL: smtp://[user:password@]host[:port] (port 25 unless
    given), smtps://[user:password@]host[:port] (port 465 unless given) or file:///folder."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise ValueError("ESAFETY_SMTP_URL needs a folder, like file:///var/mail/esafety")
        return FileTransport(Path(unquote(parts.path)))
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise ValueError("ESAFETY_SMTP_URL needs a host, like smtp://mail.example.org:587")
        implicit_tls = parts.scheme == "smtps"
        return SMTPTransport(
            parts.hostname,
            parts.port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            ssl_context=ssl_context,
        )
    # never echo the URL itself: it may hold a password
    raise ValueError("ESAFETY_SMTP_URL must start with smtp://, smtps:// or file:///")
