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


def hidden_for(page: str, words: str) -> dict[str, str]:
    """The hidden fields (but the token) of the form whose button mentions `words`."""
    for form in re.findall(r"<form.*?</form>", page, re.S):
        if words in re.sub(r"<[^>]+>", "", form):
            inputs = re.findall(r'<input[^>]*type="hidden"[^>]*>', form)
            fields = {
                re.search(r'name="([^"]+)"', tag).group(1): re.search(r'value="([^"]*)"', tag)
                for tag in inputs
            }
            return {
                name: value.group(1) if value else ""
                for name, value in fields.items()
                if name != "csrf_token"
            }
    raise AssertionError(f"no form for {words!r}")


def key_for(page: str, words: str) -> str:
    """The hidden `part` value of the form whose button mentions `words`."""
    return hidden_for(page, words)["part"]


def test_a_parent_says_no_and_the_report_and_csv_show_declined(app, client, db, family):
    sign_in_as(client, db, family["parent"])
    page = client.get("/agreements/family").get_data(as_text=True)
    hidden = hidden_for(page, "Say no to the Pupil acceptable use policy (ages 4 to 7) for Amira")
    assert hidden["shown"] == "pupil-aup-4-7:2026.09:en-GB"  # the version and language shown
    response = client.submit(
        "/agreements/family",
        {**hidden, "why": "We do not want her online yet"},
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


# --- A pupil or a member of staff says no on their own page --------------------------------------


def test_a_pupil_says_no_on_their_own_page_and_a_later_yes_wins(client, db, family):
    teen = make_pupil(db, family["school"], make_class(db, family["school"], "8K", 8))
    teen.first_name, teen.last_name = "Theo", "Lee"
    db.commit()
    sign_in_as(client, db, teen)
    page = client.get("/agreements/mine").get_data(as_text=True)
    assert "A teacher will talk with you about it" in text(client.get("/agreements/mine"))
    said = hidden_for(page, "I do not agree")
    assert said == {"said_no_to": "pupil-aup-11-18:2026.09:en-GB"}
    stale = client.submit(
        "/agreements/mine",
        {"said_no_to": "pupil-aup-11-18:2026.09:cy"},
        action="/agreements/mine/no",
    )
    assert stale.status_code == 400  # not the language the page showed: nothing recorded
    assert "The rules have changed" in text(stale)
    done = client.submit(
        "/agreements/mine",
        {**said, "why": "I share a laptop with my brother"},
        action="/agreements/mine/no",
        follow_redirects=True,
    )
    page = text(done)
    assert "Thank you for telling us. A teacher will talk with you about it." in page
    assert "You said that you do not agree to these rules, on " in page
    assert "Read and sign my agreement" not in text(client.get("/pupils/"))  # not asked again

    sign_in_as(client, db, family["lead"])
    report = text(client.get("/agreements/status?agreement=pupil-aup-11-18&show=declined"))
    assert "Theo Lee" in report
    rows = list(csv.reader(io.StringIO(client.get(CSV_11_18).text)))
    assert next(r for r in rows if "Theo Lee" in r)[rows[0].index("Status")] == "Declined"
    person = text(client.get(f"/agreements/people/pupil/{teen.id}"))
    assert "Declined: Pupil acceptable use policy (ages 11 to 18)" in person
    assert "I share a laptop with my brother" in person

    sign_in_as(client, db, teen)
    agreed = client.submit(
        "/agreements/mine",
        {"shown": "pupil-aup-11-18:2026.09:en-GB", "own_words": "I will keep my password safe"},
    )
    assert agreed.status_code == 302
    sign_in_as(client, db, family["lead"])
    rows = list(csv.reader(io.StringIO(client.get(CSV_11_18).text)))
    assert next(r for r in rows if "Theo Lee" in r)[rows[0].index("Status")] == "Signed"


CSV_11_18 = "/agreements/status.csv?agreement=pupil-aup-11-18&show=everyone"


def test_a_member_of_staff_says_no_only_with_a_reason_and_is_asked_until_they_agree(
    client, db, family
):
    teacher = make_staff(db, family["school"])
    db.commit()
    sign_in_as(client, db, teacher)
    assert client.get("/staff/").headers["Location"] == "/agreements/mine?next=/staff/"
    page = client.get("/agreements/mine?next=/staff/").get_data(as_text=True)
    said = hidden_for(page, "I do not accept it")
    no_reason = client.submit(
        "/agreements/mine?next=/staff/", said, action="/agreements/mine/no?next=/staff/"
    )
    assert no_reason.status_code == 400
    assert "Say why you do not accept it." in text(no_reason)
    done = client.submit(
        "/agreements/mine?next=/staff/",
        {**said, "why": "Monitoring my own phone goes too far"},
        action="/agreements/mine/no?next=/staff/",
        follow_redirects=True,
    )
    page = text(done)
    assert "Your answer is recorded." in page
    assert "You said that you do not accept this policy, on " in page
    assert '"Monitoring my own phone goes too far"' in page
    assert "I agree" in page  # they may still accept it; until then the other pages wait
    assert client.get("/staff/").status_code == 302

    sign_in_as(client, db, family["lead"])
    report = text(client.get("/agreements/status?agreement=staff-aup&show=declined"))
    assert teacher.name in report


# --- The safeguarding lead's list -------------------------------------------------------------


def test_the_safeguarding_lead_sees_recent_refusals_and_the_pupils_records_note_it(
    app, client, db, family
):
    dsl = make_staff(db, family["school"])
    dsl.email = catalogue_of(app).content.profile.lookup("roles.dsl.email")
    teacher, admin = make_staff(db, family["school"]), make_staff(db, family["school"], "admin")
    db.commit()
    accept_own_agreements(app, db, dsl)
    accept_own_agreements(app, db, teacher)
    accept_own_agreements(app, db, admin)
    sign_in_as(client, db, family["lead"])
    url = f"/agreements/people/pupil/{family['child'].id}"
    key = key_for(client.get(url).get_data(as_text=True), "Record that they declined")
    client.submit(
        url, {"part": key, "method": "paper", "remark": "Slip marked no"}, action=f"{url}/decline"
    )

    for who in (teacher, admin):
        sign_in_as(client, db, who)
        assert client.get("/agreements/refusals").status_code == 403
        assert "Refusals and withdrawals" not in text(client.get("/staff/"))
    sign_in_as(client, db, dsl)
    assert "Refusals and withdrawals" in text(client.get("/staff/"))
    page = client.get("/agreements/refusals")
    assert page.status_code == 200
    listed = text(page)
    assert "Amira" in listed
    assert "Declined: Pupil acceptable use policy (ages 4 to 7), version 2026.09" in listed
    assert "Ms Khan (staff)" in listed
    assert "Slip marked no" in listed
    assert f'href="{url}"' in page.get_data(as_text=True)

    sign_in_as(client, db, family["lead"])
    assert client.get("/agreements/refusals").status_code == 200
    record = text(client.get(f"/coverage/pupils/{family['child'].id}"))
    assert record.count("Seen in the list of refusals, by the ICT lead or safeguarding lead") == 2
