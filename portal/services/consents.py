"""Choices about a pupil's photo: a yes or no for each use, from a parent and, from Year 8,
from the pupil too.

Each choice is optional and can be changed at any time. A change is a new row; the newest row
for a child, a use and a voice (whose view it is: the parent's or the pupil's own) is the answer.
A use with no answer yet is treated as no.

From Year 8 (pupils aged 12 and over for most of the year; the portal holds year groups, not
dates of birth) a pupil records their own view beside their parents'. The school may then use a
photo only if both said yes: a pupil's no is never overruled by a parent's yes, nor a parent's no
by a pupil's yes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ImageConsent, Parent, PersonKind, Pupil, SchoolClass
from . import audit

# Every use in the school's image consent form, in the order parents read them.
PURPOSES = {
    "website": "On the school website",
    "print": "In printed publications, such as the newsletter and prospectus",
    "display": "In displays in school",
    "external": "In displays outside school, such as an exhibition about the school",
    "platform": "On the school's learning platform",
    "video": "In video, such as recordings of school events and live lessons",
    "press": "In the local or national press and media",
    "social": "On the school's own social media accounts",
}
PARENT, PUPIL = PersonKind.PARENT, PersonKind.PUPIL  # whose view a consent record gives
PUPIL_VIEW_FROM_YEAR = 8


def asks_pupil(pupil: Pupil) -> bool:
    """Whether the pupil gives their own view: Year 8 and above (aged 12 and over)."""
    return pupil.year_group is not None and pupil.year_group >= PUPIL_VIEW_FROM_YEAR


@dataclass(frozen=True)
class Choice:
    given: bool
    record: ImageConsent


@dataclass(frozen=True)
class View:
    """Both answers for one use of one pupil's photo, and whether the school may use it."""

    parent: Choice | None
    pupil: Choice | None
    pupil_asked: bool

    @property
    def allowed(self) -> bool:
        parent_yes = self.parent is not None and self.parent.given
        if not self.pupil_asked:
            return parent_yes
        return parent_yes and self.pupil is not None and self.pupil.given


def current(
    db: Session, pupil_ids: list[int], voice: str = PARENT
) -> dict[int, dict[str, Choice | None]]:
    """Each pupil's newest answer for each use, in one voice (None: not answered, so no)."""
    found: dict[int, dict[str, Choice | None]] = {
        pupil_id: dict.fromkeys(PURPOSES) for pupil_id in pupil_ids
    }
    if not pupil_ids:
        return found
    newest = (
        select(func.max(ImageConsent.id))
        .where(ImageConsent.pupil_id.in_(pupil_ids), ImageConsent.voice == voice)
        .group_by(ImageConsent.pupil_id, ImageConsent.purpose)
    )
    for row in db.scalars(select(ImageConsent).where(ImageConsent.id.in_(newest))):
        if row.purpose in PURPOSES:
            found[row.pupil_id][row.purpose] = Choice(row.given, row)
    return found


def views(db: Session, pupils: list[Pupil]) -> dict[int, dict[str, View]]:
    """For each pupil and use, the parent's answer, the pupil's own and whether it is allowed."""
    ids = [pupil.id for pupil in pupils]
    parent, own = current(db, ids, PARENT), current(db, ids, PUPIL)
    return {
        pupil.id: {
            purpose: View(
                parent=parent[pupil.id][purpose],
                pupil=own[pupil.id][purpose] if asks_pupil(pupil) else None,
                pupil_asked=asks_pupil(pupil),
            )
            for purpose in PURPOSES
        }
        for pupil in pupils
    }


def set_choices(db: Session, parent: Parent, pupil: Pupil, answers: dict[str, bool]) -> int:
    """Record a parent's answers that differ from their current ones; how many changed."""
    return _record(db, pupil, answers, PARENT, parent, "photo-choices-changed")


def set_own_choices(db: Session, pupil: Pupil, answers: dict[str, bool]) -> int:
    """Record a pupil's own view (Year 8 and above); how many answers changed."""
    if not asks_pupil(pupil):
        raise ValueError(f"pupils give their own view from Year {PUPIL_VIEW_FROM_YEAR}")
    return _record(db, pupil, answers, PUPIL, pupil, "photo-own-view-changed")


def _record(
    db: Session,
    pupil: Pupil,
    answers: dict[str, bool],
    voice: str,
    actor: Pupil | Parent,
    event: str,
) -> int:
    now = current(db, [pupil.id], voice)[pupil.id]
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
                voice=voice,
                actor_type=voice,
                actor_id=actor.id,
            )
        )
        changed += 1
    if changed:
        audit.record(
            db,
            event,
            school_id=pupil.school_id,
            actor=actor,
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
