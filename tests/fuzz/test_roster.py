"""Roster files, as schools send them and worse, through the functions the upload page and
`esafety import-roster` use: never an exception, every problem a row error with a real line
number, and a file with any bad row imports nothing."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from portal.services.roster import Roster, RowError, apply_import, read_roster
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff
from tests.fuzz.support import fuzz, roster_files, snapshot

ROSTER_SHARE = 3.0  # of the profile's max_examples: 300 files by default

# Files that found bugs, read every time.
KNOWN_FILES = [
    # PostgreSQL cannot store text holding NUL: a DataError once the rows were written.
    b"Adno,Forename,Surname,Year,Reg Group\nA9,Amy\x00,Smith,3,3B\n",
]


@pytest.fixture
def school(db):
    """A school with pupils, a parent and staff already, and a member of staff elsewhere."""
    school = make_school(db, "Roster")
    year3 = make_class(db, school, "3B", 3)
    amy = make_pupil(db, school, year3, reference="A1", first_name="Amy", last_name="Smith")
    parent = make_parent(db, school, [amy], email="jo@example.org")
    parent.reference, parent.name = "C1", "Jo Smith"
    admin = make_staff(db, school, "admin")
    admin.email = "admin@example.org"
    make_staff(db, make_school(db, "Elsewhere"), "staff").email = "taken@example.org"
    db.commit()
    return school, admin


def lines_in(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") + 1


def test_any_file_is_read_or_refused_with_row_errors_and_a_bad_file_imports_nothing(db, school):
    school, admin = school

    @fuzz(
        ROSTER_SHARE,
        examples=[{"data": data, "as_admin": False} for data in KNOWN_FILES],
        data=roster_files(),
        as_admin=st.booleans(),
    )
    def importing(data, as_admin):
        roster = read_roster(data)
        for error in roster.errors:
            assert isinstance(error, RowError)
            assert 1 <= error.line <= lines_in(data), error
            assert error.reason
        assert Roster.from_json(roster.to_json()) == roster  # as the upload page holds it
        before = snapshot(db.connection())
        try:
            # As the upload page (an admin) or the command (nobody) imports it.
            plan = apply_import(db, school.id, roster, by=admin if as_admin else None)
            db.flush()  # the database accepts every row a good file writes
            if roster.errors:
                assert plan.errors
            if plan.errors:
                assert not db.new, "a bad file added records"
                assert not db.dirty, "a bad file changed records"
                assert before.differences(snapshot(db.connection())) == [], "a bad file wrote"
        finally:
            db.rollback()  # the next file meets the same school

    importing()
