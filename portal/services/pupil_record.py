"""Everything the school holds about one pupil, in one place: their details and sign-in
account (never a password or picture hash), their parents and carers, lessons, quiz results per
outcome, agreements, photo choices with every change, and the audit log about them. The page the
ICT lead opens and the file a subject access request is answered with are both made from this.

Nothing about another pupil goes in: people are named only when they are this pupil, one of
their parents or carers, or a member of staff; anyone else is described by their part alone.
The helpers at the end are shared with services/parent_record.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ..content.curriculum import Curriculum
from ..models import (
    PEOPLE,
    Acceptance,
    AuditEvent,
    ImageConsent,
    LessonDone,
    LoginSession,
    OutcomeProgress,
    Parent,
    ParentLink,
    Person,
    PersonKind,
    PolicyVersionRecord,
    Pupil,
    QuizAttempt,
)
from . import consents

ACTING_AS = {
    "self": "Their own signature",
    "parent": "A parent or carer, for the child",
    "countersign": "A parent's or carer's countersignature",
}


@dataclass(frozen=True)
class LessonLine:
    lesson_id: str
    title: str
    done_at: dt.datetime


@dataclass(frozen=True)
class AttemptLine:
    lesson_id: str
    title: str
    finished_at: dt.datetime | None
    correct: int
    total: int
    passed: bool


@dataclass(frozen=True)
class OutcomeLine:
    outcome_id: str
    strand: str
    statement: str
    level: str
    taught_at: dt.datetime
    secured_at: dt.datetime | None


@dataclass(frozen=True)
class AgreementLine:
    policy: str
    version: str
    content_hash: str
    action: str
    acting_as: str
    actor: str
    method: str
    created_at: dt.datetime
    signed_name: str | None = None  # the name typed when agreeing online
    remark: str | None = None  # a note by the member of staff who recorded it


@dataclass(frozen=True)
class AccountLine:
    """Facts about a sign-in account; never a password, picture or two-factor secret."""

    username: str | None
    password_set: bool
    pictures_set: bool
    failed_attempts: int
    paused_until: dt.datetime | None
    added_at: dt.datetime
    left_at: dt.datetime | None


@dataclass(frozen=True)
class ContactLine:
    """A parent or carer linked to the pupil."""

    name: str
    relationship: str | None
    left_at: dt.datetime | None


@dataclass(frozen=True)
class PhotoChoiceLine:
    """One answer about one use of a pupil's photo, as it was given."""

    purpose: str
    given: bool
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class AuditLine:
    at: dt.datetime
    action: str
    what: str
    by: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class SessionLine:
    """A sign-in session still on record (sessions end when people sign out)."""

    started_at: dt.datetime
    last_used_at: dt.datetime


@dataclass(frozen=True)
class PupilRecord:
    pupil: Pupil
    lessons: list[LessonLine]
    attempts: list[AttemptLine]
    outcomes: list[OutcomeLine]
    agreements: list[AgreementLine]
    photo_choices: dict[str, bool | None]
    account: AccountLine | None = None
    parents: list[ContactLine] = dataclasses.field(default_factory=list)
    photo_history: list[PhotoChoiceLine] = dataclasses.field(default_factory=list)
    sessions: list[SessionLine] = dataclasses.field(default_factory=list)
    audit: list[AuditLine] = dataclasses.field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """Plain data for the machine-readable export; times in ISO 8601 (UTC)."""
        pupil = self.pupil
        return {
            "pupil": {
                "reference": pupil.reference,
                "first_name": pupil.first_name,
                "last_name": pupil.last_name,
                "year_group": pupil.year_group,
                "class": pupil.school_class.name if pupil.school_class else None,
            },
            "sign_in_account": plain(self.account),
            "parents_and_carers": rows(self.parents),
            "lessons_done": rows(self.lessons),
            "quiz_attempts": rows(self.attempts),
            "outcomes": rows(self.outcomes),
            "agreements": rows(self.agreements),
            "photo_choices": self.photo_choices,
            "photo_choice_history": rows(self.photo_history),
            "sign_in_sessions": rows(self.sessions),
            "audit_log": rows(self.audit),
        }


