"""Roster import: reading MIS exports, checking every row, planning and applying changes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from portal.cli import main
from portal.models import AuditEvent, ClassTeacher, Parent, ParentLink, Pupil, SchoolClass, Staff
from portal.services.roster import (
    PlanOutdated,
    apply_import,
    import_previewed,
    plan_import,
    read_roster,
)
from portal.services.roster.columns import CONTACT_PREFIXES, documented_columns
from tests.factories import make_class, make_pupil, make_school, make_staff, sign_in_as

CONTACT_COLUMNS = ",".join(
    f"Contact {n} {field}" for n in (1, 2) for field in ("Name", "Email", "ID", "Relationship")
)
PUPILS = f"""\
Adno,Forename,Surname,Year,Reg Group,DOB,{CONTACT_COLUMNS}
A1,Amy,Smith,3,3B,2016-02-01,Jo Smith,jo@example.org,C1,Mother,Sam Smith,,C2,Father
A2,Ben,Smith,5,5A,2014-03-01,Jo Smith,jo@example.org,C1,Mother,,,,
A3,Cat,Jones,R,RB,2020-01-01,,,,,,,,
"""


def rows(*lines: str) -> bytes:
    return "\n".join(lines).encode("utf-8")


def import_file(db, school, data: bytes | str, by=None):
    """Import and commit, as the page and the command do; returns the plan."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    plan = apply_import(db, school.id, read_roster(data), by=by)
    db.commit()
    return plan


def pupils_of(db, school) -> dict[str, Pupil]:
    pupils = db.scalars(select(Pupil).where(Pupil.school_id == school.id))
    return {pupil.reference: pupil for pupil in pupils}


def parents_of(db, school) -> dict[str, Parent]:
    parents = db.scalars(select(Parent).where(Parent.school_id == school.id))
    return {parent.name: parent for parent in parents}


def children(parent: Parent) -> list[str]:
    return sorted(child.first_name for child in parent.children)


def entries(plan, section: str, kind: str) -> dict[str, tuple[str, ...]]:
    chosen = next(s for s in plan.sections if s.key == section)
    return {entry.name: entry.details for entry in getattr(chosen, kind)}


def errors_of(data: bytes) -> list[tuple[int, str]]:
    return [(error.line, error.reason) for error in read_roster(data).errors]


@pytest.fixture
def school(db):
    school = make_school(db)
    db.commit()
    return school


# --- A good file ----------------------------------------------------------------------------


def test_a_pupils_file_brings_in_pupils_classes_and_parents_linked_to_their_children(db, school):
    plan = import_file(db, school, PUPILS)

    pupils = pupils_of(db, school)
    assert {ref: (p.name, p.year_group, p.school_class.name) for ref, p in pupils.items()} == {
        "A1": ("Amy Smith", 3, "3B"),
        "A2": ("Ben Smith", 5, "5A"),
        "A3": ("Cat Jones", 0, "RB"),
    }
    classes = db.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
    assert {c.name: c.year_group for c in classes} == {"3B": 3, "5A": 5, "RB": 0}
    parents = parents_of(db, school)
    assert set(parents) == {"Jo Smith", "Sam Smith"}
    assert children(parents["Jo Smith"]) == ["Amy", "Ben"]  # one parent, two children
    assert children(parents["Sam Smith"]) == ["Amy"]
    assert (parents["Jo Smith"].email, parents["Sam Smith"].email) == ("jo@example.org", None)
    assert plan.counts()["pupils"] == {"added": 3, "changed": 0, "left": 0}
    assert entries(plan, "parents", "added")["Jo Smith"] == (
        "linked to Amy Smith (Mother), Ben Smith (Mother)",
    )


def test_the_relationship_to_each_child_is_kept(db, school):
    import_file(db, school, PUPILS)
    links = db.execute(
        select(Parent.name, Pupil.first_name, ParentLink.relationship_to_pupil)
        .join(ParentLink, ParentLink.parent_id == Parent.id)
        .join(Pupil, Pupil.id == ParentLink.pupil_id)
    )
    assert sorted(links) == [
        ("Jo Smith", "Amy", "Mother"),
        ("Jo Smith", "Ben", "Mother"),
        ("Sam Smith", "Amy", "Father"),
    ]


