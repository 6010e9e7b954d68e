"""Pupils in Year 3 and up sign in with a username and password from a login card."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from portal.content.calendar import utcnow
from portal.models import AuditEvent, Pupil
from portal.services.passwords import verify_password
from portal.services.pupil_accounts import WORDS, letters, new_password, new_username
from tests.factories import (
    make_class,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
)

PASSWORD = "green-tiger-42"
WRONG = "That did not work. Check your username and password and try again."


def named(pupil: Pupil, first: str, last: str, username: str | None = None) -> Pupil:
    pupil.first_name, pupil.last_name, pupil.username = first, last, username
    return pupil


@pytest.fixture
def school(db):
    return make_school(db)


@pytest.fixture
def year5(db, school):
    return make_class(db, school, "5B", year_group=5)


@pytest.fixture
def amir(db, school, year5):
    pupil = named(make_pupil(db, school, year5, password=PASSWORD), "Amir", "Khan", "amirk42")
    db.commit()
    return pupil


@pytest.fixture
def teacher(db, school):
    staff = make_staff(db, school)
    db.commit()
    return staff


def sign_in(client, username: str, password: str):
    return client.submit("/pupils/sign-in", {"username": username, "password": password})


def signed_in(client) -> bool:
    return client.get("/pupils/").status_code == 200


# --- Signing in ---------------------------------------------------------------------------


def test_a_year_5_pupil_signs_in_with_username_and_password(client, amir):
    page = client.get("/pupils/sign-in").get_data(as_text=True)
    assert "Use the username and password on the card from your teacher." in page
    response = sign_in(client, "amirk42", PASSWORD)
    assert response.status_code == 302
    home = client.get("/pupils/")
    assert "Hello, Amir!" in home.get_data(as_text=True)


def test_capital_letters_and_spaces_around_are_forgiven(client, amir):
    assert sign_in(client, " AmirK42 ", " Green-Tiger-42 ").status_code == 302
    assert signed_in(client)


def test_an_empty_form_gets_child_friendly_messages(client, amir):
    html = sign_in(client, "", "").get_data(as_text=True)
    assert "Type your username. Your teacher gave it to you." in html
    assert "Type your password." in html
    assert 'href="#username"' in html  # the error summary links to the field


def test_an_unknown_username_and_a_wrong_password_get_the_same_answer(client, db, amir):
    wrong = sign_in(client, "amirk42", "blue-panda-17")
    unknown = sign_in(client, "nobody99", "blue-panda-17")
    assert wrong.status_code == unknown.status_code == 200
    messages = [
        re.findall(r'class="error-message"[^>]*>(.*?)</p>', r.get_data(as_text=True))
        for r in (wrong, unknown)
    ]
    assert messages[0] == messages[1]
    assert WRONG in messages[0][0]
    assert not signed_in(client)
    db.refresh(amir)
    assert amir.failed_attempts == 1


def test_five_failures_pause_that_pupil_only(app, client, db, school, year5, amir):
    classmate = named(make_pupil(db, school, year5, password="red-robin-11"), "Bea", "Lee", "beal7")
    db.commit()
    for _ in range(5):
        sign_in(client, "amirk42", "wrong-guess-00")
    assert sign_in(client, "amirk42", PASSWORD).status_code == 200  # paused, even when right
    assert not signed_in(client)
    db.refresh(amir)
    assert amir.locked_until is not None
    # Another child in the same room, behind the same school address, still signs in.
    other_tablet = app.test_client()
    assert sign_in(other_tablet, classmate.username, "red-robin-11").status_code == 302
    assert signed_in(other_tablet)


def test_a_pause_lifts_after_its_minutes(client, db, amir):
    amir.locked_until = utcnow() - dt.timedelta(minutes=1)
    db.commit()
    assert sign_in(client, "amirk42", PASSWORD).status_code == 302


def test_a_pupil_who_left_cannot_sign_in(client, db, amir):
    amir.left_at = utcnow()
    db.commit()
    response = sign_in(client, "amirk42", PASSWORD)
    assert WRONG in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_year_1_pupil_is_sent_to_class_sign_in(client, db, school):
    year1 = make_class(db, school, "1A", year_group=1)
    named(make_pupil(db, school, year1, password=PASSWORD), "Cara", "Dunn", "carad12")
    db.commit()
    response = sign_in(client, "carad12", PASSWORD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You sign in with your pictures" in html
    assert 'href="/pupils/class"' in html
    assert not signed_in(client)


# --- Login cards --------------------------------------------------------------------------


def cards_in(html: str) -> dict[str, tuple[str, str]]:
    """{first name: (username, password)} from a page of login cards."""
    found = re.findall(
        r'class="card-name">([^<]+)</p>.*?class="card-username">([^<]+)</dd>'
        r'.*?class="card-password">([^<]+)</dd>',
        html,
        re.DOTALL,
    )
    return {name: (username, password) for name, username, password in found}


def test_new_login_cards_make_passwords_that_work_and_old_ones_stop(
    app, client, db, school, year5, amir, teacher
):
    named(make_pupil(db, school, year5), "Zoë", "O'Brien")
    gone = named(make_pupil(db, school, year5, password=PASSWORD), "Gus", "Left", "gusl10")
    gone.left_at = utcnow()
    db.commit()
    amirs_tablet = app.test_client()
    sign_in_as(amirs_tablet, db, amir)
    sign_in_as(client, db, teacher)

    choose = client.get("/pupils/cards").get_data(as_text=True)
    assert f'href="/pupils/cards?class_id={year5.id}"' in choose
    confirm = client.get(f"/pupils/cards?class_id={year5.id}").get_data(as_text=True)
    assert "Old passwords stop working" in confirm
    assert "Make new cards" in confirm
    db.refresh(amir)
    assert verify_password(amir.password_hash, PASSWORD)  # looking changes nothing

    page = client.submit(f"/pupils/cards?class_id={year5.id}", {})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    cards = cards_in(html)
    assert set(cards) == {"Amir", "Zoë"}
    assert cards["Amir"][0] == "amirk42"  # a username stays the same
    assert re.fullmatch(r"zoeo\d{2,3}", cards["Zoë"][0])
    for _, password in cards.values():
        first, second, digits = password.split("-")
        assert first in WORDS
        assert second in WORDS
        assert re.fullmatch(r"\d\d", digits)
    assert "localhost/pupils/sign-in" in html.replace("<wbr>", "")  # the address to type
    assert "shown only this once" in html

    assert not signed_in(amirs_tablet)  # the old session ended
    assert sign_in(app.test_client(), "amirk42", PASSWORD).status_code == 200
    for username, password in cards.values():
        device = app.test_client()
        assert sign_in(device, username, password).status_code == 302
        assert signed_in(device)
    events = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login-card-made")
    )
    assert events == 2


def test_a_reception_to_year_2_class_gets_picture_cards(client, db, school, teacher):
    year2 = make_class(db, school, "2C", year_group=2)
    child = named(make_pupil(db, school, year2), "Dan", "Bell")
    db.commit()
    sign_in_as(client, db, teacher)
    confirm = client.get(f"/pupils/cards?class_id={year2.id}").get_data(as_text=True)
    assert "new set of 3 pictures" in confirm
    html = client.submit(f"/pupils/cards?class_id={year2.id}", {}).get_data(as_text=True)
    pictures = re.findall(r'class="card-picture-name">(\w+)</span>', html)
    assert len(pictures) == 3
    assert "card-password" not in html
    db.refresh(child)
    assert child.username is None
    assert child.picture_password_hash is not None
    assert verify_password(
        child.picture_password_hash, " ".join(sorted(p.lower() for p in pictures))
    )


def test_login_cards_are_refused_to_pupils_and_parents(app, db, school, year5, amir):
    parent = make_parent(db, school, [amir])
    db.commit()
    for person, home in ((amir, "/pupils/"), (parent, "/parents/")):
        client = app.test_client()
        sign_in_as(client, db, person)
        assert client.get("/pupils/cards").status_code == 403
        assert client.get(f"/pupils/cards?class_id={year5.id}").status_code == 403
        posted = client.submit(home, {}, action=f"/pupils/cards?class_id={year5.id}")
        assert posted.status_code == 403
    db.refresh(amir)
    assert verify_password(amir.password_hash, PASSWORD)


def test_staff_cannot_make_cards_for_another_schools_class(client, db, year5, amir):
    other_school = make_school(db, "Elmwood")
    outsider = make_staff(db, other_school)
    own_class = make_class(db, other_school, "6E", year_group=6)
    db.commit()
    sign_in_as(client, db, outsider)
    assert client.get(f"/pupils/cards?class_id={year5.id}").status_code == 404
    response = client.submit(
        f"/pupils/cards?class_id={own_class.id}", {}, action=f"/pupils/cards?class_id={year5.id}"
    )
    assert response.status_code == 404
    assert f'class_id={year5.id}"' not in client.get("/pupils/cards").get_data(as_text=True)
    db.refresh(amir)
    assert verify_password(amir.password_hash, PASSWORD)


# --- Usernames and passwords --------------------------------------------------------------


def test_usernames_are_plain_letters_and_digits_and_unique(db, school, year5):
    assert letters("Zoë O'Brien-Smith") == "zoeobriensmith"
    taken = set()
    for _ in range(120):  # more than the 90 two-digit endings
        username = new_username(db, "Mia", "Ng", taken)
        assert re.fullmatch(r"mian\d{2,3}", username)
        assert username not in taken
        taken.add(username)
    assert new_username(db, "李", "王", set()).startswith("pupil")


def test_an_existing_username_is_never_given_again(db, school, year5):
    for n in range(10, 100):
        named(make_pupil(db, school, year5), "Mia", "Ng", f"mian{n}")
    db.flush()
    assert re.fullmatch(r"mian\d{3}", new_username(db, "Mia", "Ng", set()))


def test_passwords_are_two_simple_words_and_two_digits():
    passwords = {new_password() for _ in range(50)}
    assert len(passwords) > 45
    for password in passwords:
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d\d", password)
