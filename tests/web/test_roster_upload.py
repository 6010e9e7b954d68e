"""The roster import page: upload, check the preview, import once."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from portal.db import Base
from portal.models import AuditEvent, Parent, Pupil, SchoolClass, Staff
from tests.factories import make_pupil, make_school, make_staff, sign_in_as

PUPILS = b"""\
Adno,Forename,Surname,Year,Reg Group,DOB,Address,Contact 1 Name,Contact 1 Email,Contact 1 ID
A1,Amy,Smith,3,3B,2016-02-29,12 Acacia Avenue,Jo Smith,jo@example.org,C1
A2,Ben,Smith,5,5A,2014-03-01,12 Acacia Avenue,Jo Smith,jo@example.org,C1
"""


@pytest.fixture
def uploads(app, tmp_path):
    """Held uploads go to this test's own instance folder."""
    app.instance_path = str(tmp_path / "instance")
    return tmp_path / "instance" / "roster-uploads"


@pytest.fixture
def school(db):
    school = make_school(db)
    db.commit()
    return school


@pytest.fixture
def admin(db, school):
    admin = make_staff(db, school, "admin")
    db.commit()
    return admin


@pytest.fixture
def as_admin(client, db, admin, uploads):
    sign_in_as(client, db, admin)
    return client


def upload(client, data: bytes, filename: str = "pupils.csv"):
    return client.submit("/admin/roster", {"roster": (io.BytesIO(data), filename)})


def preview_url(client, data: bytes) -> str:
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1)
    return fields


def press_import(client, url: str, fields: dict[str, str] | None = None):
    """Press "Import these changes" on the preview at `url`, as the page last showed it."""
    fields = fields or hidden_fields(client.get(url).get_data(as_text=True))
    return client.post(url, data=fields, headers={"Referer": f"https://localhost{url}"})


def pupils_of(db, school) -> dict[str, Pupil]:
    db.expire_all()
    pupils = db.scalars(select(Pupil).where(Pupil.school_id == school.id))
    return {pupil.reference: pupil for pupil in pupils}


def test_an_admin_finds_the_page_from_their_home(as_admin):
    assert "Import the roster" in as_admin.get("/staff/").get_data(as_text=True)


def test_the_upload_page_describes_the_columns_it_accepts(as_admin):
    html = as_admin.get("/admin/roster").get_data(as_text=True)
    assert '<label class="label" for="roster">' in html
    assert 'aria-describedby="roster-hint"' in html
    assert '<a href="#columns">' in html
    assert "Admission No, Admission Number, Adno" in html
    assert "never stored" in html


def test_a_preview_lists_the_changes_and_writes_nothing(as_admin, db, school):
    url = preview_url(as_admin, PUPILS)
    html = as_admin.get(url).get_data(as_text=True)

    assert "Check the changes" in html
    assert "Nothing has changed yet" in html
    assert "Amy Smith" in html
    assert "Year 3, class 3B" in html
    assert "linked to Amy Smith, Ben Smith" in html
    assert "Import these changes" in html
    assert pupils_of(db, school) == {}


def test_pressing_import_brings_in_what_was_previewed_and_says_what_changed(as_admin, db, school):
    url = preview_url(as_admin, PUPILS)
    response = press_import(as_admin, url)
    assert response.status_code == 302

    done = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Roster imported" in done
    assert re.search(r"<th scope=\"row\">Pupils</th><td>2</td><td>0</td><td>0</td>", done)
    pupils = pupils_of(db, school)
    assert {ref: pupil.name for ref, pupil in pupils.items()} == {
        "A1": "Amy Smith",
        "A2": "Ben Smith",
    }
    assert [p.name for p in pupils["A1"].parents] == ["Jo Smith"]


def listed(html: str) -> dict[str, set[tuple[str, str]]]:
    """The preview's tables by heading ("Pupils: new"): each row's name and its second cell."""
    tables = {}
    for heading, body in re.findall(r"<h2>(.*?) \(\d+\)</h2>(.*?)</table>", html, re.S):
        rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td>', body)
        tables[heading] = set(rows)
    return tables


def test_the_records_created_are_exactly_the_rows_the_preview_lists(as_admin, db, school):
    url = preview_url(as_admin, PUPILS)
    preview = listed(as_admin.get(url).get_data(as_text=True))
    press_import(as_admin, url)

    pupils = {(pupil.name, ref) for ref, pupil in pupils_of(db, school).items()}
    parents = db.scalars(select(Parent).where(Parent.school_id == school.id))
    classes = db.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
    assert preview == {
        "Pupils: new": pupils,
        "Parents and carers: new": {(parent.name, parent.email) for parent in parents},
        "Classes: new": {(c.name, f"Year {c.year_group}") for c in classes},
    }
    assert pupils == {("Amy Smith", "A1"), ("Ben Smith", "A2")}


def test_pressing_import_twice_imports_once(as_admin, db, school):
    url = preview_url(as_admin, PUPILS)
    fields = hidden_fields(as_admin.get(url).get_data(as_text=True))

    first = press_import(as_admin, url, fields)
    second = press_import(as_admin, url, fields)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "This file has already been imported" in second.get_data(as_text=True)
    assert len(pupils_of(db, school)) == 2
    imports = db.scalars(select(AuditEvent).where(AuditEvent.action == "roster-imported"))
    assert len(imports.all()) == 1