def test_mis_headers_in_another_order_with_other_names_and_a_byte_order_mark(db, school):
    data = "\ufeff" + "\n".join(
        [
            "Legal Surname,Parent1 E-mail,Address,UPN,PARENT 1 NAME,registration_group,"
            "Curriculum Year,Legal Forename,Parent 1 Relation",
            "Smith,jo@example.org,1 High St,K801,Jo Smith,4B,Y4,Amy,Mother",
            "Jones,,2 Low Rd,K802,,RA,Reception,Cat,",
        ]
    )
    import_file(db, school, data)

    pupils = pupils_of(db, school)
    assert {ref: (p.name, p.year_group, p.school_class.name) for ref, p in pupils.items()} == {
        "K801": ("Amy Smith", 4, "4B"),
        "K802": ("Cat Jones", 0, "RA"),
    }
    assert children(parents_of(db, school)["Jo Smith"]) == ["Amy"]


def test_the_schools_own_admission_number_wins_over_the_upn(db, school):
    import_file(db, school, rows("UPN,Adno,Forename,Surname,Year,Class", "K1,A1,Amy,Smith,3,3B"))
    assert set(pupils_of(db, school)) == {"A1"}


def test_a_staff_file_adds_staff_with_their_roles(db, school):
    data = rows(
        "Role,Email Address,Full Name,Payroll Number",
        "admin,head@example.org,Ann Head,123",
        "ICT lead,ict@example.org,Ian Tech,456",
        "Staff,teacher@example.org,Tess Cher,789",
    )
    plan = import_file(db, school, data)

    staff = db.scalars(select(Staff).where(Staff.school_id == school.id))
    assert {s.email: (s.name, s.role) for s in staff} == {
        "head@example.org": ("Ann Head", "admin"),
        "ict@example.org": ("Ian Tech", "ict_lead"),
        "teacher@example.org": ("Tess Cher", "staff"),
    }
    assert plan.counts() == {"staff": {"added": 3, "changed": 0, "left": 0}}


def test_each_import_is_in_the_audit_log_with_its_counts(db, school):
    import_file(db, school, PUPILS)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "roster-imported"))
    assert event.school_id == school.id
    assert event.detail["pupils"] == {"added": 3, "changed": 0, "left": 0}
    assert event.detail["parents"] == {"added": 2, "changed": 0, "left": 0}


# --- Bad files ------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(db, school):
    data = rows(
        "Adno,Forename,Surname,Year,Class,Contact 1 Name,Contact 1 Email",
        "A1,Amy,Smith,3,3B,Jo Smith,jo@example.org",
        "A2,Ben,Smith,Year 14,3B,,",
        "A1,Cat,Jones,3,3B,,",
        "A4,Dan,Evans,4,4B,Di Evans,di@example",
        "A5,Eve,Ford,4,4B,,eve.parent@example.org",
        "A6,,Green,4,4B,,",
    )
    plan = import_file(db, school, data)

    assert [(error.line, error.reason) for error in plan.errors] == [
        (3, '"Year 14" is not a year group we know. Use R or Reception, or a number from 1 to 13.'),
        (4, "Pupil reference A1 is also on line 2. Each pupil should be in the file once."),
        (5, 'The contact 1 email "di@example" is not a valid email address.'),
        (
            6,
            "Contact 1 has an email address but no name. "
            "Add their name, or clear the other contact 1 cells.",
        ),
        (7, "The first name is blank."),
    ]
    assert pupils_of(db, school) == {}
    assert parents_of(db, school) == {}
    assert db.scalars(select(SchoolClass)).all() == []


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("Forename,Surname,Year,Class", "pupil reference"),
        ("Adno,Forename,Year,Class", "last name"),
        ("Adno,Forename,Surname,Year", "class"),
        ("Email,Role", "name"),
    ],
)
def test_a_missing_column_is_one_error_on_line_1_naming_it(header, missing):
    errors = errors_of(rows(header, ",".join("x" for _ in header.split(","))))
    assert len(errors) == 1
    line, reason = errors[0]
    assert line == 1
    assert reason.startswith(f"There is no {missing} column.")


def test_a_file_that_is_neither_pupils_nor_staff_says_what_it_needs():
    [(line, reason)] = errors_of(rows("Name,DOB", "Amy,2016-01-01"))
    assert line == 1
    assert '"Year"' in reason
    assert '"Role"' in reason


