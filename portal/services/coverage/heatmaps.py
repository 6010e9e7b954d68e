"""The heatmap: strands against year groups or classes, in two aggregate queries for the whole
school, and the gaps it shows (strands and groups below the school's threshold, which the ICT
lead sets)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...content.curriculum import Curriculum, Outcome, Strand
from ...models import OutcomeProgress, Pupil, School, SchoolClass, Staff
from ...years import year_label
from .. import audit
from .groups import NOTHING, Column, Share, band_of, column_of, on_roll
from .terms import Period, level_in


@dataclass(frozen=True)
class Heatmap:
    strands: tuple[Strand, ...]  # in framework order
    columns: list[Column]
    cells: dict[tuple[str, int], Share]  # (strand id, column id) -> share

    def cell(self, strand: str, column_id: int) -> Share:
        return self.cells.get((strand, column_id), NOTHING)

    def strand_total(self, strand: str) -> Share:
        return sum((self.cell(strand, c.id) for c in self.columns), NOTHING)

    def column_total(self, column_id: int) -> Share:
        return sum((self.cell(s.id, column_id) for s in self.strands), NOTHING)

    @property
    def total(self) -> Share:
        return sum((self.strand_total(s.id) for s in self.strands), NOTHING)


def _outcomes_per(curriculum: Curriculum) -> Counter[tuple[str, str | None]]:
    counts: Counter[tuple[str, str | None]] = Counter(
        (outcome.strand, outcome.band) for outcome in curriculum.outcomes
    )
    return counts


def planned_outcomes(curriculum: Curriculum, year_group: int) -> frozenset[str]:
    """The outcomes of their band that the scheme of work plans to have taught to a pupil by
    the end of `year_group`: those of the band's lessons for that year group and the years
    before it in the band, from the same year sequences teachers plan with."""
    band = next((b for b in curriculum.bands if year_group in b.year_groups), None)
    if band is None:
        return frozenset()
    band_outcomes = {o.id for o in curriculum.outcomes if o.band == band.id}
    return frozenset(
        outcome
        for year in band.year_groups
        if year <= year_group
        for lesson in curriculum.year_sequence(year)
        for outcome in lesson.outcomes
        if outcome in band_outcomes
    )


def _planned_per(curriculum: Curriculum, year_group: int) -> Counter[str]:
    strand_of = {o.id: o.strand for o in curriculum.outcomes}
    return Counter(strand_of[o] for o in planned_outcomes(curriculum, year_group))


def heatmap(
    db: Session,
    curriculum: Curriculum,
    school_id: int,
    by: str = "year",
    period: Period | None = None,
) -> Heatmap:
    """Strands against year groups (or classes): two aggregate queries for the whole school."""
    period = period or Period("all", "Everything so far")
    group = column_of(by)
    band = band_of(curriculum, Pupil.year_group)
    pupils = db.execute(
        select(group, Pupil.year_group, func.count())
        .where(*on_roll(school_id, by))
        .group_by(group, Pupil.year_group)
    ).all()
    level = level_in(period)
    done = db.execute(
        select(
            group,
            OutcomeProgress.strand,
            func.count().filter(level != "not-taught"),
            func.count().filter(level == "secure"),
        )
        .join(Pupil, Pupil.id == OutcomeProgress.pupil_id)
        .where(
            OutcomeProgress.school_id == school_id,
            OutcomeProgress.band == band,
            *on_roll(school_id, by),
        )
        .group_by(group, OutcomeProgress.strand)
    ).all()
    outcomes = _outcomes_per(curriculum)
    bands = {year: b.id for b in curriculum.bands for year in b.year_groups}
    possible: Counter[tuple[str, int]] = Counter()
    planned: Counter[tuple[str, int]] = Counter()
    headcount: Counter[int] = Counter()
    for column_id, year_group, count in pupils:
        assert column_id is not None  # on_roll leaves out pupils in no class
        headcount[column_id] += count
        per_strand = _planned_per(curriculum, year_group)
        for strand in curriculum.strands:
            possible[(strand.id, column_id)] += count * outcomes[(strand.id, bands.get(year_group))]
            planned[(strand.id, column_id)] += count * per_strand[strand.id]
    cells = {key: Share(number, 0, 0, planned[key]) for key, number in possible.items()}
    for column_id, strand_id, taught, secure in done:
        assert column_id is not None
        key = (strand_id, column_id)
        cells[key] = Share(possible[key], taught, secure, planned[key])
    return Heatmap(curriculum.strands, _columns(db, school_id, by, headcount), cells)


def _columns(db: Session, school_id: int, by: str, headcount: Counter[int]) -> list[Column]:
    if by == "year":
        return [Column("year", y, year_label(y), headcount[y]) for y in sorted(headcount)]
    classes = db.execute(
        select(SchoolClass.id, SchoolClass.name)
        .where(SchoolClass.school_id == school_id, SchoolClass.id.in_(list(headcount)))
        .order_by(SchoolClass.year_group, SchoolClass.name)
    ).all()
    return [Column("class", i, name, headcount[i]) for i, name in classes]


def untaught_outcomes(curriculum: Curriculum) -> list[Outcome]:
    """Outcomes of the framework that no lesson teaches: the curriculum's own gaps."""
    taught = {outcome for lesson in curriculum.lessons for outcome in lesson.outcomes}
    return [outcome for outcome in curriculum.outcomes if outcome.id not in taught]


@dataclass(frozen=True)
class Gap:
    what: str  # "strand", "year group" or "strand in a year group"
    name: str
    percent_secure: int


def gaps_below(heatmap: Heatmap, threshold: int) -> list[Gap]:
    """Strands, columns and single cells where the share secure is below the threshold."""
    found = []
    for strand in heatmap.strands:
        percent = heatmap.strand_total(strand.id).percent_secure  # None: nothing possible
        if percent is not None and percent < threshold:
            found.append(Gap("strand", strand.name, percent))
    for group in heatmap.columns:
        percent = heatmap.column_total(group.id).percent_secure
        if percent is not None and percent < threshold:
            found.append(Gap(group.kind, group.name, percent))
    return found


def set_threshold(db: Session, school: School, by: Staff, threshold: int) -> None:
    """List as gaps what is below `threshold` percent secure from now on, logged: one unit of
    work that commits."""
    school.coverage_threshold = threshold
    audit.record(db, "coverage-threshold-set", school_id=school.id, actor=by, threshold=threshold)
    db.commit()
