"""Every way an agreement is recorded: a parent or carer signing for the family, a pupil or a
member of staff signing their own, and staff recording agreements for someone (a paper slip, in
person, a class's returned slips) or withdrawing one recorded in error.

Each function is one unit of work: it builds the ledger entries, appends them to the school's
chain with their audit event (and a receipt, when there is one) and commits, so when it returns
the records are durable and may be confirmed to the person. Refusals and a carer taking back
their own agreement are in services/refusals.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..content.policies import PolicyVersion
from ..models import Acceptance, Parent, Person, PersonKind, Principal, Pupil, SchoolClass, Staff
from . import audit, mail
from .acceptance import Entry, Outcome, Signature, record_and_commit
from .agreements import (
    COUNTERSIGN,
    PARENT,
    SELF,
    WITHDRAW,
    Part,
    Rule,
    last_signed_version,
)


@dataclass
class PolicyToSign:
    """One policy a parent is asked to agree to, with the parts (children) it covers."""

    rule: Rule
    parts: list[Part] = field(default_factory=list)
    earlier: PolicyVersion | None = None  # what this parent signed before, if older

    @property
    def version(self) -> PolicyVersion:
        return self.rule.current

    @property
    def children(self) -> list[Pupil]:
        return [part.subject for part in self.parts if isinstance(part.subject, Pupil)]

    @property
    def own(self) -> bool:
        return any(part.part == SELF for part in self.parts)

    @property
    def for_whom(self) -> str:
        children = and_list([child.first_name for child in self.children])
        if self.own:
            return f"Your own agreement, and for {children}" if children else "Your own agreement"
        return f"For {children}"

    @property
    def countersign(self) -> bool:
        return any(part.part == COUNTERSIGN for part in self.parts)


def and_list(words: list[str]) -> str:
    """Amira; Amira and Ben; Amira, Ben and Cal."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" and {words[-1]}"


def policies_to_sign(db: Session, parent: Parent, parts: list[Part]) -> list[PolicyToSign]:
    """A parent's parts grouped by the version they sign, in the policies' order, each with
    the version this parent signed before (its changes are shown)."""
    grouped: dict[str, PolicyToSign] = {}
    for part in parts:
        key = shown_key(part.rule)
        if key not in grouped:
            grouped[key] = PolicyToSign(
                part.rule,
                earlier=last_signed_version(db, part.rule, PersonKind.PARENT, parent.id),
            )
        grouped[key].parts.append(part)
    return list(grouped.values())


def shown_key(rule: Rule) -> str:
    """The version a page shows, with the language of its text: "parent-agreement:2026.09:en"."""
    return f"{rule.policy.slug}:{rule.current.version}:{rule.current.language}"


# Given the records a parent or carer has just made: the receipt email's subject and body.
ComposeReceipt = Callable[[list[Acceptance]], tuple[str, str]]


def sign_for_family(
    db: Session,
    parent: Parent,
    parts: Iterable[Part],
    signed_name: str,
    reached_by: str | None = None,
    receipt: ComposeReceipt | None = None,
) -> list[Outcome]:
    """A parent or carer agrees, with one signature, to each part shown: their own agreement,
    one for each child, a countersignature. Signing for a child says the rules were talked
    through with them. A receipt is queued to a parent with an email address when something
    new was recorded; a second press records nothing new and sends nothing."""
    entries = [
        Entry.to(
            part.rule.in_force,
            subject_type=part.subject.person_kind,
            subject_id=part.subject.id,
            acting_as=part.part,
            talked_through=True if part.part in (PARENT, COUNTERSIGN) else None,
        )
        for part in parts
    ]

    def log(outcomes: list[Outcome]) -> None:
        new = [outcome.record for outcome in outcomes if outcome.new]
        if not new:
            return
        audit.record(
            db,
            "agreements-signed",
            school_id=parent.school_id,
            actor=parent,
            records=[record.id for record in new],
        )
        if parent.email and receipt is not None:
            subject, body = receipt(new)
            mail.queue_mail(
                db, to=parent.email, subject=subject, body=body, school_id=parent.school_id
            )

    signature = Signature(
        actor_type=PersonKind.PARENT,
        actor_id=parent.id,
        signed_name=signed_name,
        reached_by=reached_by,
    )
    return record_and_commit(db, parent.school_id, entries, signature, then=log)


