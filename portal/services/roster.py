"""Roster import: pupils with their parents and carers, or staff, from a school's MIS export.

A file is read and checked as a whole first: if any row is wrong nothing is imported, and every
bad row is reported with its line number, so the school fixes its export once rather than
finding problems one at a time. A plan then says who will be added, changed and marked as left,
without writing; applying writes exactly that in the caller's transaction.

The file is the school's list as it stands: people in it are added or updated, people missing
from it are marked as left (their records stay, their sessions end) and come back if they
reappear. Only names, year groups, classes, references, emails and roles are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import ClassTeacher, Parent, ParentLink, Pupil, SchoolClass, Staff, utcnow
from ..years import parse_year_group, year_label
from . import audit
from .roster_columns import (
    CONTACT_FIELDS,
    CONTACTS_PER_PUPIL,
    PUPIL_COLUMNS,
    PUPILS,
    ROLE_LABELS,
    STAFF,
    STAFF_ROLES,
    Column,
    columns_for,
    contact_columns,
    contact_key,
    find_columns,
    kind_of_file,
    normalise,
)
from .sessions import end_all_sessions

# --- What a file holds ----------------------------------------------------------------------


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


@dataclass
class Roster:
    kind: str | None
    pupils: list[PupilRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_line: int = 1
    ignored: list[str] = field(default_factory=list)  # columns left out, never stored

    def to_json(self) -> str:
        """The kept fields only, to hold a checked file between preview and import."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Roster:
        data = json.loads(text)
        pupils = [
            PupilRow(**row | {"contacts": tuple(Contact(**c) for c in row["contacts"])})
            for row in data.pop("pupils")
        ]
        staff = [StaffRow(**row | {"classes": tuple(row["classes"])}) for row in data.pop("staff")]
        errors = [RowError(**error) for error in data.pop("errors")]
        return cls(pupils=pupils, staff=staff, errors=errors, **data)


class _Unreadable(Exception):
    def __init__(self, line: int, reason: str):
        self.error = RowError(line, reason)


def read_roster(data: bytes) -> Roster:
    """Read and check a CSV file (UTF-8, with or without a byte order mark)."""
    if refusal := not_text(data):
        return Roster(kind=None, errors=[RowError(1, refusal)])
    try:
        header_line, header, body = _split(_decode(data))
    except _Unreadable as problem:
        return Roster(kind=None, errors=[problem.error])
    kind = kind_of_file(header)
    if kind is None:
        return Roster(kind=None, errors=[RowError(header_line, NOT_A_ROSTER)])
    columns = columns_for(kind)
    found = find_columns(header, columns)
    missing = [
        RowError(header_line, _missing(c)) for c in columns if c.required and c.key not in found
    ]
    if missing:
        return Roster(kind=kind, errors=missing, header_line=header_line)
    if not body:
        return Roster(kind=kind, errors=[RowError(header_line, NO_ROWS)], header_line=header_line)
    records = [(line, _values(cells, found, columns)) for line, cells in body]
    kept = set(found.values())
    ignored = [name.strip() for i, name in enumerate(header) if i not in kept and name.strip()]
    if kind == PUPILS:
        pupils, errors = _read_pupils(records)
        return Roster(kind, pupils=pupils, errors=errors, header_line=header_line, ignored=ignored)
    staff, errors = _read_staff(records)
    return Roster(kind, staff=staff, errors=errors, header_line=header_line, ignored=ignored)


# What a file that is not CSV begins with: a zip (and so an .xlsx or .docx), an old Excel
# file, a PDF.
BINARY_STARTS = {
    b"PK\x03\x04": "a zip file (a spreadsheet saved as .xlsx is one)",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file (.xls or .doc)",
    b"%PDF": "a PDF",
}


