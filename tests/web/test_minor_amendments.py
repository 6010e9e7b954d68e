"""After a minor amendment: the ICT lead's report counts people who agreed to the amended
version as signed and says which version they agreed to; they are asked nothing, and their own
pages say why."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.models import PolicyVersionRecord
from portal.services.acceptance import Entry, Signature, record_and_commit
from portal.services.agreements import SELF
from tests.content.test_minor_amendments import CORRECTED, MINOR, RULES
from tests.factories import (
    ContentTree,
    accept_own_agreements,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
)

STILL_COUNTS = (
    "Agreed to version 2025.09. Version 2026.01 only makes minor amendments to it "
    f"({MINOR}), so this still counts."
)


def amended_tree(root) -> ContentTree:
    """A staff policy and a parents' policy, each 2025.09 then the minor amendment 2026.01, both
    in force long before today."""
    tree = ContentTree(root)
    for order, (slug, audience) in enumerate([("work", "staff"), ("family", "parents")]):
        tree.policy(slug, title=f"{slug.title()} rules", order=order, accepted_by=[audience])
        tree.version("2025.09", RULES, slug=slug)
        tree.version(
            "2026.01",
            CORRECTED,
            slug=slug,
            effective_from=dt.date(2026, 1, 5),
            changes="The head teacher's name was spelt wrongly.",
            minor=MINOR,
        )
    tree.publish()
    return tree


@pytest.fixture
def policies_dir(tmp_path):
    return amended_tree(tmp_path / "amended").policies


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def agree_to_the_amended_version(db, school, person, kind: str) -> None:
    """`person` agreed to 2025.09 of their policy, before the amendment."""
    slug = {"staff": "work", "parent": "family"}[kind]
    version = db.scalar(
        select(PolicyVersionRecord).where(
            PolicyVersionRecord.policy == slug, PolicyVersionRecord.version == "2025.09"
        )
    )
    record_and_commit(
        db,
        school.id,
        [Entry(kind, person.id, SELF, version.id, version.content_hash)],
        Signature(kind, person.id, signed_name=person.name),
    )


def named(person, name: str):
    person.name = name
    return person


def test_the_report_counts_the_amended_version_as_signed_and_says_so(app, client, db):
    school = make_school(db)
    lead = make_staff(db, school, "ict_lead")
    early = named(make_staff(db, school), "Early Bird")
    named(make_staff(db, school), "Not Yet")
    db.commit()
    accept_own_agreements(app, db, lead)
    agree_to_the_amended_version(db, school, early, "staff")
    sign_in_as(client, db, lead)
    page = text(client.get("/agreements/status?agreement=work"))
    assert (
        f"Version 2026.01, in force since 5 January 2026. It is a minor amendment ({MINOR}): "
        "agreements to version 2025.09 still count." in page
    )
    assert "2026.01 Current 1" in page
    assert "2025.09 Still counts: amended by 2026.01 1" in page
    assert "Still on version" not in page
    assert "Everyone 3 2 (67%)" in page  # people, then signed
    assert "Who is missing: 1" in page
    assert "Last signed Not Yet Staff Not signed Never" in page
    person = text(client.get(f"/agreements/people/staff/{early.id}"))
    assert STILL_COUNTS in person


def test_a_member_of_staff_who_agreed_before_the_amendment_is_not_asked(app, client, db):
    school = make_school(db)
    teacher = named(make_staff(db, school), "Early Bird")
    db.commit()
    agree_to_the_amended_version(db, school, teacher, "staff")
    sign_in_as(client, db, teacher)
    assert client.get("/staff/").status_code == 200  # not held back by the staff agreement
    page = text(client.get("/agreements/mine"))
    assert "Your agreements" in page
    assert "I agree" not in page
    assert "Work rules, version 2025.09: you agreed on" in page
    assert STILL_COUNTS in page


def test_a_parent_who_agreed_before_the_amendment_has_nothing_to_sign(app, client, db):
    school = make_school(db)
    parent = make_parent(db, school, [make_pupil(db, school, year_group=4)])
    db.commit()
    agree_to_the_amended_version(db, school, parent, "parent")
    sign_in_as(client, db, parent)
    page = text(client.get("/agreements/family"))
    assert "To sign" not in page
    assert "Done signed by you on" in page
    assert STILL_COUNTS in page
