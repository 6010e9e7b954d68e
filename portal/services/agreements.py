"""Who must sign which policy version, and what is still to do.

The rules, from each policy's `accepted_by` and `renew`:

- a pupil aged 4 to 7 (Reception to Year 2): a parent or carer accepts for them;
- a pupil aged 7 to 11 (Years 3 to 6) signs the child version and a parent or carer
  countersigns: the agreement is complete only with both;
- pupils aged 11 and over (Years 7 to 13) sign for themselves; parents and carers, staff,
  visitors and volunteers, and governors sign their own;
- an agreement counts for the version in force today, so a new published version makes it
  pending again (`new-version`), unless that version is a minor amendment: then agreements to
  the version it amends (back through consecutive minor amendments) still count; and, for a
  policy renewed each school year (`school-year`), only an agreement made since the last
  1 September counts;
- the policy a pupil signs follows their year group, so moving up a band (Year 2 to Year 3)
  brings the new band's policy.

Whether each person has signed is worked out in SQL (`status_column`), by one expression used
for one family's page and for a whole school's counts alike. Lessons never wait for any of
this: an agreement is an acknowledgement of rules, not the basis for teaching.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import AliasedClass
from sqlalchemy.sql import functions

from ..content.calendar import school_year_start, utc_midnight
from ..content.policies import AcceptedBy, Policy, PolicyVersion
from ..models import (
    Acceptance,
    Parent,
    ParentLink,
    Person,
    PersonKind,
    Principal,
    Pupil,
    SchoolClass,
    Staff,
    Visitor,
    VisitorKind,
)
from ..years import AGE_BANDS
from .catalogue import Catalogue, CatalogueVersion

# The part of an agreement a record fulfils (Acceptance.acting_as).
SELF = "self"
PARENT = "parent"  # a parent or carer accepting for a child aged 4 to 7
COUNTERSIGN = "countersign"  # a parent or carer countersigning for a child aged 7 to 11
ACCEPT, WITHDRAW, DECLINE = "accept", "withdraw", "decline"
# When two carers disagree about a child's part (one agreed, the other declined or withdrew):
# "agreed-stands" keeps the agreement that was given; "no-stands" lets the newer no win.
CARERS_RULES = ("agreed-stands", "no-stands")

STATUSES = {
    "signed": "Signed",
    "countersigned": "Signed and countersigned",
    "awaiting-parent": "Pupil signed; waiting for a parent or carer",
    "awaiting-pupil": "Parent or carer signed; waiting for the pupil",
    "older": "Signed an earlier version",
    "declined": "Declined",
    "pending": "Not signed",
}
COMPLETE = ("signed", "countersigned")


@dataclass(frozen=True)
class Audience:
    """One `accepted_by` value: whose agreement it is, and the parts that complete it."""

    key: AcceptedBy
    subject: PersonKind
    parts: tuple[str, ...]
    years: tuple[int, ...] = ()
    kinds: tuple[VisitorKind, ...] = ()


AUDIENCES = {
    AcceptedBy.PUPILS_4_7: Audience(
        AcceptedBy.PUPILS_4_7, PersonKind.PUPIL, (PARENT,), years=tuple(AGE_BANDS["4-7"])
    ),
    AcceptedBy.PUPILS_7_11: Audience(
        AcceptedBy.PUPILS_7_11,
        PersonKind.PUPIL,
        (SELF, COUNTERSIGN),
        years=tuple(AGE_BANDS["7-11"]),
    ),
    AcceptedBy.PUPILS_11_PLUS: Audience(
        AcceptedBy.PUPILS_11_PLUS,
        PersonKind.PUPIL,
        (SELF,),
        years=tuple(AGE_BANDS["11-14"]) + tuple(AGE_BANDS["14-18"]),
    ),
    AcceptedBy.PARENTS: Audience(AcceptedBy.PARENTS, PersonKind.PARENT, (SELF,)),
    AcceptedBy.STAFF: Audience(AcceptedBy.STAFF, PersonKind.STAFF, (SELF,)),
    AcceptedBy.VISITORS: Audience(
        AcceptedBy.VISITORS,
        PersonKind.VISITOR,
        (SELF,),
        kinds=(VisitorKind.VISITOR, VisitorKind.VOLUNTEER),
    ),
    AcceptedBy.GOVERNORS: Audience(
        AcceptedBy.GOVERNORS, PersonKind.VISITOR, (SELF,), kinds=(VisitorKind.GOVERNOR,)
    ),
}


# --- Rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A policy, one audience that must accept it, and which agreements count today."""

    policy: Policy
    audience: Audience
    in_force: CatalogueVersion  # the version agreements made today are to
    counted_ids: tuple[int, ...]  # agreements to these versions count
    all_ids: tuple[int, ...]  # every recorded version of the policy
    since: dt.datetime | None  # agreements before this (UTC) are from an earlier school year
    versions_by_id: dict[int, PolicyVersion] = field(compare=False, hash=False)
    carers: str = "agreed-stands"  # one of CARERS_RULES

    @property
    def current(self) -> PolicyVersion:
        return self.in_force.version

    @property
    def current_id(self) -> int:
        return self.in_force.record_id

    @property
    def parts(self) -> tuple[str, ...]:
        return self.audience.parts

    @property
    def two_part(self) -> bool:
        return len(self.audience.parts) == 2

    def applies_to(self, subject: Person) -> bool:
        if subject.person_kind != self.audience.subject:
            return False
        if self.audience.years:
            return isinstance(subject, Pupil) and subject.year_group in self.audience.years
        if self.audience.kinds:
            return isinstance(subject, Visitor) and subject.kind in self.audience.kinds
        return True


