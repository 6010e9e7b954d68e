"""Behind a heatmap cell: each outcome of a year group or class with how many pupils are at
each level, and each pupil's level on one outcome."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ...content.curriculum import Curriculum, Outcome
from ...models import OutcomeProgress, Pupil, SchoolClass
from .groups import Column, band_of, column_of, on_roll
from .terms import Period, level_in


@dataclass(frozen=True)
class OutcomeRow:
    outcome: Outcome
    pupils: int
    counts: dict[str, int]  # level -> pupils

    def percent(self, level: str) -> int | None:
        return round(100 * self.counts[level] / self.pupils) if self.pupils else None


def outcome_rows(
    db: Session,
    curriculum: Curriculum,
    school_id: int,
    group: Column,
    strand: str | None,
    period: Period,
) -> list[OutcomeRow]:
    """Each outcome behind a cell (or a whole column), with how many pupils are at each level.
    Pupils are counted against the outcomes of their own age band."""
    band = band_of(curriculum, Pupil.year_group)
    in_group = [*on_roll(school_id, group.kind), column_of(group.kind) == group.id]
    per_band: dict[str | None, int] = dict(
        db.execute(select(band, func.count()).where(*in_group).group_by(band)).all()
    )
    level = level_in(period)
    query = (
        select(
            OutcomeProgress.outcome_id,
            func.count().filter(level == "taught"),
            func.count().filter(level == "secure"),
        )
        .join(Pupil, Pupil.id == OutcomeProgress.pupil_id)
        .where(OutcomeProgress.school_id == school_id, OutcomeProgress.band == band, *in_group)
        .group_by(OutcomeProgress.outcome_id)
    )
    if strand is not None:
        query = query.where(OutcomeProgress.strand == strand)
    done = {outcome_id: (taught, secure) for outcome_id, taught, secure in db.execute(query)}
    rows = []
    for outcome in curriculum.outcomes:
        pupils = per_band.get(outcome.band, 0)
        if not pupils or (strand is not None and outcome.strand != strand):
            continue
        taught, secure = done.get(outcome.id, (0, 0))
        counts = {"not-taught": pupils - taught - secure, "taught": taught, "secure": secure}
        rows.append(OutcomeRow(outcome, pupils, counts))
    return rows


@dataclass(frozen=True)
class PupilLevel:
    pupil_id: int
    name: str
    class_name: str | None
    level: str


def pupil_levels(
    db: Session,
    curriculum: Curriculum,
    school_id: int,
    group: Column,
    outcome: Outcome,
    period: Period,
) -> list[PupilLevel]:
    """The pupils of a year group or class in the outcome's band, each with their level."""
    rows = db.execute(
        select(
            Pupil.id,
            Pupil.first_name,
            Pupil.last_name,
            SchoolClass.name,
            level_in(period),
        )
        .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
        .outerjoin(
            OutcomeProgress,
            and_(
                OutcomeProgress.pupil_id == Pupil.id,
                OutcomeProgress.outcome_id == outcome.id,
            ),
        )
        .where(
            *on_roll(school_id, group.kind),
            column_of(group.kind) == group.id,
            band_of(curriculum, Pupil.year_group) == outcome.band,
        )
        .order_by(Pupil.last_name, Pupil.first_name)
    ).all()
    return [
        PupilLevel(pupil_id, f"{first} {last}", class_name, level)
        for pupil_id, first, last, class_name, level in rows
    ]