def pupil_record(db: Session, curriculum: Curriculum, pupil: Pupil) -> PupilRecord:
    """A few queries, each for this pupil only."""
    titles = {lesson.id: lesson.title for lesson in curriculum.lessons}
    outcomes = {outcome.id: outcome for outcome in curriculum.outcomes}
    lessons = [
        LessonLine(row.lesson_id, titles.get(row.lesson_id, row.lesson_id), row.done_at)
        for row in db.scalars(
            select(LessonDone).where(LessonDone.pupil_id == pupil.id).order_by(LessonDone.done_at)
        )
    ]
    attempts = [
        AttemptLine(
            row.lesson_id,
            titles.get(row.lesson_id, row.lesson_id),
            row.finished_at,
            row.correct,
            row.total,
            row.passed,
        )
        for row in db.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.finished_at.is_not(None))
            .order_by(QuizAttempt.finished_at)
        )
    ]
    levels = [
        OutcomeLine(
            row.outcome_id,
            row.strand,
            outcomes[row.outcome_id].statement if row.outcome_id in outcomes else "",
            "secure" if row.secured_at else "taught",
            row.taught_at,
            row.secured_at,
        )
        for row in db.scalars(
            select(OutcomeProgress)
            .where(OutcomeProgress.pupil_id == pupil.id)
            .order_by(OutcomeProgress.outcome_id)
        )
    ]
    choices = consents.current(db, [pupil.id])[pupil.id]
    links = db.execute(
        select(Parent, ParentLink.relationship_to_pupil)
        .join(ParentLink, ParentLink.parent_id == Parent.id)
        .where(ParentLink.pupil_id == pupil.id, Parent.school_id == pupil.school_id)
        .order_by(Parent.name)
    ).all()
    known = Known(pupil.school_id, pupils={pupil.id: "the pupil"})
    return PupilRecord(
        pupil=pupil,
        lessons=lessons,
        attempts=attempts,
        outcomes=levels,
        agreements=_agreements(db, pupil, known),
        photo_choices={purpose: c.given if c else None for purpose, c in choices.items()},
        account=AccountLine(
            username=pupil.username,
            password_set=pupil.password_hash is not None,
            pictures_set=pupil.picture_password_hash is not None,
            failed_attempts=pupil.failed_attempts or 0,
            paused_until=pupil.locked_until,
            added_at=pupil.created_at,
            left_at=pupil.left_at,
        ),
        parents=[ContactLine(p.name, relationship, p.left_at) for p, relationship in links],
        photo_history=_photo_history(db, pupil, known),
        sessions=session_lines(db, PersonKind.PUPIL, pupil.id),
        audit=audit_lines(db, pupil.school_id, PersonKind.PUPIL, pupil.id, known, also=_lists_seen),
    )


def _photo_history(db: Session, pupil: Pupil, known: Known) -> list[PhotoChoiceLine]:
    choices = list(
        db.scalars(
            select(ImageConsent)
            .where(ImageConsent.pupil_id == pupil.id, ImageConsent.school_id == pupil.school_id)
            .order_by(ImageConsent.id)
        )
    )
    names = known.names(db, [(row.actor_type, row.actor_id) for row in choices])
    return [
        PhotoChoiceLine(
            consents.PURPOSES.get(row.purpose, row.purpose),
            row.given,
            names[(row.actor_type, row.actor_id)],
            row.created_at,
        )
        for row in choices
    ]


# Pages that show several pupils at once, each logged once with the ids of those shown.
LISTS = ("photo-permissions-viewed", "refusals-viewed")


def _lists_seen(db: Session, school_id: int, pupil_id: int) -> list[AuditEvent]:
    """Staff looking at a list of several pupils at once, this one among them: photo
    permissions, or the refusals the safeguarding lead sees."""
    return [
        event
        for event in db.scalars(
            select(AuditEvent).where(
                AuditEvent.school_id == school_id,
                AuditEvent.action.in_(LISTS),
            )
        )
        if pupil_id in (event.detail or {}).get("pupils", [])
    ]


def agreement_records(
    db: Session, school_id: int, who: ColumnElement[bool], known: Known
) -> list[tuple[Acceptance, PolicyVersionRecord, str]]:
    """This school's agreement records matching `who`, oldest first: (record, its version,
    the name of whoever acted)."""
    rows = db.execute(
        select(Acceptance, PolicyVersionRecord)
        .join(PolicyVersionRecord, PolicyVersionRecord.id == Acceptance.policy_version_id)
        .where(Acceptance.school_id == school_id, who)
        .order_by(Acceptance.id)
    ).all()
    names = known.names(db, [(record.actor_type, record.actor_id) for record, _ in rows])
    return [
        (record, version, names[(record.actor_type, record.actor_id)]) for record, version in rows
    ]


def _agreements(db: Session, pupil: Pupil, known: Known) -> list[AgreementLine]:
    about_pupil = (Acceptance.subject_type == PersonKind.PUPIL) & (
        Acceptance.subject_id == pupil.id
    )
    rows = agreement_records(db, pupil.school_id, about_pupil, known)
    return [
        AgreementLine(
            policy=version.title,
            version=version.version,
            content_hash=record.content_hash,
            action=record.action,
            acting_as=ACTING_AS.get(record.acting_as, record.acting_as),
            actor=actor,
            method=record.method,
            created_at=record.created_at,
            signed_name=record.signed_name,
            remark=record.remark,
        )
        for record, version, actor in rows
    ]


# --- Shared with the parent's record --------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON can hold it: times in ISO 8601 (UTC), records as dictionaries."""
    if isinstance(value, dt.datetime):
        return value.isoformat() + "Z"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def rows(items: Iterable[Any]) -> list[Any]:
    return [plain(item) for item in items]


