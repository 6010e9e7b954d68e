"""Server-side sessions: the cookie holds a random token; ending the row ends the session,
even for a copied cookie."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import LoginSession, Parent, Pupil, Staff, utcnow
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


def resume_session(
    db: Session, token: str, idle_limit: dt.timedelta, max_age: dt.timedelta
) -> Any | None:
    """The person a session token belongs to, if the session is live and they have not left.

    A session ends after `idle_limit` without use, and after `max_age` however busy it is, so
    a stolen or forgotten session cannot be kept alive for ever by using it."""
    row = db.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    now = utcnow()
    if row is None or now - row.last_seen_at > idle_limit or now - row.created_at > max_age:
        return None
    principal = db.get(PRINCIPALS[row.principal_type], row.principal_id)
    if principal is None or principal.left_at is not None or principal.school_id != row.school_id:
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):  # spare a write on every request
        row.last_seen_at = now
    return principal


def end_session(db: Session, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_sessions(db: Session, principal: Any) -> None:
    db.execute(
        delete(LoginSession).where(
            LoginSession.principal_type == kind_of(principal),
            LoginSession.principal_id == principal.id,
        )
    )
