"""The school's records as an import finds them: by the keys a roster file uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ClassTeacher, Parent, ParentLink, Pupil, SchoolClass, Staff


def pupils_by_reference(db: Session, school_id: int) -> dict[str, Pupil]:
    pupils = db.scalars(select(Pupil).where(Pupil.school_id == school_id))
    return {pupil.reference: pupil for pupil in pupils}


def classes_by_name(db: Session, school_id: int) -> dict[str, SchoolClass]:
    classes = db.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))
    return {school_class.name: school_class for school_class in classes}


def parents_by_reference(db: Session, school_id: int) -> dict[str, Parent]:
    parents = db.scalars(select(Parent).where(Parent.school_id == school_id))
    return {parent.reference: parent for parent in parents}


def staff_by_email(db: Session, school_id: int) -> dict[str, Staff]:
    staff = db.scalars(select(Staff).where(Staff.school_id == school_id))
    return {person.email.lower(): person for person in staff}


def links_by_parent(
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


def classes_taught(db: Session, school_id: int) -> dict[int, tuple[str, ...]]:
    taught: dict[int, list[str]] = {}
    for staff_id, name in db.execute(
        select(ClassTeacher.staff_id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == ClassTeacher.class_id)
        .where(SchoolClass.school_id == school_id)
    ):
        taught.setdefault(staff_id, []).append(name)
    return {staff_id: tuple(names) for staff_id, names in taught.items()}
