"""Recording agreements: append-only, hash-chained, each one once.

Every record joins its school's chain: `record_hash` is a SHA-256 of the record's fields and of
`previous_hash`, the hash of the record before it (id order). Changing, removing or reordering a
record breaks the chain where it happened; `verify_chains` (`esafety audit verify`) finds the
first break. The school's row in `acceptance_chain` holds the chain's length and newest hash,
so removing the newest records is noticed too.

Appending locks that row first, so one school's records join the chain one at a time: on
PostgreSQL with SELECT ... FOR UPDATE, on SQLite by taking the write lock at the start of the
transaction (BEGIN IMMEDIATE). Under the lock, a record that already exists (a double click, a
back-and-resubmit) is not written again; the unique constraint `uq_acceptance_once` is the last
line, and `record_and_commit` treats a clash with it as "already recorded".

Nothing here updates or deletes an acceptance: a withdrawal is a new record, and the session
refuses to flush a change to one (see `_append_only`). Nor is anything recorded against a text
other than the one published: an entry's content hash must be the recorded hash of the version
it names (the hash the catalogue, services/catalogue.py, was checked against).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..db import INSERT_ON_CONFLICT
from ..models import Acceptance, AcceptanceChain, ImageConsent, PolicyVersionRecord, School
from .agreements import ACCEPT
from .catalogue import CatalogueVersion

GENESIS = "0" * 64
METHODS = {"online": "Online", "paper": "Signed paper slip", "in-person": "In person"}
HASHED = (
    "school_id",
    "subject_type",
    "subject_id",
    "actor_type",
    "actor_id",
    "acting_as",
    "policy_version_id",
    "content_hash",
    "action",
    "method",
    "language",
    "signed_name",
    "talked_through",
    "remark",
    "reached_by",
    "created_at",
    "previous_hash",
)
# Fields added after records were first made: hashed only when they hold something, so every
# older record keeps its hash.
HASHED_WHEN_SET = ("reached_by",)
ONCE = ("subject_type", "subject_id", "actor_type", "actor_id", "acting_as", "policy_version_id")


@dataclass(frozen=True)
class Entry:
    """One part of one agreement to record: about whom, which part, which version."""

    subject_type: str
    subject_id: int
    acting_as: str
    policy_version_id: int
    content_hash: str
    talked_through: bool | None = None
    action: str = ACCEPT
    language: str | None = None  # of the text shown; the signature's when not given

    @classmethod
    def to(
        cls,
        version: CatalogueVersion,
        subject_type: str,
        subject_id: int,
        acting_as: str,
        talked_through: bool | None = None,
        action: str = ACCEPT,
    ) -> Entry:
        """An entry for a version of the catalogue: its id, its hash and the language of its text
        come from one place."""
        return cls(
            subject_type,
            subject_id,
            acting_as,
            version.record_id,
            version.content_hash,
            talked_through,
            action,
            version.version.language,
        )


class VersionMismatch(ValueError):
    """An entry's content hash is not the hash of the version it names: nothing is recorded."""


@dataclass(frozen=True)
class Signature:
    """Who acted, and how: shared by every entry of one submission."""

    actor_type: str
    actor_id: int
    method: str = "online"
    signed_name: str | None = None
    remark: str | None = None
    language: str = "en"
    reached_by: str | None = None  # how a parent or carer was reached (link and address, letter)


@dataclass(frozen=True)
class Outcome:
    record: Acceptance
    new: bool  # False: it had been recorded already (a second press, another tab)


