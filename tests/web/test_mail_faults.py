"""The mail server down while parents sign, and the sender stopped half way through the outbox.

Signing never waits for email: with nothing listening on the mail port a parent's agreement is
recorded and confirmed, and the confirmation page says the receipt will follow (not that it has
been sent). Once a real SMTP server (aiosmtpd) is listening, each queued receipt arrives exactly
once, counted by recipient and subject, even when the sender (the portal's mail thread, or an
`esafety send-mail --watch` process) is stopped in the middle and a new one takes over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from portal.content.calendar import utcnow
from portal.models import OutboxMessage
from portal.services import mail
from portal.services.mail import deliver_pending, transport_from_url
from portal.services.mail_sender import start_mail_thread
from portal.web.mailer import mail_sender
from portal.web.runtime import runtime
from tests.factories import make_class, make_parent, make_pupil, make_school, sign_in_as
from tests.live_server import SHOWN, TOKEN, free_port

FROM = "Oakfield School <no-reply@oakfield.example.org>"
SUBJECT = re.compile(r"Your agreement with .+: your receipt")
ESAFETY = Path(sys.executable).parent / "esafety"


@pytest.fixture
def policies_dir(project):
    return project / "policies"


@pytest.fixture
def smtp_url(app) -> str:
    """A mail server address with nothing listening there (yet); the portal sends to it."""
    url = f"smtp://127.0.0.1:{free_port()}"
    app.config.update(SMTP_URL=url, MAIL_FROM=FROM)
    return url


class Inbox:
    """An aiosmtpd handler that counts what it accepts, by recipient and subject.

    `hold_at`: the sender's MAIL command for that message (1 for the first) gets no answer until
    `release` is set, so a test can stop the sender in the middle of a run, deterministically.
    """

    def __init__(self, hold_at: int | None = None):
        self.hold_at = hold_at
        self.received: Counter[tuple[str, str]] = Counter()
        self.message_ids: Counter[str] = Counter()
        self.mail_commands = 0
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_commands += 1
        if self.mail_commands == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for address in envelope.rcpt_tos:
            self.received[(address, str(message["Subject"]))] += 1
        self.message_ids[str(message["Message-ID"])] += 1
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        return sum(self.received.values())


def smtp_server(url: str, inbox: Inbox) -> Controller:
    port = int(url.rsplit(":", 1)[1])
    return Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)


class Clock:
    """The sender's clock: now, or later once `wind` has moved it on."""

    def __init__(self):
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset

    def wind(self, **later: float) -> None:
        self.offset += dt.timedelta(**later)


def families(db, count: int) -> list[tuple]:
    school = make_school(db)
    reception = make_class(db, school, "Reception", 0)
    made = []
    for _ in range(count):
        child = make_pupil(db, school, reception)
        made.append((make_parent(db, school, [child]), child))
    db.commit()
    return made