def test_a_file_not_saved_as_utf8_names_the_line_and_how_to_save_it():
    [(line, reason)] = errors_of(
        "Adno,Forename,Surname,Year,Class\nA1,Zoë,Smith,3,3B".encode("cp1252")
    )
    assert line == 2
    assert "CSV UTF-8" in reason


def test_bad_staff_rows_are_each_reported(db, school):
    data = rows(
        "Name,Email,Role",
        "Ann Head,head@example.org,admin",
        "Ian Tech,ict@example.org,headteacher",
        "Tess Cher,HEAD@example.org,staff",
        "Al Most,not-an-address,staff",
    )
    plan = import_file(db, school, data)
    assert [(error.line, error.reason) for error in plan.errors] == [
        (3, '"headteacher" is not a role we know. Use staff, ICT lead or admin.'),
        (
            4,
            "The email address HEAD@example.org is also on line 2. "
            "Each person should be in the file once.",
        ),
        (5, 'The email address "not-an-address" is not a valid email address.'),
    ]
    assert db.scalars(select(Staff)).all() == []


def test_a_staff_email_used_at_another_school_is_refused(db, school):
    elsewhere = make_staff(db, make_school(db, "Elsewhere"))
    elsewhere.email = "taken@example.org"
    db.commit()
    plan = import_file(db, school, rows("Name,Email,Role", "Tim Taken,taken@example.org,staff"))
    assert [error.line for error in plan.errors] == [2]
    assert "another school" in plan.errors[0].reason
    db.refresh(elsewhere)
    assert elsewhere.school_id != school.id


def test_one_contact_with_two_names_is_refused_naming_both_lines(db, school):
    data = rows(
        "Adno,Forename,Surname,Year,Class,Contact 1 Name,Contact 1 ID",
        "A1,Amy,Smith,3,3B,Jo Smith,C1",
        "A2,Ben,Smith,5,5A,Joanne Bloggs,C1",
    )
    [(line, reason)] = errors_of(data)
    assert line == 3
    assert "line 2" in reason
    assert "Jo Smith" in reason


# --- Importing again ------------------------------------------------------------------------


def test_a_new_file_adds_starters_moves_pupils_and_marks_leavers_as_left(db, school):
    import_file(db, school, PUPILS)
    next_year = rows(
        "Adno,Forename,Surname,Year,Reg Group",
        "A1,Amy,Smith-Jones,4,4B",
        "A2,Ben,Smith,5,5A",
        "A9,Dev,Patel,3,3B",
    )
    plan = import_file(db, school, next_year)

    assert entries(plan, "pupils", "added") == {"Dev Patel": ("Year 3, class 3B",)}
    assert entries(plan, "pupils", "changed") == {
        "Amy Smith-Jones": (
            "name Amy Smith to Amy Smith-Jones",
            "Year 3 to Year 4",
            "moved from 3B to 4B",
        )
    }
    assert entries(plan, "pupils", "left") == {"Cat Jones": ()}
    assert entries(plan, "classes", "added") == {"4B": ()}
    pupils = pupils_of(db, school)
    assert (pupils["A1"].last_name, pupils["A1"].school_class.name) == ("Smith-Jones", "4B")
    assert pupils["A3"].left_at is not None  # the record stays
    assert pupils["A2"].left_at is None


def test_a_pupil_who_left_and_reappears_is_back(db, school):
    import_file(db, school, PUPILS)
    import_file(db, school, rows("Adno,Forename,Surname,Year,Class", "A1,Amy,Smith,3,3B"))
    plan = import_file(db, school, PUPILS)

    assert entries(plan, "pupils", "changed")["Cat Jones"] == ("back after leaving",)
    assert all(pupil.left_at is None for pupil in pupils_of(db, school).values())


def test_a_contact_no_longer_on_a_childs_row_is_unlinked_and_absent_parents_have_left(db, school):
    import_file(db, school, PUPILS)
    plan = import_file(
        db,
        school,
        rows(
            "Adno,Forename,Surname,Year,Class,Contact 1 Name,Contact 1 Email,Contact 1 ID,"
            "Contact 1 Relationship",
            "A1,Amy,Smith,3,3B,,,,",
            "A2,Ben,Smith,5,5A,Jo Smith,jo@example.org,C1,Mother",
            "A3,Cat,Jones,R,RB,,,,",
        ),
    )

    assert entries(plan, "parents", "changed") == {"Jo Smith": ("no longer linked to Amy Smith",)}
    assert entries(plan, "parents", "left") == {"Sam Smith": ()}
    parents = parents_of(db, school)
    db.refresh(parents["Jo Smith"])
    assert children(parents["Jo Smith"]) == ["Ben"]
    assert parents["Sam Smith"].left_at is not None


