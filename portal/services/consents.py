"""Parents' and carers' choices about their child's photo: a yes or no for each use.

Each choice is optional and can be changed at any time. A change is a new row; the newest row
for a child and a use is the answer. A use with no answer yet is treated as no.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ImageConsent, Parent, Pupil, SchoolClass
from . import audit

PURPOSES = {
    "website": "On the school website",
    "print": "In printed publications, such as the newsletter and prospectus",
    "display": "In displays in school",
    "platform": "On the school's learning platform",
    "video": "In video, such as recordings of school events",
    "press": "In the local press",
}


@dataclass(frozen=True)
class Choice:
    given: bool
    record: ImageConsent


def current(db: Session, pupil_ids: list[int]) -> dict[int, dict[str, Choice | None]]:
    """Each pupil's newest answer for each use (None: not answered, so no)."""
    found: dict[int, dict[str, Choice | None]] = {
        pupil_id: dict.fromkeys(PURPOSES) for pupil_id in pupil_ids
    }
    if not pupil_ids:
        return found
    newest = (
        select(func.max(ImageConsent.id))
        .where(ImageConsent.pupil_id.in_(pupil_ids))
        .group_by(ImageConsent.pupil_id, ImageConsent.purpose)
    )
    for row in db.scalars(select(ImageConsent).where(ImageConsent.id.in_(newest))):
        if row.purpose in PURPOSES:
            found[row.pupil_id][row.purpose] = Choice(row.given, row)
    return found


def set_choices(db: Session, parent: Parent, pupil: Pupil, answers: dict[str, bool]) -> int:
    """Record the answers that differ from the current ones; how many changed."""
    now = current(db, [pupil.id])[pupil.id]
    changed = 0
    for purpose, given in answers.items():
        if purpose not in PURPOSES:
            raise ValueError(f"unknown photo use {purpose!r}")
        before = now[purpose]
        if before is not None and before.given == given:
            continue
        db.add(
            ImageConsent(
                school_id=pupil.school_id,
                pupil_id=pupil.id,
                purpose=purpose,
                given=given,
                actor_type="parent",
                actor_id=parent.id,
            )
        )
        changed += 1
    if changed:
        audit.record(
            db,
            "photo-choices-changed",
            school_id=pupil.school_id,
            actor=parent,
            subject=pupil,
            changed=changed,
        )
    return changed


def find_pupils(
    db: Session, school_id: int, name: str = "", class_id: int | None = None, limit: int = 200
) -> list[Pupil]:
    """Current pupils whose name contains `name` (any letter case), or all of a class."""
    query = select(Pupil).where(Pupil.school_id == school_id, Pupil.left_at.is_(None))
    words = name.lower().split()
    for word in words:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(
            func.lower(Pupil.first_name).like(pattern) | func.lower(Pupil.last_name).like(pattern)
        )
    if class_id:
        query = query.where(Pupil.class_id == class_id)
    if not words and not class_id:
        return []
    query = query.outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id).order_by(
        Pupil.last_name, Pupil.first_name
    )
    return list(db.scalars(query.limit(limit)))
