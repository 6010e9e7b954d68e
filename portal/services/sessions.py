"""Server-side sessions: the cookie holds a random token; ending the row ends the session,
even for a copied cookie."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import LoginSession, Parent, Pupil, School, Staff
from .tokens import new_token, token_hash

# Everyone who signs in.
Principal = Staff | Pupil | Parent
PRINCIPALS: dict[str, type[Principal]] = {
    model.person_kind: model for model in (Staff, Pupil, Parent)
}


def start_session(db: Session, principal: Any) -> str:
    token = new_token()
    db.add(
        LoginSession(
            token_hash=token_hash(token),
            principal_type=principal.person_kind,
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


# The session, its school's name and its person in one statement: the person's table is
# joined by the session's kind, so two of the three come back empty.
_SESSION_WITH_PERSON = (
    select(
        LoginSession.id,
        LoginSession.principal_type,
        LoginSession.school_id,
        LoginSession.created_at,
        LoginSession.last_seen_at,
        School.name,
        *PRINCIPALS.values(),
    )
    .join(School, School.id == LoginSession.school_id)
    .outerjoin(
        Staff,
        and_(
            LoginSession.principal_type == Staff.person_kind, Staff.id == LoginSession.principal_id
        ),
    )
    .outerjoin(
        Pupil,
        and_(
            LoginSession.principal_type == Pupil.person_kind, Pupil.id == LoginSession.principal_id
        ),
    )
    .outerjoin(
        Parent,
        and_(
            LoginSession.principal_type == Parent.person_kind,
            Parent.id == LoginSession.principal_id,
        ),
    )
)


def resume_session(
    db: Session, token: str, idle_limit: dt.timedelta, max_age: dt.timedelta
) -> Resumed | None:
    """The person a session token belongs to, if the session is live and they have not left.

    A session ends after `idle_limit` without use, and after `max_age` however busy it is, so
    a stolen or forgotten session cannot be kept alive for ever by using it. One query; a write
    only when the session's last-seen time is more than `LAST_SEEN_EVERY` old."""
    found = db.execute(
        _SESSION_WITH_PERSON.where(LoginSession.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    now = utcnow()
    session_id, kind, school_id, created_at, last_seen_at, school_name = found[:6]
    if now - last_seen_at > idle_limit or now - created_at > max_age:
        return None
    principal = cast(Principal | None, found[6 + list(PRINCIPALS).index(kind)])
    if principal is None or principal.left_at is not None or principal.school_id != school_id:
        return None
    touched = now - last_seen_at > LAST_SEEN_EVERY
    if touched:
        db.execute(
            update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=now),
            execution_options={"synchronize_session": False},
        )
    return Resumed(principal, school_name, touched)


def end_session(db: Session, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_sessions(db: Session, principal: Any) -> None:
    db.execute(
        delete(LoginSession).where(
            LoginSession.principal_type == principal.person_kind,
            LoginSession.principal_id == principal.id,
        )
    )
