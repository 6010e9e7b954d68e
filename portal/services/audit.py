"""The audit log: sign-ins, lockouts, imports, admin actions, who looked at whose records, and
requests that were refused."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import AuditEvent

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
    actor: Any = None,
    subject: Any = None,
    **detail: Any,
) -> None:
    """Add an event to the session; it is committed with the work it describes."""
    db.add(
        AuditEvent(
            school_id=school_id,
            action=action,
            actor_type=actor.person_kind if actor is not None else None,
            actor_id=getattr(actor, "id", None),
            subject_type=subject.person_kind if subject is not None else None,
            subject_id=getattr(subject, "id", None),
            detail=detail,
            ip=client_address.get(),
        )
    )


def record_refusal(
    db: Session, *, status: int, method: str, path: str, actor: Any, school_id: int | None
) -> bool:
    """Log a refused request (403, 404), unless this address is past its hourly cap.
    Returns whether it was logged."""
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
        school_id=school_id,
        actor=actor,
        status=status,
        method=method,
        path=path[:300],
    )
    return True
