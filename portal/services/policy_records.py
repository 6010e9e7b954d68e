"""The published policy versions people sign, as the portal recorded them.

When the portal starts it records every published version in `policies/` (policy, version,
content hash, date it comes into force). A recorded version is what people agreed to, so its
text may never change: if the text now on disk hashes differently, or a recorded version has
gone, the portal refuses to start and says which one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..content import Content
from ..content.policies import Policy, PolicyVersion
from ..models import PolicyVersionRecord


class ChangedVersionError(RuntimeError):
    """A recorded (signed) policy version no longer has the text it was recorded with."""


@dataclass(frozen=True)
class Recorded:
    """A version as loaded from disk, with the id of its record in the database."""

    record_id: int
    policy: Policy
    version: PolicyVersion


def record_versions(db: Session, content: Content) -> int:
    """Record each published version not yet recorded; refuse any recorded version whose text
    has changed or gone. Returns how many were newly recorded. Commits.

    Two servers starting at once may both try to record a version: the loser's insert fails on
    the unique (policy, version) and it checks again, so each version is recorded once.
    """
    for _ in range(3):
        records = {(r.policy, r.version): r for r in db.scalars(select(PolicyVersionRecord))}
        _refuse_changes(records, content)
        new = [
            version
            for policy in content.policies
            for version in policy.published
            if (policy.slug, version.version) not in records
        ]
        for version in new:
            policy = content.policy(version.policy)
            db.add(
                PolicyVersionRecord(
                    policy=version.policy,
                    version=version.version,
                    title=policy.title,
                    content_hash=version.content_hash,
                    effective_from=version.effective_from,
                )
            )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        return len(new)
    raise RuntimeError("Could not record the published policy versions; please try again.")


def _refuse_changes(records: dict[tuple[str, str], PolicyVersionRecord], content: Content) -> None:
    problems = []
    for (slug, version_id), record in sorted(records.items()):
        policy = content.policy(slug)
        version = policy.version(version_id) if policy else None
        if version is None or not version.is_published:
            problems.append(
                f"{slug} version {version_id} was recorded on {record.recorded_at:%d %B %Y} and "
                "people may have signed it, but it is no longer a published version in the "
                "policies folder. Put its file back as it was."
            )
        elif version.content_hash != record.content_hash:
            problems.append(
                f"{slug} version {version_id} ({_relative(version)}) has changed since it was "
                f"recorded on {record.recorded_at:%d %B %Y}: its content hash was "
                f"{record.content_hash}, and the text now hashes to {version.content_hash}. "
                "People have signed the recorded text: restore it, and publish any change as "
                "a new version."
            )
    if problems:
        raise ChangedVersionError(
            "The portal will not start, because a policy version people have signed has "
            "changed:\n" + "\n".join(f"- {problem}" for problem in problems)
        )


def _relative(version: PolicyVersion) -> str:
    return f"{version.path.parent.name}/{version.path.name}"


def schema_ready(db: Session) -> bool:
    """Whether the database has been set up (`esafety db upgrade`) far enough to record."""
    return inspect(db.get_bind()).has_table("policy_version")


def recorded(db: Session, content: Content, slug: str | None = None) -> dict[int, Recorded]:
    """Recorded versions that are on disk, by record id (of one policy, or all)."""
    query = select(PolicyVersionRecord)
    if slug is not None:
        query = query.where(PolicyVersionRecord.policy == slug)
    found = {}
    for record in db.scalars(query):
        policy = content.policy(record.policy)
        version = policy.version(record.version) if policy else None
        if version is not None:
            found[record.id] = Recorded(record.id, policy, version)
    return found


def record_ids(db: Session, content: Content) -> dict[tuple[str, str], int]:
    """(policy, version) to record id, for every recorded version."""
    return {(r.policy.slug, r.version.version): r.record_id for r in recorded(db, content).values()}
