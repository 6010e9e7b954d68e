"""The outbox: a request only adds a message; delivery happens elsewhere, so sending never
slows or breaks a page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import OutboxMessage


def queue_mail(db: Session, *, to: str, subject: str, body: str, school_id: int | None) -> None:
    db.add(OutboxMessage(to_address=to, subject=subject, body=body, school_id=school_id))
