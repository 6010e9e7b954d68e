"""Power cuts in the middle of a parents' evening: 200 parents sign their family's agreements
through a real server (gunicorn, two worker processes) while it is killed outright (SIGKILL, the
master and every worker at once) at several moments and started again each time.

Afterwards every agreement the server confirmed is stored exactly once, no submission is half
written (its records, its audit event and its emailed receipt are all there, or none are), the
hash chains verify, and the database itself is sound (SQLite's integrity check; PostgreSQL's
amcheck where installed). The moments are chosen by a seeded random generator: failures name
the seed, and ESAFETY_FAULT_SEED=<seed> replays the same moments.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from portal.content import calendar
from portal.db import Base
from portal.models import PEOPLE, Acceptance, AuditEvent, OutboxMessage, Parent, Pupil
from portal.models import PolicyVersionRecord as PolicyVersion
from portal.services import agreements
from portal.services.acceptance import Entry, Signature, append, verify_chains
from portal.services.agreements import COUNTERSIGN, PARENT, SELF
from portal.web.runtime import runtime
from tests.factories import catalogue_of, make_class, make_parent, make_pupil, make_school
from tests.live_server import (
    Browser,
    Gunicorn,
    confirms,
    portal_settings,
    session_with_form_token,
)

FAMILIES = 200
KILLS = 4
PARENTS_AT_ONCE = 8  # browsers submitting at the same moment (the server: 2 workers x 4 threads)
SEED = int(os.environ.get("ESAFETY_FAULT_SEED", "20261127"))
HEX64 = re.compile(r"[0-9a-f]{64}")
# What one family's submission records: the parent's own agreement, the 4 to 7 agreement for
# the Reception child, and the countersignature of the Year 4 child's 7 to 11 agreement.
SIGNED = {"parent-agreement": SELF, "pupil-aup-4-7": PARENT, "pupil-aup-7-11": COUNTERSIGN}


@pytest.fixture
def policies_dir(project):
    return project / "policies"


def seed_families(app, db) -> list[dict]:
    """200 families: a Reception child and a Year 4 child who has signed their own part of the
    7 to 11 agreement, so a parent's countersignature completes it. Every tenth parent has no
    email address (no receipt is emailed to them)."""
    school = make_school(db)
    reception = make_class(db, school, "Reception", 0)
    year4 = make_class(db, school, "4A", 4)
    families = []
    for number in range(FAMILIES):
        little = make_pupil(db, school, reception)
        junior = make_pupil(db, school, year4)
        email = None if number % 10 == 9 else ""
        parent = make_parent(db, school, [little, junior], email=email)
        cookie, form_token = session_with_form_token(app, db, parent)
        families.append(
            {
                "parent": parent.id,
                "email": parent.email,
                "little": little.id,
                "junior": junior.id,
                "cookie": cookie,
                "form_token": form_token,
            }
        )
    db.commit()
    rules = agreements.rules(catalogue_of(app), calendar.school_today())
    (junior_rule,) = [rule for rule in rules if rule.policy.slug == "pupil-aup-7-11"]
    for family in families:  # one transaction: the children signed in class last week
        entry = Entry.to(junior_rule.in_force, "pupil", family["junior"], SELF)
        append(db, school.id, [entry], Signature("pupil", family["junior"], remark="Be kind."))
    db.commit()
    return families


@pytest.mark.long
def test_confirmed_agreements_survive_repeated_kills(app, db, project, tmp_path, real_clock):
    families = seed_families(app, db)
    db.close()
    rng = random.Random(SEED)
    kill_after = sorted(rng.sample(range(20, FAMILIES - 20), KILLS))  # submissions begun
    kill_delays = [rng.uniform(0, 0.04) for _ in kill_after]
    seed = f"ESAFETY_FAULT_SEED={SEED}: kills after submissions {kill_after}"

    settings = portal_settings(app.config["DATABASE_URL"], project, app.config["SECRET_KEY"])
    outcomes: dict[int, str] = {}
    with Gunicorn(project, settings, tmp_path) as server:
        browsers = [Browser(server.port, family["cookie"]) for family in families]
        # Every parent has the family page open: the same agreements, their own session.
        browsers[0].open_family_form([families[0]["little"], families[0]["junior"]])
        shown = browsers[0].form["shown"]
        assert {key.split(":")[0] for key in shown.split(",")} == set(SIGNED)
        for browser, family in zip(browsers, families, strict=True):
            children = [family["little"], family["junior"]]
            browser.fill_family_form(family["form_token"], shown, children)
        begun = 0
        changed = threading.Condition()
        up = threading.Event()
        up.set()

        def sign(index: int) -> None:
            nonlocal begun
            up.wait()
            with changed:
                begun += 1
                changed.notify_all()
            try:
                response = browsers[index].submit_family_form()
            except OSError:
                outcomes[index] = "lost"  # no answer: the parent cannot know whether it worked
                return
            outcomes[index] = "confirmed" if confirms(response) else f"HTTP {response.status}"

        with ThreadPoolExecutor(PARENTS_AT_ONCE) as pool:
            signing = [pool.submit(sign, index) for index in range(FAMILIES)]
            try:
                for after, delay in zip(kill_after, kill_delays, strict=True):
                    with changed:
                        assert changed.wait_for(lambda after=after: begun >= after, 120), seed
                    time.sleep(delay)
                    up.clear()
                    server.kill()  # as if the power went
                    server.start()
                    up.set()
            finally:
                up.set()  # whatever happened, no browser waits for ever
            for future in signing:
                future.result(120)

        assert server.starts == KILLS + 1
        odd = {index: outcome for index, outcome in outcomes.items() if outcome.startswith("HTTP")}
        assert odd == {}, f"{seed}: answers that were neither a confirmation nor nothing"
        confirmed = {index for index, outcome in outcomes.items() if outcome == "confirmed"}
        lost = {index for index, outcome in outcomes.items() if outcome == "lost"}
        assert len(confirmed) + len(lost) == FAMILIES
        assert lost, f"{seed}: no kill caught a submission in flight"

        with runtime(app).sessions() as check:
            stored = whole_submissions(check, families, seed)
            missing = [index for index in confirmed if index not in stored]
            assert missing == [], f"{seed}: confirmed agreements lost: families {missing}"

        # Each parent whose page failed presses "I agree" again: recorded once, confirmed.
        for index in sorted(lost):
            response = browsers[index].submit_family_form()
            assert confirms(response), f"{seed}: family {index} again: {response.status}"

    with runtime(app).sessions() as check:
        assert whole_submissions(check, families, seed) == set(range(FAMILIES)), seed
        assert_two_part_agreements_complete(app, check)
        assert_chains_whole(check, seed)
        assert_database_sound(check)


def whole_submissions(db, families: list[dict], seed: str) -> set[int]:
    """The families whose submission is stored, each exactly once and whole: its three records,
    one audit event naming exactly them and (with an email address) one receipt. A submission
    that is not stored has left nothing behind."""
    records = defaultdict(list)
    for record in db.scalars(select(Acceptance).where(Acceptance.actor_type == "parent")):
        records[record.actor_id].append(record)
    events = defaultdict(list)
    for event in db.scalars(select(AuditEvent).where(AuditEvent.action == "agreements-signed")):
        events[event.actor_id].append(event)
    receipts = Counter(db.scalars(select(OutboxMessage.to_address)))
    versions = {
        record_id: slug for (slug, _), record_id in policy_ids(db).items() if slug in SIGNED
    }
    stored = set()
    for index, family in enumerate(families):
        mine = records.pop(family["parent"], [])
        theirs = events.pop(family["parent"], [])
        emailed = receipts.pop(family["email"], 0) if family["email"] else 0
        where = f"{seed}: family {index}"
        if not mine:
            assert (theirs, emailed) == ([], 0), f"{where}: an event or receipt without records"
            continue
        parts = sorted(
            (versions.get(r.policy_version_id), r.acting_as, r.subject_type, r.subject_id)
            for r in mine
        )
        assert parts == sorted(
            [
                ("parent-agreement", SELF, "parent", family["parent"]),
                ("pupil-aup-4-7", PARENT, "pupil", family["little"]),
                ("pupil-aup-7-11", COUNTERSIGN, "pupil", family["junior"]),
            ]
        ), f"{where}: half written or written twice: {parts}"
        for record in mine:
            assert record.signed_name == "A Parent", where
            assert record.talked_through is (None if record.acting_as == SELF else True), where
        assert len(theirs) == 1, f"{where}: {len(theirs)} audit events"
        assert sorted(theirs[0].detail["records"]) == sorted(r.id for r in mine), where
        assert emailed == (1 if family["email"] else 0), f"{where}: {emailed} receipts"
        stored.add(index)
    assert records == {}, f"{seed}: records by parents nobody seeded"
    assert events == {}, f"{seed}: audit events nobody made"
    assert receipts == Counter(), f"{seed}: receipts to nobody: {receipts}"
    return stored


def policy_ids(db) -> dict[tuple[str, str], int]:
    rows = db.execute(select(PolicyVersion.policy, PolicyVersion.version, PolicyVersion.id))
    return {(policy, version): record_id for policy, version, record_id in rows}


def assert_two_part_agreements_complete(app, db) -> None:
    """The school's own counts agree: every child's agreements and every parent's are done."""
    rules = agreements.rules(catalogue_of(app), calendar.school_today())
    school_id = db.scalar(select(Parent.school_id).limit(1))
    expected = {"parent-agreement": "signed", "pupil-aup-4-7": "signed"}
    expected["pupil-aup-7-11"] = "countersigned"
    for rule in rules:
        if rule.policy.slug in expected:
            total = agreements.status_total(db, rule, school_id)
            assert total.total == FAMILIES, rule.policy.slug
            assert total.counts[expected[rule.policy.slug]] == FAMILIES, (rule.policy.slug, total)


