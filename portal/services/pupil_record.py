"""Everything the school holds about one pupil's e-safety work, in one place: lessons, quiz
results per outcome, agreements and photo choices. The page the ICT lead opens and the file
a subject access request is answered with are both made from this."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.curriculum import Curriculum
from ..models import (
    Acceptance,
    LessonDone,
    OutcomeProgress,
    Parent,
    PolicyVersionRecord,
    Pupil,
    QuizAttempt,
    Staff,
)
from . import consents
from .agreements import SUBJECTS

ACTING_AS = {
    "self": "Their own signature",
    "parent": "A parent or carer, for the child",
    "countersign": "A parent's or carer's countersignature",
}


@dataclass(frozen=True)
class LessonLine:
    lesson_id: str
    title: str
    done_at: dt.datetime


@dataclass(frozen=True)
class AttemptLine:
    lesson_id: str
    title: str
    finished_at: dt.datetime | None
    correct: int
    total: int
    passed: bool


@dataclass(frozen=True)
class OutcomeLine:
    outcome_id: str
    strand: str
    statement: str
    level: str
    taught_at: dt.datetime
    secured_at: dt.datetime | None


@dataclass(frozen=True)
class AgreementLine:
    policy: str
    version: str
    content_hash: str
    action: str
    acting_as: str
    actor: str
    method: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PupilRecord:
    pupil: Pupil
    lessons: list[LessonLine]
    attempts: list[AttemptLine]
    outcomes: list[OutcomeLine]
    agreements: list[AgreementLine]
    photo_choices: dict[str, bool | None]

    def as_data(self) -> dict[str, Any]:
        """Plain data for the machine-readable export; times in ISO 8601 (UTC)."""

        def plain(value: Any) -> Any:
            return value.isoformat() + "Z" if isinstance(value, dt.datetime) else value

        def rows(items: list) -> list[dict[str, Any]]:
            return [{k: plain(v) for k, v in vars(item).items()} for item in items]

        pupil = self.pupil
        return {
            "pupil": {
                "reference": pupil.reference,
                "first_name": pupil.first_name,
                "last_name": pupil.last_name,
                "year_group": pupil.year_group,
                "class": pupil.school_class.name if pupil.school_class else None,
            },
            "lessons_done": rows(self.lessons),
            "quiz_attempts": rows(self.attempts),
            "outcomes": rows(self.outcomes),
            "agreements": rows(self.agreements),
            "photo_choices": self.photo_choices,
        }


def pupil_record(db: Session, curriculum: Curriculum, pupil: Pupil) -> PupilRecord:
    """A handful of queries, each for this pupil only."""
    titles = {lesson.id: lesson.title for lesson in curriculum.lessons}
    outcomes = {outcome.id: outcome for outcome in curriculum.outcomes}
    lessons = [
        LessonLine(row.lesson_id, titles.get(row.lesson_id, row.lesson_id), row.done_at)
        for row in db.scalars(
            select(LessonDone).where(LessonDone.pupil_id == pupil.id).order_by(LessonDone.done_at)
        )
    ]
    attempts = [
        AttemptLine(
            row.lesson_id,
            titles.get(row.lesson_id, row.lesson_id),
            row.finished_at,
            row.correct,
            row.total,
            row.passed,
        )
        for row in db.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.finished_at.is_not(None))
            .order_by(QuizAttempt.finished_at)
        )
    ]
    levels = [
        OutcomeLine(
            row.outcome_id,
            row.strand,
            outcomes[row.outcome_id].statement if row.outcome_id in outcomes else "",
            "secure" if row.secured_at else "taught",
            row.taught_at,
            row.secured_at,
        )
        for row in db.scalars(
            select(OutcomeProgress)
            .where(OutcomeProgress.pupil_id == pupil.id)
            .order_by(OutcomeProgress.outcome_id)
        )
    ]
    choices = consents.current(db, [pupil.id])[pupil.id]
    return PupilRecord(
        pupil=pupil,
        lessons=lessons,
        attempts=attempts,
        outcomes=levels,
        agreements=_agreements(db, pupil),
        photo_choices={purpose: c.given if c else None for purpose, c in choices.items()},
    )


def _agreements(db: Session, pupil: Pupil) -> list[AgreementLine]:
    rows = db.execute(
        select(Acceptance, PolicyVersionRecord)
        .join(PolicyVersionRecord, PolicyVersionRecord.id == Acceptance.policy_version_id)
        .where(
            Acceptance.school_id == pupil.school_id,
            Acceptance.subject_type == "pupil",
            Acceptance.subject_id == pupil.id,
        )
        .order_by(Acceptance.id)
    ).all()
    names = _actor_names(db, pupil, [record for record, _ in rows])
    return [
        AgreementLine(
            policy=version.title,
            version=version.version,
            content_hash=record.content_hash,
            action=record.action,
            acting_as=ACTING_AS.get(record.acting_as, record.acting_as),
            actor=names.get((record.actor_type, record.actor_id), "Unknown"),
            method=record.method,
            created_at=record.created_at,
        )
        for record, version in rows
    ]


def _actor_names(db: Session, pupil: Pupil, records: list[Acceptance]) -> dict:
    """Who acted: the pupil, one of their parents or carers, or a member of staff."""
    wanted: dict[str, set[int]] = {}
    for record in records:
        wanted.setdefault(record.actor_type, set()).add(record.actor_id)
    names = {}
    for kind, ids in wanted.items():
        model = SUBJECTS.get(kind)
        if model not in (Pupil, Parent, Staff):
            continue
        for person in db.scalars(
            select(model).where(model.id.in_(ids), model.school_id == pupil.school_id)
        ):
            label = {Pupil: "the pupil", Parent: "parent or carer", Staff: "staff"}[model]
            names[(kind, person.id)] = f"{person.name} ({label})"
    return names
