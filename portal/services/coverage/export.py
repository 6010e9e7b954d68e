"""The export: one row per pupil on roll and outcome of their band, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import String, and_, column, select, values
from sqlalchemy.orm import Session

from ...content.curriculum import Curriculum
from ...models import OutcomeProgress, Pupil, SchoolClass
from .groups import band_of
from .terms import Period, level_in


def pupil_outcome_rows(
    db: Session, curriculum: Curriculum, school_id: int, period: Period
) -> Iterator[tuple[Any, ...]]:
    """One row per pupil on roll and outcome of their band, streamed from one query:
    reference, name, year, class, strand, outcome, level, first taught, first secure."""
    outcomes = (
        values(
            column("outcome_id", String),
            column("strand", String),
            column("band", String),
            name="framework_outcome",
        )
        .data([(o.id, o.strand, o.band) for o in curriculum.outcomes])
        .cte("framework_outcome")
    )
    band = band_of(curriculum, Pupil.year_group)
    query = (
        select(
            Pupil.reference,
            Pupil.first_name,
            Pupil.last_name,
            Pupil.year_group,
            SchoolClass.name,
            outcomes.c.strand,
            outcomes.c.outcome_id,
            level_in(period),
            OutcomeProgress.taught_at,
            OutcomeProgress.secured_at,
        )
        .join(outcomes, outcomes.c.band == band)
        .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
        .outerjoin(
            OutcomeProgress,
            and_(
                OutcomeProgress.pupil_id == Pupil.id,
                OutcomeProgress.outcome_id == outcomes.c.outcome_id,
            ),
        )
        .where(Pupil.school_id == school_id, Pupil.left_at.is_(None))
        .order_by(Pupil.year_group, SchoolClass.name, Pupil.last_name, Pupil.first_name, Pupil.id)
    )
    yield from db.execute(query.execution_options(yield_per=2000))
