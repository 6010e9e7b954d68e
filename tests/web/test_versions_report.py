"""The who-has-signed report: a count per version, and people still on a superseded version
listed under it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import PolicyVersionRecord
from portal.services.acceptance import Entry, Signature, record_and_commit
from portal.services.agreements import COUNTERSIGN, SELF
from tests.factories import (
    accept_own_agreements,
    make_class,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
)


@pytest.fixture
def policies_dir(project):
    return project / "policies"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_people_on_an_older_version_are_listed_as_superseded(app, client, db):
    school = make_school(db)
    year4 = make_class(db, school, "4A", 4)
    old, new = make_pupil(db, school, year4), make_pupil(db, school, year4)
    old.first_name, new.first_name = "Olive", "Noah"
    lead = make_staff(db, school, "ict_lead")
    db.commit()
    accept_own_agreements(app, db, lead)
    versions = dict(
        db.execute(
            select(PolicyVersionRecord.version, PolicyVersionRecord).where(
                PolicyVersionRecord.policy == "pupil-aup-7-11"
            )
        ).all()
    )
    for pupil, version in ((old, versions["2025.09"]), (new, versions["2026.09"])):
        record_and_commit(
            db,
            school.id,
            [
                Entry("pupil", pupil.id, part, version.id, version.content_hash)
                for part in (SELF, COUNTERSIGN)
            ],
            Signature("staff", lead.id, method="paper"),
        )
    sign_in_as(client, db, lead)
    page = text(client.get("/agreements/status?agreement=pupil-aup-7-11"))
    assert "2026.09 Current 1" in page
    assert "2025.09 Superseded 1" in page
    assert "Still on version 2025.09 (superseded): 1 Olive Test" in page
