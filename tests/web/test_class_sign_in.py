"""Reception to Year 2: a teacher opens class sign-in on a classroom device, and each child
taps their name and then their 3 pictures."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.content.calendar import utcnow
from portal.models import ClassSignIn, Pupil
from portal.services.pictures import PICTURES, picture_password_hash
from portal.services.tokens import token_hash
from tests.factories import make_class, make_pupil, make_school, make_staff, sign_in_as

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"
AMYS = ("cat", "sun", "star")
WRONG = "Those pictures are not right. Try again or ask your teacher."


def child(db, school, school_class, first: str, last: str, pictures=AMYS) -> Pupil:
    pupil = make_pupil(db, school, school_class)
    pupil.first_name, pupil.last_name = first, last
    pupil.picture_password_hash = picture_password_hash(pictures) if pictures else None
    return pupil


@pytest.fixture
def school(db):
    return make_school(db)


@pytest.fixture
def year1(db, school):
    return make_class(db, school, "1B", year_group=1)


@pytest.fixture
def children(db, school, year1):
    kids = {
        "amy": child(db, school, year1, "Amy", "Smith"),
        "ben_j": child(db, school, year1, "Ben", "Jones", ("dog", "tree", "ball")),
        "ben_k": child(db, school, year1, "Ben", "Khan", ("moon", "fish", "car")),
        "abe": child(db, school, year1, "Abe", "Zane", ("apple", "boat", "flower")),
    }
    db.commit()
    return kids


@pytest.fixture
def teacher(db, school):
    staff = make_staff(db, school)
    db.commit()
    return staff


@pytest.fixture
def device(app, db, teacher, year1, children):
    """A classroom tablet where the teacher has opened class sign-in for 1B."""
    tablet = app.test_client()
    sign_in_as(tablet, db, teacher)
    response = tablet.submit("/pupils/class/open", {"class_id": year1.id})
    assert response.status_code == 302
    assert response.headers["Location"] == "/pupils/class"
    return tablet


def choose(device, pupil: Pupil, pictures):
    return device.submit(f"/pupils/class/{pupil.id}", {"pictures": list(pictures)})


def signed_in_as(client) -> str | None:
    page = client.get("/pupils/")
    if page.status_code != 200:
        return None
    return re.search(r"Hello, (\w+)!", page.get_data(as_text=True)).group(1)


def test_without_an_open_class_sign_in_the_page_explains_what_to_do(client, children):
    response = client.get("/pupils/class")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Class sign-in is not open on this device" in html
    assert "ask your teacher to open it" in html
    assert 'href="/sign-in/staff"' in html
    assert "Amy" not in html
    assert client.get(f"/pupils/class/{children['amy'].id}").status_code == 404


def test_a_teacher_opens_class_sign_in_and_is_signed_out_of_the_device(
    app, db, teacher, year1, children
):
    laptop = app.test_client()
    sign_in_as(laptop, db, teacher)
    tablet = app.test_client()
    sign_in_as(tablet, db, teacher)
    page = tablet.get("/pupils/class/open").get_data(as_text=True)
    assert "Open class sign-in for 1B" in page

    response = tablet.submit("/pupils/class/open", {"class_id": year1.id})
    assert response.headers["Location"] == "/pupils/class"
    assert tablet.get("/staff/").status_code == 302  # no longer the teacher here
    assert laptop.get("/staff/").status_code == 200  # but still on the teacher's laptop

    with tablet.session_transaction() as session:
        token = session["class_device"]
    row = db.scalar(select(ClassSignIn).where(ClassSignIn.class_id == year1.id))
    assert row.token_hash == token_hash(token) != token
    assert row.opened_by == teacher.id
    hours = app.config["CLASS_SIGN_IN_HOURS"]
    assert abs(row.expires_at - (utcnow() + dt.timedelta(hours=hours))) < dt.timedelta(minutes=1)


def test_the_class_page_lists_only_that_class_in_alphabetical_order(db, school, year1, device):
    other_class = make_class(db, school, "1C", year_group=1)
    child(db, school, other_class, "Cleo", "Other")
    gone = child(db, school, year1, "Gus", "Gone")
    gone.left_at = utcnow()
    db.commit()
    response = device.get("/pupils/class")
    html = response.get_data(as_text=True)
    names = re.findall(r'class="name-button" href="/pupils/class/\d+">([^<]+)</a>', html)
    assert names == ["Abe", "Amy", "Ben J", "Ben K"]
    assert "Cleo" not in html
    assert "Class 1B" in html


def test_a_child_signs_in_with_the_right_pictures_in_any_order(db, device, children):
    page = device.get(f"/pupils/class/{children['amy'].id}").get_data(as_text=True)
    assert "Hello, Amy!" in page
    response = choose(device, children["amy"], ("star", "cat", "sun"))
    assert response.status_code == 302
    assert signed_in_as(device) == "Amy"


def test_wrong_pictures_fail_gently_and_count_for_that_child_only(db, device, children):
    response = choose(device, children["amy"], ("dog", "cat", "sun"))
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert signed_in_as(device) is None
    db.refresh(children["amy"])
    assert children["amy"].failed_attempts == 1
    for _ in range(4):
        choose(device, children["amy"], ("dog", "cat", "sun"))
    assert choose(device, children["amy"], AMYS).status_code == 200  # paused, even when right
    db.refresh(children["amy"])
    assert children["amy"].locked_until is not None
    assert choose(device, children["abe"], ("flower", "boat", "apple")).status_code == 302
    assert signed_in_as(device) == "Abe"


def test_choosing_too_few_pictures_asks_for_3_and_does_not_count(db, device, children):
    response = choose(device, children["amy"], ("cat", "sun"))
    assert "Choose 3 pictures, then press Go." in response.get_data(as_text=True)
    db.refresh(children["amy"])
    assert children["amy"].failed_attempts == 0


def test_a_child_without_pictures_is_told_to_ask_the_teacher(db, school, year1, device):
    new_child = child(db, school, year1, "Nia", "New", pictures=None)
    db.commit()
    page = device.get(f"/pupils/class/{new_child.id}").get_data(as_text=True)
    assert "You do not have your pictures yet. Ask your teacher." in page


def test_a_pupil_from_another_class_is_not_found(db, school, device, children):
    other_class = make_class(db, school, "1C", year_group=1)
    outsider = child(db, school, other_class, "Cleo", "Other")
    db.commit()
    assert device.get(f"/pupils/class/{outsider.id}").status_code == 404
    posted = device.submit(
        f"/pupils/class/{children['amy'].id}",
        {"pictures": list(AMYS)},
        action=f"/pupils/class/{outsider.id}",
    )
    assert posted.status_code == 404
    assert signed_in_as(device) is None


def test_an_expired_class_sign_in_no_longer_shows_names(db, device, children):
    row = db.scalar(select(ClassSignIn))
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.commit()
    html = device.get("/pupils/class").get_data(as_text=True)
    assert "Class sign-in is not open on this device" in html
    assert "Amy" not in html
    assert device.get(f"/pupils/class/{children['amy'].id}").status_code == 404


def test_after_a_child_signs_out_the_device_shows_the_class_again(device, children):
    choose(device, children["amy"], AMYS)
    response = device.submit("/pupils/", {}, action="/sign-out")
    assert response.headers["Location"] == "/pupils/class"
    assert signed_in_as(device) is None
    html = device.get("/pupils/class").get_data(as_text=True)
    assert "Amy" in html
    assert "You have signed out." in html


def test_the_next_child_on_the_device_replaces_one_who_forgot_to_sign_out(app, device, children):
    choose(device, children["amy"], AMYS)
    with device.session_transaction() as session:
        amys_session = session["_user_id"]
    choose(device, children["abe"], ("apple", "boat", "flower"))
    assert signed_in_as(device) == "Abe"
    copied = app.test_client()
    with copied.session_transaction() as session:
        session["_user_id"] = amys_session
    assert signed_in_as(copied) is None  # Amy's session ended; it cannot be picked up again


def test_a_teacher_closes_class_sign_in_from_another_device(app, db, teacher, year1, device):
    laptop = app.test_client()
    sign_in_as(laptop, db, teacher)
    page = laptop.get("/pupils/class/open").get_data(as_text=True)
    assert "Close class sign-in" in page
    response = laptop.submit("/pupils/class/open", {}, action=f"/pupils/class/{year1.id}/close")
    assert response.status_code == 302
    assert "Class sign-in is not open" in device.get("/pupils/class").get_data(as_text=True)
    assert db.scalar(select(ClassSignIn)).closed_at is not None


def test_class_sign_in_is_only_for_reception_to_year_2_of_the_teachers_school(
    app, db, school, teacher
):
    year3 = make_class(db, school, "3A", year_group=3)
    elsewhere = make_class(db, make_school(db, "Elmwood"), "RB", year_group=0)
    db.commit()
    tablet = app.test_client()
    sign_in_as(tablet, db, teacher)
    page = tablet.get("/pupils/class/open").get_data(as_text=True)
    # The offer by name: a bare "3A" can turn up in any of the page's random form tokens.
    assert "Open class sign-in for 3A" not in page
    assert "Open class sign-in for RB" not in page
    for school_class in (year3, elsewhere):
        response = tablet.submit("/pupils/class/open", {"class_id": school_class.id})
        assert response.status_code == 404
    close = tablet.submit("/pupils/class/open", {}, action=f"/pupils/class/{elsewhere.id}/close")
    assert close.status_code == 404
    assert db.scalar(select(ClassSignIn)) is None


def test_pupils_and_nobody_cannot_open_class_sign_in(app, db, children):
    nobody = app.test_client()
    assert nobody.get("/pupils/class/open").status_code == 302
    pupil_client = app.test_client()
    sign_in_as(pupil_client, db, children["amy"])
    assert pupil_client.get("/pupils/class/open").status_code == 403


def test_the_picture_grid_works_without_javascript_and_with_the_keyboard(device, children):
    html = device.get(f"/pupils/class/{children['amy'].id}").get_data(as_text=True)
    boxes = re.findall(
        r'<input class="picture-check" type="checkbox" name="pictures" '
        r'value="(\w+)" id="picture-\1"',
        html,
    )
    assert boxes == list(PICTURES)
    for name in PICTURES:
        assert f'<label class="picture-label" for="picture-{name}">' in html
        assert (
            f'alt="" width="100" height="100"><span class="picture-name">{name.capitalize()}'
            in html
        )
    assert "<legend" in html
    assert "Tap your 3 pictures" in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all('src="/static/' in attrs for attrs in scripts)
    assert "onclick" not in html
    assert "style=" not in html


@pytest.mark.parametrize("name", PICTURES)
def test_each_picture_is_a_simple_svg_with_no_text(name):
    svg = (STATIC / "pictures" / f"{name}.svg").read_text()
    assert 'viewBox="0 0 100 100"' in svg
    assert "<text" not in svg
    assert "<script" not in svg
    assert "href" not in svg


def test_the_script_makes_toggle_buttons_with_a_pressed_state():
    script = (STATIC / "portal.js").read_text()
    assert "aria-pressed" in script
    assert 'type = "button"' in script
