"""The catalogue: each published version has one identity (policy, version, record id and
content hash together), checked against the recorded hashes, and the ledger takes no agreement
whose hash is not the hash of the version it names."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.models import Acceptance, PolicyVersionRecord
from portal.services.acceptance import Entry, Signature, VersionMismatch, record_and_commit
from portal.services.agreements import PARENT
from portal.services.catalogue import build
from portal.services.policy_records import ChangedVersionError
from tests.factories import ContentTree, catalogue_of, make_parent, make_pupil, make_school


@pytest.fixture
def policies_dir(tree: ContentTree):
    """One policy with two published versions: what a parent signs for a child aged 4 to 7."""
    tree.policy("young", accepted_by=["pupils-4-7-via-parent"])
    tree.version("2025.09", slug="young")
    tree.version(
        "2025.10",
        slug="young",
        body="## Rules\n\nAsk before you click.\n",
        effective_from=dt.date(2025, 10, 1),
    )
    tree.publish()
    return tree.policies


@pytest.fixture
def family(db):
    school = make_school(db)
    child = make_pupil(db, school, year_group=1)
    parent = make_parent(db, school, [child])
    db.commit()
    return school, parent, child


def test_each_version_carries_its_record_id_and_hash_together(app, db):
    catalogue = catalogue_of(app)
    records = {row.id: row for row in db.scalars(select(PolicyVersionRecord))}
    assert [str(version) for version in catalogue.versions] == ["young 2025.09", "young 2025.10"]
    for version in catalogue.versions:
        record = records[version.record_id]
        assert (record.policy, record.version) == (version.slug, version.version.version)
        assert record.content_hash == version.content_hash
        assert catalogue.get(version.record_id) is version


def test_the_ledger_refuses_an_entry_whose_hash_is_not_its_versions(app, db, family):
    school, parent, child = family
    catalogue = catalogue_of(app)
    older = catalogue.find("young", "2025.09")
    newer = catalogue.find("young", "2025.10")
    signed = Signature("parent", parent.id, signed_name=parent.name)
    # The older version's id with the newer version's hash: the pair a view could get wrong.
    mixed = Entry("pupil", child.id, PARENT, older.record_id, newer.content_hash, True)
    with pytest.raises(VersionMismatch) as refused:
        record_and_commit(db, school.id, [mixed], signed)
    message = str(refused.value)
    assert f"young version 2025.09 (record {older.record_id})" in message
    assert older.content_hash in message
    assert newer.content_hash in message
    assert "nothing was recorded" in message
    db.rollback()
    unknown = Entry("pupil", child.id, PARENT, newer.record_id + 1000, newer.content_hash)
    with pytest.raises(VersionMismatch, match="no recorded policy version"):
        record_and_commit(db, school.id, [unknown], signed)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Acceptance)) == 0

    [outcome] = record_and_commit(
        db, school.id, [Entry.to(older, "pupil", child.id, PARENT)], signed
    )
    assert (outcome.record.policy_version_id, outcome.record.content_hash) == (
        older.record_id,
        older.content_hash,
    )


def test_a_catalogue_is_not_built_from_a_signed_version_that_changed(app, db, tree):
    path = tree.policies / "young" / "2025.09.md"
    path.write_text(path.read_text().replace("Be kind online", "Be nice online"))
    (tree.policies / "published.yml").unlink()
    tree.publish()  # as if someone wrote the new hash into published.yml by hand
    with pytest.raises(ChangedVersionError) as refused:
        build(db, tree.load())
    assert "young version 2025.09 (young/2025.09.md) has changed since it was recorded" in str(
        refused.value
    )
