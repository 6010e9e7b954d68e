"""Saying no in the portal: a parent declines or takes back their own agreement from the family
page; staff record a refusal with a remark; the report, its CSV and the person's page show
"Declined", and who recorded a record made for someone else."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.factories import (
    accept_own_agreements,
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
def family(app, db):
    school = make_school(db)
    reception = make_class(db, school, "R1", 0)
    child = make_pupil(db, school, reception)
    child.first_name = "Amira"
    parent = make_parent(db, school, [child], email="sara@example.org")
    parent.name = "Sara Carer"
    lead = make_staff(db, school, "ict_lead")
    lead.name = "Ms Khan"
    db.commit()
    accept_own_agreements(app, db, lead)
    return {"school": school, "child": child, "parent": parent, "lead": lead, "class": reception}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def key_for(page: str, words: str) -> str:
    """The hidden `part` value of the form whose button mentions `words`."""
    for form in re.findall(r"<form.*?</form>", page, re.S):
        if words in re.sub(r"<[^>]+>", "", form):
            return re.search(r'name="part" value="([^"]+)"', form).group(1)
    raise AssertionError(f"no form for {words!r}")


def test_a_parent_says_no_and_the_report_and_csv_show_declined(app, client, db, family):
    sign_in_as(client, db, family["parent"])
    page = client.get("/agreements/family").get_data(as_text=True)
    key = key_for(page, "Say no to the Pupil acceptable use policy (ages 4 to 7) for Amira")
    response = client.submit(
        "/agreements/family",
        {"part": key, "why": "We do not want her online yet"},
        action="/agreements/family/no",
        follow_redirects=True,
    )
    assert "We have recorded that you do not agree" in text(response)
    assert "Declined" in text(response)

    sign_in_as(client, db, family["lead"])
    status = text(client.get("/agreements/status?agreement=pupil-aup-4-7&show=declined"))
    assert "Declined: 1" in status
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/agreements/status.csv?agreement=pupil-aup-4-7&show=everyone").text
            )
        )
    )
    assert rows[1][rows[0].index("Status")] == "Declined"
    person = text(client.get(f"/agreements/people/pupil/{family['child'].id}"))
    assert "Declined: Pupil acceptable use policy" in person
    assert "We do not want her online yet" in person


def test_a_parent_takes_back_their_own_agreement(app, client, db, family):
    accept_own_agreements(app, db, family["parent"])
    sign_in_as(client, db, family["parent"])
    page = client.get("/agreements/family").get_data(as_text=True)
    key = key_for(page, "Take back my agreement to the Parent and carer agreement for yourself")
    response = client.submit(
        "/agreements/family",
        {"part": key},
        action="/agreements/family/take-back",
        follow_redirects=True,
    )
    assert "You have taken back your agreement to the Parent and carer agreement" in text(response)
    again = client.get("/agreements/family").get_data(as_text=True)
    assert "Take back my agreement to the Parent and carer agreement" not in again


def test_staff_record_a_refusal_only_with_a_remark(client, db, family):
    sign_in_as(client, db, family["lead"])
    url = f"/agreements/people/pupil/{family['child'].id}"
    key = key_for(client.get(url).get_data(as_text=True), "Record that they declined")
    refused = client.submit(
        url,
        {"part": key, "method": "paper", "remark": ""},
        action=f"{url}/decline",
        follow_redirects=True,
    )
    assert "Nothing was recorded" in text(refused)
    done = client.submit(
        url,
        {"part": key, "method": "paper", "remark": "Slip came back marked no"},
        action=f"{url}/decline",
        follow_redirects=True,
    )
    page = text(done)
    assert "declined the Pupil acceptable use policy (ages 4 to 7)" in page
    assert "Paper slip, recorded by Ms Khan" in page
    report = text(client.get("/agreements/status?agreement=pupil-aup-4-7&show=declined"))
    assert "Paper slip, recorded by Ms Khan" in report


def test_a_slip_is_recorded_only_when_staff_say_they_hold_it(client, db, family):
    sign_in_as(client, db, family["lead"])
    url = f"/agreements/people/pupil/{family['child'].id}"
    ticks = {"part_pupil_aup_4_7_parent": "y", "method": "paper"}
    refused = client.submit(url, ticks)
    assert refused.status_code == 400
    assert "Tick to confirm you hold the signed slip, or heard them agree." in text(refused)
    done = client.submit(url, {**ticks, "acknowledged": "y"}, follow_redirects=True)
    assert "Paper slip, recorded by Ms Khan" in text(done)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/agreements/status.csv?agreement=pupil-aup-4-7&show=everyone").text
            )
        )
    )
    amira = next(row for row in rows if "Amira" in row[rows[0].index("Name")])
    assert amira[rows[0].index("Recorded for them")] == "Paper slip, recorded by Ms Khan"
