"""Backups: a copy taken while agreements and quiz answers are being written holds one moment
of the database; restored into an empty database it has exactly the rows its manifest lists,
passes the integrity check and its agreement chain verifies. A restore never writes over a
database with people in it, and a damaged backup is refused, naming what is wrong."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal.cli import main
from portal.content import load_content
from portal.db import make_engine
from portal.migrate import upgrade
from portal.models import PolicyVersionRecord, QuizAnswer, QuizAttempt
from portal.operations import postgres_tools
from portal.operations.backup import backup
from portal.operations.backup_checks import BackupError, manifest_path, sha256_of
from portal.operations.postgres_tools import Tool, Version
from portal.operations.restore import head_revision, restore
from portal.services.acceptance import Entry, Signature, record_and_commit, verify_chains
from portal.services.agreements import PARENT
from portal.services.policy_records import record_versions
from portal.web.runtime import runtime
from tests.factories import ContentTree, make_parent, make_pupil, make_school
from tests.portal_fixtures import empty_database

ANSWERS_PER_ATTEMPT = 5


@pytest.fixture
def agreement_tree(tmp_path) -> ContentTree:
    tree = ContentTree(tmp_path / "project")
    tree.policy("young", accepted_by=["pupils-4-7-via-parent"], renew=["new-version"])
    tree.version(slug="young")
    tree.publish()
    return tree


@pytest.fixture
def policies_dir(agreement_tree):
    return agreement_tree.policies


@pytest.fixture
def version_id(db) -> int:
    return db.scalar(select(PolicyVersionRecord.id).where(PolicyVersionRecord.policy == "young"))


@pytest.fixture
def schools(db):
    """Two schools (two chains), each with 30 young children and two carers for all of them."""
    made = []
    for name in ("Ash", "Birch"):
        school = make_school(db, name)
        children = [make_pupil(db, school, year_group=1) for _ in range(30)]
        carers = [make_parent(db, school, children) for _ in range(2)]
        made.append((school, children, carers))
    db.commit()
    return made


@pytest.fixture
def empty_url(database_url, tmp_path) -> str:
    """A new, empty database of the same kind, as on a new server: no tables at all."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with empty_database(kind, tmp_path / "new-server") as url:
        yield url


@pytest.fixture
def upgraded_empty_url(empty_url, policies_dir) -> str:
    """An empty instance after `esafety db upgrade`: the tables, the published policy
    versions recorded, and nobody in it."""
    if empty_url.startswith("sqlite"):
        Path(empty_url.removeprefix("sqlite:///")).parent.mkdir()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with Session(engine) as session:
        record_versions(session, load_content(policies_dir))
    engine.dispose()
    return empty_url


def version_hash(session, version_id: int) -> str:
    return session.get(PolicyVersionRecord, version_id).content_hash


def agree(session, school, child, carer, version_id) -> None:
    record_and_commit(
        session,
        school.id,
        [Entry("pupil", child.id, PARENT, version_id, version_hash(session, version_id), True)],
        Signature("parent", carer.id, signed_name=carer.name),
    )


def answer_a_quiz(session, school, pupil) -> None:
    """One attempt and its answers, in one transaction."""
    attempt = QuizAttempt(
        school_id=school.id, pupil_id=pupil.id, lesson_id="ey-si-ask", total=ANSWERS_PER_ATTEMPT
    )
    session.add(attempt)
    session.flush()
    for n in range(ANSWERS_PER_ATTEMPT):
        session.add(
            QuizAnswer(
                school_id=school.id,
                attempt_id=attempt.id,
                pupil_id=pupil.id,
                lesson_id="ey-si-ask",
                question_id=f"q{n}",
                outcome_id="si-1",
                chosen=[0],
                correct=n % 2 == 0,
            )
        )
    session.commit()


def counts_in(url: str, tables) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
                for name in tables
            }
    finally:
        engine.dispose()


def check_restored(url: str, manifest: dict) -> None:
    """The restored database equals the manifest, passes integrity_check and its chains
    verify; every quiz attempt came with all its answers (no half-written transaction)."""
    assert counts_in(url, manifest["tables"]) == manifest["tables"]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if url.startswith("sqlite"):
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            answers = connection.execute(select(func.count()).select_from(QuizAnswer)).scalar()
            attempts = connection.execute(select(func.count()).select_from(QuizAttempt)).scalar()
            assert answers == ANSWERS_PER_ATTEMPT * attempts
        with Session(engine) as session:
            report = verify_chains(session)
        assert report.problems == []
        assert report.records == manifest["tables"]["acceptance"]
    finally:
        engine.dispose()


# --- A backup while the portal is busy -------------------------------------------------------


