"""Curriculum coverage: what has been taught and learnt, by strand, year group and class.

A pupil is at one of three levels on each learning outcome of their own age band:

- not taught: they have not finished a lesson that teaches it;
- taught: they have finished such a lesson;
- secure: in a quiz they passed, they answered at least two questions on the outcome
  correctly, or every question on it where the quiz has fewer than two.

`outcome_progress` holds one row per pupil and taught outcome. `refresh` rebuilds a pupil's
rows (or a whole school's) from `lesson_done` and `quiz_answer` in one INSERT ... SELECT, so the
same SQL serves a pupil finishing a quiz and a rebuild after the curriculum changes. Every
figure below is an aggregate query over those rows: the work grows with the number of groups
shown, not with the number of pupils.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    column,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
    values,
)
from sqlalchemy.orm import Session

from ..content.curriculum import Curriculum, Outcome
from ..models import (
    LessonDone,
    OutcomeProgress,
    Pupil,
    QuizAnswer,
    QuizAttempt,
    School,
    SchoolClass,
)
from ..years import year_label
from .agreements import COUNTERSIGN, PARENT, SELF, Rule, agreement_state, school_year_start
from .agreements import _utc_midnight as utc_midnight

LEVELS = {"not-taught": "Not taught", "taught": "Taught", "secure": "Secure"}
SECURE_ANSWERS = 2  # right answers on an outcome, in a passed quiz, that make it secure


# --- Keeping outcome_progress up to date ------------------------------------------------------


def _lesson_outcomes(curriculum: Curriculum, lesson_ids: set[str] | None = None):
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


def _progress_select(curriculum: Curriculum, *where_done, where_answer=(), lesson_ids=None):
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
    done_filter,
    answer_filter,
    progress_filter,
    lesson_ids=None,
):
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


# --- Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Work done from `start` (or ever) until `end` (or now); times in UTC."""

    key: str
    label: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    began: dt.date | None = None  # the first day, as the school's calendar shows it


def _term_start(day: dt.date) -> dt.date:
    """Autumn from 1 September, spring from 1 January, summer from 1 April."""
    if day.month >= 9:
        return dt.date(day.year, 9, 1)
    return dt.date(day.year, 4 if day.month >= 4 else 1, 1)


def periods(today: dt.date) -> dict[str, Period]:
    term = _term_start(today)
    last_term = _term_start(term - dt.timedelta(days=1))
    year = school_year_start(today)
    return {
        period.key: period
        for period in (
            Period("all", "Everything so far"),
            Period(
                "year", f"This school year (from {year:%-d %B %Y})", utc_midnight(year), None, year
            ),
            Period("term", f"This term (from {term:%-d %B %Y})", utc_midnight(term), None, term),
            Period(
                "last-term",
                f"Last term ({last_term:%-d %B} to {term - dt.timedelta(days=1):%-d %B %Y})",
                utc_midnight(last_term),
                utc_midnight(term),
                last_term,
            ),
        )
    }


def until(moment: dt.datetime) -> Period:
    return Period("until", f"Up to {moment:%-d %B %Y}", None, moment)


def _within(period: Period, when) -> object:
    conditions = [when.is_not(None)]
    if period.start is not None:
        conditions.append(when >= period.start)
    if period.end is not None:
        conditions.append(when < period.end)
    return and_(*conditions)


def _level(period: Period):
    """SQL: a pupil's level on an outcome in the period, from their outcome_progress row."""
    return case(
        (_within(period, OutcomeProgress.secured_at), "secure"),
        (_within(period, OutcomeProgress.taught_at), "taught"),
        else_="not-taught",
    )


# --- Figures ----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Heatmap:
    strands: tuple  # Strand objects, in framework order
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


def _band_of(curriculum: Curriculum, year_group):
    """SQL: the age band of a year group column."""
    return case(
        *[(year_group.in_(band.year_groups), band.id) for band in curriculum.bands],
        else_=literal(None, String),
    )


def _outcomes_per(curriculum: Curriculum) -> Counter:
    return Counter((outcome.strand, outcome.band) for outcome in curriculum.outcomes)


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


def _planned_per(curriculum: Curriculum, year_group: int) -> Counter:
    strand_of = {o.id: o.strand for o in curriculum.outcomes}
    return Counter(strand_of[o] for o in planned_outcomes(curriculum, year_group))


def _column_of(by: str):
    return Pupil.year_group if by == "year" else Pupil.class_id


def _on_roll(school_id: int, by: str):
    conditions = [Pupil.school_id == school_id, Pupil.left_at.is_(None)]
    if by == "class":
        conditions.append(Pupil.class_id.is_not(None))
    return conditions


def heatmap(
    db: Session, curriculum: Curriculum, school_id: int, by: str = "year", period: Period = None
) -> Heatmap:
    """Strands against year groups (or classes): two aggregate queries for the whole school."""
    period = period or Period("all", "Everything so far")
    group = _column_of(by)
    band = _band_of(curriculum, Pupil.year_group)
    pupils = db.execute(
        select(group, Pupil.year_group, func.count())
        .where(*_on_roll(school_id, by))
        .group_by(group, Pupil.year_group)
    ).all()
    level = _level(period)
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
            *_on_roll(school_id, by),
        )
        .group_by(group, OutcomeProgress.strand)
    ).all()
    outcomes = _outcomes_per(curriculum)
    bands = {year: b.id for b in curriculum.bands for year in b.year_groups}
    possible: Counter = Counter()
    planned: Counter = Counter()
    headcount: Counter = Counter()
    for column_id, year_group, count in pupils:
        headcount[column_id] += count
        per_strand = _planned_per(curriculum, year_group)
        for strand in curriculum.strands:
            possible[(strand.id, column_id)] += count * outcomes[(strand.id, bands.get(year_group))]
            planned[(strand.id, column_id)] += count * per_strand[strand.id]
    cells = {key: Share(number, 0, 0, planned[key]) for key, number in possible.items()}
    for column_id, strand, taught, secure in done:
        key = (strand, column_id)
        cells[key] = Share(possible[key], taught, secure, planned[key])
    return Heatmap(curriculum.strands, _columns(db, school_id, by, headcount), cells)


