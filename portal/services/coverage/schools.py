"""A trust's schools side by side: pupils on roll and the share taught and secure in each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...content.curriculum import Curriculum
from ...models import OutcomeProgress, Pupil, School
from .groups import Share, band_of


@dataclass(frozen=True)
class SchoolSummary:
    school_id: int
    name: str
    pupils: int
    share: Share


def trust_summary(db: Session, curriculum: Curriculum) -> list[SchoolSummary]:
    """Every school in the database: pupils on roll and the share taught and secure."""
    band = band_of(curriculum, Pupil.year_group)
    pupils: Sequence[tuple[int, str | None, int]] = db.execute(
        select(Pupil.school_id, band, func.count())
        .where(Pupil.left_at.is_(None))
        .group_by(Pupil.school_id, band)
    ).all()
    done = dict(
        (school_id, (taught, secure))
        for school_id, taught, secure in db.execute(
            select(
                OutcomeProgress.school_id,
                func.count(),
                func.count(OutcomeProgress.secured_at),
            )
            .join(Pupil, Pupil.id == OutcomeProgress.pupil_id)
            .where(Pupil.left_at.is_(None), OutcomeProgress.band == band)
            .group_by(OutcomeProgress.school_id)
        )
    )
    per_band: Counter[str | None] = Counter(outcome.band for outcome in curriculum.outcomes)
    headcount: Counter[int] = Counter()
    possible: Counter[int] = Counter()
    for school_id, band_id, count in pupils:
        headcount[school_id] += count
        possible[school_id] += count * per_band[band_id]
    names = dict(db.execute(select(School.id, School.name)).all())
    return [
        SchoolSummary(
            school_id,
            names[school_id],
            headcount[school_id],
            Share(possible[school_id], *done.get(school_id, (0, 0))),
        )
        for school_id in sorted(headcount, key=lambda i: names[i])
    ]
