"""Everything the school holds about one parent or carer, for a subject access request: their
details and how they sign in (never a letter code or a link), the children linked to them (names
only), their agreement records, the photo choices they made, the emails sent to them (subject and
time, not the text) and the audit log about them.

Their own children are named; any other pupil (a child no longer linked to them, say) is
described as "a child no longer linked to you", never by name. The page and the JSON file are
both made from this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import (
    Acceptance,
    ImageConsent,
    LinkToken,
    OutboxMessage,
    Parent,
    ParentLink,
    PersonKind,
    Pupil,
    ReminderSent,
)
from . import consents
from .pupil_record import (
    ACTING_AS,
    AuditLine,
    Known,
    SessionLine,
    agreement_records,
    audit_lines,
    plain,
    rows,
    session_lines,
)

NOT_LINKED = "a child no longer linked to you"
LINK_PURPOSES = {"parent-sign-in": "Sign-in link", "password-reset": "Password reset link"}


@dataclass(frozen=True)
class ChildLine:
    first_name: str
    last_name: str
    relationship: str | None


@dataclass(frozen=True)
class ParentAgreementLine:
    policy: str
    version: str
    content_hash: str
    action: str
    about: str  # "you", or one of their children by name
    acting_as: str
    actor: str
    method: str
    signed_name: str | None
    remark: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ParentPhotoLine:
    child: str
    purpose: str
    given: bool
    at: dt.datetime


@dataclass(frozen=True)
class EmailLine:
    subject: str
    queued_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class LinkLine:
    purpose: str
    made_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True)
class ParentRecord:
    parent: Parent
    children: list[ChildLine]
    agreements: list[ParentAgreementLine]
    photo_choices: list[ParentPhotoLine]
    emails: list[EmailLine]
    reminders: list[dt.datetime]
    links: list[LinkLine]
    sessions: list[SessionLine]
    audit: list[AuditLine]

    def as_data(self) -> dict[str, Any]:
        """Plain data for the machine-readable export; times in ISO 8601 (UTC)."""
        parent = self.parent
        return {
            "parent_or_carer": {
                "reference": parent.reference,
                "name": parent.name,
                "email": parent.email,
                "has_letter_code": parent.letter_code_hash is not None,
                "added_at": plain(parent.created_at),
                "left_at": plain(parent.left_at),
            },
            "children": rows(self.children),
            "agreements": rows(self.agreements),
            "photo_choices": rows(self.photo_choices),
            "emails_sent": rows(self.emails),
            "agreement_reminders": rows(self.reminders),
            "sign_in_links": rows(self.links),
            "sign_in_sessions": rows(self.sessions),
            "audit_log": rows(self.audit),
        }


def parent_record(db: Session, parent: Parent) -> ParentRecord:
    """A few queries, each for this parent or carer only."""
    links = db.execute(
        select(Pupil, ParentLink.relationship_to_pupil)
        .join(ParentLink, ParentLink.pupil_id == Pupil.id)
        .where(ParentLink.parent_id == parent.id, Pupil.school_id == parent.school_id)
        .order_by(Pupil.first_name, Pupil.last_name)
    ).all()
    children = {pupil.id: pupil.name for pupil, _ in links}
    known = Known(
        parent.school_id,
        pupils={pupil_id: "your child" for pupil_id in children},
        parents={parent.id: "you"},
    )
    return ParentRecord(
        parent=parent,
        children=[
            ChildLine(pupil.first_name, pupil.last_name, relationship)
            for pupil, relationship in links
        ],
        agreements=_agreements(db, parent, children, known),
        photo_choices=_photo_choices(db, parent, children),
        emails=_emails(db, parent),
        reminders=list(
            db.scalars(
                select(ReminderSent.sent_at)
                .where(
                    ReminderSent.parent_id == parent.id,
                    ReminderSent.school_id == parent.school_id,
                )
                .order_by(ReminderSent.sent_at)
            )
        ),
        links=[
            LinkLine(
                LINK_PURPOSES.get(row.purpose, row.purpose),
                row.created_at,
                row.expires_at,
                row.used_at,
            )
            for row in db.scalars(
                select(LinkToken)
                .where(
                    LinkToken.principal_type == PersonKind.PARENT,
                    LinkToken.principal_id == parent.id,
                )
                .order_by(LinkToken.created_at)
            )
        ],
        sessions=session_lines(db, PersonKind.PARENT, parent.id),
        audit=audit_lines(db, parent.school_id, PersonKind.PARENT, parent.id, known),
    )


def _agreements(
    db: Session, parent: Parent, children: dict[int, str], known: Known
) -> list[ParentAgreementLine]:
    """Records this parent made (for themselves or a child) and records about them."""
    by_or_about = or_(
        (Acceptance.actor_type == PersonKind.PARENT) & (Acceptance.actor_id == parent.id),
        (Acceptance.subject_type == PersonKind.PARENT) & (Acceptance.subject_id == parent.id),
    )
    found = agreement_records(db, parent.school_id, by_or_about, known)
    return [
        ParentAgreementLine(
            policy=version.title,
            version=version.version,
            content_hash=record.content_hash,
            action=record.action,
            about=_about(record, parent, children),
            acting_as=ACTING_AS.get(record.acting_as, record.acting_as),
            actor=actor,
            method=record.method,
            signed_name=record.signed_name,
            remark=record.remark,
            created_at=record.created_at,
        )
        for record, version, actor in found
    ]


def _about(record: Acceptance, parent: Parent, children: dict[int, str]) -> str:
    if record.subject_type == PersonKind.PARENT and record.subject_id == parent.id:
        return "you"
    if record.subject_type == PersonKind.PUPIL:
        return children.get(record.subject_id, NOT_LINKED)
    return record.subject_type


def _photo_choices(db: Session, parent: Parent, children: dict[int, str]) -> list[ParentPhotoLine]:
    return [
        ParentPhotoLine(
            children.get(row.pupil_id, NOT_LINKED),
            consents.PURPOSES.get(row.purpose, row.purpose),
            row.given,
            row.created_at,
        )
        for row in db.scalars(
            select(ImageConsent)
            .where(
                ImageConsent.actor_type == PersonKind.PARENT,
                ImageConsent.actor_id == parent.id,
                ImageConsent.school_id == parent.school_id,
            )
            .order_by(ImageConsent.id)
        )
    ]


def _emails(db: Session, parent: Parent) -> list[EmailLine]:
    """Emails from this school to their address: subject and times, not the text."""
    if not parent.email:
        return []
    return [
        EmailLine(row.subject, row.created_at, row.sent_at)
        for row in db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.school_id == parent.school_id,
                func.lower(OutboxMessage.to_address) == parent.email.strip().lower(),
            )
            .order_by(OutboxMessage.created_at)
        )
    ]
