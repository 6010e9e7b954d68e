"""Every page where an agreement is read says the policy's summary first, then the exact text;
the language of that text goes with the form, is checked against what the page showed, and is
recorded and shown on the receipt."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.models import Acceptance, OutboxMessage
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
from tests.mailbox import sent_body


@pytest.fixture
def policies_dir(project):
    return project / "policies"


@pytest.fixture
def school(db):
    school = make_school(db)
    year3 = make_pupil(db, school, make_class(db, school, "3A", 3), first_name="Ben")
    teen = make_pupil(db, school, make_class(db, school, "8K", 8), first_name="Theo")
    parent = make_parent(db, school, [year3], email="sara@example.org")
    parent.name = "Sara Carer"
    lead = make_staff(db, school, "ict_lead")
    db.commit()
    return {"school": school, "year3": year3, "teen": teen, "parent": parent, "lead": lead}


def summary_then_text(app, response, slug: str) -> None:
    """The policy's summary is on the page, above the first of its exact words."""
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    summary = str(escape(catalogue_of(app).content.policy(slug).summary))
    assert summary in page, f"no summary of {slug}"
    assert page.index(summary) < page.index('class="policy-text'), f"{slug}: text first"


def test_each_signing_page_says_the_summary_before_the_text(app, client, db, school):
    sign_in_as(client, db, school["year3"])
    summary_then_text(app, client.get("/agreements/mine"), "pupil-aup-7-11")
    sign_in_as(client, db, school["teen"])
    summary_then_text(app, client.get("/agreements/mine"), "pupil-aup-11-18")
    sign_in_as(client, db, school["lead"])
    summary_then_text(app, client.get("/agreements/mine"), "staff-aup")  # asked at sign-in

    accept_own_agreements(app, db, school["lead"])
    visitor = client.submit("/agreements/visitors", {"name": "Val Unteer", "kind": "visitor"})
    summary_then_text(app, client.get(visitor.headers["Location"]), "visitor-aup")
    # Staff recording a Year 3 slip, which a parent countersigns.
    summary_then_text(
        app, client.get(f"/agreements/people/pupil/{school['year3'].id}"), "pupil-aup-7-11"
    )
    sign_in_as(client, db, school["parent"])  # the parent countersigns on the family page
    summary_then_text(app, client.get("/agreements/family"), "pupil-aup-7-11")


def test_the_language_shown_is_recorded_and_on_the_receipt(app, client, db, school):
    sign_in_as(client, db, school["parent"])
    page = client.get("/agreements/family").get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    assert shown == "parent-agreement:2026.09:en-GB,pupil-aup-7-11:2026.09:en-GB"
    assert 'lang="en-GB"' in page
    form = {"signed_name": "Sara Carer", f"talked_{school['year3'].id}": "y"}
    other = client.submit("/agreements/family", {**form, "shown": shown.replace("en-GB", "pl")})
    assert other.status_code == 400  # not what the page showed: nothing is signed
    assert "The agreement changed while you were reading" in other.get_data(as_text=True)
    assert db.scalars(select(Acceptance)).all() == []

    done = client.submit("/agreements/family", {**form, "shown": shown}, follow_redirects=True)
    receipt = re.sub(r"<[^>]+>", " ", done.get_data(as_text=True))
    assert re.search(r"Language of the text you read\s+English \(en-GB\)", receipt)
    assert {r.language for r in db.scalars(select(Acceptance))} == {"en-GB"}
    mail = db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "sara@example.org"))
    assert "Version 2026.09, in English (en-GB)" in sent_body(app, mail.first())

    sign_in_as(client, db, school["lead"])
    accept_own_agreements(app, db, school["lead"])
    history = client.get(f"/agreements/people/pupil/{school['year3'].id}").get_data(as_text=True)
    assert "text in English (en-GB)" in history