def sign_own(
    db: Session,
    person: Pupil | Staff,
    part: Part,
    signed_name: str | None = None,
    own_words: str | None = None,
) -> list[Outcome]:
    """A pupil (in their own words) or a member of staff (with their name) agrees to their own
    agreement."""
    kind = person.person_kind
    entry = Entry.to(part.rule.in_force, subject_type=kind, subject_id=person.id, acting_as=SELF)
    signature = Signature(
        actor_type=kind, actor_id=person.id, signed_name=signed_name, remark=own_words
    )

    log = _logged(db, "agreements-signed", person.school_id, person, only_if_new=True)
    return record_and_commit(db, person.school_id, [entry], signature, then=log)


def record_for(
    db: Session,
    staff: Staff,
    person: Person,
    parts: Iterable[Part],
    method: str,
    signed_name: str | None = None,
    remark: str | None = None,
) -> list[Outcome]:
    """A member of staff records agreements someone gave on a paper slip or in person; the
    records name the member of staff and how the agreement reached them."""
    kind = person.person_kind
    entries = [
        Entry.to(part.rule.in_force, subject_type=kind, subject_id=person.id, acting_as=part.part)
        for part in parts
    ]
    signature = Signature(
        actor_type=PersonKind.STAFF,
        actor_id=staff.id,
        method=method,
        signed_name=signed_name,
        remark=remark,
    )

    log = _logged(
        db, "agreement-recorded-for", person.school_id, staff, subject=person, method=method
    )
    return record_and_commit(db, person.school_id, entries, signature, then=log)


def withdraw_for(
    db: Session, staff: Staff, person: Person, part: Part, remark: str
) -> list[Outcome]:
    """A member of staff withdraws an agreement (recorded in error, or taken back in person):
    a new record naming the very version and text of the agreement it withdraws; the old one
    stays, and the agreement is pending again."""
    done_by = part.done_by
    if done_by is None:
        raise ValueError("only an agreement that stands can be withdrawn")
    entry = Entry(
        subject_type=person.person_kind,
        subject_id=person.id,
        acting_as=part.part,
        policy_version_id=done_by.policy_version_id,
        content_hash=done_by.content_hash,
        action=WITHDRAW,
        language=done_by.language,
    )

    log = _logged(db, "agreement-withdrawn", person.school_id, staff, subject=person)
    signature = Signature(
        actor_type=PersonKind.STAFF, actor_id=staff.id, method="in-person", remark=remark
    )
    return record_and_commit(db, person.school_id, [entry], signature, then=log)


def still_to_do(rule: Rule, status: str) -> tuple[str, ...]:
    """The parts a returned slip records for a pupil in `status`: a Years 3 to 6 slip carries
    the child's signature and a parent's, so it records whichever is still missing."""
    if status == "awaiting-parent":
        return (COUNTERSIGN,)
    if status == "awaiting-pupil":
        return (SELF,)
    return rule.parts


def record_slips(
    db: Session,
    staff: Staff,
    school_class: SchoolClass,
    ticked: Iterable[tuple[Rule, Any]],
    remark: str | None = None,
) -> list[Outcome]:
    """A class's returned paper slips, recorded at once: for each (rule, status row) ticked,
    the parts still to do."""
    entries = [
        Entry.to(
            rule.in_force, subject_type=PersonKind.PUPIL, subject_id=row.subject_id, acting_as=part
        )
        for rule, row in ticked
        for part in still_to_do(rule, row.status)
    ]

    log = _logged(
        db, "agreement-slips-recorded", school_class.school_id, staff, class_id=school_class.id
    )
    signature = Signature(
        actor_type=PersonKind.STAFF, actor_id=staff.id, method="paper", remark=remark
    )
    return record_and_commit(db, school_class.school_id, entries, signature, then=log)


def _logged(
    db: Session,
    action: str,
    school_id: int,
    actor: Principal,
    only_if_new: bool = False,
    **detail: Any,
) -> Callable[[list[Outcome]], None]:
    """The audit event of a recording, written in its transaction: the records it added (none,
    on a second press; then, with `only_if_new`, no event at all)."""

    def log(outcomes: list[Outcome]) -> None:
        new = [outcome.record.id for outcome in outcomes if outcome.new]
        if new or not only_if_new:
            audit.record(db, action, school_id=school_id, actor=actor, records=new, **detail)

    return log
