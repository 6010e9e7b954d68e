"""The retention schedule: a dry run changes nothing; a run removes exactly what is past its
period, anonymises people past every period, never touches agreement records (the chain still
verifies), leaves the school's figures as they were, logs itself, and a second run does nothing
more."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from portal.cli import main
from portal.content.calendar import utcnow
from portal.db import Base
from portal.models import (
    Acceptance,
    AuditEvent,
    ClassSignIn,
    ImageConsent,
    LessonDone,
    LinkToken,
    LoginSession,
    OutboxMessage,
    OutcomeProgress,
    Parent,
    ParentLink,
    PolicyVersionRecord,
    Pupil,
    QuizAnswer,
    QuizAttempt,
    ReminderSent,
    Staff,
    Visitor,
)
from portal.services import coverage
from portal.services.acceptance import Entry, Signature, record_and_commit, verify_chains
from portal.services.agreements import PARENT
from portal.services.retention import Periods, plan, run
from portal.settings import SETTINGS
from tests.coverage_fixtures import RIGHT, take_quiz
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff

NOW = dt.datetime(2034, 6, 1, 12, 0)
DAY = dt.timedelta(days=1)
PERIODS = Periods()  # the defaults: 365 days, 6 years, 30 days, 90 days, 2 years
LEARNING = (QuizAnswer, QuizAttempt, LessonDone, OutcomeProgress)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, to show that nothing changed."""
    db.expire_all()
    return {
        table.name: sorted(map(tuple, db.execute(select(table)).all()), key=repr)
        for table in Base.metadata.sorted_tables
    }


def learning_rows(db, pupil: Pupil) -> dict[str, int]:
    return {
        model.__tablename__: db.scalar(
            select(func.count()).select_from(model).where(model.pupil_id == pupil.id)
        )
        for model in LEARNING
    }


@pytest.fixture
def world(db, small_curriculum):
    """One school with people at every point of the schedule, and a second school."""
    school = make_school(db)
    reception = make_class(db, school, "RB", 0)
    people = {
        "current": make_pupil(db, school, reception, first_name="Current"),
        "recent": make_pupil(db, school, reception, first_name="Recent"),  # left 100 days ago
        "gone": make_pupil(db, school, reception, first_name="Gone"),  # left 2 years ago
        "ancient": make_pupil(  # left 7 years ago: past every period
            db, school, reception, first_name="Ancient", username="ancienta1", password="x y z 1"
        ),
    }
    for pupil in people.values():
        take_quiz(db, small_curriculum, pupil, "ey-or-ask", [RIGHT] * 5)
    people["recent"].left_at = NOW - 100 * DAY
    people["gone"].left_at = NOW - 2 * 365 * DAY
    people["ancient"].left_at = NOW - 7 * 365 * DAY
    people["ancient_parent"] = make_parent(
        db, school, [people["ancient"]], letter_code_hash="f" * 64
    )
    people["ancient_parent"].name = "Ann Cient"
    people["ancient_parent"].left_at = NOW - 7 * 365 * DAY
    people["parent"] = make_parent(db, school, [people["current"], people["gone"]])
    people["old_teacher"] = make_staff(db, school, "staff", password="a long password 1")
    people["old_teacher"].left_at = NOW - 7 * 365 * DAY
    people["teacher"] = make_staff(db, school, "ict_lead")
    people["visitor"] = Visitor(
        school_id=school.id, name="Vera Visitor", kind="governor", organisation="Parish"
    )
    db.add(people["visitor"])
    db.flush()
    people["visitor"].left_at = NOW - 7 * 365 * DAY

    other = make_school(db, "Elsewhere")
    people["other_gone"] = make_pupil(db, other, year_group=0, first_name="Far")
    take_quiz(db, small_curriculum, people["other_gone"], "ey-or-ask", [RIGHT] * 5)
    people["other_gone"].left_at = NOW - 3 * 365 * DAY

    # Short-lived rows, each one side of its period.
    for days, name in ((40, "old"), (1, "new")):
        moment = NOW - days * DAY
        db.add(
            LoginSession(
                token_hash=f"{name}-session".ljust(64, "0"),
                principal_type="pupil",
                principal_id=people["current"].id,
                school_id=school.id,
                created_at=moment,
                last_seen_at=moment,
            )
        )
        db.add(
            LinkToken(
                token_hash=f"{name}-link".ljust(64, "0"),
                purpose="parent-sign-in",
                principal_type="parent",
                principal_id=people["parent"].id,
                school_id=school.id,
                created_at=moment - 3 * DAY,
                expires_at=moment,
            )
        )
        db.add(
            ClassSignIn(
                token_hash=f"{name}-class".ljust(64, "0"),
                class_id=reception.id,
                school_id=school.id,
                opened_by=people["teacher"].id,
                created_at=moment - DAY,
                expires_at=moment,
            )
        )
    for days, name in ((100, "old"), (10, "new")):
        moment = NOW - days * DAY
        db.add(
            OutboxMessage(
                school_id=school.id,
                to_address=f"{name}@example.org",
                subject="Sign in",
                body="...",
                created_at=moment,
                next_attempt_at=moment,
                sent_at=moment,
            )
        )
        db.add(ReminderSent(school_id=school.id, parent_id=people["parent"].id, sent_at=moment))
    db.add(  # never delivered: kept, however old
        OutboxMessage(
            school_id=school.id,
            to_address="waiting@example.org",
            subject="Sign in",
            body="...",
            created_at=NOW - 100 * DAY,
            next_attempt_at=NOW,
        )
    )
    for years, action in ((3, "old-event"), (1, "new-event")):
        db.add(AuditEvent(school_id=school.id, at=NOW - years * 365 * DAY, action=action))
    db.commit()
    _agreements(db, school, people)
    school.people = people
    school.other = other
    return school


