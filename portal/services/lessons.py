"""Lessons and quizzes for pupils (what teachers set and see is in services/teaching.py).

Scores come from stored answers, so every answer (who, which question and outcome, what they
chose, right or not) can later be reported per learning outcome. Each step a pupil takes
(`begin_quiz`, `answer_question`, `finish_quiz`) is one unit of work that commits; the smaller
steps they are made of also build the demo school's history, in the demo's one transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import Executable, bindparam, case, func, select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..content.curriculum import Curriculum, Lesson, Option, Question
from ..db import INSERT_ON_CONFLICT, Base
from ..models import (
    LessonAssignment,
    LessonDone,
    Pupil,
    QuizAnswer,
    QuizAttempt,
)
from . import coverage

PASS_MARK = 0.8
FIXED_ORDER = ("true-false",)
"""Question types whose options keep the file's order: "True" then "False" reads naturally,
and shuffling two options hides nothing."""
_shuffler = random.SystemRandom()

# The statements of a pupil's busiest steps, built once: building a statement and working out
# its cache key costs SQLAlchemy more than SQLite takes to run it.
_SET_FOR_CLASS = select(LessonAssignment.id).where(
    LessonAssignment.class_id == bindparam("class_id"),
    LessonAssignment.lesson_id == bindparam("lesson_id"),
)
_ATTEMPT_WITH_ANSWERS = (
    select(QuizAttempt, QuizAnswer)
    .outerjoin(QuizAnswer, QuizAnswer.attempt_id == QuizAttempt.id)
    .where(QuizAttempt.id == bindparam("attempt_id"), QuizAttempt.pupil_id == bindparam("pupil_id"))
)
_ANSWER = select(QuizAnswer).where(
    QuizAnswer.attempt_id == bindparam("attempt_id"),
    QuizAnswer.question_id == bindparam("question_id"),
)


def _insert_unless_there(
    model: type[Base], fields: tuple[str, ...], keys: list[str]
) -> dict[str, Executable]:
    """By database: an insert of `fields` that stands aside, returning no row, when a row with
    the same `keys` is there already. A double click or two tabs meet the unique constraint,
    not an error, in one statement."""
    return {
        name: insert(model)
        .values({field: bindparam(field) for field in fields})
        .on_conflict_do_nothing(index_elements=keys)
        .returning(model)
        for name, insert in INSERT_ON_CONFLICT.items()
    }


_FIRST_ANSWER = _insert_unless_there(
    QuizAnswer,
    (
        "school_id",
        "attempt_id",
        "pupil_id",
        "lesson_id",
        "question_id",
        "outcome_id",
        "chosen",
        "correct",
    ),
    ["attempt_id", "question_id"],
)
_FIRST_DONE = _insert_unless_there(
    LessonDone, ("school_id", "pupil_id", "lesson_id"), ["pupil_id", "lesson_id"]
)
_RIGHT_ANSWERS = select(func.count()).where(
    QuizAnswer.attempt_id == bindparam("attempt_id"), QuizAnswer.correct.is_(True)
)


@dataclass(frozen=True)
class LessonStatus:
    lesson: Lesson
    set_by_teacher: bool
    done: bool
    passed: bool
    tried: bool
    for_my_year: bool = False

    @property
    def label(self) -> str:
        if self.passed:
            return "Quiz passed"
        if self.tried:
            return "Quiz tried"
        return "Read" if self.done else "New"


def scheme_position(curriculum: Curriculum) -> dict[str, tuple[int, int]]:
    """Each lesson's place in the whole scheme: its (first) year group, then its place in that
    year's sequence. Lists of lessons are shown in this order."""
    position: dict[str, tuple[int, int]] = {}
    for band in curriculum.bands:
        for year in band.year_groups:
            for index, lesson in enumerate(curriculum.year_sequence(year)):
                position.setdefault(lesson.id, (year, index))
    return position


def lessons_for_pupil(db: Session, curriculum: Curriculum, pupil: Pupil) -> list[LessonStatus]:
    """The pupil's band's lessons, plus any their teacher set from another band. Lessons the
    teacher set come first (a whole year's scheme, set in one step, keeps its order), then the
    lessons for the pupil's own year group in sequence, then the rest of the band."""
    set_ids = (
        set(
            db.scalars(
                select(LessonAssignment.lesson_id).where(
                    LessonAssignment.class_id == pupil.class_id
                )
            )
        )
        if pupil.class_id
        else set()
    )
    done = set(db.scalars(select(LessonDone.lesson_id).where(LessonDone.pupil_id == pupil.id)))
    attempts: dict[str, int] = dict(
        db.execute(
            select(QuizAttempt.lesson_id, func.max(case((QuizAttempt.passed, 1), else_=0)))
            .where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.finished_at.is_not(None))
            .group_by(QuizAttempt.lesson_id)
        ).all()
    )
    band = curriculum.band_of_year(pupil.year_group).id
    lessons = [
        lesson for lesson in curriculum.lessons if lesson.band == band or lesson.id in set_ids
    ]
    statuses = [
        LessonStatus(
            lesson,
            lesson.id in set_ids,
            lesson.id in done,
            attempts.get(lesson.id) == 1,
            lesson.id in attempts,
            pupil.year_group in lesson.year_groups,
        )
        for lesson in lessons
    ]
    position = scheme_position(curriculum)
    return sorted(
        statuses,
        key=lambda s: (
            not s.set_by_teacher,
            not s.for_my_year,
            position.get(s.lesson.id, (99, 0)),
            s.lesson.title,
        ),
    )


