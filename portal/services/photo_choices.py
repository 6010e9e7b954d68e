"""Saving where a school may use a child's photo, as one unit of work: a parent's or carer's
answers for their children, or a pupil's own view from Year 8. Each answer that changed is a
new record (services/consents.py); nothing earlier changes. Staff looking the answers up is a
unit of work too: each look-up is logged against the pupils it shows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Parent, Pupil, Staff
from . import audit
from .consents import find_pupils, set_choices, set_own_choices


def save_for_children(
    db: Session, parent: Parent, answers: list[tuple[Pupil, dict[str, bool]]]
) -> int:
    """Record and commit what changed for each child; how many answers changed."""
    changed = sum(set_choices(db, parent, child, given) for child, given in answers)
    db.commit()
    return changed


def save_own(db: Session, pupil: Pupil, answers: dict[str, bool]) -> int:
    """Record and commit what changed in a pupil's own view; how many answers changed."""
    changed = set_own_choices(db, pupil, answers)
    db.commit()
    return changed


def look_up(db: Session, by: Staff, name: str, class_id: int | None) -> list[Pupil]:
    """The pupils `by` looked up (by name, or a whole class), with the look-up logged against
    them: one unit of work that commits the log."""
    pupils = find_pupils(db, by.school_id, name, class_id)
    audit.record(
        db,
        "photo-permissions-viewed",
        school_id=by.school_id,
        actor=by,
        pupils=[pupil.id for pupil in pupils],
    )
    db.commit()
    return pupils