def _agreements(db, school, people) -> None:
    """The long-gone parent agreed for their child online, typing their name; a photo choice."""
    version = PolicyVersionRecord(
        policy="young",
        version="2025.09",
        title="Young pupils' rules",
        content_hash="a" * 64,
        effective_from=dt.date(2025, 9, 1),
    )
    db.add(version)
    db.commit()
    parent, child = people["ancient_parent"], people["ancient"]
    record_and_commit(
        db,
        school.id,
        [Entry("pupil", child.id, PARENT, version.id, version.content_hash, talked_through=True)],
        Signature("parent", parent.id, signed_name="Ann Cient"),
    )
    record_and_commit(
        db,
        school.id,
        [Entry("pupil", people["current"].id, PARENT, version.id, version.content_hash)],
        Signature("parent", people["parent"].id, signed_name="Pat Parent"),
    )
    db.add(
        ImageConsent(
            school_id=school.id,
            pupil_id=child.id,
            purpose="website",
            given=True,
            actor_type="parent",
            actor_id=parent.id,
        )
    )
    db.commit()


def test_the_defaults_are_the_settings_defaults():
    defaults = {setting.name: setting.default for setting in SETTINGS}
    assert Periods.from_config(defaults) == Periods(365, 6, 30, 90, 2)
    with pytest.raises(ValueError, match="ESAFETY_RETAIN_AUDIT_YEARS"):
        Periods.from_config(defaults | {"RETAIN_AUDIT_YEARS": -1})


