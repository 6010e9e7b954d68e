"""Staff sign-in holds against guessing from what anyone knows, and sessions end."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from portal.content.calendar import utcnow
from portal.models import LoginSession
from portal.web.runtime import runtime
from tests.factories import make_school, make_staff, sign_in_as

PASSWORD = "correct horse battery staple"


@pytest.fixture
def teacher(db):
    staff = make_staff(db, make_school(db, "Oakfield Learning Community"), password=PASSWORD)
    db.commit()
    return staff


@pytest.mark.parametrize(
    "guessable",
    ["Oakfield Learning Community", "oakfield2026!!", "OakfieldLearning", "oakfield example org"],
)
def test_passwords_made_from_the_schools_name_or_domain_are_refused(client, teacher, guessable):
    sign_in_as(client, runtime(client.application).sessions(), teacher)
    response = client.submit(
        "/account/password", {"current": PASSWORD, "password": guessable, "confirm": guessable}
    )
    assert "your email address or the school" in response.get_data(as_text=True)


def test_a_password_with_real_words_beside_the_schools_name_is_accepted(client, teacher):
    sign_in_as(client, runtime(client.application).sessions(), teacher)
    new = "Oakfield blue giraffe kettle"
    response = client.submit(
        "/account/password", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302


def test_a_busy_session_still_ends_after_its_absolute_lifetime(app, client, db, teacher):
    sign_in_as(client, db, teacher)
    assert client.get("/staff/").status_code == 200
    hours = app.config["SESSION_MAX_HOURS"]
    db.execute(
        update(LoginSession).values(
            created_at=utcnow() - dt.timedelta(hours=hours, minutes=1), last_seen_at=utcnow()
        )
    )
    db.commit()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_form_sent_from_another_sites_page_is_refused_by_its_origin(client, teacher):
    token = client.csrf_token("/sign-in/staff")
    data = {"csrf_token": token, "email": teacher.email, "password": PASSWORD}
    forged = client.post("/sign-in/staff", data=data, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    assert client.get("/staff/").status_code == 302
    own = client.post(
        "/sign-in/staff",
        data=data,
        headers={"Origin": "https://localhost", "Referer": "https://localhost/sign-in/staff"},
    )
    assert own.status_code == 302
