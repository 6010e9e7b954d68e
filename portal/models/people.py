"""Schools and the people in them. Every person and record belongs to one school.

Children's data is kept to the least: a pupil has a name, a year group, a class and the school's
own reference; never a date of birth or an address.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..content.calendar import utcnow
from ..db import Base
from ..years import age_band
from .kinds import PersonKind, StaffRole


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    # Below this percentage secure, a strand or year group is listed as a gap.
    coverage_threshold: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SchoolClass(Base):
    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    year_group: Mapped[int] = mapped_column(Integer)

    pupils: Mapped[list[Pupil]] = relationship(back_populates="school_class")


class ClassTeacher(Base):
    """A member of staff who teaches a class: they may record its pupils' paper slips."""

    __tablename__ = "class_teacher"

    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)


class Locking:
    """Failed sign-in counting shared by everyone who signs in with a password."""

    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class Pupil(Locking, Base):
    __tablename__ = "pupil"
    __table_args__ = (UniqueConstraint("school_id", "reference"),)
    person_kind = PersonKind.PUPIL
    role = PersonKind.PUPIL  # what they may do in the portal, beside staff's roles

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    year_group: Mapped[int] = mapped_column(Integer)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    picture_password_hash: Mapped[str | None] = mapped_column(String(200))
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    school_class: Mapped[SchoolClass | None] = relationship(back_populates="pupils")
    parents: Mapped[list[Parent]] = relationship(
        secondary="parent_link", back_populates="children", order_by="Parent.name"
    )

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def age_band(self) -> str:
        return age_band(self.year_group)


class Parent(Base):
    __tablename__ = "parent"
    person_kind = PersonKind.PARENT
    role = PersonKind.PARENT  # what they may do in the portal, beside staff's roles

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    reference: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    letter_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    children: Mapped[list[Pupil]] = relationship(
        secondary="parent_link",
        back_populates="parents",
        order_by="(Pupil.first_name, Pupil.last_name)",
    )

    __table_args__ = (UniqueConstraint("school_id", "reference"),)


class ParentLink(Base):
    __tablename__ = "parent_link"

    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True, index=True)
    relationship_to_pupil: Mapped[str | None] = mapped_column(String(40))


class Staff(Locking, Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("email"),)

    person_kind = PersonKind.STAFF

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default=StaffRole.STAFF)  # a StaffRole
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def needs_two_factor(self, required_roles: frozenset[str]) -> bool:
        """Roles the school requires it of must use a second factor; anyone who turned it on
        uses it too."""
        return self.role in required_roles or self.totp_secret is not None


class Visitor(Base):
    """A visitor, volunteer or governor: not on the staff list, but asked to agree to a code of
    conduct. Staff add them and record their agreement; they never sign in."""

    __tablename__ = "visitor"
    person_kind = PersonKind.VISITOR

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # a VisitorKind
    organisation: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# Anyone an agreement can be by or about, and the table of each kind.
Person = Pupil | Parent | Staff | Visitor
PEOPLE: dict[str, type[Person]] = {
    model.person_kind: model for model in (Pupil, Parent, Staff, Visitor)
}

# Everyone who signs in (visitors never do), and the table of each kind.
Principal = Staff | Pupil | Parent
PRINCIPALS: dict[str, type[Principal]] = {
    model.person_kind: model for model in (Staff, Pupil, Parent)
}
