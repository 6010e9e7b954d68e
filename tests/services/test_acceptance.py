"""Evidence: append-only records in a hash chain, each once; tampering is caught; concurrent
submissions are serialised; recorded policy versions may never change."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from portal import create_app, ledger_guard
from portal.cli import main
from portal.content import load_content
from portal.content.calendar import utcnow
from portal.models import Acceptance, AcceptanceChain, PolicyVersionRecord
from portal.services.acceptance import (
    GENESIS,
    Entry,
    Signature,
    hash_of,
    record_and_commit,
    verify_chains,
)
from portal.services.agreements import COUNTERSIGN, PARENT, SELF
from portal.services.policy_records import ChangedVersionError, record_versions
from portal.web.runtime import runtime
from tests.factories import (
    ContentTree,
    catalogue_of,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
)


@dataclass(frozen=True)
class Version:
    id: int
    content_hash: str


@pytest.fixture
def agreement_tree(tmp_path) -> ContentTree:
    tree = ContentTree(tmp_path / "project")
    tree.policy("young", accepted_by=["pupils-4-7-via-parent"], renew=["new-version"])
    tree.version(slug="young")
    tree.policy("junior", order=20, accepted_by=["pupils-7-11-with-parent"], renew=["new-version"])
    tree.version(slug="junior")
    tree.publish()
    return tree


@pytest.fixture
def policies_dir(agreement_tree):
    return agreement_tree.policies


@pytest.fixture
def version(db) -> Version:
    """The recorded version agreements are made to."""
    row = db.scalar(select(PolicyVersionRecord).where(PolicyVersionRecord.policy == "young"))
    return Version(row.id, row.content_hash)


@pytest.fixture
def family(db):
    school = make_school(db)
    children = [make_pupil(db, school, year_group=1) for _ in range(4)]
    parent = make_parent(db, school, children)
    db.commit()
    return school, parent, children


def entry(child, version, part=PARENT) -> Entry:
    return Entry("pupil", child.id, part, version.id, version.content_hash, talked_through=True)


def signed_by(parent, **fields) -> Signature:
    return Signature("parent", parent.id, signed_name=parent.name, **fields)


def record_four(db, family, version) -> list[Acceptance]:
    school, parent, children = family
    records = []
    for child in children:
        outcomes = record_and_commit(db, school.id, [entry(child, version)], signed_by(parent))
        records.append(outcomes[0].record)
    return records


def test_each_record_links_to_the_one_before(db, family, version):
    records = record_four(db, family, version)
    assert records[0].previous_hash == GENESIS
    for before, after in itertools.pairwise(records):
        assert after.previous_hash == before.record_hash
    for record in records:
        assert record.record_hash == hash_of(record)
    head = db.get(AcceptanceChain, family[0].id, populate_existing=True)
    assert (head.length, head.last_hash) == (4, records[-1].record_hash)
    report = verify_chains(db)
    assert (report.records, report.schools, report.problems) == (4, 1, [])


def test_a_record_holds_who_it_is_about_who_acted_how_and_when(db, family, version):
    _, parent, children = family
    record = record_four(db, family, version)[0]
    assert (record.subject_type, record.subject_id) == ("pupil", children[0].id)
    assert (record.actor_type, record.actor_id, record.acting_as) == ("parent", parent.id, PARENT)
    assert (record.policy_version_id, record.content_hash) == (version.id, version.content_hash)
    assert (record.method, record.language, record.talked_through) == ("online", "en", True)
    assert record.signed_name == parent.name
    assert record.created_at <= utcnow()


def test_each_record_keeps_the_language_of_the_text_shown_and_the_chain_verifies(
    db, family, version
):
    """Records made before languages were recorded say "en"; one made from a translation says
    its own; a language given with an entry wins over the submission's."""
    school, parent, children = family
    welsh = Entry("pupil", children[1].id, PARENT, version.id, version.content_hash, language="cy")
    record_and_commit(db, school.id, [entry(children[0], version)], signed_by(parent))
    record_and_commit(db, school.id, [welsh], signed_by(parent, language="en-GB"))
    record_and_commit(
        db, school.id, [entry(children[2], version)], signed_by(parent, language="pl")
    )
    languages = db.scalars(select(Acceptance.language).order_by(Acceptance.id)).all()
    assert languages == ["en", "cy", "pl"]
    assert verify_chains(db).problems == []
    tamper(db, "UPDATE acceptance SET language = 'en' WHERE language = 'cy'", {})
    db.commit()
    [problem] = problems(db)
    assert "was altered" in problem  # the language is part of what is hashed