def test_a_re_import_shows_movers_and_leavers_before_importing_them(as_admin, db, school):
    press_import(as_admin, preview_url(as_admin, PUPILS))
    next_year = b"Adno,Forename,Surname,Year,Reg Group\nA1,Amy,Smith,4,4B\n"

    html = as_admin.get(preview_url(as_admin, next_year)).get_data(as_text=True)

    assert "Year 3 to Year 4; moved from 3B to 4B" in html
    assert "Pupils: marked as left (1)" in html
    assert "They are signed out at once" in html


def test_if_the_records_change_after_the_preview_nothing_is_imported(as_admin, db, school):
    url = preview_url(as_admin, PUPILS)
    fields = hidden_fields(as_admin.get(url).get_data(as_text=True))
    make_pupil(db, school)  # someone else changes the records meanwhile
    db.commit()

    response = press_import(as_admin, url, fields)
    again = as_admin.get(response.headers["Location"]).get_data(as_text=True)

    assert "Something changed since you checked this file" in again
    assert "Check the changes" in again
    assert len(pupils_of(db, school)) == 1
    press_import(as_admin, url)  # the new preview, as now shown
    assert len(pupils_of(db, school)) == 3


def test_a_file_with_bad_rows_lists_each_and_imports_nothing(as_admin, db, school, uploads):
    bad = b"Adno,Forename,Surname,Year,Class\nA1,Amy,Smith,3,3B\nA1,Ben,Smith,Year 20,3B\n"
    response = upload(as_admin, bad)
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Nothing was imported: there are 2 problems in pupils.csv." in html
    assert '<a href="#roster">Line 3: Pupil reference A1 is also on line 2.' in html
    assert "Line 3: &#34;Year 20&#34; is not a year group we know." in html
    assert pupils_of(db, school) == {}
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_staff_file_without_the_admin_doing_it_is_refused(as_admin, db, admin):
    html = upload(as_admin, b"Name,Email,Role\nTess Cher,t@example.org,staff\n").get_data(
        as_text=True
    )
    assert f"Line 1: You ({admin.email}) are not in this file" in html
    db.refresh(admin)
    assert admin.left_at is None


def test_staff_who_leave_are_signed_out_at_once(app, as_admin, db, school, admin):
    teacher = make_staff(db, school, "staff")
    db.commit()
    teachers_browser = app.test_client()
    sign_in_as(teachers_browser, db, teacher)
    assert teachers_browser.get("/staff/").status_code == 200

    staff_file = f"Name,Email,Role\n{admin.name},{admin.email},admin\n".encode()
    press_import(as_admin, preview_url(as_admin, staff_file))

    response = teachers_browser.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    db.refresh(teacher)
    assert teacher.left_at is not None


def test_columns_the_portal_does_not_keep_are_stored_nowhere(as_admin, db, school, uploads):
    url = preview_url(as_admin, PUPILS)
    held = "".join(path.read_text() for path in uploads.iterdir())
    assert "Amy" in held
    press_import(as_admin, url)

    everything = held + "".join(path.read_text() for path in uploads.iterdir())
    for table in Base.metadata.sorted_tables:
        everything += repr(db.execute(select(table)).all())
    assert "Smith" in everything
    assert "2016-02-29" not in everything
    # The year of birth in any form; not the digits inside a hash, an id or a token.
    assert not re.search(r"(?<![0-9a-fA-F])2016(?![0-9a-fA-F])", everything)
    assert "Acacia" not in everything


@pytest.mark.parametrize("role", ["staff", "ict_lead"])
def test_only_an_admin_may_import(app, db, school, role, uploads):
    client = app.test_client()
    sign_in_as(client, db, make_staff(db, school, role))
    assert client.get("/admin/roster").status_code == 403
    assert client.get("/admin/roster/some-token").status_code == 403


def test_an_admin_of_another_school_cannot_see_or_import_an_upload(app, as_admin, db, school):
    url = preview_url(as_admin, PUPILS)
    fields = hidden_fields(as_admin.get(url).get_data(as_text=True))
    other = app.test_client()
    sign_in_as(other, db, make_staff(db, make_school(db, "Other"), "admin"))
    db.commit()

    seen = other.get(url)
    fields["csrf_token"] = other.csrf_token("/admin/roster")
    pressed = press_import(other, url, fields)

    assert seen.status_code == pressed.status_code == 404
    assert "Amy" not in seen.get_data(as_text=True) + pressed.get_data(as_text=True)
    assert db.scalars(select(Pupil)).all() == []
    assert press_import(as_admin, url).status_code == 302  # still there for its own school
    assert len(pupils_of(db, school)) == 2


def test_an_unknown_upload_says_to_upload_again(as_admin):
    response = as_admin.get("/admin/roster/not-a-real-token")
    assert response.status_code == 404
    assert "upload the file again" in response.get_data(as_text=True)


def test_staff_added_by_a_file_are_told_how_to_set_a_password(as_admin, db, admin):
    staff_file = (
        f"Name,Email,Role\n{admin.name},{admin.email},admin\nNew Teacher,new@example.org,staff\n"
    ).encode()
    response = press_import(as_admin, preview_url(as_admin, staff_file))
    done = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "I have forgotten my password" in done
    assert db.scalar(select(Staff).where(Staff.email == "new@example.org")).role == "staff"


def test_a_held_upload_altered_on_disk_is_never_imported(as_admin, db, school, uploads):
    url = preview_url(as_admin, PUPILS)
    fields = hidden_fields(as_admin.get(url).get_data(as_text=True))
    [held] = uploads.iterdir()
    held.write_text(held.read_text().replace("Amy", "Eve"))

    assert as_admin.get(url).status_code == 404
    assert press_import(as_admin, url, fields).status_code == 404
    assert pupils_of(db, school) == {}
