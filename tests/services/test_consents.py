"""Photo choices: every use from the school's consent form, and from Year 8 the pupil's own view
beside the parent's; the school may use a photo only when every voice asked said yes."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from portal.db import make_engine
from portal.migrate import alembic_config, upgrade
from portal.models import AuditEvent, ImageConsent
from portal.services import consents
from tests.factories import make_parent, make_pupil, make_school


@pytest.fixture
def school(db):
    school = make_school(db)
    db.commit()
    return school


def family(db, school, year_group):
    pupil = make_pupil(db, school, year_group=year_group)
    parent = make_parent(db, school, [pupil])
    db.commit()
    return pupil, parent


def test_every_use_in_the_consent_form_is_offered():
    assert list(consents.PURPOSES) == [
        "website",
        "print",
        "display",
        "external",
        "platform",
        "video",
        "press",
        "social",
    ]
    assert "exhibition" in consents.PURPOSES["external"]
    assert "social media" in consents.PURPOSES["social"]


@pytest.mark.parametrize(
    ("year_group", "asked"), [(0, False), (6, False), (7, False), (8, True), (13, True)]
)
def test_pupils_give_their_own_view_from_year_8(db, school, year_group, asked):
    pupil, _ = family(db, school, year_group)
    assert consents.asks_pupil(pupil) is asked


def test_from_year_8_a_photo_is_used_only_when_parent_and_pupil_both_say_yes(db, school):
    pupil, parent = family(db, school, 9)
    consents.set_choices(
        db, parent, pupil, {"website": True, "social": True, "press": False, "print": True}
    )
    consents.set_own_choices(db, pupil, {"website": True, "social": False, "press": True})
    db.commit()
    view = consents.views(db, [pupil])[pupil.id]
    assert view["website"].allowed  # both yes
    assert not view["social"].allowed  # the pupil's no is not overruled
    assert not view["press"].allowed  # nor the parent's no
    assert not view["print"].allowed  # the pupil has not answered: no
    assert not view["external"].allowed  # nobody has answered: no
    assert view["social"].parent.given
    assert not view["social"].pupil.given
    assert view["print"].pupil is None
    assert view["print"].pupil_asked


def test_below_year_8_the_parents_answer_decides(db, school):
    pupil, parent = family(db, school, 5)
    consents.set_choices(db, parent, pupil, {"website": True})
    db.commit()
    view = consents.views(db, [pupil])[pupil.id]
    assert view["website"].allowed
    assert view["website"].pupil is None
    assert not view["website"].pupil_asked
    with pytest.raises(ValueError, match="from Year 8"):
        consents.set_own_choices(db, pupil, {"website": False})


def test_each_voice_keeps_its_own_newest_answer_and_history(db, school):
    pupil, parent = family(db, school, 10)
    consents.set_own_choices(db, pupil, {"video": False})
    consents.set_choices(db, parent, pupil, {"video": True})
    consents.set_own_choices(db, pupil, {"video": True})
    assert consents.set_own_choices(db, pupil, {"video": True}) == 0  # unchanged: no new row
    db.commit()
    rows = db.scalars(select(ImageConsent).order_by(ImageConsent.id)).all()
    assert [(r.voice, r.actor_type, r.actor_id, r.given) for r in rows] == [
        ("pupil", "pupil", pupil.id, False),
        ("parent", "parent", parent.id, True),
        ("pupil", "pupil", pupil.id, True),
    ]
    assert consents.current(db, [pupil.id])[pupil.id]["video"].given  # the parent's, by default
    assert consents.views(db, [pupil])[pupil.id]["video"].allowed
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("photo-own-view-changed") == 2
    assert actions.count("photo-choices-changed") == 1


def test_migration_0007_adds_the_voice_and_keeps_older_answers_as_the_parents(blank_database_url):
    def columns() -> set[str]:
        engine = make_engine(blank_database_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("image_consent")}
        finally:
            engine.dispose()

    def run(sql: str, **values) -> list:
        engine = make_engine(blank_database_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(sql), values)
                return result.all() if result.returns_rows else []
        finally:
            engine.dispose()

    def downgrade(revision: str) -> None:
        engine = make_engine(blank_database_url)
        with engine.begin() as connection:
            config = alembic_config(blank_database_url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
        engine.dispose()

    upgrade(blank_database_url, "0006")
    assert "voice" not in columns()
    run("INSERT INTO school (name, slug, created_at) VALUES ('S', 's', CURRENT_TIMESTAMP)")
    [(school_id,)] = run("SELECT id FROM school")
    run(
        "INSERT INTO pupil (school_id, reference, first_name, last_name, year_group, created_at,"
        " failed_attempts) VALUES (:s, 'P1', 'A', 'B', 9, CURRENT_TIMESTAMP, 0)",
        s=school_id,
    )
    [(pupil_id,)] = run("SELECT id FROM pupil")
    insert = (
        "INSERT INTO image_consent (school_id, pupil_id, purpose, given, actor_type, actor_id,"
        " created_at{extra}) VALUES (:s, :p, 'website', :g, :a, 1, CURRENT_TIMESTAMP{value})"
    )
    run(insert.format(extra="", value=""), s=school_id, p=pupil_id, g=True, a="parent")
    upgrade(blank_database_url, "0007")
    assert "voice" in columns()
    assert run("SELECT voice FROM image_consent") == [("parent",)]
    run(
        insert.format(extra=", voice", value=", 'pupil'"),
        s=school_id,
        p=pupil_id,
        g=False,
        a="pupil",
    )
    downgrade("0006")
    assert "voice" not in columns()
    assert run("SELECT actor_type, given FROM image_consent") == [("parent", True)]
    upgrade(blank_database_url, "0007")
    assert "voice" in columns()
