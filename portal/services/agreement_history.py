"""Reading back what was recorded: everything about one person, newest first (with who made
each record), and the records one parent or carer has just made, for their receipt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Acceptance, PersonKind, PolicyVersionRecord
from . import people


@dataclass(frozen=True)
class HistoryLine:
    record: Acceptance
    version: PolicyVersionRecord
    actor: str  # who made the record, "Ms Khan (staff)"


def history(db: Session, kind: str, subject_id: int) -> list[HistoryLine]:
    """Every record about one person, newest first, with the version each names."""
    records = list(
        db.scalars(
            select(Acceptance)
            .where(Acceptance.subject_type == kind, Acceptance.subject_id == subject_id)
            .order_by(Acceptance.id.desc())
        )
    )
    versions = {
        v.id: v
        for v in db.scalars(
            select(PolicyVersionRecord).where(
                PolicyVersionRecord.id.in_({r.policy_version_id for r in records})
            )
        )
    }
    return [HistoryLine(r, versions[r.policy_version_id], actor_name(db, r)) for r in records]


def actor_name(db: Session, record: Acceptance) -> str:
    """Who made a record; one who has since been removed is named by kind and number."""
    actor = people.find(db, record.actor_type, record.actor_id)
    name = actor.name if actor is not None else f"{record.actor_type} {record.actor_id}"
    return f"{name} (staff)" if record.actor_type == PersonKind.STAFF else name


def made_by_parent(db: Session, parent_id: int, ids: Iterable[int]) -> list[Acceptance]:
    """Those of `ids` that this parent or carer made, oldest first: a receipt shows nobody
    else's records, whatever the session holds."""
    return list(
        db.scalars(
            select(Acceptance)
            .where(
                Acceptance.id.in_(list(ids)),
                Acceptance.actor_type == PersonKind.PARENT,
                Acceptance.actor_id == parent_id,
            )
            .order_by(Acceptance.id)
        )
    )
