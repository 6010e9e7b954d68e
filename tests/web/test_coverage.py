"""The ICT lead's coverage pages show the figures worked out by hand, and nobody else sees them."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from portal import create_app
from portal.models import AuditEvent, School
from portal.web.runtime import runtime
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff, sign_in_as
from tests.portal_fixtures import FormClient


@pytest.fixture
def coverage_app(app, small_curriculum_tree):
    small = create_app({**app.config, "CURRICULUM_DIR": str(small_curriculum_tree.folder)})
    small.test_client_class = FormClient
    yield small
    runtime(small).engine.dispose()


@pytest.fixture
def lead(coverage_app, db, hand_made_school):
    staff = make_staff(db, hand_made_school, role="ict_lead")
    db.commit()
    client = coverage_app.test_client()
    sign_in_as(client, db, staff)
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_heatmap_shows_the_hand_worked_percentages_as_a_table(lead):
    page = lead.get("/coverage/").get_data(as_text=True)
    assert "<caption" in page
    assert '<th scope="row">Online relationships</th>' in page
    text = text_of(page)
    # Reception: 3 of 10 pupil-outcome pairs secure; Year 3: 0 of 2.
    assert "30% secure: Online relationships, Reception" in text
    assert "0% secure: Online relationships, Year 3" in text
    assert "How these figures are worked out" in text
    # Agreements beside learning: nobody has signed, and the table says so per year group.
    assert "Agreements beside learning" in text


def test_a_cell_opens_its_outcomes_and_an_outcome_opens_its_pupils(lead):
    page = lead.get("/coverage/").get_data(as_text=True)
    cell = re.search(r'href="(/coverage/year/0\?strand=or[^"]*)"', page).group(1)
    outcomes = lead.get(cell.replace("&amp;", "&"))
    assert outcomes.status_code == 200
    text = text_of(outcomes.get_data(as_text=True))
    assert "Reception: Online relationships" in text
    # or-ey-2: A not taught; B, D and E taught; C secure.
    assert "I can say who to tell. (or-ey-2) 5 1 (20%) 3 (60%) 1 (20%)" in text
    link = re.search(r'href="(/coverage/year/0/or-ey-2[^"]*)"', outcomes.get_data(as_text=True))
    pupils = text_of(lead.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True))
    assert "A Test RB Not taught" in pupils
    assert "C Test RB Secure" in pupils
    assert "D Test RB Taught" in pupils
    assert "Gone" not in pupils  # the leaver


def test_columns_can_be_classes_and_a_period(lead):
    text = text_of(lead.get("/coverage/?by=class&period=term").get_data(as_text=True))
    assert "30% secure: Online relationships, RB" in text
    assert "This term (from" in text
    assert lead.get("/coverage/?by=pupil").status_code == 404
    assert lead.get("/coverage/?period=forever").status_code == 404


def test_the_threshold_decides_what_is_listed_as_a_gap(lead, db, hand_made_school):
    before = text_of(lead.get("/coverage/").get_data(as_text=True))
    assert "Below 50% secure: Online relationships (strand): 25% secure" in before
    saved = lead.submit("/coverage/", {"threshold": "20"}, action="/coverage/threshold")
    assert saved.status_code == 302
    after = text_of(lead.get("/coverage/").get_data(as_text=True))
    assert "Gaps are now listed below 20% secure." in after
    assert "Below 20% secure: Year 3: 0% secure" in after
    assert "(strand): 25%" not in after
    refused = lead.submit("/coverage/", {"threshold": "150"}, action="/coverage/threshold")
    assert "Enter a percentage from 0 to 100." in text_of(
        lead.get(refused.headers["Location"]).get_data(as_text=True)
    )
    db.expire_all()
    assert db.get(School, hand_made_school.id).coverage_threshold == 20


def test_the_threshold_form_needs_its_csrf_token(lead, db, hand_made_school):
    response = lead.post("/coverage/threshold", data={"threshold": "5"})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(School, hand_made_school.id).coverage_threshold == 50


def read_csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_pupil_csv_has_one_row_per_pupil_and_outcome_and_no_formulas(
    lead, db, hand_made_school
):
    pupil = hand_made_school.pupils["A"]
    pupil.first_name = "=HYPERLINK(evil)"
    db.commit()
    rows = read_csv(lead.get("/coverage/export.csv?rows=pupils"))
    assert rows[0][:3] == ["Pupil reference", "First name", "Last name"]
    assert len(rows) == 1 + 5 * 2 + 2 * 1
    assert any(row[1] == "'=HYPERLINK(evil)" for row in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    levels = {(row[1], row[6]): row[7] for row in rows[1:]}
    assert levels[("C", "or-ey-2")] == "Secure"
    assert levels[("D", "or-ey-2")] == "Taught"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "coverage-exported"))
    assert event is not None


def test_the_class_csv_has_one_row_per_class_and_strand(lead):
    rows = read_csv(lead.get("/coverage/export.csv?rows=classes"))
    assert rows == [
        ["Class", "Pupils", "Strand", "Outcomes", "Taught %", "Secure %"],
        ["RB", "5", "Online relationships", "2", "80", "30"],
        ["3B", "2", "Online relationships", "1", "0", "0"],
    ]


def test_the_dashboards_downloads_follow_its_columns_and_period(lead):
    for columns, rows, heading in (("year", "years", "Year group"), ("class", "classes", "Class")):
        page = lead.get(f"/coverage/?by={columns}&period=term").get_data(as_text=True)
        link = re.search(r'href="([^"]*)">Download CSV: one row per ([^<]*) and strand', page)
        assert link.group(2) == ("year group" if columns == "year" else "class")
        assert f"rows={rows}" in link.group(1)
        assert "period=term" in link.group(1)
        found = read_csv(lead.get(link.group(1).replace("&amp;", "&")))
        assert found[0][0] == heading
    years = read_csv(lead.get("/coverage/export.csv?rows=years"))
    assert years[1:] == [
        ["Reception", "5", "Online relationships", "2", "80", "30"],
        ["Year 3", "2", "Online relationships", "1", "0", "0"],
    ]


def test_a_pupils_record_shows_their_work_and_is_logged(lead, db, hand_made_school):
    pupil = hand_made_school.pupils["D"]
    page = text_of(lead.get(f"/coverage/pupils/{pupil.id}").get_data(as_text=True))
    assert "Ask first" in page  # the lesson and the quiz
    assert "4 of 5 Passed" in page
    assert "I can say who to tell. (or-ey-2) Online relationships Taught" in page
    assert "No agreements recorded yet." in page
    file = lead.get(f"/coverage/pupils/{pupil.id}.json")
    assert "attachment" in file.headers["Content-Disposition"]
    data = json.loads(file.get_data(as_text=True))
    assert data["pupil"]["first_name"] == "D"
    assert {o["outcome_id"]: o["level"] for o in data["outcomes"]} == {
        "or-ey-1": "secure",
        "or-ey-2": "taught",
    }
    assert "C" not in json.dumps(data["pupil"])  # nothing about other pupils
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == pupil.id)).all()
    assert {"pupil-record-viewed", "pupil-record-exported"} <= set(actions)


def test_the_governors_report_has_headlines_and_the_change_since_last_term(lead):
    page = lead.get("/coverage/report?period=all").get_data(as_text=True)
    text = text_of(page)
    assert "report for governors" in text
    assert "7 pupils on roll today" in text
    assert "25% of outcomes secure, counting all work so far" in text
    # All the work happened this term, so the start of term stood at 0%.
    assert "0% at the start of this term" in text
    assert "25% today (up 25 points)" in text
    assert "Secure today" in text
    this_term = text_of(lead.get("/coverage/report?period=term").get_data(as_text=True))
    # Every percentage says which work it counts: this term's, or all of it.
    assert "25% of outcomes secure, counting work done this term (from" in this_term
    assert "25% of outcomes secure, counting all work so far" in this_term
    assert "Percentage of outcomes secure, counting work done this term (from" in this_term
    assert "@media print" not in page  # print styles live in the stylesheet
    assert 'report-page"' in page


def test_only_the_ict_lead_and_admins_see_coverage(coverage_app, db, hand_made_school):
    pupil = hand_made_school.pupils["A"]
    teacher = make_staff(db, hand_made_school, role="staff")
    parent = make_parent(db, hand_made_school, [pupil])
    db.commit()
    for person in (teacher, parent, pupil):
        client = coverage_app.test_client()
        sign_in_as(client, db, person)
        for path in ("/coverage/", f"/coverage/pupils/{pupil.id}", "/coverage/export.csv"):
            assert client.get(path).status_code == 403, (person, path)


def test_another_schools_classes_and_pupils_are_not_found(lead, db):
    other = make_school(db, "Elsewhere")
    their_class = make_class(db, other, "9Z", 9)
    their_pupil = make_pupil(db, other, their_class)
    db.commit()
    assert lead.get(f"/coverage/class/{their_class.id}").status_code == 404
    assert lead.get(f"/coverage/class/{their_class.id}/or-ks2-1").status_code == 404
    assert lead.get(f"/coverage/pupils/{their_pupil.id}").status_code == 404
    assert lead.get(f"/coverage/pupils/{their_pupil.id}.json").status_code == 404
    assert lead.get("/coverage/year/9").status_code == 404  # no Year 9 in this school


def test_finishing_a_quiz_in_the_portal_moves_the_figures(coverage_app, lead, db, hand_made_school):
    from tests.web.test_lessons import take_quiz

    pupil = hand_made_school.pupils["A"]
    client = coverage_app.test_client()
    sign_in_as(client, db, pupil)
    take_quiz(client, "ey-or-ask", [0, 0, 0, 0, 0])
    text = text_of(lead.get("/coverage/").get_data(as_text=True))
    assert "50% secure: Online relationships, Reception" in text  # 5 of 10 now


def count_queries(app, client, path: str) -> int:
    from sqlalchemy import event

    engine = runtime(app).engine
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return len(statements)


@pytest.mark.parametrize(
    "path", ["/coverage/", "/coverage/?by=class", "/coverage/year/0", "/coverage/report"]
)
def test_the_number_of_queries_does_not_grow_with_the_pupils(
    coverage_app, lead, db, hand_made_school, small_curriculum, path
):
    from tests.coverage_fixtures import take_quiz

    before = count_queries(coverage_app, lead, path)
    reception = hand_made_school.pupils["A"].school_class
    for _ in range(20):
        pupil = make_pupil(db, hand_made_school, reception)
        take_quiz(db, small_curriculum, pupil, "ey-or-ask", [[0]] * 5)
    db.commit()
    assert count_queries(coverage_app, lead, path) == before
