"""Staff sign-in, attempts to get round it, and the protections every page carries."""

from __future__ import annotations

import pytest

from tests.factories import make_school, make_staff, sign_in_as

PASSWORD = "correct horse battery staple"
COOKIE = "__Host-esafety_session"


@pytest.fixture
def teacher(db):
    staff = make_staff(db, make_school(db), password=PASSWORD)
    db.commit()
    return staff


def sign_in_with_password(client, staff):
    response = client.submit("/sign-in/staff", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_pages_carry_security_headers(client):
    response = client.get("/sign-in/staff")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_session_cookie_is_secure_http_only_and_same_site(client, teacher):
    response = sign_in_with_password(client, teacher)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-esafety_session=")
    assert "Path=/;" in cookie
    assert "Domain=" not in cookie
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_signing_out_kills_a_copied_session_cookie(app, client, teacher):
    sign_in_with_password(client, teacher)
    stolen = client.get_cookie(COOKIE).value
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert thief.get("/staff/").status_code == 200
    client.submit("/staff/", {}, action="/sign-out")
    assert thief.get("/staff/").status_code == 302


def test_a_password_change_ends_sessions_elsewhere(app, client, db, teacher):
    other_device = app.test_client()
    sign_in_as(other_device, db, teacher)
    assert other_device.get("/staff/").status_code == 200
    sign_in_with_password(client, teacher)
    new = "a brand new long passphrase"
    response = client.submit(
        "/account/password", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert other_device.get("/staff/").status_code == 302


def test_a_member_of_staff_who_left_is_signed_out_at_once(app, client, db, teacher):
    sign_in_with_password(client, teacher)
    from portal.content.calendar import utcnow

    teacher.left_at = utcnow()
    db.commit()
    assert client.get("/staff/").status_code == 302


def test_a_forged_session_cookie_is_refused(app):
    client = app.test_client()
    client.set_cookie(COOKIE, "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    assert client.get("/staff/").status_code == 302


def test_a_session_token_made_to_name_another_kind_of_person_is_refused(app, client, teacher):
    """The token names the kind of person so that only their table is searched; a token edited
    to name another kind (with the secret key, the cookie could say anything) finds nobody."""
    sign_in_with_password(client, teacher)
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert token.startswith("staff.")
    for kind in ("pupil", "parent", "visitor", ""):
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = kind + token.removeprefix("staff")
        assert other.get("/staff/").status_code == 302
        assert other.get("/lessons/").status_code == 302


def test_next_only_redirects_within_the_site(client, teacher):
    client.get("/sign-in?next=https://evil.example/steal")
    response = sign_in_with_password(client, teacher)
    assert response.headers["Location"] == "/"
    client.submit("/staff/", {}, action="/sign-out")
    client.get("/sign-in?next=/account/password")
    response = sign_in_with_password(client, teacher)
    assert response.headers["Location"] == "/account/password"


def test_a_weak_new_password_is_refused_with_reasons(client, teacher):
    sign_in_with_password(client, teacher)
    for weak, reason in (
        ("short", "at least 10 characters"),
        ("password123", "too common"),
        ("aaaaaaaaaaaa", "too few characters"),
    ):
        response = client.submit(
            "/account/password", {"current": PASSWORD, "password": weak, "confirm": weak}
        )
        assert reason in response.get_data(as_text=True)


def test_ict_leads_must_use_a_second_factor(client, db):
    lead = make_staff(db, make_school(db), role="ict_lead", password=PASSWORD)
    db.commit()
    response = client.submit("/sign-in/staff", {"email": lead.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/code/set-up"
    assert client.get("/staff/").status_code == 302  # not signed in yet


def test_a_teacher_signs_in_with_email_and_password(client, teacher):
    response = client.submit("/sign-in/staff", {"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/staff/")
    assert f"Hello, {teacher.name}" in home.get_data(as_text=True)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, teacher):
    wrong = client.submit("/sign-in/staff", {"email": teacher.email, "password": "nope nope"})
    unknown = client.submit("/sign-in/staff", {"email": "nobody@example.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert "There is a problem" in html
        assert "Those details did not work" in html


def test_five_failures_pause_the_account_even_with_the_right_password(client, db, teacher):
    for _ in range(5):
        client.submit("/sign-in/staff", {"email": teacher.email, "password": "wrong guess"})
    right = client.submit("/sign-in/staff", {"email": teacher.email, "password": PASSWORD})
    assert right.status_code == 200
    assert client.get("/staff/").status_code == 302
    db.refresh(teacher)
    assert teacher.locked_until is not None


def test_forms_without_a_csrf_token_are_refused(client, teacher):
    response = client.post("/sign-in/staff", data={"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 400
