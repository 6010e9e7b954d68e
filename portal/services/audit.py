"""The audit log: sign-ins, lockouts, imports, admin actions and who looked at whose records."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent


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
            actor_type=getattr(actor, "role", None) and _kind(actor),
            actor_id=getattr(actor, "id", None),
            subject_type=(subject is not None and _kind(subject)) or None,
            subject_id=getattr(subject, "id", None),
            detail=detail,
        )
    )


def _kind(person: Any) -> str:
    return type(person).__name__.lower()
