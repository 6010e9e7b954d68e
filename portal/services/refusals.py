"""Saying no: a refusal recorded by the person, a carer or a member of staff for them, and a
carer taking back an agreement they gave.

Both are new records in the school's chain (services/acceptance.py); nothing earlier changes.
A refusal shows as "Declined" and stops reminders until someone agrees to the same part of the
same version after it. What a carer's withdrawal or refusal does to another carer's agreement
is the school's rule (`CARERS_DISAGREE`, see agreements.CARERS_RULES).

The ICT lead and the designated safeguarding lead see every recent refusal and withdrawal in
one list (`open_recent`), so a child or adult who said no is followed up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import (
    KIND_LABELS,
    PEOPLE,
    Acceptance,
    Person,
    PersonKind,
    PolicyVersionRecord,
    Principal,
    Staff,
    StaffRole,
)
from . import audit
from .acceptance import Entry, Outcome, Signature, record_and_commit
from .agreements import ACCEPT, DECLINE, WITHDRAW, Part, agreed_after

RECENT = dt.timedelta(days=90)  # how far back the safeguarding list goes: about a term


class RefusalError(ValueError):
    """The action cannot be recorded as asked; the message says why, in plain words."""


def decline(
    db: Session,
    part: Part,
    actor: Principal,
    method: str = "online",
    remark: str | None = None,
    signed_name: str | None = None,
    reached_by: str | None = None,
) -> list[Outcome]:
    """Record that `actor` (the person, a carer, or staff for them) said no to this part of the
    version in force. Staff must always say why: how the person told them, or, for their own
    agreement, their reason."""
    actor_type = actor.person_kind
    for_someone_else = (actor_type, actor.id) != (part.subject.person_kind, part.subject.id)
    if actor_type == PersonKind.STAFF and not remark:
        raise RefusalError(
            "Say how they told you, for example: a note on the returned slip."
            if for_someone_else
            else "Say why you do not accept it."
        )
    if part.done and actor_type != PersonKind.STAFF and own_agreement(db, part, actor):
        raise RefusalError("You agreed to this. To change your mind, take back your agreement.")
    entry = Entry.to(
        part.rule.in_force,
        subject_type=part.subject.person_kind,
        subject_id=part.subject.id,
        acting_as=part.part,
        action=DECLINE,
    )
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
    db: Session,
    part: Part,
    actor: Principal,
    remark: str | None = None,
    reached_by: str | None = None,
) -> list[Outcome]:
    """Take back an agreement `actor` gave themselves (for themselves or for a child). The
    withdrawal is theirs: under the rule "agreed-stands" another carer's agreement still
    counts."""
    record = own_agreement(db, part, actor)
    if record is None:
        raise RefusalError("There is no agreement of yours to take back here.")
    # A withdrawal names the very version and text the agreement it takes back was given to.
    entry = Entry(
        subject_type=part.subject.person_kind,
        subject_id=part.subject.id,
        acting_as=part.part,
        policy_version_id=record.policy_version_id,
        content_hash=record.content_hash,
        action=WITHDRAW,
        language=record.language,
    )
    signature = Signature(
        actor_type=actor.person_kind,
        actor_id=actor.id,
        remark=remark,
        reached_by=reached_by,
    )
    return _record(db, part, entry, signature, actor, "agreement-withdrawn-own")


def own_agreement(db: Session, part: Part, actor: Principal) -> Acceptance | None:
    """The actor's own agreement to this part that still counts today, if any: what they may
    take back."""
    row = Acceptance
    found = db.scalars(
        select(row)
        .where(
            row.subject_type == part.subject.person_kind,
            row.subject_id == part.subject.id,
            row.acting_as == part.part,
            row.actor_type == actor.person_kind,
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


def standing_refusal(db: Session, part: Part) -> Acceptance | None:
    """The refusal of this part that stands today (for saying who said no, when, and why)."""
    if not part.declined:
        return None
    return db.scalars(
        select(Acceptance)
        .where(
            Acceptance.subject_type == part.subject.person_kind,
            Acceptance.subject_id == part.subject.id,
            Acceptance.acting_as == part.part,
            Acceptance.action == DECLINE,
            Acceptance.policy_version_id.in_(part.rule.counted_ids),
        )
        .order_by(Acceptance.id.desc())
    ).first()


def _record(
    db: Session, part: Part, entry: Entry, signature: Signature, actor: Principal, event: str
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


# --- The safeguarding list ------------------------------------------------------------------


def may_see_refusals(staff: Staff, safeguarding_email: str | None) -> bool:
    """The ICT lead, and the designated safeguarding lead: the member of staff whose sign-in
    email is the DSL's in the school profile (`roles.dsl.email` in school.yml)."""
    if staff.role == StaffRole.ICT_LEAD:
        return True
    wanted = (safeguarding_email or "").strip().lower()
    return bool(wanted) and staff.email.strip().lower() == wanted


