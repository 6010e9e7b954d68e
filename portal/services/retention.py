"""The retention schedule: personal data is kept for a set time, then removed or anonymised.

The periods are settings (`ESAFETY_RETAIN_*`, see settings.py); `esafety retention` applies
them, and `--dry-run` shows what a run would do without changing anything.

- **Learning** (lessons done, quiz attempts and answers, outcome levels) of a pupil who left
  more than `RETAIN_LEARNING_DAYS` ago is deleted. The school's figures do not change: every
  coverage figure counts only pupils on roll, so a leaver's rows count nowhere already.
- **Sign-in** rows (sessions not used for `RETAIN_SIGN_IN_DAYS`, sign-in links and class
  sign-ins that expired that long ago), **sent email** older than `RETAIN_SENT_MAIL_DAYS` (with
  the notes of reminders sent) and **audit events** older than `RETAIN_AUDIT_YEARS` are deleted.
- **People** (pupils, parents and carers, staff, visitors) who left before every period above
  (and `RETAIN_AGREEMENTS_YEARS`) had passed are anonymised: the name becomes "Removed pupil
  123" and the like, the school's reference is replaced, and email addresses, usernames,
  password and picture-password hashes, two-factor keys and letter codes are cleared. Their
  links to children or parents are deleted. The row itself stays, because agreement records
  and photo choices point at it.
- **Agreement records and photo choices are never changed or deleted.** Each school's
  agreement records form a hash chain (services/acceptance.py): removing or editing one would
  break it, and the chain is the school's evidence. They hold ids, the version and its hash,
  and two free-text fields: the name typed when agreeing online or written on a paper slip
  (`signed_name`) and a remark made by staff. Those stay as they are, also after the person
  is anonymised; a run reports how many such records there are, so the school knows. Photo
  choices hold only ids and yes or no.

A run is one transaction, written to the audit log with its counts (one event for each school
touched, and one for the whole run), and running it again at once changes nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, assert_never

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    delete,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import (
    PEOPLE,
    Acceptance,
    AuditEvent,
    ClassSignIn,
    LessonDone,
    LinkToken,
    LoginSession,
    OutboxMessage,
    OutcomeProgress,
    Parent,
    ParentLink,
    Pupil,
    QuizAnswer,
    QuizAttempt,
    ReminderSent,
    School,
    Staff,
    Visitor,
)
from ..models import Person as AnyPerson
from . import people

SETTING_NAMES = {
    "learning_days": "RETAIN_LEARNING_DAYS",
    "agreements_years": "RETAIN_AGREEMENTS_YEARS",
    "sign_in_days": "RETAIN_SIGN_IN_DAYS",
    "sent_mail_days": "RETAIN_SENT_MAIL_DAYS",
    "audit_years": "RETAIN_AUDIT_YEARS",
}

# The tables a run deletes from, in the order it deletes (answers before their attempts).
TABLES = (
    "quiz_answer",
    "quiz_attempt",
    "lesson_done",
    "outcome_progress",
    "login_session",
    "link_token",
    "class_sign_in",
    "outbox_message",
    "reminder_sent",
    "audit_event",
    "parent_link",
)
REMOVED_REFERENCE = "removed-"  # + the row's id: the reference of an anonymised pupil or parent
REMOVED_EMAIL_DOMAIN = "@removed.invalid"  # staff email must stay unique and not empty
ANONYMOUS_NAMES = {
    Parent: "Removed parent or carer",
    Staff: "Removed member of staff",
    Visitor: "Removed visitor",
}


@dataclass(frozen=True)
class Periods:
    """How long each kind of personal data is kept (the ESAFETY_RETAIN_* settings)."""

    learning_days: int = 365
    agreements_years: int = 6
    sign_in_days: int = 30
    sent_mail_days: int = 90
    audit_years: int = 2

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Periods:
        periods = cls(**{name: int(config[setting]) for name, setting in SETTING_NAMES.items()})
        for name, setting in SETTING_NAMES.items():
            if getattr(periods, name) < 0:
                raise ValueError(f"ESAFETY_{setting} cannot be negative")
        return periods

    def describe(self) -> dict[str, int]:
        return {setting: getattr(self, name) for name, setting in SETTING_NAMES.items()}


@dataclass(frozen=True)
class Cutoffs:
    """Rows older than these moments go (UTC, like every time in the database)."""

    learning: dt.datetime  # pupils who left before this: their learning is deleted
    agreements: dt.datetime
    sign_in: dt.datetime
    sent_mail: dt.datetime
    audit: dt.datetime

    @property
    def people(self) -> dt.datetime:
        """People who left before this are past every period, so they are anonymised."""
        return min(self.learning, self.agreements, self.sign_in, self.sent_mail, self.audit)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def cutoffs(periods: Periods, now: dt.datetime) -> Cutoffs:
    return Cutoffs(
        learning=now - dt.timedelta(days=periods.learning_days),
        agreements=years_before(now, periods.agreements_years),
        sign_in=now - dt.timedelta(days=periods.sign_in_days),
        sent_mail=now - dt.timedelta(days=periods.sent_mail_days),
        audit=years_before(now, periods.audit_years),
    )


@dataclass(frozen=True)
class Person:
    """Someone a run anonymises: shown by the dry run, so the school can check the list."""

    kind: str
    id: int
    school_id: int
    name: str
    left_at: dt.datetime


@dataclass
class Plan:
    """What a run removes and anonymises, per school (None: rows that belong to no school)."""

    periods: Periods
    now: dt.datetime
    rows: dict[str, dict[int | None, int]] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    # Agreement records by or about the people anonymised that hold a typed name or a remark:
    # kept unchanged, as the chain needs them.
    named_agreements: dict[int, int] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        return {table: sum(self.rows.get(table, {}).values()) for table in TABLES}

    def anonymised(self, school_id: int | None = None) -> dict[str, int]:
        counts = dict.fromkeys(PEOPLE, 0)
        for person in self.people:
            if school_id is None or person.school_id == school_id:
                counts[person.kind] += 1
        return counts

    def school_ids(self) -> list[int | None]:
        found = {school_id for counts in self.rows.values() for school_id in counts}
        found |= {person.school_id for person in self.people} | set(self.named_agreements)
        return sorted(found, key=lambda school_id: (school_id is None, school_id or 0))

    def rows_of(self, school_id: int | None) -> dict[str, int]:
        return {
            table: self.rows[table][school_id]
            for table in TABLES
            if self.rows.get(table, {}).get(school_id)
        }

    @property
    def empty(self) -> bool:
        return not any(self.totals().values()) and not self.people


# --- Which rows ----------------------------------------------------------------------------


def _gone_pupils(before: dt.datetime) -> Select[Any]:
    return select(Pupil.id).where(Pupil.left_at.is_not(None), Pupil.left_at < before)


def _removed(text: str, model: type[AnyPerson]) -> ColumnElement[str]:
    return literal(text, String) + cast(model.id, String)


def _not_anonymised(model: type[AnyPerson]) -> ColumnElement[bool]:
    """SQL: this person's row has not been anonymised yet."""
    if issubclass(model, Pupil):
        removed = and_(Pupil.first_name == "Removed", Pupil.last_name == _removed("pupil ", Pupil))
        return not_(removed)
    return model.name != _removed(f"{ANONYMOUS_NAMES[model]} ", model)