def assert_chains_whole(db, seed: str) -> None:
    assert db.scalar(select(func.count()).select_from(Pupil)) == 2 * FAMILIES
    for record in db.scalars(select(Acceptance)):
        assert HEX64.fullmatch(record.record_hash), f"{seed}: record {record.id}"
        assert HEX64.fullmatch(record.previous_hash), f"{seed}: record {record.id}"
    report = verify_chains(db)
    assert report.problems == [], f"{seed}: {report.problems}"
    assert report.records == FAMILIES * (len(SIGNED) + 1)  # and each child's own signature


def assert_database_sound(db) -> None:
    """Every table reads back in full, every foreign key points at a row, and the database's
    own checker finds nothing wrong."""
    for table in Base.metadata.sorted_tables:
        db.execute(select(table)).all()
        for key in table.foreign_keys:
            orphans = db.scalar(
                select(func.count())
                .select_from(table.outerjoin(key.column.table, key.parent == key.column))
                .where(key.parent.is_not(None), key.column.is_(None))
            )
            assert orphans == 0, f"{table.name}.{key.parent.name}: {orphans} orphan rows"
    people = (
        (Acceptance.subject_type, Acceptance.subject_id),
        (Acceptance.actor_type, Acceptance.actor_id),
    )
    for kind, model in PEOPLE.items():  # the records' people, who have no key
        for kind_column, id_column in people:
            orphans = db.scalar(
                select(func.count())
                .select_from(Acceptance)
                .outerjoin(model, model.id == id_column)
                .where(kind_column == kind, model.id.is_(None))
            )
            assert orphans == 0, f"acceptance {id_column.key} names a missing {kind}"
    if db.get_bind().dialect.name == "sqlite":
        assert db.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert db.execute(text("PRAGMA foreign_key_check")).all() == []
        return
    available = db.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'"))
    if not available:
        return  # read back in full and the keys hold; nothing deeper to ask
    db.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    indexes = db.scalars(
        text(
            "SELECT c.oid::regclass::text FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = current_schema()"
        )
    ).all()
    assert indexes
    for index in indexes:  # every index matches its table, entry for entry
        db.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index})
    for table in Base.metadata.sorted_tables:
        damage = db.execute(
            text("SELECT * FROM verify_heapam(CAST(:t AS regclass))"), {"t": table.name}
        ).all()
        assert damage == [], f"{table.name}: {damage}"
    db.commit()
