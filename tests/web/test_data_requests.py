"""Subject access: the ICT lead or an admin gets everything held about one pupil or one parent or
carer, as a page and a JSON file, with nothing about any other pupil in it; every look is logged;
another school's people are not found. And the portal links each person to their own privacy
notice."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import delete, select

from portal.content.calendar import utcnow
from portal.models import (
    AuditEvent,
    ImageConsent,
    OutboxMessage,
    ParentLink,
    PolicyVersionRecord,
    ReminderSent,
)
from portal.services import audit
from portal.services.acceptance import Entry, Signature, record_and_commit
from portal.services.agreements import COUNTERSIGN
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff, sign_in_as

OTHER_PUPIL = "Zebedee Quillfeather"  # must never appear in our family's files
OTHER_PARENT = "Orla Otherfamily"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def family(app, db):
    """Our family: Amelia (Year 3) and her carer Priya, who once also signed for Theo, a child
    no longer linked to her. Another family in the same class: Zebedee and Orla."""
    school = make_school(db)
    year3 = make_class(db, school, "3B", 3)
    amelia = make_pupil(
        db, school, year3, first_name="Amelia", last_name="Ashworth", password="green-tiger-42"
    )
    amelia.username = "amelia42"
    theo = make_pupil(db, school, year3, first_name="Theo", last_name="Unlinked")
    zebedee = make_pupil(db, school, year3, first_name="Zebedee", last_name="Quillfeather")
    priya = make_parent(db, school, [amelia, theo], email="priya@example.org")
    priya.name = "Priya Ashworth"
    orla = make_parent(db, school, [zebedee], email="orla@example.org")
    orla.name = OTHER_PARENT
    lead = make_staff(db, school, "ict_lead")
    lead.name = "Grace Lead"
    version = PolicyVersionRecord(
        policy="junior",
        version="2025.09",
        title="Junior rules",
        content_hash="b" * 64,
        effective_from=dt.date(2025, 9, 1),
    )
    db.add(version)
    db.commit()
    for parent, children, typed in ((priya, [amelia, theo], "Priya A"), (orla, [zebedee], "Orla")):
        record_and_commit(
            db,
            school.id,
            [
                Entry("pupil", child.id, COUNTERSIGN, version.id, version.content_hash)
                for child in children
            ],
            Signature("parent", parent.id, signed_name=typed),
        )
    record_and_commit(
        db,
        school.id,
        [Entry("parent", priya.id, "self", version.id, version.content_hash)],
        Signature("staff", lead.id, method="paper", remark="Slip handed in at the office"),
    )
    for parent, child in ((priya, amelia), (priya, theo), (orla, zebedee)):
        db.add(
            ImageConsent(
                school_id=school.id,
                pupil_id=child.id,
                purpose="website",
                given=True,
                actor_type="parent",
                actor_id=parent.id,
            )
        )
    for address, subject in (
        ("Priya@Example.org", "Please read and sign: Junior rules"),
        ("orla@example.org", "Orla's private subject"),
    ):
        db.add(
            OutboxMessage(
                school_id=school.id, to_address=address, subject=subject, body="secret body"
            )
        )
    db.add(ReminderSent(school_id=school.id, parent_id=priya.id))
    # A member of staff looked up both children's photo permissions at once.
    audit.record(
        db,
        "photo-permissions-viewed",
        school_id=school.id,
        actor=lead,
        pupils=[amelia.id, zebedee.id],
    )
    audit.record(db, "signed-in", school_id=school.id, actor=zebedee, how="password")
    audit.record(db, "signed-in", school_id=school.id, actor=amelia, how="password")
    db.commit()
    # Theo is no longer linked to Priya.
    db.execute(
        delete(ParentLink).where(ParentLink.parent_id == priya.id, ParentLink.pupil_id == theo.id)
    )
    db.commit()
    client = app.test_client()
    sign_in_as(client, db, lead)
    return {
        "school": school,
        "amelia": amelia,
        "zebedee": zebedee,
        "priya": priya,
        "orla": orla,
        "lead": lead,
        "client": client,
    }


def test_a_parents_record_has_their_details_children_agreements_photos_and_emails(family):
    client, priya = family["client"], family["priya"]
    page = client.get(f"/data-requests/parents/{priya.id}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Priya Ashworth" in text
    assert "priya@example.org" in text
    assert "Amelia Ashworth" in text
    assert "Junior rules, version 2025.09" in text
    assert "name typed: Priya A" in text
    assert "remark: Slip handed in at the office" in text
    assert "a child no longer linked to you" in text
    assert "Please read and sign: Junior rules" in text
    assert "On the school website: yes" in text
    for other in ("Zebedee", "Quillfeather", "Theo", "Unlinked", OTHER_PARENT, "Orla"):
        assert other not in text, other
    assert "secret body" not in text


def test_a_parents_file_is_json_with_nothing_about_other_pupils(family, db):
    client, priya = family["client"], family["priya"]
    assert client.get(f"/data-requests/parents/{priya.id}").status_code == 200
    response = client.get(f"/data-requests/parents/{priya.id}.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data(as_text=True)
    data = json.loads(raw)
    assert data["parent_or_carer"]["name"] == "Priya Ashworth"
    assert data["parent_or_carer"]["has_letter_code"] is False
    assert data["children"] == [
        {"first_name": "Amelia", "last_name": "Ashworth", "relationship": None}
    ]
    assert [line["about"] for line in data["agreements"]] == [
        "Amelia Ashworth",
        "a child no longer linked to you",
        "you",
    ]
    assert [email["subject"] for email in data["emails_sent"]] == [
        "Please read and sign: Junior rules"
    ]
    assert len(data["agreement_reminders"]) == 1
    for other in ("Zebedee", "Quillfeather", "Theo", "Unlinked", "Orla", "secret body"):
        assert other not in raw, other
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "parent", AuditEvent.subject_id == priya.id
        )
    ).all()
    assert {"parent-record-viewed", "parent-record-exported"} <= set(actions)


def test_a_pupils_file_adds_account_facts_parents_photo_history_and_audit_without_secrets(
    family,
):
    client, amelia = family["client"], family["amelia"]
    raw = client.get(f"/coverage/pupils/{amelia.id}.json").get_data(as_text=True)
    data = json.loads(raw)
    account = data["sign_in_account"]
    assert account["username"] == "amelia42"
    assert account["password_set"] is True
    assert "argon2" not in raw
    assert data["parents_and_carers"] == [
        {"name": "Priya Ashworth", "relationship": None, "left_at": None}
    ]
    assert data["photo_choice_history"][0]["by"] == "Priya Ashworth (parent or carer)"
    assert data["agreements"][0]["signed_name"] == "Priya A"
    actions = [line["action"] for line in data["audit_log"]]
    assert "photo-permissions-viewed" in actions
    assert "signed-in" in actions
    lookup = next(
        line for line in data["audit_log"] if line["action"] == "photo-permissions-viewed"
    )
    assert lookup["by"] == "Grace Lead (staff)"
    assert "pupils" not in lookup["detail"]
    for other in ("Zebedee", "Quillfeather", "Orla", "Theo"):
        assert other not in raw, other
    page = text_of(client.get(f"/coverage/pupils/{amelia.id}").get_data(as_text=True))
    assert "Username: amelia42" in page
    assert "Photo permissions were looked up by staff" in page
    assert "Zebedee" not in page


def test_finding_people_lists_pupils_and_parents_leavers_included(family, db):
    client = family["client"]
    family["priya"].left_at = utcnow()
    db.commit()
    text = text_of(client.get("/data-requests/?name=ashworth").get_data(as_text=True))
    assert "Amelia Ashworth" in text
    assert "Priya Ashworth" in text
    assert "(left " in text
    assert "Zebedee" not in text
    by_email = text_of(client.get("/data-requests/?name=priya@example.org").get_data(as_text=True))
    assert "Priya Ashworth" in by_email


def test_another_schools_parent_is_not_found(family, app, db):
    elsewhere = make_school(db, "Elsewhere")
    theirs = make_parent(db, elsewhere, [make_pupil(db, elsewhere)])
    db.commit()
    client = family["client"]
    assert client.get(f"/data-requests/parents/{theirs.id}").status_code == 404
    assert client.get(f"/data-requests/parents/{theirs.id}.json").status_code == 404
    listed = client.get(f"/data-requests/?name={theirs.name}").get_data(as_text=True)
    assert f"/data-requests/parents/{theirs.id}" not in listed
    assert "No parent or carer matches." in listed


def test_the_staff_home_links_copies_of_data_for_the_ict_lead_only(family, app, db):
    assert "Copies of people&#39;s data" in family["client"].get("/staff/").get_data(as_text=True)
    teacher = make_staff(db, family["school"], "staff")
    db.commit()
    client = app.test_client()
    sign_in_as(client, db, teacher)
    assert "Copies of people" not in client.get("/staff/").get_data(as_text=True)


def test_every_page_links_the_privacy_notice_that_fits_who_is_signed_in(family, app, db):
    site = app.config["SITE_URL"].rstrip("/")
    year10 = make_pupil(db, family["school"], year_group=10)
    db.commit()
    for person, notice in (
        (family["amelia"], "privacy/pupils-7-11/"),
        (year10, "privacy/pupils-14-18/"),
        (family["priya"], "privacy/parents/"),
        (family["lead"], "privacy/staff/"),
    ):
        client = app.test_client()
        sign_in_as(client, db, person)
        page = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert f'href="{site}/{notice}">How we use your information</a>' in page, notice
    signed_out = app.test_client().get("/sign-in").get_data(as_text=True)
    assert f'href="{site}/privacy/">How we use your information</a>' in signed_out


def test_a_pupil_is_told_who_can_see_their_quiz_results(family, app, db):
    client = app.test_client()
    sign_in_as(client, db, family["amelia"])
    text = text_of(client.get("/pupils/").get_data(as_text=True))
    assert (
        "Your teachers can see your quiz results, but your parents and carers cannot see them "
        "on this website." in text
    )