def test_recording_twice_records_once(db, family, version):
    school, parent, children = family
    first = record_and_commit(db, school.id, [entry(children[0], version)], signed_by(parent))
    again = record_and_commit(db, school.id, [entry(children[0], version)], signed_by(parent))
    assert first[0].new
    assert not again[0].new
    assert again[0].record.id == first[0].record.id
    assert db.scalar(select(func.count()).select_from(Acceptance)) == 1


def test_two_carers_are_both_recorded(db, family, version):
    school, parent, children = family
    other = make_parent(db, school, [children[0]])
    db.commit()
    record_and_commit(db, school.id, [entry(children[0], version)], signed_by(parent))
    record_and_commit(db, school.id, [entry(children[0], version)], signed_by(other))
    actors = db.scalars(select(Acceptance.actor_id).order_by(Acceptance.id)).all()
    assert actors == [parent.id, other.id]


def test_one_member_of_staff_can_record_both_halves_of_a_slip(db, version):
    school = make_school(db)
    child = make_pupil(db, school, year_group=4)
    teacher = make_staff(db, school)
    db.commit()
    outcomes = record_and_commit(
        db,
        school.id,
        [entry(child, version, SELF), entry(child, version, COUNTERSIGN)],
        Signature("staff", teacher.id, method="paper", remark="slips from 4A"),
    )
    assert [o.new for o in outcomes] == [True, True]
    assert {o.record.acting_as for o in outcomes} == {SELF, COUNTERSIGN}


def test_the_session_refuses_to_change_or_delete_a_record(db, family, version):
    record = record_four(db, family, version)[0]
    record.signed_name = "Someone else"
    with pytest.raises(RuntimeError, match="never changed or deleted"):
        db.commit()
    db.rollback()
    db.delete(db.get(Acceptance, record.id))
    with pytest.raises(RuntimeError, match="never changed or deleted"):
        db.flush()
    db.rollback()


# --- Tampering with the database directly ---------------------------------------------------


def tamper(db, sql: str, params: dict) -> None:
    """What someone could do who first dropped the database's guard triggers."""
    connection = db.connection()
    with ledger_guard.suspended(connection):
        connection.execute(text(sql), params)


def problems(db) -> list[str]:
    db.expire_all()
    return [problem.message for problem in verify_chains(db).problems]


def test_an_altered_record_is_named(db, family, version):
    records = record_four(db, family, version)
    tamper(db, "UPDATE acceptance SET signed_name = 'Forged' WHERE id = :id", {"id": records[1].id})
    db.commit()
    assert problems(db) == [
        f"record {records[1].id} was altered: its fields no longer give its hash "
        f"{records[1].record_hash}"
    ]


def test_an_altered_record_with_a_rewritten_hash_is_caught_at_the_next(db, family, version):
    records = record_four(db, family, version)
    tamper(
        db,
        "UPDATE acceptance SET talked_through = :no WHERE id = :id",
        {"no": False, "id": records[1].id},
    )
    forged = db.get(Acceptance, records[1].id, populate_existing=True)
    tamper(
        db,
        "UPDATE acceptance SET record_hash = :h WHERE id = :id",
        {"h": hash_of(forged), "id": records[1].id},
    )
    db.commit()
    [message] = problems(db)
    assert message.startswith(f"record {records[2].id} follows a record that is missing")
    assert f"record {records[1].id} was changed" in message


def test_a_removed_record_is_named(db, family, version):
    records = record_four(db, family, version)
    tamper(db, "DELETE FROM acceptance WHERE id = :id", {"id": records[1].id})
    db.commit()
    [message] = problems(db)
    assert message.startswith(f"record {records[2].id} follows a record that is missing")


def test_removing_the_newest_records_is_caught_by_the_chain_head(db, family, version):
    records = record_four(db, family, version)
    tamper(db, "DELETE FROM acceptance WHERE id >= :id", {"id": records[2].id})
    db.commit()
    assert problems(db) == [
        f"2 record(s) after record {records[1].id} were removed: the chain should have 4 "
        "records and has 2"
    ]


