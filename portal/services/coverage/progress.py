"""Keeping `outcome_progress` up to date: one row per pupil and taught outcome, with when it
was first taught and first secure.

`refresh_pupil` and `refresh_school` rebuild the rows from `lesson_done` and `quiz_answer` in one
INSERT ... SELECT, so the same SQL serves a pupil finishing a quiz and a rebuild after the
curriculum changes. A pupil's refresh follows every lesson and quiz they finish, so both
INSERTs are built once, at import, and the curriculum's lessons and outcomes go in as one JSON
parameter, not as SQL: SQLAlchemy compiles each statement once, where a VALUES list in the SQL
(never cached by SQLAlchemy) was compiled again on every call, most of a pupil's answer.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from sqlalchemy import (
    CTE,
    JSON,
    ColumnElement,
    Insert,
    Select,
    Table,
    and_,
    bindparam,
    case,
    column,
    delete,
    func,
    insert,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from ...content.curriculum import Curriculum
from ...models import LessonDone, OutcomeProgress, Pupil, QuizAnswer, QuizAttempt

SECURE_ANSWERS = 2  # right answers on an outcome, in a passed quiz, that make it secure


def _lesson_outcomes() -> CTE:
    """Each lesson's outcomes with their strand and band, and how many right answers in its
    quiz make each secure (0: the quiz asks nothing about it), read from the `lesson_outcomes`
    parameter that `_lesson_outcome_rows` fills."""
    # `json_each` makes rows of JSON on SQLite and PostgreSQL alike, but on PostgreSQL only of
    # an object's members: so the rows are the values of an object, keyed by row number.
    rows = func.json_each(bindparam("lesson_outcomes", type_=JSON)).table_valued(
        column("value", JSON)
    )
    row = rows.c.value
    return select(
        row[0].as_string().label("lesson_id"),
        row[1].as_string().label("outcome_id"),
        row[2].as_string().label("strand"),
        row[3].as_string().label("band"),
        row[4].as_integer().label("needed"),
    ).cte("lesson_outcome")


def _lesson_outcome_rows(
    curriculum: Curriculum, lesson_ids: set[str] | None = None
) -> dict[str, tuple[str, str, str, str, int]]:
    """The value of the `lesson_outcomes` parameter. `lesson_ids` keeps only those lessons:
    a pupil has done a few, and the whole curriculum is hundreds of rows to read each time."""
    by_id = {outcome.id: outcome for outcome in curriculum.outcomes}
    rows: dict[str, tuple[str, str, str, str, int]] = {}
    for lesson in curriculum.lessons:
        if lesson_ids is not None and lesson.id not in lesson_ids:
            continue
        asked = Counter(question.outcome for question in lesson.questions)
        for outcome_id in dict.fromkeys((*lesson.outcomes, *asked)):
            outcome = by_id[outcome_id]
            needed = min(SECURE_ANSWERS, asked[outcome_id])
            rows[str(len(rows))] = (lesson.id, outcome_id, outcome.strand, outcome.band, needed)
    return rows


def _progress_select(
    where_done: ColumnElement[bool], where_answer: ColumnElement[bool]
) -> Select[Any]:
    """Rows for outcome_progress: first time taught and first time secure, per pupil/outcome."""
    links = _lesson_outcomes()
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
        .where(where_done)
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
        .where(QuizAttempt.passed.is_(True), where_answer)
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


def _rebuild_statement(
    done_id: InstrumentedAttribute[int], answer_id: InstrumentedAttribute[int]
) -> Insert:
    """outcome_progress rows for the pupil or school whose id is the `id` parameter."""
    query = _progress_select(done_id == bindparam("id"), answer_id == bindparam("id"))
    columns = ["pupil_id", "outcome_id", "school_id", "strand", "band", "taught_at", "secured_at"]
    # The table, not the mapped class: the ORM would take the parameters for rows to insert.
    return insert(cast(Table, OutcomeProgress.__table__)).from_select(columns, query)


_PUPIL_ROWS = _rebuild_statement(LessonDone.pupil_id, QuizAnswer.pupil_id)
_LOCK_PUPIL = select(Pupil.id).where(Pupil.id == bindparam("id")).with_for_update()
_TOUCHED_LESSONS = union(
    select(LessonDone.lesson_id).where(LessonDone.pupil_id == bindparam("id")),
    select(QuizAnswer.lesson_id).where(QuizAnswer.pupil_id == bindparam("id")),
)
_CLEAR_PUPIL = delete(OutcomeProgress).where(OutcomeProgress.pupil_id == bindparam("id"))
_SCHOOL_ROWS = _rebuild_statement(LessonDone.school_id, QuizAnswer.school_id)


def refresh_pupil(db: Session, curriculum: Curriculum, pupil_id: int) -> None:
    """Work out one pupil's levels again, after they finish a lesson or a quiz."""
    # One pupil's rows are rebuilt by one request at a time (two tabs, two workers).
    db.execute(_LOCK_PUPIL, {"id": pupil_id})
    touched = set(db.scalars(_TOUCHED_LESSONS, {"id": pupil_id}))
    db.execute(_CLEAR_PUPIL, {"id": pupil_id})
    db.execute(
        _PUPIL_ROWS,
        {"id": pupil_id, "lesson_outcomes": _lesson_outcome_rows(curriculum, touched)},
    )


def refresh_school(db: Session, curriculum: Curriculum, school_id: int) -> None:
    """Work out a whole school's levels again, for example after the curriculum changed."""
    db.execute(delete(OutcomeProgress).where(OutcomeProgress.school_id == school_id))
    db.execute(_SCHOOL_ROWS, {"id": school_id, "lesson_outcomes": _lesson_outcome_rows(curriculum)})
