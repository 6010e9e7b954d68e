"""Saying no: a refusal recorded by the person, a carer or a member of staff for them, and a
carer taking back an agreement they gave.

Both are new records in the school's chain (services/acceptance.py); nothing earlier changes.
A refusal shows as "Declined" and stops reminders until someone agrees to the same part of the
same version after it. What a carer's withdrawal or refusal does to another carer's agreement
is the school's rule (`CARERS_DISAGREE`, see agreements.CARERS_RULES).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..models import Acceptance
from . import audit
from .acceptance import Entry, Outcome, Signature, record_and_commit
from .agreements import ACCEPT, DECLINE, WITHDRAW, Part, kind_of


class RefusalError(ValueError):
    """The action cannot be recorded as asked; the message says why, in plain words."""


def decline(
    db: Session,
    part: Part,
    actor: Any,
    method: str = "online",
    remark: str | None = None,
    signed_name: str | None = None,
    reached_by: str | None = None,
) -> list[Outcome]:
    """Record that `actor` (the person, a carer, or staff for them) said no to this part of the
    version in force. Staff must say why when they record it for someone else."""
    actor_type = kind_of(actor)
    for_someone_else = (actor_type, actor.id) != (kind_of(part.subject), part.subject.id)
    if actor_type == "staff" and for_someone_else and not remark:
        raise RefusalError("Say how they told you, for example: a note on the returned slip.")
    if part.done and actor_type != "staff" and own_agreement(db, part, actor):
        raise RefusalError("You agreed to this. To change your mind, take back your agreement.")
    entry = _entry(part, part.rule.current_id, part.rule.current.content_hash, DECLINE)
    signature = Signature(
        actor_type=actor_type,
        actor_id=actor.id,
        method=method,
        remark=remark,
        signed_name=signed_name,
        reached_by=reached_by,
    )
    return _record(db, part, entry, signature, actor, "agreement-declined")


def withdraw_own(
    db: Session, part: Part, actor: Any, remark: str | None = None, reached_by: str | None = None
) -> list[Outcome]:
    """Take back an agreement `actor` gave themselves (for themselves or for a child). The
    withdrawal is theirs: under the rule "agreed-stands" another carer's agreement still
    counts."""
    record = own_agreement(db, part, actor)
    if record is None:
        raise RefusalError("There is no agreement of yours to take back here.")
    entry = _entry(part, record.policy_version_id, record.content_hash, WITHDRAW)
    signature = Signature(
        actor_type=kind_of(actor),
        actor_id=actor.id,
        remark=remark,
        reached_by=reached_by,
    )
    return _record(db, part, entry, signature, actor, "agreement-withdrawn-own")


def own_agreement(db: Session, part: Part, actor: Any) -> Acceptance | None:
    """The actor's own agreement to this part that still counts today, if any: what they may
    take back."""
    row = Acceptance
    found = db.scalars(
        select(row)
        .where(
            row.subject_type == kind_of(part.subject),
            row.subject_id == part.subject.id,
            row.acting_as == part.part,
            row.actor_type == kind_of(actor),
            row.actor_id == actor.id,
            row.action == ACCEPT,
            row.policy_version_id.in_(part.rule.counted_ids),
        )
        .order_by(row.id.desc())
    ).first()
    if found is None or _taken_back(db, found):
        return None
    return found


def _taken_back(db: Session, record: Acceptance) -> bool:
    return bool(
        db.scalar(
            select(
                exists().where(
                    Acceptance.subject_type == record.subject_type,
                    Acceptance.subject_id == record.subject_id,
                    Acceptance.acting_as == record.acting_as,
                    Acceptance.policy_version_id == record.policy_version_id,
                    Acceptance.actor_type == record.actor_type,
                    Acceptance.actor_id == record.actor_id,
                    Acceptance.action.in_((WITHDRAW, DECLINE)),
                    Acceptance.id > record.id,
                )
            )
        )
    )


def _entry(part: Part, version_id: int, content_hash: str, action: str) -> Entry:
    return Entry(
        subject_type=kind_of(part.subject),
        subject_id=part.subject.id,
        acting_as=part.part,
        policy_version_id=version_id,
        content_hash=content_hash,
        action=action,
    )


def _record(
    db: Session, part: Part, entry: Entry, signature: Signature, actor: Any, event: str
) -> list[Outcome]:
    def log(outcomes: list[Outcome]) -> None:
        audit.record(
            db,
            event,
            school_id=part.subject.school_id,
            actor=actor,
            subject=part.subject,
            policy=part.rule.policy.slug,
            records=[outcome.record.id for outcome in outcomes if outcome.new],
        )

    return record_and_commit(db, part.subject.school_id, [entry], signature, then=log)