def may_open(db: Session, curriculum: Curriculum, pupil: Pupil, lesson: Lesson) -> bool:
    if lesson.band == curriculum.band_of_year(pupil.year_group).id:
        return True
    return (
        pupil.class_id is not None
        and db.scalar(_SET_FOR_CLASS, {"class_id": pupil.class_id, "lesson_id": lesson.id})
        is not None
    )


def mark_done(db: Session, curriculum: Curriculum, pupil: Pupil, lesson: Lesson) -> None:
    """Record that the pupil read the lesson to the end (once, however often they read it);
    its outcomes now count as taught to them."""
    done = db.scalar(
        _FIRST_DONE[db.get_bind().dialect.name],
        {"school_id": pupil.school_id, "pupil_id": pupil.id, "lesson_id": lesson.id},
    )
    if done is not None:  # the first time: a repeat read changes nothing
        coverage.refresh_pupil(db, curriculum, pupil.id)


def start_attempt(
    db: Session, pupil: Pupil, lesson: Lesson, shuffle: random.Random | None = None
) -> QuizAttempt:
    """A fresh go at the quiz, with each question's options in an order of its own, kept so
    that a reload (and the teacher) sees the same order."""
    attempt = QuizAttempt(
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        lesson_id=lesson.id,
        total=len(lesson.questions),
        option_order={q.id: shuffled_order(q, shuffle or _shuffler) for q in lesson.questions},
    )
    db.add(attempt)
    db.flush()
    return attempt


def shuffled_order(question: Question, shuffle: random.Random) -> list[int]:
    order = list(range(len(question.options)))
    if question.type not in FIXED_ORDER:
        shuffle.shuffle(order)
    return order


def shown_options(attempt: QuizAttempt, question: Question) -> list[tuple[int, Option]]:
    """The question's options as (number in the quiz file, option), in the order this attempt
    showed them. The number is the option's identity: answers are stored by it. An attempt
    from before shuffling, or a quiz whose options have changed since, shows the file's order."""
    count = len(question.options)
    order = (attempt.option_order or {}).get(question.id)
    if not isinstance(order, list) or sorted(order) != list(range(count)):
        order = list(range(count))
    return [(number, question.options[number]) for number in order]


def attempt_with_answers(
    db: Session, attempt_id: int, pupil_id: int
) -> tuple[QuizAttempt, dict[str, QuizAnswer]] | None:
    """A pupil's own attempt and its answers by question, in one query (a question page needs
    both); None if there is no such attempt of theirs."""
    rows = db.execute(_ATTEMPT_WITH_ANSWERS, {"attempt_id": attempt_id, "pupil_id": pupil_id}).all()
    if not rows:
        return None
    return rows[0][0], {answer.question_id: answer for _, answer in rows if answer is not None}


def answer_for(db: Session, attempt: QuizAttempt, question: Question) -> QuizAnswer | None:
    return db.scalar(_ANSWER, {"attempt_id": attempt.id, "question_id": question.id})


def record_answer(
    db: Session, attempt: QuizAttempt, question: Question, chosen: list[int]
) -> QuizAnswer:
    """Store the first answer to a question in this attempt; a repeat press changes nothing.
    One statement for a first answer: the insert itself stands aside for an earlier one."""
    answer: QuizAnswer | None = db.scalar(
        _FIRST_ANSWER[db.get_bind().dialect.name],
        {
            "school_id": attempt.school_id,
            "attempt_id": attempt.id,
            "pupil_id": attempt.pupil_id,
            "lesson_id": attempt.lesson_id,
            "question_id": question.id,
            "outcome_id": question.outcome,
            "chosen": sorted(chosen),
            "correct": frozenset(chosen) == question.correct_choices,
        },
    )
    if answer is None:
        answer = answer_for(db, attempt, question)
        assert answer is not None  # the earlier answer the insert stood aside for
    return answer


def finish_attempt(db: Session, curriculum: Curriculum, attempt: QuizAttempt) -> QuizAttempt:
    """Score the attempt from its stored answers; passed at 80% or more. A pass can make
    some of the lesson's outcomes secure."""
    if attempt.finished_at is None:
        attempt.correct = db.scalar(_RIGHT_ANSWERS, {"attempt_id": attempt.id}) or 0
        attempt.passed = attempt.correct >= PASS_MARK * attempt.total
        attempt.finished_at = utcnow()
        if attempt.passed:
            db.flush()
            coverage.refresh_pupil(db, curriculum, attempt.pupil_id)
    return attempt


# --- A pupil's steps, each one unit of work ----------------------------------------------------


def begin_quiz(db: Session, curriculum: Curriculum, pupil: Pupil, lesson: Lesson) -> QuizAttempt:
    """Reading to the end counts the lesson as done; then a fresh go at the quiz begins. One
    unit of work: commits."""
    mark_done(db, curriculum, pupil, lesson)
    attempt = start_attempt(db, pupil, lesson)
    db.commit()
    return attempt


def answer_question(
    db: Session, attempt: QuizAttempt, question: Question, chosen: list[int]
) -> QuizAnswer:
    """Store the pupil's answer (the first one stands): one unit of work that commits."""
    answer = record_answer(db, attempt, question, chosen)
    db.commit()
    return answer


def finish_quiz(db: Session, curriculum: Curriculum, attempt: QuizAttempt) -> QuizAttempt:
    """Score the attempt and bring the pupil's coverage up to date: one unit of work that
    commits."""
    finish_attempt(db, curriculum, attempt)
    db.commit()
    return attempt