def test_a_dry_run_lists_what_would_go_per_table_and_school_and_changes_nothing(db, world):
    before = snapshot(db)
    found = plan(db, PERIODS, NOW)
    assert snapshot(db) == before
    people = world.people
    school, other = world.id, world.other.id
    # Learning of the two who left over a year ago here, and one there: 5 answers each.
    assert found.rows["quiz_answer"] == {school: 10, other: 5}
    assert found.rows["quiz_attempt"] == {school: 2, other: 1}
    assert found.rows["lesson_done"] == {school: 2, other: 1}
    assert found.rows["outcome_progress"] == {school: 4, other: 2}  # two outcomes each
    for table in ("login_session", "link_token", "class_sign_in", "outbox_message"):
        assert found.rows[table] == {school: 1}, table
    assert found.rows["reminder_sent"] == {school: 1}
    assert found.rows["audit_event"] == {school: 1}
    assert found.rows["parent_link"] == {school: 1}  # the long-gone family's link
    assert {(p.kind, p.id) for p in found.people} == {
        ("pupil", people["ancient"].id),
        ("parent", people["ancient_parent"].id),
        ("staff", people["old_teacher"].id),
        ("visitor", people["visitor"].id),
    }
    assert found.named_agreements == {school: 1}
    assert found.rows_of(other) == {
        "quiz_answer": 5,
        "quiz_attempt": 1,
        "lesson_done": 1,
        "outcome_progress": 2,
    }


def test_a_run_removes_exactly_the_expired_rows_and_keeps_everyone_elses(db, world):
    people = world.people
    kept_learning = {name: learning_rows(db, people[name]) for name in ("current", "recent")}
    run(db, PERIODS, NOW)
    db.commit()
    db.expire_all()
    for name, rows in kept_learning.items():
        assert learning_rows(db, people[name]) == rows
        assert all(rows.values())
    for name in ("gone", "ancient", "other_gone"):
        assert set(learning_rows(db, people[name]).values()) == {0}, name
    # Left two years ago: learning gone, but the name stays beside their agreements.
    assert people["gone"].name == "Gone Test"
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 1
    assert db.scalar(select(func.count()).select_from(LinkToken)) == 1
    assert db.scalar(select(func.count()).select_from(ClassSignIn)) == 1
    assert set(db.scalars(select(OutboxMessage.to_address))) == {
        "new@example.org",
        "waiting@example.org",
    }
    assert db.scalar(select(func.count()).select_from(ReminderSent)) == 1
    actions = set(db.scalars(select(AuditEvent.action)))
    assert "new-event" in actions
    assert "old-event" not in actions


def test_people_past_every_period_are_anonymised(db, world):
    people = world.people
    run(db, PERIODS, NOW)
    db.commit()
    db.expire_all()
    pupil = db.get(Pupil, people["ancient"].id)
    assert pupil.name == f"Removed pupil {pupil.id}"
    assert pupil.reference == f"removed-{pupil.id}"
    assert (pupil.username, pupil.password_hash, pupil.picture_password_hash) == (None,) * 3
    assert pupil.class_id is None
    assert pupil.left_at == people["ancient"].left_at
    parent = db.get(Parent, people["ancient_parent"].id)
    assert parent.name == f"Removed parent or carer {parent.id}"
    assert (parent.email, parent.letter_code_hash) == (None, None)
    assert parent.reference == f"removed-{parent.id}"
    assert db.scalars(select(ParentLink).where(ParentLink.parent_id == parent.id)).all() == []
    staff = db.get(Staff, people["old_teacher"].id)
    assert staff.name == f"Removed member of staff {staff.id}"
    assert staff.email == f"removed-{staff.id}@removed.invalid"
    assert (staff.password_hash, staff.totp_secret) == (None, None)
    visitor = db.get(Visitor, people["visitor"].id)
    assert (visitor.name, visitor.organisation) == (f"Removed visitor {visitor.id}", None)
    # Everyone else keeps their name.
    for name in ("current", "recent", "gone", "parent", "teacher", "other_gone"):
        person = db.get(type(people[name]), people[name].id)
        assert not person.name.startswith("Removed"), name


