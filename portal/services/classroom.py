"""Class sign-in: a teacher opens it on one classroom device for a while, and the children of
that class (Reception to Year 2) sign in there by tapping their name and their pictures.

The device keeps a random token; only its SHA-256 is stored, in a ClassSignIn row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import ClassSignIn, Pupil, SchoolClass, Staff
from . import audit
from .pictures import uses_pictures
from .pupil_accounts import class_pupils
from .tokens import new_token, token_hash


@dataclass(frozen=True)
class OpenClass:
    """A class whose sign-in is open somewhere, as a teacher sees it."""

    school_class: SchoolClass
    devices: int
    until: dt.datetime
    on_this_device: bool


def open_class(
    db: Session,
    school_class: SchoolClass,
    by: Staff,
    lifetime: dt.timedelta,
    replacing: str | None = None,
) -> str:
    """Open class sign-in for `school_class` on one device; returns the token the device keeps.

    `replacing` is the token of a class sign-in already open on the same device, which ends.
    One unit of work: committed before the token is returned, so the device never holds a token
    that was not kept.
    """
    assert uses_pictures(school_class.year_group), "class sign-in is for Reception to Year 2"
    if replacing:
        _close(db, ClassSignIn.token_hash == token_hash(replacing), by)
    token = new_token()
    db.add(
        ClassSignIn(
            token_hash=token_hash(token),
            class_id=school_class.id,
            school_id=school_class.school_id,
            opened_by=by.id,
            expires_at=utcnow() + lifetime,
        )
    )
    audit.record(
        db,
        "class-sign-in-opened",
        school_id=school_class.school_id,
        actor=by,
        class_id=school_class.id,
        hours=round(lifetime.total_seconds() / 3600, 2),
    )
    db.commit()
    return token


def find_open(db: Session, token: str | None) -> ClassSignIn | None:
    """The class sign-in a device's token opens, if it is still open and not expired."""
    if not token:
        return None
    return db.scalar(
        select(ClassSignIn).where(
            ClassSignIn.token_hash == token_hash(token),
            ClassSignIn.closed_at.is_(None),
            ClassSignIn.expires_at > utcnow(),
        )
    )


def the_class(db: Session, opened: ClassSignIn) -> SchoolClass:
    return db.get_one(SchoolClass, opened.class_id)


def pupils(db: Session, opened: ClassSignIn) -> list[Pupil]:
    """The children who can sign in on this device: the class's Reception to Year 2 pupils."""
    return [p for p in class_pupils(db, the_class(db, opened)) if _may_use(p, opened)]


def pupil(db: Session, opened: ClassSignIn, pupil_id: int) -> Pupil | None:
    """A child of the open class, or None for anyone else."""
    found = db.get(Pupil, pupil_id)
    if found is None or found.class_id != opened.class_id or not _may_use(found, opened):
        return None
    return found


def _may_use(pupil: Pupil, opened: ClassSignIn) -> bool:
    return (
        pupil.school_id == opened.school_id
        and pupil.left_at is None
        and uses_pictures(pupil.year_group)
    )


def close_class(db: Session, school_class: SchoolClass, by: Staff) -> int:
    """Close the class's sign-in on every device; how many were open. One unit of work:
    commits."""
    closed = _close(db, ClassSignIn.class_id == school_class.id, by)
    db.commit()
    return closed


def _close(db: Session, which: ColumnElement[bool], by: Staff) -> int:
    now = utcnow()
    open_rows = list(
        db.scalars(
            select(ClassSignIn).where(
                which, ClassSignIn.closed_at.is_(None), ClassSignIn.expires_at > now
            )
        )
    )
    for row in open_rows:
        row.closed_at = now
        audit.record(
            db, "class-sign-in-closed", school_id=row.school_id, actor=by, class_id=row.class_id
        )
    return len(open_rows)


def open_classes(db: Session, school_id: int, this_device: str | None) -> list[OpenClass]:
    """The school's classes with a class sign-in open somewhere, for teachers to see and close."""
    this_hash = token_hash(this_device) if this_device else None
    rows = db.scalars(
        select(ClassSignIn)
        .where(
            ClassSignIn.school_id == school_id,
            ClassSignIn.closed_at.is_(None),
            ClassSignIn.expires_at > utcnow(),
        )
        .order_by(ClassSignIn.class_id)
    )
    by_class: dict[int, list[ClassSignIn]] = {}
    for row in rows:
        by_class.setdefault(row.class_id, []).append(row)
    found = [
        OpenClass(
            school_class=db.get_one(SchoolClass, class_id),
            devices=len(group),
            until=max(row.expires_at for row in group),
            on_this_device=any(row.token_hash == this_hash for row in group),
        )
        for class_id, group in by_class.items()
    ]
    return sorted(found, key=lambda o: (o.school_class.year_group, o.school_class.name))
