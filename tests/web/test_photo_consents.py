"""Photo choices in the portal: every use from the consent form, the pupil's own view from
Year 8 beside the parent's, and the staff look-up showing both and whether a photo may be used."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import ImageConsent
from tests.factories import (
    make_class,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
)


def html(response) -> str:
    return response.get_data(as_text=True)


def tags(page: str, use: str) -> list[str]:
    """The answers in the look-up's row for one use: parent, pupil (from Year 8), may we use it."""
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL) if use in row)
    return re.findall(r'<span class="tag [\w-]+">([^<]+)</span>', row)


@pytest.fixture
def family(db):
    """A Year 9 pupil and a Year 7 pupil with one parent, and a teacher."""
    school = make_school(db)
    year9 = make_class(db, school, "9K", 9)
    year7 = make_class(db, school, "7M", 7)
    older = make_pupil(db, school, year9, first_name="Nadia")
    younger = make_pupil(db, school, year7, first_name="Omar")
    parent = make_parent(db, school, [older, younger])
    teacher = make_staff(db, school)
    db.commit()
    return {"older": older, "younger": younger, "parent": parent, "teacher": teacher}


def test_a_pupil_from_year_8_records_their_own_view(app, db, family):
    older = family["older"]
    pupil = app.test_client()
    sign_in_as(pupil, db, older)
    assert "Say where photos of you may be used" in html(pupil.get("/agreements/mine"))
    page = html(pupil.get("/agreements/my-photos"))
    for label in ("school website", "outside school", "social media", "press", "video"):
        assert label in page
    pupil.submit(
        "/agreements/my-photos",
        {f"photo_{older.id}_website": "yes", f"photo_{older.id}_social": "no"},
    )
    rows = db.scalars(select(ImageConsent).order_by(ImageConsent.id)).all()
    assert [(r.purpose, r.given, r.voice, r.actor_type, r.actor_id) for r in rows] == [
        ("website", True, "pupil", "pupil", older.id),
        ("social", False, "pupil", "pupil", older.id),
    ]
    assert "Your answer since" in html(pupil.get("/agreements/my-photos"))


def test_a_pupil_below_year_8_is_not_asked(app, db, family):
    pupil = app.test_client()
    sign_in_as(pupil, db, family["younger"])
    assert pupil.get("/agreements/my-photos").status_code == 404
    assert "Say where photos of you may be used" not in html(pupil.get("/agreements/mine"))


def test_the_parent_sees_their_childs_own_answer_and_the_lookup_shows_both(app, db, family):
    older, younger = family["older"], family["younger"]
    parent = app.test_client()
    sign_in_as(parent, db, family["parent"])
    parent.submit(
        "/agreements/photos",
        {
            f"photo_{older.id}_website": "yes",
            f"photo_{older.id}_social": "yes",
            f"photo_{younger.id}_social": "yes",
        },
    )
    pupil = app.test_client()
    sign_in_as(pupil, db, older)
    pupil.submit(
        "/agreements/my-photos",
        {f"photo_{older.id}_website": "yes", f"photo_{older.id}_social": "no"},
    )
    page = html(parent.get("/agreements/photos"))
    assert "Nadia's own answer: no." in page
    assert "Nadia's own answer: yes." in page
    assert "Omar's own answer" not in page

    staff = app.test_client()
    sign_in_as(staff, db, family["teacher"])
    found = html(staff.get("/agreements/photo-permissions?name=nadia"))
    assert "Pupil's own view" in found
    assert tags(found, "social media") == ["Yes", "No", "No"]  # parent yes, pupil no: no
    assert tags(found, "school website") == ["Yes", "Yes", "Yes"]  # both yes: yes
    assert tags(found, "outside school") == ["No answer: no", "No answer: no", "No"]

    omar = html(staff.get("/agreements/photo-permissions?name=omar"))
    assert "Pupil's own view" not in omar
    assert tags(omar, "social media") == ["Yes", "Yes"]  # below Year 8 the parent decides
