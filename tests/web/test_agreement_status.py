"""The ICT lead's view: status by policy and class with counts and percentages, who is missing,
reminders through the outbox (one a week per family), a CSV export and a printable list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select, update

from portal.models import OutboxMessage, ReminderSent
from tests.factories import (
    accept_own_agreements,
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
def school(app, db):
    """Two Reception classes: 2 children in R1 (one parent has signed), 1 in R2 (no email)."""
    school = make_school(db)
    r1, r2 = make_class(db, school, "R1", 0), make_class(db, school, "R2", 0)
    signed, waiting, lonely = (
        make_pupil(db, school, r1),
        make_pupil(db, school, r1),
        make_pupil(db, school, r2),
    )
    signed.first_name, waiting.first_name, lonely.first_name = "Signed", "Waiting", "Lonely"
    done, to_do = make_parent(db, school, [signed]), make_parent(db, school, [waiting])
    no_email = make_parent(db, school, [lonely], email=None)
    db.commit()
    accept_own_agreements(app, db, done)  # the 4 to 7 agreement for Signed, and their own
    return {
        "school": school,
        "r1": r1,
        "r2": r2,
        "to_do": to_do,
        "no_email": no_email,
        "pupils": (signed, waiting, lonely),
    }


@pytest.fixture
def lead(app, client, db, school):
    ict = make_staff(db, school["school"], "ict_lead")
    accept_own_agreements(app, db, ict)
    sign_in_as(client, db, ict)
    return ict


def html(response) -> str:
    return response.get_data(as_text=True)


def test_status_by_policy_and_class_with_counts_and_percentages(client, school, lead):
    page = html(client.get("/agreements/status?agreement=pupil-aup-4-7"))
    assert "Who has signed" in page
    rows = {
        row[0]: row[1:]
        for row in re.findall(
            r'<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td>\s*<td class="num">(\d+) '
            r'<span class="percent">\((\d+)%\)</span></td>',
            page,
        )
    }
    assert rows["R1"] == ("2", "1", "50")  # 2 children, 1 signed: 50%
    assert rows["R2"] == ("1", "0", "0")
    assert rows["Everyone"] == ("3", "1", "33")
    missing = page[page.index('id="missing"') :]
    assert "Waiting Test" in missing
    assert "Lonely Test" in missing
    assert "Signed Test" not in missing
    assert "(no email)" in missing


def test_filters_by_class_and_status(client, school, lead):
    page = html(
        client.get(f"/agreements/status?agreement=pupil-aup-4-7&class_id={school['r2'].id}")
    )
    missing = page[page.index('id="missing"') :]
    assert "Lonely Test" in missing
    assert "Waiting Test" not in missing
    pending = html(client.get("/agreements/status?agreement=pupil-aup-4-7&show=pending"))
    assert "Not signed: 2" in pending


def test_every_agreement_at_a_glance(client, school, lead):
    page = html(client.get("/agreements/status"))
    glance = page[: page.index('id="details"')]
    for title in (
        "Pupil acceptable use policy (ages 4 to 7)",
        "Parent and carer agreement",
        "Staff acceptable use policy and code of conduct (staff)",
        "Staff acceptable use policy and code of conduct (governors)",
        "Code of conduct for visitors and volunteers",
    ):
        assert title in glance


def test_the_csv_export_neutralises_formulas(client, db, school, lead):
    _, waiting, lonely = school["pupils"]
    waiting.first_name, waiting.last_name = '=HYPERLINK("http://evil")', "+1"
    lonely.first_name, lonely.last_name = "@SUM(A1)", "-2"
    db.commit()
    response = client.get("/agreements/status.csv?agreement=pupil-aup-4-7&show=everyone")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Policy", "Version", "Group", "Name", "Status"]
    names = {row[3] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil") +1' in names
    assert "'@SUM(A1) -2" in names
    assert "Signed Test" in names
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@"), cell


def csv_names(response) -> list[str]:
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return [row[3] for row in rows[1:]]


def test_the_csv_and_the_printed_list_hold_the_list_on_screen(client, school, lead):
    base = "/agreements/status?agreement=pupil-aup-4-7"
    page = html(client.get(base))
    link = re.search(r'href="(/agreements/status\.csv[^"]*)">Download this list as CSV', page)
    assert sorted(csv_names(client.get(link.group(1).replace("&amp;", "&")))) == [
        "Lonely Test",
        "Waiting Test",
    ]
    one_class = html(client.get(f"{base}&class_id={school['r2'].id}&show=pending"))
    link = re.search(r'href="(/agreements/status\.csv[^"]*)"', one_class).group(1)
    assert csv_names(client.get(link.replace("&amp;", "&"))) == ["Lonely Test"]
    printed = re.search(r'href="(/agreements/status/print[^"]*)"', one_class).group(1)
    printed_page = html(client.get(printed.replace("&amp;", "&")))
    assert "Not signed: Pupil acceptable use policy (ages 4 to 7)" in printed_page
    assert "Lonely Test" in printed_page
    assert "Waiting Test" not in printed_page
    everyone = html(client.get(f"{base}&show=everyone"))
    assert "Everyone, signed or not: 3" in everyone
    link = re.search(r'href="(/agreements/status\.csv[^"]*)"', everyone).group(1)
    assert len(csv_names(client.get(link.replace("&amp;", "&")))) == 3


def test_a_printable_list_of_who_is_missing(client, school, lead):
    page = html(
        client.get(f"/agreements/status/print?agreement=pupil-aup-4-7&class_id={school['r1'].id}")
    )
    assert "Still to sign: Pupil acceptable use policy (ages 4 to 7)" in page
    assert "Waiting Test" in page
    assert "Signed Test" not in page
    assert "data-print" in page


def test_reminders_go_to_pending_families_at_most_once_a_week(client, db, school, lead):
    first = client.submit(
        "/agreements/status?agreement=pupil-aup-4-7",
        {},
        action="/agreements/status/remind?agreement=pupil-aup-4-7",
    )
    assert first.status_code == 302
    mail = db.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in mail] == [school["to_do"].email]
    assert "Please read and sign" in mail[0].subject
    assert "Waiting" in mail[0].body
    flashed = html(client.get(first.headers["Location"]))
    assert "Reminders queued: 1." in flashed
    assert "1 family has no email address" in flashed

    again = client.submit(
        "/agreements/status", {}, action="/agreements/status/remind?agreement=pupil-aup-4-7"
    )
    assert "1 family had a reminder in the last week" in html(client.get(again.headers["Location"]))
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1

    db.execute(update(ReminderSent).values(sent_at=ReminderSent.sent_at - dt.timedelta(days=8)))
    db.commit()
    client.submit(
        "/agreements/status", {}, action="/agreements/status/remind?agreement=pupil-aup-4-7"
    )
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_the_reminders_link_signs_in_and_opens_the_agreements(app, client, db, school, lead):
    client.submit(
        "/agreements/status", {}, action="/agreements/status/remind?agreement=pupil-aup-4-7"
    )
    body = sent_body(app, db.scalar(select(OutboxMessage)))
    link = re.search(r"https://localhost(/parents/link/\S+)", body).group(1)
    assert link.endswith("?next=/agreements/family")
    parent = app.test_client()
    assert parent.get(link).status_code == 200  # opening it signs nobody in
    signed_in = parent.submit(link, {})
    assert signed_in.headers["Location"] == "/agreements/family"
    assert "Waiting" in html(parent.get("/agreements/family"))


def test_reminders_for_the_parent_agreement_and_none_for_staff(client, db, school, lead):
    client.submit(
        "/agreements/status", {}, action="/agreements/status/remind?agreement=parent-agreement"
    )
    assert db.scalar(select(OutboxMessage.to_address)) == school["to_do"].email
    page = html(client.get("/agreements/status?agreement=staff-aup"))
    assert "Send a reminder" not in page


def test_only_the_ict_lead_and_admins_see_the_view(app, db, school):
    teacher = make_staff(db, school["school"])
    accept_own_agreements(app, db, teacher)
    client = app.test_client()
    sign_in_as(client, db, teacher)
    assert client.get("/agreements/status").status_code == 403
    home = html(client.get("/staff/"))
    assert "Who has signed" not in home
    assert "Record returned slips" in home
    assert "Photo permissions" in home


def test_another_schools_class_is_ignored(client, db, school, lead):
    other = make_class(db, make_school(db, "Other"), "X1", 0)
    db.commit()
    page = html(client.get(f"/agreements/status?agreement=pupil-aup-4-7&class_id={other.id}"))
    assert "Everyone" in page
    assert "Waiting Test" in page
