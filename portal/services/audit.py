"""The audit log: sign-ins, lockouts, imports, admin actions, who looked at whose records, and
requests that were refused."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import AuditEvent, Person, Principal

# The address the current request came from. The web layer sets it at the start of each
# request (as seen through the trusted proxies); commands leave it empty.
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)

# At most this many refusals are logged from one address in an hour, so a flood of bad
# requests cannot fill the disk; the first one past the cap says that the rest were dropped.
REFUSALS_PER_ADDRESS_PER_HOUR = 100


def record(
    db: Session,
    action: str,
    *,
    school_id: int | None,
    actor: Principal | None = None,
    subject: Person | None = None,
    **detail: Any,
) -> None:
    """Add an event to the session; it is committed with the work it describes."""
    db.add(
        AuditEvent(
            school_id=school_id,
            action=action,
            actor_type=actor.person_kind if actor is not None else None,
            actor_id=actor.id if actor is not None else None,
            subject_type=subject.person_kind if subject is not None else None,
            subject_id=subject.id if subject is not None else None,
            detail=detail,
            ip=client_address.get(),
        )
    )


def log_record_opened(
    db: Session, action: str, *, school_id: int, actor: Principal, subject: Person
) -> None:
    """Write down that `actor` opened or downloaded `subject`'s record, as one unit of work:
    commits, so the reading is logged even though nothing else changed."""
    record(db, action, school_id=school_id, actor=actor, subject=subject)
    db.commit()


def log_refusal(
    db: Session, *, status: int, method: str, path: str, actor: Principal | None
) -> bool:
    """Log a refused request (403, 404), unless this address is past its hourly cap, as one unit
    of work: whatever the refused request half-did is rolled back first, so none of it is kept,
    and the entry is committed. If the log cannot be written it is given up, so the refusal page
    still answers. Returns whether it was logged."""
    try:
        db.rollback()
        logged = _record_refusal(db, status=status, method=method, path=path, actor=actor)
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        return False
    return logged


def _record_refusal(
    db: Session, *, status: int, method: str, path: str, actor: Principal | None
) -> bool:
    ip = client_address.get()
    since = utcnow() - dt.timedelta(hours=1)
    logged = db.scalars(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.ip == ip if ip else AuditEvent.ip.is_(None),
            AuditEvent.action.in_(("refused", "refusals-capped")),
            AuditEvent.at > since,
        )
    ).one()
    if logged > REFUSALS_PER_ADDRESS_PER_HOUR:
        return False
    action = "refused" if logged < REFUSALS_PER_ADDRESS_PER_HOUR else "refusals-capped"
    record(
        db,
        action,
        school_id=actor.school_id if actor is not None else None,
        actor=actor,
        status=status,
        method=method,
        path=path[:300],
    )
    return True
