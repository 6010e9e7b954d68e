"""Importing: writing a plan, exactly as planned.

Only the records in the plan are written, each to the state the plan gives it, so the preview
and the import cannot disagree. A plan is only ever written in the transaction that made it,
against the records it was made from: a plan kept from earlier is never written blind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...content.calendar import utcnow
from ...models import ClassTeacher, Parent, ParentLink, Principal, Pupil, SchoolClass, Staff
from .. import audit
from ..sessions import end_all_sessions
from .columns import PUPILS
from .plan import Change, ClassState, ParentState, Plan, PupilState, StaffState
from .planning import plan_import
from .reading import Roster
from .records import classes_by_name, parents_by_reference, pupils_by_reference, staff_by_email

OUTDATED = (
    "Something changed since you checked this file, so nothing was imported. "
    "Check the changes again, then import."
)


# A record the roster writes: a class or a person.
R = TypeVar("R", SchoolClass, Pupil, Parent, Staff)


class PlanOutdated(Exception):
    """The records changed after the preview: importing now would not do what it showed."""

    def __init__(self) -> None:
        super().__init__(OUTDATED)


def apply_import(db: Session, school_id: int, roster: Roster, by: Staff | None = None) -> Plan:
    """Plan and write at once (nothing at all if the plan has errors), in the caller's
    transaction: the plan returned is what was written. For the command, which prints that
    plan."""
    plan = plan_import(db, school_id, roster, by)
    if not plan.errors:
        _write(db, school_id, plan, by)
    return plan


def import_previewed(
    db: Session, school_id: int, roster: Roster, previewed: str, by: Staff | None = None
) -> Plan:
    """Write the plan a preview showed, known by its fingerprint `previewed`, as one unit of
    work: commits.

    The plan is made again from the records as they are now. If it is not the one the preview
    showed, nothing is written and PlanOutdated says to check the changes again. Writing the
    old plan instead would be wrong: the file is the school's whole list, so a pupil added in
    the meantime would not be marked as left, and changes made meanwhile would be overwritten
    with values the admin never saw.
    """
    plan = plan_import(db, school_id, roster, by)
    if plan.errors or plan.fingerprint() != previewed:
        raise PlanOutdated
    _write(db, school_id, plan, by)
    db.commit()
    return plan


def _write(db: Session, school_id: int, plan: Plan, by: Staff | None) -> None:
    now = utcnow()
    if plan.kind == PUPILS:
        classes = _write_classes(db, school_id, plan.classes)
        pupils = _write_pupils(db, school_id, plan.pupils, classes, now)
        _write_parents(db, school_id, plan.parents, pupils, now)
    else:
        _write_staff(db, school_id, plan.staff, now)
    audit.record(
        db,
        "roster-imported",
        school_id=school_id,
        actor=by,
        subject=None,  # about many people, not one: the counts are the detail
        file=plan.kind,
        **plan.counts(),
    )


def _write_classes(
    db: Session, school_id: int, changes: tuple[Change[ClassState], ...]
) -> dict[str, SchoolClass]:
    """Every class of the school by name, the plan's added and changed."""
    classes = classes_by_name(db, school_id)
    for change in changes:
        new = partial(SchoolClass, school_id=school_id, name=change.key)
        _found_or_added(db, classes, change.key, new).year_group = change.after.year_group
    db.flush()
    return classes


def _write_pupils(
    db: Session,
    school_id: int,
    changes: tuple[Change[PupilState], ...],
    classes: dict[str, SchoolClass],
    now: dt.datetime,
) -> dict[str, Pupil]:
    """Every pupil of the school by reference, the plan's written."""
    pupils = pupils_by_reference(db, school_id)
    for change in changes:
        after = change.after
        new = partial(Pupil, school_id=school_id, reference=change.key)
        pupil = _found_or_added(db, pupils, change.key, new)
        pupil.first_name, pupil.last_name = after.first_name, after.last_name
        pupil.year_group = after.year_group
        pupil.class_id = classes[after.class_name].id if after.class_name else None
        _set_left(db, pupil, after.left, now)
    db.flush()
    return pupils


def _write_parents(
    db: Session,
    school_id: int,
    changes: tuple[Change[ParentState], ...],
    pupils: dict[str, Pupil],
    now: dt.datetime,
) -> None:
    parents = parents_by_reference(db, school_id)
    for change in changes:
        after = change.after
        new = partial(Parent, school_id=school_id, reference=change.key)
        parent = _found_or_added(db, parents, change.key, new)
        parent.name, parent.email = after.name, after.email
        _set_left(db, parent, after.left, now)
    db.flush()
    for change in changes:
        _write_links(db, parents[change.key], change, pupils)


def _write_links(
    db: Session, parent: Parent, change: Change[ParentState], pupils: dict[str, Pupil]
) -> None:
    """The parent's links to children in the file, from the plan's before to its after."""
    had, wanted = _links_of(change.before), _links_of(change.after)
    if had == wanted:
        return
    current = {}
    if had:
        ids = [pupils[reference].id for reference in had]
        links = db.scalars(
            select(ParentLink).where(
                ParentLink.parent_id == parent.id, ParentLink.pupil_id.in_(ids)
            )
        )
        current = {link.pupil_id: link for link in links}
    for reference in had.keys() - wanted.keys():
        db.delete(current[pupils[reference].id])
    for reference, relationship in wanted.items():
        link = current.get(pupils[reference].id)
        if link is None:
            db.add(
                ParentLink(
                    parent_id=parent.id,
                    pupil_id=pupils[reference].id,
                    relationship_to_pupil=relationship,
                )
            )
        else:
            link.relationship_to_pupil = relationship


def _links_of(state: ParentState | None) -> dict[str, str | None]:
    """pupil reference -> relationship"""
    return {child.reference: child.relationship for child in state.children} if state else {}


def _write_staff(
    db: Session, school_id: int, changes: tuple[Change[StaffState], ...], now: dt.datetime
) -> None:
    staff = staff_by_email(db, school_id)
    classes = classes_by_name(db, school_id)
    for change in changes:
        before, after = change.before, change.after
        new = partial(Staff, school_id=school_id, email=after.email)
        person = _found_or_added(db, staff, change.key, new)
        person.name, person.role = after.name, after.role
        _set_left(db, person, after.left, now)
        if before is None or before.classes != after.classes:
            db.flush()  # a new member of staff needs their id
            db.execute(delete(ClassTeacher).where(ClassTeacher.staff_id == person.id))
            for name in after.classes:
                db.add(ClassTeacher(class_id=classes[name].id, staff_id=person.id))


def _set_left(db: Session, person: Principal, left: bool, now: dt.datetime) -> None:
    """A leaver's record stays, but every session ends at once: they cannot carry on signed in."""
    if not left:
        person.left_at = None
    elif person.left_at is None:
        person.left_at = now
        end_all_sessions(db, person)


def _found_or_added(db: Session, records: dict[str, R], key: str, new: Callable[[], R]) -> R:
    """The record under `key`, else a new one, added to the session and to `records`."""
    if key not in records:
        records[key] = new()
        db.add(records[key])
    return records[key]