def test_a_backup_taken_during_a_burst_of_writes_restores_whole(
    app, db, schools, version_id, empty_url, tmp_path
):
    """Carers agree and pupils answer quizzes in several threads while the backup runs."""
    sessions = runtime(app).sessions
    stop = threading.Event()
    committed: list[str] = []
    errors: list[BaseException] = []

    def carer_agrees(school, children, carer):
        with sessions() as session:
            for child in children:
                if stop.is_set():
                    return
                agree(session, school, child, carer, version_id)
                committed.append("agreement")
                time.sleep(0.002)

    def pupils_answer(school, children):
        with sessions() as session:
            while not stop.is_set():
                for pupil in children[:5]:
                    answer_a_quiz(session, school, pupil)
                    committed.append("quiz")
                    time.sleep(0.002)

    def run(job, *args):
        try:
            job(*args)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(carer_agrees, school, children, carer))
        for school, children, carers in schools
        for carer in carers
    ]
    threads += [
        threading.Thread(target=run, args=(pupils_answer, school, children))
        for school, children, _ in schools
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and not errors
            and (committed.count("agreement") < 10 or committed.count("quiz") < 2)
        ):
            time.sleep(0.005)
        before = len(committed)
        dest = tmp_path / "backups" / "esafety.backup"
        dest.parent.mkdir()
        report = backup(app.config["DATABASE_URL"], dest)
        during = len(committed) - before
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert during > 0, "nothing was written while the backup ran"
    assert report.ok, [str(check) for check in report.checks]
    manifest = json.loads(report.manifest_path.read_text())
    assert manifest["tables"]["acceptance"] >= 10
    assert manifest["tables"]["quiz_answer"] > 0
    live = counts_in(app.config["DATABASE_URL"], ["acceptance", "quiz_answer"])
    assert live["acceptance"] + live["quiz_answer"] > (
        manifest["tables"]["acceptance"] + manifest["tables"]["quiz_answer"]
    ), "the portal went on writing after the snapshot"

    restored = restore(dest, empty_url)
    assert [check.name for check in restored.checks if not check.ok] == []
    check_restored(empty_url, manifest)


def test_the_copy_holds_the_moment_its_rows_were_counted(
    app, db, schools, version_id, upgraded_empty_url, tmp_path
):
    """Writes committed after the snapshot, while the copy is being made, are not in it: the
    counts in the manifest and the copy agree exactly. The target is an upgraded, empty
    instance, with the policy versions already recorded."""
    school, children, carers = schools[0]
    sessions = runtime(app).sessions
    for child in children[:3]:
        agree(db, school, child, carers[0], version_id)
    answer_a_quiz(db, school, children[0])

    def write_meanwhile():
        with sessions() as session:
            agree(session, school, children[3], carers[0], version_id)
            answer_a_quiz(session, school, children[1])

    dest = tmp_path / "esafety.backup"
    report = backup(app.config["DATABASE_URL"], dest, during=write_meanwhile)
    assert report.ok, [str(check) for check in report.checks]
    manifest = json.loads(report.manifest_path.read_text())
    assert manifest["tables"]["acceptance"] == 3
    assert manifest["tables"]["quiz_attempt"] == 1
    assert manifest["tables"]["quiz_answer"] == ANSWERS_PER_ATTEMPT
    assert counts_in(app.config["DATABASE_URL"], ["acceptance"]) == {"acceptance": 4}

    restored = restore(dest, upgraded_empty_url)
    assert restored.ok, [str(check) for check in restored.checks]
    check_restored(upgraded_empty_url, manifest)


def test_the_manifest_describes_the_backup(app, db, schools, version_id, tmp_path):
    school, children, carers = schools[0]
    agree(db, school, children[0], carers[0], version_id)
    dest = tmp_path / "esafety.backup"
    backup(app.config["DATABASE_URL"], dest)
    manifest = json.loads((tmp_path / "esafety.backup.manifest.json").read_text())
    kind = "sqlite" if app.config["DATABASE_URL"].startswith("sqlite") else "postgresql"
    assert manifest["format"] == "esafety-backup 1"
    assert manifest["source"]["kind"] == kind
    assert manifest["schema_revision"] == head_revision()
    assert manifest["created_at"].endswith("Z")
    assert manifest["sha256"] == sha256_of(dest)
    assert manifest["bytes"] == dest.stat().st_size
    assert manifest["tables"]["pupil"] == 60
    assert manifest["tables"]["acceptance"] == 1
    assert {check["name"] for check in manifest["checks"]} >= {"rows", "schema", "chain"}
    assert all(check["ok"] for check in manifest["checks"])
    assert "password" not in json.dumps(manifest["source"])
    with pytest.raises(BackupError, match="already exists"):
        backup(app.config["DATABASE_URL"], dest)


# --- Restore refuses -------------------------------------------------------------------------