def test_without_contact_references_parents_are_known_by_email_then_by_name_and_child(db, school):
    data = rows(
        "Adno,Forename,Surname,Year,Class,Contact 1 Name,Contact 1 Email",
        "A1,Amy,Smith,3,3B,Jo Smith,Jo@Example.org",
        "A2,Ben,Smith,5,5A,Jo Smith,jo@example.org",
        "A3,Cat,Jones,R,RB,Kim Jones,",
        "A4,Dot,Jones,2,2A,Kim Jones,",
    )
    import_file(db, school, data)
    import_file(db, school, data)  # the same people again, not new ones

    parents = db.scalars(select(Parent).where(Parent.school_id == school.id)).all()
    assert sorted((p.name, children(p)) for p in parents) == [
        ("Jo Smith", ["Amy", "Ben"]),
        ("Kim Jones", ["Cat"]),
        ("Kim Jones", ["Dot"]),
    ]


def test_a_staff_file_changes_roles_and_marks_absent_staff_as_left(db, school):
    import_file(
        db,
        school,
        rows("Name,Email,Role", "Ann Head,head@example.org,admin", "Tess Cher,t@example.org,staff"),
    )
    plan = import_file(db, school, rows("Name,Email,Role", "Ann Head,head@example.org,ICT lead"))

    assert entries(plan, "staff", "changed") == {"Ann Head": ("school admin to ICT lead",)}
    assert entries(plan, "staff", "left") == {"Tess Cher": ()}
    staff = {s.email: s for s in db.scalars(select(Staff).where(Staff.school_id == school.id))}
    assert staff["head@example.org"].role == "ict_lead"
    assert staff["t@example.org"].left_at is not None