def not_text(data: bytes) -> str | None:
    """Why a file is plainly not a CSV file at all, or None."""
    what = next((name for start, name in BINARY_STARTS.items() if data.startswith(start)), None)
    if what is None and b"\x00" in data[:8192]:
        what = "not a text file"
    if what is None:
        return None
    return (
        f"This file is {what}, not a CSV file, so nothing in it was read. In your spreadsheet "
        'or MIS choose Save as (or Export), then "CSV UTF-8", and upload that file.'
    )


NOT_A_ROSTER = (
    "We could not tell what this file holds. A pupils file needs a year group column, "
    'such as "Year" or "NC Year". A staff file needs a "Role" column.'
)
NO_ROWS = "The file has a header row but nobody in it."


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _Unreadable(
            line,
            "This file is not saved as UTF-8. In your spreadsheet choose Save as, then "
            '"CSV UTF-8", and upload that file.',
        ) from None


def _split(text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header row and the other non-blank rows, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, line = [], 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise _Unreadable(line, f"This line cannot be read as CSV ({error}).") from None
    if not rows:
        raise _Unreadable(1, "The file is empty.")
    (header_line, header), *body = rows
    return header_line, header, body


def _missing(column: Column) -> str:
    others = ", ".join(f'"{name}"' for name in column.names[1:])
    return f'There is no {column.label} column. Call it "{column.names[0]}" (or {others}).'


def _values(cells: list[str], found: dict[str, int], columns: tuple[Column, ...]) -> dict[str, str]:
    """The kept cells of a row by key, trimmed; absent columns and short rows give ''."""
    values = {column.key: "" for column in columns}
    for key, position in found.items():
        if position < len(cells):  # spaces tidied; a line break is kept, to be reported
            lines = cells[position].strip().splitlines() or [""]
            values[key] = "\n".join(" ".join(line.split()) for line in lines)
    return values


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


def _read_pupils(
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
            pupils.append(
                PupilRow(
                    line,
                    values["reference"],
                    values["first_name"],
                    values["last_name"],
                    parse_year_group(values["year"]),
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


def _read_staff(records: list[tuple[int, dict[str, str]]]) -> tuple[list[StaffRow], list[RowError]]:
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
            classes = tuple(
                name.strip() for name in values.get("classes", "").split(",") if name.strip()
            )
            staff.append(StaffRow(line, values["name"], email, role, classes))
    return staff, errors


# --- What an import will do -----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One person or class in a plan, with what changes in plain words."""

    name: str
    shown_as: str  # what the school knows them by: reference or email address
    details: tuple[str, ...] = ()


@dataclass
class Section:
    key: str
    title: str
    shown_as: str  # heading for Entry.shown_as
    added: list[Entry] = field(default_factory=list)
    changed: list[Entry] = field(default_factory=list)
    left: list[Entry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len(self.changed), "left": len(self.left)}


@dataclass
class Plan:
    kind: str | None
    sections: list[Section] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Alphabetical: easy to read, and the same however the database orders its rows."""
        for section in self.sections:
            for entries in (section.added, section.changed, section.left):
                entries.sort(key=lambda entry: (entry.name.lower(), entry.shown_as))

    def counts(self) -> dict[str, dict[str, int]]:
        return {section.key: section.counts() for section in self.sections}

    @property
    def changes_anything(self) -> bool:
        return any(any(section.counts().values()) for section in self.sections)

    def fingerprint(self) -> str:
        """Changes whenever the plan would: checked before importing what was previewed."""
        text = json.dumps([self.kind, [asdict(s) for s in self.sections]], sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_import(db: Session, school_id: int, roster: Roster, by: Staff | None = None) -> Plan:
    """What importing `roster` would change, without writing anything.

    `by` is the admin doing the import: a staff file may not mark them as left, nor take away
    their admin role, since either would lock them out of the import they are doing.
    """
    if roster.errors:
        return Plan(roster.kind, errors=roster.errors)
    if roster.kind == PUPILS:
        return _plan_pupils(db, school_id, roster.pupils)
    return _plan_staff(db, school_id, roster, by)


def apply_import(db: Session, school_id: int, roster: Roster, by: Staff | None = None) -> Plan:
    """Write the plan in the caller's transaction (nothing at all if it has errors)."""
    plan = plan_import(db, school_id, roster, by)
    if plan.errors:
        return plan
    now = utcnow()
    if roster.kind == PUPILS:
        _write_pupils(db, school_id, roster.pupils, now)
    else:
        _write_staff(db, school_id, roster.staff, now)
    audit.record(
        db, "roster-imported", school_id=school_id, actor=by, file=roster.kind, **plan.counts()
    )
    return plan


def _plan_pupils(db: Session, school_id: int, rows: list[PupilRow]) -> Plan:
    existing = _pupils_by_reference(db, school_id)
    classes = _classes_by_name(db, school_id)
    class_names = {c.id: c.name for c in classes.values()}
    section = Section(PUPILS, "Pupils", "Reference")
    for row in rows:
        pupil = existing.get(row.reference)
        if pupil is None:
            section.added.append(Entry(row.name, row.reference, (_placement(row),)))
        elif changes := _pupil_changes(pupil, row, class_names):
            section.changed.append(Entry(row.name, row.reference, changes))
    in_file = {row.reference for row in rows}
    section.left = [
        Entry(p.name, p.reference)
        for p in existing.values()
        if p.reference not in in_file and p.left_at is None
    ]
    parents = _plan_parents(db, school_id, rows, existing)
    return Plan(PUPILS, [section, parents, _plan_classes(classes, rows)])


def _placement(row: PupilRow) -> str:
    return year_label(row.year_group) + (f", class {row.class_name}" if row.class_name else "")


def _pupil_changes(pupil: Pupil, row: PupilRow, class_names: dict[int, str]) -> tuple[str, ...]:
    changes = []
    if pupil.left_at is not None:
        changes.append("back after leaving")
    if (pupil.first_name, pupil.last_name) != (row.first_name, row.last_name):
        changes.append(f"name {pupil.name} to {row.name}")
    if pupil.year_group != row.year_group:
        changes.append(f"{year_label(pupil.year_group)} to {year_label(row.year_group)}")
    old_class = class_names.get(pupil.class_id) if pupil.class_id else None
    if old_class != row.class_name:
        changes.append(f"moved from {old_class or 'no class'} to {row.class_name or 'no class'}")
    return tuple(changes)


def _class_years(rows: list[PupilRow]) -> dict[str, int]:
    """Each class in the file, with the youngest year group in it (mixed classes are common)."""
    years: dict[str, int] = {}
    for row in rows:
        if row.class_name:
            years[row.class_name] = min(years.get(row.class_name, row.year_group), row.year_group)
    return years


def _plan_classes(classes: dict[str, SchoolClass], rows: list[PupilRow]) -> Section:
    section = Section("classes", "Classes", "Year group")
    for name, year in sorted(_class_years(rows).items()):
        school_class = classes.get(name)
        if school_class is None:
            section.added.append(Entry(name, year_label(year)))
        elif school_class.year_group != year:
            change = f"{year_label(school_class.year_group)} to {year_label(year)}"
            section.changed.append(Entry(name, year_label(year), (change,)))
    return section


@dataclass
class _WantedParent:
    contact: Contact
    children: dict[str, str | None] = field(default_factory=dict)  # pupil reference -> relation


def _wanted_parents(rows: list[PupilRow]) -> dict[str, _WantedParent]:
    wanted: dict[str, _WantedParent] = {}
    for row in rows:
        for contact in row.contacts:
            parent = wanted.setdefault(contact.key, _WantedParent(contact))
            parent.children[row.reference] = contact.relationship
    return wanted


def _plan_parents(
    db: Session, school_id: int, rows: list[PupilRow], pupils: dict[str, Pupil]
) -> Section:
    section = Section("parents", "Parents and carers", "Email address")
    names = {row.reference: row.name for row in rows}
    existing = _parents_by_reference(db, school_id)
    links = _links_by_parent(db, school_id, {p.id: ref for ref, p in pupils.items()})
    wanted = _wanted_parents(rows)
    for key, want in wanted.items():
        contact, parent = want.contact, existing.get(key)
        if parent is None:
            children = ", ".join(_child(names[ref], rel) for ref, rel in want.children.items())
            section.added.append(
                Entry(contact.name, contact.email or "", (f"linked to {children}",))
            )
        elif changes := _parent_changes(parent, want, _in_file(links, parent, names), names):
            section.changed.append(Entry(contact.name, contact.email or "", changes))
    section.left = [
        Entry(p.name, p.email or "")
        for key, p in existing.items()
        if key not in wanted and p.left_at is None
    ]
    return section


def _in_file(
    links: dict[int, dict[str, str | None]], parent: Parent, names: dict[str, str]
) -> dict[str, str | None]:
    """A parent's links to children in the file; links to children who left are kept as they are."""
    return {ref: rel for ref, rel in links.get(parent.id, {}).items() if ref in names}


def _child(name: str, relationship: str | None) -> str:
    return f"{name} ({relationship})" if relationship else name


def _parent_changes(
    parent: Parent,
    want: _WantedParent,
    links: dict[str, str | None],
    names: dict[str, str],
) -> tuple[str, ...]:
    """How a parent changes; `links` are their links now, to children in the file."""
    contact, changes = want.contact, []
    if parent.left_at is not None:
        changes.append("back after leaving")
    if parent.name != contact.name:
        changes.append(f"name {parent.name} to {contact.name}")
    if (parent.email or None) != contact.email:
        changes.append(f"email {parent.email or 'none'} to {contact.email or 'none'}")
    for ref, relationship in want.children.items():
        if ref not in links:
            changes.append(f"linked to {_child(names[ref], relationship)}")
        elif links[ref] != relationship:
            old, new = links[ref] or "no relationship", relationship or "no relationship"
            changes.append(f"{names[ref]}: {old} to {new}")
    changes += sorted(
        f"no longer linked to {names[ref]}" for ref in links if ref not in want.children
    )
    return tuple(changes)


def _plan_staff(db: Session, school_id: int, roster: Roster, by: Staff | None) -> Plan:
    rows = roster.staff
    errors = _emails_used_elsewhere(db, school_id, rows)
    if by is not None:
        errors += _locks_out(by, rows, roster.header_line)
    if errors:
        return Plan(STAFF, errors=sorted(errors, key=lambda error: error.line))
    errors += _unknown_classes(db, school_id, rows)
    if errors:
        return Plan(STAFF, errors=sorted(errors, key=lambda error: error.line))
    existing = _staff_by_email(db, school_id)
    taught = _classes_taught(db, school_id)
    section = Section(STAFF, "Staff", "Email address")
    for row in rows:
        person = existing.get(row.email.lower())
        if person is None:
            teaches = (f"teaches {', '.join(row.classes)}",) if row.classes else ()
            section.added.append(Entry(row.name, row.email, (ROLE_LABELS[row.role], *teaches)))
        elif changes := _staff_changes(person, row, taught.get(person.id, ())):
            section.changed.append(Entry(row.name, row.email, changes))
    in_file = {row.email.lower() for row in rows}
    section.left = [
        Entry(s.name, s.email)
        for email, s in existing.items()
        if email not in in_file and s.left_at is None
    ]
    return Plan(STAFF, [section])


def _staff_changes(person: Staff, row: StaffRow, teaches: tuple[str, ...] = ()) -> tuple[str, ...]:
    changes = []
    if person.left_at is not None:
        changes.append("back after leaving")
    if person.name != row.name:
        changes.append(f"name {person.name} to {row.name}")
    if person.role != row.role:
        changes.append(f"{ROLE_LABELS[person.role]} to {ROLE_LABELS[row.role]}")
    if sorted(teaches) != sorted(row.classes):
        changes.append(f"teaches {', '.join(sorted(row.classes)) or 'no class'}")
    return tuple(changes)


def _classes_taught(db: Session, school_id: int) -> dict[int, tuple[str, ...]]:
    taught: dict[int, list[str]] = {}
    for staff_id, name in db.execute(
        select(ClassTeacher.staff_id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == ClassTeacher.class_id)
        .where(SchoolClass.school_id == school_id)
    ):
        taught.setdefault(staff_id, []).append(name)
    return {staff_id: tuple(names) for staff_id, names in taught.items()}


def _unknown_classes(db: Session, school_id: int, rows: list[StaffRow]) -> list[RowError]:
    known = set(_classes_by_name(db, school_id))
    return [
        RowError(
            row.line,
            f"There is no class called {name}. Import the pupils first, or check the spelling.",
        )
        for row in rows
        for name in row.classes
        if name not in known
    ]


def _emails_used_elsewhere(db: Session, school_id: int, rows: list[StaffRow]) -> list[RowError]:
    """Staff email addresses are unique across every school, since they sign in with them."""
    lines = {row.email.lower(): row.line for row in rows}
    taken = db.scalars(
        select(func.lower(Staff.email)).where(
            Staff.school_id != school_id, func.lower(Staff.email).in_(list(lines))
        )
    )
    return [
        RowError(
            lines[email],
            f"The email address {email} belongs to an account at another school. "
            "Each person needs their own email address.",
        )
        for email in taken
    ]


def _locks_out(by: Staff, rows: list[StaffRow], header_line: int) -> list[RowError]:
    row = next((r for r in rows if r.email.lower() == by.email.lower()), None)
    if row is None:
        return [
            RowError(
                header_line,
                f"You ({by.email}) are not in this file, so importing it would mark you as "
                "left and sign you out. Add yourself with the role admin.",
            )
        ]
    if row.role != "admin":
        return [
            RowError(
                row.line,
                f"This would make you {ROLE_LABELS[row.role]} instead of school admin, and you "
                "could no longer import files. Keep your role as admin.",
            )
        ]
    return []


# --- Writing --------------------------------------------------------------------------------


def _write_pupils(db: Session, school_id: int, rows: list[PupilRow], now: dt.datetime) -> None:
    classes = _write_classes(db, school_id, rows)
    existing = _pupils_by_reference(db, school_id)
    in_file = {}
    for row in rows:
        pupil = existing.get(row.reference) or _added(
            db, Pupil(school_id=school_id, reference=row.reference)
        )
        pupil.first_name, pupil.last_name = row.first_name, row.last_name
        pupil.year_group = row.year_group
        pupil.class_id = classes[row.class_name].id if row.class_name else None
        pupil.left_at = None
        in_file[row.reference] = pupil
    for pupil in existing.values():
        if pupil.reference not in in_file and pupil.left_at is None:
            _mark_left(db, pupil, now)
    db.flush()
    _write_parents(db, school_id, rows, in_file, now)


def _write_classes(db: Session, school_id: int, rows: list[PupilRow]) -> dict[str, SchoolClass]:
    classes = _classes_by_name(db, school_id)
    for name, year in _class_years(rows).items():
        school_class = classes.get(name) or _added(db, SchoolClass(school_id=school_id, name=name))
        school_class.year_group = year
        classes[name] = school_class
    db.flush()
    return classes


def _write_parents(
    db: Session, school_id: int, rows: list[PupilRow], pupils: dict[str, Pupil], now: dt.datetime
) -> None:
    """Parents as in the file, and the links of every child in the file exactly as listed."""
    existing = _parents_by_reference(db, school_id)
    wanted = _wanted_parents(rows)
    for key, want in wanted.items():
        parent = existing.get(key) or _added(db, Parent(school_id=school_id, reference=key))
        parent.name, parent.email, parent.left_at = want.contact.name, want.contact.email, None
        existing[key] = parent
    for key, parent in existing.items():
        if key not in wanted and parent.left_at is None:
            _mark_left(db, parent, now)
    db.flush()
    links = {
        (existing[key].id, pupils[ref].id): relationship
        for key, want in wanted.items()
        for ref, relationship in want.children.items()
    }
    _write_links(db, links, {pupil.id for pupil in pupils.values()})


def _write_links(
    db: Session, wanted: dict[tuple[int, int], str | None], pupil_ids: set[int]
) -> None:
    current = db.scalars(select(ParentLink).where(ParentLink.pupil_id.in_(pupil_ids))).all()
    for link in current:
        pair = (link.parent_id, link.pupil_id)
        if pair in wanted:
            link.relationship_to_pupil = wanted.pop(pair)
        else:
            db.delete(link)
    for (parent_id, pupil_id), relationship in wanted.items():
        db.add(
            ParentLink(parent_id=parent_id, pupil_id=pupil_id, relationship_to_pupil=relationship)
        )


def _write_staff(db: Session, school_id: int, rows: list[StaffRow], now: dt.datetime) -> None:
    existing = _staff_by_email(db, school_id)
    for row in rows:
        person = existing.get(row.email.lower()) or _added(
            db, Staff(school_id=school_id, email=row.email)
        )
        person.name, person.role, person.left_at = row.name, row.role, None
        _write_teaching(db, school_id, person, row.classes)
    in_file = {row.email.lower() for row in rows}
    for email, person in existing.items():
        if email not in in_file and person.left_at is None:
            _mark_left(db, person, now)


def _write_teaching(db: Session, school_id: int, person: Staff, names: tuple[str, ...]) -> None:
    classes = _classes_by_name(db, school_id)
    db.flush()  # a new member of staff needs their id
    db.execute(delete(ClassTeacher).where(ClassTeacher.staff_id == person.id))
    for name in names:
        db.add(ClassTeacher(class_id=classes[name].id, staff_id=person.id))


def _mark_left(db: Session, person: Any, now: dt.datetime) -> None:
    """Keep the record, but end every session at once: a leaver cannot carry on signed in."""
    person.left_at = now
    end_all_sessions(db, person)


def _added(db: Session, record: Any) -> Any:
    db.add(record)
    return record


# --- Reading the school's records -----------------------------------------------------------


def _pupils_by_reference(db: Session, school_id: int) -> dict[str, Pupil]:
    pupils = db.scalars(select(Pupil).where(Pupil.school_id == school_id))
    return {pupil.reference: pupil for pupil in pupils}


def _classes_by_name(db: Session, school_id: int) -> dict[str, SchoolClass]:
    classes = db.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))
    return {school_class.name: school_class for school_class in classes}


def _parents_by_reference(db: Session, school_id: int) -> dict[str, Parent]:
    parents = db.scalars(select(Parent).where(Parent.school_id == school_id))
    return {parent.reference: parent for parent in parents}


def _staff_by_email(db: Session, school_id: int) -> dict[str, Staff]:
    staff = db.scalars(select(Staff).where(Staff.school_id == school_id))
    return {person.email.lower(): person for person in staff}


def _links_by_parent(
    db: Session, school_id: int, references: dict[int, str]
) -> dict[int, dict[str, str | None]]:
    """parent id -> {pupil reference: relationship} for every link to a pupil of the school."""
    links: dict[int, dict[str, str | None]] = {}
    rows = db.execute(
        select(ParentLink.parent_id, ParentLink.pupil_id, ParentLink.relationship_to_pupil)
        .join(Pupil, Pupil.id == ParentLink.pupil_id)
        .where(Pupil.school_id == school_id)
    )
    for parent_id, pupil_id, relationship in rows:
        links.setdefault(parent_id, {})[references[pupil_id]] = relationship
    return links
