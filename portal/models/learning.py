"""Lessons set for classes, lessons done, and every quiz answer, kept for per-outcome reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..content.calendar import utcnow
from ..db import Base


class LessonAssignment(Base):
    """A lesson a teacher set for a class (from any age band)."""

    __tablename__ = "lesson_assignment"
    __table_args__ = (UniqueConstraint("class_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    lesson_id: Mapped[str] = mapped_column(String(80))
    set_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LessonDone(Base):
    """A pupil read a lesson to the end: the lesson counts as taught to them."""

    __tablename__ = "lesson_done"
    __table_args__ = (UniqueConstraint("pupil_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    lesson_id: Mapped[str] = mapped_column(String(80))
    done_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class QuizAttempt(Base):
    """One go at a lesson's quiz; passed at 80% or more."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (Index("ix_quiz_attempt_pupil_lesson", "pupil_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    lesson_id: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    option_order: Mapped[dict | None] = mapped_column(JSON)
    """The order each question's options were shown in, chosen when the attempt started:
    {question id: [option numbers as in the quiz file, in the order shown]}. Empty (None) for
    attempts from before options were shuffled, which were shown in the file's order."""


class QuizAnswer(Base):
    """Every answer: who, which question and outcome, what they chose, whether it was right."""

    __tablename__ = "quiz_answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        Index("ix_quiz_answer_school_outcome", "school_id", "outcome_id"),
        Index("ix_quiz_answer_pupil", "pupil_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    lesson_id: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(40))
    outcome_id: Mapped[str] = mapped_column(String(40))
    chosen: Mapped[list] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OutcomeProgress(Base):
    """A pupil's level on one learning outcome, once it has been taught to them.

    Worked out from `lesson_done` and `quiz_answer` by services/coverage/progress.py as pupils
    finish lessons and quizzes, so that reports count these rows instead of every answer.
    """

    __tablename__ = "outcome_progress"
    __table_args__ = (Index("ix_outcome_progress_school_strand", "school_id", "strand", "band"),)

    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True)
    outcome_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    strand: Mapped[str] = mapped_column(String(8))
    band: Mapped[str] = mapped_column(String(8))
    taught_at: Mapped[dt.datetime] = mapped_column(DateTime)
    secured_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
