"""The catalogue: every published policy version the portal serves, each with one identity.

A version is known in three places: its file (the text, and the hash worked out from it),
`policies/published.yml` (the hash written when it was published) and the `policy_version`
table (the id agreements point at). Loading the content checks the files against
published.yml; `build` then records new versions and checks every recorded one against the
same hashes. What comes out never changes: each `CatalogueVersion` carries the policy, the
version, its record id and its content hash together, so nothing downstream pairs an id with
a hash by hand. A running portal builds a new catalogue when the policies folder changes and
swaps it in whole (web/policies.py); docs/architecture.md tells the story.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy.orm import Session

from ..content import Content
from ..content.policies import Policy, PolicyVersion
from . import policy_records


@dataclass(frozen=True)
class CatalogueVersion:
    """One published version as the portal knows it: policy, version, record id and hash."""

    record_id: int
    policy: Policy
    version: PolicyVersion

    @property
    def slug(self) -> str:
        return self.policy.slug

    @property
    def content_hash(self) -> str:
        return self.version.content_hash

    def __str__(self) -> str:
        return f"{self.slug} {self.version.version}"


class NotRecorded(LookupError):
    """A version the catalogue does not hold: the database has not been set up yet."""


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The loaded content and every published version in it, in the policies' order (each
    policy's oldest first). `recorded` is False before `esafety db upgrade` has made the
    tables; `fingerprint` is the state of the policies folder's files when they were read."""

    content: Content
    versions: tuple[CatalogueVersion, ...]
    recorded: bool = True
    fingerprint: tuple[object, ...] = ()
    _by_id: Mapping[int, CatalogueVersion] = field(init=False, repr=False)
    _by_policy: Mapping[str, tuple[CatalogueVersion, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_policy: dict[str, list[CatalogueVersion]] = {}
        for version in self.versions:
            by_policy.setdefault(version.slug, []).append(version)
        by_id = {version.record_id: version for version in self.versions}
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))
        by_slug = {slug: tuple(found) for slug, found in by_policy.items()}
        object.__setattr__(self, "_by_policy", MappingProxyType(by_slug))

    def get(self, record_id: int) -> CatalogueVersion | None:
        """The version an agreement record points at, by its id."""
        return self._by_id.get(record_id)

    def of_policy(self, slug: str) -> tuple[CatalogueVersion, ...]:
        """Every published version of one policy, oldest first."""
        return self._by_policy.get(slug, ())

    def find(self, slug: str, version: str) -> CatalogueVersion:
        found = next((v for v in self.of_policy(slug) if v.version.version == version), None)
        if found is None:
            raise NotRecorded(
                f"{slug} version {version} is not recorded in the database yet: run "
                "`esafety db upgrade`"
            )
        return found


def build(db: Session, content: Content, fingerprint: tuple[object, ...] = ()) -> Catalogue:
    """Record the published versions not recorded yet, check every recorded one, and return the
    catalogue. Raises ChangedVersionError, naming each version, if a version people may have
    signed has changed or gone. Commits. `fingerprint` is the state of the policies folder's
    files (content.loader.folder_state), taken before `content` was loaded from them."""
    if not policy_records.schema_ready(db):
        return Catalogue(content, (), recorded=False, fingerprint=fingerprint)
    policy_records.record_versions(db, content)
    records = policy_records.recorded(db)
    # Checked again on what is read here: another server may have recorded in between.
    policy_records.refuse_changes(records, content)
    versions = tuple(
        CatalogueVersion(records[(policy.slug, version.version)].id, policy, version)
        for policy in content.policies
        for version in policy.published
    )
    return Catalogue(content, versions, fingerprint=fingerprint)