def _to_anonymise(model: type[AnyPerson], before: dt.datetime) -> Select[Any]:
    return select(model).where(
        model.left_at.is_not(None), model.left_at < before, _not_anonymised(model)
    )


def _deletions(c: Cutoffs) -> dict[str, tuple[Any, Any, Any]]:
    """For each table: (model, school column, where clause) of the rows that go."""
    gone = _gone_pupils(c.learning)
    anonymised_pupils = select(Pupil.id).where(Pupil.left_at.is_not(None), Pupil.left_at < c.people)
    anonymised_parents = select(Parent.id).where(
        Parent.left_at.is_not(None), Parent.left_at < c.people
    )
    return {
        "quiz_answer": (QuizAnswer, QuizAnswer.school_id, QuizAnswer.pupil_id.in_(gone)),
        "quiz_attempt": (QuizAttempt, QuizAttempt.school_id, QuizAttempt.pupil_id.in_(gone)),
        "lesson_done": (LessonDone, LessonDone.school_id, LessonDone.pupil_id.in_(gone)),
        "outcome_progress": (
            OutcomeProgress,
            OutcomeProgress.school_id,
            OutcomeProgress.pupil_id.in_(gone),
        ),
        "login_session": (
            LoginSession,
            LoginSession.school_id,
            LoginSession.last_seen_at < c.sign_in,
        ),
        "link_token": (LinkToken, LinkToken.school_id, LinkToken.expires_at < c.sign_in),
        "class_sign_in": (ClassSignIn, ClassSignIn.school_id, ClassSignIn.expires_at < c.sign_in),
        "outbox_message": (
            OutboxMessage,
            OutboxMessage.school_id,
            and_(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < c.sent_mail),
        ),
        "reminder_sent": (ReminderSent, ReminderSent.school_id, ReminderSent.sent_at < c.sent_mail),
        "audit_event": (AuditEvent, AuditEvent.school_id, AuditEvent.at < c.audit),
        "parent_link": (
            ParentLink,
            Pupil.school_id,
            or_(
                ParentLink.pupil_id.in_(anonymised_pupils),
                ParentLink.parent_id.in_(anonymised_parents),
            ),
        ),
    }