def test_a_leaver_who_is_signed_in_is_signed_out_at_once(app, db, school, client):
    import_file(db, school, PUPILS)
    cat = pupils_of(db, school)["A3"]
    sign_in_as(client, db, cat)
    assert client.get("/pupils/").status_code == 200

    import_file(db, school, rows("Adno,Forename,Surname,Year,Class", "A1,Amy,Smith,3,3B"))

    response = client.get("/pupils/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_admin_importing_cannot_leave_themself_out_or_lose_their_role(db, school):
    admin = make_staff(db, school, "admin")
    admin.email = "me@example.org"
    db.commit()
    without_me = rows("Name,Email,Role", "Tess Cher,t@example.org,staff")
    demoted = rows("Name,Email,Role", "Tess Cher,t@example.org,admin", "Me,me@example.org,staff")

    [left_out] = import_file(db, school, without_me, by=admin).errors
    [lost_role] = import_file(db, school, demoted, by=admin).errors

    assert left_out.line == 1
    assert "me@example.org" in left_out.reason
    assert lost_role.line == 3
    db.refresh(admin)
    assert (admin.left_at, admin.role) == (None, "admin")
    assert db.scalars(select(Staff)).all() == [admin]


# --- Importing what was previewed -----------------------------------------------------------

NEXT_YEAR = f"""\
Adno,Forename,Surname,Year,Reg Group,{CONTACT_COLUMNS}
A1,Amy,Smith,4,4B,Jo Smith,jo@example.org,C1,Mother,,,,
A2,Ben,Smith,5,5A,Jo Smith,jo@example.org,C1,Carer,,,,
A9,Dev,Patel,3,3B,Dee Patel,dee@example.org,C9,Mother,,,,
"""


def records_of(db, school) -> dict[str, dict[str, tuple]]:
    """What an import may write, by the name the preview lists each record under."""
    db.expire_all()
    pupils = {
        p.reference: (p.name, p.year_group, p.school_class and p.school_class.name, p.left_at)
        for p in pupils_of(db, school).values()
    }
    parents = {
        p.name: (p.email, p.left_at, sorted((c.reference, link_of(db, p, c)) for c in p.children))
        for p in parents_of(db, school).values()
    }
    classes = db.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
    return {
        "pupils": pupils,
        "parents": parents,
        "classes": {c.name: c.year_group for c in classes},
    }


def link_of(db, parent: Parent, pupil: Pupil) -> str | None:
    return db.get(ParentLink, (parent.id, pupil.id)).relationship_to_pupil


def test_an_import_writes_exactly_the_records_its_preview_lists(db, school):
    """Every record the preview lists is written, and no other: an unchanged pupil (Ben) and
    class (5A) are left alone, and the parent who left loses her link to Amy as shown."""
    import_file(db, school, PUPILS)
    before = records_of(db, school)

    roster = read_roster(NEXT_YEAR.encode())
    preview = plan_import(db, school.id, roster)
    import_previewed(db, school.id, roster, preview.fingerprint())
    after = records_of(db, school)

    for section in preview.sections:
        listed = [
            entry.name if section.key != "pupils" else entry.shown_as
            for entries in (section.added, section.changed, section.left)
            for entry in entries
        ]
        written = {
            key
            for key in before[section.key] | after[section.key]
            if before[section.key].get(key) != after[section.key].get(key)
        }
        assert sorted(listed) == sorted(written), section.key
    assert entries(preview, "parents", "changed") == {"Jo Smith": ("Ben Smith: Mother to Carer",)}
    assert entries(preview, "parents", "left") == {"Sam Smith": ()}
    assert after["parents"]["Sam Smith"][2] == []


def test_an_import_refuses_a_preview_the_records_no_longer_match(db, school):
    """A pupil is added by hand between the preview and the import: the import refuses and
    writes nothing, and a new preview shows what importing now means. It does not write the
    previewed plan instead: the file is the school's whole list, so that plan would keep the
    new pupil on roll though the file does not have them, and the admin was never asked."""
    import_file(db, school, PUPILS)
    roster = read_roster(NEXT_YEAR.encode())
    previewed = plan_import(db, school.id, roster).fingerprint()
    make_pupil(db, school, reference="A7", first_name="Eve", last_name="Hand")
    db.commit()
    before = records_of(db, school)

    with pytest.raises(PlanOutdated) as refused:
        import_previewed(db, school.id, roster, previewed)
    db.commit()

    assert str(refused.value).startswith("Something changed since you checked this file")
    assert records_of(db, school) == before
    assert (
        len(db.scalars(select(AuditEvent).where(AuditEvent.action == "roster-imported")).all()) == 1
    )
    again = plan_import(db, school.id, roster)
    assert entries(again, "pupils", "left") == {"Cat Jones": (), "Eve Hand": ()}
    import_previewed(db, school.id, roster, again.fingerprint())
    assert pupils_of(db, school)["A7"].left_at is not None


def test_a_change_the_preview_does_not_depend_on_leaves_it_good(db, school):
    """A pupil setting a password meanwhile changes nothing the import writes."""
    import_file(db, school, PUPILS)
    roster = read_roster(NEXT_YEAR.encode())
    previewed = plan_import(db, school.id, roster).fingerprint()
    pupils_of(db, school)["A2"].username = "ben.smith"
    db.commit()

    import_previewed(db, school.id, roster, previewed)

    assert pupils_of(db, school)["A9"].name == "Dev Patel"


# --- Dry runs and the command ---------------------------------------------------------------


def test_a_plan_writes_nothing(db, school):
    school_class = make_class(db, school, "3B", 3)
    old = make_pupil(db, school, school_class)
    db.commit()

    plan = plan_import(db, school.id, read_roster(PUPILS.encode()))
    db.commit()

    assert plan.counts()["pupils"] == {"added": 3, "changed": 0, "left": 1}
    assert list(pupils_of(db, school).values()) == [old]
    assert old.left_at is None
    assert parents_of(db, school) == {}


def run_cli(database_url, *args):
    env = {
        "ESAFETY_DATABASE_URL": database_url,
        "ESAFETY_SECRET_KEY": "a test secret key, long enough to start",
    }
    return CliRunner().invoke(main, [str(arg) for arg in args], env=env)


def test_the_command_dry_run_prints_the_plan_and_changes_nothing(
    app, db, school, database_url, tmp_path
):
    path = tmp_path / "pupils.csv"
    path.write_text(PUPILS)
    result = run_cli(database_url, "import-roster", path, "--school", school.slug, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Pupils: 3 new, 0 changed, 0 marked as left" in result.output
    assert "new      Amy Smith (A1): Year 3, class 3B" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert pupils_of(db, school) == {}


def test_the_command_imports(app, db, school, database_url, tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text(PUPILS)
    result = run_cli(database_url, "import-roster", path, "--school", school.slug)

    assert result.exit_code == 0, result.output
    assert set(pupils_of(db, school)) == {"A1", "A2", "A3"}


def test_the_command_lists_bad_rows_as_file_and_line_and_fails(
    app, db, school, database_url, tmp_path
):
    path = tmp_path / "pupils.csv"
    path.write_text("Adno,Forename,Surname,Year,Class\nA1,Amy,Smith,3,3B\nA1,Ben,Smith,Q,3B\n")
    result = run_cli(database_url, "import-roster", path, "--school", school.slug)

    assert result.exit_code == 1
    assert f"{path}:3: Pupil reference A1 is also on line 2." in result.output
    assert f"{path}:3: " + '"Q" is not a year group' in result.output
    assert pupils_of(db, school) == {}


def test_the_command_names_an_unknown_school(app, database_url, tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text(PUPILS)
    result = run_cli(database_url, "import-roster", path, "--school", "nowhere")
    assert result.exit_code == 1
    assert 'no school with the short name "nowhere"' in result.output


# --- Documentation --------------------------------------------------------------------------


def test_the_readme_names_every_accepted_column(project):
    readme = (project / "README.md").read_text()
    names = [
        name for _file, _what, column_names, _need in documented_columns() for name in column_names
    ]
    for name in [*names, *(f"{prefix} N" for prefix in CONTACT_PREFIXES)]:
        assert f"`{name}`" in readme


def test_importing_the_same_file_again_changes_nothing(db, school):
    import_file(db, school, PUPILS)
    plan = import_file(db, school, PUPILS)
    assert not plan.changes_anything


def test_two_contacts_sharing_an_email_need_contact_references(db, school):
    data = rows(
        "Adno,Forename,Surname,Year,Class,Contact 1 Name,Contact 1 Email,Contact 2 Name,"
        "Contact 2 Email",
        "A1,Amy,Smith,3,3B,Jo Smith,family@example.org,Sam Smith,family@example.org",
    )
    [(line, reason)] = errors_of(data)
    assert line == 2
    assert "Contact 2 (Sam Smith) has the same email address as Jo Smith on line 2" in reason
    assert "contact reference column" in reason


def test_a_staff_file_says_which_classes_each_teacher_teaches(db, school):
    import_file(db, school, PUPILS)
    data = rows(
        "Name,Email,Role,Classes",
        'Tess Cher,t@example.org,staff,"3B, 5A"',
        "Ann Head,head@example.org,admin,",
    )
    plan = import_file(db, school, data)
    assert entries(plan, "staff", "added")["Tess Cher"] == ("staff", "teaches 3B, 5A")
    taught = db.execute(
        select(Staff.name, SchoolClass.name)
        .join(ClassTeacher, ClassTeacher.staff_id == Staff.id)
        .join(SchoolClass, SchoolClass.id == ClassTeacher.class_id)
    ).all()
    assert sorted(taught) == [("Tess Cher", "3B"), ("Tess Cher", "5A")]
    again = import_file(
        db, school, rows("Name,Email,Role,Classes", "Tess Cher,t@example.org,staff,RB")
    )
    assert entries(again, "staff", "changed")["Tess Cher"] == ("teaches RB",)


def test_a_class_named_twice_in_a_teachers_row_is_taught_once(db, school):
    import_file(db, school, PUPILS)
    plan = import_file(
        db, school, rows("Name,Email,Role,Classes", 'Tess Cher,t@example.org,staff,"3B, 5A, 3B"')
    )
    assert entries(plan, "staff", "added")["Tess Cher"] == ("staff", "teaches 3B, 5A")
    taught = db.scalars(select(ClassTeacher)).all()
    assert len(taught) == 2


def test_a_class_no_pupil_file_made_is_a_row_error(db, school):
    import_file(db, school, PUPILS)
    plan = plan_import(
        db,
        school.id,
        read_roster(rows("Name,Email,Role,Classes", "Tess Cher,t@example.org,staff,9Z")),
    )
    assert [(e.line, e.reason) for e in plan.errors] == [
        (2, "There is no class called 9Z. Import the pupils first, or check the spelling.")
    ]
