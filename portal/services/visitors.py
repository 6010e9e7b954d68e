"""Visitors, volunteers and governors: added by the ICT lead or an admin, and marked as left
when they stop coming in.

Someone marked as left keeps every agreement record, but no longer counts in the school's
figures (they are not "Not signed"); pressing it by mistake is undone in one step. Adding,
marking as left and undoing it are each one unit of work, with its audit event, that commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import LEADS, Staff, Visitor, VisitorKind
from . import audit


def may_manage(staff: Staff) -> bool:
    """Who adds visitors may also mark them as left."""
    return staff.role in LEADS


def add(
    db: Session, staff: Staff, name: str, kind: str, organisation: str | None = None
) -> Visitor:
    if kind not in set(VisitorKind):
        raise ValueError(f"a visitor's kind is one of {', '.join(VisitorKind)}")
    visitor = Visitor(
        school_id=staff.school_id,
        name=name,
        kind=kind,
        organisation=organisation,
        added_by=staff.id,
    )
    db.add(visitor)
    db.flush()
    audit.record(db, "visitor-added", school_id=staff.school_id, actor=staff, subject=visitor)
    db.commit()
    return visitor


def mark_left(db: Session, staff: Staff, visitor: Visitor, now: dt.datetime | None = None) -> bool:
    """Whether this marked them as left (someone already marked keeps their first date);
    committed when it did."""
    if visitor.left_at is not None:
        return False
    visitor.left_at = now or utcnow()
    audit.record(db, "visitor-left", school_id=visitor.school_id, actor=staff, subject=visitor)
    db.commit()
    return True


def mark_back(db: Session, staff: Staff, visitor: Visitor) -> bool:
    """Undo `mark_left`; whether they had been marked. Committed when they had."""
    if visitor.left_at is None:
        return False
    left_on = visitor.left_at
    visitor.left_at = None
    audit.record(
        db,
        "visitor-left-undone",
        school_id=visitor.school_id,
        actor=staff,
        subject=visitor,
        left_at=left_on.isoformat(),
    )
    db.commit()
    return True


@dataclass(frozen=True)
class Listed:
    here: list[Visitor]
    left: list[Visitor]  # newest first


def listed(db: Session, school_id: int) -> Listed:
    people = list(
        db.scalars(
            select(Visitor)
            .where(Visitor.school_id == school_id)
            .order_by(Visitor.kind, Visitor.name, Visitor.id)
        )
    )
    left = sorted((v for v in people if v.left_at is not None), key=attrgetter("left_at"))
    return Listed([v for v in people if v.left_at is None], left[::-1])
