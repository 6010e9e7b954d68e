"""How people are signed in: sessions, emailed links, class sign-ins on classroom devices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..content.calendar import utcnow
from ..db import Base


class LoginSession(Base):
    """A signed-in session, held server-side so that ending it also kills a copied cookie."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_principal", "principal_type", "principal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    principal_type: Mapped[str] = mapped_column(String(10))
    principal_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LinkToken(Base):
    """A one-use emailed link (parent sign-in, password reset), stored only as a hash."""

    __tablename__ = "link_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    principal_type: Mapped[str] = mapped_column(String(10))
    principal_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ClassSignIn(Base):
    """A class sign-in a teacher opened on one classroom device, for pupils aged 4 to 7."""

    __tablename__ = "class_sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    opened_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
