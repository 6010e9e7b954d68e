"""Server-side sessions: the cookie holds a random token; ending the row ends the session,
even for a copied cookie."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import LoginSession, Parent, Pupil, School, Staff, utcnow
from .tokens import new_token, token_hash

PRINCIPALS: dict[str, type] = {"staff": Staff, "pupil": Pupil, "parent": Parent}


def kind_of(principal: Any) -> str:
    return next(kind for kind, model in PRINCIPALS.items() if isinstance(principal, model))


def start_session(db: Session, principal: Any) -> str:
    token = new_token()
    db.add(
        LoginSession(
            token_hash=token_hash(token),
            principal_type=kind_of(principal),
            principal_id=principal.id,
            school_id=principal.school_id,
        )
    )
    return token


@dataclass(frozen=True)
class Resumed:
    """A live session's person, their school's name (every page shows it) and whether the
    session's row was changed, so needs committing."""

    principal: Any
    school_name: str
    touched: bool


# How often a busy session's "last seen" time is written: often enough for the idle limit,
# which is hours, and seldom enough that reading a page does not write to the database.
LAST_SEEN_EVERY = dt.timedelta(minutes=1)


def resume_session(
    db: Session, token: str, idle_limit: dt.timedelta, max_age: dt.timedelta
) -> Resumed | None:
    """The person a session token belongs to, if the session is live and they have not left.

    A session ends after `idle_limit` without use, and after `max_age` however busy it is, so
    a stolen or forgotten session cannot be kept alive for ever by using it. Two queries: the
    session with its school's name, then the person."""
    found = db.execute(
        select(LoginSession, School.name)
        .join(School, School.id == LoginSession.school_id)
        .where(LoginSession.token_hash == token_hash(token))
    ).first()
    now = utcnow()
    if found is None:
        return None
    row, school_name = found
    if now - row.last_seen_at > idle_limit or now - row.created_at > max_age:
        return None
    principal = db.get(PRINCIPALS[row.principal_type], row.principal_id)
    if principal is None or principal.left_at is not None or principal.school_id != row.school_id:
        return None
    touched = now - row.last_seen_at > LAST_SEEN_EVERY
    if touched:
        row.last_seen_at = now
    return Resumed(principal, school_name, touched)


def end_session(db: Session, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_sessions(db: Session, principal: Any) -> None:
    db.execute(
        delete(LoginSession).where(
            LoginSession.principal_type == kind_of(principal),
            LoginSession.principal_id == principal.id,
        )
    )