def rules(catalogue: Catalogue, as_of: dt.date, carers: str = "agreed-stands") -> list[Rule]:
    """Every (policy, audience) that needs agreeing to on this day, in the policies' order;
    `carers` is the school's rule for two carers who disagree (CARERS_RULES)."""
    if carers not in CARERS_RULES:
        raise ValueError(f"the rule for carers who disagree must be one of {CARERS_RULES}")
    found = []
    for policy in catalogue.content.policies:
        current = policy.current(as_of)
        if current is None or not policy.accepted_by:
            continue
        in_force = catalogue.find(policy.slug, current.version)
        by_id = {v.record_id: v.version for v in catalogue.of_policy(policy.slug)}
        if "new-version" in policy.renew:
            counted = (in_force.record_id, *_carried_over(catalogue, policy, current))
        else:
            counted = tuple(i for i, v in by_id.items() if v.effective_from <= as_of)
        since = utc_midnight(school_year_start(as_of)) if "school-year" in policy.renew else None
        for audience_key in policy.accepted_by:
            found.append(
                Rule(
                    policy=policy,
                    audience=AUDIENCES[audience_key],
                    in_force=in_force,
                    counted_ids=counted,
                    all_ids=tuple(sorted(by_id)),
                    since=since,
                    versions_by_id=by_id,
                    carers=carers,
                )
            )
    return found


def _carried_over(catalogue: Catalogue, policy: Policy, current: PolicyVersion) -> tuple[int, ...]:
    """The recorded versions whose agreements still count for `current` because it is a minor
    amendment of them (through consecutive minor amendments, back to the last major version)."""
    return tuple(catalogue.find(policy.slug, v.version).record_id for v in policy.amended(current))


def rules_about(all_rules: list[Rule], subject: Person) -> list[Rule]:
    return [rule for rule in all_rules if rule.applies_to(subject)]


# --- SQL: where each person stands ----------------------------------------------------------

# The agreement records a query reads: the table itself, or an alias of it.
Records = type[Acceptance] | AliasedClass[Acceptance]