def plan(db: Session, periods: Periods, now: dt.datetime | None = None) -> Plan:
    """What a run would do now; reads only."""
    now = now or utcnow()
    c = cutoffs(periods, now)
    found = Plan(periods=periods, now=now)
    for table, (model, school, where) in _deletions(c).items():
        query = select(school, func.count()).select_from(model).where(where).group_by(school)
        if model is ParentLink:
            query = query.join(Pupil, Pupil.id == ParentLink.pupil_id)
        counts: Iterable[tuple[int | None, int]] = db.execute(query)
        found.rows[table] = {school_id: count for school_id, count in counts if count}
    for kind, model in PEOPLE.items():
        for person in db.scalars(_to_anonymise(model, c.people).order_by(model.id)):
            found.people.append(
                Person(kind, person.id, person.school_id, person.name, person.left_at)
            )
    found.named_agreements = _named_agreements(db, c.people)
    return found


def _named_agreements(db: Session, before: dt.datetime) -> dict[int, int]:
    """Agreement records by or about people past every period, holding free text."""
    about_them = []
    for kind, model in PEOPLE.items():
        ids = select(model.id).where(model.left_at.is_not(None), model.left_at < before)
        about_them += [
            and_(Acceptance.subject_type == kind, Acceptance.subject_id.in_(ids)),
            and_(Acceptance.actor_type == kind, Acceptance.actor_id.in_(ids)),
        ]
    query = (
        select(Acceptance.school_id, func.count())
        .where(
            or_(*about_them),
            or_(Acceptance.signed_name.is_not(None), Acceptance.remark.is_not(None)),
        )
        .group_by(Acceptance.school_id)
    )
    return {school_id: count for school_id, count in db.execute(query) if count}


# --- Doing it -------------------------------------------------------------------------------


def run(db: Session, periods: Periods, now: dt.datetime | None = None) -> Plan:
    """Remove and anonymise what `plan` lists, and log it; the caller commits."""
    now = now or utcnow()
    done = plan(db, periods, now)
    c = cutoffs(periods, now)
    for person in done.people:
        anonymise(people.get_one(db, PEOPLE[person.kind], person.id))
    db.flush()
    for model, _school, where in _deletions(c).values():
        db.execute(delete(model).where(where).execution_options(synchronize_session=False))
    db.expire_all()
    for school_id in done.school_ids():
        if school_id is not None:
            _log(db, now, school_id, _detail(done, school_id))
    _log(
        db,
        now,
        None,
        {
            "removed": done.totals(),
            "anonymised": done.anonymised(),
            "periods": periods.describe(),
        },
    )
    db.flush()
    return done


def _log(db: Session, now: dt.datetime, school_id: int | None, detail: dict[str, Any]) -> None:
    """The run's event, at the moment the run measured its periods from."""
    db.add(AuditEvent(school_id=school_id, at=now, action="retention-run", detail=detail))


def _detail(done: Plan, school_id: int) -> dict[str, Any]:
    return {
        "removed": done.rows_of(school_id),
        "anonymised": done.anonymised(school_id),
        "agreement_records_kept_with_typed_names": done.named_agreements.get(school_id, 0),
        "periods": done.periods.describe(),
    }


def anonymise(person: AnyPerson) -> None:
    """Replace everything that identifies this person; keep the row for the records that point
    at it. Their year group, role or kind and the dates they joined and left stay."""
    if isinstance(person, Pupil):
        person.first_name, person.last_name = "Removed", f"pupil {person.id}"
        person.reference = f"{REMOVED_REFERENCE}{person.id}"
        person.username = person.password_hash = person.picture_password_hash = None
        person.class_id = None
    elif isinstance(person, Parent):
        person.name = f"{ANONYMOUS_NAMES[Parent]} {person.id}"
        person.reference = f"{REMOVED_REFERENCE}{person.id}"
        person.email = person.letter_code_hash = None
    elif isinstance(person, Staff):
        person.name = f"{ANONYMOUS_NAMES[Staff]} {person.id}"
        person.email = f"{REMOVED_REFERENCE}{person.id}{REMOVED_EMAIL_DOMAIN}"
        person.password_hash = person.totp_secret = None
        person.totp_last_step = None
    elif isinstance(person, Visitor):
        person.name = f"{ANONYMOUS_NAMES[Visitor]} {person.id}"
        person.organisation = None
    else:
        assert_never(person)
    if isinstance(person, Pupil | Staff):
        person.failed_attempts, person.locked_until = 0, None


def school_names(db: Session, school_ids: list[int | None]) -> dict[int | None, str]:
    ids = [school_id for school_id in school_ids if school_id is not None]
    names: dict[int | None, str] = {None: "Not linked to a school"}
    if ids:
        names |= {
            school.id: f"{school.name} ({school.slug})"
            for school in db.scalars(select(School).where(School.id.in_(ids)))
        }
    return names