def test_restore_refuses_a_database_with_people_in_it(app, db, schools, version_id, tmp_path):
    dest = tmp_path / "esafety.backup"
    backup(app.config["DATABASE_URL"], dest)
    school, children, carers = schools[0]
    agree(db, school, children[0], carers[0], version_id)  # the live database moves on
    with pytest.raises(BackupError) as refused:
        restore(dest, app.config["DATABASE_URL"])
    message = str(refused.value)
    assert message.startswith("Refusing to restore")
    assert "school (2 rows)" in message
    assert "pupil (60 rows)" in message
    assert "parent (4 rows)" in message
    assert "nothing was changed" in message
    assert counts_in(app.config["DATABASE_URL"], ["acceptance"]) == {"acceptance": 1}


def flip_bytes(path: Path, offset: int, length: int = 16) -> None:
    data = bytearray(path.read_bytes())
    for n in range(offset, offset + length):
        data[n] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_backup_is_refused_by_its_checksum(app, db, schools, empty_url, tmp_path):
    dest = tmp_path / "esafety.backup"
    backup(app.config["DATABASE_URL"], dest)
    recorded = json.loads(manifest_path(dest).read_text())["sha256"]
    flip_bytes(dest, dest.stat().st_size // 2)
    with pytest.raises(BackupError) as refused:
        restore(dest, empty_url)
    message = str(refused.value)
    assert f"{dest} is damaged or is not the file its manifest describes" in message
    assert f"its SHA-256 is {sha256_of(dest)}" in message
    assert f"the manifest says {recorded}" in message
    assert "Nothing was restored" in message
    if empty_url.startswith("sqlite"):
        assert not Path(empty_url.removeprefix("sqlite:///")).exists()


def compressed_block_holding(path: Path, words: bytes) -> tuple[int, int]:
    """Where in a pg_dump archive the zlib stream whose data holds `words` starts and ends."""
    data = path.read_bytes()
    for start in (n for n in range(len(data) - 1) if data[n : n + 2] == b"\x78\x9c"):
        stream = zlib.decompressobj()
        try:
            plain = stream.decompress(data[start:])
        except zlib.error:
            continue
        if stream.eof and words in plain:
            return start, len(data) - len(stream.unused_data)
    raise AssertionError(f"no compressed block in {path} holds {words!r}")


@pytest.mark.parametrize("where", ["header", "pupils"])
def test_damage_is_found_even_when_the_checksum_was_taken_after_it(
    app, db, schools, version_id, empty_url, tmp_path, where
):
    """If the file was damaged before its checksum was written, the checks themselves name
    the problem: SQLite cannot open it or its integrity check fails; pg_restore cannot read
    the archive, or fails on the damaged table data and restores nothing."""
    school, children, carers = schools[0]
    for child in children[:5]:
        agree(db, school, child, carers[0], version_id)
    dest = tmp_path / "esafety.backup"
    backup(app.config["DATABASE_URL"], dest)
    sqlite = app.config["DATABASE_URL"].startswith("sqlite")
    if where == "header":
        flip_bytes(dest, 0, 16 if sqlite else 8)  # SQLite's "SQLite format 3"; pg_dump's "PGDMP"
    elif sqlite:
        with closing(sqlite3.connect(dest)) as copy:
            page_size = copy.execute("PRAGMA page_size").fetchone()[0]
            root = copy.execute("SELECT rootpage FROM sqlite_master WHERE name = 'pupil'")
            flip_bytes(dest, (root.fetchone()[0] - 1) * page_size, 8)  # the page's header
    else:
        start, end = compressed_block_holding(dest, children[0].first_name.encode())
        flip_bytes(dest, (start + end) // 2, 8)
    manifest_file = manifest_path(dest)
    manifest = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps(manifest | {"sha256": sha256_of(dest)}))

    if sqlite or where == "header":
        with pytest.raises(BackupError) as refused:
            restore(dest, empty_url)
        expected = {
            (True, "header"): "SQLite cannot check it: file is not a database",
            (True, "pupils"): "SQLite cannot check it: database disk image is malformed",
            (False, "header"): "pg_restore cannot read it (pg_restore: error: ",
        }[sqlite, where]
        assert str(refused.value).startswith(f"{dest} is damaged: {expected}")
        assert "Nothing was restored" in str(refused.value)
        if sqlite:
            assert not Path(empty_url.removeprefix("sqlite:///")).exists()
        return
    report = restore(dest, empty_url)
    [failed] = report.checks
    assert not failed.ok
    assert failed.name == "restore"
    assert failed.detail.startswith("pg_restore: pg_restore: error: could not uncompress data")
    assert failed.detail.endswith("; nothing was restored")
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        tables = connection.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).scalar()
    engine.dispose()
    assert tables == 0  # one transaction: nothing half-restored