def _still_valid(row: Records, carers: str) -> ColumnElement[bool]:
    """Not taken back: no later withdrawal or refusal of the same part of the same version that
    reaches this record. Staff (correcting a record) and the person about whom it is reach
    every record; a carer reaches their own, and every carer's when the newer no stands."""
    later = aliased(Acceptance)
    reaches = or_(
        later.actor_type == PersonKind.STAFF,
        and_(later.actor_type == later.subject_type, later.actor_id == later.subject_id),
        and_(later.actor_type == row.actor_type, later.actor_id == row.actor_id),
    )
    if carers == "no-stands":
        reaches = true()
    return ~exists().where(
        later.subject_type == row.subject_type,
        later.subject_id == row.subject_id,
        later.acting_as == row.acting_as,
        later.policy_version_id == row.policy_version_id,
        later.action.in_((WITHDRAW, DECLINE)),
        later.id > row.id,
        reaches,
    )


def agreed_after(row: Records) -> ColumnElement[bool]:
    """SQL: someone agreed to the same part of the same version after this record."""
    later = aliased(Acceptance)
    return exists().where(
        later.subject_type == row.subject_type,
        later.subject_id == row.subject_id,
        later.acting_as == row.acting_as,
        later.policy_version_id == row.policy_version_id,
        later.action == ACCEPT,
        later.id > row.id,
    )


def _not_superseded(row: Records) -> ColumnElement[bool]:
    """A refusal stands until someone agrees to the same part of the same version after it."""
    return ~agreed_after(row)


