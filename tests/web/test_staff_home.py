"""The staff home page: the ICT lead's figures at a glance, each linking to its page, and the
two-factor link worded for whether the person already has it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal.content.calendar import school_today
from portal.services import overview, reminders
from portal.web.agreements import all_rules
from tests.factories import (
    accept_own_agreements,
    catalogue_of,
    make_class,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
)


@pytest.fixture
def policies_dir(project):
    return project / "policies"


@pytest.fixture
def school(app, db):
    """Reception: 3 children; one parent has signed, one has an email address and has not, one
    has no email address. A Year 3 pupil whose parent has not countersigned."""
    school = make_school(db)
    reception, year_3 = make_class(db, school, "R1", 0), make_class(db, school, "3B", 3)
    signed, waiting, lonely = (make_pupil(db, school, reception) for _ in range(3))
    older = make_pupil(db, school, year_3)
    done = make_parent(db, school, [signed])
    make_parent(db, school, [waiting, older])
    make_parent(db, school, [lonely], email=None)
    db.commit()
    accept_own_agreements(app, db, done)
    return school


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_ict_lead_sees_each_figure_with_a_link_to_its_page(app, client, db, school):
    lead = make_staff(db, school, "ict_lead", totp_secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    accept_own_agreements(app, db, lead)
    sign_in_as(client, db, lead)
    response = client.get("/staff/")
    page = response.get_data(as_text=True)
    text = text_of(response)
    assert "At a glance" in text
    assert "Pupils aged 4 to 7, through a parent or carer 1 of 3 signed (33%)" in text
    assert "Pupils aged 7 to 11, with a parent or carer 0 of 1 signed by both (0%)" in text
    assert "Parents and carers 1 of 3 signed (33%)" in text
    assert "Staff 1 of 1 signed (100%)" in text
    assert "Governors Nobody to sign yet" in text
    # One parent with an email address has something to sign; another has no address.
    assert "Reminders 1 family to remind" in text
    assert "Curriculum 0% of outcomes secure counting all work so far" in text
    overdue = overview.overdue_reviews(catalogue_of(app).content, school_today())
    titles = "; ".join(policy.title for policy in overdue)
    assert (
        f"Policy reviews {len(overdue)} overdue {titles}" in text
        if overdue
        else ("Policy reviews None overdue" in text)
    )
    assert 'href="/agreements/status?agreement=parent-agreement#details"' in page
    assert 'href="/coverage/"' in page
    assert "http://127.0.0.1:8000/policies/" in page
    # They have two-factor sign-in already: they are offered a move, not a set-up.
    assert "Move two-factor sign-in to a new app" in text
    assert "Turn on two-factor sign-in" not in text


def test_reminders_due_drop_once_sent(app, client, db, school):
    lead = make_staff(db, school, "ict_lead")
    accept_own_agreements(app, db, lead)
    sign_in_as(client, db, lead)
    with app.test_request_context():
        rules = all_rules()
    assert reminders.reminders_due(db, rules, school.id) == 1
    response = client.submit(
        "/agreements/status?agreement=parent-agreement",
        {},
        action="/agreements/status/remind?agreement=parent-agreement",
    )
    assert response.status_code == 302
    assert "No reminders due" in text_of(client.get("/staff/"))


def test_a_teacher_sees_no_school_figures_and_is_offered_two_factor(app, client, db, school):
    teacher = make_staff(db, school, "staff")
    accept_own_agreements(app, db, teacher)
    sign_in_as(client, db, teacher)
    text = text_of(client.get("/staff/"))
    assert "At a glance" not in text
    assert "signed" not in text.split("Lessons for a class")[0]
    assert "Turn on two-factor sign-in" in text
    assert "Visitors, volunteers and governors" in text


def test_a_review_is_overdue_once_its_date_has_passed(app):
    content = catalogue_of(app).content
    for policy in content.policies:
        version = policy.published[-1]
        assert policy not in overview.overdue_reviews(content, version.effective_from)
    far_ahead = overview.overdue_reviews(content, dt.date(2100, 1, 1))
    assert [policy.slug for policy in far_ahead] == [policy.slug for policy in content.policies]
