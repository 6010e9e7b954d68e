"""Recording an agreement for someone else: only those whose job it is."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import Acceptance, ClassTeacher
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
def policies_dir(tmp_path):
    """The project's own policies: staff, pupils, parents and visitors each have one."""
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture
def school(app, db):
    school = make_school(db)
    mine, theirs = make_class(db, school, "3A", 3), make_class(db, school, "3B", 3)
    people = {
        "teacher": make_staff(db, school),
        "colleague": make_staff(db, school),
        "lead": make_staff(db, school, "ict_lead"),
        "admin": make_staff(db, school, "admin"),
        "my_pupil": make_pupil(db, school, mine),
        "their_pupil": make_pupil(db, school, theirs),
    }
    people["parent"] = make_parent(db, school, [people["my_pupil"]])
    db.flush()
    db.add(ClassTeacher(class_id=mine.id, staff_id=people["teacher"].id))
    db.commit()
    for role in ("teacher", "colleague", "lead", "admin"):
        accept_own_agreements(app, db, people[role])
    school.people, school.mine, school.theirs = people, mine, theirs
    return school


def record(client, kind, person, **extra):
    url = f"/agreements/people/{kind}/{person.id}"
    page = client.get(url).get_data(as_text=True)
    ticks = {name: "y" for name in re.findall(r'name="(part_[a-z0-9_]+)"', page)}
    return client.submit(url, {**ticks, "method": "in-person", "acknowledged": "y", **extra})


def recorded_for(db, kind, person) -> list[Acceptance]:
    db.expire_all()
    return list(
        db.scalars(
            select(Acceptance).where(
                Acceptance.subject_type == kind, Acceptance.subject_id == person.id
            )
        )
    )


def test_a_teacher_cannot_lift_a_colleagues_staff_agreement(client, db, school):
    staff = school.people
    colleague = make_staff(db, school)  # has not agreed yet: the gate is up
    db.commit()
    sign_in_as(client, db, staff["teacher"])
    page = client.get(f"/agreements/people/staff/{colleague.id}").get_data(as_text=True)
    assert "Record it" not in page
    assert record(client, "staff", colleague).status_code == 403
    assert recorded_for(db, "staff", colleague) == []


def test_an_admin_records_a_colleagues_agreement_only_with_a_remark(client, db, school):
    colleague = make_staff(db, school)
    db.commit()
    sign_in_as(client, db, school.people["admin"])
    without = record(client, "staff", colleague)
    assert without.status_code == 400
    assert "Say why you are recording a colleague" in without.get_data(as_text=True)
    assert recorded_for(db, "staff", colleague) == []
    done = record(client, "staff", colleague, remark="Signed the paper copy at induction")
    assert done.status_code == 302
    [entry] = recorded_for(db, "staff", colleague)
    assert entry.remark == "Signed the paper copy at induction"


def test_the_ict_lead_cannot_record_a_colleagues_staff_agreement(client, db, school):
    colleague = make_staff(db, school)
    db.commit()
    sign_in_as(client, db, school.people["lead"])
    assert record(client, "staff", colleague, remark="because").status_code == 403


def test_a_teacher_records_only_for_pupils_in_their_own_classes(client, db, school):
    staff = school.people
    sign_in_as(client, db, staff["teacher"])
    assert record(client, "pupil", staff["my_pupil"]).status_code == 302
    assert recorded_for(db, "pupil", staff["my_pupil"])
    assert record(client, "pupil", staff["their_pupil"]).status_code == 403
    assert recorded_for(db, "pupil", staff["their_pupil"]) == []
    assert record(client, "parent", staff["parent"]).status_code == 403


def test_a_teacher_records_slips_only_for_their_own_class(client, db, school):
    sign_in_as(client, db, school.people["teacher"])
    choose = client.get("/agreements/slips").get_data(as_text=True)
    assert "3A" in choose
    assert "3B" not in choose
    assert client.get(f"/agreements/slips?class_id={school.mine.id}").status_code == 200
    assert client.get(f"/agreements/slips?class_id={school.theirs.id}").status_code == 403


def test_a_teacher_cannot_withdraw_for_someone_else(client, db, school):
    staff = school.people
    sign_in_as(client, db, staff["lead"])
    record(client, "pupil", staff["their_pupil"])
    sign_in_as(client, db, staff["teacher"])
    response = client.submit(
        f"/agreements/people/pupil/{staff['their_pupil'].id}",
        {"part": "anything", "remark": "mistake"},
        action=f"/agreements/people/pupil/{staff['their_pupil'].id}/withdraw",
    )
    assert response.status_code == 403


def test_only_the_ict_lead_and_admins_add_visitors(client, db, school):
    sign_in_as(client, db, school.people["teacher"])
    page = client.get("/agreements/visitors").get_data(as_text=True)
    assert "Add someone" not in page
    token = client.csrf_token("/agreements/visitors")
    refused = client.post(
        "/agreements/visitors",
        data={"csrf_token": token, "name": "Val", "kind": "visitor"},
        headers={"Referer": "https://localhost/agreements/visitors"},
    )
    assert refused.status_code == 403
    sign_in_as(client, db, school.people["lead"])
    added = client.submit("/agreements/visitors", {"name": "Val", "kind": "visitor"})
    assert added.status_code == 302