def test_agreement_records_and_photo_choices_are_untouched_and_the_chain_verifies(db, world):
    def evidence():
        db.expire_all()
        return [
            sorted(map(tuple, db.execute(select(table)).all()), key=repr)
            for table in (Acceptance.__table__, ImageConsent.__table__)
        ]

    before = evidence()
    assert verify_chains(db).problems == []
    run(db, PERIODS, NOW)
    db.commit()
    assert evidence() == before
    report = verify_chains(db)
    assert report.problems == []
    assert report.records == 2
    # As documented: the name typed when agreeing stays in the record.
    typed = select(Acceptance.signed_name).where(
        Acceptance.actor_id == world.people["ancient_parent"].id
    )
    assert db.scalar(typed) == "Ann Cient"


def test_the_schools_figures_stay_the_same(db, world, small_curriculum):
    def figures():
        db.expire_all()
        return (
            coverage.trust_summary(db, small_curriculum),
            coverage.heatmap(db, small_curriculum, world.id, by="year"),
            coverage.heatmap(db, small_curriculum, world.id, by="class"),
        )

    before = figures()
    assert before[0][0].pupils == 1  # only the pupil on roll counts
    run(db, PERIODS, NOW)
    db.commit()
    assert figures() == before


def test_the_run_is_logged_with_its_counts(db, world):
    run(db, PERIODS, NOW)
    db.commit()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention-run")).all()
    by_school = {event.school_id: event.detail for event in events}
    assert set(by_school) == {world.id, world.other.id, None}
    here = by_school[world.id]
    assert here["removed"]["quiz_answer"] == 10
    assert here["removed"]["audit_event"] == 1
    assert here["anonymised"] == {"pupil": 1, "parent": 1, "staff": 1, "visitor": 1}
    assert here["agreement_records_kept_with_typed_names"] == 1
    assert here["periods"]["RETAIN_LEARNING_DAYS"] == 365
    assert by_school[None]["removed"]["quiz_answer"] == 15
    assert by_school[None]["anonymised"]["pupil"] == 1


def test_a_second_run_changes_nothing_more(db, world):
    run(db, PERIODS, NOW)
    db.commit()
    before = snapshot(db)
    again = run(db, PERIODS, NOW)
    db.commit()
    assert again.empty
    assert again.people == []
    after = snapshot(db)
    # Only the new log events differ.
    assert len(after["audit_event"]) > len(before["audit_event"])
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    assert verify_chains(db).problems == []


def test_esafety_retention_dry_run_then_run(app, db, small_curriculum, monkeypatch):
    school = make_school(db)
    leaver = make_pupil(db, school, year_group=0, first_name="Lee", last_name="Aver")
    take_quiz(db, small_curriculum, leaver, "ey-or-ask", [RIGHT] * 5)
    leaver.left_at = utcnow() - 400 * DAY
    gone = make_pupil(db, school, year_group=0, first_name="Long", last_name="Gone")
    gone.left_at = utcnow() - 8 * 365 * DAY
    db.commit()
    for name, value in (
        ("DATABASE_URL", app.config["DATABASE_URL"]),
        ("SECRET_KEY", "a test key that is long enough to be accepted"),
        ("POLICIES_DIR", app.config["POLICIES_DIR"]),
    ):
        monkeypatch.setenv(f"ESAFETY_{name}", value)
    dry = CliRunner().invoke(main, ["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{school.name} ({school.slug})" in dry.output
    assert "quiz_answer" in dry.output
    assert f"anonymise pupil {gone.id}: Long Gone" in dry.output
    assert dry.output.endswith("Dry run: nothing was changed.\n")
    db.expire_all()
    assert learning_rows(db, leaver)["quiz_answer"] == 5
    done = CliRunner().invoke(main, ["retention"])
    assert done.exit_code == 0, done.output
    assert "Removed 9 rows and anonymised 1 person" in done.output
    db.expire_all()
    assert learning_rows(db, leaver)["quiz_answer"] == 0
    assert db.get(Pupil, gone.id).name == f"Removed pupil {gone.id}"
    monkeypatch.setenv("ESAFETY_RETAIN_LEARNING_DAYS", "-1")
    refused = CliRunner().invoke(main, ["retention", "--dry-run"])
    assert refused.exit_code == 1
    assert "cannot be negative" in refused.output
