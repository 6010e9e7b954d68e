"""Who may record an agreement for someone else: a paper slip, an agreement given in person,
or a withdrawal.

A record made for someone counts as their agreement, and for staff it lifts the gate that asks
them to read their agreement at sign-in, so it is not open to everyone:
- the ICT lead and admins record for pupils, parents and carers, and visitors;
- a teacher records only for pupils in the classes they teach (the roster's "Classes" column);
- a member of staff's own agreement is theirs to make; an admin may record it for them, with a
  remark saying why (it is shown beside the record).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import LEADS, ClassTeacher, Person, PersonKind, Pupil, Staff, StaffRole


def classes_taught(db: Session, staff: Staff) -> set[int]:
    return set(db.scalars(select(ClassTeacher.class_id).where(ClassTeacher.staff_id == staff.id)))


def may_record_for(db: Session, staff: Staff, kind: str, person: Person) -> bool:
    if person.school_id != staff.school_id:
        return False
    if kind == PersonKind.STAFF:
        return person.id == staff.id or staff.role == StaffRole.ADMIN
    if staff.role in LEADS:
        return True
    return (
        kind == PersonKind.PUPIL
        and isinstance(person, Pupil)
        and person.class_id in classes_taught(db, staff)
    )


def may_record_for_class(db: Session, staff: Staff, class_id: int) -> bool:
    return staff.role in LEADS or class_id in classes_taught(db, staff)


def remark_required(staff: Staff, kind: str, person: Person) -> bool:
    """Recording a colleague's own agreement needs a reason on the record."""
    return kind == PersonKind.STAFF and person.id != staff.id


HOW = {"paper": "Paper slip", "in-person": "In person", "online": "Online"}


def label(method: str | None, recorded_by: str | None) -> str:
    """How a record made for someone else reached the school, and who made it: "Paper slip,
    recorded by Ms Khan". Empty for a person's own record."""
    if not recorded_by:
        return ""
    return f"{HOW.get(method or '', method or 'Recorded')}, recorded by {recorded_by}"


def record_label(db: Session, record: Any) -> str:
    """The same, for one agreement record."""
    if record is None or record.actor_type != PersonKind.STAFF:
        return ""
    if record.subject_type == PersonKind.STAFF and record.subject_id == record.actor_id:
        return ""
    staff = db.get(Staff, record.actor_id)
    return label(record.method, staff.name if staff else "a member of staff who has left")
