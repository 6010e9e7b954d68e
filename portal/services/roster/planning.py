"""Planning an import: the school's records as they are, against the file, change by change.

Nothing is written here. Some problems can only be seen against the records (an email address
another school uses, a class no pupils file made, an admin leaving themself out): they are row
errors like any other, and a plan with errors changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import ROLE_LABELS, Pupil, SchoolClass, Staff, StaffRole
from .columns import PUPILS, STAFF
from .plan import Change, Child, ClassState, ParentState, Plan, PupilState, StaffState, in_order
from .reading import Roster
from .records import (
    classes_by_name,
    classes_taught,
    links_by_parent,
    parents_by_reference,
    pupils_by_reference,
    staff_by_email,
)
from .rows import Contact, PupilRow, RowError, StaffRow


def plan_import(db: Session, school_id: int, roster: Roster, by: Staff | None = None) -> Plan:
    """What importing `roster` would change, without writing anything.

    `by` is the admin doing the import: a staff file may not mark them as left, nor take away
    their admin role, since either would lock them out of the import they are doing.
    """
    if roster.errors:
        return Plan(roster.kind, errors=tuple(roster.errors))
    if roster.kind == PUPILS:
        return _plan_pupils(db, school_id, roster.pupils)
    return _plan_staff(db, school_id, roster, by)


# --- Pupils, their classes and their parents ------------------------------------------------


def _plan_pupils(db: Session, school_id: int, rows: list[PupilRow]) -> Plan:
    existing = pupils_by_reference(db, school_id)
    classes = classes_by_name(db, school_id)
    class_names = {c.id: c.name for c in classes.values()}
    changes = []
    for row in rows:
        pupil = existing.get(row.reference)
        before = _pupil_state(pupil, class_names) if pupil else None
        after = PupilState(row.first_name, row.last_name, row.year_group, row.class_name)
        if before != after:
            changes.append(Change(row.reference, before, after))
    in_file = {row.reference for row in rows}
    for reference, pupil in existing.items():
        if reference not in in_file and pupil.left_at is None:
            before = _pupil_state(pupil, class_names)
            changes.append(Change(reference, before, replace(before, left=True)))
    return Plan(
        PUPILS,
        classes=_plan_classes(classes, rows),
        pupils=in_order(changes),
        parents=_plan_parents(db, school_id, rows, existing),
    )


def _pupil_state(pupil: Pupil, class_names: dict[int, str]) -> PupilState:
    class_name = class_names.get(pupil.class_id) if pupil.class_id else None
    return PupilState(
        pupil.first_name, pupil.last_name, pupil.year_group, class_name, pupil.left_at is not None
    )


def _plan_classes(
    classes: dict[str, SchoolClass], rows: list[PupilRow]
) -> tuple[Change[ClassState], ...]:
    """Each class in the file, with the youngest year group in it (mixed classes are common)."""
    years: dict[str, int] = {}
    for row in rows:
        if row.class_name:
            years[row.class_name] = min(years.get(row.class_name, row.year_group), row.year_group)
    changes = []
    for name, year in years.items():
        school_class = classes.get(name)
        before = ClassState(school_class.year_group) if school_class else None
        if before != ClassState(year):
            changes.append(Change(name, before, ClassState(year)))
    return in_order(changes)


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
) -> tuple[Change[ParentState], ...]:
    """Parents as in the file, each linked to exactly the children the file gives them;
    parents not in the file are marked as left and lose their links to children in it."""
    names = {row.reference: row.name for row in rows}
    position = {row.reference: number for number, row in enumerate(rows)}
    existing = parents_by_reference(db, school_id)
    links = links_by_parent(db, school_id, {p.id: ref for ref, p in pupils.items()})
    wanted = _wanted_parents(rows)
    changes = []
    for key in existing.keys() | wanted.keys():
        parent, want = existing.get(key), wanted.get(key)
        before = None
        if parent is not None:
            linked = sorted(
                (ref for ref in links.get(parent.id, {}) if ref in names), key=position.__getitem__
            )
            children = tuple(Child(ref, names[ref], links[parent.id][ref]) for ref in linked)
            before = ParentState(
                parent.name, parent.email or None, children, parent.left_at is not None
            )
        if want is None:
            assert before is not None  # the key is an existing parent's
            after = replace(before, children=(), left=True)
        else:
            children = tuple(Child(ref, names[ref], rel) for ref, rel in want.children.items())
            after = ParentState(want.contact.name, want.contact.email, children)
        if before != after:
            changes.append(Change(key, before, after))
    return in_order(changes)


# --- Staff ----------------------------------------------------------------------------------


def _plan_staff(db: Session, school_id: int, roster: Roster, by: Staff | None) -> Plan:
    rows = roster.staff
    errors = _emails_used_elsewhere(db, school_id, rows)
    if by is not None:
        errors += _locks_out(by, rows, roster.header_line)
    if not errors:
        errors += _unknown_classes(db, school_id, rows)
    if errors:
        return Plan(STAFF, errors=tuple(sorted(errors, key=lambda error: error.line)))
    existing = staff_by_email(db, school_id)
    taught = classes_taught(db, school_id)
    changes = []
    for row in rows:
        person = existing.get(row.email.lower())
        before = _staff_state(person, taught) if person else None
        email = person.email if person else row.email
        after = StaffState(row.name, email, row.role, tuple(sorted(row.classes)))
        if before != after:
            changes.append(Change(row.email.lower(), before, after))
    in_file = {row.email.lower() for row in rows}
    for email, person in existing.items():
        if email not in in_file and person.left_at is None:
            before = _staff_state(person, taught)
            changes.append(Change(email, before, replace(before, left=True)))
    return Plan(STAFF, staff=in_order(changes))


def _staff_state(person: Staff, taught: dict[int, tuple[str, ...]]) -> StaffState:
    classes = tuple(sorted(taught.get(person.id, ())))
    return StaffState(person.name, person.email, person.role, classes, person.left_at is not None)


def _unknown_classes(db: Session, school_id: int, rows: list[StaffRow]) -> list[RowError]:
    known = set(classes_by_name(db, school_id))
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
    taken: Iterable[str] = db.scalars(
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
    if row.role != StaffRole.ADMIN:
        return [
            RowError(
                row.line,
                f"This would make you {ROLE_LABELS[row.role]} instead of school admin, and you "
                "could no longer import files. Keep your role as admin.",
            )
        ]
    return []