def test_records_out_of_order_are_named(db, family, version):
    records = record_four(db, family, version)
    # Swap the ids of the second and third records.
    parked = max(r.id for r in records) + 1000
    for old, new in (
        (records[1].id, parked),
        (records[2].id, records[1].id),
        (parked, records[2].id),
    ):
        tamper(db, "UPDATE acceptance SET id = :new WHERE id = :old", {"new": new, "old": old})
    db.commit()
    [message] = problems(db)
    assert message.startswith(f"record {records[1].id} is out of order")


def test_a_record_inserted_out_of_order_is_named(db, family, version):
    school, parent, children = family
    records = record_four(db, family, version)
    forged = Acceptance(
        school_id=school.id,
        subject_type="pupil",
        subject_id=children[0].id,
        actor_type="parent",
        actor_id=parent.id,
        acting_as=COUNTERSIGN,
        policy_version_id=version.id,
        content_hash=version.content_hash,
        action="accept",
        method="online",
        language="en",
        signed_name=None,
        talked_through=None,
        remark=None,
        created_at=records[0].created_at,
        previous_hash=records[0].record_hash,
    )
    forged.record_hash = hash_of(forged)
    db.execute(
        Acceptance.__table__.insert().values(
            {
                c.name: getattr(forged, c.name)
                for c in Acceptance.__table__.columns
                if c.name != "id"
            }
        )
    )
    db.commit()
    [message] = problems(db)
    newest = db.scalar(select(func.max(Acceptance.id)))
    assert message == (
        f"record {newest} is out of order: it was made after record {records[0].id}, but comes "
        f"after record {records[3].id}"
    )


def test_schools_have_separate_chains(db, version):
    schools = [make_school(db, name) for name in ("Ash", "Birch")]
    children = [make_pupil(db, school, year_group=1) for school in schools]
    parents = [
        make_parent(db, school, [child]) for school, child in zip(schools, children, strict=True)
    ]
    db.commit()
    for school, child, parent in zip(schools, children, parents, strict=True):
        [outcome] = record_and_commit(db, school.id, [entry(child, version)], signed_by(parent))
        assert outcome.record.previous_hash == GENESIS
    assert verify_chains(db).schools == 2


def test_esafety_audit_verify_exits_1_naming_the_record(app, db, family, version, monkeypatch):
    records = record_four(db, family, version)
    for name, value in (
        ("DATABASE_URL", app.config["DATABASE_URL"]),
        ("SECRET_KEY", "a test secret key, long enough to start"),
        ("POLICIES_DIR", app.config["POLICIES_DIR"]),
    ):
        monkeypatch.setenv(f"ESAFETY_{name}", value)
    ok = CliRunner().invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert ok.output == "OK: 4 agreement records in 1 school; every chain is intact.\n"
    tamper(db, "UPDATE acceptance SET remark = 'x' WHERE id = :id", {"id": records[0].id})
    db.commit()
    broken = CliRunner().invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"record {records[0].id} was altered" in broken.output


# --- Concurrent submissions ------------------------------------------------------------------


