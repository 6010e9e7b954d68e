"""The rows of a roster file, each checked on its own and against the rows before it.

Every problem in a row is kept with the row's line, so a school sees all of them at once.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from ...years import parse_year_group
from .columns import (
    CONTACT_FIELDS,
    CONTACTS_PER_PUPIL,
    PUPIL_COLUMNS,
    STAFF,
    STAFF_ROLES,
    Column,
    columns_for,
    contact_columns,
    contact_key,
    normalise,
)


@dataclass(frozen=True)
class RowError:
    line: int  # the line in the CSV file; the header is line 1
    reason: str


@dataclass(frozen=True)
class Contact:
    key: str  # who they are within the school: their reference, else their email, else name
    name: str
    email: str | None
    relationship: str | None


@dataclass(frozen=True)
class PupilRow:
    line: int
    reference: str
    first_name: str
    last_name: str
    year_group: int
    class_name: str | None
    contacts: tuple[Contact, ...]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class StaffRow:
    line: int
    name: str
    email: str
    role: str
    classes: tuple[str, ...] = ()


def _cell_problems(values: dict[str, str], columns: tuple[Column, ...]) -> list[str]:
    problems = []
    for column in columns:
        value = values[column.key]
        if column.required and not column.may_be_blank and not value:
            problems.append(f"The {column.label} is blank.")
        elif column.max_length and len(value) > column.max_length:
            problems.append(f"The {column.label} is longer than {column.max_length} characters.")
        elif "\n" in value:
            problems.append(
                f"The {column.label} runs over more than one line (it has a line break in it). "
                "Put it on one line in your MIS or spreadsheet, then save the file again."
            )
        elif any(unicodedata.category(character) == "Cc" for character in value):
            # Such as NUL, which PostgreSQL cannot store: the import would fail half-way.
            problems.append(
                f"The {column.label} has a hidden control character in it. Retype it in your "
                "MIS or spreadsheet, then save the file again as CSV UTF-8."
            )
    return problems


def _email_problem(email: str, label: str) -> str | None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f'The {label} "{email}" is not a valid email address.'
    return None


def read_pupils(
    records: list[tuple[int, dict[str, str]]],
) -> tuple[list[PupilRow], list[RowError]]:
    pupils, errors = [], []
    first_line: dict[str, int] = {}
    contacts_seen: dict[str, tuple[int, Contact]] = {}
    for line, values in records:
        problems = _pupil_problems(line, values, first_line)
        contacts, contact_problems = _read_contacts(line, values, contacts_seen)
        problems += contact_problems
        errors += [RowError(line, problem) for problem in problems]
        if not problems:
            year = parse_year_group(values["year"])
            assert year is not None  # a blank or unknown year group is a problem above
            pupils.append(
                PupilRow(
                    line,
                    values["reference"],
                    values["first_name"],
                    values["last_name"],
                    year,
                    values["class_name"] or None,
                    contacts,
                )
            )
    return pupils, errors


def _pupil_problems(line: int, values: dict[str, str], first_line: dict[str, int]) -> list[str]:
    """What is wrong with a pupil's own cells; `first_line` notes where each reference was."""
    problems = _cell_problems(values, PUPIL_COLUMNS)
    if values["year"] and parse_year_group(values["year"]) is None:
        problems.append(
            f'"{values["year"]}" is not a year group we know. '
            "Use R or Reception, or a number from 1 to 13."
        )
    reference = values["reference"]
    if reference and reference in first_line:
        problems.append(
            f"Pupil reference {reference} is also on line {first_line[reference]}. "
            "Each pupil should be in the file once."
        )
    first_line.setdefault(reference, line)
    return problems


def _read_contacts(
    line: int, values: dict[str, str], seen: dict[str, tuple[int, Contact]]
) -> tuple[tuple[Contact, ...], list[str]]:
    """A row's contacts, checking each against the same person on earlier rows."""
    contacts: dict[str, Contact] = {}
    problems = []
    for number in range(1, CONTACTS_PER_PUPIL + 1):
        cells = {f.key: values[contact_key(number, f.key)] for f in CONTACT_FIELDS}
        if not any(cells.values()):
            continue
        found = _contact_problems(number, cells, values)
        if not found:
            contact = _contact(cells, values["reference"])
            found = _conflict(number, line, contact, seen)
            contacts.setdefault(contact.key, contact)
        problems += found
    return tuple(contacts.values()), problems


def _contact_problems(number: int, cells: dict[str, str], values: dict[str, str]) -> list[str]:
    problems = _cell_problems(values, contact_columns(number))
    if not cells["name"]:
        has = "an email address" if cells["email"] else "details"
        problems.append(
            f"Contact {number} has {has} but no name. Add their name, "
            f"or clear the other contact {number} cells."
        )
    if cells["email"] and (problem := _email_problem(cells["email"], f"contact {number} email")):
        problems.append(problem)
    return problems


def _contact(cells: dict[str, str], pupil_reference: str) -> Contact:
    """Who a contact is: their MIS reference, else their email, else their name and child.

    Emails and names are folded into a fixed-length key, so they fit the reference column.
    """
    if cells["reference"]:
        key = cells["reference"]
    elif cells["email"]:
        key = _derived_key("email", cells["email"].lower())
    else:
        key = _derived_key("name", f"{cells['name'].lower()}|{pupil_reference}")
    return Contact(key, cells["name"], cells["email"] or None, cells["relationship"] or None)


def _derived_key(kind: str, text: str) -> str:
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


def _conflict(
    number: int, line: int, contact: Contact, seen: dict[str, tuple[int, Contact]]
) -> list[str]:
    """The same person must have the same name and email on every row they are on."""
    first_line, first = seen.setdefault(contact.key, (line, contact))
    if (
        first.name.lower() == contact.name.lower()
        and (first.email or "").lower() == (contact.email or "").lower()
    ):
        return []
    if contact.key.startswith("email:"):
        return [
            f"Contact {number} ({contact.name}) has the same email address as {first.name} "
            f"on line {first_line}. Without contact references we tell people apart by email "
            'address: add a contact reference column (such as "Contact 1 ID") from your MIS.'
        ]
    return [
        f"Contact {number} ({contact.name}) has the same reference as {first.name} on line "
        f"{first_line}, but a different name or email address. Correct one of them in your MIS."
    ]


def read_staff(records: list[tuple[int, dict[str, str]]]) -> tuple[list[StaffRow], list[RowError]]:
    staff, errors = [], []
    first_line: dict[str, int] = {}
    for line, values in records:
        problems = _cell_problems(values, columns_for(STAFF))
        email, role = values["email"], STAFF_ROLES.get(normalise(values["role"]))
        if email and (problem := _email_problem(email, "email address")):
            problems.append(problem)
        if values["role"] and role is None:
            problems.append(
                f'"{values["role"]}" is not a role we know. Use staff, ICT lead or admin.'
            )
        if email and email.lower() in first_line:
            problems.append(
                f"The email address {email} is also on line {first_line[email.lower()]}. "
                "Each person should be in the file once."
            )
        first_line.setdefault(email.lower(), line)
        errors += [RowError(line, problem) for problem in problems]
        if not problems:
            assert role is not None  # a blank or unknown role is a problem above
            named = (name.strip() for name in values.get("classes", "").split(","))
            classes = tuple(dict.fromkeys(name for name in named if name))  # each class once
            staff.append(StaffRow(line, values["name"], email, role, classes))
    return staff, errors
