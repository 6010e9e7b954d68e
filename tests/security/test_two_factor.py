"""Two-factor sign-in cannot be set up, replaced or skipped with a password alone."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Staff
from tests.factories import make_school, make_staff, sign_in_as

PASSWORD = "correct horse battery staple"


@pytest.fixture
def school(db):
    return make_school(db)


def sign_in(client, staff, password=PASSWORD):
    return client.submit("/sign-in/staff", {"email": staff.email, "password": password})


def shown_secret(html: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', html).group(1)


def test_two_factor_set_up_is_refused_when_the_account_already_has_one(app, db, school):
    real_secret = pyotp.random_base32()
    admin = make_staff(db, school, role="admin", password=PASSWORD, totp_secret=real_secret)
    db.commit()
    attacker = app.test_client()
    assert sign_in(attacker, admin).headers["Location"] == "/sign-in/code"
    page = attacker.get("/sign-in/code/set-up")
    assert page.status_code == 302
    assert page.headers["Location"] == "/sign-in/code"
    # Posting a code for a secret of the attacker's own choosing changes nothing either.
    attacker_secret = pyotp.random_base32()
    with attacker.session_transaction() as session:
        session["totp_setup"] = attacker_secret
    token = attacker.csrf_token("/sign-in/code")
    response = attacker.post(
        "/sign-in/code/set-up",
        data={"csrf_token": token, "code": pyotp.TOTP(attacker_secret).now()},
        headers={"Referer": "https://localhost/sign-in/code"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/code"
    assert attacker.get("/staff/").status_code == 302  # still not signed in
    db.expire_all()
    assert db.get(Staff, admin.id).totp_secret == real_secret
    # and the real admin's codes still work
    owner = app.test_client()
    sign_in(owner, admin)
    assert owner.submit("/sign-in/code", {"code": pyotp.TOTP(real_secret).now()}).status_code == 302
    assert owner.get("/staff/").status_code == 200


def test_two_factor_set_up_needs_the_password_just_given(app, client, db, school):
    admin = make_staff(db, school, role="admin", password=PASSWORD)
    db.commit()
    assert client.get("/sign-in/code/set-up").status_code == 410  # no password given
    sign_in(client, admin, "a wrong password")
    assert client.get("/sign-in/code/set-up").status_code == 410


def test_a_signed_in_member_of_staff_cannot_replace_the_secret_without_password_and_code(
    app, client, db, school
):
    old = pyotp.random_base32()
    lead = make_staff(db, school, role="ict_lead", password=PASSWORD, totp_secret=old)
    db.commit()
    sign_in_as(client, db, lead)
    page = client.get("/account/two-factor").get_data(as_text=True)
    new = shown_secret(page)
    for data in (
        {"code": pyotp.TOTP(new).now()},  # neither
        {"code": pyotp.TOTP(new).now(), "password": PASSWORD},  # no current code
        {"code": pyotp.TOTP(new).now(), "password": "wrong", "current_code": "123456"},
    ):
        response = client.submit("/account/two-factor", data)
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Staff, lead.id).totp_secret == old
    moved = client.submit(
        "/account/two-factor",
        {
            "code": pyotp.TOTP(new).now(),
            "password": PASSWORD,
            "current_code": pyotp.TOTP(old).now(),
        },
    )
    assert moved.status_code == 302
    db.expire_all()
    assert db.get(Staff, lead.id).totp_secret == new
    assert "two-factor-replaced" in db.scalars(select(AuditEvent.action)).all()


def test_a_teacher_may_turn_on_two_factor_and_then_needs_it(app, client, db, school):
    teacher = make_staff(db, school, password=PASSWORD)
    db.commit()
    sign_in(client, teacher)
    assert client.get("/staff/").status_code == 200  # offered, not required
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Turn on two-factor sign-in" in page
    secret = shown_secret(page)
    done = client.submit(
        "/account/two-factor", {"code": pyotp.TOTP(secret).now(), "password": PASSWORD}
    )
    assert done.status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, teacher).headers["Location"] == "/sign-in/code"


def test_the_school_can_require_two_factor_of_every_teacher(app, client, db, school):
    app.config["TWO_FACTOR_ROLES"] = "staff ict_lead admin"
    teacher = make_staff(db, school, password=PASSWORD)
    db.commit()
    assert sign_in(client, teacher).headers["Location"] == "/sign-in/code/set-up"
    assert client.get("/staff/").status_code == 302