def test_restore_refuses_a_backup_of_the_other_kind(app, db, tmp_path):
    dest = tmp_path / "esafety.backup"
    backup(app.config["DATABASE_URL"], dest)
    other = (
        "postgresql+psycopg://postgres@127.0.0.1/nowhere"
        if app.config["DATABASE_URL"].startswith("sqlite")
        else f"sqlite:///{tmp_path / 'x.sqlite'}"
    )
    with pytest.raises(BackupError, match=r"Restore it into a (sqlite|postgresql) database"):
        restore(dest, other)


def test_restore_needs_the_manifest(app, db, tmp_path, empty_url):
    dest = tmp_path / "esafety.backup"
    backup(app.config["DATABASE_URL"], dest)
    manifest_path(dest).unlink()
    with pytest.raises(
        BackupError, match=r"There is no manifest beside .*esafety\.backup\.manifest"
    ):
        restore(dest, empty_url)


# --- The commands ------------------------------------------------------------------------------


def test_the_commands_back_up_restore_and_refuse(
    app, db, schools, version_id, empty_url, tmp_path, monkeypatch
):
    school, children, carers = schools[1]
    agree(db, school, children[0], carers[1], version_id)
    dest = tmp_path / "esafety.backup"
    monkeypatch.setenv("ESAFETY_DATABASE_URL", app.config["DATABASE_URL"])
    made = CliRunner().invoke(main, ["backup", str(dest)])
    assert made.exit_code == 0, made.output
    assert f"Manifest: {dest}.manifest.json" in made.output
    assert "OK     chain: 1 agreement records in 1 school; every chain is intact" in made.output
    assert "store it encrypted" in made.output

    monkeypatch.setenv("ESAFETY_DATABASE_URL", empty_url)
    restored = CliRunner().invoke(main, ["restore", str(dest)])
    assert restored.exit_code == 0, restored.output
    assert "OK     rows: " in restored.output
    assert "OK     chain: 1 agreement records in 1 school; every chain is intact" in restored.output

    again = CliRunner().invoke(main, ["restore", str(dest)])
    assert again.exit_code == 1
    assert "Refusing to restore" in again.output
    assert "pupil (60 rows)" in again.output


# --- Client and server versions ----------------------------------------------------------------


def test_a_server_newer_than_pg_dump_is_named_clearly(monkeypatch):
    monkeypatch.setattr(
        postgres_tools,
        "installed_tools",
        lambda name: [Tool(Path(f"/usr/bin/{name}"), Version(15, "15.20"))],
    )
    with pytest.raises(BackupError) as refused:
        postgres_tools.pg_tool("pg_dump", Version(17, "17.2"))
    message = str(refused.value)
    assert "The PostgreSQL server is version 17.2, newer than pg_dump here" in message
    assert "(version 15.20, /usr/bin/pg_dump)" in message
    assert "install the PostgreSQL 17 client programs" in message


def test_the_client_of_the_servers_version_is_chosen(monkeypatch):
    tools = [
        Tool(Path("/usr/lib/postgresql/15/bin/pg_dump"), Version(15, "15.20")),
        Tool(Path("/usr/lib/postgresql/16/bin/pg_dump"), Version(16, "16.4")),
        Tool(Path("/usr/lib/postgresql/17/bin/pg_dump"), Version(17, "17.2")),
    ]
    monkeypatch.setattr(postgres_tools, "installed_tools", lambda name: list(tools))
    assert postgres_tools.pg_tool("pg_dump", Version(16, "16.1")).version.major == 16
    assert postgres_tools.pg_tool("pg_dump", Version(14, "14.9")).version.major == 17


def test_a_dump_that_cannot_be_checked_is_kept_and_says_so(app, db, schools, tmp_path):
    """A database user who may not create databases still gets the dump and its manifest,
    with a failed check naming what is missing."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: SQLite copies are checked in place")
    role = f"esafety_backup_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    with engine.connect() as connection:
        for statement in (
            f"CREATE ROLE {role} LOGIN NOCREATEDB",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ):
            connection.exec_driver_sql(statement)
        connection.commit()
    engine.dispose()
    try:
        dest = tmp_path / "esafety.backup"
        report = backup(url.replace("postgres@", f"{role}@"), dest)
        assert not report.ok
        [failed] = report.checks
        assert failed.name == "restore"
        assert "The backup was written, but it could not be checked" in failed.detail
        assert "permission to create databases (CREATEDB)" in failed.detail
        manifest = json.loads(report.manifest_path.read_text())
        assert manifest["sha256"] == sha256_of(dest)
        assert manifest["tables"]["pupil"] == 60
        assert manifest["checks"] == [{"name": "restore", "ok": False, "detail": failed.detail}]
    finally:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
            connection.exec_driver_sql(f"DROP ROLE {role}")
            connection.commit()
        engine.dispose()
