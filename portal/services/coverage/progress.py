"""Keeping `outcome_progress` up to date: one row per pupil and taught outcome, with when it
was first taught and first secure.

`refresh_pupil` and `refresh_school` rebuild the rows from `lesson_done` and `quiz_answer` in one
INSERT ... SELECT, so the same SQL serves a pupil finishing a quiz and a rebuild after the
curriculum changes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    column,
    delete,
    func,
    insert,
    null,
    select,
    union,
    union_all,
    values,
)
from sqlalchemy.orm import Session

from ...content.curriculum import Curriculum
from ...models import LessonDone, OutcomeProgress, Pupil, QuizAnswer, QuizAttempt

SECURE_ANSWERS = 2  # right answers on an outcome, in a passed quiz, that make it secure


def _lesson_outcomes(curriculum: Curriculum, lesson_ids: set[str] | None = None) -> CTE:
    """SQL VALUES: each lesson's outcomes with their strand and band, and how many right
    answers in its quiz make each secure (0: the quiz asks nothing about it). `lesson_ids`
    keeps only those lessons: the whole list is hundreds of rows to send with every query."""
    by_id = {outcome.id: outcome for outcome in curriculum.outcomes}
    rows = []
    for lesson in curriculum.lessons:
        if lesson_ids is not None and lesson.id not in lesson_ids:
            continue
        asked = Counter(question.outcome for question in lesson.questions)
        for outcome_id in dict.fromkeys((*lesson.outcomes, *asked)):
            outcome = by_id[outcome_id]
            needed = min(SECURE_ANSWERS, asked[outcome_id])
            rows.append((lesson.id, outcome_id, outcome.strand, outcome.band, needed))
    return (
        values(
            column("lesson_id", String),
            column("outcome_id", String),
            column("strand", String),
            column("band", String),
            column("needed", Integer),
            name="lesson_outcome",
        )
        .data(rows)
        .cte("lesson_outcome")
    )


def _progress_select(
    curriculum: Curriculum,
    *where_done: ColumnElement[bool],
    where_answer: tuple[ColumnElement[bool], ...] = (),
    lesson_ids: set[str] | None = None,
) -> Select[Any]:
    """Rows for outcome_progress: first time taught and first time secure, per pupil/outcome."""
    links = _lesson_outcomes(curriculum, lesson_ids)
    taught = (
        select(
            LessonDone.pupil_id.label("pupil_id"),
            links.c.outcome_id,
            LessonDone.school_id.label("school_id"),
            links.c.strand,
            links.c.band,
            LessonDone.done_at.label("taught_at"),
            null().label("secured_at"),
        )
        .join(links, links.c.lesson_id == LessonDone.lesson_id)
        .where(*where_done)
    )
    # Right answers per passed attempt and outcome, worked out first and kept (MATERIALIZED):
    # left to itself, SQLite with planner statistics starts from the lesson list and scans
    # every attempt in the database, even for one pupil.
    answers = (
        select(
            QuizAttempt.pupil_id,
            QuizAttempt.school_id,
            QuizAttempt.finished_at,
            QuizAnswer.lesson_id,
            QuizAnswer.outcome_id,
            func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0)).label("right"),
        )
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(QuizAttempt.passed.is_(True), *where_answer)
        .group_by(
            QuizAnswer.attempt_id,
            QuizAttempt.pupil_id,
            QuizAttempt.school_id,
            QuizAttempt.finished_at,
            QuizAnswer.lesson_id,
            QuizAnswer.outcome_id,
        )
        .cte("right_answers")
        .prefix_with("MATERIALIZED")
    )
    secured = (
        select(
            answers.c.pupil_id.label("pupil_id"),
            links.c.outcome_id,
            answers.c.school_id.label("school_id"),
            links.c.strand,
            links.c.band,
            answers.c.finished_at.label("taught_at"),
            answers.c.finished_at.label("secured_at"),
        )
        .select_from(answers)
        .join(
            links,
            and_(
                links.c.lesson_id == answers.c.lesson_id,
                links.c.outcome_id == answers.c.outcome_id,
            ),
        )
        .where(links.c.needed > 0, answers.c.right >= links.c.needed)
    )
    both = union_all(taught, secured).subquery()
    return select(
        both.c.pupil_id,
        both.c.outcome_id,
        both.c.school_id,
        both.c.strand,
        both.c.band,
        func.min(both.c.taught_at),
        func.min(both.c.secured_at),
    ).group_by(both.c.pupil_id, both.c.outcome_id, both.c.school_id, both.c.strand, both.c.band)


def _rebuild(
    db: Session,
    curriculum: Curriculum,
    done_filter: ColumnElement[bool],
    answer_filter: ColumnElement[bool],
    progress_filter: ColumnElement[bool],
    lesson_ids: set[str] | None = None,
) -> None:
    db.execute(delete(OutcomeProgress).where(progress_filter))
    columns = ["pupil_id", "outcome_id", "school_id", "strand", "band", "taught_at", "secured_at"]
    query = _progress_select(
        curriculum, done_filter, where_answer=(answer_filter,), lesson_ids=lesson_ids
    )
    db.execute(insert(OutcomeProgress).from_select(columns, query))


def refresh_pupil(db: Session, curriculum: Curriculum, pupil_id: int) -> None:
    """Work out one pupil's levels again, after they finish a lesson or a quiz."""
    # One pupil's rows are rebuilt by one request at a time (two tabs, two workers).
    db.execute(select(Pupil.id).where(Pupil.id == pupil_id).with_for_update())
    touched = set(
        db.scalars(
            union(
                select(LessonDone.lesson_id).where(LessonDone.pupil_id == pupil_id),
                select(QuizAnswer.lesson_id).where(QuizAnswer.pupil_id == pupil_id),
            )
        )
    )
    if not touched:  # nothing done yet: nothing to count, and SQL has no empty VALUES list
        db.execute(delete(OutcomeProgress).where(OutcomeProgress.pupil_id == pupil_id))
        return
    _rebuild(
        db,
        curriculum,
        LessonDone.pupil_id == pupil_id,
        QuizAnswer.pupil_id == pupil_id,
        OutcomeProgress.pupil_id == pupil_id,
        lesson_ids=touched,
    )


def refresh_school(db: Session, curriculum: Curriculum, school_id: int) -> None:
    """Work out a whole school's levels again, for example after the curriculum changed."""
    _rebuild(
        db,
        curriculum,
        LessonDone.school_id == school_id,
        QuizAnswer.school_id == school_id,
        OutcomeProgress.school_id == school_id,
    )
