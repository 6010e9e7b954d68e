"""The column names a roster file may use, as MIS exports (SIMS, Arbor, Bromcom and others) and
spreadsheets write them.

Headers match ignoring case, spaces and punctuation, in any order. When a file has two columns
for the same thing (say "UPN" and "Adno"), the name earlier in the list wins, so the result never
depends on the order of the columns. Every other column is ignored and never stored: an MIS export
carries dates of birth, addresses and more that the portal must not keep.

The upload page and README.md list these tables, and a test checks the README names every one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...models import StaffRole

PUPILS = "pupils"
STAFF = "staff"
CONTACTS_PER_PUPIL = 3


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # plain words for messages: "There is no {label} column"
    names: tuple[str, ...]  # in order of preference
    required: bool = True
    may_be_blank: bool = False
    max_length: int | None = None


PUPIL_COLUMNS = (
    # The school's own admission number comes before the UPN, which is meant for moving records
    # between schools rather than as an everyday identifier.
    Column(
        "reference",
        "pupil reference",
        ("Admission No", "Admission Number", "Adno", "Pupil ID", "Reference", "UPN"),
        max_length=40,
    ),
    Column(
        "first_name",
        "first name",
        ("Preferred Forename", "Forename", "Legal Forename", "First Name"),
        max_length=100,
    ),
    Column(
        "last_name",
        "last name",
        ("Preferred Surname", "Surname", "Legal Surname", "Last Name"),
        max_length=100,
    ),
    Column("year", "year group", ("NC Year", "Curriculum Year", "Year Group", "Year")),
    Column(
        "class_name",
        "class",
        ("Reg Group", "Registration Group", "Class", "Form", "Tutor Group"),
        may_be_blank=True,
        max_length=40,
    ),
)

# A contact column is a prefix, the contact's number (1 to 3) and a field: "Contact 1 Email".
CONTACT_PREFIXES = ("Contact", "Parent", "Carer", "Parent/Carer")
CONTACT_FIELDS = (
    Column("name", "name", ("Name", "Full Name"), max_length=200),
    Column("email", "email address", ("Email", "Email Address", "E-mail"), max_length=254),
    Column("reference", "reference", ("Reference", "Ref", "ID"), max_length=80),
    Column("relationship", "relationship", ("Relationship", "Relation"), max_length=40),
)

STAFF_COLUMNS = (
    Column("name", "name", ("Name", "Full Name", "Staff Name", "Display Name"), max_length=200),
    Column(
        "email",
        "email address",
        ("Email", "Email Address", "Work Email", "School Email", "E-mail"),
        max_length=254,
    ),
    Column("role", "role", ("Role", "Portal Role", "eSafety Role")),
    # The classes a teacher teaches, separated by commas: they may record their own pupils'
    # paper slips (services/on_behalf.py).
    Column(
        "classes",
        "classes taught",
        ("Classes", "Classes Taught", "Teaches"),
        required=False,
        may_be_blank=True,
        max_length=400,
    ),
)

# What a role cell may say (matched like headers), and the role it gives.
STAFF_ROLES = {
    "staff": StaffRole.STAFF,
    "ict lead": StaffRole.ICT_LEAD,
    "admin": StaffRole.ADMIN,
    "school admin": StaffRole.ADMIN,
}


def contact_key(number: int, field: str) -> str:
    return f"contact{number}_{field}"


def contact_columns(number: int) -> tuple[Column, ...]:
    return tuple(
        Column(
            contact_key(number, field.key),
            f"contact {number} {field.label}",
            tuple(
                f"{prefix} {number} {name}" for prefix in CONTACT_PREFIXES for name in field.names
            ),
            required=False,
            max_length=field.max_length,
        )
        for field in CONTACT_FIELDS
    )


def columns_for(kind: str) -> tuple[Column, ...]:
    if kind == STAFF:
        return STAFF_COLUMNS
    contacts = (contact_columns(n) for n in range(1, CONTACTS_PER_PUPIL + 1))
    return PUPIL_COLUMNS + tuple(column for group in contacts for column in group)


def normalise(name: str) -> str:
    """'Contact1 E-mail', 'contact 1 e-mail' and 'CONTACT_1_E_MAIL' become 'contact 1 e mail'."""
    spaced = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", name.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", spaced).split())


def find_columns(header: list[str], columns: tuple[Column, ...]) -> dict[str, int]:
    """Where each known column is in the header row: key -> position."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        positions.setdefault(normalise(name), position)
    found: dict[str, int] = {}
    for column in columns:
        matches = (
            positions[normalise(name)] for name in column.names if normalise(name) in positions
        )
        at = next(matches, None)
        if at is not None:
            found[column.key] = at
    return found


def kind_of_file(header: list[str]) -> str | None:
    """A year group column makes a pupils file; a role column makes a staff file."""
    if "year" in find_columns(header, PUPIL_COLUMNS):
        return PUPILS
    if "role" in find_columns(header, STAFF_COLUMNS):
        return STAFF
    return None


def documented_columns() -> list[tuple[str, str, tuple[str, ...], str]]:
    """(file, what, accepted names, need) for each column, for the upload page and the README.

    Contact columns are listed with their first prefix; the others work the same way.
    """
    rows = [(PUPILS, c.label, c.names, _need(c)) for c in PUPIL_COLUMNS]
    rows += [
        (
            PUPILS,
            f"contact N {field.label}",
            tuple(f"{CONTACT_PREFIXES[0]} N {name}" for name in field.names),
            "optional",
        )
        for field in CONTACT_FIELDS
    ]
    rows += [(STAFF, c.label, c.names, _need(c)) for c in STAFF_COLUMNS]
    return rows


def _need(column: Column) -> str:
    if column.may_be_blank:
        return "column required, may be blank"
    return "required"