@lru_cache(maxsize=256)
def agreement_state(rule: Rule, school_id: int) -> CTE:
    """SQL, one pass over the school's records of this policy: for each person with any,
    which parts are done (for a version and a time that count today), whether they ever
    agreed to a version of it, and when they last did. Built once for each rule and school
    (it is the same SQL each time, and took longer to build than a small school's to run)."""
    row = aliased(Acceptance)
    records = (
        select(
            row.subject_id,
            row.acting_as,
            row.policy_version_id,
            row.created_at,
            row.action,
            row.id,
            case((and_(row.action == ACCEPT, _still_valid(row, rule.carers)), 1), else_=0).label(
                "agreed"
            ),
            case((and_(row.action == DECLINE, _not_superseded(row)), 1), else_=0).label("refused"),
        )
        .where(
            row.school_id == school_id,
            row.subject_type == rule.audience.subject,
            row.policy_version_id.in_(rule.all_ids),
        )
        .subquery()
    )
    agreed = records.c.agreed == 1
    counts_now = [agreed, records.c.policy_version_id.in_(rule.counted_ids)]
    if rule.since is not None:
        counts_now.append(records.c.created_at >= rule.since)
    done = [
        func.max(case((and_(*counts_now, records.c.acting_as == part), 1), else_=0)).label(
            f"done_{part}"
        )
        for part in rule.parts
    ]
    refusal_counts = [records.c.refused == 1, *counts_now[1:]]
    declined = [
        func.max(case((and_(*refusal_counts, records.c.acting_as == part), 1), else_=0)).label(
            f"declined_{part}"
        )
        for part in rule.parts
    ]
    return (
        select(
            records.c.subject_id.label("subject_id"),
            *done,
            *declined,
            # The newest record that counts: who made it, and how, is shown beside the status.
            func.max(records.c.id)
            .filter(or_(and_(*counts_now), and_(*refusal_counts)))
            .label("counting_id"),
            # The newest agreement to any version: which version each person is on.
            func.max(records.c.id)
            .filter(agreed, records.c.acting_as.in_(rule.parts))
            .label("agreed_id"),
            func.max(case((and_(agreed, records.c.acting_as.in_(rule.parts)), 1), else_=0)).label(
                "before"
            ),
            func.max(records.c.created_at).filter(records.c.action == ACCEPT).label("last_signed"),
        )
        .group_by(records.c.subject_id)
        # Named for the rule, so one query can hold the states of several agreements.
        .cte(re.sub(r"\W", "_", f"state_{rule.policy.slug}_{rule.audience.key}"))
        # Worked out once, whatever PostgreSQL guesses about the table's size.
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def _status(rule: Rule, state: CTE) -> ColumnElement[str]:
    """SQL: one of STATUSES, from a person's row of `agreement_state` (or none: pending)."""

    def done(part: str) -> ColumnElement[bool]:
        return func.coalesce(state.c[f"done_{part}"], 0) == 1

    before = func.coalesce(state.c.before, 0) == 1
    declined = or_(
        *[
            and_(func.coalesce(state.c[f"declined_{part}"], 0) == 1, ~done(part))
            for part in rule.parts
        ]
    )
    if rule.two_part:
        pupil, parent = done(SELF), done(COUNTERSIGN)
        return case(
            (declined, "declined"),
            (and_(pupil, parent), "countersigned"),
            (pupil, "awaiting-parent"),
            (parent, "awaiting-pupil"),
            (before, "older"),
            else_="pending",
        )
    return case(
        (declined, "declined"),
        (done(rule.parts[0]), "signed"),
        (before, "older"),
        else_="pending",
    )


def _state_columns(rule: Rule, state: CTE) -> list[ColumnElement[Any]]:
    return [
        _status(rule, state).label("status"),
        state.c.last_signed,
        *[func.coalesce(state.c[f"done_{part}"], 0).label(f"done_{part}") for part in rule.parts],
        *[
            func.coalesce(state.c[f"declined_{part}"], 0).label(f"declined_{part}")
            for part in rule.parts
        ],
    ]


# --- SQL: everyone a rule is about ----------------------------------------------------------


def people(
    rule: Rule,
    school_id: int,
    class_id: int | None = None,
    subject_id: int | BindParameter[int] | None = None,
) -> Select[Any]:
    """One row per person the rule is about (per class, for parents with children in several):
    subject_id, name, sort_name, group_id, group_name, group_order, status, last_signed,
    done_<part> for each part, the newest counting record's `method` and `recorded_by` (the
    member of staff who made it for someone else) and `version_id`, the version of the
    newest agreement they made."""
    if subject_id is None:
        return _everyone_about(rule, school_id, class_id)
    state = agreement_state(rule, school_id)
    return _with_recorder(_people(rule, school_id, state, class_id, subject_id), state)


@lru_cache(maxsize=256)
def _everyone_about(rule: Rule, school_id: int, class_id: int | None) -> Select[Any]:
    """`people` for a whole school or class, built once for each (see `agreement_state`)."""
    state = agreement_state(rule, school_id)
    return _with_recorder(_people(rule, school_id, state, class_id, None), state)


def _with_recorder(query: Select[Any], state: CTE) -> Select[Any]:
    """Add how the counting record was made (`method`) and, when a member of staff made it for
    someone else, their name (`recorded_by`): one join, whatever the number of people."""
    doing, recorder, newest = aliased(Acceptance), aliased(Staff), aliased(Acceptance)
    for_someone_else = and_(
        doing.actor_type == PersonKind.STAFF,
        or_(doing.subject_type != PersonKind.STAFF, doing.subject_id != doing.actor_id),
    )
    return (
        query.add_columns(
            doing.method.label("method"),
            recorder.name.label("recorded_by"),
            newest.policy_version_id.label("version_id"),
        )
        .outerjoin(doing, doing.id == state.c.counting_id)
        .outerjoin(newest, newest.id == state.c.agreed_id)
        .outerjoin(recorder, and_(for_someone_else, recorder.id == doing.actor_id))
    )


def _people(
    rule: Rule,
    school_id: int,
    state: CTE,
    class_id: int | None,
    subject_id: int | BindParameter[int] | None,
) -> Select[Any]:
    audience = rule.audience
    if audience.subject == PersonKind.PUPIL:
        query = (
            select(
                Pupil.id.label("subject_id"),
                (Pupil.first_name + " " + Pupil.last_name).label("name"),
                (Pupil.last_name + " " + Pupil.first_name).label("sort_name"),
                SchoolClass.id.label("group_id"),
                func.coalesce(SchoolClass.name, "No class").label("group_name"),
                func.coalesce(SchoolClass.year_group, 99).label("group_order"),
                *_state_columns(rule, state),
            )
            .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
            .outerjoin(state, state.c.subject_id == Pupil.id)
            .where(
                Pupil.school_id == school_id,
                Pupil.left_at.is_(None),
                Pupil.year_group.in_(audience.years),
            )
        )
        if subject_id is not None:
            query = query.where(Pupil.id == subject_id)
        return query.where(Pupil.class_id == class_id) if class_id else query
    if audience.subject == PersonKind.PARENT:
        query = (
            select(
                Parent.id.label("subject_id"),
                Parent.name.label("name"),
                Parent.name.label("sort_name"),
                SchoolClass.id.label("group_id"),
                func.coalesce(SchoolClass.name, "No class").label("group_name"),
                func.coalesce(SchoolClass.year_group, 99).label("group_order"),
                *_state_columns(rule, state),
            )
            .distinct()
            .join(ParentLink, ParentLink.parent_id == Parent.id)
            .join(Pupil, Pupil.id == ParentLink.pupil_id)
            .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
            .outerjoin(state, state.c.subject_id == Parent.id)
            .where(
                Parent.school_id == school_id,
                Parent.left_at.is_(None),
                Pupil.school_id == school_id,
                Pupil.left_at.is_(None),
            )
        )
        if subject_id is not None:
            query = query.where(Parent.id == subject_id)
        return query.where(Pupil.class_id == class_id) if class_id else query
    if audience.subject == PersonKind.STAFF:
        query = (
            select(
                Staff.id.label("subject_id"),
                Staff.name.label("name"),
                Staff.name.label("sort_name"),
                literal(None, Integer).label("group_id"),
                literal("Staff").label("group_name"),
                literal(0).label("group_order"),
                *_state_columns(rule, state),
            )
            .outerjoin(state, state.c.subject_id == Staff.id)
            .where(Staff.school_id == school_id, Staff.left_at.is_(None))
        )
        return query.where(Staff.id == subject_id) if subject_id is not None else query
    query = (
        select(
            Visitor.id.label("subject_id"),
            Visitor.name.label("name"),
            Visitor.name.label("sort_name"),
            literal(None, Integer).label("group_id"),
            case(
                *[(Visitor.kind == kind, kind.plural) for kind in VisitorKind], else_="Others"
            ).label("group_name"),
            literal(0).label("group_order"),
            *_state_columns(rule, state),
        )
        .outerjoin(state, state.c.subject_id == Visitor.id)
        .where(
            Visitor.school_id == school_id,
            Visitor.left_at.is_(None),
            Visitor.kind.in_(audience.kinds),
        )
    )
    return query.where(Visitor.id == subject_id) if subject_id is not None else query


@dataclass(frozen=True)
class Counts:
    """How many people in a group are in each status, with percentages (of the group)."""

    group_id: int | None
    group_name: str
    total: int
    counts: dict[str, int]
    percents: dict[str, int | None]
    complete: int
    complete_percent: int | None


def _count_columns(rows: Subquery, count: type[functions.count]) -> list[ColumnElement[Any]]:
    total = count()
    columns: list[ColumnElement[Any]] = [total.label("total")]
    for status in STATUSES:
        number = count().filter(rows.c.status == status)
        columns += [
            number.label(f"n_{status}"),
            _percent(number, total).label(f"p_{status}"),
        ]
    complete = count().filter(rows.c.status.in_(COMPLETE))
    columns += [complete.label("n_complete"), _percent(complete, total).label("p_complete")]
    return columns


def _percent(part: ColumnElement[int], whole: ColumnElement[int]) -> ColumnElement[int]:
    return cast(func.round(100.0 * part / func.nullif(whole, 0)), Integer)


def _counts(row: Row[Any], group_id: int | None, group_name: str) -> Counts:
    return Counts(
        group_id=group_id,
        group_name=group_name,
        total=row.total,
        counts={status: getattr(row, f"n_{status}") for status in STATUSES},
        percents={status: getattr(row, f"p_{status}") for status in STATUSES},
        complete=row.n_complete,
        complete_percent=row.p_complete,
    )


def status_counts(
    db: Session, rule: Rule, school_id: int, class_id: int | None = None
) -> tuple[list[Counts], Counts]:
    """Counts and percentages by class (or group), and for everyone: aggregate SQL queries."""
    by_group = db.execute(_by_group_query(rule, school_id, class_id)).all()
    return (
        [_counts(row, row.group_id, row.group_name) for row in by_group],
        status_total(db, rule, school_id, class_id),
    )


def status_total(db: Session, rule: Rule, school_id: int, class_id: int | None = None) -> Counts:
    """Counts and percentages for everyone the rule is about: one aggregate query. A parent
    with children in two classes is counted once."""
    return _counts(db.execute(_total_query(rule, school_id, class_id)).one(), None, "Everyone")


# The school's queries are built once for each rule, school and class, as `agreement_state`:
# building one took longer than running it, and the staff's pages ask for several at a time.


@lru_cache(maxsize=256)
def _by_group_query(rule: Rule, school_id: int, class_id: int | None) -> Select[Any]:
    rows = people(rule, school_id, class_id).subquery()
    return (
        select(rows.c.group_id, rows.c.group_name, *_count_columns(rows, func.count))
        .group_by(rows.c.group_id, rows.c.group_name, rows.c.group_order)
        .order_by(rows.c.group_order, rows.c.group_name)
    )


@lru_cache(maxsize=256)
def _total_query(rule: Rule, school_id: int, class_id: int | None) -> Select[Any]:
    rows = people(rule, school_id, class_id).subquery()
    distinct_rows = select(rows.c.subject_id, rows.c.status).distinct().subquery()
    return select(*_count_columns(distinct_rows, func.count))


@dataclass(frozen=True)
class VersionCount:
    """How many people's newest agreement is to one version. An earlier version is superseded,
    unless the current one amends it in a minor way (`amended_by` then names the minor
    amendments since it, and agreements to it still count)."""

    version_id: int
    version: PolicyVersion
    count: int
    superseded: bool
    amended_by: tuple[PolicyVersion, ...] = ()


def amended_by(rule: Rule) -> dict[int, tuple[PolicyVersion, ...]]:
    """For each earlier version whose agreements still count because the current version is a
    minor amendment of it: the minor amendments since it, oldest first."""
    chain = [rule.current, *rule.policy.amended(rule.current)]
    ids = {version.version: version_id for version_id, version in rule.versions_by_id.items()}
    return {
        ids[earlier.version]: tuple(reversed(chain[:position]))
        for position, earlier in enumerate(chain)
        if position and earlier.version in ids and ids[earlier.version] in rule.counted_ids
    }


def version_counts(
    db: Session, rule: Rule, school_id: int, class_id: int | None = None
) -> list[VersionCount]:
    """For each recorded version, newest first, how many people last agreed to it: one
    aggregate query (a parent with children in two classes is counted once)."""
    rows = people(rule, school_id, class_id).subquery()
    each = select(rows.c.subject_id, rows.c.version_id).distinct().subquery()
    counts: dict[int, int] = dict(
        db.execute(
            select(each.c.version_id, func.count())
            .where(each.c.version_id.is_not(None))
            .group_by(each.c.version_id)
        ).all()
    )
    newest_first = sorted(
        rule.versions_by_id.items(), key=lambda item: item[1].sort_key, reverse=True
    )
    still_counting = amended_by(rule)
    return [
        VersionCount(
            version_id,
            version,
            counts.get(version_id, 0),
            version_id != rule.current_id and version_id not in still_counting,
            still_counting.get(version_id, ()),
        )
        for version_id, version in newest_first
        if version.sort_key <= rule.current.sort_key
    ]


def on_superseded(
    db: Session, rule: Rule, school_id: int, class_id: int | None = None
) -> dict[int, list[Any]]:
    """The people whose newest agreement is to a superseded version, by version id (not one the
    current version amends in a minor way: those agreements still count)."""
    rows = people(rule, school_id, class_id).subquery()
    still_counting = [rule.current_id, *amended_by(rule)]
    found: dict[int, list[Any]] = {}
    for row in db.execute(
        select(rows.c.subject_id, rows.c.name, rows.c.version_id)
        .distinct()
        .where(rows.c.version_id.is_not(None), rows.c.version_id.not_in(still_counting))
        .order_by(rows.c.version_id, rows.c.name)
    ):
        found.setdefault(row.version_id, []).append(row)
    return found


def missing(
    db: Session,
    rule: Rule,
    school_id: int,
    class_id: int | None = None,
    status: str | None = None,
) -> list[Row[Any]]:
    """Who has not completed the agreement (or, with `status`, who is in that status)."""
    return list(db.execute(_listing(rule, school_id, class_id, status or MISSING)).all())


def everyone(
    db: Session, rule: Rule, school_id: int, class_id: int | None = None
) -> list[Row[Any]]:
    return list(db.execute(_listing(rule, school_id, class_id, None)).all())


MISSING = "missing"  # `_listing`: everyone whose agreement is not complete


@lru_cache(maxsize=256)
def _listing(rule: Rule, school_id: int, class_id: int | None, status: str | None) -> Select[Any]:
    """People in list order: everyone (`status` None), those not complete (MISSING), or those
    in one status."""
    rows = people(rule, school_id, class_id).subquery()
    query = select(rows)
    if status == MISSING:
        query = query.where(rows.c.status.not_in(COMPLETE))
    elif status is not None:
        query = query.where(rows.c.status == status)
    return query.order_by(rows.c.group_order, rows.c.group_name, rows.c.sort_name)


def parents_of(db: Session, pupil_ids: list[int]) -> dict[int, list[Parent]]:
    """The current parents and carers of each pupil."""
    found: dict[int, list[Parent]] = {pupil_id: [] for pupil_id in pupil_ids}
    if not pupil_ids:
        return found
    for parent, pupil_id in db.execute(
        select(Parent, ParentLink.pupil_id)
        .join(ParentLink, ParentLink.parent_id == Parent.id)
        .where(ParentLink.pupil_id.in_(pupil_ids), Parent.left_at.is_(None))
        .order_by(Parent.name)
    ):
        found[pupil_id].append(parent)
    return found


# --- One person's agreements ----------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of one agreement about one person: done or to do."""

    rule: Rule
    subject: Person
    part: str
    status: str  # the whole agreement's status (STATUSES)
    done_by: Acceptance | None  # the record that did this part, if done
    declined: bool = False  # not done, and a refusal of this part stands

    @property
    def done(self) -> bool:
        return self.done_by is not None

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE

    @property
    def signed_version(self) -> PolicyVersion | None:
        """The version the record that did this part agreed to: the current one, or one it
        amends in a minor way."""
        if self.done_by is None:
            return None
        return self.rule.versions_by_id.get(self.done_by.policy_version_id)


def parts_about(db: Session, all_rules: list[Rule], subject: Person) -> list[Part]:
    """Every part of every agreement about `subject`, done or not: the same SQL as the
    school's counts, for one person."""
    found = []
    subject_type = subject.person_kind
    for rule in rules_about(all_rules, subject):
        row = _person_row(db, rule, subject)
        status = row.status if row is not None else "pending"
        for part in rule.parts:
            is_done = row is not None and bool(row._mapping[f"done_{part}"])
            record = _doing_record(db, rule, part, subject_type, subject.id) if is_done else None
            declined = not is_done and row is not None and bool(row._mapping[f"declined_{part}"])
            found.append(Part(rule, subject, part, status, record, declined))
    return found


def status_of(db: Session, rule: Rule, subject: Person) -> str:
    """Where one person stands with one agreement (one of STATUSES)."""
    row = _person_row(db, rule, subject)
    return row.status if row is not None else "pending"


def _person_row(db: Session, rule: Rule, subject: Person) -> Row[Any] | None:
    """One person's row of `people`, or none."""
    return db.execute(_one_person(rule, subject.school_id), {"subject_id": subject.id}).first()


@lru_cache(maxsize=256)
def _one_person(rule: Rule, school_id: int) -> Select[Any]:
    """`people` for the person given as `subject_id` when it is run. Built once for each rule
    and school: building it took several times longer than running it, and every page a
    person opens asks where they stand."""
    return people(rule, school_id, subject_id=bindparam("subject_id")).limit(1)


def _doing_record(
    db: Session, rule: Rule, part: str, subject_type: str, subject_id: int
) -> Acceptance | None:
    """The newest record that counts for this part (for showing who did it, and when)."""
    query = _newest_counting(rule, part)
    return db.scalar(query, {"subject_type": subject_type, "subject_id": subject_id})


@lru_cache(maxsize=256)
def _newest_counting(rule: Rule, part: str) -> Select[Acceptance]:
    """`_doing_record`'s query, for the person given when it is run (built once, as
    `_one_person`)."""
    row = aliased(Acceptance)
    return (
        select(row)
        .where(
            row.subject_type == bindparam("subject_type"),
            row.subject_id == bindparam("subject_id"),
            row.acting_as == part,
            row.action == ACCEPT,
            row.policy_version_id.in_(rule.counted_ids),
            _still_valid(row, rule.carers),
            *([row.created_at >= rule.since] if rule.since is not None else []),
        )
        .order_by(row.id.desc())
        .limit(1)
    )


def parts_for_parent(db: Session, all_rules: list[Rule], parent: Parent) -> list[Part]:
    """What a parent or carer signs: their own agreement, and their part for each child."""
    from .parents import visible_children

    found = [p for p in parts_about(db, all_rules, parent) if p.part == SELF]
    for child in visible_children(parent):
        found += [p for p in parts_about(db, all_rules, child) if p.part in (PARENT, COUNTERSIGN)]
    return found


def parts_to_sign(db: Session, all_rules: list[Rule], person: Principal) -> list[Part]:
    """The parts this person (pupil, parent or member of staff) has still to sign themselves,
    those they said no to included (they may still agree; see `Part.declined`)."""
    if isinstance(person, Parent):
        found = parts_for_parent(db, all_rules, person)
    else:
        found = [p for p in parts_about(db, all_rules, person) if p.part == SELF]
    return [part for part in found if not part.done]


def last_signed_version(
    db: Session, rule: Rule, actor_type: str, actor_id: int
) -> PolicyVersion | None:
    """The newest version of this policy the person agreed to (for anyone), if not current:
    what "what changed since you signed" compares with."""
    row = db.execute(
        select(Acceptance.policy_version_id)
        .where(
            Acceptance.actor_type == actor_type,
            Acceptance.actor_id == actor_id,
            Acceptance.action == ACCEPT,
            Acceptance.policy_version_id.in_(rule.all_ids),
        )
        .order_by(Acceptance.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    version = rule.versions_by_id.get(row[0])
    if version is None or version.sort_key >= rule.current.sort_key:
        return None
    return version
