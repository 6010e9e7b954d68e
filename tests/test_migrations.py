"""Every migration goes down as well as up, with data in the tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from portal.content import load_content
from portal.db import make_engine
from portal.migrate import alembic_config, downgrade, upgrade
from portal.models import Acceptance, ImageConsent, PolicyVersionRecord, School
from portal.services.acceptance import Entry, Signature, record_and_commit, verify_chains
from portal.services.agreements import PARENT
from portal.services.policy_records import record_versions
from tests.factories import ContentTree, make_class, make_parent, make_pupil, make_school


def revisions(url: str) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def add_a_school_with_evidence(url: str, tmp_path) -> None:
    tree = ContentTree(tmp_path / "project")
    tree.policy("young", accepted_by=["pupils-4-7-via-parent"])
    tree.version(slug="young")
    tree.publish()
    engine = make_engine(url)
    with Session(engine) as db:
        record_versions(db, load_content(tree.policies))
        school = make_school(db)
        child = make_pupil(db, school, make_class(db, school, "R", 0), year_group=0)
        parent = make_parent(db, school, [child])
        db.commit()
        version = db.scalar(select(PolicyVersionRecord))
        record_and_commit(
            db,
            school.id,
            [Entry("pupil", child.id, PARENT, version.id, version.content_hash, True)],
            Signature("parent", parent.id, signed_name=parent.name),
        )
        for voice, actor_type, actor_id in (
            ("parent", "parent", parent.id),
            ("pupil", "pupil", child.id),
        ):
            db.add(
                ImageConsent(
                    school_id=school.id,
                    pupil_id=child.id,
                    purpose="website",
                    given=True,
                    actor_type=actor_type,
                    actor_id=actor_id,
                    voice=voice,
                )
            )
        db.commit()
    engine.dispose()


def count(url: str, model) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            return db.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def test_each_migration_goes_down_one_step_at_a_time_and_up_again(blank_database_url, tmp_path):
    upgrade(blank_database_url)
    add_a_school_with_evidence(blank_database_url, tmp_path)
    steps = revisions(blank_database_url)
    for revision in reversed(steps[:-1]):  # down to the first revision, one at a time
        downgrade(blank_database_url, revision)
        assert count(blank_database_url, School) == 1, (
            f"the school was lost going down to {revision}"
        )
    downgrade(blank_database_url, "base")
    engine = make_engine(blank_database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(blank_database_url)
    add_a_school_with_evidence(blank_database_url, tmp_path / "again")
    assert count(blank_database_url, Acceptance) == 1


def test_data_survives_going_down_and_up_again_past_the_newest_revision(
    blank_database_url, tmp_path
):
    upgrade(blank_database_url)
    add_a_school_with_evidence(blank_database_url, tmp_path)
    downgrade(blank_database_url, revisions(blank_database_url)[2])
    upgrade(blank_database_url)
    assert count(blank_database_url, Acceptance) == 1
    assert count(blank_database_url, ImageConsent) == 1  # the pupil's own view has no older place
    engine = make_engine(blank_database_url)
    with Session(engine) as db:
        assert verify_chains(db).problems == []
    engine.dispose()
