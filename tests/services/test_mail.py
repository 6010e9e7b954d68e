"""The outbox sender, against a real SMTP server on this computer (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import shutil
import smtplib
import socket
import ssl
import subprocess
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from sqlalchemy import select

from portal.cli import main
from portal.content.calendar import utcnow
from portal.models import OutboxMessage
from portal.services import mail
from portal.services.mail import (
    FileTransport,
    deliver_pending,
    queue_mail,
    retry_delay,
    transport_from_url,
)
from portal.services.mail_sender import start_mail_thread
from portal.web.mailer import mail_sender
from portal.web.runtime import runtime

FROM = "Oakfield School <no-reply@oakfield.example.org>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages: list[email.message.EmailMessage] = []
        self.encrypted: list[bool] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.encrypted.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]


class Server:
    def __init__(self, port: int | None = None, **options):
        self.inbox = Inbox(options.pop("refuse", ()))
        self.port = port or free_port()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=5, **options
        )

    def __enter__(self) -> Server:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def server():
    with Server() as running:
        yield running


@pytest.fixture
def sessions(app):
    return runtime(app).sessions


def queue(db, count: int = 1, to: str = "parent@example.org") -> list[int]:
    for n in range(count):
        queue_mail(
            db,
            to=to,
            subject=f"Sign in to Oakfield School ({n})",
            body=f"Hello,\n\nYour link: https://portal.example.org/parents/link/{'x' * 60}{n}\n",
            school_id=None,
        )
    db.commit()
    return list(db.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def row(db, outbox_id: int) -> OutboxMessage:
    db.expire_all()
    return db.get(OutboxMessage, outbox_id)


def test_a_queued_message_is_delivered_and_marked_sent(db, sessions, server):
    (outbox_id,) = queue(db)
    sent = deliver_pending(sessions, transport_from_url(server.url), mail_from=FROM)
    assert sent == 1
    (received,) = server.inbox.messages
    assert received["To"] == "parent@example.org"
    assert received["From"] == FROM
    assert received["Subject"] == "Sign in to Oakfield School (0)"
    assert f"/parents/link/{'x' * 60}0" in received.get_content()
    assert received["Message-ID"].startswith(f"<outbox-{outbox_id}.")
    assert received["Message-ID"].endswith("@oakfield.example.org>")
    message = row(db, outbox_id)
    assert message.sent_at is not None
    assert message.attempts == 0
    assert message.claimed_until is None


def test_delivering_twice_sends_each_message_once(db, sessions, server):
    queue(db, 3)
    transport = transport_from_url(server.url)
    assert deliver_pending(sessions, transport, mail_from=FROM) == 3
    assert deliver_pending(sessions, transport, mail_from=FROM) == 0
    ids = server.inbox.message_ids()
    assert len(ids) == len(set(ids)) == 3


def test_a_message_waits_while_the_server_is_down_and_goes_when_it_is_back(db, sessions):
    port = free_port()  # nothing listens here yet
    (outbox_id,) = queue(db)
    now = utcnow()
    transport = transport_from_url(f"smtp://127.0.0.1:{port}")

    assert deliver_pending(sessions, transport, now=now, mail_from=FROM) == 0
    failed = row(db, outbox_id)
    assert failed.sent_at is None
    assert failed.attempts == 1
    assert failed.last_error
    assert failed.next_attempt_at == now + dt.timedelta(minutes=1)
    assert failed.claimed_until is None

    with Server(port) as server:
        # Not due again yet: nobody tries before the minute is up.
        assert deliver_pending(sessions, transport, now=now, mail_from=FROM) == 0
        assert server.inbox.messages == []
        later = now + dt.timedelta(minutes=2)
        assert deliver_pending(sessions, transport, now=later, mail_from=FROM) == 1
        assert len(server.inbox.messages) == 1
    done = row(db, outbox_id)
    assert done.sent_at == later
    assert done.attempts == 1
    assert done.last_error is None


class Broken:
    def __init__(self):
        self.tries = 0

    def send(self, outbox_id, message):
        self.tries += 1
        raise ConnectionRefusedError("no mail server")

    def close(self):
        pass


def test_failures_back_off_1_5_15_60_minutes_then_hourly(db, sessions):
    (outbox_id,) = queue(db)
    now = utcnow()
    waits = []
    for _ in range(6):
        deliver_pending(sessions, Broken(), now=now, mail_from=FROM)
        message = row(db, outbox_id)
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    assert [wait / dt.timedelta(minutes=1) for wait in waits] == [1, 5, 15, 60, 60, 60]
    assert row(db, outbox_id).attempts == 6
    assert [retry_delay(n).seconds // 60 for n in (1, 2, 3, 4, 10)] == [1, 5, 15, 60, 60]


def test_when_the_server_cannot_be_reached_the_rest_of_the_batch_waits(db, sessions):
    ids = queue(db, 3)
    transport = Broken()
    assert deliver_pending(sessions, transport, mail_from=FROM) == 0
    assert transport.tries == 1
    assert [row(db, i).attempts for i in ids] == [1, 0, 0]


def test_a_refused_address_does_not_hold_up_the_others(db, sessions):
    with Server(refuse=("nobody@example.org",)) as server:
        (bad,) = queue(db, 1, to="nobody@example.org")
        good = queue(db, 1, to="parent@example.org")[-1]
        assert deliver_pending(sessions, transport_from_url(server.url), mail_from=FROM) == 1
    assert [m["To"] for m in server.inbox.messages] == ["parent@example.org"]
    assert row(db, good).sent_at is not None
    refused = row(db, bad)
    assert refused.sent_at is None
    assert refused.attempts == 1
    assert "No such mailbox" in refused.last_error


def test_a_message_claimed_by_another_sender_is_left_until_the_claim_runs_out(db, sessions, server):
    """As after a crash between sending and marking: it goes again, with the same Message-ID."""
    (outbox_id,) = queue(db)
    now = utcnow()
    message = row(db, outbox_id)
    message.claimed_until = now + dt.timedelta(minutes=10)
    db.commit()
    first_id = mail.build_message(row(db, outbox_id), FROM)["Message-ID"]
    transport = transport_from_url(server.url)
    assert deliver_pending(sessions, transport, now=now, mail_from=FROM) == 0
    later = now + dt.timedelta(minutes=11)
    assert deliver_pending(sessions, transport, now=later, mail_from=FROM) == 1
    assert server.inbox.message_ids() == [first_id]


class Slow:
    """Slows each send a little so two senders really overlap."""

    def __init__(self, url: str):
        self.inner = transport_from_url(url)

    def send(self, outbox_id, message):
        time.sleep(0.005)
        self.inner.send(outbox_id, message)

    def close(self):
        self.inner.close()


def test_two_senders_at_once_never_send_the_same_message(db, sessions, server):
    queue(db, 40)
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sender():
        try:
            start.wait()
            counts.append(deliver_pending(sessions, Slow(server.url), mail_from=FROM))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(counts) == 40
    ids = server.inbox.message_ids()
    assert len(ids) == len(set(ids)) == 40
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))) is None


def test_the_file_transport_writes_each_message_as_a_readable_eml_file(app, db, sessions):
    (outbox_id,) = queue(db)
    folder = Path(app.config["SMTP_URL"].removeprefix("file://"))
    transport = transport_from_url(app.config["SMTP_URL"])
    assert deliver_pending(sessions, transport, mail_from=FROM) == 1
    [path] = folder.glob(f"*-{outbox_id:06d}-sign-in-to-oakfield-school-0.eml")
    text = path.read_text()
    assert f"https://portal.example.org/parents/link/{'x' * 60}0" in text  # whole, not wrapped
    written = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert written["Subject"] == "Sign in to Oakfield School (0)"
    assert written["From"] == FROM
    assert written["To"] == "parent@example.org"

    message = row(db, outbox_id)  # sent again, as after a crash: the same file, no copy
    message.sent_at = None
    db.commit()
    assert deliver_pending(sessions, transport, mail_from=FROM) == 1
    assert [p.name for p in folder.iterdir()] == [path.name]


def test_the_files_are_named_by_time_so_a_fresh_outbox_never_overwrites_one(tmp_path):
    announced = []
    transport = FileTransport(tmp_path, announce=announced.append)

    def message(when: dt.datetime, subject: str) -> EmailMessage:
        written = EmailMessage()
        written["Subject"] = subject
        written["Date"] = email.utils.format_datetime(when.replace(tzinfo=dt.UTC))
        written.set_content("Hello")
        return written

    first_run = dt.datetime(2026, 12, 2, 23, 55, 1)
    transport.send(1, message(first_run, "Sign in to Oakfield: your link!"))
    transport.send(2, message(first_run + dt.timedelta(seconds=5), "Please read and sign"))
    # The demo starts again with an empty outbox: number 1 again, later.
    transport.send(1, message(first_run + dt.timedelta(hours=1), "Sign in to Oakfield"))
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [
        "20261202-235501-000001-sign-in-to-oakfield-your-link.eml",
        "20261202-235506-000002-please-read-and-sign.eml",
        "20261203-005501-000001-sign-in-to-oakfield.eml",
    ]
    assert [path.name for path in announced] == names


def test_the_demo_prints_the_newest_emails_file(tmp_path, capsys):
    from portal.cli import announce_email

    transport = FileTransport(tmp_path, announce=announce_email)
    written = EmailMessage()
    written["Subject"] = "Sign in to Oakfield"
    written["Date"] = email.utils.format_datetime(
        dt.datetime(2026, 12, 2, 23, 55, 1, tzinfo=dt.UTC)
    )
    written.set_content("Hello")
    transport.send(123, written)
    path = tmp_path / "20261202-235501-000123-sign-in-to-oakfield.eml"
    assert path.is_file()
    assert f"New email (the newest; its link is inside): {path}" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_password_in_the_url_is_used_to_log_in(db, sessions):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"p@ss:word"
        return AuthResult(success=ok)

    queue(db)
    options = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}
    with Server(**options) as server:
        url = f"smtp://sender:p%40ss%3Aword@127.0.0.1:{server.port}"
        assert deliver_pending(sessions, transport_from_url(url), mail_from=FROM) == 1
    assert seen == [(b"sender", b"p@ss:word")]
    assert len(server.inbox.messages) == 1


def test_a_password_is_never_sent_unencrypted_to_another_computer(
    db, sessions, server, monkeypatch
):
    monkeypatch.setattr(mail, "_is_loopback", lambda host: False)
    (outbox_id,) = queue(db)
    url = f"smtp://sender:secret@127.0.0.1:{server.port}"
    assert deliver_pending(sessions, transport_from_url(url), mail_from=FROM) == 0
    assert "STARTTLS" in row(db, outbox_id).last_error
    assert server.inbox.messages == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed, so no test certificate can be made")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_contexts(certificate) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    return server_side, client_side


def test_smtp_uses_starttls_when_the_server_offers_it(db, sessions, certificate):
    server_side, client_side = tls_contexts(certificate)
    queue(db)
    with Server(tls_context=server_side) as server:
        transport = transport_from_url(server.url, ssl_context=client_side)
        assert deliver_pending(sessions, transport, mail_from=FROM) == 1
    assert server.inbox.encrypted == [True]


def test_smtps_is_encrypted_from_the_start(db, sessions, certificate):
    server_side, client_side = tls_contexts(certificate)
    queue(db)
    with Server(ssl_context=server_side) as server:
        url = f"smtps://127.0.0.1:{server.port}"
        assert deliver_pending(sessions, transport_from_url(url, ssl_context=client_side)) == 1
    assert len(server.inbox.messages) == 1


def test_an_untrusted_certificate_is_refused(db, sessions, certificate):
    server_side, _ = tls_contexts(certificate)
    (outbox_id,) = queue(db)
    with Server(tls_context=server_side) as server:
        assert deliver_pending(sessions, transport_from_url(server.url), mail_from=FROM) == 0
    assert server.inbox.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in row(db, outbox_id).last_error


def test_smtp_urls_are_read_with_sensible_default_ports():
    plain = transport_from_url("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
        "mail.example.org",
        25,
        False,
        None,
    )
    tls = transport_from_url("smtps://me%40school:pa%2Fss@mail.example.org")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (
        465,
        True,
        "me@school",
        "pa/ss",
    )
    assert transport_from_url("file:///var/mail/esafety").folder == Path("/var/mail/esafety")
    with pytest.raises(ValueError, match="must start with") as error:
        transport_from_url("http://user:hunter2@example.org")
    assert "hunter2" not in str(error.value)


def test_send_mail_command_delivers_and_prints_counts(app, db, database_url, monkeypatch, server):
    for name, value in {
        "ESAFETY_DATABASE_URL": database_url,
        "ESAFETY_SECRET_KEY": "a test secret key, long enough to start",
        "ESAFETY_SMTP_URL": server.url,
        "ESAFETY_MAIL_FROM": FROM,
    }.items():
        monkeypatch.setenv(name, value)
    queue(db, 2)
    result = CliRunner().invoke(main, ["send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output == "Sent 2. Waiting: 0.\n"
    assert len(server.inbox.messages) == 2
    assert server.inbox.messages[0]["From"] == FROM

    monkeypatch.setattr(time, "sleep", lambda seconds: (_ for _ in ()).throw(KeyboardInterrupt))
    # As on a Python whose SQLite is fixed: --watch refuses one with the WAL-reset bug.
    monkeypatch.setattr("portal.startup.sqlite3.sqlite_version_info", (3, 51, 3))
    watched = CliRunner().invoke(main, ["send-mail", "--watch"])
    assert watched.exit_code == 0, watched.output
    assert watched.output.endswith("Press Ctrl+C to stop.\nStopped.\n")


def test_send_mail_command_explains_a_bad_setting(app, database_url, monkeypatch):
    monkeypatch.setenv("ESAFETY_DATABASE_URL", database_url)
    monkeypatch.setenv("ESAFETY_SECRET_KEY", "a test secret key, long enough to start")
    monkeypatch.setenv("ESAFETY_SMTP_URL", "")
    result = CliRunner().invoke(main, ["send-mail"])
    assert result.exit_code == 1
    assert "ESAFETY_SMTP_URL is not set" in result.output


def test_the_mail_thread_delivers_in_the_background(app, db):
    (outbox_id,) = queue(db)
    folder = Path(app.config["SMTP_URL"].removeprefix("file://"))
    thread = start_mail_thread(mail_sender(app), interval=0.05)
    try:
        deadline = time.monotonic() + 10
        while not list(folder.glob(f"*-{outbox_id:06d}-*.eml")) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        thread.stop(timeout=10)
    assert list(folder.glob(f"*-{outbox_id:06d}-*.eml"))
    assert not thread.is_alive()
    assert row(db, outbox_id).sent_at is not None


def test_smtp_errors_count_as_reaching_the_server_or_not():
    assert mail._only_this_message(smtplib.SMTPRecipientsRefused({}))
    assert mail._only_this_message(ValueError("bad header"))
    assert not mail._only_this_message(ConnectionRefusedError())
    assert not mail._only_this_message(smtplib.SMTPAuthenticationError(535, b"no"))
