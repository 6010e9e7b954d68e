"""Server-side sessions: the cookie holds a random token; ending the row ends the session,
even for a copied cookie."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Executable, and_, bindparam, delete, select, update
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import PRINCIPALS, LoginSession, Principal, School
from . import audit
from .tokens import new_token, token_hash


def start_session(db: Session, principal: Principal) -> str:
    """A new session's token: random, after the kind of person it is for ("pupil.Xy3..."), so
    that resuming it joins only that kind's table."""
    kind = principal.person_kind
    token = f"{kind}.{new_token()}"
    db.add(
        LoginSession(
            token_hash=token_hash(token),
            principal_type=kind,
            principal_id=principal.id,
            school_id=principal.school_id,
        )
    )
    return token


@dataclass(frozen=True)
class Resumed:
    """A live session's person and their school's name (every page shows it)."""

    principal: Principal
    school_name: str


# How often a busy session's "last seen" time is written: often enough for the idle limit,
# which is hours, and seldom enough that reading a page does not write to the database.
LAST_SEEN_EVERY = dt.timedelta(minutes=1)


SessionRow = tuple[int, dt.datetime, dt.datetime, str, Principal]


def _session_with(model: type[Principal]) -> Executable:
    """The session, its school's name and its person in one statement. The kind is named by
    the token, so only that kind's table is joined; a token naming the wrong kind finds none."""
    return (
        select(
            LoginSession.id,
            LoginSession.created_at,
            LoginSession.last_seen_at,
            School.name,
            model,
        )
        .join(School, School.id == LoginSession.school_id)
        .join(
            model,
            and_(
                LoginSession.principal_type == model.person_kind,
                model.id == LoginSession.principal_id,
                model.school_id == LoginSession.school_id,
            ),
        )
        .where(LoginSession.token_hash == bindparam("token_hash"))
    )


_SESSION_WITH = {kind: _session_with(model) for kind, model in PRINCIPALS.items()}


def resume_session(
    db: Session, token: str, idle_limit: dt.timedelta, max_age: dt.timedelta
) -> Resumed | None:
    """The person a session token belongs to, if the session is live and they have not left.

    A session ends after `idle_limit` without use, and after `max_age` however busy it is, so
    a stolen or forgotten session cannot be kept alive for ever by using it. One query; a write
    only when the session's last-seen time is more than `LAST_SEEN_EVERY` old, committed at once
    as a unit of work of its own."""
    kind = token.partition(".")[0]
    if kind not in _SESSION_WITH:
        return None
    found = db.execute(_SESSION_WITH[kind], {"token_hash": token_hash(token)}).first()
    if found is None:
        return None
    now = utcnow()
    session_id, created_at, last_seen_at, school_name, principal = cast(SessionRow, found)
    if now - last_seen_at > idle_limit or now - created_at > max_age:
        return None
    if principal.left_at is not None:
        return None
    if now - last_seen_at > LAST_SEEN_EVERY:
        db.execute(
            update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=now),
            execution_options={"synchronize_session": False},
        )
        db.commit()
    return Resumed(principal, school_name)


def end_session(db: Session, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_sessions(db: Session, principal: Principal) -> None:
    db.execute(
        delete(LoginSession).where(
            LoginSession.principal_type == principal.person_kind,
            LoginSession.principal_id == principal.id,
        )
    )


def sign_in(db: Session, principal: Principal, how: str) -> str:
    """Start a session for `principal` and log how they signed in, as one unit of work: commits
    (with whatever the sign-in checked or used up), so the sign-in is durable. The new token."""
    token = start_session(db, principal)
    audit.record(db, "signed-in", school_id=principal.school_id, actor=principal, how=how)
    db.commit()
    return token


def sign_out_everywhere(db: Session, principal: Principal) -> None:
    """End every session `principal` has and log it, as one unit of work: commits."""
    end_all_sessions(db, principal)
    audit.record(db, "signed-out", school_id=principal.school_id, actor=principal)
    db.commit()


def sign_out_here(db: Session, principal: Principal, token: str) -> None:
    """End only the session `token` and log it, as one unit of work: commits. The person stays
    signed in on their other devices."""
    end_session(db, token)
    audit.record(
        db, "signed-out", school_id=principal.school_id, actor=principal, where="this device"
    )
    db.commit()