def record_hash(values: dict[str, Any]) -> str:
    """SHA-256 of the hashed fields, as canonical JSON (dates as ISO 8601)."""
    canonical = {
        name: values[name].isoformat() if isinstance(values[name], dt.datetime) else values[name]
        for name in HASHED
        if not (name in HASHED_WHEN_SET and values[name] is None)
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_of(record: Acceptance) -> str:
    return record_hash({name: getattr(record, name) for name in HASHED})


# --- Appending -------------------------------------------------------------------------------


def lock_chain(db: Session, school_id: int) -> AcceptanceChain:
    """Take this school's chain for this transaction; others wait until it commits."""
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        assert raw is not None  # a checked-out connection always has one
        if not raw.in_transaction:  # nothing written yet: take the write lock now
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    head = _locked_head(db, school_id)
    if head is None:
        last = db.scalar(
            select(Acceptance)
            .where(Acceptance.school_id == school_id)
            .order_by(Acceptance.id.desc())
        )
        length = db.scalar(select(func.count()).where(Acceptance.school_id == school_id))
        values = {
            "school_id": school_id,
            "length": length or 0,
            "last_hash": last.record_hash if last else GENESIS,
            "updated_at": utcnow(),
        }
        insert = INSERT_ON_CONFLICT[connection.dialect.name]
        db.execute(insert(AcceptanceChain).values(**values).on_conflict_do_nothing())
        head = _locked_head(db, school_id)
    assert head is not None
    return head


def _locked_head(db: Session, school_id: int) -> AcceptanceChain | None:
    return db.scalar(
        select(AcceptanceChain)
        .where(AcceptanceChain.school_id == school_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def append(
    db: Session,
    school_id: int,
    entries: Iterable[Entry],
    signature: Signature,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """Add each entry to the school's chain, once. Call with nothing else written yet in this
    transaction; commit soon after, as the chain stays locked until then. Raises
    VersionMismatch, before anything is written, for an entry whose hash is not its version's."""
    entries = list(entries)
    _check_versions(db, entries)
    head = lock_chain(db, school_id)
    now = now or utcnow()
    outcomes = []
    for entry in entries:
        existing = db.scalar(
            select(Acceptance).where(
                Acceptance.subject_type == entry.subject_type,
                Acceptance.subject_id == entry.subject_id,
                Acceptance.actor_type == signature.actor_type,
                Acceptance.actor_id == signature.actor_id,
                Acceptance.acting_as == entry.acting_as,
                Acceptance.policy_version_id == entry.policy_version_id,
                Acceptance.action == entry.action,
            )
        )
        if existing is not None:
            outcomes.append(Outcome(existing, new=False))
            continue
        record = Acceptance(
            school_id=school_id,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            actor_type=signature.actor_type,
            actor_id=signature.actor_id,
            acting_as=entry.acting_as,
            policy_version_id=entry.policy_version_id,
            content_hash=entry.content_hash,
            action=entry.action,
            method=signature.method,
            language=entry.language or signature.language,
            signed_name=signature.signed_name,
            talked_through=entry.talked_through,
            remark=signature.remark,
            reached_by=signature.reached_by,
            created_at=now,
            previous_hash=head.last_hash,
        )
        record.record_hash = hash_of(record)
        db.add(record)
        db.flush()
        head.last_hash, head.length, head.updated_at = record.record_hash, head.length + 1, now
        outcomes.append(Outcome(record, new=True))
    db.flush()
    return outcomes


def _check_versions(db: Session, entries: list[Entry]) -> None:
    ids = {entry.policy_version_id for entry in entries}
    recorded = {
        row.id: row
        for row in db.scalars(select(PolicyVersionRecord).where(PolicyVersionRecord.id.in_(ids)))
    }
    for entry in entries:
        version = recorded.get(entry.policy_version_id)
        if version is None:
            raise VersionMismatch(
                f"There is no recorded policy version {entry.policy_version_id}, so nothing "
                "was recorded."
            )
        if entry.content_hash != version.content_hash:
            raise VersionMismatch(
                f"An agreement to {version.policy} version {version.version} (record "
                f"{version.id}) must carry that version's content hash {version.content_hash}, "
                f"not {entry.content_hash}: the text agreed to would not be the text published, "
                "so nothing was recorded."
            )


def record_and_commit(
    db: Session,
    school_id: int,
    entries: list[Entry],
    signature: Signature,
    then: Callable[[list[Outcome]], None] | None = None,
    attempts: int = 3,
) -> list[Outcome]:
    """Append and commit, with `then` (a receipt email, an audit event) in the same
    transaction. When this returns, the records are durable: only then confirm them to anyone.

    The append starts a transaction of its own (on SQLite a transaction that has read cannot
    always go on to write), so a session holding unsaved changes is refused: nothing of the
    caller's is committed on the way. A clash with the unique constraint means another request
    recorded the same thing a moment before: roll back and try again, and that record is
    reported as already there.
    """
    if db.new or db.dirty or db.deleted:
        raise RuntimeError("Save or drop the session's changes before recording agreements")
    for _ in range(attempts):
        db.commit()  # ends the reads before it; nothing is pending
        try:
            outcomes = append(db, school_id, entries, signature)
            if then is not None:
                then(outcomes)
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        return outcomes
    raise RuntimeError("The agreement could not be recorded; please try again.")


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context: object, _instances: object) -> None:
    """Agreements and photo choices only ever gain rows."""
    for record in [*session.dirty, *session.deleted]:
        if isinstance(record, Acceptance | ImageConsent) and (
            record in session.deleted or session.is_modified(record)
        ):
            raise RuntimeError(
                f"{type(record).__name__} records are never changed or deleted; "
                "add a new record instead"
            )


# --- Verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    school_id: int
    school: str
    record_id: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.school}: {self.message}"


@dataclass(frozen=True)
class ChainReport:
    records: int
    schools: int
    problems: list[ChainProblem]


def verify_chains(db: Session) -> ChainReport:
    """Recompute every school's chain; report the first break in each."""
    schools = dict(db.execute(select(School.id, School.slug)).all())
    with_records = set(db.scalars(select(Acceptance.school_id).distinct())) | set(
        db.scalars(select(AcceptanceChain.school_id))
    )
    problems, total = [], 0
    for school_id in sorted(with_records):
        name = schools.get(school_id, f"school {school_id}")
        count, problem = _verify_school(db, school_id)
        total += count
        if problem is not None:
            problems.append(ChainProblem(school_id, name, *problem))
    for school_id, policy, version, recorded in _versions_changed_since_signed(db):
        problems.append(
            ChainProblem(
                school_id,
                schools.get(school_id, f"school {school_id}"),
                None,
                f"{policy} {version}: its recorded hash {recorded[:12]}... is not the hash its "
                "agreements were made to: the record of published versions was changed",
            )
        )
    return ChainReport(total, len(with_records), problems)


def _versions_changed_since_signed(db: Session) -> Sequence[tuple[int, str, str, str]]:
    """Versions whose recorded hash differs from what people agreed to (one row each)."""
    return db.execute(
        select(
            func.min(Acceptance.school_id),
            PolicyVersionRecord.policy,
            PolicyVersionRecord.version,
            PolicyVersionRecord.content_hash,
        )
        .join(PolicyVersionRecord, PolicyVersionRecord.id == Acceptance.policy_version_id)
        .where(Acceptance.content_hash != PolicyVersionRecord.content_hash)
        .group_by(
            PolicyVersionRecord.policy,
            PolicyVersionRecord.version,
            PolicyVersionRecord.content_hash,
        )
    ).all()


def _verify_school(db: Session, school_id: int) -> tuple[int, tuple[int | None, str] | None]:
    ids_by_hash = dict(
        db.execute(
            select(Acceptance.record_hash, Acceptance.id).where(Acceptance.school_id == school_id)
        ).all()
    )
    previous, previous_id, count = GENESIS, None, 0
    records = db.scalars(
        select(Acceptance)
        .where(Acceptance.school_id == school_id)
        .order_by(Acceptance.id)
        .execution_options(yield_per=500)
    )
    try:
        for record in records:
            count += 1
            if hash_of(record) != record.record_hash:
                return count, (
                    record.id,
                    f"record {record.id} was altered: its fields no longer give its hash "
                    f"{record.record_hash}",
                )
            if record.previous_hash != previous:
                return count, (record.id, _break(record, previous_id, ids_by_hash))
            previous, previous_id = record.record_hash, record.id
    finally:
        records.close()  # a server-side cursor on PostgreSQL, even when stopping early
    head = db.get(AcceptanceChain, school_id, populate_existing=True)
    if head is None:
        if count:
            return count, (None, "the head of the chain (its length and newest hash) is missing")
        return count, None
    if head.length != count or head.last_hash != previous:
        after = f"after record {previous_id}" if previous_id else "from the start"
        if head.length > count:
            return count, (
                None,
                f"{head.length - count} record(s) {after} were removed: the chain should have "
                f"{head.length} records and has {count}",
            )
        return count, (
            None,
            f"the chain has {count} records ending {previous[:12]}, but its head says "
            f"{head.length} ending {head.last_hash[:12]}: records were added outside the portal",
        )
    return count, None


def _break(record: Acceptance, previous_id: int | None, ids_by_hash: dict[str, int]) -> str:
    expected = f"record {previous_id}" if previous_id else "the start of the chain"
    if record.previous_hash == GENESIS:
        return (
            f"record {record.id} is out of order: it claims to start the chain, but it comes "
            f"after {expected}"
        )
    follows = ids_by_hash.get(record.previous_hash)
    if follows is not None:
        return (
            f"record {record.id} is out of order: it was made after record {follows}, but "
            f"comes after {expected}"
        )
    return (
        f"record {record.id} follows a record that is missing: a record before it was "
        f"removed, or {expected} was changed and its hash rewritten"
    )
