"""Saving where a school may use a child's photo, as one unit of work: a parent's or carer's
answers for their children, or a pupil's own view from Year 8. Each answer that changed is a
new record (services/consents.py); nothing earlier changes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Parent, Pupil
from .consents import set_choices, set_own_choices


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
