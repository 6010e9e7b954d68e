"""The published policy versions people sign, as the portal recorded them.

Each published version in `policies/` is recorded once (policy, version, content hash, date it
comes into force): the table mirrors `policies/published.yml` and gives each version the id
agreements point at. A recorded version is what people agreed to, so its text may never change:
if the text now on disk hashes differently, or a recorded version has gone, the policies are
refused, naming the version. services/catalogue.py builds the portal's catalogue from here.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..content import Content
from ..content.policies import PolicyVersion
from ..models import PolicyVersionRecord
from . import audit


class ChangedVersionError(RuntimeError):
    """A recorded (signed) policy version no longer has the text it was recorded with; `lead`
    says what follows from it where it is found (at start, the portal does not start)."""

    def __init__(
        self, problems: list[str], lead: str = "A policy version people have signed has changed"
    ):
        self.problems = problems
        super().__init__(f"{lead}:\n" + "\n".join(f"- {problem}" for problem in problems))


def record_versions(db: Session, content: Content) -> int:
    """Record each published version not yet recorded; refuse any recorded version whose text
    has changed or gone. Returns how many were newly recorded. Commits.

    Two servers starting at once may both try to record a version: the loser's insert fails on
    the unique (policy, version) and it checks again, so each version is recorded once.
    """
    for _ in range(3):
        records = recorded(db)
        refuse_changes(records, content)
        new = [
            (policy, version)
            for policy in content.policies
            for version in policy.published
            if (policy.slug, version.version) not in records
        ]
        for policy, version in new:
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


def recorded(db: Session) -> dict[tuple[str, str], PolicyVersionRecord]:
    """Every recorded version, by (policy, version)."""
    return {(r.policy, r.version): r for r in db.scalars(select(PolicyVersionRecord))}


def refuse_changes(records: dict[tuple[str, str], PolicyVersionRecord], content: Content) -> None:
    """Raise ChangedVersionError naming each recorded version that is not published on disk
    with the text it was recorded with."""
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
        raise ChangedVersionError(problems)


def _relative(version: PolicyVersion) -> str:
    return f"{version.path.parent.name}/{version.path.name}"


def schema_ready(db: Session) -> bool:
    """Whether the database has been set up (`esafety db upgrade`) far enough to record."""
    return inspect(db.get_bind()).has_table("policy_version")


def record_refusal(db: Session, problems: list[str]) -> None:
    """Write to the audit log that changed policy files were refused, with their problems.
    Commits. The files changed on the server: it is not the doing of whoever asked for the
    page that noticed, so no address is written."""
    address = audit.client_address.set(None)
    try:
        audit.record(db, "policies-refused", school_id=None, problems=problems)
        db.commit()
    finally:
        audit.client_address.reset(address)
