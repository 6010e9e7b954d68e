"""The ICT lead marks a visitor as left from their page, and undoes it: the report, its figures
and the staff home's figures stop counting them as not signed, and the visitors page lists them
under "Left" with the date."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, School
from tests.factories import accept_own_agreements, make_school, make_staff, sign_in_as


@pytest.fixture
def policies_dir(project):
    return project / "policies"


@pytest.fixture
def lead(app, client, db):
    lead = make_staff(db, make_school(db), "ict_lead")
    db.commit()
    accept_own_agreements(app, db, lead)
    sign_in_as(client, db, lead)
    return lead


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def figure(client) -> str:
    """The staff home's figure for visitors and volunteers."""
    found = re.search(
        r"Visitors and volunteers (.*?signed|Nobody to sign yet)", text(client.get("/staff/"))
    )
    return found.group(1)


def test_a_visitor_marked_as_left_stops_counting_and_can_be_put_back(client, db, lead):
    for name in ("Pat Plumber", "Val Unteer"):
        client.submit("/agreements/visitors", {"name": name, "kind": "visitor"})
    assert figure(client) == "0 of 2 signed"
    listing = client.get("/agreements/visitors").text
    url = re.search(r'href="(/agreements/people/visitor/\d+)">Pat Plumber<', listing).group(1)

    marked = client.submit(url, {}, action=f"{url}/left", follow_redirects=True)
    page = text(marked)
    assert "Pat Plumber is marked as left on " in page
    assert "They are no longer counted as not signed." in page
    assert "Undo: they have not left" in page
    assert figure(client) == "0 of 1 signed"
    report = text(client.get("/agreements/status?agreement=visitor-aup"))
    assert "Pat Plumber" not in report
    assert "Val Unteer" in report
    listing = text(client.get("/agreements/visitors"))
    left = listing[listing.index("Left They no longer come in") :]
    assert re.search(r"Pat Plumber Visitor \d+ \w+ \d{4}, \d\d:\d\d", left)

    back = client.submit(url, {}, action=f"{url}/back", follow_redirects=True)
    assert "Pat Plumber is no longer marked as left." in text(back)
    assert "Mark as left" in text(back)
    assert figure(client) == "0 of 2 signed"
    assert "Left They no longer come in" not in text(client.get("/agreements/visitors"))
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == lead.id).order_by(AuditEvent.id)
    ).all()
    assert [a for a in actions if a.startswith("visitor-left")] == [
        "visitor-left",
        "visitor-left-undone",
    ]


def test_a_teacher_sees_who_left_but_cannot_mark_anyone(app, client, db, lead):
    client.submit("/agreements/visitors", {"name": "Pat Plumber", "kind": "visitor"})
    url = re.search(
        r'href="(/agreements/people/visitor/\d+)"', client.get("/agreements/visitors").text
    ).group(1)
    teacher = make_staff(db, db.get(School, lead.school_id))
    db.commit()
    accept_own_agreements(app, db, teacher)
    sign_in_as(client, db, teacher)
    assert "Mark as left" not in text(client.get(url))
    assert client.submit(url, {}, action=f"{url}/left").status_code == 403