def _columns(db: Session, school_id: int, by: str, headcount: Counter) -> list[Column]:
    if by == "year":
        return [Column("year", y, year_label(y), headcount[y]) for y in sorted(headcount)]
    classes = db.execute(
        select(SchoolClass.id, SchoolClass.name)
        .where(SchoolClass.school_id == school_id, SchoolClass.id.in_(list(headcount)))
        .order_by(SchoolClass.year_group, SchoolClass.name)
    ).all()
    return [Column("class", i, name, headcount[i]) for i, name in classes]


def find_column(db: Session, school_id: int, by: str, column_id: int) -> Column | None:
    """One year group or class of this school, with its pupils on roll; None if not found."""
    if by == "class":
        school_class = db.get(SchoolClass, column_id)
        if school_class is None or school_class.school_id != school_id:
            return None
        name = school_class.name
    else:
        name = year_label(column_id)
    pupils = db.scalar(
        select(func.count()).where(*_on_roll(school_id, by), _column_of(by) == column_id)
    )
    if by == "year" and not pupils:
        return None
    return Column(by, column_id, name, pupils)


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
    band = _band_of(curriculum, Pupil.year_group)
    in_group = [*_on_roll(school_id, group.kind), _column_of(group.kind) == group.id]
    per_band = dict(db.execute(select(band, func.count()).where(*in_group).group_by(band)).all())
    level = _level(period)
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
            _level(period),
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
            *_on_roll(school_id, group.kind),
            _column_of(group.kind) == group.id,
            _band_of(curriculum, Pupil.year_group) == outcome.band,
        )
        .order_by(Pupil.last_name, Pupil.first_name)
    ).all()
    return [
        PupilLevel(pupil_id, f"{first} {last}", class_name, level)
        for pupil_id, first, last, class_name, level in rows
    ]


# --- Gaps -------------------------------------------------------------------------------------


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
        share = heatmap.strand_total(strand.id)
        if share.possible and share.percent_secure < threshold:
            found.append(Gap("strand", strand.name, share.percent_secure))
    for group in heatmap.columns:
        share = heatmap.column_total(group.id)
        if share.possible and share.percent_secure < threshold:
            found.append(Gap(group.kind, group.name, share.percent_secure))
    return found


# --- Acceptance beside learning ---------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """For one year group: the share of pupils whose current AUP they, and a parent, signed."""

    year_group: int
    pupils: int
    by_pupil: int | None  # None: their agreement has no part for pupils (or parents)
    by_parent: int | None

    def percent(self, number: int | None) -> int | None:
        if number is None or not self.pupils:
            return None
        return round(100 * number / self.pupils)


def _parts_done(rule: Rule, state, *parts: str):
    """SQL: how many pupils have any of these parts of the rule done (None: not its parts)."""
    flags = [state.c[f"done_{part}"] == 1 for part in parts if part in rule.parts]
    return func.count().filter(or_(*flags)) if flags else literal(None, Integer)


def signed_by_year(db: Session, pupil_rules: Iterable[Rule], school_id: int) -> dict[int, Signed]:
    """One aggregate query per pupil agreement (one per age band)."""
    found = {}
    for rule in pupil_rules:
        state = agreement_state(rule, school_id)
        rows = db.execute(
            select(
                Pupil.year_group,
                func.count(),
                _parts_done(rule, state, SELF),
                _parts_done(rule, state, PARENT, COUNTERSIGN),
            )
            .outerjoin(state, state.c.subject_id == Pupil.id)
            .where(
                Pupil.school_id == school_id,
                Pupil.left_at.is_(None),
                Pupil.year_group.in_(rule.audience.years),
            )
            .group_by(Pupil.year_group)
        ).all()
        for year_group, pupils, by_pupil, by_parent in rows:
            found[year_group] = Signed(year_group, pupils, by_pupil, by_parent)
    return found


def signed_total(rows: Iterable[Signed]) -> tuple[int | None, int | None]:
    """The whole school's percentages signed by pupils and by parents, counting only the
    pupils whose agreement has that part."""

    def percent(part: str) -> int | None:
        counted = [row for row in rows if getattr(row, part) is not None]
        pupils = sum(row.pupils for row in counted)
        return round(100 * sum(getattr(row, part) for row in counted) / pupils) if pupils else None

    rows = list(rows)
    return percent("by_pupil"), percent("by_parent")


# --- A trust's schools ------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolSummary:
    school_id: int
    name: str
    pupils: int
    share: Share


def trust_summary(db: Session, curriculum: Curriculum) -> list[SchoolSummary]:
    """Every school in the database: pupils on roll and the share taught and secure."""
    band = _band_of(curriculum, Pupil.year_group)
    pupils = db.execute(
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
    per_band = Counter(outcome.band for outcome in curriculum.outcomes)
    headcount: Counter = Counter()
    possible: Counter = Counter()
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


# --- Export -----------------------------------------------------------------------------------


def pupil_outcome_rows(
    db: Session, curriculum: Curriculum, school_id: int, period: Period
) -> Iterator[tuple]:
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
    band = _band_of(curriculum, Pupil.year_group)
    query = (
        select(
            Pupil.reference,
            Pupil.first_name,
            Pupil.last_name,
            Pupil.year_group,
            SchoolClass.name,
            outcomes.c.strand,
            outcomes.c.outcome_id,
            _level(period),
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
