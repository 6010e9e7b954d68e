"""Lockouts that lift, unlocking, password resets by email, two-factor codes, health."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import select

from portal.content.calendar import utcnow
from portal.models import AuditEvent, OutboxMessage
from tests.factories import make_pupil, make_school, make_staff, sign_in_as
from tests.mailbox import sent_body

PASSWORD = "correct horse battery staple"


@pytest.fixture
def school(db):
    return make_school(db)


@pytest.fixture
def teacher(db, school):
    staff = make_staff(db, school, password=PASSWORD)
    db.commit()
    return staff


def sign_in(client, staff, password=PASSWORD):
    return client.submit("/sign-in/staff", {"email": staff.email, "password": password})


def lock(client, staff):
    for _ in range(5):
        sign_in(client, staff, "a wrong guess")


def actions(db):
    return [event.action for event in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_lock_lifts_by_itself_after_the_set_time(client, db, teacher):
    lock(client, teacher)
    assert sign_in(client, teacher).status_code == 200  # still paused
    db.refresh(teacher)
    teacher.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    assert sign_in(client, teacher).status_code == 302


def test_an_admin_unlocks_a_pupil_and_it_is_logged(app, client, db, school):
    pupil = make_pupil(
        db,
        school,
        password="blue-river-12",
        username="amyb12",
        locked_until=utcnow() + dt.timedelta(minutes=15),
    )
    admin = make_staff(db, school, role="admin")
    db.commit()
    sign_in_as(client, db, admin)
    page = client.get("/admin/people").get_data(as_text=True)
    assert pupil.name in page
    response = client.submit("/admin/people", {}, action=f"/admin/unlock/pupil/{pupil.id}")
    assert response.status_code == 302
    db.refresh(pupil)
    assert pupil.locked_until is None
    assert "unlocked" in actions(db)


def test_sign_ins_and_lockouts_are_in_the_audit_log(client, db, teacher):
    lock(client, teacher)
    logged = actions(db)
    assert logged.count("sign-in-failed") == 5
    assert "locked-out" in logged


def test_a_password_reset_link_works_once_and_only_by_pressing_the_button(client, db, teacher):
    page = client.submit("/password/forgot", {"email": teacher.email})
    assert "Check your email" in page.get_data(as_text=True)
    message = db.scalar(select(OutboxMessage))
    assert message.to_address == teacher.email
    path = re.search(
        r"https://localhost(/password/reset/\S+)", sent_body(client.application, message)
    ).group(1)
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # opening it twice uses nothing up
    new = "a fresh and lengthy passphrase"
    done = client.submit(path, {"password": new, "confirm": new})
    assert done.status_code == 302
    assert client.get(path).status_code == 410
    assert sign_in(client, teacher, new).status_code == 302


def test_an_unknown_address_asking_for_a_reset_gets_the_same_page_and_no_mail(client, db):
    page = client.submit("/password/forgot", {"email": "nobody@example.org"})
    assert "Check your email" in page.get_data(as_text=True)
    assert db.scalar(select(OutboxMessage)) is None


def test_an_expired_reset_link_is_refused(client, db, teacher):
    client.submit("/password/forgot", {"email": teacher.email})
    from portal.models import LinkToken

    link = db.scalar(select(LinkToken))
    link.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    message = db.scalar(select(OutboxMessage))
    path = re.search(
        r"https://localhost(/password/reset/\S+)", sent_body(client.application, message)
    ).group(1)
    assert client.get(path).status_code == 410


def test_a_two_factor_code_is_needed_and_cannot_be_used_twice(app, db, school):
    secret = pyotp.random_base32()
    lead = make_staff(db, school, role="ict_lead", password=PASSWORD, totp_secret=secret)
    db.commit()
    first = app.test_client()
    assert sign_in(first, lead).headers["Location"] == "/sign-in/code"
    code = pyotp.TOTP(secret).now()
    assert (
        first.submit(
            "/sign-in/code", {"code": "000000" if code != "000000" else "111111"}
        ).status_code
        == 200
    )
    assert first.submit("/sign-in/code", {"code": code}).status_code == 302
    assert first.get("/staff/").status_code == 200
    second = app.test_client()
    sign_in(second, lead)
    replay = second.submit("/sign-in/code", {"code": code})
    assert replay.status_code == 200
    assert "That code did not work" in replay.get_data(as_text=True)


def test_an_admin_sets_up_two_factor_at_first_sign_in(client, db, school):
    admin = make_staff(db, school, role="admin", password=PASSWORD)
    db.commit()
    sign_in(client, admin)
    page = client.get("/sign-in/code/set-up").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page  # the QR code
    done = client.submit("/sign-in/code/set-up", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    db.refresh(admin)
    assert admin.totp_secret == secret
    assert client.get("/staff/").status_code == 200


def test_password_fields_allow_paste_and_say_what_they_hold(client, teacher):
    html = client.get("/sign-in/staff").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*type="password"', html)
    assert re.search(r'<input[^>]*autocomplete="username"', html)
    assert "onpaste" not in html


def test_health_says_whether_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok"}
