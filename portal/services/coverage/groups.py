"""Who the figures count: pupils on roll, grouped by year group or class, each against the
outcomes of their own age band; and the shares every figure is made of."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import SQLCoreOperations

from ...content.curriculum import Curriculum
from ...models import Pupil, SchoolClass
from ...years import year_label


@dataclass(frozen=True)
class Share:
    """Pupil-outcome pairs at each level, out of every pair that could be there."""

    possible: int
    taught: int  # taught, secure or not
    secure: int
    planned: int = 0
    """Pairs the scheme of work plans to have taught by the end of each pupil's year group
    (see `planned_outcomes`): the part of `possible` a school following the scheme reaches."""

    @property
    def percent_planned(self) -> int | None:
        return round(100 * self.planned / self.possible) if self.possible else None

    @property
    def percent_secure(self) -> int | None:
        return round(100 * self.secure / self.possible) if self.possible else None

    @property
    def percent_taught(self) -> int | None:
        return round(100 * self.taught / self.possible) if self.possible else None

    def __add__(self, other: Share) -> Share:
        return Share(
            self.possible + other.possible,
            self.taught + other.taught,
            self.secure + other.secure,
            self.planned + other.planned,
        )


NOTHING = Share(0, 0, 0)


@dataclass(frozen=True)
class Column:
    """A heatmap column: a year group or a class."""

    kind: str  # "year" or "class"
    id: int
    name: str
    pupils: int


def band_of(curriculum: Curriculum, year_group: SQLCoreOperations[int]) -> ColumnElement[Any]:
    """SQL: the age band of a year group column."""
    return case(
        *[(year_group.in_(band.year_groups), band.id) for band in curriculum.bands],
        else_=literal(None, String),
    )


def column_of(by: str) -> InstrumentedAttribute[int] | InstrumentedAttribute[int | None]:
    return Pupil.year_group if by == "year" else Pupil.class_id


def on_roll(school_id: int, by: str) -> list[ColumnElement[bool]]:
    conditions = [Pupil.school_id == school_id, Pupil.left_at.is_(None)]
    if by == "class":
        conditions.append(Pupil.class_id.is_not(None))
    return conditions


def find_column(db: Session, school_id: int, by: str, column_id: int) -> Column | None:
    """One year group or class of this school, with its pupils on roll; None if not found."""
    if by == "class":
        school_class = db.get(SchoolClass, column_id)
        if school_class is None or school_class.school_id != school_id:
            return None
        name = school_class.name
    else:
        name = year_label(column_id)
    pupils = db.scalars(
        select(func.count()).where(*on_roll(school_id, by), column_of(by) == column_id)
    ).one()
    if by == "year" and not pupils:
        return None
    return Column(by, column_id, name, pupils)