PARTS = {
    PersonKind.PUPIL: "a pupil",
    PersonKind.PARENT: "a parent or carer",
    PersonKind.STAFF: "a member of staff",
}


@dataclass
class Known:
    """Whom a record may name: staff of the school, the parents and carers of the school, and
    only the pupils listed here (the record's own pupil, or a parent's own children), with how
    each is described. Anyone else is described by their part alone, never named."""

    school_id: int
    pupils: dict[int, str] = dataclasses.field(default_factory=dict)
    parents: dict[int, str] | None = None  # None: any parent or carer of the school, by name

    def names(
        self, db: Session, people: Iterable[tuple[str | None, int | None]]
    ) -> dict[tuple[Any, Any], str]:
        wanted: dict[str, set[int]] = {}
        for kind, person_id in people:
            if kind in PEOPLE and person_id is not None:
                wanted.setdefault(kind, set()).add(person_id)
        found: dict[tuple[Any, Any], str] = {}
        for kind, ids in wanted.items():
            model = PEOPLE[kind]
            for person in cast(
                Iterable[Person],
                db.scalars(
                    select(model).where(model.id.in_(ids), model.school_id == self.school_id)
                ),
            ):
                label = self._label(kind, person.id)
                if label is not None:
                    found[(kind, person.id)] = f"{person.name} ({label})"
        return _Names(found)

    def _label(self, kind: str, person_id: int) -> str | None:
        if kind == PersonKind.STAFF:
            return PersonKind.STAFF.label
        if kind == PersonKind.PUPIL:
            return self.pupils.get(person_id)
        if kind == PersonKind.PARENT:
            return PersonKind.PARENT.label if self.parents is None else self.parents.get(person_id)
        return None


class _Names(dict[tuple[Any, Any], str]):
    """Names by (kind, id); anyone not named is described by their part."""

    def __missing__(self, key: tuple[Any, Any]) -> str:
        kind, _ = key
        return PARTS.get(kind, "the portal") if kind else "the portal"


ACTIONS = {
    "signed-in": "Signed in",
    "signed-out": "Signed out",
    "sign-in-failed": "A sign-in was tried with a wrong password, pictures or code",
    "locked-out": "The account was paused after wrong tries",
    "unlocked": "The account was opened again by staff",
    "password-changed": "The password was changed",
    "login-card-made": "A login card was made",
    "sign-in-link-sent": "A sign-in link was emailed",
    "photo-choices-changed": "Photo choices were changed",
    "photo-permissions-viewed": "Photo permissions were looked up by staff",
    "agreements-signed": "Agreed online",
    "agreement-recorded-for": "An agreement was recorded by staff",
    "agreement-withdrawn": "An agreement was withdrawn by staff",
    "agreement-withdrawn-own": "An agreement was taken back by the one who gave it",
    "agreement-declined": "An agreement was declined",
    "refusals-viewed": "Seen in the list of refusals, by the ICT lead or safeguarding lead",
    "pupil-record-viewed": "This record was opened by staff",
    "pupil-record-exported": "This record was downloaded by staff",
    "parent-record-viewed": "This record was opened by staff",
    "parent-record-exported": "This record was downloaded by staff",
}
HIDDEN_DETAIL = ("pupils",)  # ids of the other pupils looked up at the same time


def audit_lines(
    db: Session,
    school_id: int,
    kind: str,
    person_id: int,
    known: Known,
    also: Callable[[Session, int, int], Iterable[AuditEvent]] | None = None,
) -> list[AuditLine]:
    """Every audit event by or about this person (and `also`'s events), oldest first."""
    events = {
        event.id: event
        for event in db.scalars(
            select(AuditEvent).where(
                AuditEvent.school_id == school_id,
                or_(
                    and_(AuditEvent.subject_type == kind, AuditEvent.subject_id == person_id),
                    and_(AuditEvent.actor_type == kind, AuditEvent.actor_id == person_id),
                ),
            )
        )
    }
    for event in also(db, school_id, person_id) if also else ():
        events[event.id] = event
    ordered = sorted(events.values(), key=lambda event: (event.at, event.id))
    names = known.names(db, [(event.actor_type, event.actor_id) for event in ordered])
    return [
        AuditLine(
            at=event.at,
            action=event.action,
            what=ACTIONS.get(event.action, event.action.replace("-", " ").capitalize()),
            by=names[(event.actor_type, event.actor_id)],
            detail={k: v for k, v in (event.detail or {}).items() if k not in HIDDEN_DETAIL},
        )
        for event in ordered
    ]


def session_lines(db: Session, kind: str, person_id: int) -> list[SessionLine]:
    return [
        SessionLine(row.created_at, row.last_seen_at)
        for row in db.scalars(
            select(LoginSession)
            .where(LoginSession.principal_type == kind, LoginSession.principal_id == person_id)
            .order_by(LoginSession.created_at)
        )
    ]
