"""Emailed sign-in and reset links: never kept usable, the newest one only, and no flood."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import OutboxMessage
from portal.services.tokens import TOKEN_MARK
from portal.web.mailer import mail_sender
from portal.web.redact import redacted_path
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff
from tests.mailbox import sent_body

LINK = re.compile(r"https://localhost(/parents/link/[\w-]+)")
EMAIL = "amira.parent@example.org"


@pytest.fixture
def parent(db):
    school = make_school(db)
    child = make_pupil(db, school, make_class(db, school))
    parent = make_parent(db, school, [child], email=EMAIL)
    db.commit()
    return parent


def messages(db) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def press_continue(client, path: str):
    return client.submit(path, {})


def test_the_outbox_never_holds_a_working_sign_in_link(app, client, db, parent, tmp_path):
    from portal.services.mail import FileTransport

    client.submit("/parents/sign-in", {"email": EMAIL})
    (queued,) = messages(db)
    assert TOKEN_MARK in queued.body  # the stored body has a placeholder, not a token
    assert not LINK.search(queued.body.replace(TOKEN_MARK, ""))
    # Someone with a copy of the database tries what it holds as the token: nothing works.
    for guess in (queued.link_nonce, TOKEN_MARK):
        assert client.get(f"/parents/link/{guess}").status_code == 410
    folder = tmp_path / "sent"  # this test's own: mail files are never overwritten
    assert mail_sender(app, FileTransport(folder)).deliver_once() == 1
    (sent,) = messages(db)
    assert sent.sent_at is not None
    assert sent.link_nonce is None  # once sent, not even the server's key can make it again
    assert TOKEN_MARK in sent.body
    delivered = next(folder.glob("*.eml")).read_text()
    path = LINK.search(delivered).group(1)
    assert press_continue(client, path).status_code == 302  # the emailed link works


def test_a_newer_link_cancels_the_older_ones(app, client, db, parent):
    client.submit("/parents/sign-in", {"email": EMAIL})
    client.submit("/parents/sign-in", {"email": EMAIL})
    first, second = (LINK.search(sent_body(app, m)).group(1) for m in messages(db))
    assert first != second
    assert client.get(first).status_code == 410
    assert press_continue(client, second).status_code == 302


def test_a_newer_password_reset_cancels_the_older_one(app, client, db):
    staff = make_staff(db, make_school(db), password="correct horse battery staple")
    db.commit()
    for _ in range(2):
        client.submit("/password/forgot", {"email": staff.email})
    first, second = (
        re.search(r"https://localhost(/password/reset/\S+)", sent_body(app, m)).group(1)
        for m in messages(db)
    )
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_link_requests_for_one_address_are_limited_from_any_computer(limited_client, db, parent):
    answers = []
    for number in range(8):
        response = limited_client.submit(
            "/parents/sign-in",
            {"email": EMAIL},
            environ_base={"REMOTE_ADDR": f"198.51.100.{number + 1}"},
        )
        answers.append(response.status_code)
    assert answers == [200] * 5 + [429] * 3
    assert len(messages(db)) == 5
    assert "Too many tries" in limited_client.submit(
        "/parents/sign-in", {"email": EMAIL}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    ).get_data(as_text=True)
    # another address is not held up by this one's limit
    other = limited_client.submit("/parents/sign-in", {"email": "someone.else@example.org"})
    assert other.status_code == 200


def test_password_reset_requests_for_one_address_are_limited(limited_client, db):
    staff = make_staff(db, make_school(db))
    db.commit()
    codes = [
        limited_client.submit(
            "/password/forgot",
            {"email": staff.email},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        ).status_code
        for n in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_no_log_line_carries_a_link_token():
    assert redacted_path("GET /portal/parents/link/abc-DEF_123?next=/x HTTP/1.1") == (
        "GET /portal/parents/link/[token]?next=/x HTTP/1.1"
    )
    assert redacted_path("/password/reset/Zz9-_") == "/password/reset/[token]"


def test_the_demo_servers_request_log_leaves_tokens_out(caplog):
    import io
    import logging

    from portal.web.redact import redacted_request_handler

    handler_class = redacted_request_handler()
    handler = handler_class.__new__(handler_class)
    handler.requestline = "GET /portal/parents/link/SECRETTOKEN HTTP/1.1"
    handler.client_address = ("127.0.0.1", 5000)
    handler.request_version = "HTTP/1.1"
    handler.server = type("S", (), {"ssl_context": None})()
    handler.wfile = io.BytesIO()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(200, 10)
    assert "SECRETTOKEN" not in caplog.text
    assert "/portal/parents/link/[token]" in caplog.text