@dataclass(frozen=True)
class RefusalLine:
    """One refusal or withdrawal, as the safeguarding list shows it."""

    record: Acceptance
    name: str  # whom it is about
    title: str  # the policy's title, as recorded with its version
    version: str
    by: str  # who said no or took it back: "themselves", or their name and part
    agreed_since: bool  # someone has agreed to the same part of that version since

    @property
    def kind(self) -> str:
        return self.record.subject_type

    @property
    def withdrawn(self) -> bool:
        return self.record.action == WITHDRAW


def open_recent(db: Session, viewer: Staff) -> list[RefusalLine]:
    """The list as the safeguarding lead or the ICT lead opens it: `recent`, with the viewing
    logged against each pupil listed. One unit of work that commits the log."""
    lines = recent(db, viewer.school_id)
    audit.record(
        db,
        "refusals-viewed",
        school_id=viewer.school_id,
        actor=viewer,
        pupils=sorted({line.record.subject_id for line in lines if line.kind == PersonKind.PUPIL}),
        listed=len(lines),
    )
    db.commit()
    return lines


def recent(db: Session, school_id: int, now: dt.datetime | None = None) -> list[RefusalLine]:
    """Every refusal and withdrawal recorded in the school in the last `RECENT`, newest
    first."""
    row = Acceptance
    found = db.execute(
        select(row, PolicyVersionRecord.title, PolicyVersionRecord.version, agreed_after(row))
        .join(PolicyVersionRecord, PolicyVersionRecord.id == row.policy_version_id)
        .where(
            row.school_id == school_id,
            row.action.in_((DECLINE, WITHDRAW)),
            row.created_at >= (now or utcnow()) - RECENT,
        )
        .order_by(row.id.desc())
    ).all()
    people = [(r.subject_type, r.subject_id) for r, *_ in found]
    people += [(r.actor_type, r.actor_id) for r, *_ in found]
    names = _names(db, school_id, people)
    return [
        RefusalLine(
            record=record,
            name=names.get((record.subject_type, record.subject_id), "someone who has left"),
            title=title,
            version=version,
            by=_by(record, names),
            agreed_since=bool(since),
        )
        for record, title, version, since in found
    ]


def _by(record: Acceptance, names: dict[tuple[str, int], str]) -> str:
    if (record.actor_type, record.actor_id) == (record.subject_type, record.subject_id):
        return "themselves"
    name = names.get((record.actor_type, record.actor_id), "someone who has left")
    return f"{name} ({KIND_LABELS.get(record.actor_type, record.actor_type)})"


def _names(
    db: Session, school_id: int, people: list[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    """Names of the school's people, by (kind, id): one query for each kind."""
    wanted: dict[str, set[int]] = {}
    for kind, person_id in people:
        wanted.setdefault(kind, set()).add(person_id)
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        model = PEOPLE.get(kind)
        if model is None:
            continue
        for person in cast(
            Iterable[Person],
            db.scalars(select(model).where(model.id.in_(ids), model.school_id == school_id)),
        ):
            names[(kind, person.id)] = person.name
    return names
