"""Who agreed to which policy version, and parents' choices about their child's photos.

Both tables only ever gain rows: a withdrawal or a change of mind is a new row, so the history
an inspector or a parent asks about is always complete.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..content.calendar import utcnow
from ..db import Base


class PolicyVersionRecord(Base):
    """A published policy version as the portal first saw it; its hash must never change."""

    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("policy", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Acceptance(Base):
    """One act of agreeing (or withdrawing), linked into a hash chain with the one before.

    `subject` is who the agreement is about (a pupil, parent, member of staff or visitor);
    `actor` is who acted: the person themselves, a parent or carer, or a member of staff who
    recorded a paper slip (then `method` is "paper" or "in-person"). `acting_as` is the part of
    the agreement the record fulfils: "self" (the subject's own), "parent" (a parent or carer for
    a child aged 4 to 7) or "countersign" (a parent or carer for a child aged 7 to 11). Each
    school's records form one chain, in id order: `previous_hash` is the `record_hash` of the
    record before it (see services/acceptance.py).
    """

    __tablename__ = "acceptance"
    __table_args__ = (
        UniqueConstraint(
            "subject_type",
            "subject_id",
            "actor_type",
            "actor_id",
            "acting_as",
            "policy_version_id",
            "action",
            name="uq_acceptance_once",
        ),
        Index("ix_acceptance_school_version", "school_id", "policy_version_id"),
        Index("ix_acceptance_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int] = mapped_column(Integer)
    acting_as: Mapped[str] = mapped_column(String(20))
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10), default="accept")
    method: Mapped[str] = mapped_column(String(12), default="online")
    language: Mapped[str] = mapped_column(String(10), default="en")
    signed_name: Mapped[str | None] = mapped_column(String(200))
    talked_through: Mapped[bool | None] = mapped_column(Boolean)
    remark: Mapped[str | None] = mapped_column(Text)
    # How a parent or carer was reached: "email link 12 to a@b.org", "letter code".
    reached_by: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AcceptanceChain(Base):
    """The head of one school's chain of acceptance records.

    Appending a record locks this row first, so records join the chain one at a time; it also
    holds how long the chain is, so removing the newest records is noticed too.
    """

    __tablename__ = "acceptance_chain"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    length: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ImageConsent(Base):
    """A yes or no to one use of a pupil's photo, in one voice: the parent's, or (from Year 8)
    the pupil's own view. The newest row for a pupil, use and voice is the answer."""

    __tablename__ = "image_consent"
    __table_args__ = (Index("ix_image_consent_pupil", "pupil_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    given: Mapped[bool] = mapped_column(Boolean)
    voice: Mapped[str] = mapped_column(String(10), default="parent", server_default="parent")
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ReminderSent(Base):
    """A reminder to a family to sign; at most one a week."""

    __tablename__ = "reminder_sent"
    __table_args__ = (Index("ix_reminder_parent", "parent_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