def sign(app, db, parent, child) -> str:
    """The parent signs on their own phone; returns the confirmation page."""
    client = app.test_client()
    sign_in_as(client, db, parent)
    page = client.get("/agreements/family").get_data(as_text=True)
    response = client.post(
        "/agreements/family",
        data={
            "csrf_token": TOKEN.search(page).group(1),
            "shown": SHOWN.search(page).group(1),
            "signed_name": parent.name,
            f"talked_{child.id}": "y",
        },
        headers={"Referer": "https://localhost/agreements/family"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/agreements/done"
    confirmation = client.get("/agreements/done")
    assert confirmation.status_code == 200
    return confirmation.get_data(as_text=True)


def outbox(db) -> list[OutboxMessage]:
    db.expire_all()
    rows = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    db.rollback()  # hold no snapshot while the senders work
    return rows


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def assert_each_receipt_once(inbox: Inbox, parents: list) -> None:
    addresses = Counter(address for address, _ in inbox.received)
    assert addresses == Counter(parent.email for parent in parents), "lost or sent twice"
    assert all(SUBJECT.fullmatch(subject) for _, subject in inbox.received)
    assert set(inbox.received.values()) == {1}, f"sent twice: {inbox.received}"
    assert set(inbox.message_ids.values()) == {1}
    assert len(inbox.message_ids) == len(parents)


def test_parents_sign_with_the_mail_server_down_and_each_receipt_goes_once_it_is_up(
    app, db, smtp_url, monkeypatch
):
    clock = Clock()
    monkeypatch.setattr(mail, "utcnow", clock)
    signed = families(db, 55)  # more than one run of the sender (50)
    senders = [
        start_mail_thread(mail_sender(app), interval=0.05)
    ]  # as in a small school's one process
    server, running = smtp_server(smtp_url, inbox := Inbox(hold_at=10)), False
    try:
        for parent, child in signed:
            confirmation = sign(app, db, parent, child)
            assert "You have agreed" in confirmation
            assert f"We will also email this receipt to <strong>{parent.email}</strong>" in (
                confirmation
            )
            assert "We have emailed" not in confirmation
        # The sender has tried each receipt, failed, and will try again in a minute.
        wait_for(lambda: all(message.attempts >= 1 for message in outbox(db)))
        waiting = outbox(db)
        assert len(waiting) == len(signed)
        assert all(message.sent_at is None and message.last_error for message in waiting)
        assert all(message.next_attempt_at > clock() for message in waiting)

        server.start()
        running = True
        clock.wind(hours=2)  # every retry is due, however many tries each has had
        assert inbox.holding.wait(30)  # the tenth receipt is on its way
        senders[0].stop(timeout=0)  # asked to stop in the middle of a run...
        inbox.release.set()
        senders[0].join(60)  # ...it finishes the run (50 messages) and stops
        assert not senders[0].is_alive()
        assert inbox.count == 50
        assert sum(message.sent_at is not None for message in outbox(db)) == 50

        senders.append(start_mail_thread(mail_sender(app), interval=0.05))
        wait_for(lambda: all(message.sent_at is not None for message in outbox(db)))
    finally:
        for sender in senders:
            sender.stop(timeout=60)
        if running:
            server.stop()
    assert_each_receipt_once(inbox, [parent for parent, _ in signed])
    assert all(message.claimed_until is None for message in outbox(db))


def test_a_sender_stopped_midway_loses_nothing_and_sends_nothing_twice(
    app, db, smtp_url, database_url, project, real_clock
):
    signed = families(db, 20)
    for parent, child in signed:
        sign(app, db, parent, child)
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == len(signed)
    environment = {
        "ESAFETY_DATABASE_URL": database_url,
        "ESAFETY_SECRET_KEY": "a long random secret for this test, not a real one",
        "ESAFETY_SMTP_URL": smtp_url,
        "ESAFETY_MAIL_FROM": FROM,
        "ESAFETY_POLICIES_DIR": str(project / "policies"),
        "ESAFETY_CURRICULUM_DIR": str(project / "curriculum"),
    }
    run = {"cwd": project, "env": os.environ | environment}

    inbox = Inbox(hold_at=8)
    server = smtp_server(smtp_url, inbox)
    server.start()
    try:
        # One run of the sender (--watch repeats the same run every few seconds; the stop in
        # the middle is the same either way).
        watching = subprocess.Popen(
            [ESAFETY, "send-mail"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **run,
        )
        try:  # until it is in the middle of the eighth message (or has failed to start)
            deadline = time.monotonic() + 60
            while watching.poll() is None and time.monotonic() < deadline:
                if inbox.holding.wait(0.1):
                    break
        finally:
            watching.terminate()  # SIGTERM, as systemd stops it: no clean-up runs
            output = watching.communicate(timeout=30)[0]
        assert inbox.holding.is_set(), f"the sender never reached the eighth message:\n{output}"
        inbox.release.set()
        assert inbox.count == 7

        # A new sender takes over at once. The message the stopped one was sending is still
        # claimed by it, so it waits (it is not lost) rather than risk a second copy.
        again = subprocess.run(
            [ESAFETY, "send-mail"], capture_output=True, text=True, timeout=120, **run
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert again.stdout == f"Sent {len(signed) - 8}. Waiting: 1.\n"
        (held,) = [message for message in outbox(db) if message.sent_at is None]
        assert held.claimed_until is not None

        # Ten minutes on, the claim has run out and it goes, once.
        later = utcnow() + mail.CLAIM + dt.timedelta(minutes=1)
        transport = transport_from_url(smtp_url)
        sessions = runtime(app).sessions
        assert deliver_pending(sessions, transport, now=later, mail_from=FROM) == 1
    finally:
        server.stop()
    assert_each_receipt_once(inbox, [parent for parent, _ in signed])
    assert all(message.sent_at is not None for message in outbox(db))
