"""What teachers set for a class and what they see of it: the lessons set, each pupil's best
go at a quiz, the questions the class found hardest, and one pupil's every answer.

Setting a class's lessons is one unit of work: it writes the change and its audit event and
commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..content.curriculum import Curriculum, Lesson, Option, Question
from ..models import LessonAssignment, Pupil, QuizAnswer, QuizAttempt, SchoolClass, Staff
from . import audit
from .lessons import shown_options


def set_lessons(db: Session, staff: Staff, school_class: SchoolClass, lesson_ids: set[str]) -> None:
    """Make the class's set lessons exactly `lesson_ids`, logged: one unit of work that
    commits."""
    current = {
        a.lesson_id: a
        for a in db.scalars(
            select(LessonAssignment).where(LessonAssignment.class_id == school_class.id)
        )
    }
    for lesson_id in lesson_ids - current.keys():
        db.add(
            LessonAssignment(
                school_id=school_class.school_id,
                class_id=school_class.id,
                lesson_id=lesson_id,
                set_by=staff.id,
            )
        )
    for lesson_id in current.keys() - lesson_ids:
        db.delete(current[lesson_id])
    audit.record(
        db,
        "lessons-set",
        school_id=school_class.school_id,
        actor=staff,
        class_id=school_class.id,
        lessons=sorted(lesson_ids),
    )
    db.commit()


def use_year_scheme(
    db: Session, curriculum: Curriculum, staff: Staff, school_class: SchoolClass, year: int
) -> list[str]:
    """Set Year `year`'s whole scheme for the class in one step (for a mixed-age class, or
    pupils who need another year's lessons); it replaces the lessons set before. Returns the
    lessons set, in sequence order. One unit of work: `set_lessons` commits it."""
    lesson_ids = [lesson.id for lesson in curriculum.year_sequence(year)]
    set_lessons(db, staff, school_class, set(lesson_ids))
    return lesson_ids


def set_lesson_ids(db: Session, school_class: SchoolClass) -> set[str]:
    return set(
        db.scalars(
            select(LessonAssignment.lesson_id).where(LessonAssignment.class_id == school_class.id)
        )
    )


@dataclass(frozen=True)
class PupilProgress:
    pupil: Pupil
    best: int | None
    total: int | None
    passed: bool

    @property
    def state(self) -> str:
        if self.passed:
            return "Passed"
        return "Tried" if self.best is not None else "Not started"


def class_progress(db: Session, school_class: SchoolClass, lesson: Lesson) -> list[PupilProgress]:
    """Each pupil's best attempt at the lesson's quiz, in one query."""
    best = (
        select(
            QuizAttempt.pupil_id,
            func.max(QuizAttempt.correct).label("best"),
            func.max(QuizAttempt.total).label("total"),
            func.max(case((QuizAttempt.passed, 1), else_=0)).label("passed"),
        )
        .where(QuizAttempt.lesson_id == lesson.id, QuizAttempt.finished_at.is_not(None))
        .group_by(QuizAttempt.pupil_id)
        .subquery()
    )
    rows: Sequence[tuple[Pupil, int | None, int | None, int | None]] = db.execute(
        select(Pupil, best.c.best, best.c.total, best.c.passed)
        .outerjoin(best, best.c.pupil_id == Pupil.id)
        .where(Pupil.class_id == school_class.id, Pupil.left_at.is_(None))
        .order_by(Pupil.last_name, Pupil.first_name)
    ).all()
    return [PupilProgress(pupil, b, t, p == 1) for pupil, b, t, p in rows]


@dataclass(frozen=True)
class QuestionDifficulty:
    question: Question
    answered: int
    right: int

    @property
    def percent_right(self) -> int:
        return round(100 * self.right / self.answered) if self.answered else 0


def hardest_questions(
    db: Session, school_class: SchoolClass, lesson: Lesson
) -> list[QuestionDifficulty]:
    """The lesson's questions, the ones the class got wrong most often first."""
    rows: Iterable[tuple[str, int, int | None]] = db.execute(
        select(
            QuizAnswer.question_id,
            func.count(),
            func.sum(case((QuizAnswer.correct, 1), else_=0)),
        )
        .join(Pupil, Pupil.id == QuizAnswer.pupil_id)
        .where(Pupil.class_id == school_class.id, QuizAnswer.lesson_id == lesson.id)
        .group_by(QuizAnswer.question_id)
    )
    counts = {
        question_id: (int(answered), int(right or 0)) for question_id, answered, right in rows
    }
    stats = [QuestionDifficulty(q, *counts.get(q.id, (0, 0))) for q in lesson.questions]
    return sorted((s for s in stats if s.answered), key=lambda s: s.percent_right)


@dataclass(frozen=True)
class AnsweredQuestion:
    """A question as one pupil met it in one attempt: its options in the order shown."""

    question: Question
    shown: list[tuple[int, Option]]
    answer: QuizAnswer | None


@dataclass(frozen=True)
class AttemptAnswers:
    attempt: QuizAttempt
    questions: list[AnsweredQuestion]


def pupil_attempts(db: Session, pupil: Pupil, lesson: Lesson) -> list[AttemptAnswers]:
    """Each of the pupil's attempts at the lesson's quiz, newest first, with every answer."""
    attempts = list(
        db.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.lesson_id == lesson.id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )
    answers: dict[tuple[int, str], QuizAnswer] = {
        (a.attempt_id, a.question_id): a
        for a in db.scalars(
            select(QuizAnswer).where(QuizAnswer.attempt_id.in_([a.id for a in attempts]))
        )
    }
    return [
        AttemptAnswers(
            attempt,
            [
                AnsweredQuestion(q, shown_options(attempt, q), answers.get((attempt.id, q.id)))
                for q in lesson.questions
            ],
        )
        for attempt in attempts
    ]
