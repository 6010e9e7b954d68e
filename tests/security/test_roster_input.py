"""Roster files that are not what they seem are refused clearly, and nothing is changed."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.services.roster import read_roster
from tests.factories import make_school, make_staff, sign_in_as


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (zipped(), "a zip file (a spreadsheet saved as .xlsx is one)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "an old Excel or Word file"),
        (b"%PDF-1.7 ...", "a PDF"),
        (b"Name,Email\x00,Role\n", "not a text file"),
    ],
)
def test_a_file_that_is_not_csv_is_refused_by_what_it_is(data, what):
    [error] = read_roster(data).errors
    assert error.line == 1
    assert f"This file is {what}" in error.reason
    assert "CSV UTF-8" in error.reason


def test_a_spreadsheet_uploaded_as_a_roster_gets_a_clear_refusal(client, db):
    admin = make_staff(db, make_school(db), "admin")
    db.commit()
    sign_in_as(client, db, admin)
    token = client.csrf_token("/admin/roster")
    response = client.post(
        "/admin/roster",
        data={"csrf_token": token, "roster": (io.BytesIO(zipped()), "pupils.csv")},
        headers={"Referer": "https://localhost/admin/roster"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported: there is 1 problem in pupils.csv" in page
    assert "This file is a zip file" in page


def test_a_line_break_inside_a_name_is_a_row_error_not_a_silent_space():
    data = b'Adno,Forename,Surname,Year,Reg Group\nA1,"Amy\nRose",Smith,3,3B\n'
    [error] = read_roster(data).errors
    assert error.line == 2
    assert "The first name runs over more than one line" in error.reason


def test_the_columns_left_out_are_named():
    data = b"Adno,Forename,Surname,Year,Reg Group,Date of Birth,Address\nA1,Amy,Smith,3,3B,x,y\n"
    roster = read_roster(data)
    assert roster.errors == []
    assert roster.ignored == ["Date of Birth", "Address"]
    assert "2016" not in roster.to_json()