def run_at_once(jobs) -> list[BaseException]:
    """Start every job together; return what any of them raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_concurrent_submissions_join_the_chain_one_at_a_time(app, db, family, version):
    """Threads, each with its own connection, record at once: the chain stays whole, and the
    same submission sent four times at once is recorded once."""
    school, parent, children = family
    other = make_parent(db, school, children)
    db.commit()
    sessions = runtime(app).sessions

    def submit(carer, child):
        def job():
            with sessions() as session:
                record_and_commit(session, school.id, [entry(child, version)], signed_by(carer))

        return job

    jobs = [submit(carer, child) for carer in (parent, other) for child in children]
    jobs += [submit(parent, children[0]) for _ in range(4)]  # a double (quadruple) click
    assert run_at_once(jobs) == []
    rows = db.execute(select(Acceptance.actor_id, Acceptance.subject_id)).all()
    assert len(rows) == len(set(rows)) == 8  # both carers for each child, nothing twice
    report = verify_chains(db)
    assert (report.records, report.problems) == (8, [])
    assert db.get(AcceptanceChain, school.id, populate_existing=True).length == 8


def test_a_clash_with_the_unique_constraint_is_already_recorded(app, db, family, version):
    """If another request commits the same record between the check and the insert, the
    constraint stops the duplicate and the caller is told it was recorded already."""
    school, parent, children = family
    sessions = runtime(app).sessions
    calls = []

    def sneak_in(outcomes):
        if not calls:
            calls.append(1)
            raise_integrity()

    def raise_integrity():
        from sqlalchemy.exc import IntegrityError

        raise IntegrityError("INSERT", {}, Exception("uq_acceptance_once"))

    with sessions() as session:
        outcomes = record_and_commit(
            session, school.id, [entry(children[0], version)], signed_by(parent), then=sneak_in
        )
    assert calls == [1]
    assert outcomes[0].new
    assert db.scalar(select(func.count()).select_from(Acceptance)) == 1


# --- Recorded policy versions ----------------------------------------------------------------


def test_published_versions_are_recorded_at_start(app, db):
    rows = db.execute(
        select(
            PolicyVersionRecord.policy,
            PolicyVersionRecord.version,
            PolicyVersionRecord.effective_from,
        )
    ).all()
    assert sorted(rows) == [
        ("junior", "2025.09", dt.date(2025, 9, 1)),
        ("young", "2025.09", dt.date(2025, 9, 1)),
    ]


def test_the_portal_refuses_to_start_if_a_recorded_version_changed(app, agreement_tree):
    path = agreement_tree.policies / "young" / "2025.09.md"
    path.write_text(path.read_text().replace("Be kind online", "Be nice online"))
    (agreement_tree.policies / "published.yml").unlink()
    agreement_tree.publish()  # as if someone re-recorded the hash by hand
    with pytest.raises(ChangedVersionError) as refused:
        create_app({**app.config})
    message = str(refused.value)
    assert "young version 2025.09 (young/2025.09.md) has changed since it was recorded" in message
    assert "publish any change as a new version" in message


def test_the_portal_refuses_to_start_if_a_recorded_version_is_gone(app, agreement_tree):
    (agreement_tree.policies / "junior" / "2025.09.md").unlink()
    agreement_tree.version(slug="junior", name="2025.10")
    (agreement_tree.policies / "published.yml").unlink()
    agreement_tree.publish()
    with pytest.raises(ChangedVersionError, match=r"junior version 2025\.09 was recorded on"):
        create_app({**app.config})


def test_recording_is_safe_when_two_servers_start_at_once(app, db, agreement_tree):
    db.execute(PolicyVersionRecord.__table__.delete())
    db.commit()
    content = catalogue_of(app).content
    sessions = runtime(app).sessions

    def start():
        with sessions() as session:
            record_versions(session, content)

    assert run_at_once([start, start, start]) == []
    assert db.scalar(select(func.count()).select_from(PolicyVersionRecord)) == 2


def test_the_migrations_make_exactly_the_tables_of_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portal.db import Base

    with runtime(app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_db_upgrade_makes_the_tables_then_records_the_versions(tmp_path, project, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    for name, value in (
        ("DATABASE_URL", url),
        ("SECRET_KEY", "a test secret key, long enough to start"),
        ("POLICIES_DIR", str(project / "policies")),
        ("CURRICULUM_DIR", str(project / "curriculum")),
    ):
        monkeypatch.setenv(f"ESAFETY_{name}", value)
    first = CliRunner().invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    published = sum(len(p.published) for p in load_content(project / "policies").policies)
    assert f"Recorded {published} published policy versions." in first.output
    again = CliRunner().invoke(main, ["db", "upgrade"])
    assert again.output == "The database is up to date.\n"


# --- The database's own guard, and anchors kept outside it -----------------------------------


@pytest.fixture
def cli(app, monkeypatch):
    """`esafety` run with only the database named: no secret key, as an inspector would."""
    monkeypatch.setenv("ESAFETY_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.delenv("ESAFETY_SECRET_KEY", raising=False)

    def run(*arguments: str):
        return CliRunner().invoke(main, list(arguments))

    return run


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE acceptance SET signed_name = 'Forged'",
        "DELETE FROM acceptance",
        "UPDATE image_consent SET given = NOT given",
        "DELETE FROM image_consent",
    ],
)
def test_the_database_refuses_to_change_agreement_records(app, db, family, version, sql):
    record_four(db, family, version)
    engine = runtime(app).engine
    with engine.begin() as raw:
        raw.execute(
            text(
                "INSERT INTO image_consent (school_id, pupil_id, purpose, given, "
                "actor_type, actor_id, created_at) SELECT school_id, subject_id, "
                "'website', true, 'parent', actor_id, created_at FROM acceptance"
            )
        )
    with pytest.raises(DBAPIError, match="never changed or deleted"), engine.begin() as raw:
        raw.execute(text(sql))
    assert len(db.scalars(select(Acceptance)).all()) == 4
    assert verify_chains(db).problems == []


def rewrite_everything_after(db, first: Acceptance) -> None:
    """A thorough forger: drop the guard, change a record, then re-hash it and every record
    after it and the head, so the chain in the database verifies again."""
    connection = db.connection()
    with ledger_guard.suspended(connection):
        records = db.scalars(
            select(Acceptance)
            .where(Acceptance.school_id == first.school_id)
            .order_by(Acceptance.id)
        ).all()
        previous = None
        for record in records:
            if record.id == first.id:
                record.signed_name = "Someone Else"
            if previous is not None:
                record.previous_hash = previous
            if record.id >= first.id:
                record.record_hash = hash_of(record)
                connection.execute(
                    update(Acceptance)
                    .where(Acceptance.id == record.id)
                    .values(
                        signed_name=record.signed_name,
                        previous_hash=record.previous_hash,
                        record_hash=record.record_hash,
                    )
                )
            previous = record.record_hash
        connection.execute(
            update(AcceptanceChain)
            .where(AcceptanceChain.school_id == first.school_id)
            .values(last_hash=previous)
        )
    db.expunge_all()
    db.commit()


def test_an_anchor_kept_elsewhere_catches_a_rewrite_of_the_whole_chain(
    db, family, version, cli, tmp_path
):
    records = record_four(db, family, version)
    anchors = tmp_path / "anchors.jsonl"
    written = cli("audit", "anchor", "--out", str(anchors))
    assert written.exit_code == 0, written.output
    assert cli("audit", "verify", "--anchor", str(anchors)).exit_code == 0
    rewrite_everything_after(db, records[1])
    assert verify_chains(db).problems == []  # the chain alone no longer shows it
    result = cli("audit", "verify", "--anchor", str(anchors))
    assert result.exit_code == 1
    assert "record number 4 no longer has the hash the anchor" in result.output
    assert "the chain was rewritten" in result.output


def test_an_anchor_shows_records_removed_with_the_head_rewritten(
    db, family, version, cli, tmp_path
):
    records = record_four(db, family, version)
    anchors = tmp_path / "anchors.jsonl"
    cli("audit", "anchor", "--out", str(anchors))
    connection = db.connection()
    with ledger_guard.suspended(connection):
        connection.execute(text("DELETE FROM acceptance WHERE id >= :id"), {"id": records[2].id})
        connection.execute(
            update(AcceptanceChain).values(length=2, last_hash=records[1].record_hash)
        )
    db.commit()
    assert verify_chains(db).problems == []
    result = cli("audit", "verify", "--anchor", str(anchors))
    assert result.exit_code == 1
    assert "now has fewer, so records were removed" in result.output


def test_a_damaged_anchor_file_is_named_with_its_line(cli, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text('{"at": "x", "schools": []}\nnot json\n')
    result = cli("audit", "verify", "--anchor", str(anchors))
    assert result.exit_code == 1
    assert f"{anchors}:2: not an anchor" in result.output


def test_audit_verify_reports_an_edited_version_hash_without_a_traceback(db, family, version, cli):
    record_four(db, family, version)
    db.execute(
        update(PolicyVersionRecord)
        .where(PolicyVersionRecord.id == version.id)
        .values(content_hash="f" * 64)
    )
    db.commit()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "young 2025.09: its recorded hash ffffffffffff... is not the hash" in result.output


def test_audit_verify_and_anchor_need_no_secret_key(db, family, version, cli):
    record_four(db, family, version)
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "4 agreement records in 1 school" in result.output
    assert '"records": 4' in cli("audit", "anchor").output
